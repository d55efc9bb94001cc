"""Reads for community mentoring: the coordinator's drift lists and the report for a date range.
Every read starts from `visible_to(user)`, except the report's partnership counts (no names) for
someone allowed the partnership's figures."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from access import policy
from mentoring.models import (
    Match,
    Mentor,
    MentoringReferral,
    MentoringSession,
    MentorStatus,
    MentorStep,
    ReferralStatus,
    add_years,
    dbs_renewal_years,
)

NO_SESSION_DAYS = 21
WAITING_DAYS = 28
EXPIRY_WARNING_DAYS = 60
CHECKED_STATUSES = (MentorStatus.IN_TRAINING, MentorStatus.ACTIVE, MentorStatus.PAUSED)


def matches_without_recent_session(user: Any, on: date | None = None) -> QuerySet[Match]:
    """Active matches with no session in the last 21 days (counting from the start for new ones)."""
    on = on or timezone.localdate()
    cutoff = on - timedelta(days=NO_SESSION_DAYS)
    return (
        Match.objects.visible_to(user)
        .active()
        .annotate(last_session=Max("sessions__held_on"))
        .filter(Q(last_session__lt=cutoff) | Q(last_session__isnull=True, started_on__lt=cutoff))
        .select_related("mentor", "child")
        .order_by("last_session", "started_on", "id")
    )


def waiting_too_long(user: Any, on: date | None = None) -> QuerySet[MentoringReferral]:
    on = on or timezone.localdate()
    return (
        MentoringReferral.objects.visible_to(user)
        .filter(status=ReferralStatus.WAITING, referred_on__lt=on - timedelta(days=WAITING_DAYS))
        .select_related("child")
        .order_by("referred_on", "id")
    )


def checks_expiring(user: Any, on: date | None = None) -> QuerySet[Mentor]:
    """Mentors whose DBS check expires within 60 days, or has expired."""
    on = on or timezone.localdate()
    checked_before = add_years(on + timedelta(days=EXPIRY_WARNING_DAYS), -dbs_renewal_years())
    return (
        Mentor.objects.visible_to(user)
        .filter(status__in=CHECKED_STATUSES, dbs_checked_on__isnull=False, dbs_checked_on__lte=checked_before)
        .order_by("dbs_checked_on", "id")
    )


def access_ending(user: Any, on: date | None = None) -> QuerySet[Match]:
    """Active matches whose mentor's access (a year at a time) ends within 60 days, or has ended."""
    on = on or timezone.localdate()
    return (
        Match.objects.visible_to(user)
        .active()
        .filter(
            Q(access_grant__ends_on__lte=on + timedelta(days=EXPIRY_WARNING_DAYS))
            | Q(access_grant__ended_at__isnull=False)
        )
        .select_related("mentor", "child", "access_grant")
        .order_by("access_grant__ends_on", "id")
    )


def waiting_list(user: Any) -> QuerySet[MentoringReferral]:
    return (
        MentoringReferral.objects.visible_to(user)
        .open()
        .select_related("child", "referred_by", "referrer_agency")
        .order_by("referred_on", "id")
    )


def mentor_list(user: Any, status: str = "") -> QuerySet[Mentor]:
    mentors = Mentor.objects.visible_to(user).annotate(
        active_matches=Count("matches", filter=Q(matches__ended_on__isnull=True))
    )
    if status in MentorStatus.values:
        mentors = mentors.filter(status=status)
    return mentors.order_by("family_name", "given_name", "id")


def mentor_matches(user: Any) -> QuerySet[Match]:
    """A mentor's own active matches (young people they can see through the match's grant)."""
    return (
        Match.objects.visible_to(user)
        .active()
        .filter(mentor__user_id=user.pk)
        .select_related("child", "referral", "mentor")
        .order_by("started_on", "id")
    )


# The report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentoringReport:
    start: date
    end: date
    mentors_by_status: dict[str, int]
    matched_active: int
    matched_started: int
    waiting: int
    in_preparation: int
    sessions_attended: int
    sessions_missed: int
    hours: float

    def rows(self) -> list[tuple[str, Any]]:
        return [
            *(
                (f"Mentors {MentorStatus(status).label.lower()}", count)
                for status, count in self.mentors_by_status.items()
            ),
            ("Young people matched (active on the last day)", self.matched_active),
            ("Young people matched (started in the period)", self.matched_started),
            ("Young people waiting (on the last day)", self.waiting),
            ("Young people in preparation (on the last day)", self.in_preparation),
            ("Sessions attended", self.sessions_attended),
            ("Sessions not attended", self.sessions_missed),
            ("Hours of mentoring (attended sessions)", self.hours),
        ]


REPORTED_STATUSES = (MentorStatus.ACTIVE, MentorStatus.IN_TRAINING, MentorStatus.PAUSED)


def mentors_by_status(mentors: QuerySet[Mentor], on: date) -> dict[str, int]:
    """Mentors in each status on a day, from each mentor's last step on or before it."""
    last_status = Subquery(
        MentorStep.objects.filter(mentor=OuterRef("pk"), moved_on__lte=on)
        .order_by("-moved_on", "-id")
        .values("status")[:1]
    )
    counted = dict(
        mentors.annotate(status_then=last_status)
        .filter(status_then__in=REPORTED_STATUSES)
        .values_list("status_then")
        .annotate(total=Count("id"))
        .values_list("status_then", "total")
    )
    return {status: counted.get(status, 0) for status in REPORTED_STATUSES}


def report(
    user: Any, start: date, end: date, *, places: Collection[int] | None = None, partnership: bool = False
) -> MentoringReport:
    """The mentoring figures for [start, end]: statuses and lists as they stood on the last day,
    and what started or happened within the period. With `places` (neighbourhood ids), the young
    people's figures and sessions count only young people placed in them; mentors are not placed
    in an area, so their figures stay the partnership's. `partnership` counts every agency's records
    (counts only, for the dashboards), for someone allowed the partnership's figures."""
    if partnership and not policy.can(user, "view_partnership_figures"):
        raise PermissionDenied("Partnership figures need the partnership figures permission.")

    def counted(model: Any) -> Any:
        return model.objects.all() if partnership else model.objects.visible_to(user)

    mentors = counted(Mentor)
    placed = Q() if places is None else Q(child__neighbourhood__in=places)
    matches = counted(Match).filter(placed)
    active = matches.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=end), started_on__lte=end)
    started = matches.filter(started_on__gte=start, started_on__lte=end)
    referrals = counted(MentoringReferral).filter(placed, referred_on__lte=end).exclude(closed_on__lte=end)
    matched_by_then = Exists(Match.objects.filter(referral=OuterRef("pk"), started_on__lte=end))
    unmatched = referrals.exclude(matched_by_then)
    preparing = Q(preparation_started_on__lte=end) & (
        Q(preparation_ended_on__isnull=True) | Q(preparation_ended_on__gt=end)
    )
    in_places = Q() if places is None else Q(match__child__neighbourhood__in=places)
    sessions = counted(MentoringSession).filter(in_places, held_on__gte=start, held_on__lte=end)
    totals = sessions.aggregate(
        came=Count("id", filter=Q(attended=True)),
        missed=Count("id", filter=Q(attended=False)),
        minutes=Sum("duration_minutes", filter=Q(attended=True)),
    )
    return MentoringReport(
        start=start,
        end=end,
        mentors_by_status=mentors_by_status(mentors, end),
        matched_active=active.values("child_id").distinct().count(),
        matched_started=started.values("child_id").distinct().count(),
        waiting=unmatched.exclude(preparing).values("child_id").distinct().count(),
        in_preparation=unmatched.filter(preparing).values("child_id").distinct().count(),
        sessions_attended=totals["came"] or 0,
        sessions_missed=totals["missed"] or 0,
        hours=round((totals["minutes"] or 0) / 60, 1),
    )

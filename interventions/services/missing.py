"""Writes for missing episodes: reporting a young person missing, recording their return (which
raises the one return home interview task, due 72 hours after the return) and recording the
interview (once per episode; it closes the task). Each write adds a line to the child's chronology."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.utils import timezone

from access.policy import acting_agency, require
from audit import services as audit
from audit.models import AuditAction
from audit.services import create_audited
from cases.models import Child, EventKind
from cases.services.chronology import add_event
from interventions.models import (
    RETURN_HOME_INTERVIEW_HOURS,
    InterviewOutcome,
    MissingEpisode,
    ReturnHomeInterview,
    RiskGrading,
)
from interventions.services import tasks as task_services

if TYPE_CHECKING:
    from accounts.models import User

CANNOT = "You cannot record missing episodes for this young person."


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d %B %Y at %H:%M}"


def _check_moment(field: str, moment: datetime | None, what: str, *, required: bool = True) -> None:
    if moment is None:
        if required:
            raise ValidationError({field: f"Enter the date and time {what}"})
        return
    if moment > timezone.now():
        raise ValidationError({field: f"The date and time {what} must be in the past"})


@transaction.atomic
def report_missing(
    user: User,
    child: Child,
    *,
    reported_missing_at: datetime,
    risk_grading: str,
    police_reference: str = "",
    circumstances: str = "",
) -> MissingEpisode:
    """A new missing episode, with its chronology entry."""
    require(user, "change_child", child, CANNOT)
    _check_moment("reported_missing_at", reported_missing_at, "they were reported missing")
    if timezone.localtime(reported_missing_at).date() < child.date_of_birth:
        raise ValidationError({"reported_missing_at": "The date must be on or after the young person's date of birth"})
    if risk_grading not in RiskGrading.values:
        raise ValidationError({"risk_grading": "Choose the risk grading"})
    if MissingEpisode.objects.filter(child=child).open().exists():
        raise ValidationError(
            {"reported_missing_at": "This young person is already recorded as missing: record their return first"}
        )
    police_reference = police_reference.strip()
    grading = RiskGrading(risk_grading).label
    event = add_event(
        user,
        child,
        occurred_on=timezone.localtime(reported_missing_at).date(),
        kind=EventKind.MISSING_EPISODE,
        summary=f"Reported missing {_local(reported_missing_at)} (risk: {grading.lower()})",
        detail="\n".join(
            part
            for part in (circumstances.strip(), f"Police reference: {police_reference}" if police_reference else "")
            if part
        ),
    )
    return create_audited(
        user,
        MissingEpisode,
        child=child,
        reported_missing_at=reported_missing_at,
        risk_grading=risk_grading,
        police_reference=police_reference,
        circumstances=circumstances.strip(),
        agency=acting_agency(user),
        recorded_by=user,
        missing_event=event,
    )


@transaction.atomic
def record_return(user: User, episode: MissingEpisode, *, returned_at: datetime, where_found: str) -> MissingEpisode:
    """When and where the young person was found or came back. Raises the episode's return home
    interview task, due 72 hours after `returned_at`. A return is recorded once."""
    current = MissingEpisode.objects.select_for_update().select_related("child").get(pk=episode.pk)
    require(user, "change_child", current.child, CANNOT)
    if current.returned_at is not None:
        raise ValidationError({"returned_at": "The return has already been recorded for this episode"})
    _check_moment("returned_at", returned_at, "they were found or returned")
    if returned_at < current.reported_missing_at:
        raise ValidationError(
            {"returned_at": "The date and time they returned must be after they were reported missing"}
        )
    where_found = where_found.strip()
    if not where_found:
        raise ValidationError({"where_found": "Enter where they were found or where they returned to"})
    before = audit.snapshot(current)
    current.return_event = add_event(
        user,
        current.child,
        occurred_on=timezone.localtime(returned_at).date(),
        kind=EventKind.FOUND,
        summary=f"Found or returned {_local(returned_at)}: {where_found}"[:300],
    )
    current.returned_at = returned_at
    current.where_found = where_found
    current.return_recorded_by = user
    current.full_clean()
    current.save()
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current))
    task_services.create_return_home_interview(current, user)
    return current


@transaction.atomic
def record_interview(
    user: User,
    episode: MissingEpisode,
    *,
    outcome: str,
    offered_at: datetime,
    conducted_by: str,
    held_at: datetime | None = None,
    young_person_said: str = "",
    push_factors: str = "",
    pull_factors: str = "",
    follow_up_actions: str = "",
) -> ReturnHomeInterview:
    """The episode's return home interview: offered (when, by whom), accepted or declined, and what
    was learnt. Once per episode; closes the episode's task."""
    current = MissingEpisode.objects.select_for_update().select_related("child").get(pk=episode.pk)
    require(user, "change_child", current.child, CANNOT)
    if ReturnHomeInterview.objects.filter(episode=current).exists():
        raise ValidationError({"outcome": "A return home interview has already been recorded for this episode"})
    if current.returned_at is None:
        raise ValidationError({"outcome": "Record the young person's return before the return home interview"})
    if outcome not in InterviewOutcome.values:
        raise ValidationError({"outcome": "Choose whether the young person accepted or declined the interview"})
    _check_moment("offered_at", offered_at, "the interview was offered")
    if offered_at < current.returned_at:
        raise ValidationError({"offered_at": "The interview must be offered after the young person returned"})
    conducted_by = conducted_by.strip()
    if not conducted_by:
        raise ValidationError({"conducted_by": "Enter who offered the interview (name and organisation)"})
    if outcome == InterviewOutcome.ACCEPTED:
        _check_moment("held_at", held_at, "the interview took place")
        assert held_at is not None  # checked above
        if held_at < offered_at:
            raise ValidationError({"held_at": "The interview must take place after it was offered"})
        if not young_person_said.strip():
            raise ValidationError({"young_person_said": "Enter what the young person said"})
    else:
        held_at = None
    label = "took place" if outcome == InterviewOutcome.ACCEPTED else "declined"
    event = add_event(
        user,
        current.child,
        occurred_on=timezone.localtime(held_at or offered_at).date(),
        kind=EventKind.CONTACT,
        summary=f"Return home interview {label} (offered by {conducted_by})"[:300],
        detail=follow_up_actions.strip() and f"Follow-up actions: {follow_up_actions.strip()}",
    )
    interview = create_audited(
        user,
        ReturnHomeInterview,
        episode=current,
        outcome=outcome,
        offered_at=offered_at,
        conducted_by=conducted_by,
        held_at=held_at,
        young_person_said=young_person_said.strip(),
        push_factors=push_factors.strip(),
        pull_factors=pull_factors.strip(),
        follow_up_actions=follow_up_actions.strip(),
        recorded_by=user,
        event=event,
    )
    reason = "Interview held" if outcome == InterviewOutcome.ACCEPTED else "Offered; the young person declined"
    task_services.close_for_interview(user, current, reason)
    return interview


@dataclass(frozen=True)
class InterviewFigure:
    """Of the returns whose 72 hours have run out (or that have an interview), how many had an
    interview completed (held) within 72 hours of the return."""

    returns: int
    completed_in_time: int
    declined: int

    @property
    def percentage(self) -> int | None:
        return round(100 * self.completed_in_time / self.returns) if self.returns else None


def interview_figure(episodes: QuerySet[MissingEpisode], now: datetime | None = None) -> InterviewFigure:
    """One aggregate query over `episodes` (already filtered to what the viewer may see)."""
    now = now or timezone.now()
    window = timedelta(hours=RETURN_HOME_INTERVIEW_HOURS)
    counted = episodes.filter(returned_at__isnull=False).filter(
        Q(returned_at__lte=now - window) | Q(interview__isnull=False)
    )
    totals = counted.aggregate(
        returns=Count("pk"),
        completed_in_time=Count(
            "pk",
            filter=Q(
                interview__outcome=InterviewOutcome.ACCEPTED,
                interview__held_at__lte=_due_expression(),
            ),
        ),
        declined=Count("pk", filter=Q(interview__outcome=InterviewOutcome.DECLINED)),
    )
    return InterviewFigure(**totals)


def _due_expression() -> Any:
    """returned_at + 72 hours, worked out by the database."""
    return ExpressionWrapper(
        F("returned_at") + Value(timedelta(hours=RETURN_HOME_INTERVIEW_HOURS)), output_field=DateTimeField()
    )

"""The demo mentoring network: the live report and drift lists give what a plain count of the
generated records gives, and the report for the demo period gives the source document's figures
(7 community mentors and 16 young people matched, 3 more completing their training, preparation
for mentoring for 8 young people). Every figure is counted here from the records on its own (in
Python, by the rule docs/mentoring.md states), then compared with what the live functions say, so a
broken counting rule fails here whatever the generator makes."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership, Role, User
from mentoring import queries
from mentoring.models import (
    Match,
    Mentor,
    MentoringReferral,
    MentoringSession,
    MentorStep,
    ReferralStatus,
    add_years,
    dbs_renewal_years,
)

pytestmark = pytest.mark.django_db


def test_the_demo_networks_report_and_drift_lists_give_the_counted_and_the_source_documents_figures(settings):
    settings.DEMO = True
    call_command("seed_demo")
    check_the_report()
    check_the_drift_lists()
    count = Mentor.objects.count()
    call_command("seed_demo")
    assert Mentor.objects.count() == count


def check_the_report():
    coordinator = User.objects.get(username="coordinator")
    today = timezone.localdate()
    start = today - timedelta(days=364)
    # The demo's mentors are all of the coordinator's scheme: the coordinator's figures count every record.
    mentors = list(Mentor.objects.all())
    schemes = {mentor.agency_id for mentor in mentors}
    assert len(schemes) == 1
    assert Membership.objects.filter(user=coordinator, agency_id__in=schemes, role=Role.MENTORING_COORDINATOR).exists()

    # Each mentor's status on the last day: its last step on or before it.
    status_then = {}
    for step in MentorStep.objects.order_by("moved_on", "id"):
        if step.moved_on <= today:
            status_then[step.mentor_id] = step.status
    statuses = Counter(status_then.values())
    matches = list(Match.objects.all())
    matched = {m.child_id for m in matches if m.started_on <= today and (m.ended_on is None or m.ended_on > today)}
    started = {m.child_id for m in matches if start <= m.started_on <= today}
    matched_referrals = {m.referral_id for m in matches if m.started_on <= today}
    open_unmatched = [
        r
        for r in MentoringReferral.objects.all()
        if r.referred_on <= today and not (r.closed_on and r.closed_on <= today) and r.pk not in matched_referrals
    ]

    def preparing(referral):
        began, ended = referral.preparation_started_on, referral.preparation_ended_on
        return began is not None and began <= today and (ended is None or ended > today)

    in_preparation = {r.child_id for r in open_unmatched if preparing(r)}
    waiting = {r.child_id for r in open_unmatched if not preparing(r)}
    sessions = [s for s in MentoringSession.objects.all() if start <= s.held_on <= today]
    attended = [s for s in sessions if s.attended]

    # The source document's figures, counted from the records alone.
    assert (statuses["active"], statuses["in_training"], len(matched), len(in_preparation)) == (7, 3, 16, 8)

    report = queries.report(coordinator, start, today)
    assert report.mentors_by_status == {
        "active": statuses["active"],
        "in_training": statuses["in_training"],
        "paused": statuses["paused"],
    }
    assert report.matched_active == len(matched)
    assert report.matched_started == len(started)
    assert report.in_preparation == len(in_preparation)
    assert report.waiting == len(waiting) > 0
    assert report.sessions_attended == len(attended)
    assert report.sessions_missed == len(sessions) - len(attended) > 0
    assert report.hours == round(sum(s.duration_minutes for s in attended) / 60, 1)


def check_the_drift_lists():
    coordinator = User.objects.get(username="coordinator")
    today = timezone.localdate()

    # Active matches with no session in the last 21 days (counted from the start when none yet).
    last_session = {}
    for session in MentoringSession.objects.all():
        last_session[session.match_id] = max(session.held_on, last_session.get(session.match_id, session.held_on))
    cutoff = today - timedelta(days=21)
    drifting = {
        m.pk for m in Match.objects.all() if m.ended_on is None and last_session.get(m.pk, m.started_on) < cutoff
    }
    stale = {
        r.pk
        for r in MentoringReferral.objects.all()
        if r.status == ReferralStatus.WAITING and (today - r.referred_on).days > 28
    }
    expiring = {
        mentor.pk
        for mentor in Mentor.objects.all()
        if mentor.status in ("in_training", "active", "paused")
        and mentor.dbs_checked_on is not None
        and add_years(mentor.dbs_checked_on, dbs_renewal_years()) <= today + timedelta(days=60)
    }
    # The coordinator's home page has something in each drift list, and each holds what was counted.
    assert drifting and stale and expiring
    assert {m.pk for m in queries.matches_without_recent_session(coordinator)} == drifting
    assert {r.pk for r in queries.waiting_too_long(coordinator)} == stale
    assert {m.pk for m in queries.checks_expiring(coordinator)} == expiring

    # The mentor persona sees their own young people in mentoring: their active matches.
    mentor = User.objects.get(username="mentor")
    own = {m.pk for m in Match.objects.all() if m.mentor.user_id == mentor.pk and m.ended_on is None}
    assert own and {m.pk for m in queries.mentor_matches(mentor)} == own

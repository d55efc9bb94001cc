"""The demo mentoring network: its live report for the demo period gives the source document's
figures (7 community mentors and 16 young people matched, 3 more completing their training,
preparation for mentoring for 8 young people), counted from the generated records."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from mentoring import queries
from mentoring.models import Mentor

pytestmark = pytest.mark.django_db


def test_the_demo_networks_report_gives_the_source_documents_figures(settings):
    settings.DEMO = True
    call_command("seed_demo")
    coordinator = User.objects.get(username="coordinator")
    today = timezone.localdate()
    report = queries.report(coordinator, today - timedelta(days=364), today)
    assert report.mentors_by_status["active"] == 7
    assert report.mentors_by_status["in_training"] == 3
    assert report.matched_active == 16
    assert report.in_preparation == 8
    assert report.waiting > 0 and report.sessions_attended > report.sessions_missed > 0
    # The coordinator's home page has something in each drift list.
    assert queries.matches_without_recent_session(coordinator).count() == 2
    assert queries.waiting_too_long(coordinator).count() == 2
    assert queries.checks_expiring(coordinator).count() == 1
    # The mentor persona sees their own three young people in mentoring.
    mentor = User.objects.get(username="mentor")
    assert queries.mentor_matches(mentor).count() == 3
    count = Mentor.objects.count()
    call_command("seed_demo")
    assert Mentor.objects.count() == count

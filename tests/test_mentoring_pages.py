"""Mentoring pages: a mentor whose young people come from matches sees nothing outside mentoring;
list pages cost a fixed number of queries; forms show the services' refusals."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from mentoring import services
from mentoring.models import Match, MentoringSession, MentorStatus
from tests.factories import ChildFactory, InvolvementFactory, MembershipFactory, UserFactory
from tests.matrix import ANONYMOUS
from tests.mentoring_helpers import referral, vetted_mentor
from tests.test_access_matrix import ROUTES, url_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
# Pages everyone signed in may use: the home page, their own account, the API's "who am I".
EVERYONE_MAY_USE = {"home", "api:me", "api_schema", "healthz"}


@pytest.fixture
def matched(partnership):
    """A second mentor, with no grant but their match's: matched through the services with the
    council child (referred by the caseworker)."""
    coordinator = partnership.users["coordinator"]
    login = UserFactory(username="matchonly")
    MembershipFactory(user=login, agency=partnership.agencies["mentoring"], role=Role.MENTOR)
    mentor = vetted_mentor(partnership.agencies["mentoring"], login, moved_by=coordinator, given_name="Dev")
    made = services.refer(
        partnership.users["caseworker"],
        partnership.council_child,
        agency=partnership.agencies["mentoring"],
        reason="Someone to talk to",
        goals="Football",
    )
    match = services.start_match(coordinator, made, mentor, started_on=TODAY(), suitability_notes="Football")
    return login, match


def test_a_matched_mentor_gets_404_for_every_page_outside_mentoring(client, partnership, matched):
    login, match = matched
    client.force_login(login)
    assert client.get(reverse("mentoring:mentee", args=[match.pk])).status_code == 200
    wrong = []
    for route, spec in sorted(ROUTES.items()):
        if route.startswith(("mentoring:", "api:mentoring-", "accounts:")) or route in EVERYONE_MAY_USE:
            continue
        if spec.status_for(ANONYMOUS) == 200:
            continue  # public (sign-in page, health check)
        response = getattr(client, spec.method)(url_for(route, spec, partnership), spec.data)
        if response.status_code != 404:
            wrong.append(f"{route}: {response.status_code}")
    for name in ("cases:child_detail", "cases:child_chronology"):
        if name in ROUTES:
            response = client.get(reverse(name, args=[partnership.council_child.pk]))
            if response.status_code != 404:
                wrong.append(f"{name} for their own mentee: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_mentor_gets_404_for_a_young_person_they_are_not_matched_with(client, partnership, matched):
    login, match = matched
    other = ChildFactory()
    InvolvementFactory(agency=partnership.agencies["mentoring"], child=other)
    theirs = Match.objects.create(
        referral=referral(partnership, other, status="matched"),
        mentor=vetted_mentor(partnership.agencies["mentoring"], moved_by=partnership.users["coordinator"]),
        child=other,
        started_on=TODAY(),
        suitability_notes="x",
        proposed_by=partnership.users["coordinator"],
    )
    client.force_login(login)
    for name in ("mentoring:mentee", "mentoring:session_create", "mentoring:concern_create"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
        assert client.get(reverse(name, args=[match.pk])).status_code == 200


def test_the_mentor_home_shows_what_mentoring_needs_and_nothing_more(client, partnership, matched):
    login, match = matched
    child = partnership.council_child
    services.update_sharing(
        partnership.users["coordinator"], match.referral, preferred_name="Jay", shared_note="Into grime music"
    )
    client.force_login(login)
    page = unescape(client.get(reverse("mentoring:mentor_home")).content.decode())  # O'Sullivan is O&#x27;Sullivan
    assert f"{child.given_name} {child.family_name}" in page
    assert "Jay" in page and "Into grime music" in page
    assert partnership.users["caseworker"].get_full_name() in page  # the referrer, as lead professional
    assert child.reference not in page and "Someone to talk to" not in page


def test_logging_a_session_from_the_form_and_a_refusal_on_the_form(client, partnership, matched):
    login, match = matched
    client.force_login(login)
    url = reverse("mentoring:session_create", args=[match.pk])
    today = TODAY()
    data = {
        "held_on_day": today.day,
        "held_on_month": today.month,
        "held_on_year": today.year,
        "attended": "yes",
        "duration_minutes": "0",
        "activity": "Football",
        "place_type": "sports",
        "mood": "4",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "The session must last at least 1 minute" in refused.content.decode()
    assert not MentoringSession.objects.exists()
    assert client.post(url, {**data, "duration_minutes": "75"}).status_code == 302
    session = MentoringSession.objects.get()
    assert (session.duration_minutes, session.attended, session.mood) == (75, True, 4)


@pytest.mark.parametrize(
    ("route", "persona"),
    [
        ("mentoring:coordinator_home", "coordinator"),
        ("mentoring:mentor_list", "coordinator"),
        ("mentoring:waiting_list", "coordinator"),
        ("mentoring:report", "coordinator"),
        ("mentoring:mentor_home", "matchonly"),
    ],
)
def test_list_pages_cost_the_same_few_queries_however_many_rows(client, partnership, matched, route, persona):
    login, match = matched
    user = login if persona == "matchonly" else partnership.users[persona]
    coordinator = partnership.users["coordinator"]

    def add_rows(count):
        for number in range(count):
            child = ChildFactory()
            InvolvementFactory(agency=partnership.agencies["mentoring"], child=child)
            made = referral(partnership, child, referred_on=TODAY() - timedelta(days=40 + number))
            mentor = vetted_mentor(
                partnership.agencies["mentoring"], moved_by=coordinator, dbs_checked_on=TODAY() - timedelta(days=1080)
            )
            if number % 2:
                Match.objects.create(
                    referral=made,
                    mentor=mentor,
                    child=child,
                    started_on=TODAY() - timedelta(days=30),
                    suitability_notes="x",
                    proposed_by=coordinator,
                )
            MentoringSession.objects.create(
                match=match,
                held_on=TODAY(),
                duration_minutes=30,
                activity="Chat",
                place_type="cafe",
                attended=True,
                recorded_by=login,
            )

    client.force_login(user)
    add_rows(2)
    few = _queries(client, reverse(route))
    add_rows(6)
    assert _queries(client, reverse(route)) == few
    assert few <= 18


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_detail_pages_do_not_grow_with_the_network(client, partnership, matched):
    """The match proposal ranks every mentor and the mentor page lists every step, reference and
    match: their query counts stay the same however many there are."""
    login, match = matched
    coordinator = partnership.users["coordinator"]
    made = referral(partnership, partnership.voluntary_child, referred_on=TODAY() - timedelta(days=3))
    InvolvementFactory(agency=partnership.agencies["mentoring"], child=partnership.voluntary_child)
    client.force_login(coordinator)
    urls = [
        reverse("mentoring:match_propose", args=[made.pk]),
        reverse("mentoring:mentor_detail", args=[match.mentor_id]),
        reverse("mentoring:referral_detail", args=[match.referral_id]),
        reverse("mentoring:match_detail", args=[match.pk]),
    ]
    before = [_queries(client, url) for url in urls]
    for _ in range(5):
        vetted_mentor(partnership.agencies["mentoring"], moved_by=coordinator)
    for number in range(3):
        MentoringSession.objects.create(
            match=match,
            held_on=TODAY(),
            duration_minutes=30,
            activity=f"Chat {number}",
            place_type="cafe",
            attended=True,
            recorded_by=login,
        )
    after = [_queries(client, url) for url in urls]
    assert after == before
    assert max(after) <= 20
    client.force_login(login)
    assert _queries(client, reverse("mentoring:mentee", args=[match.pk])) <= 12


def test_the_child_page_offers_a_referral_to_those_who_may_refer(client_for, partnership):
    url = reverse("cases:child_detail", args=[partnership.council_child.pk])
    refer = reverse("mentoring:refer", args=[partnership.council_child.pk])
    assert refer in client_for("caseworker").get(url).content.decode()
    grant_url = reverse("cases:child_detail", args=[partnership.mentee.pk])
    assert "Refer to community mentoring" not in client_for("coordinator").get(grant_url).content.decode()


def test_the_coordinator_closes_a_referral_from_the_stage_page(client_for, partnership):
    made = referral(partnership, partnership.mentee)
    client = client_for("coordinator")
    response = client.post(reverse("mentoring:referral_preparation", args=[made.pk]), {"preparing": "closed"})
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.closed_on) == ("closed", TODAY())
    waiting = client.get(reverse("mentoring:waiting_list")).content.decode()
    assert partnership.mentee.family_name not in waiting


def test_who_has_seen_a_child_includes_the_mentor_and_the_coordinators_lists(client, partnership, matched):
    from audit.models import AuditSubject

    login, _match = matched
    child = str(partnership.council_child.pk)
    client.force_login(login)
    client.get(reverse("mentoring:mentor_home"))
    client.force_login(partnership.users["coordinator"])
    client.get(reverse("mentoring:mentor_detail", args=[_match.mentor_id]))
    seen_by = set(
        AuditSubject.objects.filter(object_type="cases.child", object_id=child).values_list(
            "event__user__username", flat=True
        )
    )
    assert {"matchonly", "coordinator"} <= seen_by


def test_the_administrator_adds_a_training_module_that_coordinators_then_record(client_for, partnership):
    """Training modules are a managed list: a module the administrator adds (audited) is offered on
    the coordinator's training form for a mentor who has not done it."""
    from audit.models import AuditAction, AuditEvent
    from mentoring.models import TrainingModule

    coordinator = partnership.users["coordinator"]
    mentor = vetted_mentor(partnership.agencies["mentoring"], moved_by=coordinator, status=MentorStatus.IN_TRAINING)
    data = {"name": "County lines awareness", "required": "on", "is_active": "on", "order": "9"}
    response = client_for("admin").post(reverse("admin:mentoring_trainingmodule_add"), data)
    assert response.status_code == 302
    module = TrainingModule.objects.get(name="County lines awareness")
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="mentoring.trainingmodule", object_id=str(module.pk)
    ).exists()
    page = client_for("coordinator").get(reverse("mentoring:mentor_training", args=[mentor.pk]))
    assert page.status_code == 200
    assert "County lines awareness" in page.content.decode()


def test_a_mentor_refused_outside_mentoring_is_on_their_audit_trail(client, partnership, matched):
    """The data protection officer sees which page a mentor tried, and about which record."""
    from audit.models import AuditAction, AuditEvent

    login, _match = matched
    client.force_login(login)
    child = partnership.council_child
    assert client.get(reverse("cases:child_detail", args=[child.pk])).status_code == 404
    refusal = AuditEvent.objects.get(user=login, action=AuditAction.DENIED)
    assert refusal.detail == {"page": "cases:child_detail", "arguments": {"pk": str(child.pk)}}
    client.force_login(partnership.users["dpo"])
    trail = client.get(reverse("oversight:user_trail", args=[login.pk])).content.decode()
    assert "Refused access" in trail and f"Page cases:child_detail pk {child.pk}." in trail

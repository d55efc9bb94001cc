"""/api/v1/mentoring/: bad input answers 400 with field errors and saves nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import AccessGrant
from mentoring.models import Match, MentoringReferral, MentoringSession
from tests.mentoring_helpers import partnership_match, vetted_mentor

pytestmark = pytest.mark.django_db
V1 = "/api/v1/mentoring"
TODAY = timezone.localdate


def test_a_caseworker_refers_through_the_api_and_a_hidden_child_is_a_field_error(client_for, partnership):
    client = client_for("caseworker")
    body = {"agency": partnership.agencies["mentoring"].pk, "reason": "Someone to talk to", "goals": "Football"}
    hidden = client.post(f"{V1}/referrals/", {**body, "child": partnership.voluntary_child.pk})
    assert hidden.status_code == 400
    assert hidden.json() == {"child": ["Choose a young person you can see"]}
    missing = client.post(f"{V1}/referrals/", {"child": partnership.council_child.pk, "agency": body["agency"]})
    assert missing.status_code == 400 and set(missing.json()) == {"reason", "goals"}
    assert not MentoringReferral.objects.exists()
    made = client.post(f"{V1}/referrals/", {**body, "child": partnership.council_child.pk})
    assert made.status_code == 201
    assert made.json()["status"] == "waiting"


def test_a_match_refused_through_the_api_says_why(client_for, partnership):
    client = client_for("coordinator")
    coordinator = partnership.users["coordinator"]
    mentor = vetted_mentor(partnership.agencies["mentoring"], moved_by=coordinator)  # no sign-in linked
    referral = MentoringReferral.objects.create(
        child=partnership.mentee,
        agency=partnership.agencies["mentoring"],
        referred_by=partnership.users["caseworker"],
        referrer_agency=partnership.agencies["council"],
        referred_on=TODAY() - timedelta(days=3),
        reason="x",
        goals="y",
    )
    response = client.post(
        f"{V1}/matches/",
        {"referral": referral.pk, "mentor": mentor.pk, "started_on": TODAY().isoformat(), "suitability_notes": "x"},
    )
    assert response.status_code == 400
    assert response.json() == {"mentor": ["Has no mentor sign-in yet"]}
    assert not Match.objects.exists()


def test_sessions_through_the_api(client_for, partnership):
    match = partnership_match(partnership)
    client = client_for("mentor")
    body = {
        "match": match.pk,
        "held_on": TODAY().isoformat(),
        "duration_minutes": 800,
        "activity": "Football",
        "place_type": "sports",
        "attended": True,
    }
    refused = client.post(f"{V1}/sessions/", body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json() == {"duration_minutes": ["A session can last at most 12 hours (720 minutes)"]}
    future = client.post(
        f"{V1}/sessions/",
        {**body, "duration_minutes": 60, "held_on": (TODAY() + timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert future.status_code == 400 and "held_on" in future.json()
    assert not MentoringSession.objects.exists()
    made = client.post(f"{V1}/sessions/", {**body, "duration_minutes": 60}, content_type="application/json")
    assert made.status_code == 201
    listed = client.get(f"{V1}/sessions/").json()
    assert [row["id"] for row in listed["results"]] == [made.json()["id"]]
    assert client_for("caseworker").get(f"{V1}/sessions/").json()["results"] == []


def test_the_coordinator_ends_a_match_through_the_api_and_the_grant_ends(client_for, partnership):
    match = partnership_match(partnership)
    response = client_for("coordinator").post(
        f"{V1}/matches/{match.pk}/end/", {"ended_on": TODAY().isoformat(), "end_reason": "goals_met"}
    )
    assert response.status_code == 200 and response.json()["end_reason"] == "goals_met"
    assert not AccessGrant.objects.active().filter(user=partnership.users["mentor"], child=partnership.mentee).exists()
    assert client_for("mentor").get(f"{V1}/matches/{match.pk}/").status_code == 404


def test_the_report_needs_a_period(client_for, partnership):
    client = client_for("coordinator")
    assert set(client.get(f"{V1}/report/").json()) == {"start", "end"}
    backwards = client.get(f"{V1}/report/", {"start": "2026-02-01", "end": "2026-01-01"})
    assert backwards.status_code == 400 and "end" in backwards.json()

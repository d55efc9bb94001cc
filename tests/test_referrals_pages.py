"""Referral pages: about a child or a context, the list, the page and the decision trail."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent, AuditSubject
from cases.models import ChronologyEvent, Referral, ReferralDecision
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

XSS = '<img src=x onerror="alert(1)">'


def referral_data(**changes) -> dict:
    today = timezone.localdate()
    data = {
        "received_on_day": today.day,
        "received_on_month": today.month,
        "received_on_year": today.year,
        "category": "criminal_exploitation",
        "concerns": "Several children assaulted on the number 12 bus route",
    }
    return {**data, **changes}


def decision_data(referral, **changes) -> dict:
    data = {
        "status": "accepted",
        "reason": "Meets the threshold",
        "outcome": "Context assessment",
        "version": referral.version,
    }
    return {**data, **changes}


# Making referrals ------------------------------------------------------------------------------


def test_referral_about_a_context(client_for, partnership):
    hotspot = partnership.hotspot
    client = client_for("voluntary")
    page = client.get(reverse("cases:context_referral_create", args=[hotspot.pk])).content.decode()
    assert "Make a referral" in page and hotspot.name in page
    response = client.post(reverse("cases:context_referral_create", args=[hotspot.pk]), referral_data())
    referral = Referral.objects.exclude(pk=partnership.referral.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("cases:referral_detail", args=[referral.pk])
    assert (referral.context, referral.child, referral.status) == (hotspot, None, "received")
    assert referral.referrer_agency == partnership.agencies["voluntary"]
    assert referral.referred_by == partnership.users["voluntary"]
    assert referral.decisions.get().status == "received"
    assert ChronologyEvent.objects.filter(context=hotspot, kind="referral").exists()


def test_referral_about_a_child(client_for, partnership):
    child = partnership.council_child
    response = client_for("caseworker").post(
        reverse("cases:child_referral_create", args=[child.pk]), referral_data(category="sexual_exploitation")
    )
    referral = Referral.objects.get(child=child)
    assert response.status_code == 302
    assert referral.category == "sexual_exploitation"
    assert ChronologyEvent.objects.filter(child=child, kind="referral").exists()


def test_the_referral_form_about_a_child_is_an_audited_read(client_for, partnership):
    child = partnership.council_child
    client_for("caseworker").get(reverse("cases:child_referral_create", args=[child.pk]))
    read = AuditEvent.objects.get(action=AuditAction.READ, object_type="cases.child")
    assert (read.object_id, read.detail) == (str(child.pk), {"basis": "involvement"})


def test_a_member_of_two_agencies_chooses_which_refers(client_for, partnership):
    MembershipFactory(user=partnership.users["caseworker"], agency=partnership.agencies["youth_justice"])
    client = client_for("caseworker")
    url = reverse("cases:context_referral_create", args=[partnership.hotspot.pk])
    assert "Referring agency" in client.get(url).content.decode()
    client.post(url, referral_data(referrer_agency=partnership.agencies["youth_justice"].pk))
    assert Referral.objects.filter(referrer_agency=partnership.agencies["youth_justice"]).exists()
    # Not an agency of theirs: refused, nothing saved.
    response = client.post(url, referral_data(referrer_agency=partnership.agencies["police"].pk))
    assert "Choose one of your own agencies" in response.content.decode()
    assert not Referral.objects.filter(referrer_agency=partnership.agencies["police"]).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"concerns": ""}, "Enter the concerns"),
        ({"concerns": "   "}, "Enter the concerns"),
        ({"concerns": "x" * 10001}, "Concerns must be 10000 characters or fewer"),
        ({"category": "gossip"}, "Choose the main concern"),
        ({"category": ""}, "Choose the main concern"),
        ({"received_on_year": "2999"}, "The date received must be today or in the past"),
        ({"received_on_year": "1989"}, "The date must be on or after 1 January 1990"),
        ({"received_on_day": "31", "received_on_month": "2"}, "Enter a real date"),
        ({"received_on_day": ""}, "Enter a day, month and year"),
    ],
)
def test_bad_referrals_are_refused(client_for, partnership, changes, message):
    before = Referral.objects.count()
    for url in (
        reverse("cases:context_referral_create", args=[partnership.hotspot.pk]),
        reverse("cases:child_referral_create", args=[partnership.council_child.pk]),
    ):
        response = client_for("caseworker").post(url, referral_data(**changes))
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
        assert message in response.content.decode()
    assert Referral.objects.count() == before
    assert not ChronologyEvent.objects.exists()


def test_referrals_about_what_the_user_cannot_see_are_not_found(client_for, partnership):
    before = Referral.objects.count()
    cases = [
        ("police", "cases:context_referral_create", partnership.hotspot),
        ("manager", "cases:context_referral_create", partnership.hotspot),
        ("caseworker", "cases:context_referral_create", partnership.police_location),
        ("voluntary", "cases:child_referral_create", partnership.council_child),
        ("police", "cases:child_referral_create", partnership.council_child),
    ]
    for persona, route, subject in cases:
        client = client_for(persona)
        url = reverse(route, args=[subject.pk])
        assert client.get(url).status_code == 404, (persona, route)
        response = client.post(url, referral_data())
        assert response.status_code == 404, (persona, route)
        assert str(subject) not in response.content.decode()
    assert Referral.objects.count() == before


def test_a_viewer_without_an_editing_role_cannot_refer(client_for, partnership, mentor_general_grant):
    """The mentor may see their mentee but their role records no referrals (403, not 404)."""
    client = client_for("mentor")
    url = reverse("cases:child_referral_create", args=[partnership.mentee.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, referral_data()).status_code == 403
    assert not Referral.objects.filter(child=partnership.mentee).exists()


# The referral page and decisions ---------------------------------------------------------------


def test_referral_page(client_for, partnership):
    referral = partnership.referral
    response = client_for("caseworker").get(reverse("cases:referral_detail", args=[referral.pk]))
    html = response.content.decode()
    assert "Several children assaulted at the bus station" in html
    assert reverse("cases:context_detail", args=[partnership.hotspot.pk]) in html
    assert "Decision trail" in html
    assert "Record a decision" in html
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="cases.referral", object_id=str(referral.pk)
    ).exists()


def test_voluntary_worker_sees_the_referral_but_cannot_decide(client_for, partnership):
    referral = partnership.referral
    client = client_for("voluntary")
    html = client.get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    assert "Several children assaulted" in html
    assert "Record a decision" not in html
    response = client.post(reverse("cases:referral_decide", args=[referral.pk]), decision_data(referral))
    assert response.status_code == 403
    referral.refresh_from_db()
    assert (referral.status, referral.version) == ("received", 1)
    assert referral.decisions.count() == 1


def test_decide_a_referral(client_for, partnership):
    referral = partnership.referral
    response = client_for("caseworker").post(
        reverse("cases:referral_decide", args=[referral.pk]), decision_data(referral)
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.version) == ("accepted", "Context assessment", 2)
    trail = list(referral.decisions.values_list("status", "reason"))
    assert trail == [("received", "Received"), ("accepted", "Meets the threshold")]
    html = client_for("caseworker").get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    assert "Meets the threshold" in html and "Accepted" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "Give the reason for the decision"),
        ({"reason": "   "}, "Give the reason for the decision"),
        ({"status": "received"}, "Choose a decision"),
        ({"status": "maybe"}, "Choose a decision"),
        ({"status": ""}, "Choose a decision"),
        ({"outcome": "x" * 5001}, "Outcome must be 5000 characters or fewer"),
        ({"reason": "x" * 5001}, "Reason for the decision must be 5000 characters or fewer"),
    ],
)
def test_bad_decisions_are_refused(client_for, partnership, changes, message):
    referral = partnership.referral
    response = client_for("caseworker").post(
        reverse("cases:referral_decide", args=[referral.pk]), decision_data(referral, **changes)
    )
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert message in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.decisions.count()) == ("received", 1, 1)


def test_decision_version_conflict_keeps_what_was_typed(client_for, partnership):
    referral = partnership.referral
    client = client_for("caseworker")
    stale = decision_data(referral, reason="My careful reasoning")
    client.post(reverse("cases:referral_decide", args=[referral.pk]), decision_data(referral, status="screening"))
    response = client.post(reverse("cases:referral_decide", args=[referral.pk]), stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else recorded a decision on this referral" in html
    assert "My careful reasoning" in html
    assert 'name="version" value="2"' in html
    referral.refresh_from_db()
    assert (referral.status, referral.decisions.count()) == ("screening", 2)


def test_outsiders_cannot_see_or_decide(client_for, partnership):
    referral = partnership.referral
    # The mentor is refused by area (mentoring/middleware.py), before any record is asked for.
    assert client_for("mentor").get(reverse("cases:referral_detail", args=[referral.pk])).status_code == 404
    for persona in ("police", "manager", "dpo"):
        client = client_for(persona)
        response = client.get(reverse("cases:referral_detail", args=[referral.pk]))
        assert response.status_code == 404
        assert "Several children assaulted" not in response.content.decode()
        response = client.post(reverse("cases:referral_decide", args=[referral.pk]), decision_data(referral))
        assert response.status_code == 404
    referral.refresh_from_db()
    assert (referral.status, referral.decisions.count()) == ("received", 1)
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="cases.referral").count() == 6


def test_the_referrer_still_sees_their_referral_but_not_the_child(client_for, partnership):
    """Referral visibility includes whoever made it: if their agency stops working with the child
    they can read what they wrote, but the page does not link to a record they cannot open."""
    child = partnership.unlinked_child
    referral = Referral.objects.create(
        child=child,
        received_on=timezone.localdate(),
        referrer_agency=partnership.agencies["police"],
        referred_by=partnership.users["police"],
        category="other",
        concerns="Seen with older men",
    )
    html = client_for("police").get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    assert "Seen with older men" in html
    assert reverse("cases:child_detail", args=[child.pk]) not in html


def test_script_in_a_referral_is_shown_as_text(client_for, partnership):
    client = client_for("caseworker")
    client.post(reverse("cases:context_referral_create", args=[partnership.hotspot.pk]), referral_data(concerns=XSS))
    referral = Referral.objects.get(concerns=XSS)
    client.post(reverse("cases:referral_decide", args=[referral.pk]), decision_data(referral, reason=XSS, outcome=XSS))
    html = client.get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    assert XSS not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


# The list --------------------------------------------------------------------------------------


def test_list_shows_visible_referrals_and_filters_by_status(client_for, partnership):
    child_referral = Referral.objects.create(
        child=partnership.shared_child,
        received_on=timezone.localdate() - timedelta(days=3),
        referrer_agency=partnership.agencies["police"],
        referred_by=partnership.users["police"],
        category="youth_violence",
        concerns="Knife seen",
        status="accepted",
    )
    client = client_for("caseworker")
    response = client.get(reverse("cases:referral_list"))
    shown = {referral.pk for referral in response.context["page"]}
    assert shown == {partnership.referral.pk, child_referral.pk}
    response = client.get(reverse("cases:referral_list"), {"status": "accepted"})
    assert {referral.pk for referral in response.context["page"]} == {child_referral.pk}
    response = client.get(reverse("cases:referral_list"), {"status": "nonsense"})
    assert response.status_code == 200 and len(response.context["page"]) == 2

    # The voluntary worker sees the hotspot's referral, not the shared child's.
    response = client_for("voluntary").get(reverse("cases:referral_list"))
    assert {referral.pk for referral in response.context["page"]} == {partnership.referral.pk}
    assert "Knife seen" not in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.LIST, user=partnership.users["voluntary"]).get()
    assert list(AuditSubject.objects.filter(event=event).values_list("object_id", flat=True)) == [
        str(partnership.referral.pk)
    ]


def test_list_is_not_for_roles_without_a_caseload(client_for, partnership):
    for persona in ("outreach", "dpo", "admin"):
        assert client_for(persona).get(reverse("cases:referral_list")).status_code == 404


# Query counts ----------------------------------------------------------------------------------


def more_referrals(p, count: int) -> None:
    for index in range(count):
        referral = Referral.objects.create(
            context=p.hotspot if index % 2 else None,
            child=None if index % 2 else p.council_child,
            received_on=timezone.localdate(),
            referrer_agency=p.agencies["council"],
            referred_by=p.users["caseworker"],
            category="other",
            concerns=f"Concern {index}",
        )
        ReferralDecision.objects.create(
            referral=referral, status="received", reason="In", decided_by=p.users["caseworker"]
        )


def test_referral_page_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    referral = partnership.referral
    client = client_for("caseworker")
    url = reverse("cases:referral_detail", args=[referral.pk])
    client.get(url)
    with django_assert_num_queries(REFERRAL_PAGE_QUERIES):
        client.get(url)
    for index in range(8):
        ReferralDecision.objects.create(
            referral=referral, status="screening", reason=f"Step {index}", decided_by=partnership.users["police"]
        )
    with django_assert_num_queries(REFERRAL_PAGE_QUERIES):
        assert len(client.get(url).context["decisions"]) == 9


def test_referral_list_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    client = client_for("caseworker")
    url = reverse("cases:referral_list")
    client.get(url)
    with django_assert_num_queries(REFERRAL_LIST_QUERIES):
        client.get(url)
    more_referrals(partnership, 10)
    with django_assert_num_queries(REFERRAL_LIST_QUERIES):
        assert len(client.get(url).context["page"]) == 11


REFERRAL_PAGE_QUERIES = 8
REFERRAL_LIST_QUERIES = 7

"""Withdrawing an emerging-cohort nomination: by the nominator or someone who may decide the tier,
with a required reason; kept in the history with who, when and why; no longer open; never a tier
change; refused once a panel has decided it. Service, pages (GOV.UK error summary) and API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from cohorts.models import ChildTier, Nomination, NominationStatus, Tier, TierDecision
from cohorts.services import decisions as services
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "Moved out of the area; the new authority has the case"


@pytest.fixture
def caseworker(partnership):
    return partnership.users["caseworker"]


@pytest.fixture
def child(partnership):
    return partnership.council_child


@pytest.fixture
def nomination(caseworker, child):
    return services.nominate(caseworker, child, Tier.VULNERABLE, "Seen with older men at the bus station")


def council_user(partnership, role):
    user = UserFactory()
    MembershipFactory(user=user, agency=partnership.agencies["council"], role=role)
    return user


def test_the_nominator_withdraws_with_a_reason_and_it_stays_in_the_history(caseworker, child):
    # The child already has a tier from an earlier panel decision: withdrawing must not touch it.
    services.record_decision(caseworker, child, outcome="change", tier=Tier.CAUSE_FOR_CONCERN, reason="Panel 1")
    nomination = services.nominate(caseworker, child, Tier.MOST_VULNERABLE, "Things got worse")
    decisions_before = TierDecision.objects.count()
    withdrawn = services.withdraw_nomination(caseworker, nomination, f"  {REASON}  ")
    withdrawn.refresh_from_db()
    assert withdrawn.status == NominationStatus.WITHDRAWN
    assert (withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (caseworker, REASON)
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.reason == "Things got worse", "the nomination itself is kept as it was"
    # No longer open: nothing for the panel, and a new nomination may be made.
    assert services.open_nomination(child) is None
    assert services.proposal(child)[1] is None
    # Never a tier change.
    assert ChildTier.objects.get(child=child).tier == Tier.CAUSE_FOR_CONCERN
    assert TierDecision.objects.count() == decisions_before
    event = AuditEvent.objects.get(
        action=AuditAction.UPDATE, object_type="cohorts.nomination", object_id=str(nomination.pk)
    )
    assert event.user == caseworker and event.reason == REASON


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(caseworker, nomination, reason):
    with pytest.raises(ValidationError) as error:
        services.withdraw_nomination(caseworker, nomination, reason)
    assert error.value.message_dict == {"reason": ["Enter why you are withdrawing this nomination"]}
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.OPEN and nomination.withdrawn_by is None


def test_a_nomination_the_panel_decided_cannot_be_withdrawn(caseworker, child, nomination):
    services.record_decision(caseworker, child, outcome="confirm", reason="Panel agreed", nomination=nomination)
    nomination.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.withdraw_nomination(caseworker, nomination, REASON)
    assert error.value.messages == [services.ALREADY_DECIDED_MESSAGE]
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.DECIDED
    assert ChildTier.objects.get(child=child).tier == Tier.VULNERABLE


def test_a_decision_made_while_the_withdraw_page_was_open_wins(caseworker, child, nomination):
    stale = Nomination.objects.get(pk=nomination.pk)  # read before the panel decided
    services.record_decision(caseworker, child, outcome="reject", reason="Panel", nomination=nomination)
    with pytest.raises(ValidationError) as error:
        services.withdraw_nomination(caseworker, stale, REASON)
    assert error.value.messages == [services.ALREADY_DECIDED_MESSAGE]


def test_withdrawing_twice_is_refused(caseworker, nomination):
    services.withdraw_nomination(caseworker, nomination, REASON)
    nomination.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.withdraw_nomination(caseworker, nomination, REASON)
    assert error.value.messages == [services.ALREADY_WITHDRAWN_MESSAGE]


def test_who_may_withdraw(partnership, nomination):
    # Whoever may decide the child's tier (managers and caseworkers who see the child) may withdraw it.
    for role in (Role.MANAGER, Role.CASEWORKER):
        assert services.can_withdraw(council_user(partnership, role), nomination)
    # Staff who cannot see the child, and those who see it but neither made it nor decide tiers, may not.
    outsiders = [partnership.users[name] for name in ("police", "manager", "voluntary", "dpo", "admin")]
    for user in [*outsiders, council_user(partnership, Role.MENTOR)]:
        assert not services.can_withdraw(user, nomination)
        with pytest.raises(PermissionDenied):
            services.withdraw_nomination(user, nomination, REASON)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.OPEN


def test_a_nominator_who_does_not_decide_tiers_may_withdraw_their_own(partnership):
    volunteer = partnership.users["voluntary"]
    child = partnership.voluntary_child
    own = services.nominate(volunteer, child, Tier.CAUSE_FOR_CONCERN, "Missed every session this month")
    colleague = UserFactory()
    MembershipFactory(user=colleague, agency=partnership.agencies["voluntary"], role=Role.VOLUNTARY_WORKER)
    with pytest.raises(PermissionDenied):
        services.withdraw_nomination(colleague, own, REASON)
    services.withdraw_nomination(volunteer, own, REASON)
    own.refresh_from_db()
    assert own.status == NominationStatus.WITHDRAWN and own.withdrawn_by == volunteer


# Pages -----------------------------------------------------------------------------------------


def test_the_cohort_record_offers_withdraw_and_the_page_shows_a_govuk_error_summary(
    client_for, caseworker, child, nomination
):
    client = client_for("caseworker")
    url = f"/cohort/nominations/{nomination.pk}/withdraw/"
    record = client.get(f"/cohort/children/{child.pk}/").content.decode()
    assert f'href="{url}"' in record and "Withdraw nomination" in record
    page = client.get(url)
    assert page.status_code == 200 and "Seen with older men at the bus station" in page.content.decode()
    missing = client.post(url, {"reason": "  "})
    html = missing.content.decode()
    assert missing.status_code == 400
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_reason">Enter why you are withdrawing this nomination</a>' in html
    assert Nomination.objects.get().status == NominationStatus.OPEN
    done = client.post(url, {"reason": REASON})
    assert done.status_code == 302 and done["Location"] == f"/cohort/children/{child.pk}/"
    record = client.get(done["Location"]).content.decode()
    assert "Nomination withdrawn" in record
    # The page escapes names (a generated name may be O'Connor).
    assert f"Withdrawn by {escape(caseworker.get_full_name())}" in record and REASON in record
    assert f'href="{url}"' not in record


def test_the_page_refuses_a_decided_nomination_with_a_clear_message(client_for, caseworker, child, nomination):
    client = client_for("caseworker")
    url = f"/cohort/nominations/{nomination.pk}/withdraw/"
    services.record_decision(caseworker, child, outcome="confirm", reason="Panel agreed", nomination=nomination)
    response = client.post(url, {"reason": REASON})
    html = response.content.decode()
    assert response.status_code == 400 and 'class="govuk-error-summary"' in html
    assert "The panel has already decided this nomination, so it cannot be withdrawn" in html
    assert 'name="reason"' not in html, "no form to withdraw a decided nomination"
    assert Nomination.objects.get().status == NominationStatus.DECIDED


def test_a_nominator_without_the_cohort_pages_withdraws_from_the_nominate_page(client, partnership):
    volunteer = partnership.users["voluntary"]
    child = partnership.voluntary_child
    own = services.nominate(volunteer, child, Tier.CAUSE_FOR_CONCERN, "Missed every session this month")
    client.force_login(volunteer)
    page = client.get(f"/cohort/children/{child.pk}/nominate/").content.decode()
    assert f'href="/cohort/nominations/{own.pk}/withdraw/"' in page
    response = client.post(f"/cohort/nominations/{own.pk}/withdraw/", {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == f"/children/{child.pk}/"


def test_staff_who_see_the_child_but_may_not_withdraw_get_403(client, partnership):
    volunteer = partnership.users["voluntary"]
    own = services.nominate(volunteer, partnership.voluntary_child, Tier.CAUSE_FOR_CONCERN, "Missed sessions")
    colleague = UserFactory()
    MembershipFactory(user=colleague, agency=partnership.agencies["voluntary"], role=Role.VOLUNTARY_WORKER)
    client.force_login(colleague)
    assert client.post(f"/cohort/nominations/{own.pk}/withdraw/", {"reason": REASON}).status_code == 403
    assert client.post(f"/api/v1/cohort/nominations/{own.pk}/withdraw/", {"reason": REASON}).status_code == 403
    assert Nomination.objects.get().status == NominationStatus.OPEN


# API -------------------------------------------------------------------------------------------


def test_the_api_withdraws_with_a_reason(client_for, caseworker, child, nomination):
    client = client_for("caseworker")
    url = f"/api/v1/cohort/nominations/{nomination.pk}/withdraw/"
    missing = client.post(url, {"reason": " "})
    assert missing.status_code == 400
    assert missing.json() == {"reason": ["Enter why you are withdrawing this nomination"]}
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "withdrawn" and body["withdrawal_reason"] == REASON
    assert body["withdrawn_by"]["id"] == caseworker.pk and body["withdrawn_at"]
    listed = client.get(f"/api/v1/cohort/nominations/?child={child.pk}").json()["results"]
    assert [n["status"] for n in listed] == ["withdrawn"]
    assert client.get("/api/v1/cohort/nominations/?status=open").json()["results"] == []
    again = client.post(url, {"reason": REASON})
    assert again.status_code == 400 and again.json() == {"non_field_errors": [services.ALREADY_WITHDRAWN_MESSAGE]}


def test_the_api_refuses_a_decided_nomination_and_hides_it_from_outsiders(client_for, caseworker, child, nomination):
    services.record_decision(caseworker, child, outcome="confirm", reason="Panel agreed", nomination=nomination)
    url = f"/api/v1/cohort/nominations/{nomination.pk}/withdraw/"
    refused = client_for("caseworker").post(url, {"reason": REASON})
    assert refused.status_code == 400 and refused.json() == {"non_field_errors": [services.ALREADY_DECIDED_MESSAGE]}
    for persona in ("police", "manager", "voluntary"):
        assert client_for(persona).post(url, {"reason": REASON}).status_code == 404
    assert (
        client_for("manager").post("/api/v1/cohort/nominations/999999/withdraw/", {"reason": REASON}).status_code == 404
    )

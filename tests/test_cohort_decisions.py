"""Human decisions about the cohort: nominations, panel decisions (confirm, change, reject), tier
history, the cohort pages, the suggestions switch and the API.

Suggestions are made by hand here (a published full run and Suggestion rows), so these tests do not
depend on the scoring engine."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role
from audit.models import AuditAction, AuditEvent
from cohorts.models import (
    ChildTier,
    CohortRun,
    CohortSettings,
    Nomination,
    NominationStatus,
    RunKind,
    RunStatus,
    RunTrigger,
    ScoringModel,
    Suggestion,
    Tier,
    TierDecision,
)
from cohorts.services import decisions as services
from cohorts.services import runs
from interventions.models import Panel, PanelMeeting
from tests.factories import InvolvementFactory, MembershipFactory, UserFactory

MV, VC, CFC = Tier.MOST_VULNERABLE, Tier.VULNERABLE, Tier.CAUSE_FOR_CONCERN
SCORES = {MV: 12, VC: 8, CFC: 4, "": 2}


def scoring_model() -> ScoringModel:
    existing = ScoringModel.objects.order_by("version").first()
    if existing is not None:
        return existing
    return ScoringModel.objects.create(
        version=1, most_vulnerable_threshold=12, vulnerable_threshold=8, concern_threshold=4, context_weight=2
    )


def publish(tiers: dict, *, kind=RunKind.FULL, base_run=None) -> CohortRun:
    """A published run holding a suggestion per child: {child: tier}."""
    run = CohortRun.objects.create(
        kind=kind,
        trigger=RunTrigger.MANUAL,
        status=RunStatus.PUBLISHED,
        as_of=timezone.localdate(),
        scoring_model=scoring_model(),
        base_run=base_run,
        published_at=timezone.now(),
    )
    Suggestion.objects.bulk_create(
        Suggestion(run=run, child=child, score=SCORES[tier], individual_score=SCORES[tier], tier=tier)
        for child, tier in tiers.items()
    )
    # What publication does: keep the stored current suggestions (the pages read them).
    run.current_counts = runs.publish_current(run.pk, full=kind == RunKind.FULL)
    run.save(update_fields=["current_counts"])
    return run


def current_suggestion(child) -> Suggestion:
    return Suggestion.objects.current().get(child=child)


@pytest.fixture
def caseworker(partnership):
    return partnership.users["caseworker"]


@pytest.fixture
def child(partnership):
    return partnership.council_child


@pytest.fixture
def meeting(partnership):
    panel = Panel.objects.create(name="Cohort test panel", chair_agency=partnership.agencies["council"])
    created = PanelMeeting.objects.create(
        panel=panel, held_on=timezone.localdate(), chair=partnership.users["caseworker"]
    )
    created.agencies_present.set([partnership.agencies["council"]])
    return created


def tier_of(child) -> str | None:
    row = ChildTier.objects.filter(child=child).first()
    return row.tier if row else None


# Nominations ------------------------------------------------------------------------------------


def test_nomination_is_recorded_and_audited(caseworker, child, partnership):
    nomination = services.nominate(caseworker, child, VC, "  Seen with older men at the bus station  ")
    assert (nomination.status, nomination.tier, nomination.reason) == (
        NominationStatus.OPEN,
        VC,
        "Seen with older men at the bus station",
    )
    assert nomination.agency == partnership.agencies["council"]
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="cohorts.nomination", object_id=str(nomination.pk)
    ).exists()
    assert tier_of(child) is None  # a nomination alone does not change the tier


def test_one_open_nomination_per_child(caseworker, child, partnership):
    services.nominate(caseworker, child, VC, "First")
    with pytest.raises(ValidationError) as error:
        services.nominate(caseworker, child, MV, "Second")
    assert "already has a nomination waiting" in str(error.value)
    assert Nomination.objects.filter(child=child).count() == 1
    # Once withdrawn, a new nomination can be made.
    services.withdraw_nomination(caseworker, Nomination.objects.get(child=child), "Made by mistake")
    services.nominate(caseworker, child, MV, "Second")
    assert list(Nomination.objects.filter(child=child).values_list("status", flat=True).order_by("id")) == [
        NominationStatus.WITHDRAWN,
        NominationStatus.OPEN,
    ]


@pytest.mark.parametrize(
    ("tier", "reason", "field"),
    [("", "Reason", "tier"), ("top_tier", "Reason", "tier"), (VC, "   ", "reason"), (VC, "x" * 5001, "reason")],
)
def test_bad_nomination_saves_nothing(caseworker, child, tier, reason, field):
    with pytest.raises(ValidationError) as error:
        services.nominate(caseworker, child, tier, reason)
    assert field in error.value.message_dict
    assert not Nomination.objects.exists()
    assert not AuditEvent.objects.filter(object_type="cohorts.nomination").exists()


def test_nominating_needs_an_editor_who_sees_the_child(partnership, child):
    for persona in ("police", "manager", "mentor", "dpo"):
        with pytest.raises(PermissionDenied):
            services.nominate(partnership.users[persona], child, VC, "Reason")
    assert not Nomination.objects.exists()


# Panel decisions --------------------------------------------------------------------------------


def test_confirm_a_suggestion_sets_the_tier(caseworker, child, meeting):
    publish({child: VC})
    suggestion = current_suggestion(child)
    decision = services.record_decision(
        caseworker, child, outcome="confirm", reason="Agreed at panel", suggestion=suggestion, panel_meeting=meeting
    )
    assert (decision.outcome, decision.proposed_tier, decision.tier, decision.previous_tier) == ("confirm", VC, VC, "")
    assert (decision.suggestion, decision.panel_meeting, decision.decided_by) == (suggestion, meeting, caseworker)
    current = ChildTier.objects.get(child=child)
    assert (current.tier, current.decision, current.since) == (VC, decision, decision.decided_at)
    for object_type in ("cohorts.tierdecision", "cohorts.childtier"):
        assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type=object_type).count() == 1


def test_confirm_change_and_reject_keep_the_history(caseworker, child):
    nomination = services.nominate(caseworker, child, MV, "Missing three times this month")
    first = services.record_decision(caseworker, child, outcome="confirm", reason="Agreed", nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.DECIDED
    assert (first.tier, first.previous_tier, first.nomination) == (MV, "", nomination)
    since = ChildTier.objects.get(child=child).since

    second = services.record_decision(caseworker, child, outcome="change", tier=CFC, reason="Much better at home")
    assert (second.outcome, second.proposed_tier, second.tier, second.previous_tier) == ("change", "", CFC, MV)
    current = ChildTier.objects.get(child=child)
    assert (current.tier, current.decision) == (CFC, second)
    assert current.since > since

    third = services.record_decision(caseworker, child, outcome="reject", tier=VC, reason="No longer a concern")
    assert (third.outcome, third.tier, third.previous_tier) == ("reject", "", CFC)
    assert not ChildTier.objects.filter(child=child).exists()
    assert list(TierDecision.objects.filter(child=child).order_by("id").values_list("outcome", "tier")) == [
        ("confirm", MV),
        ("change", CFC),
        ("reject", ""),
    ]
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="cohorts.childtier").count() == 1


def test_reconfirming_the_same_tier_keeps_since(caseworker, child):
    publish({child: VC})
    first = services.record_decision(
        caseworker, child, outcome="confirm", reason="Agreed", suggestion=current_suggestion(child)
    )
    second = services.record_decision(
        caseworker, child, outcome="confirm", reason="Reviewed", suggestion=current_suggestion(child)
    )
    current = ChildTier.objects.get(child=child)
    assert (current.decision, current.since, second.previous_tier) == (second, first.decided_at, VC)


@pytest.mark.parametrize(
    ("outcome", "tier", "with_suggestion", "field"),
    [
        ("confirm", "", False, "outcome"),  # nothing proposed to confirm
        ("confirm", MV, True, "tier"),  # confirming something else than proposed
        ("change", "", True, "tier"),  # change needs a tier
        ("change", VC, True, "tier"),  # the same as proposed is a confirmation, not a change
        ("change", "top", True, "tier"),
        ("maybe", "", True, "outcome"),
    ],
)
def test_bad_decision_saves_nothing(caseworker, child, outcome, tier, with_suggestion, field):
    publish({child: VC})
    suggestion = current_suggestion(child) if with_suggestion else None
    with pytest.raises(ValidationError) as error:
        services.record_decision(caseworker, child, outcome=outcome, tier=tier, reason="R", suggestion=suggestion)
    assert field in error.value.message_dict
    assert not TierDecision.objects.exists()
    assert not ChildTier.objects.exists()


def test_decision_needs_a_reason_and_a_visible_meeting(caseworker, child, partnership):
    panel = Panel.objects.create(name="Police only panel", chair_agency=partnership.agencies["police"])
    hidden = PanelMeeting.objects.create(panel=panel, held_on=timezone.localdate(), chair=partnership.users["police"])
    with pytest.raises(ValidationError) as error:
        services.record_decision(caseworker, child, outcome="change", tier=VC, reason=" ", panel_meeting=hidden)
    assert set(error.value.message_dict) == {"reason", "panel_meeting"}
    assert not TierDecision.objects.exists()


def test_suggestion_and_nomination_that_differ_cannot_be_confirmed(caseworker, child):
    publish({child: VC})
    nomination = services.nominate(caseworker, child, MV, "Reason")
    with pytest.raises(ValidationError) as error:
        services.record_decision(
            caseworker,
            child,
            outcome="confirm",
            reason="R",
            suggestion=current_suggestion(child),
            nomination=nomination,
        )
    assert "different tiers" in error.value.message_dict["outcome"][0]
    decision = services.record_decision(
        caseworker,
        child,
        outcome="change",
        tier=MV,
        reason="R",
        suggestion=current_suggestion(child),
        nomination=nomination,
    )
    assert (decision.proposed_tier, decision.tier) == ("", MV)


def test_deciding_needs_the_role_and_the_child(partnership):
    shared = partnership.shared_child  # the police officer sees it but may not decide tiers
    for persona, child in (("police", shared), ("voluntary", partnership.council_child), ("manager", shared)):
        with pytest.raises(PermissionDenied):
            services.record_decision(partnership.users[persona], child, outcome="change", tier=VC, reason="R")
    assert not TierDecision.objects.exists()


def test_a_decided_nomination_cannot_be_decided_again(caseworker, child):
    nomination = services.nominate(caseworker, child, VC, "Reason")
    services.record_decision(caseworker, child, outcome="confirm", reason="R", nomination=nomination)
    with pytest.raises(ValidationError) as refused:
        services.record_decision(caseworker, child, outcome="confirm", reason="R", nomination=nomination)
    assert refused.value.message_dict == {"nomination": ["This nomination has already been decided or withdrawn"]}
    assert TierDecision.objects.count() == 1


def test_only_decisions_change_the_tier(caseworker, child, partnership):
    publish({child: CFC})
    services.record_decision(caseworker, child, outcome="confirm", reason="R", suggestion=current_suggestion(child))
    before = ChildTier.objects.values().get(child=child)
    full = publish({child: MV, partnership.shared_child: VC})
    publish({child: ""}, kind=RunKind.INCREMENTAL, base_run=full)
    assert current_suggestion(child).tier == ""
    assert ChildTier.objects.values().get(child=child) == before
    assert ChildTier.objects.count() == 1
    assert TierDecision.objects.count() == 1


def test_lead_professional_is_told_of_the_decision(caseworker, child, partnership):
    lead = UserFactory(username="lead")
    MembershipFactory(user=lead, agency=partnership.agencies["council"], role=Role.CASEWORKER)
    child.lead_professional = lead
    child.save()
    services.record_decision(caseworker, child, outcome="change", tier=MV, reason="R")
    services.record_decision(caseworker, child, outcome="reject", reason="R")
    assert list(Notification.objects.filter(user=lead).order_by("id").values_list("message", "link")) == [
        (f"Cohort panel decision for {child.reference}: Most vulnerable", f"/cohort/children/{child.pk}/"),
        (f"Cohort panel decision for {child.reference}: not in a cohort tier", f"/cohort/children/{child.pk}/"),
    ]
    # Deciding yourself, you are not told of your own decision.
    child.lead_professional = caseworker
    child.save()
    services.record_decision(caseworker, child, outcome="change", tier=VC, reason="R")
    assert not Notification.objects.filter(user=caseworker).exists()


# The switch -------------------------------------------------------------------------------------


def test_switching_suggestions_off_keeps_nominations_decisions_and_tiers(caseworker, child, partnership, client_for):
    publish({child: VC})
    services.record_decision(caseworker, child, outcome="confirm", reason="R", suggestion=current_suggestion(child))
    services.nominate(caseworker, partnership.shared_child, CFC, "Reason")
    before = (
        list(Nomination.objects.values()),
        list(TierDecision.objects.values()),
        list(ChildTier.objects.values()),
    )
    client = client_for("dpo")
    response = client.post(reverse("cohorts:settings"), {"switch_to": "off", "reason": "Annual review"}, follow=True)
    assert "Automatic suggestions are off" in response.content.decode()
    settings_row = CohortSettings.load()
    assert (settings_row.suggestions_enabled, settings_row.reason, settings_row.changed_by) == (
        False,
        "Annual review",
        partnership.users["dpo"],
    )
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="cohorts.cohortsettings").count() == 1
    after = (
        list(Nomination.objects.values()),
        list(TierDecision.objects.values()),
        list(ChildTier.objects.values()),
    )
    assert after == before
    page = client_for("caseworker").get(reverse("cohorts:cohort_home")).content.decode()
    assert "Automatic suggestions are switched off" in page
    # A second person switching off from a stale page changes nothing.
    response = client_for("manager").post(reverse("cohorts:settings"), {"switch_to": "off", "reason": "Again"})
    assert "already off" in response.content.decode()
    assert CohortSettings.load().reason == "Annual review"
    # And a decision can still be recorded while suggestions are off.
    services.record_decision(caseworker, child, outcome="change", tier=MV, reason="R")
    assert tier_of(child) == MV


def test_switch_needs_a_reason(client_for):
    response = client_for("manager").post(reverse("cohorts:settings"), {"switch_to": "off", "reason": ""})
    assert "govuk-error-summary" in response.content.decode()
    assert CohortSettings.load().suggestions_enabled is True


# Pages ------------------------------------------------------------------------------------------


def test_nominate_page(client_for, child):
    client = client_for("caseworker")
    url = reverse("cohorts:nominate", args=[child.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"tier": "", "reason": ""})
    body = response.content.decode()
    assert "There is a problem" in body and "Choose a tier" in body and "Enter why you are nominating" in body
    assert not Nomination.objects.exists()
    response = client.post(url, {"tier": VC, "reason": "Professional judgement"})
    assert response.status_code == 302 and response["Location"] == reverse("cohorts:child_cohort", args=[child.pk])
    assert Nomination.objects.get(child=child).tier == VC


def test_voluntary_worker_nominates_from_the_profile(client_for, partnership):
    child = partnership.voluntary_child
    response = client_for("voluntary").post(
        reverse("cohorts:nominate", args=[child.pk]), {"tier": CFC, "reason": "Worried"}
    )
    assert response["Location"] == reverse("cases:child_detail", args=[child.pk])
    assert Nomination.objects.get(child=child).nominated_by == partnership.users["voluntary"]


def test_decide_page_confirms_the_suggestion(client_for, child, meeting):
    publish({child: VC})
    client = client_for("caseworker")
    url = reverse("cohorts:decide", args=[child.pk])
    page = client.get(url).content.decode()
    assert "Vulnerable cohort" in page and "Cohort test panel" in page
    suggestion = current_suggestion(child)
    response = client.post(
        url,
        {"outcome": "change", "tier": "", "reason": "", "suggestion": suggestion.pk, "nomination": ""},
    )
    body = response.content.decode()
    assert "Choose the tier the panel decided" in body and "Enter the reason for the decision" in body
    assert not TierDecision.objects.exists()
    response = client.post(
        url,
        {"outcome": "confirm", "reason": "Agreed", "panel_meeting": meeting.pk, "suggestion": suggestion.pk},
    )
    assert response.status_code == 302
    decision = TierDecision.objects.get()
    assert (decision.tier, decision.suggestion, decision.panel_meeting) == (VC, suggestion, meeting)
    history = client.get(reverse("cohorts:child_cohort", args=[child.pk])).content.decode()
    assert "Agreed" in history and "Cohort test panel" in history


def test_decide_page_refuses_a_proposal_that_changed(client_for, child):
    publish({child: VC})
    old = current_suggestion(child)
    publish({child: MV})
    response = client_for("caseworker").post(
        reverse("cohorts:decide", args=[child.pk]), {"outcome": "confirm", "reason": "Agreed", "suggestion": old.pk}
    )
    assert "changed while you were on this page" in response.content.decode()
    assert not TierDecision.objects.exists()


def test_outsiders_get_404(client_for, partnership, child):
    for persona in ("police", "manager", "voluntary", "dpo"):
        client = client_for(persona)
        for name in ("cohorts:child_cohort", "cohorts:decide"):
            assert client.get(reverse(name, args=[child.pk])).status_code == 404, (persona, name)
    assert client_for("police").get(reverse("cohorts:nominate", args=[child.pk])).status_code == 404
    assert client_for("voluntary").get(reverse("cohorts:cohort_home")).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(child.pk)).exists()


def test_cohort_home_shows_only_visible_children(client_for, partnership, child):
    hidden = partnership.voluntary_child
    publish({child: VC, hidden: MV})
    caseworker = partnership.users["caseworker"]
    services.record_decision(caseworker, child, outcome="change", tier=CFC, reason="R")
    client = client_for("caseworker")
    tiers_page = client.get(reverse("cohorts:cohort_home")).content.decode()
    suggestions_page = client.get(reverse("cohorts:cohort_home"), {"show": "suggestions"}).content.decode()
    assert child.family_name in tiers_page and child.family_name in suggestions_page
    assert hidden.family_name not in tiers_page + suggestions_page
    assert reverse("cohorts:suggestion_why", args=[child.pk]) in suggestions_page
    filtered = client.get(reverse("cohorts:cohort_home"), {"show": "suggestions", "tier": MV}).content.decode()
    assert child.family_name not in filtered
    event = AuditEvent.objects.filter(action=AuditAction.LIST).latest("id")
    assert event.detail == {"view": "cohort suggestions"}


def _many_children(partnership, count):
    children = [InvolvementFactory(agency=partnership.agencies["council"]).child for _ in range(count)]
    return children


@pytest.mark.parametrize("show", ["tiers", "suggestions", "nominations"])
def test_cohort_home_query_count_does_not_grow(client_for, partnership, django_assert_num_queries, show):
    caseworker = partnership.users["caseworker"]
    client = client_for("caseworker")
    url = reverse("cohorts:cohort_home") + f"?show={show}"
    CohortSettings.load()

    def fill(children):
        publish(dict.fromkeys(children, VC))
        for each in children:
            services.record_decision(caseworker, each, outcome="change", tier=MV, reason="R")
            services.nominate(caseworker, each, CFC, "R")

    fill([partnership.council_child])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    fill(_many_children(partnership, 6))
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("cohort/children/") >= 7


def test_suggestions_api_query_count_does_not_grow(client_for, partnership, django_assert_num_queries):
    """The API's page reads the stored current suggestions in score order, then child id (the
    index), and each run of the chain once, however many suggestions and runs the page holds."""
    client = client_for("caseworker")
    url = reverse("api:cohort-suggestion-list")
    CohortSettings.load()
    first = publish({partnership.council_child: VC})
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    children = _many_children(partnership, 6)
    publish(dict.fromkeys(children[:3], MV), kind=RunKind.INCREMENTAL, base_run=first)
    publish(dict.fromkeys(children[3:], CFC), kind=RunKind.INCREMENTAL, base_run=first)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    listed = [(row["score"], row["child"]) for row in response.json()["results"]]
    assert len(listed) == 7 and listed == sorted(listed, key=lambda pair: (-pair[0], pair[1]))


def test_child_cohort_query_count_does_not_grow(client_for, partnership, child, meeting, django_assert_num_queries):
    caseworker = partnership.users["caseworker"]
    client = client_for("caseworker")
    url = reverse("cohorts:child_cohort", args=[child.pk])
    CohortSettings.load()
    publish({child: VC})
    services.record_decision(caseworker, child, outcome="confirm", reason="R", suggestion=current_suggestion(child))
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for index in range(5):
        nomination = services.nominate(caseworker, child, MV, f"Nomination {index}")
        services.record_decision(
            caseworker,
            child,
            outcome="confirm",
            reason=f"Decision {index}",
            nomination=nomination,
            panel_meeting=meeting,
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    body = response.content.decode()
    assert "Decision 4" in body and "Nomination 4" in body


def test_model_page_describes_the_model(client_for, partnership):
    from cohorts.models import IndicatorDefinition

    scoring_model()
    IndicatorDefinition.objects.update_or_create(
        code="weapon_offence",
        level="individual",
        defaults={
            "label": "Weapon offence",
            "domain": "crime",
            "weight": 5,
            "window_days": 365,
            "source_systems": "police_niche",
            "event_kinds": "weapon_offence",
        },
    )
    body = client_for("voluntary").get(reverse("cohorts:model")).content.decode()
    for text in ("advisory", "Weapon offence", "weapon_offence", "police_niche", "Score 12 or more", "Model version"):
        assert text in body


# API --------------------------------------------------------------------------------------------


def test_api_nominate_and_decide(client_for, partnership, child):
    client = client_for("caseworker")
    response = client.post(
        reverse("api:cohort-nomination-list"),
        {"child": child.pk, "tier": VC, "reason": "Judgement"},
        "application/json",
    )
    assert response.status_code == 201, response.content
    nomination_id = response.json()["id"]
    response = client.post(
        reverse("api:cohort-nomination-list"), {"child": child.pk, "tier": MV, "reason": "Again"}, "application/json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()
    response = client.post(
        reverse("api:cohort-tier-decision-list"),
        {"child": child.pk, "outcome": "change", "reason": "R"},
        "application/json",
    )
    assert response.status_code == 400 and "tier" in response.json()
    assert not TierDecision.objects.exists()
    response = client.post(
        reverse("api:cohort-tier-decision-list"),
        {"child": child.pk, "outcome": "confirm", "reason": "Agreed", "nomination": nomination_id},
        "application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["tier"] == VC
    assert [row["tier"] for row in client.get(reverse("api:cohort-tier-list")).json()["results"]] == [VC]
    assert client.get(reverse("api:cohort-nomination-list")).json()["results"][0]["status"] == "decided"
    # A child the caller cannot see is a field error, not a leak.
    response = client.post(
        reverse("api:cohort-tier-decision-list"),
        {"child": partnership.voluntary_child.pk, "outcome": "change", "tier": VC, "reason": "R"},
        "application/json",
    )
    assert response.status_code == 400 and response.json()["child"] == ["Choose a young person you can see"]
    # Lists hold only visible children.
    assert client_for("police").get(reverse("api:cohort-tier-list")).json()["results"] == []


def test_api_police_officer_may_not_decide(client_for, partnership):
    response = client_for("police").post(
        reverse("api:cohort-tier-decision-list"),
        {"child": partnership.shared_child.pk, "outcome": "change", "tier": VC, "reason": "R"},
        "application/json",
    )
    assert response.status_code == 403
    assert not TierDecision.objects.exists()


# Demo -------------------------------------------------------------------------------------------


def test_demo_decisions(settings, db):
    """seed_demo publishes a recalculation, then a panel confirms one suggestion and changes one
    nomination, and one nomination waits; the panel's other decisions bring the tiers to the
    briefing's 195 (tests/test_demo_data.py checks each tier); loading again adds nothing."""
    from django.core.management import call_command

    from demo.decisions import load_demo_decisions

    settings.DEMO = True
    call_command("seed_demo")
    decisions = list(TierDecision.objects.order_by("id"))
    assert [decision.outcome for decision in decisions[:2]] == ["confirm", "change"]
    assert decisions[0].suggestion is not None and decisions[0].tier == decisions[0].suggestion.tier
    assert decisions[1].nomination is not None and decisions[1].tier == CFC
    assert TierDecision.objects.filter(panel_meeting__isnull=False).count() == len(decisions) == 195
    assert Nomination.objects.filter(status=NominationStatus.OPEN).count() == 1
    assert ChildTier.objects.count() == 195
    assert load_demo_decisions() == 0


def test_child_profile_shows_the_tier_without_another_query(client_for, partnership, child):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("caseworker")
    url = reverse("cases:child_detail", args=[child.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as without_tier:
        body = client.get(url).content.decode()
    assert "Cohort tier" in body and "Not in a tier" in body
    services.record_decision(partnership.users["caseworker"], child, outcome="change", tier=MV, reason="R")
    with CaptureQueriesContext(connection) as with_tier:
        body = client.get(url).content.decode()
    assert "Most vulnerable" in body and reverse("cohorts:child_cohort", args=[child.pk]) in body
    assert len(with_tier.captured_queries) == len(without_tier.captured_queries)
    voluntary_page = client_for("voluntary").get(reverse("cases:child_detail", args=[partnership.voluntary_child.pk]))
    assert "Cohort tier" not in voluntary_page.content.decode()

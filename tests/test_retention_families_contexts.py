"""Retention for households, contexts and establishments once nothing is left in them: a family with
no members and no agency still involved, a closed context (place, peer group or online space) with
no young person linked, no agency still involved and no police record naming it, and an
establishment with no engagement record or outreach event left. Each is found only when
its last activity is past the rule's period, and is disposed of with what belongs to it (facts,
chronology, involvements; assessments, plans and referrals), with the audit trail's content about
it redacted."""

import json
from datetime import UTC, date, datetime

import pytest

from audit import services as audit
from audit.models import AuditAction, AuditEvent
from cases.models import (
    Adult,
    Child,
    ChronologyEvent,
    Context,
    ContextAssessment,
    ContextLink,
    ContextPlan,
    Family,
    FamilyFact,
    FamilyMember,
    Involvement,
    Referral,
)
from interventions.models import DisruptionAction, IntelligenceReport, PersonOfConcern
from outreach.models import EngagementRecord, Establishment, OutreachEvent
from oversight import services
from oversight.models import DisposalCandidate, RecordType, RetentionRule
from tests.outreach_data import police_establishment, police_event
from tests.test_retention_more_types import LONG_AGO, TODAY, dispose_all, waiting

pytestmark = pytest.mark.django_db

CHANGED_LONG_AGO = datetime(2018, 1, 1, tzinfo=UTC)


def family_event(p, family: Family, occurred_on: date, summary: str) -> ChronologyEvent:
    return ChronologyEvent.objects.create(
        family=family, occurred_on=occurred_on, kind="other", summary=summary, source_agency=p.agencies["council"]
    )


@pytest.fixture
def emptied_family(partnership):
    """The partnership's family with everyone gone from it, last changed in 2018, with a fact and an event."""
    family = partnership.family
    FamilyMember.objects.filter(family=family).delete()
    FamilyFact.objects.create(
        family=family,
        kind="housing",
        noted_on=date(2017, 6, 1),
        note="Evicted from Rowan Court",
        source_agency=partnership.agencies["council"],
        recorded_by=partnership.users["caseworker"],
    )
    family_event(partnership, family, date(2017, 9, 1), "Home visit at Rowan Court")
    Family.objects.filter(pk=family.pk).update(updated_at=CHANGED_LONG_AGO)
    return family


def test_the_new_types_have_six_year_rules_from_last_activity():
    new_types = ["family", "context", "establishment"]
    rules = {rule.record_type: rule for rule in RetentionRule.objects.filter(record_type__in=new_types)}
    assert {key: (rule.years, rule.basis) for key, rule in rules.items()} == {
        "family": (6, "last_activity"),
        "context": (6, "last_activity"),
        "establishment": (6, "last_activity"),
    }
    assert all(rule.authority for rule in rules.values())


def test_a_family_with_nobody_left_is_found_only_once_its_last_activity_is_past_the_period(partnership, emptied_family):
    with_a_member = Family.objects.create(reference="FA-T0002", name="Kept family")
    FamilyMember.objects.create(family=with_a_member, adult=partnership.adult, relationship="mother")
    still_worked_with = Family.objects.create(reference="FA-T0003", name="Worked-with family")
    Involvement.objects.create(agency=partnership.agencies["council"], family=still_worked_with, started_on=LONG_AGO)
    recent_event = Family.objects.create(reference="FA-T0004", name="Recently seen family")
    family_event(partnership, recent_event, date(2025, 1, 1), "Seen at the library")
    recent_fact = Family.objects.create(reference="FA-T0005", name="Recent fact family")
    FamilyFact.objects.create(
        family=recent_fact,
        kind="other",
        noted_on=date(2024, 1, 1),
        source_agency=partnership.agencies["council"],
        recorded_by=partnership.users["caseworker"],
    )
    ended_lately = Family.objects.create(reference="FA-T0006", name="Lately worked-with family")
    Involvement.objects.create(
        agency=partnership.agencies["council"], family=ended_lately, started_on=LONG_AGO, ended_on=date(2023, 1, 1)
    )
    Family.objects.exclude(pk=emptied_family.pk).update(updated_at=CHANGED_LONG_AGO)

    services.find_due(TODAY)

    assert waiting(RecordType.FAMILY) == {emptied_family.pk}
    assert DisposalCandidate.objects.get(record_type="family").kept_from == date(2018, 1, 1)
    assert DisposalCandidate.objects.get(record_type="family").reference == emptied_family.reference


def test_a_family_is_disposed_of_with_its_facts_chronology_and_involvements(partnership, emptied_family):
    Involvement.objects.create(
        agency=partnership.agencies["council"], family=emptied_family, started_on=LONG_AGO, ended_on=LONG_AGO
    )
    audit.record(
        partnership.users["caseworker"],
        AuditAction.UPDATE,
        obj=emptied_family,
        detail={"changes": {"name": ["Test family", "Rowan Court family"]}},
    )
    services.find_due(TODAY)

    assert dispose_all(partnership.users["dpo"], RecordType.FAMILY) == {"disposed": 1, "blocked": 0, "not_due": 0}

    assert not Family.objects.filter(pk=emptied_family.pk).exists()
    assert not FamilyFact.objects.filter(family_id=emptied_family.pk).exists()
    assert not ChronologyEvent.objects.filter(family_id=emptied_family.pk).exists()
    assert not Involvement.objects.filter(family_id=emptied_family.pk).exists()
    assert Adult.objects.filter(pk=partnership.adult.pk).exists(), "the adult has a rule of their own"
    disposal = AuditEvent.objects.get(action=AuditAction.DELETE, object_type="cases.family")
    assert disposal.detail["disposal"]["removed"]["cases.familyfact"] == 1
    trail = json.dumps(list(AuditEvent.objects.values_list("detail", flat=True)))
    assert "Rowan Court" not in trail, "the trail keeps no content about the household"


@pytest.fixture
def closed_context(partnership):
    """The hotspot closed, its young people unlinked, its referral, assessment and plan all from 2018."""
    hotspot = partnership.hotspot
    ContextLink.objects.filter(context=hotspot).delete()
    Referral.objects.filter(pk=partnership.referral.pk).update(received_on=LONG_AGO)
    Context.objects.filter(pk=hotspot.pk).update(status="closed", updated_at=CHANGED_LONG_AGO)
    return hotspot


def test_a_closed_context_with_nobody_linked_is_found_once_its_last_activity_is_past_the_period(
    partnership, closed_context
):
    council = partnership.agencies["council"]
    Context.objects.create(reference="LO-T0010", kind="location", name="Open car park")  # still open
    linked = Context.objects.create(reference="LO-T0011", kind="location", name="Linked car park", status="closed")
    ContextLink.objects.create(
        child=partnership.council_child,
        context=linked,
        role="victim",
        source_agency=council,
        recorded_by=partnership.users["caseworker"],
    )
    worked_with = Context.objects.create(reference="PG-T0012", kind="peer_group", name="Worked group", status="closed")
    Involvement.objects.create(agency=council, context=worked_with, started_on=LONG_AGO)
    named_by_police = Context.objects.create(
        reference="LO-T0013", kind="location", name="Named car park", status="closed"
    )
    report = IntelligenceReport.objects.create(
        reference="INT-R1",
        received_on=LONG_AGO,
        source_evaluation="A",
        assessment="1",
        handling_code="P",
        text="Seen at the car park",
        submitted_by=partnership.users["police"],
    )
    report.contexts.add(named_by_police)
    known_haunt = Context.objects.create(reference="LO-T0015", kind="location", name="Haunt", status="closed")
    person = PersonOfConcern.objects.create(
        reference="POC-R1", given_name="Al", family_name="Old", recorded_by=partnership.users["police"]
    )
    person.locations.add(known_haunt)
    disrupted_at = Context.objects.create(reference="LO-T0016", kind="location", name="Arcade", status="closed")
    DisruptionAction.objects.create(
        kind="arrest", location=disrupted_at, taken_on=LONG_AGO, recorded_by=partnership.users["police"]
    )
    lately_worked = Context.objects.create(reference="PG-T0017", kind="peer_group", name="Group", status="closed")
    Involvement.objects.create(agency=council, context=lately_worked, started_on=LONG_AGO, ended_on=date(2023, 1, 1))
    recent_event = Context.objects.create(reference="OS-T0014", kind="online", name="Chat group", status="closed")
    ChronologyEvent.objects.create(
        context=recent_event, occurred_on=date(2025, 1, 1), kind="other", summary="Posts", source_agency=council
    )
    Context.objects.exclude(pk=closed_context.pk).update(updated_at=CHANGED_LONG_AGO)

    services.find_due(TODAY)
    assert waiting(RecordType.CONTEXT) == {closed_context.pk}

    Referral.objects.filter(pk=partnership.referral.pk).update(received_on=date(2024, 1, 1))
    services.find_due(TODAY)
    assert waiting(RecordType.CONTEXT) == set(), "a later referral about the place is its last activity"


def test_a_context_is_disposed_of_with_its_assessments_plans_and_referrals(partnership, closed_context):
    services.find_due(TODAY)

    assert dispose_all(partnership.users["dpo"], RecordType.CONTEXT)["disposed"] == 1

    assert not Context.objects.filter(pk=closed_context.pk).exists()
    assert not ContextAssessment.objects.filter(pk=partnership.assessment.pk).exists()
    assert not ContextPlan.objects.filter(pk=partnership.plan.pk).exists()
    assert not Referral.objects.filter(pk=partnership.referral.pk).exists()
    assert Child.objects.filter(pk=partnership.council_child.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="cases.context").exists()


def test_an_establishment_goes_once_no_engagement_or_event_names_it(partnership):
    establishment = police_establishment(partnership)
    Establishment.objects.filter(pk=establishment.pk).update(created_at=CHANGED_LONG_AGO)
    recent = Establishment.objects.create(
        agency=partnership.agencies["police"], name="New hotel", kind="hotel", recorded_by=partnership.users["outreach"]
    )
    event = police_event(partnership, held_on=LONG_AGO, status="delivered")
    OutreachEvent.objects.filter(pk=event.pk).update(establishment=establishment)
    services.find_due(TODAY)
    assert waiting(RecordType.ESTABLISHMENT) == set(), "an outreach event still names it"

    event.delete()
    contact = EngagementRecord.objects.create(
        establishment=establishment, outcome="engaged", occurred_on=LONG_AGO, recorded_by=partnership.users["outreach"]
    )
    services.find_due(TODAY)
    assert waiting(RecordType.ESTABLISHMENT) == set(), "an engagement record is still kept"

    contact.delete()
    services.find_due(TODAY)
    assert waiting(RecordType.ESTABLISHMENT) == {establishment.pk}
    assert dispose_all(partnership.users["dpo"], RecordType.ESTABLISHMENT)["disposed"] == 1
    assert list(Establishment.objects.values_list("pk", flat=True)) == [recent.pk]

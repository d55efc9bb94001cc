"""Retention: rules per record type (defaults from the data migration, changed by the DPO or the
administrator, audited), a nightly search that adds records past their period to the DPO's review,
holds with a reason, and disposal that deletes the record with what belongs to it and leaves in the
audit trail only its type, id, the rule, who and when."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from cases.models import Child, ChronologyEvent, Involvement
from interventions.models import DisruptionAction, IntelligenceReport, IntelligenceShare, PersonOfConcern
from oversight import retention, services
from oversight.models import DisposalCandidate, DisposalStatus, RecordType, RetentionRule
from oversight.tasks import find_due_for_disposal
from tests.factories import ChildFactory, InvolvementFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def closed_child(agency, *, born: date, ended: date, looked_after=False) -> Child:
    """A young person whose case is closed: every involvement ended (dates set past the model's checks)."""
    child = ChildFactory()
    Involvement.objects.create(agency=agency, child=child, started_on=ended - timedelta(days=400), ended_on=ended)
    Child.objects.filter(pk=child.pk).update(status="closed", date_of_birth=born, looked_after=looked_after)
    return child


@pytest.fixture
def old_child(partnership):
    """Closed, 26 years old: past the default of the 25th birthday."""
    child = closed_child(partnership.agencies["council"], born=date(2000, 1, 1), ended=date(2016, 3, 1))
    ChronologyEvent.objects.create(
        child=child,
        occurred_on=date(2015, 5, 1),
        kind="other",
        summary="Seen at the bus station",
        source_agency=partnership.agencies["council"],
    )
    return child


def candidate_of(record) -> DisposalCandidate:
    types = [key for key, kind in retention.KINDS.items() if kind.model is type(record)]
    return DisposalCandidate.objects.get(record_type__in=types, object_id=record.pk)


def test_every_record_type_has_a_default_rule_counted_from_a_date_it_has():
    rules = {rule.record_type: rule for rule in RetentionRule.objects.all()}
    assert set(rules) == set(RecordType.values)
    for record_type, rule in rules.items():
        assert rule.basis in retention.bases_for(record_type), record_type
        assert rule.authority
    assert (rules["child"].years, rules["child"].basis) == (25, "birth")
    assert (rules["child_looked_after"].years, rules["child_looked_after"].basis) == (75, "birth")
    assert (rules["intelligence"].years, rules["intelligence"].basis) == (6, "last_activity")


def test_only_closed_cases_past_their_period_are_found(partnership, old_child):
    council = partnership.agencies["council"]
    still_involved = ChildFactory()
    Child.objects.filter(pk=still_involved.pk).update(status="closed", date_of_birth=date(1990, 1, 1))
    InvolvementFactory(agency=council, child=still_involved)
    young = closed_child(council, born=date(2005, 1, 1), ended=date(2020, 1, 1))
    in_care = closed_child(council, born=date(1980, 1, 1), ended=date(1998, 1, 1), looked_after=True)

    assert services.find_due(TODAY) == 1
    assert list(DisposalCandidate.objects.values_list("object_id", "reference", "kept_from", "status")) == [
        (old_child.pk, old_child.reference, date(2000, 1, 1), DisposalStatus.DUE)
    ]
    assert not DisposalCandidate.objects.filter(object_id__in=[still_involved.pk, young.pk, in_care.pk]).exists()
    assert services.find_due(TODAY) == 0, "a second search adds nothing twice"


def test_counting_from_case_closure_uses_the_last_day_an_agency_was_involved(partnership):
    child = closed_child(partnership.agencies["council"], born=date(2010, 1, 1), ended=date(2019, 7, 1))
    RetentionRule.objects.filter(record_type="child").update(basis="case_closed", years=6)
    services.find_due(TODAY)
    assert candidate_of(child).kept_from == date(2019, 7, 1)
    RetentionRule.objects.filter(record_type="child").update(years=7)
    services.find_due(TODAY)
    assert not DisposalCandidate.objects.exists(), "no longer due once the period is longer"


def test_a_held_record_stays_held_when_it_is_no_longer_due(partnership, old_child):
    services.find_due(TODAY)
    services.hold(partnership.users["dpo"], [candidate_of(old_child).pk], reason="Legal hold: civil claim")
    RetentionRule.objects.filter(record_type="child").update(years=40)
    services.find_due(TODAY)
    held = candidate_of(old_child)
    assert (held.status, held.reason, held.decided_by) == ("held", "Legal hold: civil claim", partnership.users["dpo"])


def test_disposal_deletes_the_record_and_keeps_only_type_id_rule_who_and_when(partnership, old_child):
    dpo = partnership.users["dpo"]
    AuditEvent.objects.create(
        user=partnership.users["caseworker"],
        username="caseworker",
        action=AuditAction.READ,
        object_type="cases.child",
        object_id=str(old_child.pk),
    )
    events_before = AuditEvent.objects.count()
    services.find_due(TODAY)
    counts = services.dispose(dpo, [candidate_of(old_child).pk], today=TODAY)

    assert counts == {"disposed": 1, "blocked": 0, "not_due": 0}
    assert not Child.objects.filter(pk=old_child.pk).exists()
    assert not ChronologyEvent.objects.filter(child_id=old_child.pk).exists()
    assert not Involvement.objects.filter(child_id=old_child.pk).exists()
    assert AuditEvent.objects.count() == events_before + 1, "earlier audit rows are kept"
    event = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert (event.user, event.object_type, event.object_id) == (dpo, "cases.child", str(old_child.pk))
    disposal = event.detail["disposal"]
    assert disposal["record_type"] == "child" and disposal["years"] == 25 and disposal["basis"] == "birth"
    assert disposal["removed"]["cases.chronologyevent"] == 1
    kept = json.dumps(event.detail)
    for content in (old_child.given_name, old_child.family_name, old_child.reference, "bus station"):
        assert content not in kept
    candidate = candidate_of(old_child)
    assert (candidate.status, candidate.reference, candidate.decided_by) == ("disposed", "", dpo)


def test_a_record_other_records_still_refer_to_is_blocked_not_deleted(partnership):
    police, dpo = partnership.users["police"], partnership.users["dpo"]
    person = PersonOfConcern.objects.create(reference="POC-R1", given_name="Al", family_name="Old", recorded_by=police)
    PersonOfConcern.objects.filter(pk=person.pk).update(updated_at=timezone.now() - timedelta(days=365 * 8))
    action = DisruptionAction.objects.create(
        kind="arrest", person=person, taken_on=date(2018, 1, 1), recorded_by=police
    )
    services.find_due(TODAY)
    counts = services.dispose(dpo, [candidate_of(person).pk], today=TODAY)
    assert counts["blocked"] == 1
    assert PersonOfConcern.objects.filter(pk=person.pk).exists()
    assert candidate_of(person).status == "blocked"
    assert "disruption actions" in candidate_of(person).reason
    assert not AuditEvent.objects.filter(action=AuditAction.DELETE).exists()

    services.dispose(dpo, [candidate_of(action).pk], today=TODAY)
    assert services.dispose(dpo, [candidate_of(person).pk], today=TODAY)["disposed"] == 1
    assert not PersonOfConcern.objects.filter(pk=person.pk).exists()


def test_an_intelligence_report_goes_with_its_shares(partnership):
    police = partnership.users["police"]
    report = IntelligenceReport.objects.create(
        reference="IR-R1",
        received_on=date(2019, 1, 1),
        source_evaluation="1",
        assessment="A",
        handling_code="P",
        text="Old intelligence",
        submitted_by=police,
    )
    IntelligenceShare.objects.create(report=report, summary="Shared summary", shared_by=police)
    IntelligenceShare.objects.filter(report=report).update(shared_at=timezone.make_aware(timezone.datetime(2019, 2, 1)))
    services.find_due(TODAY)
    assert candidate_of(report).kept_from == date(2019, 2, 1), "the last share is the last activity"
    services.dispose(partnership.users["dpo"], [candidate_of(report).pk], today=TODAY)
    assert not IntelligenceReport.objects.filter(pk=report.pk).exists()
    assert not IntelligenceShare.objects.exists()


def test_a_record_reopened_since_it_was_found_is_not_disposed_of(partnership, old_child):
    services.find_due(TODAY)
    InvolvementFactory(agency=partnership.agencies["council"], child=old_child)
    counts = services.dispose(partnership.users["dpo"], [candidate_of(old_child).pk], today=TODAY)
    assert counts == {"disposed": 0, "blocked": 0, "not_due": 1}
    assert Child.objects.filter(pk=old_child.pk).exists()


@pytest.mark.parametrize("persona", ["caseworker", "police", "manager", "admin"])
def test_only_the_dpo_reviews_disposals(partnership, old_child, persona):
    services.find_due(TODAY)
    ids = [candidate_of(old_child).pk]
    user = partnership.users[persona]
    with pytest.raises(PermissionDenied):
        services.dispose(user, ids, today=TODAY)
    with pytest.raises(PermissionDenied):
        services.hold(user, ids, reason="No")
    assert Child.objects.filter(pk=old_child.pk).exists()


def test_the_nightly_task_fills_the_review(partnership, old_child):
    RetentionRule.objects.filter(record_type="child").update(years=20)
    assert find_due_for_disposal() == 1
    assert candidate_of(old_child).status == "due"


# Pages -----------------------------------------------------------------------------------------


def rule_form(rule, **changes):
    return {"years": rule.years, "basis": rule.basis, "authority": rule.authority, "version": rule.version, **changes}


@pytest.mark.parametrize("persona", ["dpo", "admin"])
def test_the_dpo_or_the_administrator_changes_a_rule_and_it_is_audited(client_for, partnership, persona):
    rule = RetentionRule.objects.get(record_type="mentor")
    response = client_for(persona).post(
        reverse("oversight:retention_rule_edit", args=[rule.pk]), rule_form(rule, years="7", authority="Board, May")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.years, rule.authority, rule.updated_by) == (7, "Board, May", partnership.users[persona])
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="oversight.retentionrule")
    assert event.detail["before"]["years"] == 6 and event.detail["after"]["years"] == 7


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"years": "0"}, "Years to keep the records must be 1 or more"),
        ({"years": "101"}, "Years to keep the records must be 100 or less"),
        ({"years": "six"}, "Enter years to keep the records as a whole number"),
        ({"basis": "birth"}, "Choose counted from from the list"),
        ({"authority": ""}, "Enter why this period"),
    ],
)
def test_a_bad_rule_is_refused_in_plain_english_and_nothing_changes(client_for, changes, message):
    rule = RetentionRule.objects.get(record_type="mentor")
    response = client_for("dpo").post(
        reverse("oversight:retention_rule_edit", args=[rule.pk]), rule_form(rule, **changes)
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    rule.refresh_from_db()
    assert (rule.years, rule.basis, rule.version) == (6, "last_activity", 1)
    assert not AuditEvent.objects.filter(object_type="oversight.retentionrule").exists()


def test_a_stale_rule_edit_keeps_what_was_typed(client_for):
    rule = RetentionRule.objects.get(record_type="mentor")
    RetentionRule.objects.filter(pk=rule.pk).update(version=2, years=8)
    response = client_for("dpo").post(
        reverse("oversight:retention_rule_edit", args=[rule.pk]), rule_form(rule, years="9")
    )
    assert response.status_code == 400
    assert "Someone else changed this retention rule" in response.content.decode()
    rule.refresh_from_db()
    assert rule.years == 8


def test_the_review_holds_with_a_reason_and_disposes_in_bulk(client_for, partnership, old_child):
    second = closed_child(partnership.agencies["council"], born=date(1999, 1, 1), ended=date(2015, 1, 1))
    services.find_due(TODAY)
    dpo = client_for("dpo")
    url = reverse("oversight:disposal_review")
    page = dpo.get(url).content.decode()
    assert old_child.reference in page and second.reference in page
    assert old_child.given_name not in page, "the queue shows references, never names"

    refused = dpo.post(url, {"selected": [candidate_of(old_child).pk], "action": "hold", "reason": " "})
    assert refused.status_code == 400
    assert "Enter why these records must be kept" in refused.content.decode()
    assert candidate_of(old_child).status == "due"
    nothing = dpo.post(url, {"action": "dispose"})
    assert nothing.status_code == 400 and "Select at least one record" in nothing.content.decode()
    unknown = dpo.post(url, {"selected": ["999999"], "action": "dispose"})
    assert unknown.status_code == 400 and "no longer in the review" in unknown.content.decode()

    held = dpo.post(url, {"selected": [candidate_of(old_child).pk], "action": "hold", "reason": "Complaint open"})
    assert held.status_code == 302
    ids = [candidate_of(old_child).pk, candidate_of(second).pk]
    dpo.post(url, {"selected": ids, "action": "dispose"})
    assert Child.objects.filter(pk=old_child.pk).exists(), "a held record is not disposed of"
    assert not Child.objects.filter(pk=second.pk).exists()
    hold_event = AuditEvent.objects.get(action=AuditAction.UPDATE, detail__retention="held")
    assert hold_event.reason == "Complaint open"


def test_the_review_costs_the_same_queries_however_many_records_wait(
    client_for, partnership, django_assert_num_queries
):
    council = partnership.agencies["council"]
    closed_child(council, born=date(1990, 1, 1), ended=date(2010, 1, 1))
    services.find_due(TODAY)
    dpo = client_for("dpo")
    url = reverse("oversight:disposal_review")
    dpo.get(url)
    with CaptureQueriesContext(connection) as one:
        dpo.get(url)
    for year in range(1980, 1990):
        closed_child(council, born=date(year, 1, 1), ended=date(2005, 1, 1))
    services.find_due(TODAY)
    with django_assert_num_queries(len(one.captured_queries)):
        dpo.get(url)


def test_beat_runs_the_search_every_night():
    from django.conf import settings

    from safeguarding.celery import app

    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == find_due_for_disposal.name]
    assert len(entries) == 1
    assert find_due_for_disposal.name in app.tasks

"""Disposal removes the content of the disposed records from the audit trail: in the same
transaction, as a recorded redaction (a "redact" event naming the record and how many events it
changed), keeping who, when, what kind and which record. On PostgreSQL the append-only trigger lets
only that change through (migration audit/0005)."""

import json
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit import services as audit
from audit.models import AuditAction, AuditEvent
from cases.models import Child, ChronologyEvent, Involvement
from oversight import services
from oversight.models import DisposalCandidate
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
SET = "UPDATE audit_auditevent SET detail = %s::jsonb, reason = '',"
CONTENT = ("Zebedee", "Zeb", "bus station", "Name spelled wrongly", "Concern from school")


@pytest.fixture
def disposable(partnership):
    """A closed case past its period, with events holding content about it and about its chronology."""
    council, caseworker = partnership.agencies["council"], partnership.users["caseworker"]
    child = ChildFactory()
    Involvement.objects.create(agency=council, child=child, started_on=date(2015, 1, 1), ended_on=date(2016, 3, 1))
    Child.objects.filter(pk=child.pk).update(status="closed", date_of_birth=date(2000, 1, 1))
    with transaction.atomic():
        entry = audit.create_audited(
            caseworker,
            ChronologyEvent,
            child=child,
            occurred_on=date(2015, 5, 1),
            kind="other",
            summary="Seen at the bus station",
            source_agency=council,
            recorded_by=caseworker,
        )
        audit.record_write(
            caseworker,
            AuditAction.UPDATE,
            child,
            before={"given_name": "Zebedee"},
            after={"given_name": "Zeb"},
            reason="Name spelled wrongly",
        )
        audit.record_read(caseworker, child, basis="break_glass", reason="Concern from school")
        listed = audit.record_list(caseworker, Child, [child.pk, partnership.council_child.pk], what="caseload")
        other = audit.record_write(
            caseworker,
            AuditAction.UPDATE,
            partnership.council_child,
            before={"given_name": "Zebedee"},
            after={"given_name": "Zed"},
            reason="Name spelled wrongly",
        )
    return child, entry, listed, other


def test_disposal_removes_the_content_of_earlier_events_and_keeps_who_when_what_and_which(partnership, disposable):
    child, entry, listed, other = disposable
    dpo = partnership.users["dpo"]
    before = {event.pk: event for event in AuditEvent.objects.all()}
    services.find_due(TODAY)
    candidate = DisposalCandidate.objects.get(record_type="child", object_id=child.pk)

    assert services.dispose(dpo, [candidate.pk], today=TODAY)["disposed"] == 1

    redaction = AuditEvent.objects.get(action=AuditAction.REDACT)
    disposal = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert (redaction.user, redaction.object_type, redaction.object_id) == (dpo, "cases.child", str(child.pk))
    assert redaction.detail == {"redaction": {"cause": "disposal", "events": 3}}
    assert disposal.detail["disposal"]["redaction"] == redaction.pk
    assert AuditEvent.objects.count() == len(before) + 2, "nothing deleted, two events added"
    about_child = [e for e in AuditEvent.objects.filter(pk__in=before) if e.detail.get("redacted")]
    assert {(e.object_type, e.object_id) for e in about_child} == {
        ("cases.chronologyevent", str(entry.pk)),
        ("cases.child", str(child.pk)),
    }
    for event in about_child:
        old = before[event.pk]
        kept = ("at", "user_id", "username", "agency_id", "role", "action", "object_type", "object_id", "request_id")
        assert [getattr(event, f) for f in kept] == [getattr(old, f) for f in kept]
        assert event.detail["redacted"] == redaction.pk and event.reason == ""
    changed = next(e for e in about_child if e.action == AuditAction.UPDATE)
    assert changed.detail == {"changed": ["given_name"], "redacted": redaction.pk}
    read = next(e for e in about_child if e.action == AuditAction.READ)
    assert read.detail == {"basis": "break_glass", "redacted": redaction.pk}
    trail = json.dumps([[e.detail, e.reason] for e in AuditEvent.objects.exclude(pk=other.pk)])
    for content in CONTENT:
        assert content not in trail
    assert AuditEvent.objects.get(pk=listed.pk).detail == {"view": "caseload"}, "a list holds no content: untouched"
    kept_other = AuditEvent.objects.get(pk=other.pk)
    assert (kept_other.detail["after"], kept_other.reason) == ({"given_name": "Zed"}, "Name spelled wrongly")
    assert audit.redaction_problems() == []


def test_a_record_without_content_in_the_trail_needs_no_redaction(partnership):
    bare = ChildFactory()
    Involvement.objects.create(
        agency=partnership.agencies["council"], child=bare, started_on=date(2015, 1, 1), ended_on=date(2016, 3, 1)
    )
    Child.objects.filter(pk=bare.pk).update(status="closed", date_of_birth=date(2000, 1, 1))
    audit.record_read(partnership.users["caseworker"], bare)
    services.find_due(TODAY)
    candidate = DisposalCandidate.objects.get(record_type="child", object_id=bare.pk)
    services.dispose(partnership.users["dpo"], [candidate.pk], today=TODAY)
    assert not AuditEvent.objects.filter(action=AuditAction.REDACT).exists()
    assert AuditEvent.objects.get(action=AuditAction.DELETE).detail["disposal"]["redaction"] is None


def test_a_redaction_that_does_not_add_up_is_reported(partnership):
    user = partnership.users["dpo"]
    AuditEvent.objects.create(user=user, username="dpo", action=AuditAction.READ, detail={"redacted": 999_999})
    claim = audit.record(
        user, AuditAction.REDACT, object_type="cases.child", object_id=1, detail={"redaction": {"events": 2}}
    )
    problems = audit.redaction_problems()
    assert len(problems) == 2
    assert "without a recorded redaction" in problems[0]
    assert f"redaction {claim.pk} says 2 events were redacted; 0 name it" in problems[1]


def test_the_append_only_manager_still_refuses_updates_outside_a_redaction(partnership, disposable):
    from audit.models import AppendOnlyError

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(reason="")


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database-level guard exists only on PostgreSQL")
class TestTheTriggerLetsOnlyARecordedRedactionThrough:
    @pytest.fixture
    def events(self, partnership):
        user = partnership.users["caseworker"]
        old = audit.record_write(
            user, AuditAction.UPDATE, partnership.council_child, before={"a": 1}, after={"a": 2}, reason="Because"
        )
        redaction = audit.record(user, AuditAction.REDACT, detail={"redaction": {"events": 1}})
        return old, redaction

    def _try(self, setting, sql, params):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('audit.redaction', %s, true)", [setting])
            cursor.execute(sql, params)

    @pytest.mark.parametrize(
        ("detail", "sql"),
        [
            ('{{"redacted": {r}}}', f"{SET} action = 'export' WHERE id = %s"),  # changes what happened
            ('{{"redacted": {r}}}', f"{SET} username = 'someone' WHERE id = %s"),  # changes who
            ('{{"before": {{"a": 3}}, "redacted": {r}}}', f"{SET} path = path WHERE id = %s"),  # adds content
            ('{{"before": {{"a": 1}}}}', f"{SET} path = path WHERE id = %s"),  # names no redaction
        ],
    )
    def test_anything_but_removing_content_is_refused(self, events, detail, sql):
        old, redaction = events
        with pytest.raises(DatabaseError, match="append-only"):
            self._try(str(redaction.pk), sql, [detail.format(r=redaction.pk), old.pk])
        assert AuditEvent.objects.get(pk=old.pk).reason == "Because"

    def test_a_redaction_must_name_a_newer_redact_event(self, events):
        old, redaction = events
        sql = "UPDATE audit_auditevent SET detail = %s::jsonb, reason = '' WHERE id = %s"
        with pytest.raises(DatabaseError, match="append-only"):
            self._try(str(old.pk), sql, [json.dumps({"redacted": old.pk}), old.pk])  # not a redact event
        with pytest.raises(DatabaseError, match="append-only"):
            self._try(str(redaction.pk), sql, [json.dumps({"redacted": redaction.pk}), redaction.pk])  # not older

    def test_removing_content_under_a_recorded_redaction_is_let_through(self, events):
        old, redaction = events
        sql = "UPDATE audit_auditevent SET detail = %s::jsonb, reason = '' WHERE id = %s"
        self._try(str(redaction.pk), sql, [json.dumps({"changed": ["a"], "redacted": redaction.pk}), old.pk])
        assert AuditEvent.objects.get(pk=old.pk).detail == {"changed": ["a"], "redacted": redaction.pk}
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [old.pk])


def test_the_redaction_is_undone_with_the_disposal_if_the_transaction_fails(partnership, disposable):
    child, *_ = disposable
    services.find_due(TODAY)
    candidate = DisposalCandidate.objects.get(record_type="child", object_id=child.pk)
    before = list(AuditEvent.objects.order_by("pk").values_list("detail", "reason"))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dispose(partnership.users["dpo"], [candidate.pk], today=TODAY)
        raise RuntimeError
    assert list(AuditEvent.objects.order_by("pk").values_list("detail", "reason")) == before
    assert Child.objects.filter(pk=child.pk).exists()


def test_the_users_trail_says_which_events_lost_their_content(client_for, partnership, disposable):
    child, *_ = disposable
    services.find_due(TODAY)
    candidate = DisposalCandidate.objects.get(record_type="child", object_id=child.pk)
    services.dispose(partnership.users["dpo"], [candidate.pk], today=TODAY)
    page = client_for("dpo").get(reverse("oversight:user_trail", args=[partnership.users["caseworker"].pk]))
    text = page.content.decode()
    assert text.count("Content removed when the record was disposed of.") == 3
    assert "Concern from school" not in text and "Name spelled wrongly" in text, "only the other child's reason"

"""The audit trail's copy outside the database (ASVS 5.0 V16.4.3): every event that commits is written
as one JSON line to the `audit.trail` log stream (who, when, what, which record, how many records it
names, and a keyed digest of its content, never the content), and `check_audit_log` finds an event
changed, removed or added in the database behind the application's back, even by someone who can
get round the append-only trigger. A disposal's recorded redaction is not a difference."""

import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import TestCase

from audit import services as audit
from audit import shipping
from audit.models import AuditAction, AuditEvent
from cases.models import Child
from oversight import services as retention
from oversight.models import DisposalCandidate
from tests.test_audit_redaction import CONTENT, TODAY, disposable  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


class Stream(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def stream():
    """The lines the audit.trail logger writes (it does not pass them on to the root logger)."""
    handler = Stream()
    logger = logging.getLogger("audit.trail")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def committed():
    return TestCase.captureOnCommitCallbacks(execute=True)


def shipped(stream: Stream) -> list[dict]:
    return [json.loads(line) for line in stream.lines]


def check(stream: Stream, *extra: str) -> tuple[str, str]:
    """check_audit_log over the stream's lines (with other logs' lines mixed in): its output and errors."""
    log = io.StringIO("\n".join(["INFO starting worker", *stream.lines, *extra, "WARNING something else"]) + "\n")
    out, err = io.StringIO(), io.StringIO()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("sys.stdin", log)
            call_command("check_audit_log", "-", stdout=out, stderr=err)
    except CommandError as error:
        err.write(str(error))
    return out.getvalue(), err.getvalue()


def tamper(sql: str, params: list) -> None:
    """A change made with the database owner's rights: on PostgreSQL, with the append-only trigger
    switched off for the statement (as a superuser can)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


@pytest.fixture
def trail(partnership, stream):
    """A few events of different kinds, committed and shipped."""
    caseworker, child = partnership.users["caseworker"], partnership.council_child
    with committed(), transaction.atomic():
        audit.record_read(caseworker, child, basis="involvement")
        audit.record_list(caseworker, Child, [child.pk, partnership.shared_child.pk], what="caseload")
        audit.record_write(
            caseworker,
            AuditAction.UPDATE,
            child,
            before={"given_name": "Zebedee"},
            after={"given_name": "Zeb"},
            reason="Name spelled wrongly",
        )
    return list(AuditEvent.objects.order_by("pk"))


def test_each_committed_event_is_shipped_once_with_who_when_what_and_which_but_not_its_content(trail, stream):
    read, listed, changed = shipped(stream)

    assert [entry["audit_event"] for entry in (read, listed, changed)] == [event.pk for event in trail]
    assert (read["username"], read["action"], read["object_type"], read["subjects"]) == (
        "caseworker",
        "read",
        "cases.child",
        1,
    )
    assert (listed["action"], listed["subjects"]) == ("list", 2)
    assert changed["at"] == trail[2].at.isoformat() and changed["user"] == trail[2].user_id
    text = "\n".join(stream.lines)
    for content in ("Zebedee", "Zeb", "Name spelled wrongly", "involvement", "caseload"):
        assert content not in text
    assert len({entry["content"] for entry in (read, listed, changed)}) == 3


def test_an_event_rolled_back_with_its_write_is_never_shipped(partnership, stream):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        audit.record_read(partnership.users["caseworker"], partnership.council_child)
        raise RuntimeError("the write failed")

    assert stream.lines == [] and not AuditEvent.objects.exists()


def test_the_check_finds_no_difference_in_an_untouched_trail(trail, stream):
    out, err = check(stream)

    assert f"Compared 3 events in the log (ids {trail[0].pk} to {trail[-1].pk})" in out
    assert "No differences." in out and err == ""


def test_an_event_changed_in_the_database_is_found(trail, stream):
    read = trail[0]
    tamper("UPDATE audit_auditevent SET username = 'police', object_id = '999999' WHERE id = %s", [read.pk])

    _out, err = check(stream)

    assert f"event {read.pk} differs from the log: username, object_id" in err
    assert "1 differences between the log and the database" in err


def test_content_changed_in_the_database_without_a_redaction_is_found(trail, stream):
    changed = trail[2]
    tamper("UPDATE audit_auditevent SET reason = 'Routine check' WHERE id = %s", [changed.pk])

    _out, err = check(stream)

    assert f"event {changed.pk}'s content differs from the log, and no redaction explains it" in err


def test_a_record_removed_from_those_an_event_names_is_found(trail, stream):
    listed = trail[1]
    tamper(
        "DELETE FROM audit_auditsubject WHERE event_id = %s AND object_id = %s", [listed.pk, str(trail[0].object_id)]
    )

    _out, err = check(stream)

    assert f"event {listed.pk} differs from the log: subjects" in err


def test_an_event_deleted_from_the_database_is_found(trail, stream):
    read = trail[0]
    tamper("DELETE FROM audit_auditsubject WHERE event_id = %s", [read.pk])
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [read.pk])

    _out, err = check(stream)

    assert f"event {read.pk} is in the log but not in the database" in err


def test_an_event_added_to_the_database_without_the_application_is_found(trail, stream, partnership):
    with transaction.atomic():  # written, but its line never shipped (no commit callbacks here)
        forged = audit.record_read(partnership.users["police"], partnership.council_child)
    with committed(), transaction.atomic():
        last = audit.record_read(partnership.users["caseworker"], partnership.council_child)

    _out, err = check(stream)

    assert forged.pk < last.pk
    assert f"events in the database but not in the log: {forged.pk}" in err


def test_a_line_that_is_cut_short_is_reported_and_an_event_shipped_twice_is_reported(trail, stream):
    _out, err = check(stream, stream.lines[0], '{"audit_event": 7, "at": "2026-')

    assert "not a whole audit line" in err
    assert f"events in the log more than once: {trail[0].pk}" in err


def test_a_log_with_no_audit_lines_is_refused(partnership, stream):
    _out, err = check(stream)

    assert "No audit lines in the log" in err


def test_a_disposal_redacts_content_and_the_check_accepts_it(partnership, stream, disposable):  # noqa: F811
    child = disposable[0]
    # The fixture's events were written before the stream was listened to: ship them as they stand.
    stream.lines = [
        json.dumps(shipping.entry_for(event, event.subjects.count())) for event in AuditEvent.objects.order_by("pk")
    ]
    retention.find_due(TODAY)
    candidate = DisposalCandidate.objects.get(record_type="child", object_id=child.pk)
    with committed():
        assert retention.dispose(partnership.users["dpo"], [candidate.pk], today=TODAY)["disposed"] == 1

    out, err = check(stream)

    assert "3 had their content removed by a recorded redaction" in out and err == ""
    assert not any(content in "\n".join(stream.lines) for content in CONTENT)


def test_a_redaction_missing_from_the_log_does_not_explain_changed_content(trail, stream, partnership):
    changed = trail[2]
    with committed(), transaction.atomic():
        audit.record_read(partnership.users["caseworker"], partnership.council_child)
    forged = AuditEvent.objects.order_by("-pk").first().pk
    tamper(
        "UPDATE audit_auditevent SET detail = %s, reason = '' WHERE id = %s",
        [json.dumps({"changed": ["given_name"], "redacted": forged}), changed.pk],
    )

    _out, err = check(stream)

    assert f"audit event {changed.pk} is redacted without a recorded redaction" in err

"""The backup and restore drill (issue 19, point 8): pg_dump, restore into a scratch database, and
the checks that would catch a short or altered copy, or a redaction that does not add up.
PostgreSQL only; on SQLite it says so."""

from contextlib import closing
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from audit import services as audit
from audit.management.commands.restore_drill import Command, _connect, _redaction_problems
from audit.models import AuditAction, AuditEvent


@pytest.mark.django_db(transaction=True)
def test_the_drill_restores_every_row_and_an_identical_audit_trail(partnership, client_for, tmp_path, settings):
    client_for("caseworker").get(reverse("cases:child_detail", args=[partnership.council_child.pk]))  # audited
    child = partnership.council_child
    with transaction.atomic():  # a recorded redaction, as a disposal makes
        audit.record_write(None, AuditAction.UPDATE, child, before={"given_name": "A"}, after={"given_name": "B"})
        audit.redact(None, {"cases.child": [child.pk]}, object_type="cases.child", object_id=child.pk, cause="test")
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            call_command("restore_drill", backup_dir=str(tmp_path))
        return
    scratch = f"{settings.DATABASES['default']['NAME']}_drill"
    out = StringIO()
    call_command("restore_drill", backup_dir=str(tmp_path), scratch=scratch, keep=True, stdout=out)
    try:
        assert "Restore drill passed" in out.getvalue()
        assert len(list(tmp_path.glob("*.dump"))) == 1  # the backup is kept
        events = AuditEvent.objects.count()
        assert f"Audit trail: {events:,} events, identical" in out.getvalue()

        # The same checks catch a copy that lost rows or whose audit trail differs.
        command = Command(stdout=StringIO())
        db = settings.DATABASES["default"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM accounts_user")
            users = cursor.fetchone()[0]
        problems = command._check(
            db,
            scratch,
            {"accounts_user": users + 1, "audit_auditevent": events},
            {
                "audit_auditevent": "0" * 64,
                "audit_auditsubject": "0" * 64,
            },
        )
        assert f"accounts_user: {users + 1} rows in the source, {users} restored" in problems
        assert "audit_auditevent: the restored rows differ from the source's" in problems
        assert not any("append-only" in problem or "could be changed" in problem for problem in problems)

        # ... and a redaction that does not add up (an event claiming one nobody recorded).
        with closing(_connect(db, scratch)) as restored:
            assert _redaction_problems(restored) == []
            with restored.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO audit_auditevent (at, username, role, action, object_type, object_id, detail, "
                    "reason, request_id, path) VALUES (now(), '', '', 'read', '', '', '{\"redacted\": 1}', '', '', '')"
                    " RETURNING id"
                )
                forged = cursor.fetchone()[0]
            assert _redaction_problems(restored) == [f"audit event {forged} is redacted without a recorded redaction"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')

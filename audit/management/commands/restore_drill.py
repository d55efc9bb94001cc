"""Backup and restore drill (docs/backups.md): dump the database with pg_dump, restore the dump into a
scratch database, and prove the copy is whole: every table has the same number of rows as the source
had at the moment of the dump, the audit trail is identical row for row, it is still append-only, and
every redaction in it (content removed when records were disposed of) adds up.

The dump and the counts read one snapshot (pg_export_snapshot), so the drill can run against a live
database without a race. Exits non-zero on any difference. The scratch database is dropped at the end
unless --keep is given; the dump file is kept under --backup-dir (the backup itself).
"""

import hashlib
import os
import shutil
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

from audit.models import AuditEvent, AuditSubject

AUDIT_TABLES = (AuditEvent._meta.db_table, AuditSubject._meta.db_table)


def _run(tool: str, *args: str, env: dict[str, str]) -> None:
    path = shutil.which(tool)
    if path is None:
        raise CommandError(f"{tool} is not installed (Debian: apt-get install postgresql-client).")
    subprocess.run([path, *args], env=env, check=True)  # noqa: S603  (our own arguments, no shell)


def _connect(db: dict, name: str):
    return psycopg.connect(
        dbname=name, user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _digest(connection, table: str) -> str:
    """SHA-256 over every row's full text, in id order: equal digests mean identical rows."""
    digest = hashlib.sha256()
    with connection.cursor(name=f"digest_{table}") as cursor:  # server-side: streams, whatever the size
        cursor.itersize = 10_000
        cursor.execute(sql.SQL("SELECT t::text FROM {} AS t ORDER BY id").format(sql.Identifier(table)))
        for (row,) in cursor:
            digest.update(row.encode())
            digest.update(b"\n")
    return digest.hexdigest()


def _append_only_problems(connection) -> list[str]:
    """The copy is still append-only: its triggers are there, and the database refuses to change a row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s AND NOT tgisinternal",
            ["%_append_only"],
        )
        guarded = {row[0] for row in cursor.fetchall()}
        problems = [f"{table}: the append-only trigger is missing" for table in AUDIT_TABLES if table not in guarded]
        try:
            cursor.execute(
                sql.SQL("UPDATE {0} SET reason = 'changed' WHERE id = (SELECT min(id) FROM {0})").format(
                    sql.Identifier(AUDIT_TABLES[0])
                )
            )
            if cursor.rowcount:
                problems.append("a restored audit event could be changed")
        except psycopg.Error:
            pass  # refused, as it should be
        connection.rollback()
    return problems


REDACTION_CHECK = """
SELECT 'audit event ' || e.id || ' is redacted without a recorded redaction'
FROM audit_auditevent e
WHERE e.detail ? 'redacted' AND NOT EXISTS (
    SELECT 1 FROM audit_auditevent r
    WHERE r.action = 'redact' AND r.id::text = e.detail ->> 'redacted' AND r.id > e.id
)
UNION ALL
SELECT 'redaction ' || r.id || ' says ' || (r.detail -> 'redaction' ->> 'events') || ' events were redacted; '
       || count(e.id) || ' name it'
FROM audit_auditevent r LEFT JOIN audit_auditevent e ON e.detail ->> 'redacted' = r.id::text
WHERE r.action = 'redact'
GROUP BY r.id, r.detail
HAVING count(e.id)::text IS DISTINCT FROM r.detail -> 'redaction' ->> 'events'
"""


def _redaction_problems(connection) -> list[str]:
    """The same check as audit.services.redaction_problems, on the restored copy."""
    with connection.cursor() as cursor:
        cursor.execute(REDACTION_CHECK)
        return [row[0] for row in cursor.fetchall()]


class Command(BaseCommand):
    help = "Dump the database, restore it into a scratch database, and check row counts and the audit trail."

    def add_arguments(self, parser):
        parser.add_argument("--backup-dir", default=str(Path(settings.BASE_DIR) / "var" / "backups"))
        parser.add_argument("--scratch", help="scratch database name (default: <database>_restore_drill)")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database for inspection")

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("The restore drill needs PostgreSQL: set DATABASE_URL to a postgres:// address.")
        source, scratch = db["NAME"], options["scratch"] or f"{db['NAME']}_restore_drill"
        if scratch == source:
            raise CommandError("The scratch database must not be the source database.")
        env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or "", "PGHOST": db["HOST"] or "", "PGUSER": db["USER"]}
        env["PGPORT"] = str(db["PORT"] or 5432)
        backup_dir = Path(options["backup_dir"])
        backup_dir.mkdir(parents=True, exist_ok=True)
        dump = backup_dir / f"{source}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.dump"

        with closing(_connect(db, source)) as reader:
            reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            reader.read_only = True
            with reader.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                _run("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", source, env=env)
                expected = _counts(cursor)
            expected_digests = {table: _digest(reader, table) for table in AUDIT_TABLES}
        self.stdout.write(f"Backup: {dump} ({dump.stat().st_size:,} bytes, {len(expected)} tables)")

        admin = _connect(db, "postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
        try:
            _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch}", str(dump), env=env)
            problems = self._check(db, scratch, expected, expected_digests)
        finally:
            if not options["keep"]:
                with admin.cursor() as cursor:
                    cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
            admin.close()
        if problems:
            raise CommandError("Restore drill failed:\n" + "\n".join(f"- {problem}" for problem in problems))
        rows = sum(expected.values())
        self.stdout.write(self.style.SUCCESS(f"Restore drill passed: {len(expected)} tables, {rows:,} rows match."))

    def _check(self, db: dict, scratch: str, expected: dict[str, int], expected_digests: dict[str, str]) -> list[str]:
        problems = []
        with closing(_connect(db, scratch)) as restored:
            with restored.cursor() as cursor:
                found = _counts(cursor)
            for table in sorted(expected.keys() | found.keys()):
                if expected.get(table) != found.get(table):
                    problems.append(f"{table}: {expected.get(table)} rows in the source, {found.get(table)} restored")
            for table in AUDIT_TABLES:
                if _digest(restored, table) != expected_digests[table]:
                    problems.append(f"{table}: the restored rows differ from the source's")
            self.stdout.write(f"Audit trail: {expected[AUDIT_TABLES[0]]:,} events, identical (SHA-256 of every row)")
            problems += _append_only_problems(restored)
            problems += _redaction_problems(restored)
        return problems

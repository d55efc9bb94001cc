"""Search indexes on PostgreSQL.

cases.queries.search_children matches every word of the name with
`normalised LIKE '%word%' OR phonetic_keys LIKE '% key %'`. B-tree indexes cannot serve a LIKE with a
leading wildcard, so on the benchmark city (110,000 names) each word cost a sequential scan of the
whole name index table. Trigram GIN indexes (pg_trgm) serve both patterns.

An identifier search matches `UPPER(reference) = UPPER(value) OR upn = value OR nhs_number = value OR
police_id = value`; without an index on UPPER(reference) PostgreSQL walked all 100,000 children in
name order (230-310 ms); with it, four index scans (under 10 ms). See benchmarks/README.md.

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner can create it without being a
superuser. Other databases (SQLite in development and tests) are left as they are.
"""

from django.db import migrations

INDEXES = (
    ("cases_childname_normalised_trgm", "cases_childname USING gin (normalised gin_trgm_ops)"),
    ("cases_childname_phonetic_keys_trgm", "cases_childname USING gin (phonetic_keys gin_trgm_ops)"),
    # The expression Django writes for reference__iexact.
    ("cases_child_reference_upper", "cases_child (UPPER(reference::text))"),
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

"""Name search indexes on PostgreSQL.

cases.queries.search_children matches every word of the name with
`normalised LIKE '%word%' OR phonetic_keys LIKE '% key %'`. B-tree indexes cannot serve a LIKE with a
leading wildcard, so on the benchmark city (110,000 names) each word cost a sequential scan of the
whole name index table. Trigram GIN indexes (pg_trgm) serve both patterns; see benchmarks/README.md
for the before and after figures.

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner can create it without being a
superuser. Other databases (SQLite in development and tests) are left as they are.
"""

from django.db import migrations

INDEXES = (
    ("cases_childname_normalised_trgm", "normalised"),
    ("cases_childname_phonetic_keys_trgm", "phonetic_keys"),
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON cases_childname USING gin ({column} gin_trgm_ops)", params=None
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

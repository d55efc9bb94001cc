"""Add the cohort engine's data to the benchmark city: 3,000,000 observations from agency feeds.

    python -m benchmarks.generate_cohort_city [--force] [--database-url postgres://.../safeguarding_bench]

Run after `python -m benchmarks.generate_city` (the children, families and adults must be there).
Observations are about children (60%) and adults (40%, each linked to the adult's household, so
family-level indicators reach the household's children), from 30 source systems, over the 1,000 days
before AS_OF, so about a third (about 1,000,000) fall inside their indicator's window as of AS_OF.
They concentrate on a minority of children and households (as real concerns do): 15,000 children
get 70% of the children's observations, 8,000 households 70% of the adults'.

Seeded, so the same rows come out each time; idempotent: when the database already holds them it
only prints the counts (--force deletes and loads them again). Loaded with COPY with the table's
plain indexes dropped and rebuilt after, in one transaction, then ANALYZE.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from datetime import date, timedelta

from psycopg import sql

from benchmarks import env

SEED = 20_261_127
AS_OF = date(2026, 11, 1)
OBSERVATIONS = 3_000_000
CHILD_SHARE = 0.6
SPREAD_DAYS = 1_000
CONCERN_CHILDREN = 15_000
CONCERN_FAMILIES = 8_000
CONCERN_SHARE = 0.7
SOURCE_PREFIX = "bench-"
SOURCES = [
    f"{SOURCE_PREFIX}{name}"
    for name in (
        "police-niche",
        "police-storm",
        "police-athena",
        "youth-justice",
        "yot-childview",
        "csc-mosaic",
        "csc-liquidlogic",
        "early-help",
        "education-sims",
        "education-arbor",
        "ewo",
        "exclusions",
        "careers-neet",
        "dwp-extract",
        "housing-benefit",
        "council-tax",
        "housing-options",
        "marac",
        "idva",
        "nhs-community",
        "camhs",
        "gp-extract",
        "substance-service",
        "ae-attendances",
        "missing-persons",
        "return-interviews",
        "nrm",
        "community-safety",
        "probation",
        "voluntary-sector",
    )
]
CHILD_CODES = {
    "crime": 10,
    "school_attendance": 14,
    "children_needing_help": 8,
    "financial_exclusion": 4,
    "domestic_abuse": 6,
    "health": 10,
    "missing_episode": 8,
    "school_exclusion": 6,
    "neet": 4,
    "weapon_offence": 3,
    "substance_misuse": 5,
    "association_with_person_of_concern": 4,
    "exploitation_concern": 3,
}
ADULT_CODES = {
    "crime": 20,
    "school_attendance": 5,
    "children_needing_help": 10,
    "financial_exclusion": 25,
    "domestic_abuse": 15,
    "health": 25,
}
COLUMNS = (
    "source_system",
    "source_record_id",
    "indicator_code",
    "observed_on",
    "child_id",
    "adult_id",
    "family_id",
    "note",
)


def windows() -> dict[str, int]:
    from cohorts.models import IndicatorDefinition

    return {d.code: d.window_days for d in IndicatorDefinition.objects.filter(level="individual")}


def bench_count(cursor) -> int:
    cursor.execute("SELECT count(*) FROM cohorts_observation WHERE source_system LIKE %s", [SOURCE_PREFIX + "%"])
    return cursor.fetchone()[0]


def in_window_count(cursor) -> int:
    """Observations inside their indicator's window as of AS_OF."""
    cursor.execute(
        """
        SELECT count(*) FROM cohorts_observation o
        JOIN (SELECT DISTINCT code, window_days FROM cohorts_indicatordefinition) d ON d.code = o.indicator_code
        WHERE o.source_system LIKE %s AND o.observed_on > %s::date - d.window_days AND o.observed_on <= %s
        """,
        [SOURCE_PREFIX + "%", AS_OF, AS_OF],
    )
    return cursor.fetchone()[0]


def people(cursor):
    cursor.execute("SELECT id FROM cases_child ORDER BY id")
    children = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT DISTINCT ON (adult_id) adult_id, family_id FROM cases_familymember "
        "WHERE adult_id IS NOT NULL ORDER BY adult_id, family_id"
    )
    adults = cursor.fetchall()
    return children, adults


def lines(children, adults):
    rng = random.Random(SEED)
    child_total = int(OBSERVATIONS * CHILD_SHARE)
    adult_total = OBSERVATIONS - child_total
    concern_children = rng.sample(children, CONCERN_CHILDREN)
    families = sorted({family for _adult, family in adults})
    concern_families = set(rng.sample(families, CONCERN_FAMILIES))
    concern_adults = [pair for pair in adults if pair[1] in concern_families]
    start = AS_OF - timedelta(days=SPREAD_DAYS - 1)
    day_text = [(start + timedelta(days=n)).isoformat() for n in range(SPREAD_DAYS)]
    number = 0

    def draw(population, concern, total):
        hot = int(total * CONCERN_SHARE)
        return rng.choices(concern, k=hot) + rng.choices(population, k=total - hot)

    child_codes = rng.choices(list(CHILD_CODES), weights=list(CHILD_CODES.values()), k=child_total)
    for child, code in zip(draw(children, concern_children, child_total), child_codes, strict=True):
        number += 1
        yield (
            f"{SOURCES[number % len(SOURCES)]}\t{number:09d}\t{code}\t{day_text[rng.randrange(SPREAD_DAYS)]}"
            f"\t{child}\t\\N\t\\N\t\n"
        )
    adult_codes = rng.choices(list(ADULT_CODES), weights=list(ADULT_CODES.values()), k=adult_total)
    for (adult, family), code in zip(draw(adults, concern_adults, adult_total), adult_codes, strict=True):
        number += 1
        yield (
            f"{SOURCES[number % len(SOURCES)]}\t{number:09d}\t{code}\t{day_text[rng.randrange(SPREAD_DAYS)]}"
            f"\t\\N\t{adult}\t{family}\t\n"
        )


def load(cursor) -> None:
    from benchmarks.generate_city import drop_indexes

    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    cursor.execute("DELETE FROM cohorts_observation WHERE source_system LIKE %s", [SOURCE_PREFIX + "%"])
    rebuild = drop_indexes(cursor, ["cohorts_observation"])
    children, adults = people(cursor)
    if not children or not adults:
        raise SystemExit("The city has no children or adults: run python -m benchmarks.generate_city first.")
    statement = sql.SQL("COPY cohorts_observation ({}) FROM STDIN").format(
        sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    )
    buffer, pending = io.StringIO(), 0
    for line in lines(children, adults):
        buffer.write(line)
        pending += 1
        if pending == 200_000:
            with cursor.copy(statement) as copy:
                copy.write(buffer.getvalue())
            buffer, pending = io.StringIO(), 0
    if pending:
        with cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())
    for definition in rebuild:
        cursor.execute(definition)
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    for column, table in (("child_id", "cases_child"), ("adult_id", "cases_adult"), ("family_id", "cases_family")):
        cursor.execute(
            sql.SQL(
                "SELECT count(*) FROM cohorts_observation o WHERE o.{c} IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM {t} x WHERE x.id = o.{c})"
            ).format(c=sql.Identifier(column), t=sql.Identifier(table))
        )
        if cursor.fetchone()[0]:
            raise RuntimeError(f"observations point at missing rows of {table}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="delete the generated observations and load them again")
    parser.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or " + env.DEFAULT_BENCH_DATABASE_URL)
    args = parser.parse_args(argv)
    url = env.configure(args.database_url)

    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        present = bench_count(cursor.cursor)
    if present == OBSERVATIONS and not args.force:
        print(f"Cohort observations already generated in {env.database_name(url)}; nothing to do (--force to redo).")
    else:
        print(f"Generating {OBSERVATIONS:,} observations in {env.database_name(url)}", flush=True)
        started = time.perf_counter()
        with transaction.atomic():
            load(connection.cursor().cursor)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) cohorts_observation")
        print(f"generate_cohort_seconds {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        print(f"dataset_observations {bench_count(cursor.cursor)} rows")
        print(f"dataset_observations_in_window {in_window_count(cursor.cursor)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

# ruff: noqa: S608 -- the SQL is built only from constant table and column names; values are parameters.
"""The PostgreSQL fast path of the feed import: the file is COPY'd straight into a temporary table,
every row is checked in SQL (the columns about a person once per distinct person, in Python, with
the same messages as the generic path), and the observations and staged rows are written with
INSERT ... SELECT. Matching stays in Python (feeds.services.matching), once per person, in a
second thread while PostgreSQL checks the rows, so the job uses two cores at once.

Used for files PostgreSQL can read as CSV with exactly the header's columns (FEED_HEADER, or its
first 13 for a file without gender and ethnicity, which then stage blank); anything else
(a line with the wrong number of values, a blank line) goes through the generic path (generic.py),
which reports such lines row by row. The two steps are those of the generic path: `check_file`
(None when PostgreSQL cannot read the file), then `CheckedFile.stage_invalid` or
`CheckedFile.apply`; feeds.services.importing calls them and moves the feed from status to status.
What applying creates (families, people, links) is the shared Applier's (applying.py)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict, cast

import psycopg
from django.db import DatabaseError, DataError, connection, transaction
from django.db.backends.utils import CursorWrapper

from feeds.models import FEED_HEADER, HEADER_WITHOUT_DEMOGRAPHICS, FeedImport, MatchReview
from feeds.services.applying import Applied, Applier, add_demographics
from feeds.services.checks import (
    ETHNICITY_PROBLEM,
    GENDER_PROBLEM,
    LIMITS,
    PERSON_FIELDS,
    DateCache,
    check_birth,
    check_person,
    ethnicity_problem,
    gender_problem,
    parse_date,
    person_is_valid,
)
from feeds.services.matching import (
    ChildIndex,
    ChildRows,
    Outcome,
    Person,
    PersonKey,
    clean_identifier,
    fast_normalise,
    index_children,
    load_children,
    normalise_postcode,
    resolve_people,
    settle_candidates,
)

PERSON_COLUMNS = ", ".join(PERSON_FIELDS)
# One text key per person (the 7 columns joined by the unit separator): joins on one column get
# good row estimates, where a 7-column join makes PostgreSQL expect 1 row and pick nested loops.
PERSON_KEY = f"concat_ws(chr(31), {', '.join(f's.{name}' for name in PERSON_FIELDS)})"
SEPARATOR = chr(31)
# A feed file is sent to COPY in pieces of this size.
COPY_READ_BYTES = 1 << 20
ALL_COLUMNS = ", ".join(FEED_HEADER)
# A row of PEOPLE_AND_HOUSEHOLDS: the 7 person columns, then the household's source system and
# reference (both None when the row names no household), then the number of rows.
PeopleRow = tuple[str, str, str, str, str, str, str, Any, Any, int]


def _csv(rows: Iterable[Iterable[Any]]) -> io.StringIO:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer


def _copy_rows(
    cursor: CursorWrapper, table: str, columns: str, rows: Iterable[Iterable[Any]] | io.StringIO, text: str
) -> None:
    """COPY Python rows (or a _csv buffer of them) into a temporary table: None is NULL; the `text`
    columns keep empty strings."""
    buffer = rows if isinstance(rows, io.StringIO) else _csv(rows)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({text}))") as copy:
        copy.write(buffer.getvalue())


def drop_temporary_tables(cursor: CursorWrapper) -> None:
    cursor.execute(
        "DROP TABLE IF EXISTS pg_temp.feed_stage, pg_temp.feed_people, pg_temp.feed_dates, pg_temp.feed_checked, "
        "pg_temp.feed_decisions, pg_temp.feed_households, pg_temp.feed_counts, pg_temp.feed_births"
    )


def _temp_buffers(cursor: CursorWrapper) -> None:
    """Give the session's temporary tables (a few hundred MB for a million rows) room in memory
    rather than the default 8 MB. PostgreSQL allows it only before the session's first temporary
    table; after that the session keeps what it had."""
    try:
        with transaction.atomic():
            cursor.execute("SET temp_buffers = '256MB'")
    except DatabaseError:
        pass


@dataclass
class Prepared:
    """The people of a file, grouped and matched while PostgreSQL checked its rows."""

    people: list[Person]
    by_text: dict[str, Person]  # the person columns joined by SEPARATOR -> Person
    index: ChildIndex
    problems: list[tuple[str, str]]  # (person text, problems) for people whose columns are wrong
    matched: io.StringIO  # feed_decisions rows of the people matched to a child (see apply_checked)
    timings: dict[str, float]


# The genders and ethnicities given, once per person (its text, as in feed_checked.person): only
# asked of a file with those columns.
DEMOGRAPHICS = f"""
    SELECT DISTINCT {PERSON_KEY}, s.gender, s.ethnicity FROM feed_stage s WHERE s.gender <> '' OR s.ethnicity <> ''
"""


def _header_width(feed: FeedImport) -> int:
    """How many columns the file's header names (FEED_HEADER's, or 13 without gender and ethnicity)."""
    with feed.file.open("rb") as raw:
        first = raw.readline().decode("utf-8-sig", errors="replace")
    return len(next(csv.reader([first]), FEED_HEADER))


# One row per person and household of the staged rows (the 7 person columns, the household's
# source system and reference, NULL when the row names none), and how many rows.
PEOPLE_AND_HOUSEHOLDS = f"""
    SELECT {PERSON_COLUMNS}, CASE WHEN household_ref <> '' THEN source_system END, NULLIF(household_ref, ''),
           count(*)
    FROM {{table}} {{where}} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
"""


def prepare_people(
    rows: list[PeopleRow],
    births: dict[str, date | None],
    loaded: ChildRows,
    *,
    today: date,
    apply_date: date,
    demographics: Iterable[tuple[str, str, str]] = (),
) -> Prepared:
    """Check, group and match the people of these rows (PEOPLE_AND_HOUSEHOLDS), with the gender
    and ethnicity their rows give (DEMOGRAPHICS). Pure Python, no queries: it runs in a thread
    beside the statement that checks the rows."""
    mark = time.monotonic()
    dates: DateCache = {}
    problems: list[tuple[str, str]] = []
    # Sorted by the person text in code point order, so people are created and numbered the same
    # way whatever order the database returned them in; a person's rows are then adjacent.
    keyed = sorted(((SEPARATOR.join(row[:7]), row) for row in rows), key=lambda pair: pair[0])
    grouped: list[tuple[str, PeopleRow, list[tuple[str, str]]]] = []  # (person text, row, households)
    last = None
    households: list[tuple[str, str]] = []
    counts: dict[str, int] = {}  # person text -> its number of rows
    for text, row in keyed:
        if text != last:
            last = text
            households = []
            grouped.append((text, row, households))
            counts[text] = 0
        counts[text] += row[9]
        if row[8] is not None:
            households.append((row[7], row[8]))
    people: dict[PersonKey, Person] = {}
    by_text: dict[str, Person] = {}
    # matching.person_key, with each distinct name and postcode normalised once (a file has
    # several spellings of identifiers per name, and many people per postcode).
    names: dict[tuple[str, str], str] = {}
    postcodes: dict[str, str] = {}
    for text, row, households in grouped:
        given, family, dob, postcode, upn, nhs, police_id = row[:7]
        born = births[dob]
        if not person_is_valid(born, given, family, dob, postcode, upn, nhs, police_id):
            found, _born = check_person(given, family, dob, postcode, upn, nhs, police_id, today, dates)
            problems.append((text, "\n".join(found)))
            continue
        name_key = names.get((given, family))
        if name_key is None:
            name_key = names[(given, family)] = fast_normalise(f"{given} {family}")
        postcode_key = postcodes.get(postcode)
        if postcode_key is None:
            postcode_key = postcodes[postcode] = normalise_postcode(postcode)
        key = (
            name_key,
            born,
            postcode_key,
            clean_identifier(upn) if upn else "",
            clean_identifier(nhs) if nhs else "",
            clean_identifier(police_id) if police_id else "",
        )
        person = people.get(key)
        if person is None:
            person = people[key] = Person(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                postcode=postcode_key,
                upn=key[3],
                nhs_number=key[4],
                police_id=key[5],
                name_key=name_key,
            )
            person.raw_postcode = postcode.strip()
        person.count += counts[text]
        for household in sorted(households):
            person.households.setdefault(household, postcode)
        by_text[text] = person
    for text, gender, ethnicity in demographics:
        given_by = by_text.get(text)
        if given_by is not None:
            add_demographics(given_by, gender, ethnicity)
    timings = {"group": time.monotonic() - mark}
    mark = time.monotonic()
    found_people = list(people.values())
    index = index_children(loaded, {person.date_of_birth for person in found_people})
    resolve_people(found_people, index, apply_date)
    # The decisions about people matched to a child are final, so their rows for feed_decisions
    # are written here, beside the checking statement; the others are known once people are created.
    matched = _csv(
        (text, person.child_id, None, None) for text, person in by_text.items() if person.outcome == Outcome.MATCHED
    )
    timings["match"] = time.monotonic() - mark
    return Prepared(found_people, by_text, index, problems, matched, timings)


def _identifiers_and_births(
    rows: list[PeopleRow], births: dict[str, date | None]
) -> tuple[dict[str, set[str]], set[date]]:
    """The cleaned identifiers and the dates of birth of these rows: what the child index loads."""
    identifiers = {
        kind: {clean_identifier(value) for value in {cast(str, row[column]) for row in rows} if value}
        for column, kind in ((4, "upn"), (5, "nhs_number"), (6, "police_id"))
    }
    return identifiers, {born for born in births.values() if born is not None}


@dataclass
class CheckedFile:
    """A file staged and checked in the session's temporary tables (pg_temp.feed_checked), with its
    people grouped and matched when every row is valid."""

    total: int
    invalid: int
    prepared: Prepared | None

    def stage_invalid(self, feed: FeedImport) -> None:
        stage_invalid(feed)

    def apply(self, feed: FeedImport, applier: Applier, *, timings: dict[str, float]) -> Applied:
        # Applied only when every row is valid, and then the people are prepared (check_file).
        counts = apply_checked(feed, applier, cast(Prepared, self.prepared), timings=timings)
        return Applied(rows_total=self.total, rows_invalid=0, **counts)


def check_file(
    feed: FeedImport,
    *,
    today: date,
    apply_date: date,
    codes: set[str],
    progress: Callable[[int], None] | None = None,
    timings: dict[str, float],
) -> CheckedFile | None:
    """COPY the file into pg_temp.feed_stage and check every row into pg_temp.feed_checked; group and
    match the file's people meanwhile (`progress(total)` is called once the file is staged). None
    when PostgreSQL cannot read the file as CSV."""
    mark = time.monotonic()
    with connection.cursor() as cursor:
        _temp_buffers(cursor)
        drop_temporary_tables(cursor)
        # Columns a file does not have (gender and ethnicity, in a 13-column file) stage blank.
        text_columns = ", ".join(
            f"{name} text" if name in HEADER_WITHOUT_DEMOGRAPHICS else f"{name} text NOT NULL DEFAULT ''"
            for name in FEED_HEADER
        )
        cursor.execute(f"CREATE TEMP TABLE feed_stage (n bigint GENERATED ALWAYS AS IDENTITY, {text_columns})")
        width = _header_width(feed)
        sent = ", ".join(FEED_HEADER[:width])
        try:
            with (
                transaction.atomic(),
                feed.file.open("rb") as raw,
                cursor.copy(
                    f"COPY feed_stage ({sent}) FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL ({sent}))"
                ) as copy,
            ):
                while chunk := raw.read(COPY_READ_BYTES):
                    copy.write(chunk)
        except (DataError, psycopg.DataError):
            drop_temporary_tables(cursor)
            return None
        cursor.execute("SELECT count(*) FROM feed_stage")
        total = cursor.fetchone()[0]
        if progress is not None:
            progress(total)
        # Memory for the hash aggregates and joins below (a sort that spills to disk otherwise);
        # reset at the end. No JIT: compiling costs more than it saves on these simple statements.
        cursor.execute("SET jit = off; SET work_mem = '256MB'")
        cursor.execute(PEOPLE_AND_HOUSEHOLDS.format(table="feed_stage", where=""))
        people_rows = cursor.fetchall()
        # The date of birth each row is checked against depends on the date_of_birth text alone:
        # once per value. The same for the observation dates.
        dates: DateCache = {}
        births = {value: check_birth(value, today, dates)[1] for value in {row[2] for row in people_rows}}
        cursor.execute("CREATE TEMP TABLE feed_births (value text, born date)")
        _copy_rows(cursor, "feed_births", "value, born", births.items(), "value")
        cursor.execute("SELECT DISTINCT observed_on FROM feed_stage")
        observed = [(value, parse_date(value, dates)) for (value,) in cursor.fetchall()]
        cursor.execute("CREATE TEMP TABLE feed_dates (value text, d date)")
        _copy_rows(cursor, "feed_dates", "value, d", observed, "value")
        # "Imported before" looks only at the observations of the file's source systems: an index
        # range per system (none for a new system), not a scan of every observation in the city.
        cursor.execute("SELECT DISTINCT source_system FROM feed_stage")
        systems = sorted(value for (value,) in cursor.fetchall())
        # Statistics only for the columns the checking statement joins and groups on (a sample of
        # every text column of a million rows costs more than the estimates are worth).
        cursor.execute(
            "ANALYZE feed_stage (source_system, source_record_id, date_of_birth, observed_on); "
            "ANALYZE feed_births; ANALYZE feed_dates"
        )
        loaded = load_children(*_identifiers_and_births(people_rows, births))
        demographics: list[tuple[str, str, str]] = []
        bad_genders: list[str] = []
        bad_ethnicities: list[str] = []
        if width == len(FEED_HEADER):
            cursor.execute(DEMOGRAPHICS)
            demographics = cursor.fetchall()
            bad_genders = sorted({row[1] for row in demographics if row[1] and gender_problem(row[1])})
            bad_ethnicities = sorted({row[2] for row in demographics if row[2] and ethnicity_problem(row[2])})
        timings["read"] = time.monotonic() - mark
        mark = time.monotonic()
        # The people are checked, grouped and matched in a second thread (pure Python, no queries)
        # while PostgreSQL checks the rows: psycopg lets go of the GIL during a statement, so the
        # two cores work at once.
        with ThreadPoolExecutor(max_workers=1) as beside:
            people = beside.submit(
                prepare_people,
                people_rows,
                births,
                loaded,
                today=today,
                apply_date=apply_date,
                demographics=demographics,
            )
            _check_rows(cursor, codes=codes, today=today, systems=systems, bad_values=(bad_genders, bad_ethnicities))
            prepared = people.result()
        timings.update(prepared.timings)
        if prepared.problems:
            # The people whose columns are wrong: their problems come first in each of their rows.
            cursor.execute("CREATE TEMP TABLE feed_people (person text, problems text)")
            _copy_rows(cursor, "feed_people", "person, problems", prepared.problems, "person, problems")
            cursor.execute(
                "UPDATE feed_checked c SET errors = concat_ws(E'\\n', p.problems, NULLIF(c.errors, '')) "
                "FROM feed_people p WHERE p.person = c.person"
            )
        # Counted once here; applying reads "imported before" from this table, not the rows again.
        cursor.execute(
            "CREATE TEMP TABLE feed_counts AS SELECT count(*) AS checked, count(*) FILTER (WHERE errors <> '') "
            "AS invalid, count(*) FILTER (WHERE known) AS already_known FROM feed_checked"
        )
        cursor.execute("SELECT checked, invalid, already_known FROM feed_counts")
        checked, invalid, already_known = cursor.fetchone()
        if checked != total:
            raise RuntimeError(f"{total - checked} staged rows were lost while checking the file")
        if already_known and not invalid:
            # Rows imported before are not applied again: the people of the other rows only.
            cursor.execute(PEOPLE_AND_HOUSEHOLDS.format(table="feed_checked", where="WHERE NOT known"))
            prepared = prepare_people(
                cursor.fetchall(), births, loaded, today=today, apply_date=apply_date, demographics=demographics
            )
        cursor.execute("RESET jit; RESET work_mem")
        timings["validate"] = time.monotonic() - mark
    return CheckedFile(total, invalid, None if invalid else prepared)


def _check_rows(
    cursor: CursorWrapper,
    *,
    codes: set[str],
    today: date,
    systems: list[str],
    bad_values: tuple[list[str], list[str]] = ([], []),
) -> None:
    """Every staged row with its person text, dates, "imported before" flag and errors (but for the
    person columns, which prepare_people checks) into pg_temp.feed_checked. bad_values: the genders
    and ethnicities of the file that map to no code (checks.gender_problem, ethnicity_problem)."""
    cursor.execute(
        f"""
        CREATE TEMP TABLE feed_checked AS
        SELECT s.*, b.born, d.d AS observed,
          o.id IS NOT NULL OR w.source_system IS NOT NULL AS known,
          concat_ws(E'\\n',
            CASE WHEN r.first_n <> s.n AND s.source_record_id <> '' THEN format(
              'source_record_id: ''%%s'' appears more than once in the file (first on line %%s)',
              s.source_record_id, r.first_n + 1) END,
            CASE WHEN btrim(s.source_system) = '' THEN 'source_system: must not be blank' END,
            CASE WHEN btrim(s.source_record_id) = '' THEN 'source_record_id: must not be blank' END,
            CASE WHEN length(s.source_system) > {LIMITS["source_system"]}
              THEN 'source_system: longer than {LIMITS["source_system"]} characters' END,
            CASE WHEN length(s.source_record_id) > {LIMITS["source_record_id"]}
              THEN 'source_record_id: longer than {LIMITS["source_record_id"]} characters' END,
            CASE WHEN length(s.household_ref) > {LIMITS["household_ref"]}
              THEN 'household_ref: longer than {LIMITS["household_ref"]} characters' END,
            CASE WHEN length(s.indicator_code) > {LIMITS["indicator_code"]}
              THEN 'indicator_code: longer than {LIMITS["indicator_code"]} characters' END,
            CASE WHEN length(s.observed_on) > {LIMITS["observed_on"]}
              THEN 'observed_on: longer than {LIMITS["observed_on"]} characters' END,
            CASE WHEN length(s.note) > {LIMITS["note"]} THEN 'note: longer than {LIMITS["note"]} characters' END,
            CASE WHEN btrim(s.indicator_code) = '' THEN 'indicator_code: must not be blank'
                 WHEN NOT (s.indicator_code = ANY(%s))
                 THEN format('indicator_code: ''%%s'' is not an indicator code in use', s.indicator_code) END,
            CASE WHEN btrim(s.observed_on) = '' THEN 'observed_on: must not be blank'
                 WHEN d.d IS NULL THEN format(
                   'observed_on: ''%%s'' is not a date; use YYYY-MM-DD, like 2026-03-27', s.observed_on)
                 WHEN d.d > %s THEN format('observed_on: %%s is in the future', to_char(d.d, 'YYYY-MM-DD'))
                 WHEN b.born IS NOT NULL AND d.d < b.born THEN 'observed_on: is before the date of birth' END,
            CASE WHEN s.gender = ANY(%s) THEN format(%s, s.gender) END,
            CASE WHEN s.ethnicity = ANY(%s) THEN format(%s, s.ethnicity) END
          ) AS errors
        FROM (SELECT s.*, {PERSON_KEY} AS person FROM feed_stage s) s
        LEFT JOIN feed_births b ON b.value = s.date_of_birth
        LEFT JOIN (SELECT source_system, source_record_id, min(n) AS first_n FROM feed_stage
                   GROUP BY source_system, source_record_id HAVING count(*) > 1) r
          ON r.source_system = s.source_system AND r.source_record_id = s.source_record_id
        LEFT JOIN (SELECT id, source_system, source_record_id FROM cohorts_observation
                   WHERE source_system = ANY(%s)) o
          ON o.source_system = s.source_system AND o.source_record_id = s.source_record_id
        -- Rows sent before that still wait in the review queue: not a second review item.
        LEFT JOIN (SELECT DISTINCT source_system, source_record_id FROM cohorts_feedrow
                   WHERE status = 'in_review' AND source_system = ANY(%s)) w
          ON w.source_system = s.source_system AND w.source_record_id = s.source_record_id
        LEFT JOIN feed_dates d ON d.value = s.observed_on
        """,
        [sorted(codes), today, bad_values[0], GENDER_PROBLEM, bad_values[1], ETHNICITY_PROBLEM, systems, systems],
    )
    # The same for applying: its statements group and join on the person and the household.
    cursor.execute("ANALYZE feed_checked (person, known, source_system, household_ref)")


def stage_invalid(feed: FeedImport) -> None:
    """Write every checked row to the staging table as sent (cut to the column sizes), with its errors."""
    cut = ", ".join(f"left({name}, {LIMITS[name]})" for name in FEED_HEADER)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO cohorts_feedrow (feed_id, line_number, {ALL_COLUMNS}, errors, status)
            SELECT %s, n + 1, {cut}, errors, CASE WHEN errors <> '' THEN 'invalid' ELSE 'valid' END
            FROM feed_checked ORDER BY n
            """,
            [feed.pk],
        )
        drop_temporary_tables(cursor)


class AppliedCounts(TypedDict):
    """What apply_checked returns: the rest of an Applied (the counts of the whole file aside)."""

    applied: list[Person]
    reviews: list[Person]
    rows_applied: int
    rows_already_known: int
    rows_in_review: int


def apply_checked(
    feed: FeedImport, applier: Applier, prepared: Prepared, *, timings: dict[str, float]
) -> AppliedCounts:
    """Create what the prepared (grouped and matched) people of the checked rows need (every row
    valid), write the observations and the staged rows. Runs inside the caller's transaction;
    returns the counts."""
    mark = time.monotonic()
    people, raw_to_person, index = prepared.people, prepared.by_text, prepared.index
    with connection.cursor() as cursor:
        # synchronous_commit off: the import is one transaction that can be run again (it is
        # idempotent), so a crash in the instant after commit may lose it but never half of it.
        cursor.execute("SET LOCAL work_mem = '256MB'; SET LOCAL jit = off; SET LOCAL synchronous_commit = off")
        families = applier.create_people([p for p in people if p.outcome != Outcome.REVIEW], index)
        timings["people_create"] = time.monotonic() - mark
        # After creating people: adults whose match is uncertain went to review there.
        applied = [p for p in people if p.outcome != Outcome.REVIEW]
        reviews = [p for p in people if p.outcome == Outcome.REVIEW]
        settle_candidates(reviews)
        review_number = {id(person): n for n, person in enumerate(reviews)}
        cursor.execute(
            "CREATE TEMP TABLE feed_decisions (person text, child_id bigint, adult_id bigint, review integer)"
        )
        _copy_rows(cursor, "feed_decisions", "person, child_id, adult_id, review", prepared.matched, "person")
        _copy_rows(
            cursor,
            "feed_decisions",
            "person, child_id, adult_id, review",
            (
                (
                    person_text,
                    person.child_id,
                    None if person.child_id else person.adult_id,
                    review_number.get(id(person)),
                )
                for person_text, person in raw_to_person.items()
                if person.outcome != Outcome.MATCHED
            ),
            "person",
        )
        cursor.execute("CREATE TEMP TABLE feed_households (source_system text, household_ref text, family_id bigint)")
        _copy_rows(
            cursor,
            "feed_households",
            "source_system, household_ref, family_id",
            ((system, ref, family_id) for (system, ref), family_id in families.items()),
            "source_system, household_ref",
        )
        cursor.execute("ANALYZE feed_decisions; ANALYZE feed_households")
        timings["people"] = time.monotonic() - mark
        mark = time.monotonic()
        _lock(cursor, "cases_child", "SELECT DISTINCT child_id FROM feed_decisions WHERE child_id IS NOT NULL")
        _lock(cursor, "cases_adult", "SELECT DISTINCT adult_id FROM feed_decisions WHERE adult_id IS NOT NULL")
        _lock(cursor, "cases_family", "SELECT DISTINCT family_id FROM feed_households")
        timings["lock"] = time.monotonic() - mark
        cursor.execute(
            """
            INSERT INTO cohorts_observation (source_system, source_record_id, indicator_code, observed_on,
                                             child_id, adult_id, family_id, note, feed_id)
            SELECT c.source_system, c.source_record_id, c.indicator_code, c.observed, dd.child_id, dd.adult_id,
                   h.family_id, c.note, %s
            FROM feed_checked c
            JOIN feed_decisions dd ON dd.person = c.person
            LEFT JOIN feed_households h ON h.source_system = c.source_system AND h.household_ref = c.household_ref
            WHERE NOT c.known AND dd.review IS NULL
            -- By person: each child's (adult's) rows go to the same few index pages one after another.
            -- Integers only, the line number last for a stable order: sorting a million rows by the
            -- text columns too cost about a second more and placed no row better.
            ORDER BY dd.child_id, dd.adult_id, c.n
            """,
            [feed.pk],
        )
        rows_applied = cursor.rowcount
        # The families that got rows about adults: each applied adult's households are those of
        # its rows just written (every row of a person is applied, or none).
        applier.touched_families.update(
            families[key] for person in applied if not person.child_id for key in person.households
        )
        timings["observations"] = time.monotonic() - mark
        mark = time.monotonic()
        # Only the rows in review are staged (every row is valid here): applied rows are the
        # observations, rows imported before changed nothing; the counts say how many of each.
        lines_of: dict[int, list[int]] = {}  # review number -> line numbers of its rows
        row_ids: dict[int, int] = {}  # line number -> staged row id
        if reviews:
            # The staged rows come back with their person columns, which name their review (the
            # person text is those columns joined), so nothing is read twice.
            cursor.execute(
                f"""
                INSERT INTO cohorts_feedrow (feed_id, line_number, {ALL_COLUMNS}, errors, status)
                SELECT %s, c.n + 1, {", ".join(f"c.{name}" for name in FEED_HEADER)}, '', 'in_review'
                FROM feed_checked c JOIN feed_decisions dd ON dd.person = c.person
                WHERE NOT c.known AND dd.review IS NOT NULL
                ORDER BY c.n
                RETURNING id, line_number, {PERSON_COLUMNS}
                """,
                [feed.pk],
            )
            review_of = {id(person): n for n, person in enumerate(reviews)}
            for row_id, line, *values in sorted(cursor.fetchall(), key=lambda row: row[1]):
                review = review_of[id(raw_to_person[SEPARATOR.join(values)])]
                lines_of.setdefault(review, []).append(line)
                row_ids[line] = row_id
        cursor.execute("SELECT already_known FROM feed_counts")
        already_known = cursor.fetchone()[0]
        _create_reviews(feed, reviews, lines_of, row_ids)
        drop_temporary_tables(cursor)
        timings["stage"] = time.monotonic() - mark
    return {
        "applied": applied,
        "reviews": reviews,
        "rows_applied": rows_applied,
        "rows_already_known": already_known,
        "rows_in_review": sum(len(lines) for lines in lines_of.values()),
    }


def _lock(cursor: CursorWrapper, table: str, ids_query: str) -> None:
    """Every referenced row exists, locked FOR KEY SHARE until commit (what the foreign keys did)."""
    cursor.execute(
        f"SELECT (SELECT count(*) FROM ({ids_query}) AS wanted), "
        f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id IN ({ids_query}) FOR KEY SHARE) AS locked)"
    )
    wanted, locked = cursor.fetchone()
    if wanted != locked:
        raise RuntimeError(f"{wanted - locked} rows of {table} were deleted during the import")


def _create_reviews(
    feed: FeedImport, reviews: list[Person], lines_of: dict[int, list[int]], row_ids: dict[int, int]
) -> None:
    if not reviews:
        return
    objects = [
        MatchReview(
            feed=feed,
            # A person in review has a candidate, a child or an adult (settle_candidates).
            candidate_id=person.candidate_id,
            candidate_adult_id=person.candidate_adult_id,
            reason=person.reason[:300],
            given_name=person.given_name.strip()[:100],
            family_name=person.family_name.strip()[:100],
            date_of_birth=person.date_of_birth,
            postcode=getattr(person, "raw_postcode", person.postcode)[:10],
        )
        for person in reviews
    ]
    MatchReview.objects.bulk_create(objects)
    through = MatchReview.rows.through
    links = [
        through(matchreview_id=objects[n].pk, feedrow_id=row_ids[line])
        for n, lines in sorted(lines_of.items())
        for line in lines
    ]
    links.sort(key=lambda link: link.feedrow_id)
    through.objects.bulk_create(links)


__all__ = ["CheckedFile", "apply_checked", "check_file", "stage_invalid"]

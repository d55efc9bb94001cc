"""The generic path of the import, on any database: the file is read into Python lists, every row is
checked in Python, the people are grouped and matched, and the rows are staged with `bulk_create`
(COPY on PostgreSQL).

Used on SQLite, on PostgreSQL for a file PostgreSQL cannot read as a CSV of its header's columns (a line with the
wrong number of values, a blank line: this path reports such lines row by row), and for the job that
applies the valid rows of a file with errors (`read_staged`). Its two steps, `check_file` and then
`CheckedFile.stage_invalid` or `CheckedFile.apply`, are those of the PostgreSQL path (postgres.py);
feeds.services.importing calls them and moves the feed from status to status.
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db import connection
from django.utils import timezone

from cohorts.models import Observation
from feeds.models import FEED_HEADER, FeedImport, FeedRow, MatchReview, RowStatus
from feeds.services.applying import POSTCODE, RECORD, SOURCE, Applied, Applier, copy_rows, group_people
from feeds.services.checks import (
    _MISSING,
    LIMITS,
    MAX_LENGTHS,
    DateCache,
    active_codes,
    check_person,
    ethnicity_problem,
    gender_problem,
    parse_date,
)
from feeds.services.matching import Outcome, Person, build_child_index, resolve_people, settle_candidates

PROGRESS_EVERY = 50_000


@dataclass
class CheckedFile:
    """A file's rows as text (as sent), their line numbers and their errors ('' for a valid row),
    with the dates parsed while checking them."""

    rows: list[list[str]]
    lines: list[int]
    errors: list[str]
    dates: DateCache

    @property
    def total(self) -> int:
        return len(self.rows)

    @cached_property
    def invalid(self) -> int:
        return sum(1 for error in self.errors if error)

    def stage_invalid(self, feed: FeedImport) -> None:
        """Stage every row as sent, with its errors, for the error report and the uploader's decision."""
        statuses = [RowStatus.INVALID if error else RowStatus.VALID for error in self.errors]
        none = [None] * len(self.rows)
        write_staged_rows(feed, self.rows, self.lines, self.errors, statuses, none, none)

    def apply(self, feed: FeedImport, applier: Applier, *, timings: dict[str, float]) -> Applied:
        """Match and apply the valid rows, inside the caller's transaction (importing._apply)."""
        rows, lines, errors, dates = self.rows, self.lines, self.errors, self.dates
        mark = time.monotonic()
        count = len(rows)
        statuses = [RowStatus.INVALID if error else RowStatus.VALID for error in errors]
        valid = [i for i in range(count) if not errors[i]]
        known = _known_records(rows, valid)
        fresh: list[int] = []
        for i in valid:
            if (rows[i][SOURCE], rows[i][RECORD]) in known:
                statuses[i] = RowStatus.ALREADY_KNOWN
            else:
                fresh.append(i)
        persons = list(group_people(rows, fresh, dates).values())
        timings["group"] = time.monotonic() - mark
        mark = time.monotonic()
        index = build_child_index(persons)
        resolve_people(persons, index, applier.today)
        timings["match"] = time.monotonic() - mark
        mark = time.monotonic()
        families = applier.create_people([p for p in persons if p.outcome != Outcome.REVIEW], index)
        # After creating people: adults whose match is uncertain went to review there.
        applied = [p for p in persons if p.outcome != Outcome.REVIEW]
        reviews = [p for p in persons if p.outcome == Outcome.REVIEW]
        settle_candidates(reviews)
        timings["people"] = time.monotonic() - mark
        mark = time.monotonic()
        items = applier.observations(rows, applied, families, dates)
        timings["observations"] = time.monotonic() - mark
        mark = time.monotonic()
        # Only the rows the uploader still needs are staged: rows with errors and rows in review.
        # Applied rows are the observations; rows imported before changed nothing (the counts say how
        # many of each, and the file itself is kept).
        for person in reviews:
            for i in person.rows:
                statuses[i] = RowStatus.IN_REVIEW
        none = [None] * count
        keep = [i for i in range(count) if statuses[i] in (RowStatus.INVALID, RowStatus.IN_REVIEW)]
        write_staged_rows(feed, rows, lines, errors, statuses, none, none, only=keep)
        _create_reviews(feed, reviews, rows, lines)
        timings["stage"] = time.monotonic() - mark
        return Applied(
            applied=applied,
            reviews=reviews,
            rows_total=count,
            rows_invalid=sum(1 for error in errors if error),
            rows_applied=len(items),
            rows_already_known=len(valid) - len(fresh),
            rows_in_review=sum(len(p.rows) for p in reviews),
        )


def check_file(
    feed: FeedImport, *, read: Callable[[int], None], checking: Callable[[int], None], timings: dict[str, float]
) -> CheckedFile:
    """Read every row of the file and check it. `read(total)` is called once the file is read,
    `checking(done)` every PROGRESS_EVERY rows."""
    mark = time.monotonic()
    rows, lines, width = read_rows(feed)
    timings["read"] = time.monotonic() - mark
    read(len(rows))
    mark = time.monotonic()
    today = timezone.localdate()
    dates: DateCache = {}
    errors = validate_rows(
        rows, lines, today=today, codes=active_codes(), dates=dates, progress=checking, header_width=width
    )
    timings["validate"] = time.monotonic() - mark
    return CheckedFile(rows, lines, errors, dates)


def read_staged(feed: FeedImport) -> CheckedFile:
    """The staged rows of a file with errors, for applying its valid rows."""
    staged = FeedRow.objects.filter(feed=feed).order_by("line_number")
    rows: list[list[str]]
    lines: list[int]
    errors: list[str]
    rows, lines, errors = [], [], []
    for values in staged.values_list(*FEED_HEADER, "line_number", "errors").iterator(chunk_size=20_000):
        rows.append(list(values[: len(FEED_HEADER)]))
        lines.append(values[-2])
        errors.append(values[-1])
    return CheckedFile(rows, lines, errors, {})


# Reading and validating ------------------------------------------------------------------------


def read_rows(feed: FeedImport) -> tuple[list[list[str]], list[int], int]:
    """Every data row as text, its line number (the header is line 1), and the number of columns
    of the header (FEED_HEADER's, or 13 for a file without gender and ethnicity). Blank lines are
    skipped."""
    rows: list[list[str]]
    lines: list[int]
    rows, lines = [], []
    with feed.file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        width = len(next(reader, FEED_HEADER))
        line = 1
        append_row, append_line = rows.append, lines.append
        for row in reader:
            line += 1
            if row:
                append_row(row)
                append_line(line)
    return rows, lines, width


def validate_rows(
    rows: list[list[str]],
    lines: list[int],
    *,
    today: date,
    codes: set[str],
    dates: DateCache,
    progress: Callable[[int], None] | None = None,
    header_width: int = len(FEED_HEADER),
) -> list[str]:
    """One string per row: '' when valid, else one plain-English message per line naming the column.
    A row of a file without gender and ethnicity (a 13-column header) is given them blank, in place.

    The columns about the person are checked once per distinct person (a file has several rows
    about most people); the rest once per row, with parsed dates cached."""
    width = header_width
    pad = ("",) * (len(FEED_HEADER) - header_width)
    # The 7 person columns -> check_person's (problems, date of birth).
    people: dict[tuple[str, ...], tuple[tuple[str, ...], date | None]] = {}
    seen: dict[tuple[str, str], int] = {}  # (source_system, source_record_id) -> first line
    results: list[str] = []
    append = results.append
    source_limit, record_limit = LIMITS["source_system"], LIMITS["source_record_id"]
    household_limit, code_limit = LIMITS["household_ref"], LIMITS["indicator_code"]
    observed_limit, note_limit = LIMITS["observed_on"], LIMITS["note"]
    dates_get, people_get, seen_setdefault = dates.get, people.get, seen.setdefault
    for number, row in enumerate(rows):
        if progress is not None and number and number % PROGRESS_EVERY == 0:
            progress(number)
        if len(row) != width:
            append(f"The line has {len(row)} values but the header has {width}")
            continue
        if pad:
            row.extend(pad)
        source, record, given, family, dob, postcode, household, upn, nhs, police_id, code, observed_text = row[:12]
        note, gender, ethnicity = row[12:]
        person_fields = (given, family, dob, postcode, upn, nhs, police_id)
        person = people_get(person_fields)
        if person is None:
            person = people[person_fields] = check_person(*person_fields, today, dates)
        problems, born = person
        line = lines[number]
        if seen_setdefault((source, record), line) != line and record:
            first = seen[(source, record)]
            problems = (
                *problems,
                f"source_record_id: '{record}' appears more than once in the file (first on line {first})",
            )
        observed = dates_get(observed_text, _MISSING)
        if observed is _MISSING:
            observed = parse_date(observed_text, dates)
        if (
            observed is not None
            and observed <= today
            and (born is None or observed >= born)
            and code in codes
            and source
            and record
            and len(source) <= source_limit
            and len(record) <= record_limit
            and len(household) <= household_limit
            and len(note) <= note_limit
            and not problems
            and source.strip()
            and record.strip()
            and not (gender and gender_problem(gender))
            and not (ethnicity and ethnicity_problem(ethnicity))
        ):
            append("")
            continue
        messages = list(problems)
        if not source.strip():
            messages.append("source_system: must not be blank")
        if not record.strip():
            messages.append("source_record_id: must not be blank")
        for column, value, limit in (
            ("source_system", source, source_limit),
            ("source_record_id", record, record_limit),
            ("household_ref", household, household_limit),
            ("indicator_code", code, code_limit),
            ("observed_on", observed_text, observed_limit),
            ("note", note, note_limit),
        ):
            if len(value) > limit:
                messages.append(f"{column}: longer than {limit} characters")
        if not code.strip():
            messages.append("indicator_code: must not be blank")
        elif code not in codes:
            messages.append(f"indicator_code: '{code}' is not an indicator code in use")
        if not observed_text.strip():
            messages.append("observed_on: must not be blank")
        elif observed is None:
            messages.append(f"observed_on: '{observed_text}' is not a date; use YYYY-MM-DD, like 2026-03-27")
        elif observed > today:
            messages.append(f"observed_on: {observed:%Y-%m-%d} is in the future")
        elif born is not None and observed < born:
            messages.append("observed_on: is before the date of birth")
        messages.extend(problem for problem in (gender_problem(gender), ethnicity_problem(ethnicity)) if problem)
        append("\n".join(messages))
    return results


# Staging (COPY on PostgreSQL, bulk_create elsewhere) ---------------------------------------------


def write_staged_rows(
    feed: FeedImport,
    rows: list[list[str]],
    lines: list[int],
    errors: list[str],
    statuses: Sequence[str],
    children: Sequence[int | None],
    adults: Sequence[int | None],
    *,
    only: Iterable[int] | None = None,
) -> None:
    """Replace the feed's staged rows (text as sent, cut to the column sizes) with these (or only
    the rows at the indexes `only`)."""
    FeedRow.objects.filter(feed=feed).delete()
    indexes = range(len(rows)) if only is None else only
    text_columns = [*FEED_HEADER, "errors", "status"]
    limits = MAX_LENGTHS
    width = len(FEED_HEADER)

    def cells(index: int) -> list[str]:
        row = rows[index]
        if not errors[index]:
            return row  # a valid row has the right width and no over-long value
        if len(row) != width:
            row = (row + [""] * width)[:width]
        return [value if len(value) <= limit else value[:limit] for value, limit in zip(row, limits, strict=True)]

    if connection.vendor == "postgresql":
        copy_rows(
            FeedRow._meta.db_table,
            ["feed_id", "line_number", *text_columns, "child_id", "adult_id"],
            ([feed.pk, lines[i], *cells(i), errors[i], statuses[i], children[i], adults[i]] for i in indexes),
            text_columns,
        )
        return
    batch: list[FeedRow] = []
    for i in indexes:
        batch.append(
            FeedRow(
                feed=feed,
                line_number=lines[i],
                **dict(zip(FEED_HEADER, cells(i), strict=True)),
                errors=errors[i],
                status=statuses[i],
                child_id=children[i],
                adult_id=adults[i],
            )
        )
        if len(batch) == 5_000:
            FeedRow.objects.bulk_create(batch)
            batch = []
    FeedRow.objects.bulk_create(batch)


# Applying ------------------------------------------------------------------------------------


def _known_records(rows: list[list[str]], valid: list[int]) -> set[tuple[str, str]]:
    """(source_system, source_record_id) of the file's valid rows that are already observations, or
    rows sent before that still wait in the review queue (not a second review item)."""
    by_system: defaultdict[str, list[str]] = defaultdict(list)
    for i in valid:
        by_system[rows[i][SOURCE]].append(rows[i][RECORD])
    known: set[tuple[str, str]] = set()
    waiting = FeedRow.objects.filter(status=RowStatus.IN_REVIEW, source_system__in=sorted(by_system))
    sent = {system: set(ids) for system, ids in by_system.items()}
    for system, record in waiting.values_list("source_system", "source_record_id").iterator(chunk_size=20_000):
        if record in sent[system]:
            known.add((system, record))
    for system, ids in by_system.items():
        existing = Observation.objects.filter(source_system=system)
        if len(ids) > 20_000:
            wanted = set(ids)
            known.update(
                (system, record)
                for record in existing.values_list("source_record_id", flat=True).iterator(chunk_size=50_000)
                if record in wanted
            )
        else:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                known.update(
                    (system, record)
                    for record in existing.filter(source_record_id__in=chunk).values_list("source_record_id", flat=True)
                )
    return known


def _create_reviews(feed: FeedImport, persons: list[Person], rows: list[list[str]], lines: list[int]) -> None:
    if not persons:
        return
    reviews = [
        MatchReview(
            feed=feed,
            # A person in review has a candidate, a child or an adult (settle_candidates).
            candidate_id=person.candidate_id,
            candidate_adult_id=person.candidate_adult_id,
            reason=person.reason[:300],
            given_name=person.given_name.strip()[:100],
            family_name=person.family_name.strip()[:100],
            date_of_birth=person.date_of_birth,
            postcode=rows[person.rows[0]][POSTCODE].strip()[:10],
        )
        for person in persons
    ]
    MatchReview.objects.bulk_create(reviews)
    wanted = {lines[i]: review for person, review in zip(persons, reviews, strict=True) for i in person.rows}
    numbers = sorted(wanted)
    through = MatchReview.rows.through
    links = []
    for start in range(0, len(numbers), 500):
        for row_id, line in FeedRow.objects.filter(feed=feed, line_number__in=numbers[start : start + 500]).values_list(
            "pk", "line_number"
        ):
            links.append(through(matchreview_id=wanted[line].pk, feedrow_id=row_id))
    through.objects.bulk_create(links)

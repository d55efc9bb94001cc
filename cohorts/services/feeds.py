"""Data feeds: upload a CSV extract, stage and validate every row, match people, apply.

The import runs as a Celery job (cohorts/task_feeds.py) that calls `import_feed`. A file with row
errors applies nothing until the uploader chooses to apply the valid rows (`choose_apply_valid`,
then `apply_valid`) or not to apply the file (`reject_feed`). Applying is one transaction: a
failure leaves nothing applied. Uncertain matches go to the review queue (`resolve_review`).
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import io
import logging
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import policy
from accounts.models import Membership, Role
from audit import services as audit
from audit.models import AuditAction
from cases.models import Adult, Child, ChildName, Family, FamilyMember, Involvement
from cohorts.models import IndicatorDefinition, Observation, RunKind, RunTrigger
from cohorts.services.feed_checks import _MISSING, LIMITS, MAX_LENGTHS, check_person, parse_date
from cohorts.services.matching import (
    Outcome,
    Person,
    age_on,
    build_child_index,
    match_child,
    person_key,
)
from feeds.models import FEED_HEADER, FeedImport, FeedRow, FeedStatus, Household, MatchReview, ReviewStatus, RowStatus
from jobs import outbox

logger = logging.getLogger(__name__)

IMPORT_TASK = "cohorts.import_feed"
APPLY_TASK = "cohorts.apply_feed"
PROGRESS_EVERY = 50_000
COPY_CHUNK = 100_000
FAILED_OR_REJECTED = (FeedStatus.REJECTED, FeedStatus.FAILED)
RUNNING = (FeedStatus.QUEUED, FeedStatus.STAGING, FeedStatus.VALIDATING, FeedStatus.MATCHING)
(SOURCE, RECORD, GIVEN, FAMILY, DOB, POSTCODE, HOUSEHOLD, UPN, NHS, POLICE, CODE, OBSERVED, NOTE) = range(13)


class Decision:
    SAME = "same"
    DIFFERENT = "different"
    DISMISS = "dismiss"
    CHOICES = (
        (SAME, "The same person: add these rows to this young person's record"),
        (DIFFERENT, "A different person: create a new record for them"),
        (DISMISS, "Not sure, or wrong data: do not apply these rows"),
    )


# Who sees what --------------------------------------------------------------------------------


def manager_agencies(user):
    return Membership.objects.active().filter(user=user, role=Role.MANAGER).values("agency")


def visible_feeds(user):
    """Feeds uploaded for the agencies this user manages (nothing for anyone else)."""
    if not policy.can(user, "manage_feeds"):
        return FeedImport.objects.none()
    return FeedImport.objects.filter(agency__in=manager_agencies(user))


def visible_reviews(user):
    return MatchReview.objects.filter(feed__in=visible_feeds(user).values("pk"))


def _require_feeds(user) -> None:
    if not policy.can(user, "manage_feeds"):
        raise PermissionDenied("Only managers can upload and manage data feeds.")


# Upload ---------------------------------------------------------------------------------------


class DuplicateFeed(ValidationError):
    """The same file was uploaded before; `existing` is that upload."""

    def __init__(self, existing: FeedImport):
        when = timezone.localtime(existing.created_at).strftime("%-d %B %Y at %H:%M")
        who = existing.uploaded_by.get_full_name() or existing.uploaded_by.username
        super().__init__({"file": [f"This file was already uploaded on {when} by {who}"]})
        self.existing = existing


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def check_header(header: list[str]) -> None:
    """The header must be exactly FEED_HEADER, in order (a UTF-8 byte order mark is allowed)."""
    if header and header[0].startswith("\ufeff"):
        header = [header[0][1:], *header[1:]]
    header = [column.strip() for column in header]
    if header == list(FEED_HEADER):
        return
    missing = [column for column in FEED_HEADER if column not in header]
    unexpected = [column for column in header if column not in FEED_HEADER]
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if unexpected:
        parts.append(f"unexpected {', '.join(unexpected or [])}")
    if parts:
        raise _file_error(f"The first line of the file must name the columns: {'; '.join(parts)}")
    raise _file_error(f"The columns must be in this order: {','.join(FEED_HEADER)}")


def inspect_file(uploaded_file) -> str:
    """Check the file is a non-empty UTF-8 CSV with the right header, within the size limit;
    return its SHA-256. Raises ValidationError({'file': [...]}) naming the problem."""
    name = uploaded_file.name or ""
    size = uploaded_file.size or 0
    if size == 0:
        raise _file_error("The selected file is empty")
    if size > settings.FEED_MAX_BYTES:
        limit = settings.FEED_MAX_BYTES / (1024 * 1024)
        raise _file_error(f"The selected file must be smaller than {limit:g} MB")
    if not name.lower().endswith(".csv"):
        raise _file_error("The selected file must be a CSV")
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = b""
    uploaded_file.seek(0)
    try:
        for chunk in uploaded_file.chunks():
            if b"\x00" in chunk:
                raise _file_error("The selected file must be a CSV: it contains binary data")
            digest.update(chunk)
            decoder.decode(chunk)
            if len(first) < 65_536:
                first += chunk[: 65_536 - len(first)]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _file_error("The selected file must be a CSV saved as UTF-8 text") from error
    uploaded_file.seek(0)
    text = first.decode("utf-8", errors="ignore")
    line = text.splitlines()[0] if text.splitlines() else ""
    try:
        header = next(csv.reader([line]))
    except (csv.Error, StopIteration) as error:
        raise _file_error("The selected file must be a CSV") from error
    check_header(header)
    return digest.hexdigest()


def upload_feed(user, uploaded_file) -> FeedImport:
    """Check and save an uploaded feed and queue its import. Nothing is saved if it is refused."""
    _require_feeds(user)
    membership = Membership.objects.active().filter(user=user, role=Role.MANAGER).select_related("agency").first()
    if uploaded_file is None:
        raise _file_error("Select a CSV file")
    sha256 = inspect_file(uploaded_file)
    existing = _live_feed_with(sha256)
    if existing is not None:
        raise DuplicateFeed(existing)
    try:
        with transaction.atomic():
            feed = FeedImport(
                original_name=(uploaded_file.name or "feed.csv")[-255:],
                size_bytes=uploaded_file.size,
                sha256=sha256,
                uploaded_by=user,
                agency=membership.agency,
            )
            feed.file.save(f"feed-{sha256[:12]}.csv", uploaded_file, save=False)
            feed.save()
            audit.record(
                user,
                AuditAction.CREATE,
                obj=feed,
                detail={"file": feed.original_name, "bytes": feed.size_bytes, "sha256": sha256},
            )
            outbox.enqueue(IMPORT_TASK, feed.pk)
    except IntegrityError as error:  # the same file uploaded at the same moment
        existing = _live_feed_with(sha256)
        if existing is None:
            raise
        raise DuplicateFeed(existing) from error
    return feed


def _live_feed_with(sha256: str) -> FeedImport | None:
    return (
        FeedImport.objects.filter(sha256=sha256)
        .exclude(status__in=FAILED_OR_REJECTED)
        .select_related("uploaded_by")
        .first()
    )


# Reading and validating ------------------------------------------------------------------------


def read_rows(feed: FeedImport) -> tuple[list[list[str]], list[int]]:
    """Every data row as text, and its line number (the header is line 1). Blank lines are skipped."""
    rows, lines = [], []
    with feed.file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        next(reader, None)
        line = 1
        append_row, append_line = rows.append, lines.append
        for row in reader:
            line += 1
            if row:
                append_row(row)
                append_line(line)
    return rows, lines


def active_codes() -> set[str]:
    return set(IndicatorDefinition.objects.filter(is_active=True).values_list("code", flat=True))


def validate_rows(rows, lines, *, today: date, codes: set[str], dates: dict, progress=None) -> list[str]:
    """One string per row: '' when valid, else one plain-English message per line naming the column.

    The columns about the person are checked once per distinct person (a file has several rows
    about most people); the rest once per row, with parsed dates cached."""
    width = len(FEED_HEADER)
    people: dict = {}
    seen: dict = {}
    results = []
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
        source, record, given, family, dob, postcode, household, upn, nhs, police_id, code, observed_text, note = row
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
        ):
            append("")
            continue
        problems = list(problems)
        if not source.strip():
            problems.append("source_system: must not be blank")
        if not record.strip():
            problems.append("source_record_id: must not be blank")
        for column, value, limit in (
            ("source_system", source, source_limit),
            ("source_record_id", record, record_limit),
            ("household_ref", household, household_limit),
            ("indicator_code", code, code_limit),
            ("observed_on", observed_text, observed_limit),
            ("note", note, note_limit),
        ):
            if len(value) > limit:
                problems.append(f"{column}: longer than {limit} characters")
        if not code.strip():
            problems.append("indicator_code: must not be blank")
        elif code not in codes:
            problems.append(f"indicator_code: '{code}' is not an indicator code in use")
        if not observed_text.strip():
            problems.append("observed_on: must not be blank")
        elif observed is None:
            problems.append(f"observed_on: '{observed_text}' is not a date; use YYYY-MM-DD, like 2026-03-27")
        elif observed > today:
            problems.append(f"observed_on: {observed:%Y-%m-%d} is in the future")
        elif born is not None and observed < born:
            problems.append("observed_on: is before the date of birth")
        append("\n".join(problems))
    return results


# Staging (COPY on PostgreSQL, bulk_create elsewhere) ---------------------------------------------


def _copy(table: str, columns: list[str], rows, not_null: list[str]) -> None:
    """COPY rows (iterables of values; None is NULL) into a table, in chunks."""
    statement = (
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({', '.join(not_null)}))"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    with connection.cursor() as cursor:
        for row in rows:
            writer.writerow(row)
            count += 1
            if count % COPY_CHUNK == 0:
                buffer.seek(0)
                cursor.copy_expert(statement, buffer)
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)


def write_staged_rows(feed: FeedImport, rows, lines, errors, statuses, children, adults, *, only=None) -> None:
    """Replace the feed's staged rows (text as sent, cut to the column sizes) with these (or only
    the rows at the indexes `only`)."""
    FeedRow.objects.filter(feed=feed).delete()
    indexes = range(len(rows)) if only is None else only
    text_columns = [*FEED_HEADER, "errors", "status"]
    limits = MAX_LENGTHS
    width = len(FEED_HEADER)

    def cells(index):
        row = rows[index]
        if not errors[index]:
            return row  # a valid row has the right width and no over-long value
        if len(row) != width:
            row = (row + [""] * width)[:width]
        return [value if len(value) <= limit else value[:limit] for value, limit in zip(row, limits, strict=True)]

    if connection.vendor == "postgresql":
        _copy(
            FeedRow._meta.db_table,
            ["feed_id", "line_number", *text_columns, "child_id", "adult_id"],
            ([feed.pk, lines[i], *cells(i), errors[i], statuses[i], children[i], adults[i]] for i in indexes),
            text_columns,
        )
        return
    batch = []
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


def lock_parents(items: list[tuple]) -> None:
    """What the foreign keys of Observation would check row by row, done in one statement per
    table: every child, adult and family the rows name exists, and is locked (FOR KEY SHARE on
    PostgreSQL) so it cannot be deleted before this transaction commits."""
    for model, position in ((Child, 4), (Adult, 5), (Family, 6)):
        ids = sorted({item[position] for item in items if item[position] is not None})
        if not ids:
            continue
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s) FOR KEY SHARE) AS locked",  # noqa: S608
                    [ids],
                )
                found = cursor.fetchone()[0]
            else:
                found = sum(model.objects.filter(pk__in=ids[i : i + 500]).count() for i in range(0, len(ids), 500))
        if found != len(ids):
            raise RuntimeError(f"{len(ids) - found} {model._meta.verbose_name_plural} were deleted during the import")


def _write_observations(feed: FeedImport, items: list[tuple]) -> None:
    """items: (source_system, source_record_id, code, observed_on, child_id, adult_id, family_id, note)."""
    if connection.vendor == "postgresql":
        _copy(
            Observation._meta.db_table,
            [
                "source_system",
                "source_record_id",
                "indicator_code",
                "observed_on",
                "child_id",
                "adult_id",
                "family_id",
                "note",
                "feed_id",
            ],
            ((*item, feed.pk) for item in items),
            ["source_system", "source_record_id", "indicator_code", "note"],
        )
        return
    fields = ("source_system", "source_record_id", "indicator_code", "observed_on", "child_id", "adult_id")
    Observation.objects.bulk_create(
        [
            Observation(**dict(zip(fields, item[:6], strict=True)), family_id=item[6], note=item[7], feed=feed)
            for item in items
        ],
        batch_size=2_000,
    )


# The import job ------------------------------------------------------------------------------


def _progress(feed: FeedImport, **fields) -> None:
    """Save progress in a short transaction of its own, so the page can poll it. `progress_at` is
    the job's heartbeat: without one for FEED_STALL_MINUTES the import has stopped responding."""
    fields["progress_at"] = timezone.now()
    for name, value in fields.items():
        setattr(feed, name, value)
    FeedImport.objects.filter(pk=feed.pk).update(**fields)


def _fail(feed_id: int, message: str) -> None:
    FeedImport.objects.filter(pk=feed_id).update(
        status=FeedStatus.FAILED, message=message[:1000], finished_at=timezone.now()
    )


@contextmanager
def _collector_paused():
    """An import builds millions of small objects (rows, people, index entries) without reference
    cycles; the cyclic garbage collector would walk them over and over as they pile up, which cost
    a few seconds per million rows. It is paused for the job and resumed afterwards."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@_collector_paused()
def import_feed(feed_id: int, *, timings: dict | None = None) -> FeedImport | None:
    """Stage and validate every row; apply the file when every row is valid, otherwise wait for the
    uploader's decision. Safe to run twice: only a queued feed is imported."""
    timings = timings if timings is not None else {}
    # Claimed in one statement, so a job delivered twice (a retry after a dead worker, then the
    # broker's redelivery of the first message) imports the file once.
    claimed = FeedImport.objects.filter(pk=feed_id, status=FeedStatus.QUEUED).update(
        status=FeedStatus.STAGING, rows_done=0, progress_at=timezone.now()
    )
    if not claimed:
        return None
    feed = FeedImport.objects.get(pk=feed_id)
    started = time.monotonic()
    try:
        if connection.vendor == "postgresql" and _import_on_postgresql(feed, started, timings):
            return feed
        mark = time.monotonic()
        rows, lines = read_rows(feed)
        timings["read"] = time.monotonic() - mark
        _progress(feed, status=FeedStatus.VALIDATING, rows_total=len(rows))
        mark = time.monotonic()
        today = timezone.localdate()
        dates: dict = {}
        errors = validate_rows(
            rows,
            lines,
            today=today,
            codes=active_codes(),
            dates=dates,
            progress=lambda done: _progress(feed, rows_done=done),
        )
        timings["validate"] = time.monotonic() - mark
        invalid = sum(1 for error in errors if error)
        _progress(feed, rows_done=len(rows), rows_invalid=invalid, rows_valid=len(rows) - invalid)
        if invalid:
            mark = time.monotonic()
            with transaction.atomic():
                statuses = [RowStatus.INVALID if error else RowStatus.VALID for error in errors]
                none = [None] * len(rows)
                write_staged_rows(feed, rows, lines, errors, statuses, none, none)
                _finish(feed, FeedStatus.NEEDS_DECISION, started, finished=False)
            timings["stage"] = time.monotonic() - mark
            return feed
        _progress(feed, status=FeedStatus.MATCHING, rows_done=0)
        apply_rows(feed, rows, lines, errors, dates=dates, started=started, timings=timings)
    except Exception as error:
        logger.exception("Feed %s failed", feed_id)
        _fail(
            feed_id, f"The import stopped because of an unexpected error ({type(error).__name__}). Nothing was applied."
        )
        return FeedImport.objects.get(pk=feed_id)
    return feed


def _import_on_postgresql(feed: FeedImport, started: float, timings: dict) -> bool:
    """The fast path (cohorts.services.feeds_pg); False when PostgreSQL cannot read the file as CSV."""
    from cohorts.services import feeds_pg

    today = timezone.localdate()
    apply_date = timezone.localtime(feed.created_at).date()
    result = feeds_pg.stage_and_check(
        feed,
        today=today,
        apply_date=apply_date,
        codes=active_codes(),
        progress=lambda total: _progress(feed, status=FeedStatus.VALIDATING, rows_total=total),
        timings=timings,
    )
    if result is None:
        return False
    (counts, prepared) = result
    total, invalid = counts["total"], counts["invalid"]
    _progress(feed, rows_total=total, rows_done=total, rows_invalid=invalid, rows_valid=total - invalid)
    if invalid:
        mark = time.monotonic()
        with transaction.atomic():
            feeds_pg.stage_invalid(feed)
            _finish(feed, FeedStatus.NEEDS_DECISION, started, finished=False)
        timings["stage"] = time.monotonic() - mark
        return True
    _progress(feed, status=FeedStatus.MATCHING, rows_done=0)
    with transaction.atomic():
        feed = FeedImport.objects.select_for_update().get(pk=feed.pk)
        if feed.status != FeedStatus.MATCHING:
            return True
        applier = Applier(feed, apply_date)
        counts = feeds_pg.apply_checked(feed, applier, prepared, timings=timings)
        _complete(
            feed,
            applier,
            counts["applied"],
            counts["reviews"],
            rows_total=total,
            rows_invalid=0,
            rows_applied=counts["rows_applied"],
            rows_already_known=counts["rows_already_known"],
            rows_in_review=counts["rows_in_review"],
            started=started,
        )
    return True


@_collector_paused()
def apply_valid(feed_id: int, *, timings: dict | None = None) -> FeedImport | None:
    """The job behind 'Apply the valid rows': match and apply the staged valid rows."""
    feed = FeedImport.objects.filter(pk=feed_id, status=FeedStatus.MATCHING, apply_valid_rows=True).first()
    if feed is None:
        return None
    started = time.monotonic()
    try:
        staged = FeedRow.objects.filter(feed=feed).order_by("line_number")
        rows, lines, errors = [], [], []
        for values in staged.values_list(*FEED_HEADER, "line_number", "errors").iterator(chunk_size=20_000):
            rows.append(list(values[: len(FEED_HEADER)]))
            lines.append(values[-2])
            errors.append(values[-1])
        apply_rows(feed, rows, lines, errors, dates={}, started=started, timings=timings or {})
    except Exception as error:
        logger.exception("Feed %s failed", feed_id)
        _fail(
            feed_id,
            f"Applying the rows stopped because of an unexpected error ({type(error).__name__}). Nothing was applied.",
        )
        return FeedImport.objects.get(pk=feed_id)
    return feed


def _finish(feed: FeedImport, status: str, started: float, *, finished: bool = True) -> None:
    feed.status = status
    feed.duration_ms = int((time.monotonic() - started) * 1000)
    if finished:
        feed.finished_at = timezone.now()
    feed.save()


# Applying ------------------------------------------------------------------------------------


def _known_records(rows, valid: list[int]) -> set[tuple[str, str]]:
    """(source_system, source_record_id) of the file's valid rows that are already observations."""
    by_system = defaultdict(list)
    for i in valid:
        by_system[rows[i][SOURCE]].append(rows[i][RECORD])
    known = set()
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


class Applier:
    """Creates what the matched rows need (families for households, adults, children, family
    links) and the observations themselves. Used for a whole file and for one resolved review."""

    def __init__(self, feed: FeedImport, today: date, suffix: str = ""):
        self.feed = feed
        self.suffix = suffix  # keeps references unique when a review adds records to a feed later
        self.today = today
        self.created_children: list[int] = []
        self.created_adults = 0
        self.created_families = 0
        self.touched_families: set[int] = set()

    # Households -> families
    def families_for(self, persons: list[Person]) -> dict:
        wanted: dict = {}
        for person in persons:
            for key, postcode in person.households.items():
                wanted.setdefault(key, (person.family_name, postcode))
        found: dict = {}
        by_system = defaultdict(list)
        for system, ref in wanted:
            by_system[system].append(ref)
        for system, refs in by_system.items():
            if connection.vendor == "postgresql":
                # The references as one array parameter: for a city's 50,000 households the ORM
                # takes longer to build an IN list than PostgreSQL takes to answer it.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT household_ref, family_id FROM cohorts_household "
                        "WHERE source_system = %s AND household_ref = ANY(%s)",
                        [system, refs],
                    )
                    found.update(((system, ref), family_id) for ref, family_id in cursor.fetchall())
                continue
            for start in range(0, len(refs), 500):
                for ref, family_id in Household.objects.filter(
                    source_system=system, household_ref__in=refs[start : start + 500]
                ).values_list("household_ref", "family_id"):
                    found[(system, ref)] = family_id
        missing = [key for key in wanted if key not in found]
        if missing:
            families = [
                Family(
                    reference=f"HH{self.feed.pk}{self.suffix}-{n}",
                    name=f"{wanted[key][0].strip()} household"[:200],
                    postcode=wanted[key][1].strip().upper()[:10],
                )
                for n, key in enumerate(missing, start=1)
            ]
            Family.objects.bulk_create(families, batch_size=2_000)
            Household.objects.bulk_create(
                [
                    Household(source_system=key[0], household_ref=key[1], family=family)
                    for key, family in zip(missing, families, strict=True)
                ],
                batch_size=2_000,
            )
            for key, family in zip(missing, families, strict=True):
                found[key] = family.pk
            self.created_families += len(families)
            self.new_families = {family.pk for family in families}
        else:
            self.new_families = set()
        return found

    def create_children(self, persons: list[Person], used_identifiers: set) -> None:
        """One new child per distinct name + date of birth + postcode; identifiers copied when unused."""
        made: dict = {}
        new = []
        for person in persons:
            key = (person.name_key, person.date_of_birth, person.postcode)
            if key in made:
                continue
            fields = {}
            for kind, value in person.identifiers:
                if (kind, value) not in used_identifiers:
                    used_identifiers.add((kind, value))
                    fields[kind] = value
            child = Child(
                reference="",
                given_name=person.given_name.strip(),
                family_name=person.family_name.strip(),
                date_of_birth=person.date_of_birth,
                **fields,
            )
            made[key] = child
            new.append((person, child))
        if not new:
            return
        for n, (_person, child) in enumerate(new, start=1):
            child.reference = f"FD{self.feed.pk}{self.suffix}-{n}"
        children = [child for _person, child in new]
        Child.objects.bulk_create(children, batch_size=2_000)
        ChildName.objects.bulk_create(
            [ChildName.build(child, f"{child.given_name} {child.family_name}") for child in children], batch_size=2_000
        )
        Involvement.objects.bulk_create(
            [Involvement(agency_id=self.feed.agency_id, child=child, started_on=self.today) for child in children],
            batch_size=2_000,
        )
        for person in persons:
            if person.child_id is None:
                person.child_id = made[(person.name_key, person.date_of_birth, person.postcode)].pk
        self.created_children.extend(child.pk for child in children)

    def resolve_adults(self, persons: list[Person], families: dict) -> None:
        from cohorts.services.matching import adult_index

        family_ids = {families[key] for person in persons for key in person.households}
        loose_dobs = {person.date_of_birth for person in persons if not person.households}
        existing_families = family_ids - getattr(self, "new_families", set())
        in_family, anywhere = adult_index(existing_families, loose_dobs)
        made: dict = {}
        new = []
        for person in persons:
            person_families = tuple(sorted({families[key] for key in person.households}))
            adult_id = None
            for family_id in person_families:
                adult_id = in_family.get((family_id, person.name_key, person.date_of_birth))
                if adult_id:
                    break
            if adult_id is None and not person_families:
                ids = anywhere.get((person.name_key, person.date_of_birth), set())
                if len(ids) == 1:
                    adult_id = next(iter(ids))
            if adult_id is not None:
                person.adult_id = adult_id
                continue
            key = (person_families, person.name_key, person.date_of_birth)
            if key not in made:
                made[key] = Adult(
                    given_name=person.given_name.strip(),
                    family_name=person.family_name.strip(),
                    date_of_birth=person.date_of_birth,
                )
                new.append(made[key])
            person.adult_id = made[key]
        Adult.objects.bulk_create(new, batch_size=2_000)
        self.created_adults += len(new)
        for person in persons:
            if isinstance(person.adult_id, Adult):
                person.adult_id = person.adult_id.pk

    def link_members(self, persons: list[Person], families: dict) -> None:
        wanted = set()
        for person in persons:
            for key in person.households:
                family_id = families[key]
                wanted.add(
                    (family_id, person.child_id, None) if person.child_id else (family_id, None, person.adult_id)
                )
        if not wanted:
            return
        existing_families = sorted({w[0] for w in wanted} - getattr(self, "new_families", set()))
        have = set()
        if connection.vendor == "postgresql":
            have.update(_members_of(existing_families, "family_id, child_id, adult_id", ""))
        else:
            for start in range(0, len(existing_families), 2_000):
                have.update(
                    FamilyMember.objects.filter(family_id__in=existing_families[start : start + 2_000]).values_list(
                        "family_id", "child_id", "adult_id"
                    )
                )
        new = sorted(wanted - have, key=lambda w: (w[0], w[1] or 0, w[2] or 0))
        FamilyMember.objects.bulk_create(
            [
                FamilyMember(
                    family_id=family_id,
                    child_id=child_id,
                    adult_id=adult_id,
                    relationship="child" if child_id else "other",
                )
                for family_id, child_id, adult_id in new
            ],
            batch_size=2_000,
        )
        self.touched_families.update(w[0] for w in new)

    def observations(self, rows, persons: list[Person], families: dict, dates: dict) -> list[tuple]:
        items = []
        for person in persons:
            for i in person.rows:
                row = rows[i]
                family_id = families.get((row[SOURCE], row[HOUSEHOLD])) if row[HOUSEHOLD] else None
                if person.adult_id and family_id:
                    self.touched_families.add(family_id)
                items.append(
                    (
                        row[SOURCE],
                        row[RECORD],
                        row[CODE],
                        parse_date(row[OBSERVED], dates),
                        person.child_id,
                        person.adult_id if not person.child_id else None,
                        family_id,
                        row[NOTE],
                    )
                )
        lock_parents(items)
        # In index order: each leaf of the (child, indicator, date) index is then written once.
        items.sort(key=lambda item: (item[4] or 0, item[5] or 0))
        _write_observations(self.feed, items)
        return items

    def affected_children(self, persons: list[Person]) -> list[int]:
        ids = {person.child_id for person in persons if person.child_id}
        families = sorted(self.touched_families)
        if connection.vendor == "postgresql":
            ids.update(child_id for (child_id,) in _members_of(families, "child_id", "AND child_id IS NOT NULL"))
        else:
            for start in range(0, len(families), 2_000):
                ids.update(
                    FamilyMember.objects.filter(
                        family_id__in=families[start : start + 2_000], child__isnull=False
                    ).values_list("child_id", flat=True)
                )
        return sorted(ids)


def _members_of(family_ids: list[int], columns: str, condition: str) -> list[tuple]:
    """PostgreSQL: the family members of these families in one statement, the ids as one array
    (the ORM takes longer to build an IN list of a city's families than the query takes)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM cases_familymember WHERE family_id = ANY(%s) {condition}",  # noqa: S608
            [family_ids],
        )
        return cursor.fetchall()


def _group_people(rows, indexes, dates) -> dict:
    """The people of these rows, keyed by normalised names, date of birth, postcode and identifiers.
    Each distinct spelling is normalised once."""
    persons: dict = {}
    keys: dict = {}
    for i in indexes:
        row = rows[i]
        raw = (row[GIVEN], row[FAMILY], row[DOB], row[POSTCODE], row[UPN], row[NHS], row[POLICE])
        key = keys.get(raw)
        if key is None:
            born = parse_date(row[DOB], dates)
            key = keys[raw] = person_key(row[GIVEN], row[FAMILY], born, row[POSTCODE], row[UPN], row[NHS], row[POLICE])
        person = persons.get(key)
        if person is None:
            person = persons[key] = Person(
                given_name=row[GIVEN],
                family_name=row[FAMILY],
                date_of_birth=key[1],
                postcode=key[2],
                upn=key[3],
                nhs_number=key[4],
                police_id=key[5],
                name_key=key[0],
            )
        person.rows.append(i)
        if row[HOUSEHOLD]:
            person.households.setdefault((row[SOURCE], row[HOUSEHOLD]), row[POSTCODE])
    return persons


def apply_rows(feed, rows, lines, errors, *, dates: dict, started: float, timings: dict) -> None:
    """Match and apply the valid rows in one transaction, then request a recalculation."""
    today = timezone.localtime(feed.created_at).date()
    with transaction.atomic():
        feed = FeedImport.objects.select_for_update().get(pk=feed.pk)
        if feed.status != FeedStatus.MATCHING:
            return
        mark = time.monotonic()
        count = len(rows)
        statuses = [RowStatus.INVALID if error else RowStatus.VALID for error in errors]
        valid = [i for i in range(count) if not errors[i]]
        known = _known_records(rows, valid)
        fresh = []
        for i in valid:
            if (rows[i][SOURCE], rows[i][RECORD]) in known:
                statuses[i] = RowStatus.ALREADY_KNOWN
            else:
                fresh.append(i)
        persons = list(_group_people(rows, fresh, dates).values())
        timings["group"] = time.monotonic() - mark
        mark = time.monotonic()
        index = build_child_index(persons)
        for person in persons:
            match_child(person, index, is_child=age_on(person.date_of_birth, today) < 18)
            if not person.outcome:
                person.outcome = Outcome.ADULT
        timings["match"] = time.monotonic() - mark
        mark = time.monotonic()
        applier = Applier(feed, today)
        applied = [p for p in persons if p.outcome != Outcome.REVIEW]
        families = applier.families_for(applied)
        applier.create_children(
            [p for p in applied if p.outcome == Outcome.NEW_CHILD], used_identifiers=set(index.by_identifier)
        )
        applier.resolve_adults([p for p in applied if p.outcome == Outcome.ADULT], families)
        applier.link_members(applied, families)
        timings["people"] = time.monotonic() - mark
        mark = time.monotonic()
        items = applier.observations(rows, applied, families, dates)
        timings["observations"] = time.monotonic() - mark
        mark = time.monotonic()
        # Only the rows the uploader still needs are staged: rows with errors and rows in review.
        # Applied rows are the observations; rows imported before changed nothing (the counts say how
        # many of each, and the file itself is kept).
        reviews = [p for p in persons if p.outcome == Outcome.REVIEW]
        for person in reviews:
            for i in person.rows:
                statuses[i] = RowStatus.IN_REVIEW
        none = [None] * count
        keep = [i for i in range(count) if statuses[i] in (RowStatus.INVALID, RowStatus.IN_REVIEW)]
        write_staged_rows(feed, rows, lines, errors, statuses, none, none, only=keep)
        _create_reviews(feed, reviews, rows, lines)
        timings["stage"] = time.monotonic() - mark
        _complete(
            feed,
            applier,
            applied,
            reviews,
            rows_total=count,
            rows_invalid=sum(1 for error in errors if error),
            rows_applied=len(items),
            rows_already_known=len(valid) - len(fresh),
            rows_in_review=sum(len(p.rows) for p in reviews),
            started=started,
        )


def _complete(
    feed,
    applier,
    applied,
    reviews,
    *,
    rows_total,
    rows_invalid,
    rows_applied,
    rows_already_known,
    rows_in_review,
    started,
) -> None:
    """Record the counts, mark the feed applied, audit, and ask for a recalculation."""
    feed.rows_total = rows_total
    feed.rows_done = rows_total
    feed.rows_invalid = rows_invalid
    feed.rows_valid = rows_total - rows_invalid
    feed.rows_applied = rows_applied
    feed.rows_already_known = rows_already_known
    feed.rows_in_review = rows_in_review
    feed.people_created = len(applier.created_children) + applier.created_adults
    feed.people_matched = sum(1 for p in applied if p.outcome == Outcome.MATCHED) + (
        sum(1 for p in applied if p.outcome == Outcome.ADULT) - applier.created_adults
    )
    _finish(feed, FeedStatus.APPLIED, started)
    audit.record(
        feed.uploaded_by,
        AuditAction.CREATE,
        obj=feed,
        subjects=applier.created_children,
        subject_type="cases.child",
        detail={
            "applied": feed.rows_applied,
            "already_known": feed.rows_already_known,
            "in_review": feed.rows_in_review,
            "children_created": len(applier.created_children),
            "adults_created": applier.created_adults,
            "families_created": applier.created_families,
        },
    )
    affected = applier.affected_children(applied)
    if affected:
        _request_run(feed, affected)


def _request_run(feed: FeedImport, child_ids: list[int], requested_by=None) -> None:
    from cohorts.models import CohortRun
    from cohorts.services.runs import request_run

    if CohortRun.objects.current_full() is None:
        request_run(kind=RunKind.FULL, trigger=RunTrigger.FEED, feed=feed, requested_by=requested_by)
    else:
        request_run(
            kind=RunKind.INCREMENTAL,
            trigger=RunTrigger.FEED,
            child_ids=child_ids,
            feed=feed,
            requested_by=requested_by,
        )


def _create_reviews(feed, persons: list[Person], rows, lines) -> None:
    if not persons:
        return
    reviews = [
        MatchReview(
            feed=feed,
            candidate_id=person.candidate_id,
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


# Decisions by the uploader ----------------------------------------------------------------------


def require_feed(user, feed: FeedImport) -> None:
    """A manager of the feed's agency (feed decisions and recovery)."""
    _require_feeds(user)
    if not visible_feeds(user).filter(pk=feed.pk).exists():
        raise PermissionDenied("This feed belongs to another agency.")


def choose_apply_valid(user, feed: FeedImport) -> FeedImport:
    """'Apply the N valid rows': queue the job that matches and applies them."""
    require_feed(user, feed)
    with transaction.atomic():
        feed = FeedImport.objects.select_for_update().get(pk=feed.pk)
        if feed.status != FeedStatus.NEEDS_DECISION:
            raise ValidationError("This file is not waiting for a decision.")
        if not feed.rows_valid:
            raise ValidationError("This file has no valid rows to apply.")
        feed.apply_valid_rows = True
        feed.status = FeedStatus.MATCHING
        feed.rows_done = 0
        feed.progress_at = timezone.now()
        feed.save(update_fields=["apply_valid_rows", "status", "rows_done", "progress_at"])
        audit.record(user, AuditAction.UPDATE, obj=feed, detail={"decision": "apply_valid_rows"})
        outbox.enqueue(APPLY_TASK, feed.pk)
    return feed


def reject_feed(user, feed: FeedImport) -> FeedImport:
    """'Do not apply this file': nothing is applied; the file may be corrected and uploaded again."""
    require_feed(user, feed)
    with transaction.atomic():
        feed = FeedImport.objects.select_for_update().get(pk=feed.pk)
        if feed.status != FeedStatus.NEEDS_DECISION:
            raise ValidationError("This file is not waiting for a decision.")
        feed.status = FeedStatus.REJECTED
        feed.finished_at = timezone.now()
        feed.save(update_fields=["status", "finished_at"])
        FeedRow.objects.filter(feed=feed, status=RowStatus.VALID).update(status=RowStatus.SKIPPED)
        audit.record(user, AuditAction.UPDATE, obj=feed, detail={"decision": "rejected"})
    return feed


# The review queue -------------------------------------------------------------------------------


def resolve_review(user, review: MatchReview, decision: str) -> MatchReview:
    """A person decides an uncertain match: the same person (apply the rows to the candidate), a
    different person (create a new record and apply), or dismiss (the rows are not applied)."""
    _require_feeds(user)
    if not visible_reviews(user).filter(pk=review.pk).exists():
        raise PermissionDenied("This review belongs to another agency's feed.")
    if decision not in {choice for choice, _label in Decision.CHOICES}:
        raise ValidationError({"decision": ["Choose whether this is the same person"]})
    with transaction.atomic():
        review = MatchReview.objects.select_for_update().select_related("feed").get(pk=review.pk)
        if review.status != ReviewStatus.OPEN:
            raise ValidationError({"decision": ["Someone has already decided this match"]})
        feed = FeedImport.objects.select_for_update().get(pk=review.feed_id)
        staged = list(review.rows.filter(status=RowStatus.IN_REVIEW).order_by("line_number"))
        before = audit.snapshot(review)
        if decision == Decision.DISMISS:
            FeedRow.objects.filter(pk__in=[row.pk for row in staged]).update(status=RowStatus.SKIPPED)
            review.status = ReviewStatus.DISMISSED
        else:
            _apply_review(user, feed, review, staged, decision)
            review.status = ReviewStatus.MATCHED if decision == Decision.SAME else ReviewStatus.NEW_PERSON
        review.resolved_by = user
        review.resolved_at = timezone.now()
        review.save(update_fields=["status", "resolved_by", "resolved_at"])
        feed.rows_in_review = max(0, feed.rows_in_review - len(staged))
        feed.save(update_fields=["rows_in_review", "rows_applied", "people_matched", "people_created"])
        audit.record_write(
            user, AuditAction.UPDATE, review, before=before, after=audit.snapshot(review), reason=decision
        )
    return review


def _apply_review(user, feed, review, staged, decision) -> int:
    rows = [[getattr(row, column) for column in FEED_HEADER] for row in staged]
    dates: dict = {}
    persons = list(_group_people(rows, range(len(rows)), dates).values())
    today = timezone.localdate()
    applier = Applier(feed, today, suffix=f"R{review.pk}")
    if decision == Decision.SAME:
        child = Child.objects.select_for_update().get(pk=review.candidate_id)
        _copy_blank_identifiers(user, child, persons)
        for person in persons:
            person.child_id, person.outcome = child.pk, Outcome.MATCHED
        feed.people_matched += 1
    else:
        used = set()
        for kind in ("upn", "nhs_number", "police_id"):
            values = [getattr(p, kind) for p in persons if getattr(p, kind)]
            used.update(
                (kind, value) for value in Child.objects.filter(**{f"{kind}__in": values}).values_list(kind, flat=True)
            )
        first = persons[0]
        applier.create_children([first], used)
        for person in persons[1:]:
            person.child_id = first.child_id
        for person in persons:
            person.outcome = Outcome.NEW_CHILD
        feed.people_created += 1
        child = Child.objects.get(pk=first.child_id)
        audit.record_write(user, AuditAction.CREATE, child, before=None, after=audit.snapshot(child))
    families = applier.families_for(persons)
    applier.link_members(persons, families)
    items = applier.observations(rows, persons, families, dates)
    for row in staged:
        row.status, row.child_id = RowStatus.APPLIED, child.pk
    FeedRow.objects.bulk_update(staged, ["status", "child"])
    feed.rows_applied += len(items)
    _request_run(feed, applier.affected_children(persons), requested_by=user)
    return child.pk


def _copy_blank_identifiers(user, child: Child, persons: list[Person]) -> None:
    before = audit.snapshot(child)
    changed = False
    for kind in ("upn", "nhs_number", "police_id"):
        if getattr(child, kind):
            continue
        value = next((getattr(p, kind) for p in persons if getattr(p, kind)), "")
        if value and not Child.objects.filter(**{kind: value}).exists():
            setattr(child, kind, value)
            changed = True
    if changed:
        child.version += 1
        child.save()
        audit.record_write(user, AuditAction.UPDATE, child, before=before, after=audit.snapshot(child))


# Error report --------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): prefix a quote to a cell starting with = + - @."""
    return f"'{value}" if value and value.startswith(_FORMULA_STARTS) else value


def error_report_rows(feed: FeedImport):
    """Header then one row per invalid line: line, the values as sent, the errors."""
    yield ["line", *FEED_HEADER, "errors"]
    staged = FeedRow.objects.filter(feed=feed, status=RowStatus.INVALID).order_by("line_number")
    for values in staged.values_list("line_number", *FEED_HEADER, "errors").iterator(chunk_size=5_000):
        yield [str(values[0]), *(safe_cell(value) for value in values[1:-1]), safe_cell(values[-1].replace("\n", "; "))]


def invalid_row_ids(feed: FeedImport) -> list[int]:
    return list(FeedRow.objects.filter(feed=feed, status=RowStatus.INVALID).values_list("pk", flat=True)[:10_000])


__all__ = [
    "Decision",
    "DuplicateFeed",
    "apply_valid",
    "choose_apply_valid",
    "error_report_rows",
    "import_feed",
    "reject_feed",
    "resolve_review",
    "upload_feed",
    "visible_feeds",
    "visible_reviews",
]

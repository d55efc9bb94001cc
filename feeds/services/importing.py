"""The import jobs, start to end: `import_feed` (queued by an upload) and `apply_valid` (queued when
the uploader of a file with errors chooses to apply its valid rows). Celery runs them
(feeds/tasks.py).

This module alone moves a feed from status to status during an import. The work on the rows is done
by one of two paths with the same steps:

- the PostgreSQL fast path (postgres.py), for a file PostgreSQL can read as a CSV of its header's columns;
- the generic path (generic.py): any other file, every file on other databases, and `apply_valid`.

    import_feed: claim the feed (queued, or left running by a job that died)
      check_file (path)               read and check every row         -> validating
      a row with errors:  CheckedFile.stage_invalid (path)             -> needs a decision
      every row valid:    _apply: one transaction                      -> matching
                            CheckedFile.apply (path): match, then the shared Applier
                            (applying.py) creates people and families and writes observations
                            _complete: counts, audit, recalculation    -> applied

Applying is one transaction: a failure leaves nothing applied and marks the feed failed.

A job whose worker died (acknowledged late, its message is delivered again: at once when a pool
process dies, after BROKER_VISIBILITY_TIMEOUT when the whole worker goes; Celery beat's
`recover_stalled_imports` queues it again if the message was lost) starts the import again from a
clean start. A live job holds its feed's job lock (PostgreSQL: a session advisory lock, released when
its connection ends, so a killed job's goes with it): a second delivery while the first runs does
nothing, and one after it finished finds the feed no longer running. Every start is counted
(`FeedImport.attempts`); at settings.JOB_MAX_ATTEMPTS the feed is marked failed instead (a file
that kills its worker every time), logged and audited.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone

from audit import services as audit
from audit.models import AuditAction
from feeds.models import FeedImport, FeedRow, FeedStatus, RowStatus
from feeds.services import generic, postgres
from feeds.services.applying import Applied, Applier, request_recalculation
from feeds.services.checks import active_codes
from feeds.services.matching import Outcome

logger = logging.getLogger(__name__)

# The Celery task names (feeds/tasks.py). They are those of the tasks when the data feeds were part
# of the cohorts app: the outbox sends tasks by name, and rows queued before the move name these.
IMPORT_TASK = "cohorts.import_feed"
APPLY_TASK = "cohorts.apply_feed"
FAILED_OR_REJECTED = (FeedStatus.REJECTED, FeedStatus.FAILED)
RUNNING = (FeedStatus.QUEUED, FeedStatus.STAGING, FeedStatus.VALIDATING, FeedStatus.MATCHING)
# The first key of the feeds' job locks (pg_advisory_lock(key, feed id)); the cohort's guard uses the
# one-key form, a separate space.
JOB_LOCK_KEY = 5_000_502
# How long a job waits for another job's lock on its feed before leaving the feed to it.
JOB_LOCK_WAIT_SECONDS = 60


@contextmanager
def _collector_paused() -> Iterator[None]:
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


@contextmanager
def _job_lock(feed_id: int, *, wait: bool = True) -> Iterator[bool]:
    """Hold the feed's job lock for the job's length: yields False when another job holds it for
    longer than JOB_LOCK_WAIT_SECONDS (or at once, without `wait`). The wait lets the backend of a job
    that was just killed end first (client_connection_check_interval, safeguarding/settings.py).
    PostgreSQL only (a session advisory lock, which goes with the job's connection if the job dies);
    elsewhere there are no concurrent workers and it always yields True."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = [JOB_LOCK_KEY, feed_id % 2**31]
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a session lock: it outlives this transaction
            if wait:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{JOB_LOCK_WAIT_SECONDS}s"])
                cursor.execute("SELECT pg_advisory_lock(%s, %s), true", key)
            else:
                cursor.execute("SELECT null, pg_try_advisory_lock(%s, %s)", key)
            held = bool(cursor.fetchone()[1])
    except OperationalError:  # the lock timeout: another job is alive
        held = False
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            except DatabaseError:  # the connection broke: the lock went with it
                logger.warning("Feed %s: the job lock could not be released (connection lost)", feed_id)


def job_alive(feed_id: int) -> bool:
    """PostgreSQL: whether a live job holds the feed. Elsewhere, False (there is no lock to ask)."""
    with _job_lock(feed_id, wait=False) as free:
        return not free


def gave_up_message(attempts: int) -> str:
    return (
        f"The import was stopped after {attempts} attempts: each time, the worker running it stopped part-way "
        "(it may have run out of memory). Nothing from this file has been applied. Tell your system administrator "
        "before you upload it again."
    )


def _give_up(feed: FeedImport) -> None:
    """Mark a feed whose job has used up its attempts failed, say why, log and audit it. In the
    caller's transaction, with the feed locked. Valid staged rows are not applied (as when abandoned)."""
    stalled_status = feed.status
    feed.status = FeedStatus.FAILED
    feed.finished_at = timezone.now()
    feed.message = gave_up_message(feed.attempts)
    feed.save(update_fields=["status", "finished_at", "message"])
    FeedRow.objects.filter(feed=feed, status=RowStatus.VALID).update(status=RowStatus.SKIPPED)
    logger.error("Feed %s given up after %s attempts: its worker stopped each time", feed.pk, feed.attempts)
    audit.record(
        None,
        AuditAction.UPDATE,
        obj=feed,
        detail={
            "decision": "failed",
            "reason": "attempts",
            "attempts": feed.attempts,
            "stalled_status": stalled_status,
        },
    )


def _lost_its_job(feed: FeedImport) -> bool:
    """A feed the import job had claimed, found by a job holding its lock: the job that claimed it
    died. Without the lock (not PostgreSQL), only once it has shown no progress for FEED_STALL_MINUTES."""
    claimed = feed.status in (FeedStatus.STAGING, FeedStatus.VALIDATING) or (
        feed.status == FeedStatus.MATCHING and not feed.apply_valid_rows
    )
    if connection.vendor == "postgresql":
        return claimed
    return claimed and timezone.now() - feed.progress_at > timedelta(minutes=settings.FEED_STALL_MINUTES)


def _claim(feed_id: int, *, applying: bool) -> FeedImport | None:
    """Claim the feed for this job, which holds its job lock: count the start (committed before any
    work, so a job killed later leaves it counted), or give the feed up once JOB_MAX_ATTEMPTS starts
    have died. None when there is nothing for this job to do."""
    with transaction.atomic():
        feed = FeedImport.objects.select_for_update().filter(pk=feed_id).first()
        if feed is None:
            return None
        if applying:
            again = feed.attempts > 0
            if not (feed.status == FeedStatus.MATCHING and feed.apply_valid_rows):
                return None
        else:
            again = _lost_its_job(feed)
            if feed.status != FeedStatus.QUEUED and not again:
                return None
        if feed.attempts >= settings.JOB_MAX_ATTEMPTS:
            _give_up(feed)
            return None
        if again:
            logger.warning("Feed %s: its job stopped while %s; starting again", feed.pk, feed.status)
            audit.record(
                None,
                AuditAction.UPDATE,
                obj=feed,
                detail={"decision": "retry", "reason": "worker_lost", "stalled_status": feed.status},
            )
        feed.attempts += 1
        feed.progress_at = timezone.now()
        feed.rows_done = 0
        if not applying:
            # From the start: rows an earlier attempt staged (a file with errors commits them with
            # its 'needs a decision' status, so there are none unless that commit was reached) go.
            FeedRow.objects.filter(feed=feed).delete()
            feed.status = FeedStatus.STAGING
            for name in ("rows_total", "rows_valid", "rows_invalid"):
                setattr(feed, name, 0)
            feed.message = ""
        feed.save()
    return feed


def import_feed(feed_id: int, *, timings: dict[str, float] | None = None) -> FeedImport | None:
    """Stage and validate every row; apply the file when every row is valid, otherwise wait for the
    uploader's decision. Safe to deliver twice (see the module docstring)."""
    with _job_lock(feed_id) as held:
        if not held:
            return None  # another job is importing this file now, and will finish it
        feed = _claim(feed_id, applying=False)
        if feed is None:
            return None
        return _import(feed, timings if timings is not None else {})


@_collector_paused()
def _import(feed: FeedImport, timings: dict[str, float]) -> FeedImport:
    feed_id = feed.pk
    started = time.monotonic()
    try:
        checked = _check_file(feed, timings)
        total, invalid = checked.total, checked.invalid
        _progress(feed, rows_total=total, rows_done=total, rows_invalid=invalid, rows_valid=total - invalid)
        if invalid:
            mark = time.monotonic()
            with transaction.atomic():
                checked.stage_invalid(feed)
                _finish(feed, FeedStatus.NEEDS_DECISION, started, finished=False)
            timings["stage"] = time.monotonic() - mark
            return feed
        _progress(feed, status=FeedStatus.MATCHING, rows_done=0)
        _apply(feed, checked, started, timings)
    except Exception as error:
        logger.exception("Feed %s failed", feed_id)
        _fail(
            feed_id, f"The import stopped because of an unexpected error ({type(error).__name__}). Nothing was applied."
        )
    # As it is now (applied, or failed): the Celery task reports this status.
    return FeedImport.objects.get(pk=feed_id)


def _check_file(feed: FeedImport, timings: dict[str, float]) -> generic.CheckedFile | postgres.CheckedFile:
    """Read and check every row: on PostgreSQL by the fast path, unless it cannot read the file as
    CSV; otherwise by the generic path. Returns the path's CheckedFile."""

    def read(total: int) -> None:
        _progress(feed, status=FeedStatus.VALIDATING, rows_total=total)

    if connection.vendor == "postgresql":
        checked = postgres.check_file(
            feed,
            today=timezone.localdate(),
            apply_date=_apply_date(feed),
            codes=active_codes(),
            progress=read,
            timings=timings,
        )
        if checked is not None:
            return checked
    return generic.check_file(feed, read=read, checking=lambda done: _progress(feed, rows_done=done), timings=timings)


def apply_valid(feed_id: int, *, timings: dict[str, float] | None = None) -> FeedImport | None:
    """The job behind 'Apply the valid rows': match and apply the staged valid rows."""
    with _job_lock(feed_id) as held:
        if not held:
            return None
        feed = _claim(feed_id, applying=True)
        if feed is None:
            return None
        return _apply_staged(feed, timings or {})


@_collector_paused()
def _apply_staged(feed: FeedImport, timings: dict[str, float]) -> FeedImport:
    feed_id = feed.pk
    started = time.monotonic()
    try:
        _apply(feed, generic.read_staged(feed), started, timings)
    except Exception as error:
        logger.exception("Feed %s failed", feed_id)
        _fail(
            feed_id,
            f"Applying the rows stopped because of an unexpected error ({type(error).__name__}). Nothing was applied.",
        )
    return FeedImport.objects.get(pk=feed_id)


def _apply_date(feed: FeedImport) -> date:
    """The upload date: who is a child (under 18) is decided as on that day."""
    return timezone.localtime(feed.created_at).date()


def _apply(
    feed: FeedImport, checked: generic.CheckedFile | postgres.CheckedFile, started: float, timings: dict[str, float]
) -> None:
    """Match and apply the checked rows (every one valid, or the valid ones of a file the uploader
    chose to apply) in one transaction, then record the counts and ask for a recalculation."""
    apply_date = _apply_date(feed)
    mark = time.monotonic()
    with transaction.atomic():
        feed = FeedImport.objects.select_for_update().get(pk=feed.pk)
        if feed.status != FeedStatus.MATCHING:
            return
        applier = Applier(feed, apply_date)
        _complete(feed, applier, checked.apply(feed, applier, timings=timings), started, timings)
        timings.update({f"people_{step}": seconds for step, seconds in applier.timings.items()})
        mark = time.monotonic()
    timings["commit"] = time.monotonic() - mark
    # The job's duration covers all of it: the audit rows and the commit too.
    FeedImport.objects.filter(pk=feed.pk).update(duration_ms=_milliseconds(started))


def _complete(feed: FeedImport, applier: Applier, done: Applied, started: float, timings: dict[str, float]) -> None:
    """Record the counts, mark the feed applied, audit, and ask for a recalculation."""
    feed.rows_total = done.rows_total
    feed.rows_done = done.rows_total
    feed.rows_invalid = done.rows_invalid
    feed.rows_valid = done.rows_total - done.rows_invalid
    feed.rows_applied = done.rows_applied
    feed.rows_already_known = done.rows_already_known
    feed.rows_in_review = done.rows_in_review
    feed.people_created = len(applier.created_children) + applier.created_adults
    feed.people_matched = sum(1 for p in done.applied if p.outcome == Outcome.MATCHED) + (
        sum(1 for p in done.applied if p.outcome == Outcome.ADULT) - applier.created_adults
    )
    _finish(feed, FeedStatus.APPLIED, started)
    mark = time.monotonic()
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
    if applier.identified_children:
        # Identifiers the file gave children held who lacked them (matching rule 6).
        audit.record(
            feed.uploaded_by,
            AuditAction.UPDATE,
            obj=feed,
            subjects=sorted(applier.identified_children),
            subject_type="cases.child",
            detail={"identifiers_added": len(applier.identified_children)},
        )
    if applier.identified_adults:
        audit.record(
            feed.uploaded_by,
            AuditAction.UPDATE,
            obj=feed,
            subjects=sorted(applier.identified_adults),
            subject_type="cases.adult",
            detail={"identifiers_added": len(applier.identified_adults)},
        )
    affected = applier.affected_children(done.applied)
    if affected:
        request_recalculation(feed, affected)
    timings["audit"] = time.monotonic() - mark


# The feed's status and progress -----------------------------------------------------------------


def _progress(feed: FeedImport, **fields: Any) -> None:
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


def _milliseconds(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _finish(feed: FeedImport, status: str, started: float, *, finished: bool = True) -> None:
    feed.status = status
    feed.duration_ms = _milliseconds(started)
    if finished:
        feed.finished_at = timezone.now()
    feed.save()

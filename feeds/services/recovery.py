"""Recovering a feed import whose job stopped responding (its Celery worker was killed, say).

Such a feed stays in a running status (queued, staging, validating, matching), and the same file is
refused as a duplicate while it does. The job starts again by itself: the broker delivers its message
again, and the job's start takes the feed back (feeds.services.importing); if that message was lost,
Celery beat queues the job again (`recover_stalled_imports`, after FEED_RECOVER_MINUTES without
progress or a live job). A job that dies every time is given up after JOB_MAX_ATTEMPTS starts.

When no worker takes it (none is running, say), a manager who may manage feeds can, once the job has
reported no progress (`FeedImport.progress_at`) for settings.FEED_STALL_MINUTES:

- try again (`retry_feed`): the job is queued again through the outbox, and
- abandon it (`abandon_feed`): the feed is marked failed, with who and when, so the same file can
  be uploaded again (the duplicate check ignores failed and rejected feeds).

Why a retry is safe: nothing an import writes to the database outlives a dead job. Staging and
checking write only progress counters (the PostgreSQL path stages into session temporary tables,
which go with the connection); the staged rows of a file with errors are written in one
transaction with the 'needs a decision' status; matching and applying (observations, people,
families, reviews, staged rows, the 'applied' status) are one transaction that first locks the
feed and checks it is still matching. A killed job rolls back whatever it had not committed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import services as audit
from audit.models import AuditAction
from feeds.models import FeedImport, FeedRow, FeedStatus, RowStatus
from feeds.services.access import require_feed
from feeds.services.importing import APPLY_TASK, IMPORT_TASK, RUNNING, job_alive
from jobs import outbox

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

NOT_RUNNING = "This import is not running, so there is nothing to try again or abandon."
STILL_WORKING = "This import is still working on the file: wait for it to finish."
WAITING = "Background work is paused. This import will start by itself when it resumes: there is nothing to try again."


def stall_limit() -> timedelta:
    return timedelta(minutes=settings.FEED_STALL_MINUTES)


def is_waiting_to_start(feed: FeedImport) -> bool:
    """Queued, and its job not yet handed to the task queue (the broker is down): it will start by
    itself when background work resumes, so it is not stalled and trying again would add nothing."""
    return feed.status == FeedStatus.QUEUED and outbox.waiting_to_send(IMPORT_TASK, feed.pk)


def is_stalled(feed: FeedImport, now: datetime | None = None) -> bool:
    """Running, with no progress reported for longer than the stall limit, and not waiting for
    background work to resume."""
    now = now or timezone.now()
    return (
        feed.status in RUNNING
        and feed.progress_at is not None
        and now - feed.progress_at > stall_limit()
        and not is_waiting_to_start(feed)
    )


def _still_running_message(feed: FeedImport, now: datetime) -> str:
    minutes = max(0, int((now - feed.progress_at).total_seconds() // 60))
    limit = settings.FEED_STALL_MINUTES
    return (
        f"This import is still running: it last reported progress {minutes} minute{'s' if minutes != 1 else ''} "
        f"ago. You can try again or abandon it once it has shown no progress for {limit} minutes."
    )


def _lock_stalled(feed: FeedImport) -> FeedImport:
    """The feed, locked, if it is stalled; otherwise a ValidationError saying why not. Call inside
    a transaction. On PostgreSQL a job that is applying the file holds the feed's row lock: NOWAIT
    then fails at once, which proves the job is alive however long it has been quiet."""
    queryset = FeedImport.objects.select_for_update(nowait=connection.features.has_select_for_update_nowait)
    try:
        with transaction.atomic():  # a savepoint: a refused lock must not spoil the outer transaction
            current = queryset.get(pk=feed.pk)
    except DatabaseError as error:
        raise ValidationError(STILL_WORKING) from error
    now = timezone.now()
    if current.status not in RUNNING:
        raise ValidationError(NOT_RUNNING)
    if is_waiting_to_start(current):
        raise ValidationError(WAITING)
    if not is_stalled(current, now):
        raise ValidationError(_still_running_message(current, now))
    return current


def retry_feed(user: User, feed: FeedImport) -> FeedImport:
    """'Try again': queue the job again. A file that was being imported is imported from the start
    (its staged rows, if any, are cleared first); a file whose uploader had chosen to apply the valid
    rows keeps that choice and its staged rows, and the apply job is queued again."""
    require_feed(user, feed)
    with transaction.atomic():
        feed = _lock_stalled(feed)
        stalled_status = feed.status
        now = timezone.now()
        feed.attempts = 0  # a person chose to try again: the job's starts are counted afresh
        if feed.status == FeedStatus.MATCHING and feed.apply_valid_rows:
            task = APPLY_TASK
            feed.rows_done = 0
            feed.progress_at = now
            feed.save(update_fields=["rows_done", "attempts", "progress_at"])
        else:
            task = IMPORT_TASK
            FeedRow.objects.filter(feed=feed).delete()
            feed.status = FeedStatus.QUEUED
            feed.apply_valid_rows = False
            for name in ("rows_total", "rows_done", "rows_valid", "rows_invalid"):
                setattr(feed, name, 0)
            feed.message = ""
            feed.progress_at = now
            feed.save(
                update_fields=[
                    "status",
                    "apply_valid_rows",
                    "rows_total",
                    "rows_done",
                    "rows_valid",
                    "rows_invalid",
                    "message",
                    "attempts",
                    "progress_at",
                ]
            )
        audit.record(
            user,
            AuditAction.UPDATE,
            obj=feed,
            detail={"decision": "retry", "stalled_status": stalled_status, "job": task},
        )
        outbox.enqueue(task, feed.pk)
    return feed


def abandon_feed(user: User, feed: FeedImport) -> FeedImport:
    """'Abandon': mark the feed failed, with who and when. Nothing was applied (applying is all or
    nothing), and the same file can be uploaded again."""
    require_feed(user, feed)
    with transaction.atomic():
        feed = _lock_stalled(feed)
        stalled_status = feed.status
        now = timezone.now()
        who = user.get_full_name() or user.username
        feed.status = FeedStatus.FAILED
        feed.finished_at = now
        feed.abandoned_by = user
        feed.abandoned_at = now
        feed.message = (
            f"Abandoned by {who} on {timezone.localtime(now):%-d %B %Y at %H:%M} after the import stopped "
            "responding. Nothing was applied: the file can be uploaded again."
        )
        feed.save(update_fields=["status", "finished_at", "abandoned_by", "abandoned_at", "message"])
        # Like a file that is not applied: valid staged rows (of a file with errors) were not applied.
        FeedRow.objects.filter(feed=feed, status=RowStatus.VALID).update(status=RowStatus.SKIPPED)
        audit.record(
            user, AuditAction.UPDATE, obj=feed, detail={"decision": "abandoned", "stalled_status": stalled_status}
        )
    return feed


def _job_of(feed: FeedImport) -> str:
    return APPLY_TASK if feed.status == FeedStatus.MATCHING and feed.apply_valid_rows else IMPORT_TASK


def recover_stalled_imports(now: datetime | None = None) -> list[int]:
    """Celery beat, every five minutes: queue again the job of every running feed that has shown no
    progress for FEED_RECOVER_MINUTES, has no live job (on PostgreSQL nobody holds its job lock; elsewhere
    this waits for FEED_STALL_MINUTES instead), and was not queued in that time nor waits to be sent (the
    outbox sends those when the broker is back). It covers a message lost by the broker (Redis restarted
    without saving, say); the broker's own redelivery normally comes first. The job's start does the rest:
    it takes the feed back, or gives it up after JOB_MAX_ATTEMPTS. Each one queued is audited."""
    now = now or timezone.now()
    minutes = settings.FEED_RECOVER_MINUTES if connection.vendor == "postgresql" else settings.FEED_STALL_MINUTES
    cutoff = now - timedelta(minutes=minutes)
    requeued = []
    for feed in FeedImport.objects.filter(status__in=RUNNING, progress_at__lt=cutoff).order_by("pk"):
        task = _job_of(feed)
        if outbox.waiting_to_send(task, feed.pk) or outbox.queued_since(cutoff, task, feed.pk) or job_alive(feed.pk):
            continue
        with transaction.atomic():
            audit.record(
                None, AuditAction.UPDATE, obj=feed, detail={"decision": "retry", "reason": "stalled", "job": task}
            )
            outbox.enqueue(task, feed.pk)
        requeued.append(feed.pk)
    if requeued:
        logger.warning("Feed imports queued again after their job stopped: %s", requeued)
    return requeued


__all__ = [
    "abandon_feed",
    "is_stalled",
    "is_waiting_to_start",
    "recover_stalled_imports",
    "retry_feed",
    "stall_limit",
]

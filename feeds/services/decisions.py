"""The uploader's decision on a file with errors (nothing of it is applied until then): apply its
valid rows (`choose_apply_valid`, which queues the job `importing.apply_valid`) or not apply the
file (`reject_feed`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from audit.models import AuditAction
from feeds.models import FeedImport, FeedRow, FeedStatus, RowStatus
from feeds.services.access import require_feed
from feeds.services.importing import APPLY_TASK
from jobs import outbox

if TYPE_CHECKING:
    from accounts.models import User


def choose_apply_valid(user: User, feed: FeedImport) -> FeedImport:
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
        feed.attempts = 0  # the apply job's starts are counted afresh
        feed.progress_at = timezone.now()
        feed.save(update_fields=["apply_valid_rows", "status", "rows_done", "attempts", "progress_at"])
        audit.record(user, AuditAction.UPDATE, obj=feed, detail={"decision": "apply_valid_rows"})
        outbox.enqueue(APPLY_TASK, feed.pk)
    return feed


def reject_feed(user: User, feed: FeedImport) -> FeedImport:
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

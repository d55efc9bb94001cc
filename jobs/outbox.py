"""Enqueue Celery work safely from inside a transaction (the transactional outbox)."""

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.models import OutboxMessage

logger = logging.getLogger(__name__)

# After the broker fails a send, this process leaves new messages to beat's publish_pending for
# this long, so requests do not each wait out the broker's timeout while it is down or hung.
BROKER_REST_SECONDS = 30.0
_broker_resting_until = 0.0


def enqueue(task_name: str, *args: Any, **kwargs: Any) -> OutboxMessage:
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: publish(message.pk, waiting=True))
    return message


def broker_resting() -> bool:
    return time.monotonic() < _broker_resting_until


def _rest_broker() -> None:
    global _broker_resting_until
    _broker_resting_until = time.monotonic() + BROKER_REST_SECONDS


def publish(message_id: int, *, waiting: bool = False) -> bool:
    """Send one message to the broker (or run it, when Celery is eager). False if it stays pending.

    `waiting`: someone (a web request) waits on this send, so it is skipped while the broker rests."""
    from safeguarding.celery import app

    if waiting and broker_resting():
        return False
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id, sent_at__isnull=True).first()
        if message is None:
            return True
        message.attempts += 1
        try:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                app.loader.import_default_modules()  # autodiscovery, which a worker does at start
                app.tasks[message.task_name].apply(args=message.args, kwargs=message.kwargs).get()
            else:
                app.send_task(message.task_name, args=message.args, kwargs=message.kwargs, retry=False)
        except Exception as error:
            if not settings.CELERY_TASK_ALWAYS_EAGER:
                _rest_broker()  # the broker failed, not the task
            logger.warning("Outbox message %s not sent: %s", message.pk, error)
            message.last_error = str(error)[:500]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def waiting_to_send(task_name: str, *args: Any) -> bool:
    """A message for this task and these arguments is written and not yet sent to the broker."""
    return OutboxMessage.objects.filter(task_name=task_name, args=list(args), sent_at__isnull=True).exists()


def queued_since(since: datetime, task_name: str, *args: Any) -> bool:
    """A message for this task and these arguments was written at `since` or later."""
    return OutboxMessage.objects.filter(task_name=task_name, args=list(args), created_at__gte=since).exists()


# Work unsent for this long means the broker (or beat, which resends) is not reachable.
PAUSED_AFTER = timedelta(minutes=2)


def paused_since() -> datetime | None:
    """When the oldest message still unsent was written, if background work looks paused (a
    message unsent for longer than PAUSED_AFTER); None when it runs, or runs in-process."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    oldest = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("created_at").values("created_at").first()
    if oldest is None or timezone.now() - oldest["created_at"] < PAUSED_AFTER:
        return None
    return oldest["created_at"]


def publish_pending(limit: int = 500) -> int:
    """Send what is pending, oldest first; stop at the first send the broker refuses (one timeout
    per beat, not one per message)."""
    sent = 0
    for pk in list(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)[:limit]):
        if publish(pk):
            sent += 1
        elif broker_resting():
            break
    return sent

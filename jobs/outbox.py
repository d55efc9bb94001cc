"""Enqueue Celery work safely from inside a transaction (the transactional outbox)."""

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args: Any, **kwargs: Any) -> OutboxMessage:
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: publish(message.pk))
    return message


def publish(message_id: int) -> bool:
    """Send one message to the broker (or run it, when Celery is eager). False if it stays pending."""
    from safeguarding.celery import app

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
            logger.warning("Outbox message %s not sent: %s", message.pk, error)
            message.last_error = str(error)[:500]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def publish_pending(limit: int = 500) -> int:
    ids = list(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)[:limit])
    return sum(publish(pk) for pk in ids)

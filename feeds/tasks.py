"""Celery tasks of the data feeds, found by autodiscovery: import a file, and apply its valid rows
when the uploader chose to. Their names (services.IMPORT_TASK and APPLY_TASK) are still
cohorts.import_feed and cohorts.apply_feed, as when the feeds were part of the cohorts app, so that
outbox rows queued before the move still find them."""

from celery import shared_task

from feeds import services


@shared_task(name=services.IMPORT_TASK)
def import_feed(feed_id: int) -> str:
    feed = services.import_feed(feed_id)
    return feed.status if feed else "skipped"


@shared_task(name=services.APPLY_TASK)
def apply_feed(feed_id: int) -> str:
    feed = services.apply_valid(feed_id)
    return feed.status if feed else "skipped"


@shared_task(name="feeds.recover_stalled_imports")
def recover_stalled_imports() -> list[int]:
    """Celery beat, every five minutes: imports whose job died and whose message was lost are queued again."""
    return services.recover_stalled_imports()

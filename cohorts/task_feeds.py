"""Celery tasks of the data feeds: import a file, and apply its valid rows when the uploader chose to."""

from celery import shared_task

from feeds import services as feeds


@shared_task(name="cohorts.import_feed")
def import_feed(feed_id: int) -> str:
    feed = feeds.import_feed(feed_id)
    return feed.status if feed else "skipped"


@shared_task(name="cohorts.apply_feed")
def apply_feed(feed_id: int) -> str:
    feed = feeds.apply_valid(feed_id)
    return feed.status if feed else "skipped"

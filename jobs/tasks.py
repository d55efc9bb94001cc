from celery import shared_task

from jobs import outbox


@shared_task(name="jobs.tasks.publish_pending")
def publish_pending() -> int:
    return outbox.publish_pending()

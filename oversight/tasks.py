import logging

from celery import shared_task

from oversight import services

logger = logging.getLogger(__name__)


@shared_task(name="oversight.find_due_for_disposal")
def find_due_for_disposal() -> int:
    added = services.find_due()
    logger.info("Retention: %s record(s) added to the disposal review", added)
    return added

from celery import shared_task

from dashboards import aggregates

TASK_NAME = "dashboards.refresh_aggregates"


@shared_task(name=TASK_NAME)
def refresh_aggregates() -> int:
    return aggregates.refresh()

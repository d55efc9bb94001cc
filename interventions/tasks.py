from celery import shared_task

from interventions import alerts


@shared_task(name="interventions.tasks.alert_overdue")
def alert_overdue() -> int:
    return alerts.alert_overdue()

"""Refresh the kept figures when the data behind them changes in bulk: after a cohort run is
published and after a feed is applied (the nightly refresh is in CELERY_BEAT_SCHEDULE). Hooked on
Celery's task_success, so it follows the work that changed the data, in the worker, after it
committed."""

from typing import Any

from celery.signals import task_success

from cohorts.models import RunStatus
from dashboards.tasks import refresh_aggregates

COHORT_TASKS = ("cohorts.recalculate", "cohorts.nightly_recalculation")
FEED_TASKS = ("cohorts.apply_feed",)


@task_success.connect(dispatch_uid="dashboards_refresh_after_work")
def after_task(sender: Any = None, result: Any = None, **kwargs: Any) -> None:
    name = getattr(sender, "name", "")
    if (name in COHORT_TASKS and result == RunStatus.PUBLISHED) or name in FEED_TASKS:
        refresh_aggregates.delay()

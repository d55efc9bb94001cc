"""Refresh the kept figures when the data behind them changes in bulk: a published cohort run, an
applied feed import (the nightly refresh is in CELERY_BEAT_SCHEDULE)."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from cohorts.models import CohortRun, RunStatus
from dashboards.tasks import TASK_NAME
from feeds.models import FeedImport, FeedStatus
from jobs import outbox


@receiver(post_save, sender=CohortRun, dispatch_uid="dashboards_after_run")
def after_cohort_run(sender: Any, instance: CohortRun, **kwargs: Any) -> None:
    if instance.status == RunStatus.PUBLISHED:
        outbox.enqueue(TASK_NAME)


@receiver(post_save, sender=FeedImport, dispatch_uid="dashboards_after_feed")
def after_feed(sender: Any, instance: FeedImport, **kwargs: Any) -> None:
    if instance.status == FeedStatus.APPLIED:
        outbox.enqueue(TASK_NAME)

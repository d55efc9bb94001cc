"""Celery tasks of the cohort engine, found by autodiscovery."""

from cohorts.task_feeds import import_feed
from cohorts.task_runs import recalculate

__all__ = ["import_feed", "recalculate"]

"""Celery tasks of the cohort engine, found by autodiscovery."""

from cohorts.task_runs import recalculate

__all__ = ["recalculate"]

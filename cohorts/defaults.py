"""The version-1 indicator definitions and scoring model (the data of migration 0002), for code
that may meet an empty table: tests after a database flush, a fresh demo database."""

import importlib

from django.apps import apps

from cohorts.models import IndicatorDefinition, ScoringModel

_migration = importlib.import_module("cohorts.migrations.0002_default_indicators")


def ensure_default_indicators() -> None:
    """Create the version-1 definitions and model when there are no definitions and no model."""
    if IndicatorDefinition.objects.exists() or ScoringModel.objects.exists():
        return
    _migration.forwards(apps, None)

"""Pre-computed figures: each row holds the tables of one kind of output for one scope (period,
area, local authority), computed by `dashboards.aggregates` and refreshed after each cohort run,
feed import and nightly. Counts only: no names, no record ids."""

from django.db import models


class Aggregate(models.Model):
    key = models.CharField(
        max_length=300, unique=True, help_text="What and for which scope, e.g. dashboard|2026-01-01|..."
    )
    tables = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        permissions = [("view_partnership_figures", "Can read counts over the whole partnership (no names)")]

    def __str__(self) -> str:
        return self.key

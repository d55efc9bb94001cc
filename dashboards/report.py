"""The scrutiny report: the source document's sections, with live figures for a period and area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboards import aggregates, reach
from dashboards.filters import Scope
from dashboards.tables import Table


@dataclass
class Section:
    heading: str
    tables: list[Table]


def sections(user: Any, scope: Scope) -> list[Section]:
    by_key = {t.key: t for t in aggregates.tables("dashboard", scope)}
    live = {t.key: t for t in reach.tables(user, scope)}
    return [
        Section("Victim demographics", [by_key["gender"], by_key["ethnicity"]]),
        Section("Local police area breakdown", [by_key["areas"]]),
        Section("Weapon tagged offences", [by_key["weapons"]]),
        Section("Young offenders' social factors", aggregates.tables("offenders", scope)),
        Section("Cohort tiers", [by_key["tiers"], by_key["movement"]]),
        Section("Interventions and panels", [by_key["work"]]),
        Section("Community mentoring", [live["mentoring"]]),
        Section("Outreach, prevention and coordination", [live["outreach"], live["group_work"]]),
        Section("Missing episodes and return home interviews", [by_key["missing"]]),
        Section("Drift", [by_key["drift"]]),
    ]


def all_tables(user: Any, scope: Scope) -> list[Table]:
    return [table for section in sections(user, scope) for table in section.tables]

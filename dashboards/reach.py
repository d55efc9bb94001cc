"""Mentoring and outreach figures, from their apps' own reports (mentoring.queries.report and
outreach.reports.reach), as tables: outreach in the scope's neighbourhoods (records with no area
count for all areas only), and mentoring for the young people placed in them (mentors count for the
whole partnership: they are placed in no area). Computed
for the viewer at each request: those reports count what the viewer's policy lets them count (the
partnership's for managers)."""

from __future__ import annotations

from typing import Any

from dashboards import filters
from dashboards.aggregates import computed_label
from dashboards.filters import Scope
from dashboards.tables import Row, Table, with_total
from mentoring.queries import report as mentoring_report
from outreach.reports import reach


def tables(user: Any, scope: Scope) -> list[Table]:
    places = filters.neighbourhoods_in(scope)
    mentoring = mentoring_report(user, scope.start, scope.end, places=places, partnership=True)
    mentoring_rows = [
        # Mentors are not placed in an area: theirs stay the partnership's figures.
        Row(f"{label} (all areas)" if places is not None and label.startswith("Mentors ") else label, [value])
        for label, value in mentoring.rows()
        if isinstance(value, int)
    ]
    found = reach(user, scope.start, scope.end, places=places)
    where = "all areas" if places is None else scope.describe()
    audience = [Row(row.label, [row.training, row.awareness, row.total]) for row in found.rows]
    group = [
        Row("Group work sessions", [found.group_sessions]),
        Row("Young people who attended group work", [found.young_people]),
        Row("Door-to-door households reached", [found.households]),
        Row("Establishments engaged", [found.establishments_engaged]),
    ]
    stamp = computed_label()
    return [
        Table("mentoring", f"Community mentoring ({where})", ["Figure", "Count"], mentoring_rows, computed_at=stamp),
        Table(
            "outreach",
            f"Outreach: people trained and made aware ({where})",
            ["Audience", "Trained", "Awareness raising", "Total"],
            with_total(audience),
            total_row=True,
            total_column=True,
            computed_at=stamp,
        ),
        Table("group_work", f"Group work and door-to-door ({where})", ["Figure", "Count"], group, computed_at=stamp),
    ]

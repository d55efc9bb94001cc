"""The building blocks of `visible_to(user)`: one correlated EXISTS per ground of access.

A domain app describes how its records reach a child, context or family with a `Subject` (the
involvement table and, for groups, the table linking them to children), and composes
`policy.visible_via(user, field, subject)` in its QuerySets. Built with the ORM, the same nested
EXISTS cost 6 ms of Python to compile per query, which was most of the child profile's time
(benchmarks/README.md); this hand-written SQL costs a few microseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from django.apps import apps
from django.db.models import BooleanField, Expression, F


@dataclass(frozen=True)
class Subject:
    """A kind of record the access policy decides on directly (a child, context or family).

    `involvements`: the model (app label and name) whose rows say an agency works with it, in the
    column `column`; for a group, `members` links it (in `members_column`) to the `children`
    subject's records (`child_id`), through whom it is also visible. A subject without `children`
    is a child: grants and emergency access name its records directly."""

    name: str
    involvements: str
    column: str
    members: str = ""
    members_column: str = ""
    children: Subject | None = None


def active_on_sql(started_on: str, ended_on: str) -> str:
    """The one rule for "active on a date" (an involvement): started on or before the date, and not
    ended before it. SQL over the two date columns, with two date parameters (the date, twice). Both
    the visibility EXISTS below and the ORM (`ActiveOn`, `Involvement.objects.active()`) use it."""
    return f"{started_on} <= %s AND ({ended_on} IS NULL OR {ended_on} >= %s)"


class ActiveOn(Expression):
    """`active_on_sql` for the ORM: `.filter(ActiveOn(day))` on a model with `started_on` and
    `ended_on`, under whatever alias the query gives the table (subqueries included)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, on: date, started_on: Any = "started_on", ended_on: Any = "ended_on") -> None:
        super().__init__()
        self.on = on
        self.started_on = F(started_on) if isinstance(started_on, str) else started_on
        self.ended_on = F(ended_on) if isinstance(ended_on, str) else ended_on

    def get_source_expressions(self) -> list[Any]:
        return [self.started_on, self.ended_on]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.started_on, self.ended_on = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        started_on, started_params = compiler.compile(self.started_on)
        ended_on, ended_params = compiler.compile(self.ended_on)
        if started_params or ended_params:
            raise ValueError("ActiveOn needs plain columns")
        return f"({active_on_sql(started_on, ended_on)})", [self.on, self.on]


@cache
def _table(label: str) -> str:
    return str(apps.get_model(label)._meta.db_table)


class VisibleVia(Expression):
    """True where the row's `field` points at a `subject` record the user sees, given the user's
    case-holding agency ids and granted child ids (both literals)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: Any, subject: Subject, agencies: list[int], granted: list[int], today: date):
        super().__init__()
        self.column = F(field) if isinstance(field, str) else field
        self.subject = subject
        self.agencies, self.granted, self.today = agencies, granted, today

    def __repr__(self) -> str:
        return f"VisibleVia({self.column!r}, {self.subject.name})"

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def _involved(self, subject: Subject, target: str, alias: str) -> tuple[str, list[Any]]:
        """EXISTS an active involvement of the user's agencies with the record whose id is `target`."""
        if not self.agencies:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(self.agencies))
        # Only our own table and column names are formatted in; every value is a parameter.
        sql = (
            f"EXISTS (SELECT 1 FROM {_table(subject.involvements)} {alias} WHERE {alias}.{subject.column} = {target}"  # noqa: S608
            f" AND {alias}.agency_id IN ({marks}) AND {active_on_sql(f'{alias}.started_on', f'{alias}.ended_on')})"
        )
        return sql, [*self.agencies, self.today, self.today]

    def _child(self, child: Subject, target: str, alias: str) -> tuple[str, list[Any]]:
        sql, params = self._involved(child, target, alias)
        if self.granted:
            sql = f"({sql} OR {target} IN ({', '.join(['%s'] * len(self.granted))}))"
            params = [*params, *self.granted]
        return sql, params

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        target, params = compiler.compile(self.column)
        if params:
            raise ValueError("VisibleVia needs a plain column")
        if self.subject.children is None:
            return self._child(self.subject, target, "pv_i")
        involved, involved_params = self._involved(self.subject, target, "pv_i")
        child_visible, child_params = self._child(self.subject.children, "pv_m.child_id", "pv_c")
        members = _table(self.subject.members)
        linked = f"SELECT 1 FROM {members} pv_m WHERE pv_m.{self.subject.members_column} = {target} AND {child_visible}"  # noqa: S608
        return f"({involved} OR EXISTS ({linked}))", [*involved_params, *child_params]


class NeverInvolved(Expression):
    """True where no agency has ever worked with the `subject` record the row's `field` points at
    (no involvement, active or ended): for a child, someone known only from a data feed."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: Any, subject: Subject) -> None:
        super().__init__()
        self.column = F(field) if isinstance(field, str) else field
        self.subject = subject

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        target, params = compiler.compile(self.column)
        if params:
            raise ValueError("NeverInvolved needs a plain column")
        # OFFSET 0 keeps PostgreSQL probing the involvements index for each row a list walks,
        # instead of first hashing the whole involvements table (under an OR it expects to test every
        # row, not the page's few): the manager's cohort suggestions took 70 ms that way, 4 ms this way.
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        table, column = _table(self.subject.involvements), self.subject.column
        return f"NOT EXISTS (SELECT 1 FROM {table} pv_n WHERE pv_n.{column} = {target}{fence})", []  # noqa: S608

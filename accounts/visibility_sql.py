"""The access policy's visibility tests as small hand-written SQL expressions.

Each is the same test `accounts.policy` describes (an active involvement of one of the user's
agencies, or a granted child), written as one correlated EXISTS whose outer column Django fills
in. Built with the ORM, the same nested EXISTS cost 6 ms of Python to compile per query, which was
most of the child profile's time (benchmarks/README.md); this costs a few microseconds.
"""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Expression, F


def _table(model_name: str) -> str:
    from django.apps import apps

    return apps.get_model("cases", model_name)._meta.db_table


class VisibleVia(Expression):
    """True where the row's `field` points at a child, context or family (`kind`) the user sees,
    given the user's case-holding agency ids and granted child ids (both literals)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field, kind: str, agencies: list[int], granted: list[int], today: date):
        super().__init__()
        self.column = F(field) if isinstance(field, str) else field
        self.kind, self.agencies, self.granted, self.today = kind, agencies, granted, today

    def __repr__(self) -> str:
        return f"VisibleVia({self.column!r}, {self.kind})"

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def _involved(self, subject: str, target: str, alias: str) -> tuple[str, list]:
        """EXISTS an active involvement of the user's agencies with the `subject` (child, context
        or family) whose id is `target`."""
        if not self.agencies:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(self.agencies))
        # Only our own table and column names are formatted in; every value is a parameter.
        sql = (
            f"EXISTS (SELECT 1 FROM {_table('Involvement')} {alias} WHERE {alias}.{subject}_id = {target}"  # noqa: S608
            f" AND {alias}.agency_id IN ({marks}) AND {alias}.started_on <= %s"
            f" AND ({alias}.ended_on IS NULL OR {alias}.ended_on >= %s))"
        )
        return sql, [*self.agencies, self.today, self.today]

    def _child(self, target: str, alias: str) -> tuple[str, list]:
        sql, params = self._involved("child", target, alias)
        if self.granted:
            sql = f"({sql} OR {target} IN ({', '.join(['%s'] * len(self.granted))}))"
            params = [*params, *self.granted]
        return sql, params

    def as_sql(self, compiler, connection):
        target, params = compiler.compile(self.column)
        if params:
            raise ValueError("VisibleVia needs a plain column")
        if self.kind == "child":
            return self._child(target, "pv_i")
        members, column = (
            (_table("ContextLink"), "context_id") if self.kind == "context" else (_table("FamilyMember"), "family_id")
        )
        involved, involved_params = self._involved(self.kind, target, "pv_i")
        child_visible, child_params = self._child("pv_m.child_id", "pv_c")
        linked = f"SELECT 1 FROM {members} pv_m WHERE pv_m.{column} = {target} AND {child_visible}"  # noqa: S608
        sql = f"({involved} OR EXISTS ({linked}))"
        return sql, [*involved_params, *child_params]

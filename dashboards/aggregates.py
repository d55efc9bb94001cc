"""Pre-computed figures: the partnership-wide tables of a scope are computed once and kept (the
Aggregate table) until the next refresh, which runs after each published cohort run, after each
applied feed import and nightly (dashboards.tasks). Each table carries the time it was computed."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from dashboards import figures, forms, queries
from dashboards.filters import Scope
from dashboards.models import Aggregate
from dashboards.tables import Table

KINDS: dict[str, Callable[[Scope], list[Table]]] = {
    "dashboard": figures.dashboard,
    "offenders": queries.offenders_profile,
}


def computed_label() -> str:
    now = timezone.localtime()
    return f"{date_format(now, 'H:i')} on {date_format(now, 'j F Y')}"


def tables(kind: str, scope: Scope) -> list[Table]:
    """The kept tables of `kind` for `scope`, computed now if none are kept."""
    return kept(f"{kind}|{scope.key()}", lambda: compute(kind, scope))


def kept(key: str, computing: Callable[[], list[Table]]) -> list[Table]:
    """The tables kept under `key`, or those `computing` makes now (then kept, stamped)."""
    found = Aggregate.objects.filter(key=key).values_list("tables", flat=True).first()
    if found is not None:
        return [Table.from_json(data) for data in found]
    stamp = computed_label()
    computed = computing()
    for table in computed:
        table.computed_at = stamp
    try:
        with transaction.atomic():
            Aggregate.objects.update_or_create(
                key=key, defaults={"tables": [t.to_json() for t in computed], "computed_at": timezone.now()}
            )
    except IntegrityError:
        pass  # another request kept the same figures first
    return computed


def compute(kind: str, scope: Scope) -> list[Table]:
    return KINDS[kind](scope)


def refresh() -> int:
    """Forget every kept figure and compute the default scope's again. Returns the tables kept."""
    start, end = forms.default_period()
    Aggregate.objects.all().delete()
    return sum(len(tables(kind, Scope(start, end))) for kind in KINDS)

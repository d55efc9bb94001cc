"""Audited reads that raise: the one way a view or endpoint gets a record about a person.

`read_or_404` finds a record through the access policy, records the read and returns it; a
record the user may not see (or that does not exist: the two look the same) records the refusal
and raises Http404. The refusal's audit row survives the 404 because requests are not wrapped in
one transaction (services are atomic on their own; docs/architecture.md). Lists, searches and
exports record the ids they returned with `shown`, `searched` and `exported`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404

from access import policy
from audit import services as audit
from audit.models import AuditAction
from safeguarding.api import parse_id

M = TypeVar("M", bound=Model)


def _visible(user: Any, source: type[M] | QuerySet[M]) -> QuerySet[M]:
    if isinstance(source, QuerySet):
        return source
    visible: QuerySet[M] = source.objects.visible_to(user)  # type: ignore[attr-defined]  # each model's own
    return visible


def require_or_404(user: Any, action: str, obj: Any = None) -> None:
    """For pages and endpoints refused by role: Http404 unless the policy allows `action`, so a
    page the user may not use looks like one that does not exist (one refusal rule:
    docs/architecture.md). Nothing is audited: no record was asked for."""
    if not policy.can(user, action, obj):
        raise Http404


def get_or_404(user: Any, source: type[M] | QuerySet[M], pk: Any) -> M:
    """The record `pk` of `source` (a model, read through its `visible_to(user)`, or a queryset
    built from it) if this user may see it. Otherwise the refusal is audited and Http404 raised;
    a malformed id raises Http404 with nothing to audit."""
    object_id = parse_id(pk)
    if object_id is None:
        raise Http404
    queryset = _visible(user, source)
    obj = queryset.filter(pk=object_id).first()
    if obj is None:
        audit.record_denied(user, queryset.model, object_id)
        raise Http404
    marked: M = policy.mark_visible(user, obj)
    return marked


def read_or_404(
    user: Any, source: type[M] | QuerySet[M], pk: Any, *, basis: str = "", shown: Iterable[Any] = (), reason: str = ""
) -> M:
    """`get_or_404`, and the read recorded."""
    obj = get_or_404(user, source, pk)
    note_read(user, obj, basis=basis, shown=shown, reason=reason)
    return obj


def note_read(
    user: Any,
    obj: Model,
    *,
    basis: str = "",
    shown: Iterable[Any] = (),
    adults: Iterable[Any] = (),
    reason: str = "",
    object_type: str = "",
) -> None:
    """Record a read of a record already found through the policy. `shown` names the children the
    page also showed (so the DPO's "who has seen this child" includes them), and `adults` the adults
    (with their identifiers), in the same event.
    `object_type` records the read under another type than the record's own, for a page about the
    record rather than the record itself (the DPO's audit trail of a child: "audit.child_trail")."""
    shown_ids = list(shown)
    audit.record(
        user,
        AuditAction.READ,
        **({"object_type": object_type, "object_id": obj.pk} if object_type else {"obj": obj}),
        subjects=shown_ids,
        subject_type="cases.child" if shown_ids else "",
        other_subjects=[("cases.adult", pk) for pk in adults],
        detail={"basis": basis} if basis else None,
        reason=reason,
    )


def shown(user: Any, model: type[Model], objects: Iterable[Any], *, what: str, adults: Iterable[Any] = ()) -> None:
    """Record the records a list, page or fragment showed (objects or ids), and the adults it
    showed beside them (a family's, with their identifiers)."""
    ids = [getattr(item, "pk", item) for item in objects]
    audit.record_list(user, model, ids, what=what, other_subjects=[("cases.adult", pk) for pk in adults])


class OpenPage(Sequence[Any]):
    """A page of a list whose total is not counted (counting every row a user may see is most of
    the cost of a long list): one row more than the page is read to know whether a next page
    exists. Templates show "Page n" and Previous/Next links; `counted` is False and there is no
    `paginator`. A number past the end gives an empty page (with a Previous link). A list may set
    `next_after`, a cursor after the page's last row, so its "Next" link starts there (keyset
    pagination: a later page costs what the first does) instead of at an offset."""

    counted = False
    paginator = None
    next_after = ""

    def __init__(self, rows: list[Any], number: int, per_page: int, has_next: bool) -> None:
        self.object_list = rows
        self.number = number
        self.per_page = per_page
        self._has_next = has_next

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index: Any) -> Any:
        return self.object_list[index]

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0


def page_number(number: Any, *, limit: int = 100_000) -> int:
    """A page number from the query string: 1 for anything but a positive integer (up to `limit`)."""
    try:
        value = int(number)
    except (TypeError, ValueError):
        return 1
    return value if 1 <= value <= limit else 1


def open_page(queryset: QuerySet[Any], number: Any, *, per_page: int, offset: bool = True) -> OpenPage:
    """One page of an ordered queryset without counting it (see OpenPage). `offset=False` when the
    caller has already filtered the queryset to start after a cursor: page `number` is then only
    shown, not skipped to."""
    current = page_number(number)
    start = (current - 1) * per_page if offset else 0
    rows = list(queryset[start : start + per_page + 1])
    return OpenPage(rows[:per_page], current, per_page, len(rows) > per_page)


def page_of(user: Any, queryset: QuerySet[M], number: Any, *, per_page: int, what: str) -> Page[Any]:
    """One page of a visible queryset, with the rows it showed recorded."""
    page = Paginator(queryset, per_page).get_page(number)
    shown(user, queryset.model, page.object_list, what=what)
    return page


def open_page_of(user: Any, queryset: QuerySet[M], number: Any, *, per_page: int, what: str) -> OpenPage:
    """`page_of` for lists that can be long: an OpenPage (no total counted), with the rows it showed
    recorded."""
    page = open_page(queryset, number, per_page=per_page)
    shown(user, queryset.model, page.object_list, what=what)
    return page


def searched(user: Any, model: type[Model], criteria: dict[str, Any], results: Sequence[Any]) -> None:
    audit.record_search(user, model, criteria, [getattr(item, "pk", item) for item in results])


def exported(user: Any, model: type[Model], objects: Iterable[Any], *, what: str) -> None:
    audit.record_export(user, model, [getattr(item, "pk", item) for item in objects], what=what)

"""The chronology section shared by the child, family and context pages.

A page builds a `Chronology` with `build_chronology(...)` and includes
"cases/_chronology.html" with `chronology=...`. The page's chronology endpoint (e.g.
/children/<pk>/chronology/) calls `chronology_endpoint(...)` after checking the subject is visible
and auditing the read:
- GET with htmx: the filtered section (or, with ?before=<date>,<id>, the next rows only);
  GET without htmx: a redirect to the page with the same filter parameters.
- POST: adds an event through cases.services.chronology.add_event; htmx gets the section back
  (a fresh form, or the form with its errors), a plain POST is redirected back to the page (or
  shown its errors on a page of its own). Nothing is saved when the input is bad.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from access import policy
from cases.forms.chronology import ChronologyEventForm, ChronologyFilterForm
from cases.models import Child, ChronologyEvent, Context, Family
from cases.queries import CHRONOLOGY_PAGE, ChronologyFilter
from cases.services import chronology as chronology_services
from safeguarding.forms import add_service_errors

CHANGE_ACTION = {Child: "change_child", Family: "change_family", Context: "change_context"}


@dataclass
class Chronology:
    """What "cases/_chronology.html" shows. See the comment at the top of that template."""

    events: list[ChronologyEvent]
    url: str
    filter_form: ChronologyFilterForm | None = None
    event_form: ChronologyEventForm | None = None
    older_url: str | None = None
    latest_url: str | None = None
    show_subject: bool = False
    heading: str = "Chronology"
    added: bool = False
    can_add: bool = False

    @property
    def filtered(self) -> bool:
        return bool(self.filter_form and self.filter_form.is_active)


def parse_cursor(value: str | None) -> tuple[date, int] | None:
    """`?before=2024-03-01,123`: the date and id of the last event already shown."""
    if not value:
        return None
    try:
        day, pk = value.split(",", 1)
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def _filter_query(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name) for name in ChronologyFilterForm.PARAMETERS if request.GET.getlist(name)}


def build_chronology(
    request: HttpRequest,
    events_for: Callable[[ChronologyFilter], QuerySet[ChronologyEvent]],
    *,
    url: str,
    event_form: ChronologyEventForm | None = None,
    can_add: bool = False,
    show_subject: bool = False,
    heading: str = "Chronology",
    page_size: int = CHRONOLOGY_PAGE,
) -> Chronology:
    """The latest `page_size` events (or those before ?before=), filtered by the GET parameters.
    Runs one query for the events whatever the size of the chronology.

    Pages pass `can_add` rather than a form: the add and filter forms are fetched when opened
    (?form=add, ?form=filter), because rendering them cost a third of the child profile's time
    (benchmarks/README.md). `event_form` is for showing a form with errors, or a fresh one after
    an event was added."""
    filter_form = ChronologyFilterForm(request.GET or None)
    events = events_for(filter_form.to_filter())
    cursor = parse_cursor(request.GET.get("before"))
    if cursor:
        events = events.filter(Q(occurred_on__lt=cursor[0]) | Q(occurred_on=cursor[0], pk__lt=cursor[1]))
    rows = list(events[: page_size + 1])
    older_url = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        query = {**_filter_query(request), "before": f"{last.occurred_on.isoformat()},{last.pk}"}
        older_url = f"{url}?{urlencode(query, doseq=True)}"
    latest_url = None
    if cursor:
        query = _filter_query(request)
        latest_url = f"{url}?{urlencode(query, doseq=True)}" if query else url
    return Chronology(
        events=rows,
        url=url,
        filter_form=filter_form,
        event_form=event_form,
        older_url=older_url,
        latest_url=latest_url,
        show_subject=show_subject,
        heading=heading,
        can_add=can_add or event_form is not None,
    )


def _form_response(request: HttpRequest, which: str, *, can_add: bool, url: str, page_url: str, **page) -> HttpResponse:
    """?form=add or ?form=filter: the form alone for htmx, or on a page of its own without JavaScript."""
    if which == "add":
        if not can_add:
            raise PermissionDenied
        context = {"form": ChronologyEventForm(request.user, earliest=page["earliest"]), "chronology_url": url}
        if request.htmx:
            return render(request, "cases/_chronology_form.html", context)
        return render(
            request,
            "cases/chronology_add.html",
            {**context, "page_url": page_url, "subject_name": page["subject_name"]},
        )
    context = {"filter_form": ChronologyFilterForm(), "chronology_url": url, "filtered": False}
    if request.htmx:
        return render(request, "cases/_chronology_filter_form.html", context)
    return render(
        request,
        "cases/chronology_filter.html",
        {**context, "page_url": page_url, "subject_name": page["subject_name"]},
    )


def chronology_endpoint(
    request: HttpRequest,
    subject: Child | Family | Context,
    *,
    events_for: Callable[[ChronologyFilter], QuerySet[ChronologyEvent]],
    url: str,
    page_url: str,
    subject_name: str,
    earliest: date | None = None,
    show_subject: bool = False,
) -> HttpResponse:
    """GET and POST of a chronology endpoint. The caller has already checked that the user may
    see `subject` (404 otherwise) and audited the read."""
    user = request.user
    can_add = policy.can(user, CHANGE_ACTION[type(subject)], subject)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = ChronologyEventForm(user, request.POST, earliest=earliest)
        added = False
        if form.is_valid():
            try:
                chronology_services.add_event(user, subject, **form.event_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                added = True
                if not request.htmx:
                    messages.success(request, "Event added to the chronology")
                    return redirect(f"{page_url}#chronology")
                form = ChronologyEventForm(user, earliest=earliest)
        if not request.htmx:
            return render(
                request,
                "cases/chronology_add.html",
                {"form": form, "chronology_url": url, "page_url": page_url, "subject_name": subject_name},
            )
        chronology = build_chronology(request, events_for, url=url, event_form=form, show_subject=show_subject)
        chronology.added = added
        return render(request, "cases/_chronology.html", {"chronology": chronology})

    if request.GET.get("form") in ("add", "filter"):
        return _form_response(
            request,
            request.GET["form"],
            can_add=can_add,
            url=url,
            page_url=page_url,
            earliest=earliest,
            subject_name=subject_name,
        )
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(f"{page_url}{'?' + query if query else ''}#chronology")
    chronology = build_chronology(request, events_for, url=url, can_add=can_add, show_subject=show_subject)
    if request.GET.get("before"):
        return render(request, "cases/_chronology_events.html", {"chronology": chronology})
    return render(request, "cases/_chronology.html", {"chronology": chronology})

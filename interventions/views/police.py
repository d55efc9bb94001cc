"""Police pages: persons of concern, disruption actions, graded intelligence and sharing.

Every page is for police officers of a police agency only (access.policy.is_police); everyone
else, including other roles in a police agency, gets 404 as if the page did not exist. Children,
locations and contexts linked to these records are shown only where the officer can see them.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups
from cases.models import Child, Context, ContextKind
from interventions.forms import pickers
from interventions.forms.police import DisruptionForm, IntelligenceForm, PersonEditForm, PersonForm, ShareForm
from interventions.models import DisruptionAction, IntelligenceReport, IntelligenceShare, PersonOfConcern
from interventions.services import police as services
from safeguarding.forms import add_service_errors, stale_edit_form

PER_PAGE = 25


def police_only(view):
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        lookups.require_or_404(request.user, "police_work")
        return view(request, *args, **kwargs)

    return wrapper


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _finding(form) -> None:
    """After a picker's "Find": the page shows the matches and keeps what was typed, without errors."""
    if form.is_bound and form.is_finding:
        form.hold_errors()


def _parse_id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _visible_related(user):
    """Prefetches that keep only the linked children and contexts this officer can see."""
    children = Child.objects.visible_to(user).only("pk", "given_name", "family_name", "reference")
    contexts = Context.objects.visible_to(user).only("pk", "name", "reference", "kind")
    return children, contexts


@police_only
def police_home(request: HttpRequest) -> HttpResponse:
    return render(request, "interventions/police_home.html")


# Persons of concern -----------------------------------------------------------------------------


@police_only
def person_list(request: HttpRequest) -> HttpResponse:
    people = PersonOfConcern.objects.visible_to(request.user).select_related("recorded_by")
    page = lookups.page_of(request.user, people, request.GET.get("page"), per_page=PER_PAGE, what="persons of concern")
    return render(request, "interventions/police_person_list.html", {"page": page})


@police_only
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PersonForm(_posted(request), user=user)
    if request.method == "POST" and not form.is_finding and form.is_valid():
        data = dict(form.cleaned_data)
        children, locations = data.pop("children"), data.pop("locations")
        try:
            person = services.create_person(user, data, children=children, locations=locations)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Person of concern recorded: {person.reference}")
            return redirect("interventions:police_person_detail", pk=person.pk)
    _finding(form)
    return render(request, "interventions/police_person_form.html", {"form": form})


def _person(request: HttpRequest, pk: int) -> PersonOfConcern:
    people = PersonOfConcern.objects.visible_to(request.user).select_related("recorded_by")
    return lookups.get_or_404(request.user, people, pk)


@police_only
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = _person(request, pk)
    children_qs, contexts_qs = _visible_related(user)
    children = list(children_qs.filter(pk__in=person.children.values("pk")))
    locations = list(contexts_qs.filter(pk__in=person.locations.values("pk")).order_by("name"))
    hidden_children = person.children.exclude(pk__in=children_qs.values("pk")).count()
    disruptions = list(person.disruptions.select_related("location", "child", "recorded_by"))
    visible_child_ids = {
        child.pk for child in children_qs.filter(pk__in=[d.child_id for d in disruptions if d.child_id])
    }
    visible_context_ids = {
        context.pk for context in contexts_qs.filter(pk__in=[d.location_id for d in disruptions if d.location_id])
    }
    for action in disruptions:
        action.child_visible = action.child_id in visible_child_ids
        action.location_visible = action.location_id in visible_context_ids
    reports = list(person.intelligence.all())
    lookups.note_read(user, person, shown=[child.pk for child in children])
    return render(
        request,
        "interventions/police_person_detail.html",
        {
            "person": person,
            "children": children,
            "hidden_children": hidden_children,
            "locations": locations,
            "disruptions": disruptions,
            "reports": reports,
        },
    )


@police_only
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = _person(request, pk)
    conflict = None
    if request.method == "POST":
        form = PersonEditForm(request.POST, user=user)
        if not form.is_finding and form.is_valid():
            data = dict(form.cleaned_data)
            children, locations, version = data.pop("children"), data.pop("locations"), data.pop("version")
            try:
                services.update_person(
                    user, person, data, expected_version=version, children=children, locations=locations
                )
            except services.StaleVersion as stale:
                conflict = stale.current
                form = stale_edit_form(PersonEditForm, request.POST, conflict.version, what="record", user=user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Person of concern updated")
                return redirect("interventions:police_person_detail", pk=person.pk)
    else:
        initial = {field: getattr(person, field) for field in services.PERSON_FIELDS}
        initial["children"] = list(person.children.values_list("pk", flat=True))
        initial["locations"] = list(person.locations.values_list("pk", flat=True))
        form = PersonEditForm(initial={**initial, "version": person.version}, user=user)
        lookups.note_read(user, person)
    _finding(form)
    return render(
        request, "interventions/police_person_form.html", {"form": form, "person": person, "conflict": conflict}
    )


# Disruption -------------------------------------------------------------------------------------


@police_only
def disruption_list(request: HttpRequest) -> HttpResponse:
    actions = DisruptionAction.objects.visible_to(request.user).select_related("person", "location", "child")
    page = lookups.page_of(request.user, actions, request.GET.get("page"), per_page=PER_PAGE, what="disruption actions")
    children_qs, contexts_qs = _visible_related(request.user)
    rows = list(page)
    visible_children = set(
        children_qs.filter(pk__in=[row.child_id for row in rows if row.child_id]).values_list("pk", flat=True)
    )
    visible_contexts = set(
        contexts_qs.filter(pk__in=[row.location_id for row in rows if row.location_id]).values_list("pk", flat=True)
    )
    for row in rows:
        row.child_visible = row.child_id in visible_children
        row.location_visible = row.location_id in visible_contexts
    return render(request, "interventions/police_disruption_list.html", {"page": page, "rows": rows})


@police_only
@require_http_methods(["GET", "POST"])
def disruption_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {}
    person_id, location_id = _parse_id(request.GET.get("person")), _parse_id(request.GET.get("location"))
    if person_id:
        initial["person"] = person_id
    if location_id:
        initial["location"] = location_id
    form = DisruptionForm(_posted(request), initial=initial, user=user)
    if request.method == "POST" and not form.is_finding and form.is_valid():
        try:
            action = services.record_disruption(user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{action.get_kind_display()} recorded")
            if action.person_id:
                return redirect("interventions:police_person_detail", pk=action.person_id)
            return redirect("interventions:police_disruption_list")
    _finding(form)
    return render(request, "interventions/police_disruption_form.html", {"form": form})


# Intelligence -----------------------------------------------------------------------------------


@police_only
def intelligence_list(request: HttpRequest) -> HttpResponse:
    reports = IntelligenceReport.objects.visible_to(request.user).select_related("submitted_by")
    page = lookups.page_of(request.user, reports, request.GET.get("page"), per_page=PER_PAGE, what="intelligence")
    return render(request, "interventions/police_intelligence_list.html", {"page": page})


@police_only
@require_http_methods(["GET", "POST"])
def intelligence_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {}
    for key in ("child", "person", "context"):
        value = _parse_id(request.GET.get(key))
        if value:
            initial[f"{key}ren" if key == "child" else f"{key}s"] = [value]
    form = IntelligenceForm(_posted(request), initial=initial, user=user)
    if request.method == "POST" and not form.is_finding and form.is_valid():
        data = dict(form.cleaned_data)
        links = {key: data.pop(key) for key in ("children", "persons", "contexts")}
        try:
            report = services.create_intelligence(user, data, **links)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Intelligence report recorded: {report.reference}")
            return redirect("interventions:police_intelligence_detail", pk=report.pk)
    _finding(form)
    return render(request, "interventions/police_intelligence_form.html", {"form": form})


def _report(request: HttpRequest, pk: int) -> IntelligenceReport:
    reports = (
        IntelligenceReport.objects.visible_to(request.user)
        .select_related("submitted_by")
        .prefetch_related("persons", Prefetch("shares", queryset=IntelligenceShare.objects.select_related("shared_by")))
    )
    return lookups.get_or_404(request.user, reports, pk)


@police_only
def intelligence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = _report(request, pk)
    children_qs, contexts_qs = _visible_related(user)
    children = list(children_qs.filter(pk__in=report.children.values("pk")))
    contexts = list(contexts_qs.filter(pk__in=report.contexts.values("pk")).order_by("name"))
    lookups.note_read(user, report, shown=[child.pk for child in children])
    return render(
        request,
        "interventions/police_intelligence_detail.html",
        {"report": report, "children": children, "contexts": contexts},
    )


@police_only
@require_http_methods(["GET", "POST"])
def intelligence_share(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = _report(request, pk)
    children_qs, _contexts = _visible_related(user)
    children = list(children_qs.filter(pk__in=report.children.values("pk")))
    form = ShareForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            share = services.share_intelligence(user, report, form.cleaned_data["summary"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            count = share.events.count()
            messages.success(
                request, f"Summary shared on the chronology of {count} young {'person' if count == 1 else 'people'}"
            )
            return redirect("interventions:police_intelligence_detail", pk=report.pk)
    if request.method == "GET":
        lookups.note_read(user, report, shown=[child.pk for child in children])
    return render(
        request,
        "interventions/police_intelligence_share.html",
        {"report": report, "children": children, "form": form},
    )


# Autocomplete answers ------------------------------------------------------------------------------


def _found(records, label) -> JsonResponse:
    return JsonResponse({"results": [{"id": record.pk, "label": label(record)} for record in records]})


@police_only
@require_POST
def find_children(request: HttpRequest) -> JsonResponse:
    """Up to ten young people the officer may see matching `q` (a name or a reference), for an
    autocomplete; the search is audited. Nobody the officer may not see is ever in the answer.
    POST, like every search here: names never travel in a web address."""
    return _found(pickers.find_children(request.user, request.POST.get("q", "")), pickers.child_label)


@police_only
@require_POST
def find_contexts(request: HttpRequest) -> JsonResponse:
    """Up to ten contexts the officer may see matching `q`; `?kind=location` (a location picker)
    keeps to that kind. Audited like the other answers."""
    kind = request.GET.get("kind", "")
    filters = {"kind": kind} if kind in ContextKind.values else {}
    return _found(pickers.find_contexts(request.user, request.POST.get("q", ""), **filters), pickers.context_label)


@police_only
@require_POST
def find_persons(request: HttpRequest) -> JsonResponse:
    return _found(pickers.find_persons(request.user, request.POST.get("q", "")), pickers.person_label)

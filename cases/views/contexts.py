"""Pages for contexts: the peer groups, places, schools, neighbourhoods and online spaces where harm
happens, each a case in its own right, with its linked children, referrals, assessments, plans and
chronology."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from access import lookups, policy
from cases import profile, queries, services
from cases.forms.contexts import CONTEXT_LIST_KINDS, ContextForm, ContextKindForm
from cases.models import Child, Context, ContextKind
from cases.services import contexts as context_services
from cases.views.chronology import build_chronology, chronology_endpoint
from safeguarding.forms import add_service_errors, stale_edit_form

CONTEXTS_PER_PAGE = 25


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without the named parameters (e.g. 'page'), URL-encoded."""
    return urlencode([(key, value) for key, values in request.GET.lists() if key not in names for value in values])


# The list --------------------------------------------------------------------------------------


@login_required
def context_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "see_caseload")
    kind = request.GET.get("kind", "")
    contexts = (
        queries.visible_contexts(user)
        .select_related("neighbourhood")
        .only("reference", "kind", "name", "neighbourhood__name", "status")
    )
    if kind in ContextKind.values:
        contexts = contexts.filter(kind=kind)
    else:
        kind = ""
    page = lookups.page_of(
        user,
        contexts.order_by("name", "id"),
        request.GET.get("page"),
        per_page=CONTEXTS_PER_PAGE,
        what="contexts" + (f" ({kind})" if kind else ""),
    )
    return render(
        request,
        "cases/context_list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": CONTEXT_LIST_KINDS,
            "query": query_without(request, "page"),
            "can_add": policy.can(user, "add_context"),
        },
    )


# Adding and changing ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def context_create(request: HttpRequest) -> HttpResponse:
    """Two steps on one address: choose the kind (GET ?kind=), then give the details (POST)."""
    lookups.require_or_404(request.user, "add_context")
    data = request.POST if request.method == "POST" else request.GET
    if "kind" not in data and "step" not in data:  # an unticked radio sends nothing: "step" says it was sent
        return render(request, "cases/context_kind.html", {"form": ContextKindForm()})
    kind_form = ContextKindForm({"kind": data.get("kind", "")})
    if not kind_form.is_valid():
        return render(request, "cases/context_kind.html", {"form": kind_form})
    kind = kind_form.cleaned_data["kind"]
    if request.method == "GET":
        form = ContextForm(kind=kind)
    else:
        form = ContextForm(request.POST, kind=kind)
        if form.is_valid():
            try:
                context = context_services.create_context(request.user, kind, form.changes())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{context.get_kind_display()} added")
                return redirect("cases:context_detail", pk=context.pk)
    return render(
        request, "cases/context_create.html", {"form": form, "kind": kind, "kind_label": ContextKind(kind).label}
    )


@login_required
@require_http_methods(["GET", "POST"])
def context_edit(request: HttpRequest, pk: int) -> HttpResponse:
    context = lookups.get_or_404(request.user, Context, pk)
    if not policy.can(request.user, "change_context", context):
        raise PermissionDenied
    conflict = None
    if request.method == "POST":
        form = ContextForm(request.POST, kind=context.kind, editing=True)
        if form.is_valid():
            try:
                context_services.update_context(
                    request.user, context, form.changes(), expected_version=form.cleaned_data["version"]
                )
            except services.StaleVersion as stale:
                # Keep what they typed; point the hidden version at the saved record so a second,
                # deliberate save goes through.
                conflict = stale.current
                form = stale_edit_form(
                    ContextForm, request.POST, conflict.version, what="context", kind=context.kind, editing=True
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Context updated")
                return redirect("cases:context_detail", pk=context.pk)
    else:
        lookups.note_read(request.user, context)
        fields = set(context_services.EDITABLE_CONTEXT_FIELDS)
        form = ContextForm(
            initial={**{name: getattr(context, name) for name in fields}, "version": context.version},
            kind=context.kind,
            editing=True,
        )
    return render(request, "cases/context_edit.html", {"context_obj": context, "form": form, "conflict": conflict})


# The context's page and its chronology ---------------------------------------------------------


def _chronology_urls(context: Context) -> dict:
    return {
        "url": reverse("cases:context_chronology", args=[context.pk]),
        "page_url": reverse("cases:context_detail", args=[context.pk]),
    }


def _events_for(context: Context):
    return lambda chronology_filter: queries.context_chronology(context, chronology_filter)


@login_required
def context_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    context = lookups.get_or_404(user, Context, pk)
    links = list(queries.linked_children(user, context))
    lookups.note_read(user, context)
    if links:
        lookups.shown(user, Child, sorted({link.child_id for link in links}), what=f"context {context.reference}")
    can_change = policy.can(user, "change_context", context)
    visible = queries.visible_children(user).only("given_name", "family_name", "reference")
    plans = queries.plans_of(context).prefetch_related(
        Prefetch("children", queryset=visible, to_attr="visible_children")
    )
    chronology = build_chronology(
        request,
        _events_for(context),
        url=_chronology_urls(context)["url"],
        can_add=can_change,
    )
    return render(
        request,
        "cases/context_detail.html",
        {
            "context_obj": context,
            "can_change": can_change,
            "links": links,
            "involvements": queries.involvements_of(context),
            "referrals": queries.referrals_about_context(user, context),
            "assessments": queries.assessments_of(context),
            "plans": plans,
            "chronology": chronology,
            **profile.sections(user, "context", context),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def context_chronology(request: HttpRequest, pk: int) -> HttpResponse:
    """The shared chronology endpoint (cases/views/chronology.py): GET with htmx returns the
    filtered section (without htmx, a redirect to the context's page); POST adds an event."""
    user = request.user
    context = lookups.get_or_404(user, Context, pk)
    if request.htmx:  # only then does the answer show the chronology
        lookups.note_read(user, context)
    return chronology_endpoint(
        request, context, events_for=_events_for(context), subject_name=context.name, **_chronology_urls(context)
    )

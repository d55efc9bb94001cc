"""Family pages: the whole family as far as the viewer may see it, and its changes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from access import lookups, policy
from cases import profile, queries
from cases.forms.families import AdultForm, FamilyChildForm, FamilyEditForm, FamilyFactForm, FamilyForm
from cases.models import Family
from cases.services import families as family_services
from cases.views.chronology import build_chronology, chronology_endpoint
from safeguarding.forms import add_service_errors, stale_edit_form
from safeguarding.services import StaleVersion


def _visible_family(request: HttpRequest, pk: int, *, change: bool = False) -> Family:
    """The family if the user may see it (Http404 otherwise, refusal audited); 403 when the user
    may see it but their role cannot change it."""
    family = lookups.get_or_404(request.user, Family, pk)
    if change and not policy.can(request.user, "change_family", family):
        raise PermissionDenied
    return family


def _chronology_url(family: Family) -> str:
    return reverse("cases:family_chronology", args=[family.pk])


def _events_for(request: HttpRequest, family: Family):
    return lambda chronology_filter: queries.family_chronology(request.user, family, chronology_filter)


@login_required
@require_http_methods(["GET", "POST"])
def family_create(request: HttpRequest) -> HttpResponse:
    """A new household; with ?child=<pk> that (visible) young person becomes its first member."""
    user = request.user
    lookups.require_or_404(user, "add_family")
    child = None
    child_pk = request.GET.get("child")
    if child_pk is not None:
        child = queries.child_or_404(user, child_pk)  # a malformed id is not found either
        if not policy.can(user, "change_child", child):
            raise PermissionDenied
    if request.method == "POST":
        form = FamilyForm(request.POST)
        if form.is_valid():
            try:
                family = family_services.create_family(user, form.cleaned_data, first_child=child)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Family created: {family.reference}")
                return redirect("cases:family_detail", pk=family.pk)
    else:
        if child is not None:
            lookups.note_read(user, child, basis=child.access_basis)
        form = FamilyForm(
            initial={"name": f"{child.family_name} family", "neighbourhood": child.neighbourhood_id} if child else None
        )
    return render(request, "cases/family_create.html", {"form": form, "child": child})


@login_required
def family_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole family the viewer may see: a fixed number of queries however big it is."""
    user = request.user
    family = _visible_family(request, pk)
    can_edit = policy.can(user, "change_family", family)
    members, hidden = queries.family_members(user, family)
    chronology = build_chronology(
        request,
        _events_for(request, family),
        url=_chronology_url(family),
        can_add=can_edit,
        show_subject=True,
        heading="Family chronology",
    )
    context = {
        "family": family,
        "can_edit": can_edit,
        "children": [member for member in members if member.child_id],
        "adults": [member for member in members if member.adult_id],
        "hidden": hidden,
        "facts": list(family.facts.select_related("source_agency")),
        "involvements": list(queries.involvements_of(family)),
        "chronology": chronology,
        **profile.sections(user, "family", family),
    }
    lookups.note_read(user, family, shown=[member.child_id for member in members if member.child_id])
    return render(request, "cases/family_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def family_chronology(request: HttpRequest, pk: int) -> HttpResponse:
    family = _visible_family(request, pk)
    if request.method == "GET" and request.htmx:
        lookups.note_read(request.user, family)
    return chronology_endpoint(
        request,
        family,
        events_for=_events_for(request, family),
        url=_chronology_url(family),
        page_url=reverse("cases:family_detail", args=[family.pk]),
        subject_name=family.name,
        show_subject=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    family = _visible_family(request, pk, change=True)
    conflict = None
    if request.method == "POST":
        form = FamilyEditForm(request.POST)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            try:
                family_services.update_family(user, family, changes, expected_version=changes.pop("version"))
            except StaleVersion as stale:
                conflict = stale.current
                form = stale_edit_form(FamilyEditForm, request.POST, conflict.version, what="family")
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Family updated")
                return redirect("cases:family_detail", pk=family.pk)
    else:
        lookups.note_read(user, family)
        form = FamilyEditForm(
            initial={
                "name": family.name,
                "postcode": family.postcode,
                "neighbourhood": family.neighbourhood_id,
                "version": family.version,
            }
        )
    return render(request, "cases/family_edit.html", {"family": family, "form": form, "conflict": conflict})


@login_required
@require_http_methods(["GET", "POST"])
def family_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a young person the user may see, by their partnership reference."""
    user = request.user
    family = _visible_family(request, pk, change=True)
    if request.method == "POST":
        form = FamilyChildForm(request.POST)
        if form.is_valid():
            child = queries.visible_children(user).filter(reference__iexact=form.cleaned_data["reference"]).first()
            if child is None:
                form.add_error("reference", "Enter the reference of a young person your agencies work with")
            else:
                try:
                    family_services.add_child_member(
                        user, family, child, lives_in_household=form.cleaned_data["lives_in_household"]
                    )
                except ValidationError as error:
                    add_service_errors(form, error, rename={"child": "reference"})
                else:
                    messages.success(request, f"{child.given_name} {child.family_name} added to the family")
                    return redirect(reverse("cases:family_detail", args=[family.pk]) + "#members")
    else:
        lookups.note_read(user, family)
        form = FamilyChildForm()
    return render(request, "cases/family_member_form.html", {"family": family, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def family_adult_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    family = _visible_family(request, pk, change=True)
    if request.method == "POST":
        form = AdultForm(request.POST)
        if form.is_valid():
            try:
                family_services.add_adult_member(user, family, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Adult added to the family")
                return redirect(reverse("cases:family_detail", args=[family.pk]) + "#members")
    else:
        lookups.note_read(user, family)
        form = AdultForm()
    return render(request, "cases/family_adult_form.html", {"family": family, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def family_fact_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    family = _visible_family(request, pk, change=True)
    if request.method == "POST":
        form = FamilyFactForm(request.POST)
        if form.is_valid():
            try:
                family_services.add_fact(user, family, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Family fact added")
                return redirect(reverse("cases:family_detail", args=[family.pk]) + "#facts")
    else:
        lookups.note_read(user, family)
        form = FamilyFactForm()
    return render(request, "cases/family_fact_form.html", {"family": family, "form": form})

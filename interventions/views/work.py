"""Pages for interventions (for a child, a family or a context) and family outcome plans."""

from __future__ import annotations

import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access import lookups, policy
from interventions import queries_work
from interventions.forms.work import (
    CloseInterventionForm,
    FamilyGoalForm,
    FamilyPlanForm,
    FamilyReviewForm,
    InterventionFilterForm,
    InterventionForm,
)
from interventions.models import Intervention
from interventions.services import work as services
from safeguarding.forms import add_service_errors, stale_edit_form
from safeguarding.services import StaleVersion

INTERVENTIONS_PER_PAGE = 25
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def subject_name(kind: str, subject) -> str:
    if kind == "child":
        return f"{subject.given_name} {subject.family_name}"
    return subject.name


def subject_url(kind: str, subject) -> str:
    return reverse(f"cases:{kind}_detail", args=[subject.pk])


def _subject_context(kind: str, subject) -> dict:
    return {
        "subject_kind": kind,
        "subject": subject,
        "subject_name": subject_name(kind, subject),
        "subject_url": subject_url(kind, subject),
    }


# Record an intervention ---------------------------------------------------------------------------


def _create(request: HttpRequest, kind: str, subject) -> HttpResponse:
    user = request.user
    if not policy.can(user, services.CHANGE_ACTIONS[kind], subject):
        raise PermissionDenied
    if request.method == "POST":
        form = InterventionForm(request.POST, user=user)
        if form.is_valid():
            try:
                intervention = services.create_intervention(user, **{kind: subject}, **form.changes())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Intervention recorded")
                return redirect("interventions:intervention_detail", pk=intervention.pk)
    else:
        lookups.note_read(user, subject, basis=getattr(subject, "access_basis", ""))
        form = InterventionForm(user=user, initial={"status": "active", "started_on": timezone.localdate()})
    return render(request, "interventions/intervention_create.html", {"form": form, **_subject_context(kind, subject)})


@login_required
@require_http_methods(["GET", "POST"])
def child_intervention_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create(request, "child", queries_work.subject_or_404(request.user, "child", pk))


@login_required
@require_http_methods(["GET", "POST"])
def family_intervention_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create(request, "family", queries_work.subject_or_404(request.user, "family", pk))


@login_required
@require_http_methods(["GET", "POST"])
def context_intervention_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create(request, "context", queries_work.subject_or_404(request.user, "context", pk))


# One intervention ---------------------------------------------------------------------------------


def _detail(request: HttpRequest, intervention: Intervention, *, close_form=None, status=200) -> HttpResponse:
    user = request.user
    lookups.note_read(user, intervention)
    kind, subject = services.subject_of(intervention)
    can_change = services.can_change(user, intervention)
    is_open = intervention.status in services.OPEN_STATUSES
    if close_form is None and can_change and is_open:
        close_form = CloseInterventionForm(
            initial={"version": intervention.version, "ended_on": timezone.localdate()},
            started_on=intervention.started_on,
        )
    return render(
        request,
        "interventions/intervention_detail.html",
        {
            "intervention": intervention,
            "can_change": can_change,
            "is_open": is_open,
            "form": close_form,
            **_subject_context(kind, subject),
        },
        status=status,
    )


@login_required
def intervention_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, queries_work.intervention_or_404(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def intervention_close(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = queries_work.intervention_or_404(request.user, pk)
    if not services.can_change(request.user, intervention):
        raise PermissionDenied
    if intervention.status not in services.OPEN_STATUSES:
        messages.info(request, "This intervention is already closed")
        return redirect("interventions:intervention_detail", pk=intervention.pk)
    if request.method == "GET":
        return _detail(request, intervention)
    form = CloseInterventionForm(request.POST, started_on=intervention.started_on)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.close_intervention(
                request.user,
                intervention,
                ended_on=data["ended_on"],
                outcome=data["outcome"],
                status=data["status"],
                expected_version=data.get("version"),
            )
        except StaleVersion as stale:
            intervention = queries_work.intervention_or_404(request.user, pk)
            if intervention.status not in services.OPEN_STATUSES:
                messages.info(request, "Someone else closed this intervention while you were filling in the form")
                return redirect("interventions:intervention_detail", pk=intervention.pk)
            form = stale_edit_form(
                CloseInterventionForm,
                request.POST,
                stale.current.version,
                what="intervention",
                started_on=intervention.started_on,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Intervention closed with its outcome")
            return redirect("interventions:intervention_detail", pk=intervention.pk)
    return _detail(request, intervention, close_form=form, status=200)


def _edit_initial(intervention: Intervention) -> dict:
    initial = {field: getattr(intervention, field) for field in services.EDIT_FIELDS}
    return {**initial, "version": intervention.version}


@login_required
@require_http_methods(["GET", "POST"])
def intervention_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    intervention = queries_work.intervention_or_404(user, pk)
    if not services.can_change(user, intervention):
        raise PermissionDenied
    conflict = None
    if request.method == "POST":
        form = InterventionForm(request.POST, user=user, intervention=intervention)
        if form.is_valid():
            try:
                services.update_intervention(
                    user, intervention, form.changes(), expected_version=form.cleaned_data["version"]
                )
            except StaleVersion as stale:
                conflict = queries_work.intervention_or_404(user, stale.current.pk)
                form = stale_edit_form(
                    InterventionForm,
                    request.POST,
                    stale.current.version,
                    what="intervention",
                    user=user,
                    intervention=conflict,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Intervention updated")
                return redirect("interventions:intervention_detail", pk=intervention.pk)
    else:
        lookups.note_read(user, intervention)
        form = InterventionForm(initial=_edit_initial(intervention), user=user, intervention=intervention)
    kind, subject = services.subject_of(intervention)
    return render(
        request,
        "interventions/intervention_edit.html",
        {"form": form, "intervention": intervention, "conflict": conflict, **_subject_context(kind, subject)},
    )


# The list and counts for a period -----------------------------------------------------------------


def financial_year_start(today: date) -> date:
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def _filter_data(params) -> dict:
    """Accept ?from=2025-04-01&to=2026-03-31 as well as the day/month/year inputs."""
    data = params.copy()
    for key, field in (("from", "date_from"), ("to", "date_to")):
        value = params.get(key, "")
        if ISO_DATE.fullmatch(value):
            year, month, day = value.split("-")
            data[f"{field}_day"], data[f"{field}_month"], data[f"{field}_year"] = day, month, year
    return data


@login_required
def intervention_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "see_caseload")
    today = timezone.localdate()
    form = InterventionFilterForm(_filter_data(request.GET))
    interventions = queries_work.visible_interventions(user)
    start, end = financial_year_start(today), today
    if form.is_valid():
        if form.cleaned_data["status"]:
            interventions = interventions.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["intervention_type"]:
            interventions = interventions.filter(intervention_type=form.cleaned_data["intervention_type"])
        start = form.cleaned_data["date_from"] or start
        end = form.cleaned_data["date_to"] or end
        if end < start:
            start = end
    counts = queries_work.period_counts(interventions, start, end)
    page = Paginator(interventions.order_by("-started_on", "-id"), INTERVENTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page)
    lookups.shown(user, Intervention, rows, what="interventions")
    for row in rows:
        row.subject_kind, row.subject = services.subject_of(row)
        row.subject_name = subject_name(row.subject_kind, row.subject)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "interventions/intervention_list.html",
        {"form": form, "page": page, "rows": rows, "counts": counts, "query": query.urlencode()},
    )


# Family outcome plans -----------------------------------------------------------------------------


def _require_family_change(user, family) -> None:
    if not policy.can(user, "change_family", family):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def family_plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    family = queries_work.subject_or_404(user, "family", pk)
    _require_family_change(user, family)
    if request.method == "POST":
        form = FamilyPlanForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = services.create_family_plan(
                    user,
                    family,
                    title=data["title"],
                    started_on=data["started_on"],
                    next_review_on=data["next_review_on"],
                    goals=[data["first_goal"]] if data["first_goal"] else [],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Family outcome plan made")
                return redirect("interventions:family_plan_detail", pk=plan.pk)
    else:
        lookups.note_read(user, family)
        form = FamilyPlanForm(initial={"started_on": timezone.localdate()})
    return render(request, "interventions/family_plan_create.html", {"form": form, "family": family})


@login_required
def family_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = queries_work.family_plan_or_404(user, pk)
    lookups.note_read(user, plan)
    return render(
        request,
        "interventions/family_plan_detail.html",
        {
            "plan": plan,
            "family": plan.family,
            "goals": list(plan.goals.all()),
            "reviews": list(plan.reviews.select_related("reviewed_by")),
            "can_change": policy.can(user, "change_family", plan.family),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def family_plan_goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = queries_work.family_plan_or_404(user, pk)
    _require_family_change(user, plan.family)
    form = FamilyGoalForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        lookups.note_read(user, plan)
    elif form.is_valid():
        try:
            goal = services.add_family_goal(user, plan, description=form.cleaned_data["description"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Goal added")
            return redirect(reverse("interventions:family_plan_detail", args=[plan.pk]) + f"#goal-{goal.pk}")
    return render(request, "interventions/family_plan_goal_form.html", {"form": form, "plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def family_plan_review_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = queries_work.family_plan_or_404(user, pk)
    _require_family_change(user, plan.family)
    goals = list(plan.goals.all())
    if request.method == "POST":
        form = FamilyReviewForm(request.POST, goals=goals)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_family_review(
                    user,
                    plan,
                    reviewed_on=data["reviewed_on"],
                    summary=data["summary"],
                    progress=form.progress(),
                    next_review_on=data["next_review_on"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Review recorded")
                return redirect(reverse("interventions:family_plan_detail", args=[plan.pk]) + "#reviews")
    else:
        lookups.note_read(user, plan)
        form = FamilyReviewForm(goals=goals, initial={"reviewed_on": timezone.localdate()})
    return render(request, "interventions/family_plan_review_form.html", {"form": form, "plan": plan})

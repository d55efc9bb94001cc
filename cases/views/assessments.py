"""Pages for context assessments and context plans (Tier 2): assess a place, group or school, then
plan goals -> responses -> measures, linked to the children affected."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups, policy
from cases import queries, services
from cases.forms.assessments import (
    ASSESSMENT_SECTIONS,
    AssessmentForm,
    GoalForm,
    PlanChildrenForm,
    PlanEditForm,
    PlanForm,
    ResponseForm,
    ResponseStatusForm,
)
from cases.forms.referrals import editor_agencies
from cases.models import (
    AssessmentStatus,
    Child,
    Context,
    ContextAssessment,
    ContextLink,
    ContextPlan,
    PlanGoal,
    PlanResponse,
)
from cases.services import assessments as assessment_services
from safeguarding.forms import add_service_errors, stale_edit_form


def _require_change(request: HttpRequest, context: Context) -> None:
    """Seeing a context is not enough to change it: that needs an editing role."""
    if not policy.can(request.user, "change_context", context):
        raise PermissionDenied


def linkable_children(user, context: Context):
    """Children linked to this context that this user can see: the only ones a plan may name."""
    linked = ContextLink.objects.filter(context=context, child=OuterRef("pk"))
    return queries.visible_children(user).filter(Exists(linked)).order_by("family_name", "given_name", "id")


def _audit_choices(user, children, what: str) -> None:
    """A form that offers children by name shows them: log which."""
    ids = list(children.values_list("pk", flat=True))
    if ids:
        lookups.shown(user, Child, ids, what=what)


# Assessments -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    context = lookups.get_or_404(request.user, Context, pk)
    _require_change(request, context)
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                assessment = assessment_services.start_assessment(request.user, context, **form.changes())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Assessment started and saved as a draft")
                return redirect("cases:assessment_detail", pk=assessment.pk)
    else:
        lookups.note_read(request.user, context)
        form = AssessmentForm(initial={"weighting": "not_known"})
    return render(
        request,
        "cases/assessment_form.html",
        {"form": form, "context_obj": context, "assessment": None, "sections": _sections(form)},
    )


def _sections(form) -> list:
    return [form[name] for name, _label, _hint in ASSESSMENT_SECTIONS]


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessments = ContextAssessment.objects.visible_to(request.user).select_related("context", "assessor")
    assessment = lookups.read_or_404(request.user, assessments, pk)
    sections = [(label, getattr(assessment, name)) for name, label, _hint in ASSESSMENT_SECTIONS]
    can_change = policy.can(request.user, "change_context", assessment.context)
    return render(
        request,
        "cases/assessment_detail.html",
        {
            "assessment": assessment,
            "context_obj": assessment.context,
            "sections": sections,
            "plans": assessment.plans.all(),
            "can_change": can_change,
            "can_edit": can_change and assessment.status == AssessmentStatus.DRAFT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = lookups.get_or_404(
        request.user, ContextAssessment.objects.visible_to(request.user).select_related("context"), pk
    )
    _require_change(request, assessment.context)
    if assessment.status != AssessmentStatus.DRAFT:
        messages.info(request, "This assessment is completed and can no longer be changed")
        return redirect("cases:assessment_detail", pk=assessment.pk)
    conflict = None
    if request.method == "POST":
        complete = request.POST.get("action") == "complete"
        form = AssessmentForm(request.POST, editing=True)
        if form.is_valid():
            try:
                assessment_services.update_assessment(
                    request.user,
                    assessment,
                    form.changes(),
                    expected_version=form.cleaned_data["version"],
                    complete=complete,
                )
            except services.StaleVersion as stale:
                conflict = stale.current
                form = stale_edit_form(AssessmentForm, request.POST, conflict.version, what="assessment", editing=True)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Assessment completed" if complete else "Draft saved")
                return redirect("cases:assessment_detail", pk=assessment.pk)
    else:
        lookups.note_read(request.user, assessment)
        initial = {name: getattr(assessment, name) for name in assessment_services.ASSESSMENT_FIELDS}
        form = AssessmentForm(initial={**initial, "version": assessment.version}, editing=True)
    conflict_sections = (
        [(label, getattr(conflict, name)) for name, label, _hint in ASSESSMENT_SECTIONS] if conflict else None
    )
    return render(
        request,
        "cases/assessment_form.html",
        {
            "form": form,
            "context_obj": assessment.context,
            "assessment": assessment,
            "sections": _sections(form),
            "conflict": conflict,
            "conflict_sections": conflict_sections,
        },
    )


# Plans -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    context = lookups.get_or_404(user, Context, pk)
    _require_change(request, context)
    options = {"assessments": queries.assessments_of(context), "children": linkable_children(user, context)}
    if request.method == "POST":
        form = PlanForm(request.POST, **options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = assessment_services.create_plan(
                    user,
                    context,
                    title=data["title"],
                    review_on=data["review_on"],
                    children=list(data["children"]),
                    assessment=data["assessment"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Plan made")
                return redirect("cases:plan_detail", pk=plan.pk)
    else:
        lookups.note_read(user, context)
        form = PlanForm(**options)
        _audit_choices(user, options["children"], f"plan for context {context.reference}")
    return render(request, "cases/plan_create.html", {"form": form, "context_obj": context})


def _load_plan(request: HttpRequest, pk: int) -> ContextPlan:
    plans = ContextPlan.objects.visible_to(request.user).select_related("context", "assessment", "owner")
    return lookups.get_or_404(request.user, plans, pk)


def _plan_page(request: HttpRequest, plan: ContextPlan, *, status_form=None, status_response_id=None, status=200):
    user = request.user
    lookups.note_read(user, plan)
    children = list(queries.plan_children(user, plan).order_by("family_name", "given_name", "id"))
    if children:
        lookups.shown(user, Child, children, what=f"plan {plan.pk}")
    responses = PlanResponse.objects.select_related("owner_agency", "owner")
    goals = plan.goals.prefetch_related(Prefetch("responses", queryset=responses))
    return render(
        request,
        "cases/plan_detail.html",
        {
            "plan": plan,
            "context_obj": plan.context,
            "children": children,
            "goals": goals,
            "can_change": policy.can(user, "change_context", plan.context),
            "form": status_form,
            "status_response_id": status_response_id,
            "status_choices": ResponseStatusForm.base_fields["status"].choices,
        },
        status=status,
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _load_plan(request, pk)
    return _plan_page(request, plan)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _load_plan(request, pk)
    _require_change(request, plan.context)
    conflict = None
    if request.method == "POST":
        form = PlanEditForm(request.POST, current_review_on=plan.review_on)
        if form.is_valid():
            try:
                assessment_services.update_plan(
                    request.user, plan, form.changes(), expected_version=form.cleaned_data["version"]
                )
            except services.StaleVersion as stale:
                conflict = stale.current
                form = stale_edit_form(
                    PlanEditForm, request.POST, conflict.version, what="plan", current_review_on=conflict.review_on
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Plan updated")
                return redirect("cases:plan_detail", pk=plan.pk)
    else:
        lookups.note_read(request.user, plan)
        form = PlanEditForm(
            initial={"title": plan.title, "status": plan.status, "review_on": plan.review_on, "version": plan.version},
            current_review_on=plan.review_on,
        )
    return render(request, "cases/plan_edit.html", {"form": form, "plan": plan, "conflict": conflict})


@login_required
@require_http_methods(["GET", "POST"])
def plan_children(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = _load_plan(request, pk)
    _require_change(request, plan.context)
    choices = linkable_children(user, plan.context)
    if request.method == "POST":
        form = PlanChildrenForm(request.POST, children=choices)
        if form.is_valid():
            try:
                assessment_services.set_plan_children(user, plan, list(form.cleaned_data["children"]))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Young people on the plan updated")
                return redirect("cases:plan_detail", pk=plan.pk)
    else:
        lookups.note_read(user, plan)
        form = PlanChildrenForm(initial={"children": list(queries.plan_children(user, plan))}, children=choices)
        _audit_choices(user, choices, f"plan {plan.pk} children")
    return render(request, "cases/plan_children.html", {"form": form, "plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def plan_goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _load_plan(request, pk)
    _require_change(request, plan.context)
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        lookups.note_read(request.user, plan)
    if request.method == "POST" and form.is_valid():
        try:
            goal = assessment_services.add_goal(request.user, plan, description=form.cleaned_data["description"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Goal added")
            return redirect(reverse("cases:plan_detail", args=[plan.pk]) + f"#goal-{goal.pk}")
    return render(request, "cases/plan_goal_form.html", {"form": form, "plan": plan})


def _load_goal(request: HttpRequest, pk: int) -> PlanGoal:
    """Goals have no policy of their own: they are visible when their plan is."""
    goals = PlanGoal.objects.filter(plan__in=ContextPlan.objects.visible_to(request.user))
    return lookups.get_or_404(request.user, goals.select_related("plan__context"), pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_response_create(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _load_goal(request, pk)
    plan = goal.plan
    _require_change(request, plan.context)
    if request.method == "POST":
        form = ResponseForm(request.POST)
        if form.is_valid():
            try:
                assessment_services.add_response(request.user, goal, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Response added")
                return redirect(reverse("cases:plan_detail", args=[plan.pk]) + f"#goal-{goal.pk}")
    else:
        lookups.note_read(request.user, plan)
        form = ResponseForm(default_agency=editor_agencies(request.user).first())
    return render(request, "cases/plan_response_form.html", {"form": form, "plan": plan, "goal": goal})


@login_required
@require_POST
def plan_response_status(request: HttpRequest, pk: int) -> HttpResponse:
    responses = PlanResponse.objects.filter(goal__plan__in=ContextPlan.objects.visible_to(request.user))
    response = lookups.get_or_404(
        request.user,
        responses.select_related("goal__plan__context", "goal__plan__assessment", "goal__plan__owner"),
        pk,
    )
    plan = response.goal.plan
    _require_change(request, plan.context)
    form = ResponseStatusForm(request.POST, prefix=f"response-{response.pk}")
    if not form.is_valid():
        return _plan_page(request, plan, status_form=form, status_response_id=response.pk, status=400)
    try:
        assessment_services.update_response_status(request.user, response, status=form.cleaned_data["status"])
    except ValidationError as error:
        add_service_errors(form, error)
        return _plan_page(request, plan, status_form=form, status_response_id=response.pk, status=400)
    messages.success(request, f"Status updated to ‘{response.get_status_display().lower()}’: {response.action}")
    return redirect(reverse("cases:plan_detail", args=[plan.pk]) + f"#response-{response.pk}")

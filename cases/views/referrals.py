"""Pages for referrals about a child or a context, and the decisions on them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups, policy
from cases import queries, services
from cases.forms.referrals import DecisionForm, ReferralFilterForm, ReferralForm
from cases.models import Child, Context, Referral, ReferralStatus
from cases.services import referrals as referral_services
from cases.views.contexts import query_without
from safeguarding.forms import add_service_errors, stale_edit_form

REFERRALS_PER_PAGE = 25


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "see_caseload")
    status = request.GET.get("status", "")
    referrals = Referral.objects.visible_to(user).select_related("child", "context", "referrer_agency")
    if status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    else:
        status = ""
    referrals = referrals.order_by("-received_on", "-id")
    page = lookups.page_of(user, referrals, request.GET.get("page"), per_page=REFERRALS_PER_PAGE, what="referrals")
    return render(
        request,
        "cases/referral_list.html",
        {
            "page": page,
            "filter_form": ReferralFilterForm(initial={"status": status}),
            "status": status,
            "query": query_without(request, "page"),
        },
    )


def _create(request: HttpRequest, subject: Child | Context, *, action: str) -> HttpResponse:
    if not policy.can(request.user, action, subject):
        raise PermissionDenied
    if request.method == "POST":
        form = ReferralForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                referral = referral_services.create_referral(request.user, subject, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Referral recorded")
                return redirect("cases:referral_detail", pk=referral.pk)
    else:
        lookups.note_read(request.user, subject, basis=getattr(subject, "access_basis", ""))
        form = ReferralForm(user=request.user)
    is_child = isinstance(subject, Child)
    return render(
        request,
        "cases/referral_create.html",
        {
            "form": form,
            "subject": subject,
            "subject_name": f"{subject.given_name} {subject.family_name}" if is_child else subject.name,
            "subject_url": subject_url(subject),
            "is_child": is_child,
        },
    )


def subject_url(subject: Child | Context) -> str:
    if isinstance(subject, Child):
        return reverse("cases:child_detail", args=[subject.pk])
    return reverse("cases:context_detail", args=[subject.pk])


@login_required
@require_http_methods(["GET", "POST"])
def child_referral_create(request: HttpRequest, pk: int) -> HttpResponse:
    child = queries.child_or_404(request.user, pk)
    return _create(request, child, action="change_child")


@login_required
@require_http_methods(["GET", "POST"])
def context_referral_create(request: HttpRequest, pk: int) -> HttpResponse:
    context = lookups.get_or_404(request.user, Context, pk)
    return _create(request, context, action="change_context")


def _load(request: HttpRequest, pk: int) -> Referral:
    referrals = Referral.objects.visible_to(request.user).select_related(
        "child", "context", "referrer_agency", "referred_by"
    )
    return lookups.get_or_404(request.user, referrals, pk)


def _detail(request: HttpRequest, referral: Referral, *, form=None, conflict=None, status: int = 200) -> HttpResponse:
    user = request.user
    lookups.note_read(user, referral)
    subject = referral.child or referral.context
    # A referral is visible to the person who made it even after their agency stops working with its
    # subject: link to the subject only when they can still open it.
    subject_action = "view_child" if referral.child_id else "view_context"
    can_decide = policy.can(user, "decide_referral", referral)
    if can_decide and form is None:
        form = DecisionForm(initial={"version": referral.version})
    return render(
        request,
        "cases/referral_detail.html",
        {
            "referral": referral,
            "subject": subject,
            "subject_name": (f"{subject.given_name} {subject.family_name}" if referral.child_id else subject.name),
            "subject_url": subject_url(subject) if policy.can(user, subject_action, subject) else None,
            "decisions": referral.decisions.select_related("decided_by"),
            "can_decide": can_decide,
            "form": form,
            "conflict": conflict,
        },
        status=status,
    )


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _load(request, pk)
    return _detail(request, referral)


@login_required
@require_POST
def referral_decide(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _load(request, pk)
    if not policy.can(request.user, "decide_referral", referral):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, referral, form=form, status=400)
    try:
        referral_services.decide_referral(
            request.user,
            referral,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            outcome=form.cleaned_data["outcome"],
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleVersion as stale:
        form = stale_edit_form(
            DecisionForm,
            request.POST,
            stale.current.version,
            what="referral",
            message="Someone else recorded a decision on this referral while you were writing yours. Yours has "
            "not been saved. Check the decision trail below, then save again.",
        )
        try:
            current = _load(request, pk)
        except Http404:  # no longer visible (the refusal is audited): show what they decided on
            current = referral
        return _detail(request, current, form=form, conflict=stale.current, status=409)
    except ValidationError as error:
        add_service_errors(form, error)
        return _detail(request, referral, form=form, status=400)
    messages.success(request, "Decision recorded")
    return redirect("cases:referral_detail", pk=referral.pk)

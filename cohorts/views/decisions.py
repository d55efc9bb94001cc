"""Cohort pages for people: the cohort home, a child's cohort record (tier, suggestion, history),
nominations, panel decisions, fairness, the published model and the suggestions switch.

Per-child cohort data is shown only for children the user can see; fairness figures are
partnership-wide aggregates without names."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from access import lookups, policy
from cases import queries
from cases.models import Child
from cases.services import children as child_services
from cases.visibility import child_visible
from cohorts.forms.decisions import DecisionForm, NominationForm, SwitchForm, TakeOnForm, WithdrawNominationForm
from cohorts.models import (
    ChildTier,
    CohortRun,
    CohortSettings,
    CurrentSuggestion,
    IndicatorDefinition,
    Nomination,
    NominationStatus,
    ScoringModel,
    Tier,
    TierDecision,
)
from cohorts.services import decisions as services
from cohorts.services import fairness as fairness_service
from safeguarding.forms import add_service_errors

PER_PAGE = 25
COUNT_CAP = 500  # summary counts of suggestions a user may see stop here ("1,000+")
VIEWS = {
    "tiers": "Decided tiers",
    "suggestions": "Suggestions",
    "nominations": "Nominations waiting for the panel",
}
MODEL_PURPOSE = (
    "The model helps the partnership notice young people who may need help, by adding up what agencies "
    "already know about them, their family and the places and groups they are linked to. It is advisory: "
    "a suggestion is never a decision. Only a panel decision, recorded with who decided, when and why, "
    "puts a young person in a tier or takes them out of one."
)


def _tier_counts(queryset, field: str = "tier") -> list[tuple[str, str, int]]:
    counts = dict(queryset.order_by().values_list(field).annotate(total=Count("pk")))
    return [(tier.value, tier.label, counts.get(tier.value, 0)) for tier in Tier]


def _capped_tier_counts(queryset, cap: int | None = None) -> list[tuple[str, str, int | str]]:
    """Per tier, how many rows of `queryset` there are, counting no further than `cap` ("500+"
    beyond): one query, each tier's count stopping at cap + 1 rows. Counting every suggestion a
    caseworker may see (about 28,000 in the benchmark city) cost 50-80 ms a page; stopping at
    1,000 a tier 15-18 ms, at 500 about 8 ms."""
    cap = cap or COUNT_CAP
    parts, params = [], []
    for tier in Tier.values:
        sql, tier_params = queryset.filter(tier=tier).order_by().values("tier")[: cap + 1].query.sql_with_params()
        parts.append(f"SELECT %s, COUNT(*) FROM ({sql}) capped")  # noqa: S608 -- the ORM's own SQL
        params += [tier, *tier_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        counts = dict(cursor.fetchall())
    return [
        (tier.value, tier.label, f"{cap:,}+" if counts.get(tier.value, 0) > cap else counts.get(tier.value, 0))
        for tier in Tier
    ]


def _cursor(value: str | None) -> tuple[int, int] | None:
    """A suggestions list cursor, "score.child_id", or None when absent or malformed."""
    score, _dot, child_id = (value or "").partition(".")
    if not (score.isdigit() and child_id.isdigit()):
        return None
    return int(score), int(child_id)


def _partnership_counts() -> list[tuple[str, str, int]]:
    counts = CohortRun.objects.current_counts()
    return [(tier.value, tier.label, counts.get(tier.value, 0)) for tier in Tier]


# The cohort home ---------------------------------------------------------------------------------


@login_required
def cohort_home(request: HttpRequest) -> HttpResponse:
    """The cohort of the children this user can see: decided tiers, suggestions and open
    nominations, one paginated table at a time, filtered by tier. A fixed number of queries."""
    user = request.user
    lookups.require_or_404(user, "view_cohort")
    show = request.GET.get("show") if request.GET.get("show") in VIEWS else "tiers"
    tier = request.GET.get("tier") if request.GET.get("tier") in Tier.values else ""
    suggestions_on = CohortSettings.load().suggestions_enabled
    tiers = ChildTier.objects.filter(child_visible(user, "child"))
    # The stored current suggestions (kept by each run's publication), never recomputed here.
    suggestions = CurrentSuggestion.objects.visible_to(user).in_tiers()
    nominations = Nomination.objects.filter(child_visible(user, "child"), status=NominationStatus.OPEN)
    # Roles allowed aggregates (view_fairness) see the partnership's suggested counts, kept by the
    # published run; everyone else a count of the suggestions they may see, up to COUNT_CAP a tier.
    aggregates = policy.can(user, "view_fairness")
    summary = {
        "tiers": _tier_counts(tiers),
        "suggestions": _partnership_counts() if aggregates else _capped_tier_counts(suggestions),
        "nominations": _tier_counts(nominations),
    }
    rows = {
        "tiers": tiers.select_related("child", "decision__decided_by").order_by("tier", "-since", "pk"),
        "suggestions": suggestions.select_related("child", "child__cohort_tier").order_by("-score", "child_id"),
        "nominations": nominations.select_related("child", "nominated_by", "agency").order_by("created_at", "pk"),
    }[show]
    if tier:
        rows = rows.filter(tier=tier)
    page: Page | lookups.OpenPage
    if show == "suggestions":
        # Up to every child of the city: no total counted, "Next" while there are more, and "Next"
        # starts after the page's last row (score, child) rather than at an offset.
        after = _cursor(request.GET.get("after"))
        if after is not None:
            # score <= s first, so PostgreSQL starts its walk of the (score desc, child) index there.
            rows = rows.filter(Q(score__lte=after[0]), Q(score__lt=after[0]) | Q(child_id__gt=after[1]))
        page = lookups.open_page(rows, request.GET.get("page"), per_page=PER_PAGE, offset=after is None)
        if page.has_next():
            page.next_after = f"{page[-1].score}.{page[-1].child_id}"
    else:
        page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    lookups.shown(user, Child, [row.child_id for row in page], what=f"cohort {show}")
    query = urlencode({key: value for key, value in (("show", show), ("tier", tier)) if value})
    return render(
        request,
        "cohorts/decisions/cohort_home.html",
        {
            "show": show,
            "views": VIEWS,
            "tier": tier,
            "tiers": Tier.choices,
            "summary_rows": list(zip(summary["tiers"], summary["suggestions"], summary["nominations"], strict=True)),
            "suggested_partnership": aggregates,
            "show_label": VIEWS[show],
            "page": page,
            "query": query,
            "suggestions_on": suggestions_on,
            "can_see_fairness": policy.can(user, "view_fairness"),
            "can_switch": policy.can(user, "switch_suggestions"),
            "can_manage_feeds": policy.can(user, "manage_feeds"),
            "can_run": policy.can(user, "run_cohort"),
        },
    )


# A child's cohort record -------------------------------------------------------------------------


def _cohort_child(request: HttpRequest, pk: int) -> Child:
    """A child the user may see, for the cohort roles: 404 otherwise."""
    lookups.require_or_404(request.user, "view_cohort")
    return queries.child_or_404(request.user, pk)


@login_required
def child_cohort(request: HttpRequest, pk: int) -> HttpResponse:
    """A child's cohort record. Those who decide on the cohort's unallocated young people also see
    here a young person no agency works with yet, for the cohort's purpose only: the suggestion,
    why, the fields they were matched on, and a way to take them on."""
    user = request.user
    lookups.require_or_404(user, "view_cohort")
    child = queries.cohort_child_or_404(user, pk)
    lookups.note_read(user, child, basis=child.access_basis)
    current = ChildTier.objects.filter(child=child).select_related("decision__decided_by").first()
    suggestion = services.current_suggestion(child)
    history = TierDecision.objects.filter(child=child).select_related("decided_by", "panel_meeting__panel")
    nominations = Nomination.objects.filter(child=child).select_related("nominated_by", "agency", "withdrawn_by")
    nominations = list(nominations)
    open_nomination = next((n for n in nominations if n.status == NominationStatus.OPEN), None)
    if open_nomination is not None:
        open_nomination.child = child  # the child was read through the policy in this request
    return render(
        request,
        "cohorts/decisions/child_cohort.html",
        {
            "child": child,
            "current": current,
            "suggestion": suggestion,
            "history": list(history),
            "nominations": nominations,
            "has_open_nomination": open_nomination is not None,
            "can_withdraw": open_nomination is not None and services.can_withdraw(user, open_nomination),
            "can_nominate": policy.can(user, "nominate", child),
            "can_decide": policy.can(user, "decide_tier", child),
            "can_take_on": policy.can(user, "take_on_child", child),
            "suggestions_on": CohortSettings.load().suggestions_enabled,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def take_on(request: HttpRequest, pk: int) -> HttpResponse:
    """Start working with a young person no agency works with yet, on behalf of the user's agency,
    with a reason (audited). Only then do the agency's caseworkers see them."""
    user = request.user
    lookups.require_or_404(user, "view_cohort")
    child = queries.cohort_child_or_404(user, pk)
    if not policy.can(user, "take_on_child", child):
        raise PermissionDenied
    if request.method == "POST":
        form = TakeOnForm(request.POST)
        if form.is_valid():
            try:
                involvement = child_services.take_on(user, child, form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{involvement.agency.name} now works with this young person.")
                return redirect("cases:child_detail", pk=child.pk)
    else:
        lookups.note_read(user, child, basis=child.access_basis)
        form = TakeOnForm()
    return render(request, "cohorts/decisions/take_on.html", {"child": child, "form": form})


def _after_write(user, child: Child):
    if policy.can(user, "view_cohort"):
        return redirect("cohorts:child_cohort", pk=child.pk)
    return redirect("cases:child_detail", pk=child.pk)


@login_required
@require_http_methods(["GET", "POST"])
def nominate(request: HttpRequest, pk: int) -> HttpResponse:
    """A practitioner nominates a young person they can see for a tier (the emerging cohort)."""
    user = request.user
    child = queries.child_or_404(user, pk)
    if not policy.can(user, "nominate", child):
        raise PermissionDenied
    existing = services.open_nomination(child)
    if existing is not None:
        existing.child = child
    if request.method == "POST":
        form = NominationForm(request.POST)
        if form.is_valid():
            try:
                services.nominate(user, child, form.cleaned_data["tier"], form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Nomination recorded. The panel will decide the tier.")
                return _after_write(user, child)
    else:
        lookups.note_read(user, child, basis=child.access_basis)
        form = NominationForm()
    return render(
        request,
        "cohorts/decisions/nominate.html",
        {
            "child": child,
            "form": form,
            "existing": existing,
            "can_withdraw": existing is not None and services.can_withdraw(user, existing),
            "can_view_cohort": policy.can(user, "view_cohort"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw_nomination(request: HttpRequest, pk: int) -> HttpResponse:
    """The nominator, or someone who may decide the young person's tier, withdraws an open
    nomination, saying why. It stays in the history; the tier does not change."""
    user = request.user
    nomination = get_object_or_404(Nomination.objects.select_related("nominated_by", "agency", "withdrawn_by"), pk=pk)
    child = queries.child_or_404(user, nomination.child_id)  # the nomination is seen through its child
    nomination.child = child
    if not policy.can(user, "withdraw_nomination", nomination):
        raise PermissionDenied
    if request.method == "POST":
        form = WithdrawNominationForm(request.POST)
        if form.is_valid():
            try:
                services.withdraw_nomination(user, nomination, form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
                nomination.refresh_from_db(fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
            else:
                messages.success(request, "Nomination withdrawn. It stays in the young person's cohort history.")
                return _after_write(user, child)
    else:
        lookups.note_read(user, child, basis=child.access_basis)
        form = WithdrawNominationForm()
    return render(
        request,
        "cohorts/decisions/withdraw_nomination.html",
        {
            "child": child,
            "nomination": nomination,
            "form": form,
            "is_open": nomination.status == NominationStatus.OPEN,
            "can_view_cohort": policy.can(user, "view_cohort"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a panel's decision: confirm, change or reject the proposed tier."""
    user = request.user
    child = _cohort_child(request, pk)
    if not policy.can(user, "decide_tier", child):
        raise PermissionDenied
    suggestion, nomination = services.proposal(child)
    proposal_ids = {
        "suggestion": suggestion.pk if suggestion else None,
        "nomination": nomination.pk if nomination else None,
    }
    if request.method == "POST":
        form = DecisionForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            if any(data.get(key) != value for key, value in proposal_ids.items()):
                form.add_error(
                    None,
                    "What is proposed for this young person changed while you were on this page. "
                    "Check the proposal below, then record the decision again",
                )
                form.data = form.data.copy()
                form.data.update({key: value or "" for key, value in proposal_ids.items()})
            else:
                try:
                    services.record_decision(
                        user,
                        child,
                        outcome=data["outcome"],
                        tier=data.get("tier") or "",
                        reason=data["reason"],
                        suggestion=suggestion,
                        nomination=nomination,
                        panel_meeting=data.get("panel_meeting"),
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, "Panel decision recorded")
                    return redirect("cohorts:child_cohort", pk=child.pk)
    else:
        lookups.note_read(user, child, basis=child.access_basis)
        form = DecisionForm(user=user, initial=proposal_ids)
    current = ChildTier.objects.filter(child=child).first()
    return render(
        request,
        "cohorts/decisions/decide.html",
        {
            "child": child,
            "form": form,
            "suggestion": suggestion,
            "nomination": nomination,
            "proposed": services.proposed_tier(suggestion, nomination),
            "current": current,
        },
    )


# Fairness, the model and the switch -------------------------------------------------------------


@login_required
def fairness(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "view_fairness")
    report = fairness_service.fairness_report()
    # Aggregates only: recorded as a list view with no subjects.
    lookups.shown(user, Child, [], what="cohort fairness")
    return render(
        request,
        "cohorts/decisions/fairness.html",
        {
            "report": report,
            "min_group": fairness_service.MIN_GROUP,
            "min_expected": fairness_service.MIN_EXPECTED,
            "suggestions_on": CohortSettings.load().suggestions_enabled,
        },
    )


@login_required
def model_description(request: HttpRequest) -> HttpResponse:
    """The published description of the model, for any member of staff."""
    scoring_model = ScoringModel.objects.order_by("-version").first()
    indicators = IndicatorDefinition.objects.filter(is_active=True).order_by("domain", "code", "level")
    return render(
        request,
        "cohorts/decisions/model.html",
        {
            "purpose": MODEL_PURPOSE,
            "scoring_model": scoring_model,
            "indicators": list(indicators),
            "settings": CohortSettings.load(),
            "can_switch": policy.can(request.user, "switch_suggestions"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def switch(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "switch_suggestions")
    settings_row = CohortSettings.load()
    if request.method == "POST":
        form = SwitchForm(request.POST)
        if form.is_valid():
            enabled = form.cleaned_data["switch_to"] == "on"
            try:
                services.set_suggestions_enabled(user, enabled, form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    "Automatic suggestions are on again. The next recalculation publishes suggestions."
                    if enabled
                    else "Automatic suggestions are off. Nominations, panel decisions and tiers are kept.",
                )
                return redirect(reverse("cohorts:settings"))
    else:
        form = SwitchForm(initial={"switch_to": "off" if settings_row.suggestions_enabled else "on"})
    return render(request, "cohorts/decisions/settings.html", {"form": form, "settings": settings_row})

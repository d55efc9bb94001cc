"""Pages for recalculation runs and the "why is this child suggested?" explanation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from access import lookups, policy
from cases import queries as case_queries
from cohorts.forms.runs import RunRequestForm
from cohorts.models import CohortRun, CohortSettings, RunKind, RunStatus, RunTrigger, Suggestion, Tier
from cohorts.services import runs as run_services
from cohorts.services import scoring
from jobs import outbox

RUNS_SHOWN = 50
TIER_ORDER = [Tier.MOST_VULNERABLE, Tier.VULNERABLE, Tier.CAUSE_FOR_CONCERN]


def _require(user, action: str) -> None:
    """The cohort roles only (404 for anyone else, as for every cohort page); 403 for a cohort role
    that may not do `action`."""
    lookups.require_or_404(user, "view_cohort")
    if not policy.can(user, action):
        raise PermissionDenied


def tier_counts(run: CohortRun) -> list[tuple[str, int]]:
    return [(label, run.counts.get(value, 0)) for value, label in Tier.choices]


def _run_list(request: HttpRequest, form: RunRequestForm | None, status: int = 200) -> HttpResponse:
    user = request.user
    can_run = policy.can(user, "run_cohort")
    if can_run and form is None:
        form = RunRequestForm(initial={"as_of": timezone.localdate()})
    runs = list(CohortRun.objects.select_related("scoring_model", "requested_by")[:RUNS_SHOWN])
    for run in runs:
        run.tier_counts = tier_counts(run)
    return render(
        request,
        "cohorts/runs/run_list.html",
        {
            "runs": runs,
            "form": form if can_run else None,
            "current": CohortRun.objects.current_full(),
            "suggestions_on": CohortSettings.load().suggestions_enabled,
        },
        status=status,
    )


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "view_cohort")
    return _run_list(request, None)


@login_required
@require_POST
def run_request(request: HttpRequest) -> HttpResponse:
    _require(request.user, "run_cohort")
    form = RunRequestForm(request.POST)
    if not form.is_valid():
        return _run_list(request, form, status=400)
    with transaction.atomic():
        run = run_services.request_run(
            kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=form.cleaned_data["as_of"], requested_by=request.user
        )
    messages.success(request, "Recalculation requested")
    return redirect("cohorts:run_detail", pk=run.pk)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "view_cohort")
    run = get_object_or_404(CohortRun.objects.select_related("scoring_model", "requested_by", "base_run"), pk=pk)
    in_progress = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    return render(
        request,
        "cohorts/runs/run_detail.html",
        {
            "run": run,
            "tier_counts": tier_counts(run),
            "in_progress": in_progress,
            "paused_since": outbox.paused_since() if in_progress else None,
            "is_current": run.pk in CohortRun.objects.current_chain(),
        },
    )


@login_required
def suggestion_why(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "view_cohort")
    child = case_queries.cohort_child_or_404(user, pk)
    lookups.note_read(user, child, basis=child.access_basis, reason="Why is this child suggested")
    enabled = CohortSettings.load().suggestions_enabled
    suggestion = None
    indicators, contexts = [], []
    if enabled:
        suggestion = Suggestion.objects.current_for(child).select_related("run", "run__scoring_model").first()
    if suggestion is not None:
        entries = scoring.evidence_for(suggestion, user, case_notes=child.access_basis != "cohort")
        indicators = [entry for entry in entries if "code" in entry]
        contexts = [entry for entry in entries if "context_id" in entry]
        ids = [entry["context_id"] for entry in contexts]
        names = dict(case_queries.visible_contexts(user).filter(pk__in=ids).values_list("pk", "name"))
        for entry in contexts:
            entry["name"] = names.get(entry["context_id"])
    return render(
        request,
        "cohorts/runs/why.html",
        {
            "child": child,
            "suggestion": suggestion,
            "suggestions_on": enabled,
            "individual": [entry for entry in indicators if entry["level"] == "individual"],
            "family": [entry for entry in indicators if entry["level"] == "family"],
            "contexts": contexts,
        },
    )

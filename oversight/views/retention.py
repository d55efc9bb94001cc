"""Retention: the periods each type of record is kept for, and the DPO's review of the records past
theirs (hold with a reason, or dispose of in bulk). The queue shows references and dates, never
case content."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from access import lookups, policy
from oversight import retention, services
from oversight.forms import REVIEW_ACTIONS, DisposalReviewForm, RetentionRuleForm
from oversight.models import DisposalCandidate, DisposalStatus, RecordType, RetentionBasis, RetentionRule
from oversight.views.trails import allowed_to
from safeguarding.forms import add_service_errors, stale_edit_form
from safeguarding.services import StaleVersion

# Records of one type shown at once in the review; the rest wait for the next page load.
SHOWN_PER_TYPE = 200
WAITING = [DisposalStatus.DUE, DisposalStatus.BLOCKED, DisposalStatus.HELD]


@allowed_to("manage_retention")
def rules(request: HttpRequest) -> HttpResponse:
    waiting = {
        row["record_type"]: row["count"]
        for row in DisposalCandidate.objects.filter(status__in=WAITING)
        .values("record_type")
        .order_by()
        .annotate(count=Count("pk"))
    }
    found = [(rule, waiting.get(rule.record_type, 0)) for rule in RetentionRule.objects.select_related("updated_by")]
    can_review = policy.can(request.user, "review_disposal")
    return render(request, "oversight/retention_rules.html", {"rules": found, "can_review": can_review})


def _bases(rule: RetentionRule) -> list[tuple[str, str]]:
    return [(basis, RetentionBasis(basis).label) for basis in retention.bases_for(rule.record_type)]


@allowed_to("manage_retention")
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RetentionRule, pk=pk)
    initial = {"years": rule.years, "basis": rule.basis, "authority": rule.authority, "version": rule.version}
    form = RetentionRuleForm(request.POST or None, initial=initial, bases=_bases(rule))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_rule(
                request.user,
                rule,
                years=data["years"],
                basis=data["basis"],
                authority=data["authority"],
                expected_version=data["version"],
            )
        except StaleVersion as stale:
            form = stale_edit_form(
                RetentionRuleForm, request.POST, stale.current.version, what="retention rule", bases=_bases(rule)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Retention for {rule.get_record_type_display().lower()} saved")
            return redirect("oversight:retention_rules")
    status = 400 if form.is_bound else 200
    return render(request, "oversight/retention_rule_edit.html", {"rule": rule, "form": form}, status=status)


def _groups(request: HttpRequest) -> tuple[list[dict], list[int]]:
    """The records waiting for review, by type (each type read once), and their ids."""
    groups, ids = [], []
    for record_type in RecordType:
        rows = list(
            DisposalCandidate.objects.filter(record_type=record_type, status__in=WAITING)
            .select_related("rule")
            .order_by("status", "kept_from", "pk")[: SHOWN_PER_TYPE + 1]
        )
        if not rows:
            continue
        shown = rows[:SHOWN_PER_TYPE]
        kind = retention.KINDS[record_type]
        lookups.shown(request.user, kind.model, [row.object_id for row in shown], what="disposal review")
        groups.append(
            {"label": record_type.label, "key": record_type.value, "rows": shown, "more": len(rows) > SHOWN_PER_TYPE}
        )
        ids += [row.pk for row in shown]
    return groups, ids


@allowed_to("review_disposal")
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        waiting = list(DisposalCandidate.objects.filter(status__in=WAITING).values_list("pk", flat=True))
        form = DisposalReviewForm(request.POST, candidate_ids=waiting)
        if form.is_valid():
            data = form.cleaned_data
            chosen, action = data["selected"], data["action"]
            if action == "dispose":
                counts = services.dispose(request.user, chosen)
                messages.success(request, _disposal_message(counts))
            elif action == "hold":
                held = services.hold(request.user, chosen, reason=data["reason"])
                messages.success(request, f"{held} record{'s' if held != 1 else ''} held")
            else:
                ended = services.release_hold(request.user, chosen)
                messages.success(request, f"Hold ended on {ended} record{'s' if ended != 1 else ''}")
            return redirect("oversight:disposal_review")
    else:
        form = None
    groups, ids = _groups(request)
    form = form or DisposalReviewForm(candidate_ids=ids)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "oversight/disposal_review.html",
        {"groups": groups, "form": form, "actions": REVIEW_ACTIONS},
        status=status,
    )


def _disposal_message(counts: dict[str, int]) -> str:
    parts = [f"{counts['disposed']} record{'s' if counts['disposed'] != 1 else ''} disposed of"]
    if counts["blocked"]:
        parts.append(f"{counts['blocked']} could not be, because other records still refer to them")
    if counts["not_due"]:
        parts.append(f"{counts['not_due']} no longer due, taken off the review")
    return "; ".join(parts)

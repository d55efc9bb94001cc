"""The data protection officer's audit pages. They show who did what, never the case content itself."""

from contextlib import suppress
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups
from access import services as access_services
from access.models import BreakGlassGrant
from accounts.models import User
from audit.models import AuditAction
from cases.models import Child
from oversight import queries
from oversight.forms import BreakGlassReviewForm, ChildTrailForm, TrailPeriodForm, UserTrailForm
from oversight.models import DisposalCandidate, DisposalStatus
from safeguarding.exports import csv_response, safe_cell


def allowed_to(rule: str):
    """Signed in, and allowed `rule`; anyone else gets 404 (one refusal rule)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            lookups.require_or_404(request.user, rule)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


dpo_only = allowed_to("view_audit")


@dpo_only
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    child_form = ChildTrailForm(request.POST if "reference" in request.POST else None)
    user_form = UserTrailForm(request.POST if "username" in request.POST else None)
    if request.method == "POST":
        if child_form.is_bound and child_form.is_valid():
            child = Child.objects.filter(reference__iexact=child_form.cleaned_data["reference"].strip()).first()
            if child:
                return redirect("oversight:child_trail", pk=child.pk)
            child_form.add_error("reference", "No child has that reference")
        if user_form.is_bound and user_form.is_valid():
            found = User.objects.filter(username__iexact=user_form.cleaned_data["username"].strip()).first()
            if found:
                return redirect("oversight:user_trail", pk=found.pk)
            user_form.add_error("username", "No user has that username")
    unreviewed = BreakGlassGrant.objects.filter(reviewed_at__isnull=True).count()
    due = DisposalCandidate.objects.filter(status=DisposalStatus.DUE).count()
    context = {"child_form": child_form, "user_form": user_form, "unreviewed": unreviewed, "due_for_disposal": due}
    return render(request, "oversight/index.html", context)


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, 50).get_page(request.GET.get("page"))


def _events_page(request: HttpRequest, queryset):
    """A page of audit events, with the last day of each access grant given as a date."""
    page = _page(request, queryset)
    for event in page:
        until = event.detail.get("ends_on") if isinstance(event.detail, dict) else None
        if event.action == AuditAction.GRANT and until:
            with suppress(ValueError):
                event.grant_until = date.fromisoformat(until)
    return page


def _period(request: HttpRequest) -> TrailPeriodForm:
    return TrailPeriodForm(request.GET if {"start_day", "end_day"} & set(request.GET) else None)


def _trail(request: HttpRequest, template: str, events, context: dict) -> HttpResponse:
    """The trail page, narrowed to the period asked for; a period that makes no sense shows its
    errors and no events (400)."""
    period = _period(request)
    if period.is_bound and not period.is_valid():
        return render(request, template, {**context, "period": period, "page": None}, status=400)
    data = period.cleaned_data if period.is_bound else {}
    events = queries.within(events, data.get("start"), data.get("end"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {**context, "period": period, "page": _events_page(request, events), "query": query.urlencode()},
    )


EXPORT_HEADER = [
    "when",
    "username",
    "agency",
    "role",
    "action",
    "record type",
    "record id",
    "reason",
    "request",
    "address",
]


def _trail_export(request: HttpRequest, about, filename: str, events) -> HttpResponse:
    """The trail of `about` (a child or a user) in the period asked for, as CSV, audited as an export."""
    period = _period(request)
    if period.is_bound and not period.is_valid():
        errors = "; ".join(str(error) for errors in period.errors.values() for error in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    data = period.cleaned_data if period.is_bound else {}
    lookups.exported(request.user, type(about), [about], what="audit trail")
    response, writer = csv_response(filename)
    writer.writerow(EXPORT_HEADER)
    for event in queries.within(events, data.get("start"), data.get("end")).iterator(chunk_size=2000):
        row = [
            event.at.isoformat(),
            event.username,
            event.agency.name if event.agency else "",
            event.role,
            event.get_action_display(),
            event.object_type,
            event.object_id,
            event.reason,
            event.request_id,
            event.ip_address,
        ]
        writer.writerow([safe_cell(value) for value in row])
    return response


@dpo_only
def child_trail(request: HttpRequest, pk: int) -> HttpResponse:
    # Who did what about the child, never the case content: any child, looked up by id alone.
    child = get_object_or_404(Child.objects.only("pk", "reference"), pk=pk)
    lookups.note_read(request.user, child, object_type="audit.child_trail")
    events = queries.events_about("cases.child", child.pk)
    return _trail(request, "oversight/child_trail.html", events, {"child": child})


@dpo_only
def child_trail_export(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_object_or_404(Child.objects.only("pk", "reference"), pk=pk)
    return _trail_export(request, child, f"audit-{child.reference}.csv", queries.events_about("cases.child", child.pk))


@dpo_only
def user_trail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    lookups.note_read(request.user, subject, object_type="audit.user_trail")
    events = queries.events_by(subject).prefetch_related("subjects")
    return _trail(request, "oversight/user_trail.html", events, {"subject": subject})


@dpo_only
def user_trail_export(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    return _trail_export(request, subject, f"audit-{subject.get_username()}.csv", queries.events_by(subject))


@dpo_only
def break_glass_list(request: HttpRequest) -> HttpResponse:
    grants = BreakGlassGrant.objects.select_related("user", "child", "reviewed_by").order_by(
        "reviewed_at", "-created_at"
    )
    return render(
        request, "oversight/break_glass_list.html", {"page": _page(request, grants), "form": BreakGlassReviewForm()}
    )


@dpo_only
@require_POST
def break_glass_review(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(BreakGlassGrant.objects.select_related("user", "child"), pk=pk)
    form = BreakGlassReviewForm(request.POST)
    if not form.is_valid():
        grants = BreakGlassGrant.objects.select_related("user", "child", "reviewed_by").order_by(
            "reviewed_at", "-created_at"
        )
        return render(
            request,
            "oversight/break_glass_list.html",
            {"page": _page(request, grants), "form": form, "form_grant": grant},
            status=400,
        )
    access_services.review_emergency_access(
        request.user, grant, note=form.cleaned_data["note"], revoke=form.cleaned_data["revoke"]
    )
    messages.success(request, "Review recorded")
    return redirect("oversight:break_glass_list")

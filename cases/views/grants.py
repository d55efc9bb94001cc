"""Access grants: a named user may see one young person's record until a date, for a reason.

The system administrator grants and ends them; the data protection officer sees them too. Both
hold no case content, so the pages show the young person's reference, never their name. Everyone
else gets "Page not found" (a grant is about a person). The pages live here, above the access
layer, because granting means finding a child by its reference; the writes are
`access.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import lookups, policy
from access import services as access_services
from access.models import AccessGrant
from cases.forms.grants import (
    STATUS_CHOICES,
    EndAccessForm,
    GrantAccessForm,
    GrantFilterForm,
    find_users,
    user_label,
)
from safeguarding.forms import add_service_errors

PER_PAGE = 25
GRANT_RELATED = ("user", "child", "granted_by", "ended_by")


def grants_queryset():
    return AccessGrant.objects.select_related(*GRANT_RELATED).only(
        "id",
        "reason",
        "starts_on",
        "ends_on",
        "created_at",
        "ended_at",
        "end_reason",
        "user__username",
        "user__first_name",
        "user__last_name",
        "child__reference",
        "granted_by__username",
        "ended_by__username",
    )


@login_required
@require_GET
def grant_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "view_access_grants")
    filter_form = GrantFilterForm(request.GET)
    status = filter_form.status_value()
    grants = grants_queryset().with_status(status)
    if status == "current":
        grants = grants.order_by("ends_on", "-id")
    page = Paginator(grants, PER_PAGE).get_page(request.GET.get("page"))
    lookups.shown(user, AccessGrant, page.object_list, what=f"access grants ({status})")
    return render(
        request,
        "cases/grants/list.html",
        {
            "page": page,
            "status": status,
            "status_choices": STATUS_CHOICES,
            "can_manage": policy.can(user, "manage_access_grants"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def grant_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "manage_access_grants")
    form = GrantAccessForm(request.POST if request.method == "POST" else None, searcher=user)
    if form.is_bound and form.is_finding:
        form.hold_errors()  # "Find": show the matches, keep what was typed, save nothing
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = access_services.grant_access(
                user, data["user"], data["reference"], reason=data["reason"], ends_on=data["ends_on"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{grant.user.get_username()} can now see the record of {grant.child.reference} "
                f"until the end of {date_format(grant.ends_on, 'j F Y')}",
            )
            return redirect("cases:grant_list")
    status = 400 if form.is_bound and not form.is_finding and form.errors else 200
    return render(request, "cases/grants/create.html", {"form": form}, status=status)


@login_required
@require_POST
def grant_find_users(request: HttpRequest) -> JsonResponse:
    """Up to ten active users matching `q` (a username or a name), for the grant form's
    autocomplete; the values are usernames, as the form posts them."""
    lookups.require_or_404(request.user, "manage_access_grants")
    found = find_users(request.user, request.POST.get("q", ""))
    return JsonResponse({"results": [{"id": user.username, "label": user_label(user)} for user in found]})


@login_required
@require_http_methods(["GET", "POST"])
def grant_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    lookups.require_or_404(user, "manage_access_grants")
    grant = lookups.read_or_404(user, grants_queryset(), pk)
    form = EndAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and grant.ended_at is None and form.is_valid():
        try:
            access_services.end_access_grant(user, grant, reason=form.cleaned_data["end_reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{grant.user.get_username()} can no longer see the record of {grant.child.reference}"
            )
            return redirect(f"{reverse('cases:grant_list')}?status=past")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "cases/grants/end.html", {"grant": grant, "form": form}, status=status)

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import policy
from audit import services as audit
from cases import queries, services
from cases.forms.children import BreakGlassForm, ChildForm, ChildSearchForm
from cases.models import Child
from safeguarding.http import not_found

CHILD_EXPORT_FIELDS = (
    "reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "area",
    "status",
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = user.memberships.active().select_related("agency")
    page = None
    if policy.can(user, "see_caseload"):
        paginator = Paginator(queries.visible_children(user).only(*CHILD_EXPORT_FIELDS), 25)
        page = paginator.get_page(request.GET.get("page"))
        audit.record_list(user, Child, [child.pk for child in page], what="home caseload")
    notifications = user.notifications.filter(read_at__isnull=True)[:10]
    return render(
        request,
        "cases/home.html",
        {"memberships": memberships, "page": page, "notifications": notifications},
    )


@login_required
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = queries.visible_child(request.user, pk)
    if child is None:
        return not_found(request)
    audit.record_read(request.user, child, basis=child.access_basis)
    return render(
        request,
        "cases/child_detail.html",
        {
            "child": child,
            "involvements": queries.involvements_of(child),
            "can_edit": policy.can(request.user, "change_child", child),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    child = queries.visible_child(request.user, pk)
    if child is None:
        return not_found(request)
    if not policy.can(request.user, "change_child", child):
        raise PermissionDenied
    conflict = None
    if request.method == "POST":
        form = ChildForm(request.POST)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            try:
                services.update_child(request.user, child, changes, expected_version=changes.pop("version"))
            except services.StaleVersion as stale:
                # Keep everything they typed; point the hidden version at the record now saved,
                # so a second, deliberate save goes through.
                conflict = stale.current
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = ChildForm(data)
                form.is_valid()
                form.add_error(
                    None,
                    "Someone else changed this record while you were editing it. Your changes have "
                    "not been saved. Check the current record below, then save again.",
                )
            else:
                messages.success(request, "Record updated")
                return redirect("cases:child_detail", pk=child.pk)
    else:
        audit.record_read(request.user, child, basis=child.access_basis)
        initial = {field: getattr(child, field) for field in services.EDITABLE_CHILD_FIELDS}
        form = ChildForm(initial={**initial, "version": child.version})
    return render(request, "cases/child_edit.html", {"child": child, "form": form, "conflict": conflict})


def _csv_response(filename: str) -> tuple[HttpResponse, "csv._writer"]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response, csv.writer(response)


def _safe_cell(value) -> str:
    """Stop spreadsheet programs treating a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def child_export(request: HttpRequest, pk: int) -> HttpResponse:
    child = queries.visible_child(request.user, pk)
    if child is None:
        return not_found(request)
    audit.record_export(request.user, Child, [child.pk], what="child record")
    response, writer = _csv_response(f"child-{child.reference}.csv")
    writer.writerow(["field", "value"])
    for field in CHILD_EXPORT_FIELDS:
        writer.writerow([field, _safe_cell(getattr(child, field))])
    for involvement in queries.involvements_of(child):
        writer.writerow(["involvement", _safe_cell(f"{involvement.agency} from {involvement.started_on}")])
    return response


@login_required
def children_export(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, "see_caseload"):
        return not_found(request)
    children = list(queries.visible_children(request.user).only(*CHILD_EXPORT_FIELDS))
    audit.record_export(request.user, Child, [child.pk for child in children], what="caseload")
    response, writer = _csv_response("caseload.csv")
    writer.writerow(CHILD_EXPORT_FIELDS)
    for child in children:
        writer.writerow([_safe_cell(getattr(child, field)) for field in CHILD_EXPORT_FIELDS])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def child_search(request: HttpRequest) -> HttpResponse:
    """Search terms travel in the POST body, never in the URL, so names stay out of logs."""
    if not policy.can(request.user, "see_caseload"):
        return not_found(request)
    results = None
    form = ChildSearchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        search = queries.ChildSearch(
            name=form.cleaned_data["name"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            identifier=form.cleaned_data["identifier"],
        )
        results = queries.search_children(request.user, search)
    return render(request, "cases/child_search.html", {"form": form, "results": results})


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, "break_glass"):
        return not_found(request)
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        grant = services.break_glass(request.user, **form.cleaned_data)
        if grant is not None:
            messages.warning(request, "Emergency access granted. The data protection officer has been told.")
            return redirect("cases:child_detail", pk=grant.child_id)
        form.add_error(None, "No record matches that reference and date of birth")
    return render(request, "cases/break_glass.html", {"form": form})

"""Subject access exports: the DPO prepares one young person's export, decides on each flagged item
(police may withhold; other people named), then downloads it as PDF or JSON. Every step is audited;
nobody but the DPO reaches these pages (404)."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups
from cases.models import Child
from oversight import services
from oversight.forms import ItemDecisionForm, SubjectAccessForm
from oversight.models import Decision, ExportItem, ExportStatus, SubjectAccessExport
from oversight.subject_access import as_json
from oversight.views.trails import allowed_to
from safeguarding.forms import add_service_errors


@allowed_to("subject_access")
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        child = Child.objects.filter(reference__iexact=form.cleaned_data["reference"].strip()).first()
        if child is None:
            form.add_error("reference", "No young person has that reference")
        else:
            export = services.prepare_export(request.user, child, request_note=form.cleaned_data["request_note"])
            messages.success(request, "Export prepared: decide on each flagged item, then download it")
            return redirect("oversight:subject_access_detail", pk=export.pk)
    found = SubjectAccessExport.objects.select_related("child", "prepared_by").order_by("-prepared_at", "-id")
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    lookups.shown(request.user, Child, [export.child_id for export in page if export.child_id], what="subject access")
    status = 400 if form.is_bound else 200
    return render(request, "oversight/subject_access_list.html", {"form": form, "page": page}, status=status)


def _export(pk: int) -> SubjectAccessExport:
    return get_object_or_404(SubjectAccessExport.objects.select_related("child", "prepared_by"), pk=pk)


def _detail(request: HttpRequest, export: SubjectAccessExport, **extra) -> HttpResponse:
    items = list(export.items.select_related("decided_by"))
    pending = sum(item.decision == Decision.PENDING for item in items)
    context = {
        "export": export,
        "items": items,
        "pending": pending,
        "open": export.status == ExportStatus.IN_REVIEW,
        "blank_form": ItemDecisionForm(),
        **extra,
    }
    return render(request, "oversight/subject_access_detail.html", context, status=400 if extra else 200)


@allowed_to("subject_access")
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(pk)
    if export.child:
        lookups.note_read(request.user, export.child, object_type="oversight.subject_access")
    return _detail(request, export)


@allowed_to("subject_access")
@require_POST
def decide(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    export = _export(pk)
    item = get_object_or_404(ExportItem, pk=item_pk, export=export)
    form = ItemDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_item(
                request.user, item, decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Decision recorded: {item.title}")
            return redirect("oversight:subject_access_detail", pk=export.pk)
    return _detail(request, export, form=form, form_item=item)


def _released(request: HttpRequest, export: SubjectAccessExport, file_format: str):
    try:
        return services.release(request.user, export, file_format=file_format)
    except services.NotReady as refusal:
        return refusal


def _refused(request: HttpRequest, export: SubjectAccessExport, refusal: services.NotReady) -> HttpResponse:
    return _detail(request, export, refusal=str(refusal))


@allowed_to("subject_access")
def download_json(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(pk)
    found = _released(request, export, "json")
    if isinstance(found, services.NotReady):
        return _refused(request, export, found)
    body = {
        "export": export.pk,
        "produced_at": timezone.now().isoformat(),
        **as_json(export.child.reference if export.child else "", found),
    }
    response = HttpResponse(json.dumps(body, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{export.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@allowed_to("subject_access")
def download_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(pk)
    found = _released(request, export, "pdf")
    if isinstance(found, services.NotReady):
        return _refused(request, export, found)
    from weasyprint import HTML  # a large import, needed only here

    html = render_to_string(
        "oversight/subject_access_pdf.html",
        {"export": export, "sections": found, "produced_at": timezone.now()},
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{export.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response

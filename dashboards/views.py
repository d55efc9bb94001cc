"""The dashboards: partnership-wide counts for those the policy lets read them
("view_partnership_figures"), never names; drill-down lists, hotspots and the network name only the
records the viewer may see. Everyone else gets 404 (one refusal rule)."""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from access import lookups
from cases.models import Child, Context
from dashboards import aggregates, charts, figures, queries, reach, report
from dashboards.forms import GroupForm, GroupKind, ScopeForm, default_period, scope_form
from dashboards.models import Aggregate
from dashboards.tables import Table, csv_rows, present
from safeguarding.exports import csv_response, safe_cell

NOT_FOR_SHARING = (
    "This page names places and children you may see: it is not for sharing outside the partnership. "
    "Untick the sharing option to see it."
)


def partnership_figures(view):
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        lookups.require_or_404(request.user, "view_partnership_figures")
        return view(request, *args, **kwargs)

    return wrapper


def _shown(tables: list[Table], shared: bool) -> list[dict[str, Any]]:
    out = []
    for table in tables:
        shown = present(table, shared=shared)
        chart = charts.bar_chart(shown, chart_id=f"chart-{table.key}") if table.chart else ""
        out.append({"shown": shown, "chart": chart, "links": not shared})
    return out


def _page(request: HttpRequest, template: str, context: dict[str, Any], form: ScopeForm) -> HttpResponse:
    status = 400 if form.is_bound and not form.is_valid() else 200
    query = request.GET.copy()
    query.pop("list", None)
    query.pop("tier", None)
    return render(request, template, {"form": form, "query": query.urlencode(), **context}, status=status)


@partnership_figures
def dashboard(request: HttpRequest) -> HttpResponse:
    form = scope_form(request.GET)
    context: dict[str, Any] = {}
    if form.is_valid():
        scope = form.scope()
        shared = form.cleaned_data["shared"]
        tables = aggregates.tables("dashboard", scope) + reach.tables(request.user, scope)
        context = {"scope": scope, "tables": _shown(tables, shared), "shared": shared}
    return _page(request, "dashboards/dashboard.html", context, form)


@partnership_figures
def children(request: HttpRequest) -> HttpResponse:
    """The children behind a count (a tier on the end date, or drift) whom the viewer may see."""
    form = scope_form(request.GET)
    context: dict[str, Any] = {}
    if form.is_valid():
        scope = form.scope()
        listed = request.GET.get("list")
        tier = request.GET.get("tier", "")
        if listed == "drift":
            ids, title = figures.drifting(scope), "Children in a tier with no contact or intervention for 30 days"
        elif listed == "tier" and tier in dict(figures.Tier.choices):
            ids = queries.group_children(GroupKind.TIER, scope, tier=tier)
            title = f"Children in the tier {dict(figures.Tier.choices)[tier].lower()} on {scope.end:%-d %B %Y}"
        else:
            form.add_error(None, "Choose a count on the dashboard to see the children behind it")
            return _page(request, "dashboards/children.html", {}, form)
        found = queries.drill(request.user, ids)
        lookups.shown(request.user, Child, found.children, what="dashboard drill-down")
        context = {"scope": scope, "drill": found, "title": title, "total": len(ids)}
    return _page(request, "dashboards/children.html", context, form)


def _group_profile(form: GroupForm) -> dict[str, Any]:
    """The social factors of the chosen group, or a message when it is empty or of one child."""
    scope, data = form.scope(), form.cleaned_data
    choice = {name: data.get(name, "") for name in ("tier", "panel", "indicator")}
    key = "social|" + "|".join([data["group"], *choice.values(), scope.key()])
    (table,) = aggregates.kept(
        key,
        lambda: [queries.group_profile(data["group"], scope, **choice).table("Social factors of the group")],
    )
    size = table.of or 0
    context: dict[str, Any] = {"scope": scope, "size": size, "shared": data["shared"], "found": []}
    if not size:
        context["message"] = (
            "There are no children in this group in the period and area chosen. "
            "Choose another group or a longer period."
        )
    elif size == 1:
        context["message"] = (
            "There is one child in this group: its percentages would describe that child. "
            "Choose a bigger group or a longer period."
        )
    else:
        context["found"] = [table]
    return context


@partnership_figures
def social_factors(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if "group" not in request.GET:  # nothing asked yet: the form, with the default period
        start, end = default_period()
        empty = GroupForm(initial={"start": start, "end": end, "group": GroupKind.TIER})
        return _page(request, "dashboards/social_factors.html", context, empty)
    form = scope_form(request.GET, GroupForm)
    if isinstance(form, GroupForm) and form.is_valid():
        context = _group_profile(form)
        context["tables"] = _shown(context["found"], context["shared"])
    return _page(request, "dashboards/social_factors.html", context, form)


@partnership_figures
def hotspots(request: HttpRequest) -> HttpResponse:
    form = scope_form(request.GET)
    context: dict[str, Any] = {}
    if form.is_valid():
        scope = form.scope()
        if form.cleaned_data["shared"]:
            return _page(request, "dashboards/hotspots.html", {"not_for_sharing": NOT_FOR_SHARING}, form)
        found = queries.hotspots(request.user, scope)
        lookups.shown(request.user, Context, [row.context for row in found.rows], what="context hotspots")
        context = {"scope": scope, "hotspots": found}
    return _page(request, "dashboards/hotspots.html", context, form)


@partnership_figures
def network(request: HttpRequest) -> HttpResponse:
    form = scope_form(request.GET)
    context: dict[str, Any] = {}
    if form.is_valid():
        scope = form.scope()
        if form.cleaned_data["shared"]:
            return _page(request, "dashboards/network.html", {"not_for_sharing": NOT_FOR_SHARING}, form)
        found = queries.network(request.user, scope)
        lookups.shown(request.user, Child, found.children, what="network view")
        lookups.shown(request.user, Context, found.contexts, what="network view")
        elements = [{"data": {"id": key, "label": label, "kind": kind}} for key, (label, kind) in found.nodes.items()]
        elements += [
            {"data": {"id": f"e{i}", "source": link.source, "target": link.target, "label": link.label}}
            for i, link in enumerate(found.links)
        ]
        rows = [(found.nodes[link.source][0], link.label, found.nodes[link.target][0]) for link in found.links]
        context = {"scope": scope, "network": found, "rows": rows, "elements": json.dumps(elements)}
    return _page(request, "dashboards/network.html", context, form)


def _report_context(request: HttpRequest, form: ScopeForm) -> dict[str, Any]:
    scope = form.scope()
    shared = form.cleaned_data["shared"]
    sections = [
        {"heading": section.heading, "tables": _shown(section.tables, shared)}
        for section in report.sections(request.user, scope)
    ]
    return {"scope": scope, "sections": sections, "shared": shared}


@partnership_figures
def scrutiny_report(request: HttpRequest) -> HttpResponse:
    form = scope_form(request.GET)
    context = _report_context(request, form) if form.is_valid() else {}
    return _page(request, "dashboards/report.html", context, form)


@partnership_figures
def scrutiny_report_pdf(request: HttpRequest) -> HttpResponse:
    form = scope_form(request.GET)
    if not form.is_valid():
        return _page(request, "dashboards/report.html", {}, form)
    from weasyprint import HTML  # a large import, needed only here

    context = _report_context(request, form)
    lookups.exported(request.user, Aggregate, [], what=f"scrutiny report PDF {context['scope'].key()}")
    html = render_to_string("dashboards/report_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    scope = context["scope"]
    response["Content-Disposition"] = f'attachment; filename="scrutiny-report-{scope.start}-{scope.end}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@partnership_figures
def table_csv(request: HttpRequest, key: str) -> HttpResponse:
    """One table of the dashboard, the scrutiny report or the social factors page as CSV (audited
    as an export)."""
    group = key == "social_factors"
    form = scope_form(request.GET, GroupForm if group else ScopeForm)
    template = "dashboards/social_factors.html" if group else "dashboards/dashboard.html"
    if not form.is_valid():
        return _page(request, template, {}, form)
    tables = (
        _group_profile(form)["found"] if isinstance(form, GroupForm) else report.all_tables(request.user, form.scope())
    )
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        form.add_error(None, "There is no such table for this period and area: download a table from its page")
        return _page(request, template, {}, form)
    shown = present(table, shared=form.cleaned_data["shared"])
    scope = form.scope()
    lookups.exported(request.user, Aggregate, [], what=f"dashboard table {key} {scope.key()}")
    response, writer = csv_response(f"{key}-{scope.start}-{scope.end}.csv")
    for row in csv_rows(shown):
        writer.writerow([safe_cell(cell) for cell in row])
    return response

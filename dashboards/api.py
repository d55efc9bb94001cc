"""The dashboard's figures for a period and area, as JSON: the same tables as the page (counts,
no names), including the children discussed at panel."""

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups
from dashboards import aggregates, figures
from dashboards.forms import scope_form
from dashboards.tables import present
from safeguarding.api import INVALID_RESPONSE

PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of the period (default: a year ago)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day of the period (default: today)"),
    OpenApiParameter("area", OpenApiTypes.STR, description="A police area (default: all)"),
    OpenApiParameter("shared", OpenApiTypes.BOOL, description="For sharing outside the partnership: hide 1 to 4"),
]


def _as_form_data(params: QueryDict) -> QueryDict:
    """ISO dates (start=2026-01-31) as the form's day, month and year fields."""
    data = params.copy()
    for name in ("start", "end"):
        value = params.get(name)
        if value:
            parts = value.split("-")
            if len(parts) == 3:
                data[f"{name}_year"], data[f"{name}_month"], data[f"{name}_day"] = parts
            else:
                data[f"{name}_day"] = value
    data.pop("start", None)
    data.pop("end", None)
    return data


@extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT, 400: INVALID_RESPONSE})
@api_view(["GET"])
def dashboard_figures(request: Request) -> Response:
    """Partnership-wide counts for managers and whoever the administrator names."""
    lookups.require_or_404(request.user, "view_partnership_figures")
    form = scope_form(_as_form_data(request.query_params))
    if not form.is_valid():
        return Response({name: [str(m) for m in messages] for name, messages in form.errors.items()}, status=400)
    scope, shared = form.scope(), form.cleaned_data["shared"]
    tables = []
    for table in aggregates.tables("dashboard", scope):
        shown = present(table, shared=shared)
        tables.append(
            {
                "key": table.key,
                "title": table.title,
                "header": table.header,
                "rows": [
                    {
                        "label": row.label,
                        "values": [cell.value for cell in cells],
                        "text": [cell.text for cell in cells],
                    }
                    for row, cells in shown.rows
                ],
                "computed_at": table.computed_at,
            }
        )
    discussed = figures.children_discussed(scope)
    return Response(
        {
            "start": scope.start,
            "end": scope.end,
            "area": scope.area,
            "children_discussed_at_panel": None if shared and discussed in range(1, 5) else discussed,
            "tables": tables,
        }
    )

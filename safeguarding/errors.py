"""Error answers Django gives outside a view: a plain page, or for the API (under /api/) a JSON body
{"detail": ...} like the API's own errors. Neither says anything about the cause, except that an
error of the database connection (PostgreSQL down or restarting) answers 503, "try again in a few
minutes", rather than 500 (docs/faults.md)."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template

API_PREFIX = "/api/"
API_MESSAGES = {
    400: "The request could not be read: check its body is well-formed and under the size limit.",
    403: "You cannot do this.",
    404: "Not found.",
    500: "Something went wrong on our side. Try again later; if it keeps happening, tell your system administrator.",
    503: "The service is unavailable for a moment: try again in a few minutes. Anything you were saving was saved "
    "in full or not at all.",
}
# Seconds a client is asked to wait before trying again while the database is unavailable.
RETRY_AFTER_SECONDS = 30


def for_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int) -> JsonResponse:
    return JsonResponse({"detail": API_MESSAGES[status]}, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if for_api(request):
        return api_error(400)
    return HttpResponse(get_template("400.html").render({}), status=400)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if for_api(request):
        return api_error(404)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if for_api(request):
        return api_error(403)
    return render(request, "403.html", status=403)


def database_unavailable() -> bool:
    """Whether the exception being handled is the database connection failing (refused, dropped,
    or closed), which passes once PostgreSQL is back, rather than a fault in the code."""
    return isinstance(sys.exc_info()[1], OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while it handles the uncaught exception, so sys.exc_info() names it.
    status = 503 if database_unavailable() else 500
    if for_api(request):
        response: HttpResponse = api_error(status)
    else:
        # No context processors: the failure may be in them (and they read the database).
        response = HttpResponse(get_template(f"{status}.html").render({}), status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

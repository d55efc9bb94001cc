"""Error answers Django gives outside a view: a plain page, or for the API (under /api/) a JSON body
{"detail": ...} like the API's own errors. Neither says anything about the cause."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template

API_PREFIX = "/api/"
API_MESSAGES = {
    400: "The request could not be read: check its body is well-formed and under the size limit.",
    403: "You cannot do this.",
    404: "Not found.",
    500: "Something went wrong on our side. Try again later; if it keeps happening, tell your system administrator.",
}


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


def server_error(request: HttpRequest) -> HttpResponse:
    if for_api(request):
        return api_error(500)
    # No context processors: the failure may be in them.
    return HttpResponse(get_template("500.html").render({}), status=500)

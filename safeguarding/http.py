from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_found(request: HttpRequest) -> HttpResponse:
    """A 404 returned (not raised) so the request's transaction commits its audit rows."""
    return render(request, "404.html", status=404)

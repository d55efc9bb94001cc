"""The benchmark's URLconf: every product page, plus `/bench/floor/`, a minimal signed-in view.

The floor goes through the whole middleware stack a page does (session read from the database, user,
two-factor mark and idle limit, the mentoring check, security headers) and then answers two bytes: what
any signed-in page costs before it does anything. It names nothing and exists only under
benchmarks/load_settings.py, so it is not a route of the product (nor of the access matrix).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from safeguarding import urls as product

FLOOR_PATH = "bench/floor/"


@login_required
def floor(_request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path(FLOOR_PATH, floor, name="bench_floor"), *product.urlpatterns]

handler404 = product.handler404
handler500 = product.handler500
handler403 = product.handler403

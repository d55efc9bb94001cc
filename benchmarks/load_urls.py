"""The benchmark's URLconf: every product page, plus `/bench/floor/`, a minimal signed-in view, and
`/bench/child-minimum/<pk>/`, the least a child's page can do under the access policy.

The floor goes through the whole middleware stack a page does (session read from the database, user,
two-factor mark and idle limit, the mentoring check, security headers) and then answers two bytes: what
any signed-in page costs before it does anything. It names nothing and exists only under
benchmarks/load_settings.py, so it is not a route of the product (nor of the access matrix).

The child minimum does what every page about a child must before it shows anything: finds the child
through the access policy (`cases.queries.child_or_404`, as the child page does, with why the user may
see them) and writes the audited read; then it answers two bytes. Its throughput is the most any child
page could reach, however little it showed.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from access import lookups
from cases import queries
from safeguarding import urls as product

FLOOR_PATH = "bench/floor/"


@login_required
def floor(_request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_required
def child_minimum(request: HttpRequest, pk: int) -> HttpResponse:
    child = queries.child_or_404(request.user, pk)
    lookups.note_read(request.user, child, basis=child.access_basis)
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path(FLOOR_PATH, floor, name="bench_floor"),
    path("bench/child-minimum/<int:pk>/", child_minimum, name="bench_child_minimum"),
    *product.urlpatterns,
]

handler404 = product.handler404
handler500 = product.handler500
handler403 = product.handler403

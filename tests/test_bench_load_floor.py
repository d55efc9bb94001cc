"""The load test's floor (benchmarks/load_urls.py, `make bench-load`): a minimal signed-in page served only
under the benchmark's settings, never by the product."""

import pytest
from django.urls import Resolver404, resolve, reverse


def test_the_product_has_no_floor_page():
    with pytest.raises(Resolver404):
        resolve("/bench/floor/")


@pytest.mark.urls("benchmarks.load_urls")
def test_the_floor_asks_for_sign_in_and_then_answers_nothing_about_anyone(client_for):
    anonymous = client_for(None).get("/bench/floor/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))

    signed_in = client_for("caseworker").get("/bench/floor/")
    assert signed_in.status_code == 200
    assert signed_in.content == b"ok"

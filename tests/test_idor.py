"""Ids from another agency's work answer 404 everywhere, and nothing about the child leaks."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from cases.models import Child

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(client_for):
    """The voluntary worker: their organisation does not work with council_child."""
    return client_for("voluntary")


@pytest.mark.parametrize("route", ["cases:child_detail", "cases:child_edit", "cases:child_export"])
def test_pages_for_another_agencys_child_are_not_found(outsider, partnership, route):
    child = partnership.council_child
    response = outsider.get(reverse(route, args=[child.pk]))
    assert response.status_code == 404
    assert child.family_name not in response.content.decode()


def test_editing_another_agencys_child_changes_nothing(outsider, partnership):
    child = partnership.council_child
    response = outsider.post(
        reverse("cases:child_edit", args=[child.pk]),
        {"given_name": "Changed", "family_name": "Changed", "status": "closed", "version": child.version},
    )
    assert response.status_code == 404
    child.refresh_from_db()
    assert (child.given_name, child.status, child.version) == (partnership.council_child.given_name, "open", 1)


def test_api_detail_for_another_agencys_child_is_not_found(outsider, partnership):
    response = outsider.get(f"/api/v1/children/{partnership.council_child.pk}/")
    assert response.status_code == 404
    assert partnership.council_child.reference not in response.content.decode()


def test_api_list_holds_only_own_agencys_children(outsider, partnership):
    ids = {row["id"] for row in outsider.get("/api/v1/children/").json()["results"]}
    assert ids == {partnership.voluntary_child.pk}


@pytest.mark.parametrize(
    "criteria",
    [
        lambda c: {"name": f"{c.given_name} {c.family_name}"},
        lambda c: {"identifier": c.reference},
        lambda c: {
            "date_of_birth_day": c.date_of_birth.day,
            "date_of_birth_month": c.date_of_birth.month,
            "date_of_birth_year": c.date_of_birth.year,
        },
    ],
    ids=["name", "reference", "date_of_birth"],
)
def test_search_never_finds_another_agencys_child(outsider, partnership, criteria):
    child = partnership.council_child
    response = outsider.post(reverse("cases:child_search"), criteria(child))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("cases:child_detail", args=[child.pk]) not in page
    assert "No children you can see match your search" in page


def test_caseload_export_holds_only_own_agencys_children(outsider, partnership):
    content = b"".join(outsider.get(reverse("cases:children_export"))).decode()
    assert partnership.voluntary_child.reference in content
    for child in (partnership.council_child, partnership.shared_child, partnership.mentee, partnership.unlinked_child):
        assert child.reference not in content


@pytest.mark.parametrize("path", ["/children/abc/", "/children/-1/", "/children/99999999/", "/children/1.5/"])
def test_unknown_or_malformed_ids_are_not_found(client_for, partnership, path):
    assert client_for("caseworker").get(path).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/children/abc/", "/api/v1/children/99999999/"])
def test_unknown_or_malformed_api_ids_are_not_found(client_for, partnership, path):
    assert client_for("caseworker").get(path).status_code == 404


def test_an_unknown_id_and_a_forbidden_id_look_the_same(outsider, partnership):
    missing = outsider.get(reverse("cases:child_detail", args=[Child.objects.order_by("-pk").first().pk + 100]))
    forbidden = outsider.get(reverse("cases:child_detail", args=[partnership.council_child.pk]))
    assert missing.status_code == forbidden.status_code == 404
    assert without_per_request_tokens(missing.content) == without_per_request_tokens(forbidden.content)


def without_per_request_tokens(content: bytes) -> bytes:
    """The page without what differs on every request: the CSRF token and the scripts' CSP nonce."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    return re.sub(rb' nonce="[^"]+"', b"", content)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_raised_404_is_the_same_page_as_an_address_that_does_not_exist(outsider, partnership, htmx):
    """Views raise Http404 for a record the user may not see: the answer is the same "Page not
    found" page as for an address that does not exist, htmx or not, and the audit row of the
    refusal survives (requests are not one transaction)."""
    child = partnership.council_child
    response = outsider.get(
        reverse("cases:child_chronology", args=[child.pk]), headers={"HX-Request": "true"} if htmx else {}
    )
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    assert "Page not found" in response.content.decode()
    nowhere = outsider.get("/no-such-page/", headers={"HX-Request": "true"} if htmx else {})
    assert nowhere.status_code == 404
    assert without_per_request_tokens(response.content) == without_per_request_tokens(nowhere.content)
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="cases.child", object_id=str(child.pk))
    assert denied.exists()

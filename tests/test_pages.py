"""List and detail pages run a fixed number of queries, however much data there is."""

import pytest
from django.urls import reverse

from cases.models import Child
from tests.factories import AgencyFactory, InvolvementFactory

pytestmark = pytest.mark.django_db


def test_child_page_queries_do_not_grow_with_involvements(client_for, partnership, django_assert_num_queries):
    child = partnership.council_child
    client = client_for("caseworker")
    url = reverse("cases:child_detail", args=[child.pk])
    client.get(url)  # warm the session
    with django_assert_num_queries(18):
        client.get(url)
    for index in range(8):
        InvolvementFactory(child=child, agency=AgencyFactory(name=f"Extra agency {index}"))
    with django_assert_num_queries(18):
        assert len(client.get(url).context["involvements"]) == 9


def test_home_page_queries_do_not_grow_with_caseload(client_for, partnership, django_assert_num_queries):
    caseworker = partnership.users["caseworker"]
    Child.objects.filter(pk=partnership.council_child.pk).update(lead_professional=caseworker)
    client = client_for("caseworker")
    client.get(reverse("home"))
    # 12: the children they lead, the others' page (no count), what changed for those they lead,
    # one audit of them all, and the user's tasks and panel actions.
    with django_assert_num_queries(12):
        client.get(reverse("home"))
    for _ in range(20):
        InvolvementFactory(agency=partnership.agencies["council"])
    for _ in range(5):
        InvolvementFactory(agency=partnership.agencies["council"], child__lead_professional=caseworker)
    with django_assert_num_queries(12):
        response = client.get(reverse("home"))
    assert len(response.context["page"]) == 21 and len(response.context["mine"]) == 6

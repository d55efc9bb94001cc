"""Who counts as a young person: under 18, or under 25 with a reason (a care leaver, special
educational needs); anything else is refused with a plain reason, on the page and in the API."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Child
from cases.services.children import update_child
from tests.test_children_pages import create_data, date_fields

pytestmark = pytest.mark.django_db


def born_years_ago(years: int, extra_days: int = 10) -> date:
    today = timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return date.fromordinal(anniversary.toordinal() - extra_days)


def add(client, years, **overrides):
    return client.post(
        reverse("cases:child_create"), create_data(**date_fields("date_of_birth", born_years_ago(years)), **overrides)
    )


def test_under_18_needs_no_reason(client_for, partnership):
    assert add(client_for("caseworker"), 17).status_code == 302
    assert Child.objects.get(family_name="Okafor").over_18_reason == ""


def test_18_to_24_needs_a_reason(client_for, partnership):
    client = client_for("caseworker")
    response = add(client, 19)
    assert response.status_code == 200
    assert "They are 19: someone aged 18 to 24 is recorded only as a care leaver" in response.content.decode()
    assert not Child.objects.filter(family_name="Okafor").exists()
    assert add(client, 19, over_18_reason="care_leaver").status_code == 302
    assert Child.objects.get(family_name="Okafor").over_18_reason == "care_leaver"


def test_25_or_over_is_refused_whatever_the_reason(client_for, partnership):
    response = add(client_for("caseworker"), 30, over_18_reason="send")
    body = response.content.decode()
    assert "This date of birth makes them 30. Young people are recorded up to 18, or up to 25" in body
    assert not Child.objects.filter(family_name="Okafor").exists()


def test_a_record_whose_young_person_grew_up_can_still_be_changed(client_for, partnership):
    child = partnership.council_child
    Child.objects.filter(pk=child.pk).update(date_of_birth=born_years_ago(20))
    child.refresh_from_db()
    updated = update_child(
        partnership.users["caseworker"], child, {"ethnicity": "white_irish"}, expected_version=child.version
    )
    assert updated.ethnicity == "white_irish"


def test_the_api_refuses_an_adult_in_plain_words(client_for, partnership):
    client = client_for("caseworker")
    body = {
        "given_name": "Sam",
        "family_name": "Adult",
        "date_of_birth": born_years_ago(21).isoformat(),
    }
    response = client.post("/api/v1/children/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["over_18_reason"][0].startswith("They are 21")
    response = client.post("/api/v1/children/", {**body, "over_18_reason": "send"}, content_type="application/json")
    assert response.status_code == 201, response.json()

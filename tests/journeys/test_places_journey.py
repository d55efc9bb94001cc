"""Browser journey: a caseworker records a young person's gender, ethnicity (the 2021 census
categories) and neighbourhood with the coded fields, meets a plain error first, and reads them back
on the record; axe at desktop and 320 px."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from areas.models import LocalAuthority, Neighbourhood, PoliceArea
from cases.models import Child
from tests.journeys.conftest import check_at_both_widths
from tests.journeys.test_cases_journeys import fill_date

pytestmark = pytest.mark.browser


def test_a_young_person_is_recorded_with_codes_and_a_neighbourhood(signed_in, axe):
    police = PoliceArea.objects.create(name="Riverton South and Westmoor")
    Neighbourhood.objects.create(
        name="Westmoor", local_authority=LocalAuthority.objects.create(name="Westmoor District Council"),
        police_area=police,
    )  # fmt: skip
    page = signed_in("caseworker")
    page.goto(reverse("cases:child_create"))
    check_at_both_widths(page, axe)

    page.get_by_label("Family name").fill("Testplaces")
    fill_date(page, "Date of birth", date(2012, 4, 9))
    page.get_by_role("group", name="Gender").get_by_label("Non-binary or another gender").check()
    page.get_by_label("Ethnicity").select_option(label="Roma")
    page.get_by_label("Neighbourhood where they live (optional)").select_option(
        label="Westmoor, Westmoor District Council"
    )
    page.get_by_role("button", name="Add the young person").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a given name")
    # What was chosen is kept.
    expect(page.get_by_label("Ethnicity")).to_have_value("white_roma")
    expect(page.get_by_role("group", name="Gender").get_by_label("Non-binary or another gender")).to_be_checked()
    check_at_both_widths(page, axe)

    page.get_by_label("Given name").fill("Ash")
    page.get_by_role("button", name="Add the young person").click()
    expect(page.get_by_role("heading", name="Ash Testplaces")).to_be_visible()
    record = page.get_by_role("main")
    expect(record).to_contain_text("Non-binary or another gender")
    expect(record).to_contain_text("White: Roma")
    expect(record).to_contain_text("Westmoor, Westmoor District Council (police area: Riverton South and Westmoor)")
    check_at_both_widths(page, axe)
    child = Child.objects.get(family_name="Testplaces")
    assert (child.gender, child.ethnicity, child.neighbourhood.name) == ("non_binary", "white_roma", "Westmoor")

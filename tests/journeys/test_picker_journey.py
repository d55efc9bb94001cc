"""The picker's autocomplete when the network is slow: an answer to an earlier keystroke that
arrives after the user has chosen must not open the list again under the choice.

Before the fix, the late answer reopened the list; the list pushes the buttons below it down, and the
click on "Save" landed as the list closed on blur, so the form was not sent (CI stop 26 failed so).
"""

import re

import pytest
from playwright.sync_api import Route, expect

pytestmark = pytest.mark.browser


def test_a_late_answer_does_not_reopen_the_list_after_a_choice(signed_in, live_partnership, axe):
    hotel = live_partnership.police_location
    choice = f"{hotel.name} ({hotel.reference})"
    page = signed_in("police")
    page.goto("/police/persons/new/")
    expect(page.get_by_role("heading", name="Add a person of concern", level=1)).to_be_visible()
    page.get_by_label("Given name").fill("Dean")
    page.get_by_label("Family name").fill("Testconcern")

    held: list[Route] = []

    def hold_the_longest_query(route: Route) -> None:
        # The answer to the last keystroke is held until the user has chosen from an earlier one.
        if route.request.post_data == "q=Test+h":
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r"/police/find/contexts/"), hold_the_longest_query)
    search = page.get_by_role("combobox", name="Find a location")
    search.press_sequentially("Test ", delay=30)
    expect(page.get_by_role("option", name=choice)).to_be_visible()
    with page.expect_request(lambda request: request.post_data == "q=Test+h"):
        search.press_sequentially("h")
    page.get_by_role("option", name=choice).click()
    locations = page.get_by_role("group", name="Locations linked to this person (optional)")
    expect(locations.get_by_label(choice)).to_be_checked()
    assert len(held) == 1

    with page.expect_response(lambda response: response.request.post_data == "q=Test+h"):
        held[0].continue_()
    # The list stays closed and the choice stays in the box.
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(search).to_have_value(choice)

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Dean Testconcern", level=1)).to_be_visible()
    axe(page)

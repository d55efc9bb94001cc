"""Need to know for joined data, in the browser (issue 14): a young person known only from a data
feed is on the cohort's suggestions for the youth justice manager, whose cohort record says no
agency works with them yet and offers to take them on. Taking them on without a reason is refused
with an error summary; with one, the manager lands on the young person's case record. Every page
is scanned with axe at desktop width and at 320 px."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Involvement
from cohorts.models import Observation, RunKind, RunTrigger
from cohorts.services import runs
from tests.journeys.test_access_grants_journey import DESKTOP, check_at_both_widths, full_name, sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture
def unallocated(live_partnership):
    """The partnership's unlinked child, named by a feed for four indicators, after a recalculation."""
    from cohorts.defaults import ensure_default_indicators

    ensure_default_indicators()  # an earlier journey's flush removed the migration's definitions
    child = live_partnership.unlinked_child
    seen = timezone.localdate() - timedelta(days=5)
    for n, code in enumerate(("crime", "missing_episode", "school_attendance", "children_needing_help")):
        Observation.objects.create(
            source_system="schools", source_record_id=f"j-{n}", indicator_code=code, observed_on=seen, child=child
        )
    runs.execute_run(runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, enqueue=False).pk)
    return child


def test_a_manager_takes_on_a_young_person_known_only_from_a_feed(page: Page, live_partnership, unallocated, axe):
    p = live_partnership
    child = unallocated
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, "manager")

    page.goto("/cohort/?show=suggestions")
    page.get_by_role("link", name=full_name(child)).first.click()
    expect(page.get_by_text("No agency works with this young person yet.")).to_be_visible()
    expect(page.get_by_role("link", name=full_name(child))).to_have_count(0)  # no door to a case record
    check_at_both_widths(page, axe)

    page.get_by_role("link", name="Take on this young person").click()
    expect(page.get_by_role("heading", name="Start working with this young person")).to_be_visible()
    check_at_both_widths(page, axe)
    page.get_by_role("button", name="Take on this young person").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter why your agency is starting to work with this young person")
    check_at_both_widths(page, axe)
    assert not Involvement.objects.filter(child=child).exists()

    page.get_by_label("Why is your agency starting to work with this young person?").fill("Allocated by the panel")
    page.get_by_role("button", name="Take on this young person").click()
    expect(page.get_by_text(f"{p.agencies['youth_justice'].name} now works with this young person.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(child.given_name)
    assert Involvement.objects.get(child=child).agency == p.agencies["youth_justice"]

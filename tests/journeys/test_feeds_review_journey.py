"""The review queue at scale in the browser: a manager groups and filters the matches waiting for a
decision, accepts one as suggested in bulk, and creates a new record for another. Each page is
scanned with axe at desktop width and at 320 px, and must not scroll sideways at 320 px."""

from datetime import date

import pytest
from django.db import transaction
from playwright.sync_api import Page, expect

from cases.models import Child
from feeds import services
from feeds.models import MatchReview, ReviewStatus
from tests.factories import ChildFactory
from tests.feeds_helpers import feed_csv, row, upload
from tests.journeys.test_access_grants_journey import check_at_both_widths

pytestmark = pytest.mark.browser


@pytest.fixture
def reviews(live_partnership, settings, tmp_path):
    """Two matches waiting for a decision: a UPN whose date of birth differs, and a name and date of
    birth at another postcode."""
    from cohorts.defaults import ensure_default_indicators

    ensure_default_indicators()  # an earlier journey's flush removed the migration's definitions
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    by_upn = ChildFactory(upn="A123456789012", date_of_birth=date(2012, 5, 4))
    by_name = ChildFactory(given_name="Zelda", family_name="Quillfeather", date_of_birth=date(2011, 1, 2))
    rows = [
        row("b-1", given_name="Rowan", family_name=by_upn.family_name, date_of_birth="2012-05-05", upn=by_upn.upn),
        row("n-1", given_name="Zelda", family_name="Quillfeather", date_of_birth="2011-01-02", postcode="ZZ9 9ZZ"),
    ]
    with transaction.atomic():
        feed = services.upload_feed(live_partnership.users["manager"], upload(feed_csv(rows), "extract.csv"))
    services.import_feed(feed.pk)
    assert MatchReview.objects.filter(status=ReviewStatus.OPEN).count() == 2
    return by_upn, by_name


def test_manager_filters_the_queue_and_decides_in_bulk(signed_in, reviews, axe, screenshot):
    by_upn, by_name = reviews
    page: Page = signed_in("manager")
    page.goto("/cohort/reviews/")
    expect(page.get_by_role("heading", name="Matches waiting for a decision", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="An identifier matches but the date of birth does not")).to_be_visible()
    check_at_both_widths(page, axe)
    screenshot("queue")

    # Only the matches with no identifier: Zelda Quillfeather.
    page.get_by_label("Identifier in the rows").select_option("none")
    page.get_by_role("button", name="Show").click()
    queue = page.get_by_role("table", name="Grouped by why they are uncertain, oldest first")
    expect(queue.get_by_role("row").filter(has_text="Zelda Quillfeather")).to_be_visible()
    expect(queue.get_by_role("row").filter(has_text="Rowan")).to_have_count(0)
    check_at_both_widths(page, axe)

    # A new record for her, chosen in bulk.
    page.get_by_label("Select Zelda Quillfeather").check()
    page.get_by_role("button", name="Create new records for the selected").click()
    expect(page.get_by_text("1 decision recorded")).to_be_visible()
    expect(page.get_by_text("No matches are waiting for a decision with these filters.")).to_be_visible()

    # Every kind again: accept Rowan's match as suggested, the whole page at once.
    page.goto("/cohort/reviews/")
    page.get_by_role("button", name="Accept every match on this page as suggested").click()
    expect(page.get_by_text("1 decision recorded")).to_be_visible()
    expect(page.get_by_text("No matches are waiting for a decision.")).to_be_visible()
    check_at_both_widths(page, axe)
    assert MatchReview.objects.get(candidate=by_upn).status == ReviewStatus.MATCHED
    assert MatchReview.objects.get(candidate=by_name).status == ReviewStatus.NEW_PERSON
    assert Child.objects.filter(given_name="Zelda", family_name="Quillfeather").count() == 2

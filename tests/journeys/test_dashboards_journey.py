"""Browser journey for the dashboards (issue 17's acceptance): the manager opens the dashboard,
changes the period, police area and local authority, drills from a tier count into the children
they may see, opens the network view, the social factors and hotspots pages, and downloads the
scrutiny report as a PDF whose text holds the figures. axe runs on every page at 1280 and 320 px.

Run with `pytest -m browser tests/journeys/test_dashboards_journey.py`.
"""

import io
from datetime import date, datetime, time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from areas.models import LocalAuthority, Neighbourhood, PoliceArea
from cases.models import Context, ContextLink, Involvement
from cohorts.models import TierDecision
from tests.factories import ChildFactory
from tests.journeys.conftest import check_at_both_widths

pytestmark = pytest.mark.browser


def fill_date(page: Page, legend: str, when: date) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def decide(child, tier, on, by):
    decision = TierDecision.objects.create(child=child, outcome="confirm", tier=tier, reason="Panel", decided_by=by)
    TierDecision.objects.filter(pk=decision.pk).update(decided_at=timezone.make_aware(datetime.combine(on, time(10))))


def test_manager_reads_the_dashboards_drills_in_and_downloads_the_report(signed_in, live_partnership, axe):
    p = live_partnership
    manager = p.users["manager"]
    riverton, eastvale = LocalAuthority.objects.create(name="Riverton"), LocalAuthority.objects.create(name="Eastvale")
    central = PoliceArea.objects.create(name="Central")
    docks = Neighbourhood.objects.create(name="Docks", local_authority=riverton, police_area=central)
    fields = Neighbourhood.objects.create(name="Fields", local_authority=eastvale, police_area=central)
    seen = ChildFactory(given_name="Seenchild", neighbourhood=docks)
    hidden = ChildFactory(given_name="Hiddenchild", neighbourhood=docks)
    other = ChildFactory(given_name="Otherchild", neighbourhood=fields)
    Involvement.objects.create(agency=p.agencies["youth_justice"], child=seen)
    for child in (seen, hidden, other):
        decide(child, "most_vulnerable", date(2026, 3, 1), manager)
    park = Context.objects.create(reference="LO-J1", kind="location", name="Journey park", neighbourhood=docks)
    Involvement.objects.create(agency=p.agencies["youth_justice"], context=park)
    ContextLink.objects.create(
        child=seen, context=park, role="member", source_agency=p.agencies["youth_justice"], recorded_by=manager
    )

    page = signed_in("manager")
    page.get_by_role("link", name="Dashboards", exact=True).click()
    expect(page.get_by_role("heading", name="Cohort dashboard", level=1)).to_be_visible()
    check_at_both_widths(page, axe)

    # The period, the police area and the local authority.
    fill_date(page, "From", date(2026, 4, 1))
    fill_date(page, "To", date(2026, 6, 30))
    page.get_by_label("Police area", exact=True).select_option(label="Central")
    page.get_by_label("Local authority", exact=True).select_option(label="Riverton")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator("#scope")).to_contain_text("1 April 2026 to 30 June 2026, Central, Riverton")
    tiers = page.locator("#table-tiers")
    most = tiers.locator("tr", has=page.get_by_role("rowheader", name="Most vulnerable", exact=True))
    expect(most).to_contain_text("2")  # the third child lives in Eastvale
    check_at_both_widths(page, axe)

    # Drill from the count: the child the manager's agency works with, and one not shown.
    most.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Children in the tier most vulnerable")
    expect(page.get_by_role("link", name=f"Seenchild {seen.family_name}")).to_be_visible()
    expect(page.locator("#not-shown")).to_contain_text("1 child not shown")
    expect(page.locator("main")).not_to_contain_text("Hiddenchild")
    check_at_both_widths(page, axe)

    # The network view: the table of links (the graph is drawn over it).
    page.get_by_role("link", name="Back to the dashboard").click()
    page.get_by_role("link", name="Network", exact=True).click()
    expect(page.get_by_role("heading", name="Network of children and contexts", level=1)).to_be_visible()
    expect(page.locator("#network-links")).to_contain_text("Journey park")
    expect(page.locator("#network-graph canvas").first).to_be_attached()
    check_at_both_widths(page, axe)

    page.get_by_role("link", name="Hotspots", exact=True).click()
    expect(page.get_by_role("heading", name="Context hotspots", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Journey park")).to_be_visible()
    check_at_both_widths(page, axe)

    page.get_by_role("link", name="Social factors", exact=True).click()
    expect(page.get_by_role("heading", name="Social factors profile", level=1)).to_be_visible()
    check_at_both_widths(page, axe)
    fill_date(page, "From", date(2026, 4, 1))
    fill_date(page, "To", date(2026, 6, 30))
    page.get_by_role("button", name="Show the profile").click()
    expect(page.locator("main")).to_contain_text("3 children in the group.")
    check_at_both_widths(page, axe)

    # The scrutiny report and its PDF.
    page.get_by_role("link", name="Scrutiny report", exact=True).click()
    fill_date(page, "From", date(2026, 4, 1))
    fill_date(page, "To", date(2026, 6, 30))
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name="Local police area breakdown", level=2)).to_be_visible()
    check_at_both_widths(page, axe)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    pdf = download.value.path().read_bytes()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Children in each cohort tier" in text
    assert "Most vulnerable 3 3" in text.replace("\n", " ")  # on 31 March and on 30 June

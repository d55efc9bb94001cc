"""Browser journey for the cohort engine (issue 5's acceptance): a manager uploads a data feed with
two bad rows, reads the error report, applies the good rows, resolves an uncertain match in the
review queue, runs a recalculation, opens a child's "why is this child suggested?" explanation and
confirms the suggested tier at a panel. Every page visited gets an axe-core scan.

Celery is eager in tests, so each queued job (import, apply, recalculation) has finished by the
time the page it redirects to loads; the pages still show the status they would poll for.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Child
from cases.names import normalise, phonetic
from cases.services import rebuild_search_names
from feeds.models import FEED_HEADER
from interventions.models import Panel, PanelMeeting
from tests.factories import InvolvementFactory
from tests.journeys.test_cases_journeys import expect_htmx_settled, fill_date

pytestmark = pytest.mark.browser

POLICE_ID = "RV/2026/000123"


def feed_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FEED_HEADER, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in FEED_HEADER})
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def cohort_setup(live_partnership):
    """Two children the manager's agency (the youth justice service) works with: council_child
    (family postcode RV1 1AA), whom the feed names with a sound-alike given name at another
    postcode (so a person must decide), and shared_child, whom the feed names by police reference
    (an exact match). A panel meeting the manager chaired, for the decision."""
    from cohorts.defaults import ensure_default_indicators

    ensure_default_indicators()  # an earlier journey's flush removed the migration's definitions
    p = live_partnership
    youth_justice = p.agencies["youth_justice"]
    for young_person in (p.council_child, p.shared_child):
        InvolvementFactory(agency=youth_justice, child=young_person)
    child = p.council_child
    child.given_name, child.family_name = "Jayden", "Okonkwo"
    child.save(update_fields=["given_name", "family_name"])
    rebuild_search_names(child)
    shared = p.shared_child
    shared.police_id = POLICE_ID
    shared.save(update_fields=["police_id"])
    panel = Panel.objects.create(name="Test exploitation panel", chair_agency=youth_justice)
    meeting = PanelMeeting.objects.create(
        panel=panel, held_on=timezone.localdate() - timedelta(days=1), chair=p.users["manager"]
    )
    return child, shared, meeting


def build_feed(child, shared) -> bytes:
    today = timezone.localdate()
    # The review: same date of birth, a name that sounds the same, a postcode not on record.
    sound_alike = {
        "given_name": "Jaden",
        "family_name": "Okonkwo",
        "date_of_birth": child.date_of_birth.isoformat(),
        "postcode": "RV9 9ZZ",
    }
    assert normalise("Jaden Okonkwo") != normalise("Jayden Okonkwo")
    assert phonetic("Jaden") == phonetic("Jayden")
    by_police = {
        "given_name": shared.given_name,
        "family_name": shared.family_name,
        "date_of_birth": shared.date_of_birth.isoformat(),
        "police_id": POLICE_ID,
    }
    rows = [
        # line 2-4: about council_child (to review); 5 weapon + 4 missing + 5 exploitation = 14
        {**sound_alike, "indicator_code": "weapon_offence", "observed_on": (today - timedelta(days=10)).isoformat()},
        {**sound_alike, "indicator_code": "missing_episode", "observed_on": (today - timedelta(days=40)).isoformat()},
        {
            **sound_alike,
            "indicator_code": "exploitation_concern",
            "observed_on": (today - timedelta(days=3)).isoformat(),
            "note": "Seen getting into cars <b>late at night</b>",
        },
        # line 5: about shared_child, matched by police reference; 3 (below the thresholds)
        {**by_police, "indicator_code": "school_exclusion", "observed_on": (today - timedelta(days=20)).isoformat()},
        # line 6: an indicator code nobody uses
        {**by_police, "indicator_code": "knife_crime", "observed_on": (today - timedelta(days=5)).isoformat()},
        # line 7: a date that is not a date
        {**by_police, "indicator_code": "neet", "observed_on": "last Tuesday"},
    ]
    for number, row in enumerate(rows, start=1):
        row.update(source_system="council_social_care", source_record_id=f"CSC-{number:04d}")
    return feed_csv(rows)


def test_manager_imports_a_feed_resolves_a_match_recalculates_and_confirms_a_tier(
    signed_in, cohort_setup, axe, screenshot
):
    child, shared, meeting = cohort_setup
    today = timezone.localdate()
    content = build_feed(child, shared)
    page: Page = signed_in("manager")

    # The cohort home, from the navigation.
    page.get_by_role("navigation").get_by_role("link", name="Cohort", exact=True).click()
    expect(page.get_by_role("heading", name="Cohort", level=1)).to_be_visible()
    axe(page)

    # Upload the feed.
    page.get_by_role("link", name="Data feeds", exact=True).click()
    expect(page.get_by_role("heading", name="Data feeds", level=1)).to_be_visible()
    axe(page)
    page.get_by_label("Upload a data feed").set_input_files(
        {"name": "council-extract.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Upload and check the file").click()

    # The import ran (eagerly): two rows are at fault, so nothing is applied until the manager says.
    expect(page.get_by_role("heading", name="council-extract.csv", level=1)).to_be_visible()
    expect_htmx_settled(page)
    expect(page.locator("#feed-progress").get_by_role("status")).to_have_text("Some rows have errors")
    expect(page.locator(".govuk-warning-text")).to_contain_text("2 of 6 rows have errors. Nothing has been applied.")
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(re.compile(r"Rows in the file\s*6"))
    expect(summary).to_contain_text(re.compile(r"Rows with errors\s*2"))
    expect(summary).to_contain_text(re.compile(r"Rows applied\s*0"))
    axe(page)
    screenshot("feed-needs-decision")

    # The rows at fault, on the page and in the downloadable report.
    errors = page.get_by_role("table", name="Rows with errors")
    expect(errors.get_by_role("row").filter(has_text="CSC-0005")).to_contain_text("'knife_crime' is not an indicator")
    expect(errors.get_by_role("row").filter(has_text="CSC-0006")).to_contain_text("'last Tuesday' is not a date")
    report_link = page.get_by_role("link", name="Download the error report (CSV)")
    response = page.request.get(report_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    report = list(csv.DictReader(io.StringIO(response.text())))
    assert [line["line"] for line in report] == ["6", "7"]
    assert [line["source_record_id"] for line in report] == ["CSC-0005", "CSC-0006"]
    assert report[0]["errors"] == "indicator_code: 'knife_crime' is not an indicator code in use"
    assert report[1]["errors"] == "observed_on: 'last Tuesday' is not a date; use YYYY-MM-DD, like 2026-03-27"

    # Apply the four valid rows: one is matched by police reference, three wait for a person.
    page.get_by_role("button", name="Apply the 4 valid rows").click()
    expect(page.locator("#feed-progress").get_by_role("status")).to_have_text("Applied")
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(re.compile(r"Rows applied\s*1"))
    expect(summary).to_contain_text(re.compile(r"Rows waiting for a match decision\s*3"))
    expect(summary).to_contain_text(re.compile(r"People matched to existing records\s*1"))
    expect(summary).to_contain_text(re.compile(r"New people recorded\s*0"))
    expect_htmx_settled(page)
    axe(page)

    # The review queue: Jaden Okonkwo may be Jayden Okonkwo.
    page.get_by_role("link", name="1 match waiting for a decision").click()
    expect(page.get_by_role("heading", name="Matches waiting for a decision", level=1)).to_be_visible()
    queue = page.get_by_role("table", name="oldest first")
    row = queue.get_by_role("row").filter(has_text="Jaden Okonkwo")
    expect(row).to_contain_text("Same date of birth and a name that sounds the same")
    expect(row.get_by_role("cell").nth(4)).to_have_text("3")  # after select, person, match, reason
    axe(page)
    row.get_by_role("link", name="Jaden Okonkwo").click()

    expect(page.get_by_role("heading", name="Is this the same person?", level=1)).to_be_visible()
    comparison = page.get_by_role("table", name=re.compile("The feed and the existing record"))
    expect(comparison.get_by_role("row").filter(has_text="Name")).to_contain_text("Jayden Okonkwo")
    expect(comparison.get_by_role("row").filter(has_text="Date of birth")).to_contain_text("Same")
    expect(comparison.get_by_role("row").filter(has_text="Postcode")).to_contain_text("Different")
    expect(comparison.get_by_role("row").filter(has_text="Postcode")).to_contain_text("RV1 1AA")
    axe(page)
    screenshot("review")
    page.get_by_role("group", name="Is this the same person?").get_by_label(re.compile("^The same person")).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("heading", name="Matches waiting for a decision", level=1)).to_be_visible()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    expect(page.get_by_text("No matches are waiting for a decision.")).to_be_visible()
    axe(page)

    # Recalculate the whole city as of today.
    page.get_by_role("navigation").get_by_role("link", name="Cohort", exact=True).click()
    page.get_by_role("link", name="Recalculations", exact=True).click()
    expect(page.get_by_role("heading", name="Recalculations", level=1)).to_be_visible()
    axe(page)
    fill_date(page, "Recalculate as of", today)
    page.get_by_role("button", name="Recalculate now").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Recalculation \d+$"), level=1)).to_be_visible()
    expect_htmx_settled(page)
    run_summary = page.locator("#run-status")
    expect(run_summary).to_contain_text("Published")
    expect(run_summary).to_contain_text("These results are shown now.")
    expect(run_summary).to_contain_text(f"As of {today.day} {today:%B %Y}")
    expect(run_summary).to_contain_text("Most vulnerable: 1")
    expect(run_summary).to_contain_text("Vulnerable cohort: 0")
    expect(run_summary).to_contain_text("Cause for concern: 0")
    # Below the thresholds: shared_child (school exclusion, 3) and voluntary_child (2, for the bus
    # station it shares with council_child, who now scores 14).
    expect(run_summary).to_contain_text("Young people with a score below the thresholds: 2")
    axe(page)
    screenshot("run")

    # The child's cohort record, then why the child is suggested.
    page.goto(f"/cohort/children/{child.pk}/")
    expect(page.get_by_role("heading", name="Cohort record", level=1)).to_be_visible()
    current_suggestion = page.locator(".govuk-summary-list__row").filter(has_text="Current suggestion")
    expect(current_suggestion).to_contain_text("Most vulnerable")
    expect(current_suggestion).to_contain_text("Score 14 (individual 14, family 0, places and groups 0)")
    expect(page.get_by_text("No panel has decided a tier for this young person.")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Why is this young person suggested?").click()

    expect(page.get_by_role("heading", name="Why is this young person suggested?", level=1)).to_be_visible()
    why = page.locator(".govuk-summary-list")
    expect(why.locator(".govuk-summary-list__row").filter(has_text="Suggested tier")).to_contain_text("Most vulnerable")
    expect(why.locator(".govuk-summary-list__row").filter(has_text="Score")).to_contain_text(
        "14: individual 14, family 0, places and groups 0"
    )
    expect(why).to_contain_text("Cause for concern from 4, vulnerable cohort from 8, most vulnerable from 12")
    # One section per indicator, strongest evidence first as the page orders them.
    expect(page.get_by_role("heading", level=3)).to_have_text(
        [
            "Concern about exploitation: adds 5",
            "Missing from home or care: adds 4",
            "Weapon-related offence: adds 5",
        ]
    )
    for label, days_ago in (
        ("Concern about exploitation", 3),
        ("Missing from home or care", 40),
        ("Weapon-related offence", 10),
    ):
        records = page.get_by_role("table", name=f"Records for {label}, newest first").locator("tbody tr")
        expect(records).to_have_count(1)
        expect(records).to_contain_text(f"{(today - timedelta(days=days_ago)):%-d %b %Y}")
    note = page.get_by_role("table", name="Records for Concern about exploitation, newest first")
    expect(note).to_contain_text("Seen getting into cars <b>late at night</b>")  # escaped, not bold
    expect(page.get_by_text("Nothing recorded about the family counts.")).to_be_visible()
    expect(page.get_by_text("No current link to a place or group adds to the score.")).to_be_visible()
    axe(page)
    screenshot("why")

    # The panel confirms the suggested tier.
    page.get_by_role("link", name=f"{child.given_name} {child.family_name}").click()
    page.get_by_role("link", name="Record a panel decision").click()
    expect(page.get_by_role("heading", name="Record a panel decision", level=1)).to_be_visible()
    to_confirm = page.locator(".govuk-summary-list__row").filter(has_text="To confirm")
    expect(to_confirm).to_contain_text("Most vulnerable")
    axe(page)
    page.get_by_role("group", name="What did the panel decide?").get_by_label("Confirm the proposed tier").check()
    page.get_by_label("Reason for the decision").fill("Agreed by police, school and social care: weapon and missing.")
    page.get_by_label("Panel meeting (optional)").select_option(
        label=f"Test exploitation panel, {meeting.held_on.day} {meeting.held_on:%B %Y}"
    )
    page.get_by_role("button", name="Record the decision").click()

    # The tier and its history on the child's cohort record.
    expect(page.get_by_role("heading", name="Cohort record", level=1)).to_be_visible()
    expect(page.get_by_text("Panel decision recorded")).to_be_visible()
    current_tier = page.locator(".govuk-summary-list__row").filter(has_text="Current tier")
    expect(current_tier).to_contain_text("Most vulnerable")
    expect(current_tier).to_contain_text(f"Since {today.day} {today:%B %Y}")
    history = page.get_by_role("table", name="Panel decisions, newest first")
    decisions = history.locator("tbody tr")
    expect(decisions).to_have_count(1)
    expect(decisions.first).to_contain_text("Most vulnerable")
    expect(decisions.first).to_contain_text("Agreed by police, school and social care")
    expect(decisions.first).to_contain_text(f"Test exploitation panel, {meeting.held_on.day} {meeting.held_on:%b %Y}")
    axe(page)
    screenshot("tier-confirmed")

    # The match decision put the rows on the existing record: no duplicate child was created.
    assert not Child.objects.filter(given_name="Jaden", family_name="Okonkwo").exists()


def test_manager_tries_again_an_import_that_stopped_responding(signed_in, live_partnership, axe, screenshot):
    """An import whose worker died an hour ago: its page says so, and "Try again" imports the file."""
    import hashlib

    from django.core.files.base import ContentFile

    from cohorts.defaults import ensure_default_indicators
    from feeds.models import FeedImport, FeedStatus

    ensure_default_indicators()
    p = live_partnership
    content = feed_csv(
        [
            {
                "source_system": "council_social_care",
                "source_record_id": "CSC-9001",
                "given_name": "Riley",
                "family_name": "Stuckfeed",
                "date_of_birth": "2012-05-01",
                "indicator_code": "school_exclusion",
                "observed_on": (timezone.localdate() - timedelta(days=7)).isoformat(),
            }
        ]
    )
    feed = FeedImport(
        original_name="stuck-extract.csv",
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=p.users["manager"],
        agency=p.agencies["youth_justice"],
        status=FeedStatus.VALIDATING,
        progress_at=timezone.now() - timedelta(hours=1),
    )
    feed.file.save("stuck-extract.csv", ContentFile(content), save=False)
    feed.save()
    page: Page = signed_in("manager")
    page.goto(f"/cohort/feeds/{feed.pk}/")
    banner = page.get_by_role("region", name="Important")
    expect(banner).to_contain_text("This import has stopped responding")
    expect(banner).to_contain_text("Nothing from this file has been applied.")
    axe(page)
    screenshot("feed-stalled")
    banner.get_by_role("button", name="Try again").click()
    expect(page.get_by_text("The import was queued again")).to_be_visible()
    expect(page.locator("#feed-progress").get_by_role("status")).to_have_text("Applied")
    expect(page.locator(".govuk-summary-list")).to_contain_text(re.compile(r"Rows applied\s*1"))
    expect(page.get_by_text("This import has stopped responding")).to_have_count(0)
    axe(page)


def test_caseworker_withdraws_a_nomination_with_a_reason(signed_in, live_partnership, axe, screenshot):
    child = live_partnership.council_child
    page: Page = signed_in("caseworker")
    page.goto(f"/cohort/children/{child.pk}/")
    page.get_by_role("link", name="Nominate for a tier").click()
    page.get_by_role("group", name="Which tier do you think this young person belongs in?").get_by_label(
        "Vulnerable cohort", exact=True
    ).check()
    page.get_by_label("Why are you nominating this young person?").fill("Seen with older men at the bus station")
    page.get_by_role("button", name="Send the nomination to the panel").click()
    expect(page.get_by_role("heading", name="Cohort record", level=1)).to_be_visible()

    page.get_by_role("link", name="Withdraw nomination").click()
    expect(page.get_by_role("heading", name="Withdraw nomination", level=1)).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Withdraw nomination").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are withdrawing this nomination")
    axe(page)
    page.get_by_label("Why are you withdrawing this nomination?").fill("Moved out of the area")
    page.get_by_role("button", name="Withdraw nomination").click()

    expect(page.get_by_role("heading", name="Cohort record", level=1)).to_be_visible()
    expect(page.get_by_text("Nomination withdrawn")).to_be_visible()
    nominations = page.get_by_role("table", name="Nominations, newest first").locator("tbody tr")
    expect(nominations).to_have_count(1)
    expect(nominations.first).to_contain_text("Withdrawn by")
    expect(nominations.first).to_contain_text("Moved out of the area")
    expect(page.get_by_role("link", name="Nominate for a tier")).to_be_visible()
    axe(page)
    screenshot("nomination-withdrawn")

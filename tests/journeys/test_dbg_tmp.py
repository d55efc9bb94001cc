import pytest, re
from playwright.sync_api import expect
from tests.journeys.conftest import sign_in
pytestmark = pytest.mark.browser
def test_dbg(browser, live_server, live_partnership):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    bad = []
    page.on("console", lambda m: bad.append((m.type, m.text)) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: bad.append(("pageerror", str(e))))
    sign_in(page, "caseworker")
    page.goto(f"/children/{live_partnership.council_child.pk}/")
    page.get_by_text("Add an event").click()
    page.wait_for_timeout(800)
    page.get_by_text("Filter the chronology").click()
    page.wait_for_timeout(800)
    print("BAD1", bad)
    form = page.locator("#chronology")
    form.get_by_label("Summary").fill("Seen at school")
    form.get_by_label("Type of event").select_option(label="Contact")
    g = form.get_by_role("group", name="Date of the event")
    g.get_by_label("Day").fill("1"); g.get_by_label("Month").fill("12"); g.get_by_label("Year").fill("2026")
    form.get_by_role("button", name=re.compile("Add")).first.click()
    page.wait_for_timeout(1500)
    print("BAD2", bad)
    context.close()

"""Browser journeys: one Chromium per session, a fresh context per test, a live server over a
transactional database, and an axe-core accessibility check.

Playwright's sync API runs an asyncio event loop in this thread, so Django's async-safety check
would refuse every ORM call the fixtures (and any test that runs while Chromium is open) make.
DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly as long as Playwright runs; nothing here touches the
ORM from a coroutine.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

PASSWORD = "correct horse battery"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(os.environ.get("JOURNEY_SCREENSHOTS", Path(settings.BASE_DIR) / "var" / "screenshots"))

expect.set_options(timeout=10_000)


NO_BROWSER = (
    "Chromium could not be launched from {path}: {reason}. The browser journeys fail rather than skip "
    "without a browser: install Chromium (Debian or Ubuntu: apt-get install chromium; `make test-browser` "
    "does it when run as root) or set CHROMIUM_PATH."
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A journey cannot pass by skipping: a skip (pytest.skip, a skip marker, a missing browser) is a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"A browser journey may not skip (it would pass without running): {reason}"


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail(NO_BROWSER.format(path=CHROMIUM, reason="no such file"), pytrace=False)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            except Exception as error:  # Playwright raises its own Error (and OSError) on a failed launch
                pytest.fail(NO_BROWSER.format(path=CHROMIUM, reason=error), pytrace=False)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def live_partnership(transactional_db, partnership):
    """The shared personas, committed so the live server's thread can read them."""
    return partnership


@pytest.fixture
def context(browser: Browser, live_server) -> BrowserContext:
    # bypass_csp: the app's strict CSP would otherwise block the injected axe script.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="en-GB")
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


BROKEN_ARIA_REFERENCES = """() => {
  const problems = [];
  for (const attribute of ["aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage"]) {
    for (const element of document.querySelectorAll(`[${attribute}]`)) {
      for (const id of element.getAttribute(attribute).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) {
          problems.push(`${element.tagName.toLowerCase()}#${element.id} ${attribute} -> missing #${id}`);
        }
      }
    }
  }
  return problems;
}"""


def check_accessibility(page: Page) -> None:
    """Run axe-core against the whole document and fail on any WCAG 2.2 AA violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    assert result["passes"], f"axe checked nothing on {page.url}"
    violations = result["violations"]
    # axe reports a reference to a missing id only as "needs review"; here it is always a bug
    # (a hint or error message that a screen reader never announces with its field).
    broken = page.evaluate(BROKEN_ARIA_REFERENCES)
    if violations or broken:
        lines = [f"{len(violations) + len(broken)} accessibility violation(s) on {page.url}:"]
        lines += [f"- broken ARIA reference: {problem}" for problem in broken]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
            for node in violation["nodes"]:
                lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary']}")
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def axe():
    return check_accessibility


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def signed_in(page: Page, live_partnership):
    """signed_in('caseworker') -> the page, signed in through the real sign-in form."""

    def _sign_in(username: str) -> Page:
        sign_in(page, username)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page

    return _sign_in


@pytest.fixture
def screenshot(page: Page, request):
    """screenshot('name'[, other_page]) saves a full-page PNG under var/screenshots/ for a human to
    look at (JOURNEY_SCREENSHOTS overrides the folder)."""

    def _shot(name: str, on: Page | None = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        (on or page).screenshot(path=str(path), full_page=True)
        return path

    return _shot


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}


def check_at_both_widths(page: Page, axe) -> None:
    """axe at phone and desktop width; at 320 px the page itself must not scroll sideways (wide
    tables scroll inside their own region)."""
    page.set_viewport_size(PHONE)
    axe(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 320 px"
    page.set_viewport_size(DESKTOP)
    axe(page)

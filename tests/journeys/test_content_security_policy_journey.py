"""The strict Content Security Policy in a real browser (issue 19): our own scripts, named by the
page's nonce, run (GOV.UK Frontend, htmx, the app module); a script injected into the page does not.
The other journeys bypass the policy so that axe can be injected; this one enforces it."""

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


def test_our_scripts_run_under_the_policy_and_an_injected_script_does_not(browser: Browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    try:
        page.goto("/accounts/sign-in/")
        expect(page.locator("body.govuk-frontend-supported")).to_have_count(1)  # supported.js ran
        expect(page.locator("[data-govuk-button-init]")).to_have_count(1)  # app.mjs initialised the button
        assert page.evaluate("() => typeof window.htmx === 'object'")
        assert violations == []

        # Text that reached the page as markup (the attack the escaping everywhere guards against):
        # its inline handler and inline script are refused, and the browser says so.
        page.evaluate(
            """() => { const box = document.createElement('div');
                       box.innerHTML = '<img src="/no-such-image" onerror="window.injected = true">';
                       document.body.append(box);
                       const frame = document.createElement('iframe');
                       frame.srcdoc = '<script>parent.injected = true</' + 'script>';
                       document.body.append(frame); }"""
        )
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.injected") is None
        assert violations, "the browser reported no refused script"
    finally:
        context.close()

"""Logging an intervention with the keyboard alone (WCAG 2.1.1 keyboard, 2.4.7 focus visible):
every control is reached with Tab, shows where the focus is, and is worked with keys."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from interventions.defaults import ensure_intervention_types
from interventions.models import Intervention, InterventionStatus

pytestmark = pytest.mark.browser

# What the focused element is called (its label, else its aria-label, else its text) and whether
# the focus can be seen (GOV.UK's focus style: an outline, a box shadow or the yellow background).
# The label comes first: a select's text is all its options, which may hold any generated name.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {name: '', visible: false};
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  const name = label || el.getAttribute('aria-label') || el.innerText || '';
  const style = getComputedStyle(el);
  const visible = style.outlineStyle !== 'none' || style.boxShadow !== 'none'
    || style.backgroundColor === 'rgb(255, 221, 0)';
  return {name: name.trim(), visible};
}"""


def tab_to(page: Page, name: str, limit: int = 120) -> None:
    """Press Tab until the focus is on the control called `name`; it must show the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["name"] == name:
            assert focused["visible"], f"the focus on {name!r} cannot be seen"
            return
    raise AssertionError(f"{name!r} cannot be reached with the Tab key")


def type_date(page: Page, when) -> None:
    """From the focused day box: the day, Tab, the month, Tab, the year."""
    page.keyboard.type(str(when.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(when.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(when.year))


def choose_radio(page: Page, label: str, limit: int = 10) -> None:
    """From a focused radio button: arrow keys move the choice until `label` is chosen."""
    for _ in range(limit):
        if page.evaluate(FOCUSED)["name"] == label:
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no radio button {label!r}")


def test_a_caseworker_logs_an_intervention_with_the_keyboard_alone(signed_in, live_partnership, axe):
    ensure_intervention_types()
    child = live_partnership.council_child
    started = timezone.localdate() - timezone.timedelta(days=7)

    page = signed_in("caseworker")
    page.goto(f"/children/{child.pk}/")
    tab_to(page, "Record an intervention")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Record an intervention", level=1)).to_be_visible()

    tab_to(page, "Type of intervention")
    page.keyboard.type("Mentoring")
    tab_to(page, "Day")
    type_date(page, started)
    tab_to(page, "Active")  # Tab enters the status radios on the chosen one; arrow keys change it
    choose_radio(page, "Active")
    tab_to(page, "Planned outcomes")
    page.keyboard.type("Back in school three days a week.")
    tab_to(page, "Save the intervention")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Mentoring", level=1)).to_be_visible()
    intervention = Intervention.objects.get(child=child)
    assert (intervention.status, intervention.started_on, intervention.planned_outcomes) == (
        InterventionStatus.ACTIVE,
        started,
        "Back in school three days a week.",
    )
    axe(page)

"""The cohort settings row (the suggestions switch): migration 0008 creates it, reading it never
writes, and only the switch service changes it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from cohorts.models import CohortSettings

pytestmark = pytest.mark.django_db

TABLE = CohortSettings._meta.db_table


def settings_writes(queries) -> list[str]:
    """The statements among `queries` that write to the settings table."""
    return [
        query["sql"]
        for query in queries
        if TABLE in query["sql"] and not query["sql"].lstrip().upper().startswith("SELECT")
    ]


def cohort_pages(p) -> list[tuple[str, str]]:
    """(persona, url) for every GET page and API list that reads the settings."""
    child = p.council_child.pk
    return [
        ("caseworker", reverse("cohorts:cohort_home")),
        ("caseworker", reverse("cohorts:cohort_home") + "?show=suggestions"),
        ("caseworker", reverse("cohorts:child_cohort", args=[child])),
        ("caseworker", reverse("cohorts:suggestion_why", args=[child])),
        ("caseworker", reverse("api:cohort-suggestion-list")),
        ("manager", reverse("cohorts:run_list")),
        ("manager", reverse("cohorts:fairness")),
        ("manager", reverse("cohorts:settings")),
        ("caseworker", reverse("cohorts:model")),
    ]


def test_the_migration_creates_the_settings_row_with_suggestions_on():
    assert list(CohortSettings.objects.values_list("pk", "suggestions_enabled")) == [(1, True)]


def test_get_of_the_cohort_pages_without_a_settings_row_writes_nothing(client_for, partnership):
    CohortSettings.objects.all().delete()
    for persona, url in cohort_pages(partnership):
        client = client_for(persona)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert settings_writes(queries.captured_queries) == [], url
        assert not CohortSettings.objects.exists(), url
    assert CohortSettings.load().suggestions_enabled is True
    assert CohortSettings.load()._state.adding  # the unsaved defaults


def test_get_of_the_cohort_pages_with_the_settings_row_writes_nothing(client_for, partnership):
    before = list(CohortSettings.objects.values())
    for persona, url in cohort_pages(partnership):
        client = client_for(persona)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        assert settings_writes(queries.captured_queries) == [], url
    assert list(CohortSettings.objects.values()) == before


def test_the_switch_creates_the_row_when_it_is_missing(client_for, partnership):
    CohortSettings.objects.all().delete()
    response = client_for("dpo").post(reverse("cohorts:settings"), {"switch_to": "off", "reason": "Annual review"})
    assert response.status_code == 302
    row = CohortSettings.objects.get()
    assert (row.pk, row.suggestions_enabled, row.reason, row.changed_by) == (
        1,
        False,
        "Annual review",
        partnership.users["dpo"],
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="cohorts.cohortsettings")
    assert event.detail["before"]["suggestions_enabled"] is True
    assert event.detail["after"]["suggestions_enabled"] is False

"""The data protection officer narrows a trail to a period and downloads it; a period that makes
no sense is refused in plain English; the download is itself audited."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent, AuditSubject

pytestmark = pytest.mark.django_db


def period(start, end) -> dict[str, str]:
    data = {}
    for name, day in (("start", start), ("end", end)):
        if day:
            data.update({f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)})
    return data


@pytest.fixture
def reads_on_three_days(partnership):
    """The caseworker read the council child 40 days ago, 10 days ago and today (the trail is
    append-only, so the rows are written with their times rather than moved)."""
    child, caseworker = partnership.council_child, partnership.users["caseworker"]
    now = timezone.now()
    for days_ago in (40, 10, 0):
        event = AuditEvent.objects.create(
            at=now - timedelta(days=days_ago),
            user=caseworker,
            username=caseworker.username,
            action=AuditAction.READ,
            object_type="cases.child",
            object_id=str(child.pk),
        )
        AuditSubject.objects.create(event=event, object_type="cases.child", object_id=str(child.pk))
    return child


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_a_child_trail_narrowed_to_a_period_shows_only_its_events(client_for, reads_on_three_days):
    child = reads_on_three_days
    today = timezone.localdate()
    url = reverse("oversight:child_trail", args=[child.pk])
    dpo = client_for("dpo")
    everything = dpo.get(url)
    assert everything.content.decode().count("Viewed a record") == 3
    last_fortnight = dpo.get(url, period(today - timedelta(days=14), today))
    assert last_fortnight.content.decode().count("Viewed a record") == 2
    day_ten = today - timedelta(days=10)
    assert dpo.get(url, period(day_ten, day_ten)).content.decode().count("Viewed a record") == 1


def test_a_trail_downloads_as_csv_for_the_period_and_the_download_is_audited(client_for, reads_on_three_days):
    child = reads_on_three_days
    today = timezone.localdate()
    url = reverse("oversight:child_trail_export", args=[child.pk])
    found = rows(client_for("dpo").get(url, period(today - timedelta(days=60), today - timedelta(days=5))))
    assert [(row["username"], row["action"], row["record id"]) for row in found] == [
        ("caseworker", "Viewed a record", str(child.pk)),
        ("caseworker", "Viewed a record", str(child.pk)),
    ]
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, username="dpo")
    assert export.detail == {"export": "audit trail"}
    assert list(export.subjects.values_list("object_type", "object_id")) == [("cases.child", str(child.pk))]


def test_a_user_trail_narrowed_and_downloaded(client_for, partnership, reads_on_three_days):
    child = reads_on_three_days
    caseworker = partnership.users["caseworker"]
    today = timezone.localdate()
    dpo = client_for("dpo")
    page = dpo.get(reverse("oversight:user_trail", args=[caseworker.pk]), period(None, today - timedelta(days=30)))
    assert page.content.decode().count(f"cases.child {child.pk}") == 1
    found = rows(dpo.get(reverse("oversight:user_trail_export", args=[caseworker.pk]), period(today, today)))
    assert [(row["username"], row["action"], row["record id"]) for row in found] == [
        ("caseworker", "Viewed a record", str(child.pk))
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_day": "31", "start_month": "2", "start_year": "2026"}, "Enter a real date"),
        ({"start_day": "1", "start_month": "", "start_year": "2026"}, "Enter a day, month and year"),
        (period(timezone.localdate(), timezone.localdate() - timedelta(days=1)), "The last day must be on or after"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused_in_plain_english(client_for, partnership, data, message):
    child = partnership.council_child
    dpo = client_for("dpo")
    page = dpo.get(reverse("oversight:child_trail", args=[child.pk]), data)
    assert page.status_code == 400
    body = page.content.decode()
    assert "There is a problem" in body and message in body
    download = dpo.get(reverse("oversight:child_trail_export", args=[child.pk]), data)
    assert download.status_code == 400 and message in download.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_formula_in_a_reason_is_neutralised_in_the_download(client_for, partnership):
    from audit import services as audit

    child = partnership.council_child
    audit.record(partnership.users["caseworker"], AuditAction.READ, obj=child, reason='=HYPERLINK("x")')
    found = rows(client_for("dpo").get(reverse("oversight:child_trail_export", args=[child.pk])))
    assert [row["reason"] for row in found if row["reason"]] == ['\'=HYPERLINK("x")']


def test_the_trail_pages_keep_the_period_when_paging(client_for, partnership):
    child = partnership.council_child
    for _ in range(51):
        client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk]))
    today = timezone.localdate()
    body = (
        client_for("dpo").get(reverse("oversight:child_trail", args=[child.pk]), period(today, today)).content.decode()
    )
    assert f"start_day={today.day}" in body and "page=2" in body

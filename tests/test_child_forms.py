"""Bad input: a GOV.UK error summary, and nothing saved."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import BreakGlassGrant
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def edit_data(child, **overrides):
    data = {
        "given_name": child.given_name,
        "family_name": child.family_name,
        "date_of_birth_day": child.date_of_birth.day,
        "date_of_birth_month": child.date_of_birth.month,
        "date_of_birth_year": child.date_of_birth.year,
        "gender": child.gender,
        "ethnicity": child.ethnicity,
        "neighbourhood": child.neighbourhood_id or "",
        "status": "open",
        "version": child.version,
    }
    data.update(overrides)
    return data


def post_edit(client, child, **overrides):
    return client.post(reverse("cases:child_edit", args=[child.pk]), edit_data(child, **overrides))


tomorrow = timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"given_name": ""}, "Enter a given name"),
        ({"family_name": "x" * 101}, "Family name must be 100 characters or fewer"),
        (
            {
                "date_of_birth_day": tomorrow.day,
                "date_of_birth_month": tomorrow.month,
                "date_of_birth_year": tomorrow.year,
            },
            "Date of birth must be today or in the past",
        ),
        ({"date_of_birth_year": 1989}, "Date of birth must be on or after 1 January 1990"),
        ({"date_of_birth_day": 31, "date_of_birth_month": 2}, "Enter a real date"),
        ({"date_of_birth_month": ""}, "Enter a day, month and year"),
        ({"status": "deleted"}, "from the list"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client_for, partnership, overrides, message):
    child = partnership.council_child
    response = post_edit(client_for("caseworker"), child, **overrides)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert "(error)" in page  # the page title says so too, for screen reader users
    saved = type(child).objects.get(pk=child.pk)
    assert (saved.given_name, saved.family_name, saved.date_of_birth, saved.version) == (
        child.given_name,
        child.family_name,
        child.date_of_birth,
        1,
    )
    assert not AuditEvent.objects.filter(action="update").exists()


def test_script_in_free_text_is_shown_as_text(client_for, partnership):
    child = partnership.council_child
    client = client_for("caseworker")
    post_edit(client, child, given_name="<script>alert(1)</script>")
    page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_stale_save_is_refused_and_keeps_what_was_typed(client_for, partnership):
    child = partnership.council_child
    first, second = client_for("caseworker"), None
    post_edit(first, child, ethnicity="white_irish")  # someone else saves first (version 1 -> 2)
    second = client_for("caseworker")
    response = post_edit(second, child, family_name="Typed-But-Stale")  # still says version 1
    page = response.content.decode()
    assert "Someone else changed this record" in page
    assert 'value="Typed-But-Stale"' in page
    child.refresh_from_db()
    assert (child.family_name, child.ethnicity, child.version) == (
        partnership.council_child.family_name,
        "white_irish",
        2,
    )
    # Saving again, deliberately, after reading the current record goes through.
    assert post_edit(second, child, family_name="Typed-But-Stale").status_code == 302
    child.refresh_from_db()
    assert child.family_name == "Typed-But-Stale"


def test_mentor_can_read_but_not_edit_their_mentee(client_for, partnership):
    client = client_for("mentor")
    assert client.get(reverse("cases:child_detail", args=[partnership.mentee.pk])).status_code == 200
    assert client.get(reverse("cases:child_edit", args=[partnership.mentee.pk])).status_code == 403


def test_empty_search_is_explained(client_for, partnership):
    page = client_for("caseworker").post(reverse("cases:child_search"), {}).content.decode()
    assert "Enter a name, a date of birth or an identifier to search" in page


class TestEmergencyAccess:
    def post(self, client, child, **overrides):
        data = {
            "reference": child.reference,
            "date_of_birth_day": child.date_of_birth.day,
            "date_of_birth_month": child.date_of_birth.month,
            "date_of_birth_year": child.date_of_birth.year,
            "reason": "Child found at a known county lines address tonight",
            "hours": "1",
        }
        data.update(overrides)
        return client.post(reverse("cases:break_glass"), data)

    def test_short_reason_is_refused(self, client_for, partnership):
        page = self.post(client_for("police"), partnership.unlinked_child, reason="urgent").content.decode()
        assert "Give a reason of at least 20 characters" in page
        assert not BreakGlassGrant.objects.exists()

    def test_wrong_date_of_birth_reveals_nothing_and_grants_nothing(self, client_for, partnership):
        child = partnership.unlinked_child
        response = self.post(client_for("police"), child, date_of_birth_year=date(2001, 1, 1).year)
        assert "No record matches that reference and date of birth" in response.content.decode()
        assert child.family_name not in response.content.decode()
        assert not BreakGlassGrant.objects.exists()
        assert AuditEvent.objects.filter(action="denied", user=partnership.users["police"]).exists()

    def test_granted_access_is_flagged_on_the_record_and_audited_with_the_reason(self, client_for, partnership):
        client = client_for("police")
        response = self.post(client, partnership.unlinked_child)
        assert response.url == reverse("cases:child_detail", args=[partnership.unlinked_child.pk])
        page = client.get(response.url).content.decode()
        assert "Emergency access" in page and "known county lines address" in page
        event = AuditEvent.objects.get(action="break_glass")
        assert event.reason == "Child found at a known county lines address tonight"
        assert AuditEvent.objects.get(action="read").detail == {"basis": "break_glass"}

    def test_hours_outside_the_choices_are_refused(self, client_for, partnership):
        page = self.post(client_for("police"), partnership.unlinked_child, hours="9999").content.decode()
        assert "from the list" in page
        assert not BreakGlassGrant.objects.exists()

    def test_dpo_reviews_and_ends_emergency_access(self, client_for, partnership):
        self.post(client_for("police"), partnership.unlinked_child)
        grant = BreakGlassGrant.objects.get()
        dpo = client_for("dpo")
        assert dpo.post(reverse("oversight:break_glass_review", args=[grant.pk]), {"note": ""}).status_code == 400
        dpo.post(
            reverse("oversight:break_glass_review", args=[grant.pk]),
            {"note": "Checked with the sergeant", "revoke": "on"},
        )
        grant.refresh_from_db()
        assert grant.reviewed_by == partnership.users["dpo"] and grant.revoked_at is not None
        police = client_for("police")
        assert police.get(reverse("cases:child_detail", args=[partnership.unlinked_child.pk])).status_code == 404


def test_in_care_is_recorded_and_shown(client_for, partnership):
    child = partnership.council_child
    client = client_for("caseworker")
    assert post_edit(client, child, looked_after="on").status_code == 302
    child.refresh_from_db()
    assert child.looked_after is True
    page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    assert "In care" in page

"""Each person changes their own password (ASVS 5.0 V6.2.2, V6.2.3): the current one first (wrong
ones are audited and count towards the lockout), the new one checked like any password and given
twice. This session stays signed in; every other session ends. Nothing changes on a mistake."""

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from accounts.models import SignedInSession
from audit.models import AuditAction, AuditEvent
from tests.test_signed_in_sessions import PASSWORD, signed_in_client, still_signed_in

pytestmark = pytest.mark.django_db
NEW = "a kettle of grey herons"
URL = reverse("accounts:change_password")


@pytest.fixture(autouse=True)
def password_only(settings):
    settings.TWO_FACTOR_REQUIRED = False


def change(client: Client, current: str = PASSWORD, new: str = NEW, repeat: str | None = None):
    data = {"current_password": current, "new_password": new, "repeat_password": new if repeat is None else repeat}
    return client.post(URL, data)


def test_a_new_password_keeps_this_session_and_ends_the_others(partnership):
    laptop, phone = signed_in_client(), signed_in_client(browser="Safari on a phone")
    key_before = laptop.session.session_key

    response = change(laptop)

    assert response.status_code == 302 and response.url == reverse("accounts:sessions")
    page = laptop.get(response.url).content.decode()
    assert "Your password has been changed. You have been signed out everywhere else" in page
    assert "You are not signed in anywhere else" in page
    assert authenticate(username="caseworker", password=NEW) is not None
    assert authenticate(username="caseworker", password=PASSWORD) is None
    assert still_signed_in(laptop) and not still_signed_in(phone)
    assert laptop.session.session_key != key_before, "a new session key"
    assert list(SignedInSession.objects.values_list("session_key", flat=True)) == [laptop.session.session_key]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="accounts.user")
    assert event.detail == {"changed": ["password"]}
    assert PASSWORD not in str(event.detail) and NEW not in str(event.detail)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current": ""}, "Enter your current password"),
        ({"current": "not my password"}, "Your current password is not right"),
        ({"new": ""}, "Enter a new password"),
        ({"new": "short one"}, "Password must be 12 characters or more"),
        ({"new": "password1234"}, "Password is one that many people use"),
        ({"new": "123456789012345"}, "Password must include letters or symbols, not only numbers"),
        ({"new": "caseworker12345"}, "Password must not be like your username"),
        ({"new": PASSWORD}, "Your new password must be different from your current password"),
        ({"repeat": "a kettle of grey heron"}, "Enter the same new password twice"),
        ({"repeat": ""}, "Enter your new password again"),
    ],
)
def test_a_mistake_is_explained_in_an_error_summary_and_nothing_changes(partnership, fields, message):
    laptop, phone = signed_in_client(), signed_in_client(browser="Safari on a phone")

    response = change(laptop, **fields)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert authenticate(username="caseworker", password=PASSWORD) is not None
    assert still_signed_in(laptop) and still_signed_in(phone)
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_wrong_current_passwords_are_audited_and_lock_like_sign_in(partnership, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    laptop = signed_in_client()
    for _ in range(3):
        change(laptop, current="guess")
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, username="caseworker")
    assert [event.detail for event in failures] == [{"step": "change_password"}] * 3

    response = change(laptop)

    assert response.status_code == 400 and "Too many failed attempts" in response.content.decode()
    assert authenticate(username="caseworker", password=PASSWORD) is not None


def test_someone_who_signs_in_through_their_organisation_has_no_password_to_change(partnership):
    user = partnership.users["caseworker"]
    user.set_unusable_password()
    user.save(update_fields=["password"])
    client = Client()
    client.force_login(user)

    page = client.get(URL).content.decode()
    response = client.post(URL, {"current_password": "x", "new_password": NEW, "repeat_password": NEW})

    assert "You sign in through your organisation" in page and "current_password" not in page
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_change_clears_the_wrong_attempts_before_it(partnership, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    laptop = signed_in_client()
    for _ in range(2):
        change(laptop, current="guess")
    assert change(laptop).status_code == 302
    for _ in range(2):
        change(laptop, current="guess")

    assert change(laptop, current=NEW, new="another long passphrase").status_code == 302

import time

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

GENERIC_ERROR = "Enter a correct username and password"


def sign_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_correct_details_sign_in_and_go_home(client, partnership):
    response = sign_in(client, "caseworker", "correct horse battery")
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [("caseworker", "wrong password"), ("nobody-by-this-name", "correct horse battery")]
)
def test_wrong_details_get_the_same_generic_error(client, partnership, username, password):
    response = sign_in(client, username, password)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and GENERIC_ERROR in page
    assert "not exist" not in page and "incorrect password" not in page.lower()
    assert "_auth_user_id" not in client.session


def test_missing_fields_are_named_in_the_error_summary(client, partnership):
    page = sign_in(client, "", "").content.decode()
    assert "Enter your username" in page and "Enter your password" in page
    assert 'href="#id_username"' in page


def test_repeated_failures_lock_the_username_before_checking_the_password(client, partnership, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(client, "caseworker", "wrong password")
    response = sign_in(client, "caseworker", "correct horse battery")
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_next_must_stay_on_this_site(client, partnership):
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": "caseworker", "password": "correct horse battery"},
    )
    assert response.url == reverse("home")


def test_sign_out_needs_a_post_and_ends_the_session(client_for, partnership):
    client = client_for("caseworker")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert client.get(reverse("home")).status_code == 302


def test_the_lockout_counts_per_address_across_usernames(client, partnership, settings):
    settings.LOGIN_FAILURE_LIMIT = 1  # an address gets four times the per-username limit
    for name in ("first", "second", "third", "fourth"):
        sign_in(client, name, "wrong password")
    assert "Too many failed attempts" in sign_in(client, "caseworker", "correct horse battery").content.decode()
    other_address = client.post(
        reverse("accounts:login"),
        {"username": "caseworker", "password": "correct horse battery"},
        REMOTE_ADDR="10.9.8.7",
    )
    assert other_address.url == reverse("home")


def test_a_lockout_ends_on_its_own(client, partnership, settings):
    from datetime import timedelta

    from accounts.models import SignInFailure

    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(client, "caseworker", "wrong password")
    assert "Too many failed attempts" in sign_in(client, "caseworker", "correct horse battery").content.decode()
    for failure in SignInFailure.objects.all():
        failure.at -= timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1)
        failure.save()
    assert sign_in(client, "caseworker", "correct horse battery").url == reverse("home")
    assert not SignInFailure.objects.filter(kind="username").exists()  # a success clears the name's count


DEAD_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_sign_in_and_the_lockout_work_while_redis_is_down(client, partnership, settings):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisDown

    from audit.models import AuditEvent

    settings.CACHES = DEAD_REDIS
    with pytest.raises(RedisDown):
        cache.get("anything")  # the cache really is unreachable
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        assert GENERIC_ERROR in sign_in(client, "caseworker", "wrong password").content.decode()
    assert "Too many failed attempts" in sign_in(client, "caseworker", "correct horse battery").content.decode()
    assert AuditEvent.objects.filter(action="login_failed", username="caseworker").count() == 3
    assert sign_in(client, "manager", "correct horse battery").url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_signing_in_starts_a_new_session(client, partnership):
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, "caseworker", "correct horse battery")
    assert client.session.session_key != before


def test_old_password_hashes_are_upgraded_to_argon2_at_sign_in(client, partnership, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = partnership.users["caseworker"]
    user.password = PBKDF2PasswordHasher().encode("correct horse battery", "somesalt", iterations=1000)
    user.save()
    assert sign_in(client, "caseworker", "correct horse battery").url == reverse("home")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-one", "Password must be 12 characters or more"),
        ("password1234", "Password is one that many people use"),
        ("493827105938", "Password must include letters or symbols, not only numbers"),
        ("caseworker-account", "Password must not be like your username"),
    ],
)
def test_weak_passwords_are_refused_in_plain_english(partnership, password, message):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=partnership.users["caseworker"])
    assert any(text.startswith(message) for text in refused.value.messages), refused.value.messages


def test_an_administrator_setting_a_short_password_is_told_why(client_for, partnership):
    user = partnership.users["caseworker"]
    page = client_for("admin").post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "too-short", "password2": "too-short", "usable_password": "true"},
    )
    assert "Password must be 12 characters or more" in page.content.decode()


def shift_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = int(time.time()) - ago
    session.save()


def test_a_session_ends_after_thirty_minutes_without_activity(client_for, partnership, settings):
    from audit.models import AuditEvent

    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    client = client_for("caseworker")
    shift_session(client, last_seen=29 * 60)
    assert client.get(reverse("home")).status_code == 200  # and the clock restarts
    assert time.time() - client.session["last_seen"] < 5
    shift_session(client, last_seen=31 * 60)
    response = client.get(reverse("home"), follow=True)
    assert "You were signed out because you had not done anything for 30 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action="logout").detail == {"reason": "idle"}


def test_a_session_ends_at_its_absolute_lifetime_however_active(client_for, partnership, settings):
    client = client_for("caseworker")
    shift_session(client, signed_in_at=settings.SESSION_COOKIE_AGE + 1, last_seen=10)
    assert client.get(reverse("home")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_deactivating_a_user_ends_their_sessions_at_once(client, partnership):
    from django.test import Client

    user = partnership.users["caseworker"]
    theirs = Client()
    theirs.force_login(user)
    assert theirs.get(reverse("home")).status_code == 200
    assert theirs.get("/api/v1/children/").status_code == 200
    client.force_login(partnership.users["admin"])
    change = {
        "username": "caseworker",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    assert client.post(reverse("admin:accounts_user_change", args=[user.pk]), change).status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert theirs.get(reverse("home")).status_code == 302
    assert theirs.get("/api/v1/children/").status_code == 403  # the API has no tokens: sessions only
    # Coming back does not bring the old session back.
    user.is_active = True
    user.save()
    assert theirs.get(reverse("home")).status_code == 302

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


def test_pages_send_security_headers(client_for, partnership):
    response = client_for("caseworker").get(reverse("home"))
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"

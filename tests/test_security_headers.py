"""Headers and transport (issue 19, point 2): a strict nonce-based Content Security Policy, HSTS,
Permissions-Policy, no caching of signed-in pages, and cookies that only travel over HTTPS."""

import json
import re

import pytest
from django.urls import reverse

from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db


def script_src(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return re.search(r"script-src ([^;]+)", policy).group(1)


def test_every_script_on_a_page_carries_the_requests_own_nonce(client_for, partnership):
    client = client_for("caseworker")
    first, second = client.get(reverse("home")), client.get(reverse("home"))
    nonces = []
    for response in (first, second):
        nonce = re.fullmatch(r"'nonce-([\w-]+)' 'strict-dynamic' 'self'", script_src(response)).group(1)
        tags = re.findall(r"<script\b[^>]*>", response.content.decode())
        assert len(tags) == 3 and all(f'nonce="{nonce}"' in tag for tag in tags)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    policy = first.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in policy


def test_the_admin_which_cannot_carry_nonces_runs_only_its_own_files(client_for, partnership):
    response = client_for("admin").get(reverse("admin:index"))
    assert response.status_code == 200 and script_src(response) == "'self'"


def test_signed_in_pages_are_never_stored(client_for, partnership):
    client = client_for("caseworker")
    for url in (reverse("home"), reverse("cases:child_detail", args=[partnership.council_child.pk])):
        cache_control = client.get(url).headers["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control
    client_for(None)
    assert "no-store" in client.get(reverse("accounts:login")).headers["Cache-Control"]


def test_every_page_sends_the_browser_hardening_headers(client_for, partnership):
    for response in (client_for("caseworker").get(reverse("home")), client_for(None).get(reverse("accounts:login"))):
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert "geolocation=()" in response.headers["Permissions-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_https_responses_carry_hsts(client, partnership, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("accounts:login"), secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_session_cookie_is_secure_httponly_and_same_site(client, partnership, settings):
    settings.SESSION_COOKIE_SECURE = True
    client.post(reverse("accounts:login"), {"username": "caseworker", "password": "correct horse battery"})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name) for name in ["
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY', "
    "'SESSION_COOKIE_SAMESITE', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', "
    "'TWO_FACTOR_REQUIRED', 'SESSION_IDLE_SECONDS', 'PASSWORD_HASHERS']}))"
)


def production_settings(**env: str) -> dict:
    result = run_manage("shell", "-c", PRINT_SETTINGS, SECRET_KEY="s" * 50, ALLOWED_HOSTS="cases.example.org", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_are_https_only_with_two_factor_and_argon2():
    production = production_settings()
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_SSL_REDIRECT"]
    assert production["SESSION_COOKIE_HTTPONLY"] and production["CSRF_COOKIE_HTTPONLY"]
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production["SECURE_HSTS_SECONDS"] >= 31536000 and production["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert production["TWO_FACTOR_REQUIRED"] is True
    assert production["SESSION_IDLE_SECONDS"] == 1800
    assert production["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_only_the_demo_signs_in_without_two_factor():
    assert production_settings(DEMO="1")["TWO_FACTOR_REQUIRED"] is False


def test_a_form_post_without_the_csrf_token_is_refused(partnership):
    from django.test import Client

    from audit.models import AuditEvent

    response = Client(enforce_csrf_checks=True).post(
        reverse("accounts:login"), {"username": "caseworker", "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="login").exists()


def test_a_server_error_says_nothing_about_its_cause(client_for, partnership, monkeypatch):
    from django.test import Client

    from cases.views import children

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail from deep inside")

    monkeypatch.setattr(children, "_changes_since", broken)
    client = Client(raise_request_exception=False)
    client.force_login(partnership.users["caseworker"])
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in body and "secret detail" not in body

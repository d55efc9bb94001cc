"""Two-factor sign-in (TOTP and backup codes), required for every account outside demo mode."""

import re

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from audit.models import AuditEvent
from tests.two_factor_helpers import app_code, code_from_secret

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def password_step(client, username="caseworker", next_url=""):
    suffix = f"?next={next_url}" if next_url else ""
    return client.post(reverse("accounts:login") + suffix, {"username": username, "password": PASSWORD})


def enrolled(user):
    device = two_factor.unconfirmed_device(user)
    codes = two_factor.confirm(user, device)
    return device, codes


def signed_in(client):
    return "_auth_user_id" in client.session


def test_a_correct_password_alone_does_not_sign_in(client, partnership):
    response = password_step(client)
    assert response.status_code == 302 and response.url == reverse("accounts:two_factor")
    assert not signed_in(client)
    assert client.get(reverse("home")).status_code == 302


def test_first_sign_in_sets_up_the_app_with_a_qr_code_and_the_key_as_text(client, partnership):
    user = partnership.users["caseworker"]
    password_step(client)
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Set up two-factor sign-in" in page
    assert 'src="data:image/svg+xml' in page  # drawn here, no outside service sees the secret
    secret = re.search(r'<code class="app-secret" id="secret">([A-Z2-7 ]+)</code>', page).group(1)

    wrong = client.post(reverse("accounts:two_factor"), {"code": "000000"}).content.decode()
    assert "The code is not right" in wrong and not signed_in(client)

    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0)  # the mistype's pause
    response = client.post(reverse("accounts:two_factor"), {"code": code_from_secret(secret)})
    assert response.url == reverse("accounts:backup_codes")
    assert signed_in(client) and DEVICE_ID_SESSION_KEY in client.session
    codes_page = client.get(reverse("accounts:backup_codes")).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", codes_page)
    assert len(codes) == 10 and set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    # Shown once.
    assert client.get(reverse("accounts:backup_codes")).url == reverse("home")
    assert AuditEvent.objects.filter(action="two_factor_enrolled", user=user).count() == 1
    assert AuditEvent.objects.get(action="login", user=user).detail == {"two_factor": "app"}


def test_sign_in_with_a_code_and_a_reused_code_is_refused(client, partnership):
    device, _codes = enrolled(partnership.users["caseworker"])
    code = app_code(device)
    password_step(client)
    assert "Enter your code" in client.get(reverse("accounts:two_factor")).content.decode()
    assert client.post(reverse("accounts:two_factor"), {"code": code}).url == reverse("home")
    assert signed_in(client)

    client.post(reverse("accounts:logout"))
    password_step(client)
    page = client.post(reverse("accounts:two_factor"), {"code": code}).content.decode()
    assert "it has been used already" in page and not signed_in(client)
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.username == "caseworker" and failed.detail == {"step": "code"}


def test_a_backup_code_works_once(client, partnership):
    _device, codes = enrolled(partnership.users["caseworker"])
    password_step(client)
    assert client.post(reverse("accounts:two_factor"), {"code": codes[0].upper()}).url == reverse("home")
    assert AuditEvent.objects.get(action="login").detail == {"two_factor": "backup_code"}
    client.post(reverse("accounts:logout"))
    password_step(client)
    again = client.post(reverse("accounts:two_factor"), {"code": codes[0]}).content.decode()
    assert "it has been used already" in again
    assert not signed_in(client)


def test_the_code_step_runs_out(client, partnership, settings):
    device, _codes = enrolled(partnership.users["caseworker"])
    password_step(client)
    settings.TWO_FACTOR_PENDING_SECONDS = -1
    response = client.post(reverse("accounts:two_factor"), {"code": app_code(device)})
    assert response.url == reverse("accounts:login") and not signed_in(client)


def test_next_survives_the_code_step_but_only_on_this_site(client, partnership):
    device, _codes = enrolled(partnership.users["caseworker"])
    password_step(client, next_url="/children/search/")
    assert client.post(reverse("accounts:two_factor"), {"code": app_code(device)}).url == "/children/search/"
    client.post(reverse("accounts:logout"))
    password_step(client, next_url="//evil.example/")
    assert client.post(reverse("accounts:two_factor"), {"code": app_code(device, 1)}).url == reverse("home")


def test_a_session_that_skipped_the_second_factor_is_ended(client_for, partnership):
    client = client_for("caseworker")  # force_login: a password-only session
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not signed_in(client)
    assert AuditEvent.objects.get(action="logout").detail == {"reason": "two_factor"}


def test_demo_mode_signs_in_with_a_password_alone(client, partnership, settings):
    settings.TWO_FACTOR_REQUIRED = False
    assert password_step(client).url == reverse("home") and signed_in(client)


def sign_in_with_app(client, partnership, username):
    device = TOTPDevice.objects.filter(user=partnership.users[username], confirmed=True).first()
    device = device or enrolled(partnership.users[username])[0]
    password_step(client, username)
    assert client.post(reverse("accounts:two_factor"), {"code": app_code(device)}).url == reverse("home")
    return client


def test_an_administrator_resets_two_factor_and_it_is_audited(client, partnership):
    from django.test import Client

    user = partnership.users["caseworker"]
    their_session = sign_in_with_app(Client(), partnership, "caseworker")
    admin = sign_in_with_app(client, partnership, "admin")
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not user.staticdevice_set.exists()
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert event.user == partnership.users["admin"] and event.object_id == str(user.pk)
    # Their session ended at once; their next sign-in sets up the app again.
    assert their_session.get(reverse("home")).status_code == 302
    password_step(their_session)
    assert "Set up two-factor sign-in" in their_session.get(reverse("accounts:two_factor")).content.decode()


def test_only_a_system_administrator_may_reset_two_factor(partnership):
    from django.core.exceptions import PermissionDenied

    from access import services

    enrolled(partnership.users["caseworker"])
    with pytest.raises(PermissionDenied):
        services.reset_two_factor(partnership.users["manager"], partnership.users["caseworker"])
    assert TOTPDevice.objects.filter(user=partnership.users["caseworker"]).exists()

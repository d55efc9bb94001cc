"""Single sign-on through an agency's identity provider (OpenID Connect), against a real provider
running on a local HTTP server thread (tests/oidc_provider.py): real redirects, a real code
exchange with PKCE, an RS256 ID token checked against the provider's JWKS, and its user-info."""

import importlib

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import clear_url_caches, reverse
from django.urls.exceptions import NoReverseMatch

import accounts.urls
import safeguarding.urls
from audit.models import AuditAction, AuditEvent
from tests.oidc_provider import CLIENT_ID, Provider
from tests.test_access_matrix import all_routes
from tests.test_two_factor import enrolled
from tests.two_factor_helpers import app_code

pytestmark = pytest.mark.django_db

WITH_MFA = {"amr": ["pwd", "mfa"]}


def _reload_routes() -> None:
    importlib.reload(accounts.urls)  # its routes depend on OIDC_ENABLED
    importlib.reload(safeguarding.urls)  # its resolvers hold accounts' routes as they were
    clear_url_caches()


@pytest.fixture
def provider(settings):
    """Single sign-on switched on, with a provider of its own; two-factor sign-in required."""
    idp = Provider()
    settings.OIDC_ENABLED = True
    settings.TWO_FACTOR_REQUIRED = True
    for name, value in idp.settings().items():
        setattr(settings, name, value)
    _reload_routes()
    yield idp
    settings.OIDC_ENABLED = False
    _reload_routes()
    idp.stop()


@pytest.fixture
def caseworker(partnership):
    user = partnership.users["caseworker"]
    user.email = "Sam.Caseworker@council.example.org"
    user.save(update_fields=["email"])
    return user


def through_provider(client, provider, email: str, next_url: str = ""):
    """The person chooses single sign-on, signs in at the provider as `email`, and comes back."""
    provider.person = {"sub": f"idp-{email}", "email": email, "email_verified": True}
    start = client.get(reverse("accounts:oidc_start"), {"next": next_url} if next_url else None)
    assert start.status_code == 302 and start["Location"].startswith(f"{provider.issuer}/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    return client.get(at_provider.headers["Location"])


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def failures():
    return list(AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).values_list("username", "detail"))


def test_single_sign_on_is_off_unless_configured_and_then_has_no_routes(client, partnership, settings):
    assert settings.OIDC_ENABLED is False
    assert not [route for route in all_routes() if "oidc" in route]
    with pytest.raises(NoReverseMatch):
        reverse("accounts:oidc_start")
    assert client.get("/accounts/sign-in/organisation/").status_code == 404
    assert client.get("/accounts/sign-in/organisation/return/?code=x&state=y").status_code == 404
    assert "Or sign in with" not in client.get(reverse("accounts:login")).content.decode()


def test_when_on_the_sign_in_page_offers_it_and_its_routes_answer_everyone_with_a_redirect(
    client_for, partnership, provider, settings
):
    settings.OIDC_PROVIDER_NAME = "your Test City account"
    page = client_for(None).get(reverse("accounts:login") + "?next=/cohort/").content.decode()
    assert "Sign in with your Test City account" in page and "/accounts/sign-in/organisation/?next=/cohort/" in page
    # The access matrix's rule for these two routes, which exist only when single sign-on is on.
    for persona in (None, "caseworker", "police", "admin"):
        client = client_for(persona)
        start = client.get(reverse("accounts:oidc_start"))
        assert start.status_code == 302 and start["Location"].startswith(provider.issuer)
        back = client.get(reverse("accounts:oidc_callback"))
        assert back.status_code == 302 and back["Location"] == reverse("accounts:login")


def test_an_existing_user_signs_in_and_the_providers_second_factor_counts(client, provider, caseworker):
    provider.id_token_claims = WITH_MFA
    before = client.get(reverse("accounts:login")).wsgi_request.session.session_key
    response = through_provider(client, provider, "sam.caseworker@COUNCIL.example.org", next_url="/cohort/")
    assert response.status_code == 302 and response["Location"] == "/cohort/"
    assert signed_in_as(client) == str(caseworker.pk)
    assert client.session.session_key != before
    assert client.get(reverse("home")).status_code == 200, "the session counts as two-factor"
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (event.user, event.detail) == (caseworker, {"method": "oidc", "two_factor": "identity_provider"})


def test_without_the_providers_second_factor_the_person_enters_a_code_from_their_app(client, provider, caseworker):
    provider.id_token_claims = {"amr": ["pwd"]}
    device, _codes = enrolled(caseworker)
    response = through_provider(client, provider, caseworker.email)
    assert response["Location"] == reverse("accounts:two_factor")
    assert not signed_in_as(client)
    assert client.get(reverse("home")).status_code == 302
    response = client.post(reverse("accounts:two_factor"), {"code": app_code(device)})
    assert response.status_code == 302 and signed_in_as(client) == str(caseworker.pk)
    assert client.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.detail == {"method": "oidc", "two_factor": "app"}


def test_someone_with_no_account_here_is_refused_and_it_is_audited(client, provider, caseworker):
    provider.id_token_claims = WITH_MFA
    response = through_provider(client, provider, "stranger@council.example.org")
    assert response["Location"] == reverse("accounts:login")
    assert not signed_in_as(client)
    page = client.get(response["Location"]).content.decode()
    assert "You could not be signed in with your organisation&#x27;s account" in page
    assert failures() == [("stranger@council.example.org", {"method": "oidc", "reason": "no_account"})]
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_a_deactivated_user_is_refused_and_it_is_audited(client, provider, caseworker):
    provider.id_token_claims = WITH_MFA
    caseworker.is_active = False
    caseworker.save(update_fields=["is_active"])
    response = through_provider(client, provider, caseworker.email)
    assert response["Location"] == reverse("accounts:login") and not signed_in_as(client)
    assert failures() == [(caseworker.email, {"method": "oidc", "reason": "deactivated"})]


def test_nobody_gets_an_account_by_signing_in_unless_configured(client, provider, settings):
    from accounts.models import User

    provider.id_token_claims = WITH_MFA
    through_provider(client, provider, "new.starter@council.example.org")
    assert not User.objects.filter(email="new.starter@council.example.org").exists()
    settings.OIDC_CREATE_USER = True
    through_provider(client, provider, "new.starter@council.example.org")
    created = User.objects.get(email="new.starter@council.example.org")
    assert signed_in_as(client) == str(created.pk) and not created.memberships.exists()
    assert not created.has_usable_password()
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(created.pk)).exists()


@pytest.mark.parametrize(
    ("id_token", "reason"),
    [
        ({"aud": "another-service"}, "wrong_audience"),
        ({"aud": [CLIENT_ID, "another-service"], "azp": "another-service"}, "wrong_audience"),
        ({"iss": "http://127.0.0.1:1"}, "wrong_issuer"),
        ({"exp": 1_000_000_000}, "token_refused"),
        ({"nonce": "not-the-one-we-sent"}, "token_refused"),
    ],
)
def test_an_id_token_not_meant_for_us_is_refused(client, provider, caseworker, id_token, reason):
    provider.id_token_claims = {**WITH_MFA, **id_token}
    response = through_provider(client, provider, caseworker.email)
    assert response["Location"] == reverse("accounts:login") and not signed_in_as(client)
    assert [detail["reason"] for _username, detail in failures()] == [reason]


def test_a_token_signed_with_a_key_the_provider_did_not_publish_is_refused(client, provider, caseworker):
    provider.id_token_claims = WITH_MFA
    provider.published_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = through_provider(client, provider, caseworker.email)
    assert response["Location"] == reverse("accounts:login") and not signed_in_as(client)
    assert [detail["reason"] for _username, detail in failures()] == ["token_refused"]


def test_the_return_address_cannot_be_replayed_or_forged(client, provider, caseworker):
    provider.id_token_claims = WITH_MFA
    provider.person = {"sub": "idp-sam", "email": caseworker.email}
    start = client.get(reverse("accounts:oidc_start"))
    back = requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]
    forged = back.replace("state=", "state=x")
    assert client.get(forged)["Location"] == reverse("accounts:login") and not signed_in_as(client)
    assert client.get(back).status_code == 302 and signed_in_as(client) == str(caseworker.pk)
    client.logout()
    assert client.get(back)["Location"] == reverse("accounts:login") and not signed_in_as(client)
    assert [detail["reason"] for _username, detail in failures()] == ["unknown_state", "unknown_state"]


def test_the_person_cancelling_at_the_provider_is_audited(client, provider):
    start = client.get(reverse("accounts:oidc_start"))
    state = start["Location"].split("state=")[1].split("&")[0]
    response = client.get(reverse("accounts:oidc_callback"), {"error": "access_denied", "state": state})
    assert response["Location"] == reverse("accounts:login") and not signed_in_as(client)
    assert [detail["reason"] for _username, detail in failures()] == ["provider_error"]

"""Single sign-on through an agency's own identity provider (OpenID Connect), off unless OIDC_ENABLED.

mozilla-django-oidc sends the person to the provider (state, nonce and PKCE) and, on their return,
exchanges the code for tokens and checks the ID token's RS256 signature against the provider's JWKS.
This module adds what it leaves out and what this service needs (docs/sign-in.md):

- the ID token's issuer and audience are checked (the library checks neither), and the user-info's
  subject must be the ID token's;
- the person must already have an account here with the same email address (matched without regard
  to case; two accounts with one address refuse both), unless OIDC_CREATE_USER; a deactivated
  account is refused;
- the provider's word for a second factor is taken only when the ID token says so (`amr` or `acr`,
  OIDC_MFA_AMR_VALUES / OIDC_MFA_ACR_VALUES); otherwise the person still enters a code from their
  authenticator app here.

The backend is not in AUTHENTICATION_BACKENDS: only the callback view calls it, so signing in with a
password never reaches the provider.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.models import User
from audit import services as audit
from audit.models import AuditAction


class Refused(Exception):
    """The provider signed the person in, but this service will not: `reason` says why (audited)."""

    def __init__(self, reason: str, email: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.email = email


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value or []]


def provider_did_two_factor(id_token: dict[str, Any]) -> bool:
    """The ID token says the provider used more than one factor (RFC 8176 `amr`, or an `acr` level)."""
    amr = set(_as_list(id_token.get("amr")))
    return bool(amr & set(settings.OIDC_MFA_AMR_VALUES)) or id_token.get("acr") in settings.OIDC_MFA_ACR_VALUES


def check_id_token(id_token: dict[str, Any]) -> None:
    """Issued by our provider, for this service (the signature, expiry and nonce are checked already)."""
    if id_token.get("iss") != settings.OIDC_OP_ISSUER:
        raise Refused("wrong_issuer")
    audience = _as_list(id_token.get("aud"))
    client = settings.OIDC_RP_CLIENT_ID
    if client not in audience or (len(audience) > 1 and id_token.get("azp") != client):
        raise Refused("wrong_audience")


class StaffBackend(OIDCAuthenticationBackend):
    """Signs in an existing, active member of staff whom the provider vouches for by email address."""

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        check_id_token(payload)
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise Refused("wrong_subject")
        email = str(claims.get("email") or "").strip()
        if not email or claims.get("email_verified") is False:
            raise Refused("no_verified_email", email)
        users = list(User.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            raise Refused("email_shared_by_accounts", email)
        if users:
            user = users[0]
        elif settings.OIDC_CREATE_USER:
            user = self._create(email, claims)
        else:
            raise Refused("no_account", email)
        if not user.is_active:
            raise Refused("deactivated", email)
        user.provider_did_two_factor = provider_did_two_factor(payload)  # type: ignore[attr-defined]
        return user

    def _create(self, email: str, claims: dict[str, Any]) -> User:
        """An account with no membership: it sees nothing until an administrator adds one."""
        user = User.objects.create_user(
            self.get_username(claims),
            email=email,
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
        )
        audit.record(None, AuditAction.CREATE, obj=user, username=email, detail={"by": "single sign-on"})
        return user

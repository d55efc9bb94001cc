"""Where a user is signed in: each finished sign-in is kept (`SignedInSession`) so that its owner can
see their sessions and, after giving their password again, end the ones they do not recognise.

A session counts as signed in while the session store still holds it, it still carries the user's
current password hash (a new password or deactivation ends every session) and neither the idle
limit nor the lifetime has passed (accounts/middleware.py ends such a session at its next request).
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts import services, two_factor
from accounts.middleware import LAST_SEEN, SIGNED_IN_AT
from accounts.models import SignedInSession, User
from audit import context
from audit import services as audit
from audit.models import AuditAction

BROWSER_LENGTH = 200  # SignedInSession.browser
# What was asked for again (a password, or a code for those who sign in through their organisation)
# and what is said when it is wrong.
NOT_RIGHT = {
    "password": "The password is not right. Enter the password you sign in with",
    "code": "The code is not right, or it has been used already. Enter the code your authenticator app shows now",
}


@dataclass(frozen=True)
class Signed:
    """One session as its owner's page shows it."""

    pk: int
    signed_in_at: datetime
    last_active: datetime
    ip_address: str | None
    browser: str
    current: bool


def note_sign_in(request: HttpRequest, user: User) -> None:
    """Keep the session a sign-in has just finished (called once two-factor sign-in is done)."""
    _keep(request, user, timezone.now())


def note_current(request: HttpRequest, user: User) -> None:
    """Keep the current session if it is not kept yet (one that began before sessions were kept)."""
    if not SignedInSession.objects.filter(session_key=request.session.session_key or "").exists():
        started = request.session.get(SIGNED_IN_AT)
        _keep(request, user, datetime.fromtimestamp(started, tz=UTC) if started else timezone.now())


def _keep(request: HttpRequest, user: User, signed_in_at: datetime) -> None:
    if request.session.session_key is None:
        request.session.save()
    SignedInSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "signed_in_at": signed_in_at,
            "ip_address": context.client_ip(request),
            "browser": request.headers.get("User-Agent", "")[:BROWSER_LENGTH],
        },
    )


@receiver(user_logged_out)
def _forget_on_sign_out(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if request is not None and request.session.session_key:
        SignedInSession.objects.filter(session_key=request.session.session_key).delete()


def _live(user: User, data: dict[str, Any], now: float) -> bool:
    return (
        constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())
        and now - data.get(SIGNED_IN_AT, 0) <= settings.SESSION_COOKIE_AGE
        and now - data.get(LAST_SEEN, 0) <= settings.SESSION_IDLE_SECONDS
    )


def signed_in(user: User, current_key: str | None) -> list[Signed]:
    """The user's sessions still signed in, newest first (the current one marked); the records of
    sessions that have ended are deleted on the way."""
    records = list(SignedInSession.objects.filter(user=user))
    stored = {
        session.session_key: session.get_decoded()
        for session in Session.objects.filter(
            session_key__in=[record.session_key for record in records], expire_date__gt=timezone.now()
        )
    }
    now = time.time()
    shown, ended = [], []
    for record in records:
        data = stored.get(record.session_key)
        if data is None or not _live(user, data, now):
            ended.append(record.pk)
            continue
        shown.append(
            Signed(
                pk=record.pk,
                signed_in_at=record.signed_in_at,
                last_active=datetime.fromtimestamp(data[LAST_SEEN], tz=UTC),
                ip_address=record.ip_address,
                browser=record.browser,
                current=record.session_key == current_key,
            )
        )
    SignedInSession.objects.filter(pk__in=ended).delete()
    return shown


def clear_ended() -> int:
    """Delete expired sessions, and the records of sessions no longer stored (nightly); how many
    records went."""
    Session.objects.filter(expire_date__lte=timezone.now()).delete()
    stored = Session.objects.filter(session_key=OuterRef("session_key"))
    deleted, _by_model = SignedInSession.objects.filter(~Exists(stored)).delete()
    return deleted


def asks_for_password(user: User) -> bool:
    """Someone who signs in only through their organisation has no password here: they confirm with
    a code from their authenticator app instead."""
    return user.has_usable_password()


def other_session(user: User, current_key: str | None, pk: str) -> SignedInSession | None:
    """One of the user's own sessions other than the current one, or None (for the view's 404)."""
    if not pk.isdigit():
        return None
    return SignedInSession.objects.filter(user=user, pk=int(pk)).exclude(session_key=current_key or "").first()


def end_sessions(
    user: User, session: SignedInSession | None, secret: str, *, current_key: str | None, ip: str | None
) -> int:
    """End one of the user's other sessions (`session`, from `other_session`) or, given None, all of
    them, once the user has given their password (or an authenticator code) again. Each ended session
    is audited; a wrong password or code counts towards the sign-in lockout, is audited, and ends
    nothing."""
    wrong = NOT_RIGHT["password" if asks_for_password(user) else "code"]
    services.check_again(
        user, lambda: _confirmed(user, secret), ip=ip, step="end_sessions", field="secret", wrong=wrong
    )
    others = SignedInSession.objects.filter(user=user).exclude(session_key=current_key or "")
    if session is not None:
        others = others.filter(pk=session.pk)
    ended = 0
    with transaction.atomic():  # each session ends with its audit event, or none does
        for record in others:
            Session.objects.filter(session_key=record.session_key).delete()
            audit.record(user, AuditAction.LOGOUT, detail={"reason": "ended_by_user", "session": record.pk})
            record.delete()
            ended += 1
    return ended


def _confirmed(user: User, secret: str) -> bool:
    if asks_for_password(user):
        return user.check_password(secret)
    return bool(secret) and two_factor.verify(user, secret) is not None

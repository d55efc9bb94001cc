"""Count failed sign-ins per username and per address, and refuse before hashing when over the limit
(hashing a password is deliberately slow, so it must not be free to hammer).

The counts live in the database (`SignInFailure`), not the cache: sign-in must work, and the
lockout must hold, while Redis is down. A failure counts for `LOGIN_LOCKOUT_SECONDS`, so a pause
ends on its own and an attacker elsewhere cannot lock someone out for longer than they keep trying.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import SignInFailure

ADDRESS_MULTIPLIER = 4  # an office behind one address has many people
Kind = SignInFailure.Kind


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.casefold().encode(), hashlib.sha256).hexdigest()


def _recent(kind: str, value: str):
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    return SignInFailure.objects.filter(digest=_digest(value), kind=kind, at__gte=since)


def is_locked(username: str, ip: str | None) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    if _recent(Kind.USERNAME, username).count() >= limit:
        return True
    if not ip:
        return False
    return _recent(Kind.ADDRESS, ip).count() >= limit * ADDRESS_MULTIPLIER


def locked_message() -> str:
    minutes = max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))
    return f"Too many failed attempts. Wait {minutes} minutes, then try again"


def record_failure(username: str, ip: str | None) -> bool:
    """Count one failure; True when it is the one that pauses sign-in for the username."""
    now = timezone.now()
    # Failures older than the pause count for nothing: drop them as new ones arrive.
    SignInFailure.objects.filter(at__lt=now - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)).delete()
    rows = [SignInFailure(kind=Kind.USERNAME, digest=_digest(username), at=now)]
    if ip:
        rows.append(SignInFailure(kind=Kind.ADDRESS, digest=_digest(ip), at=now))
    SignInFailure.objects.bulk_create(rows)
    return _recent(Kind.USERNAME, username).count() == settings.LOGIN_FAILURE_LIMIT


def clear(username: str) -> None:
    SignInFailure.objects.filter(kind=Kind.USERNAME, digest=_digest(username)).delete()

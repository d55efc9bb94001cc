"""How long a session lasts, and that it went through two-factor sign-in."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_otp import DEVICE_ID_SESSION_KEY

from audit import services as audit
from audit.models import AuditAction

SIGNED_IN_AT = "signed_in_at"
# Set when single sign-on's identity provider did the second factor (accounts/oidc.py).
PROVIDER_TWO_FACTOR = "provider_two_factor"
LAST_SEEN = "last_seen"
# Seconds between writes of the last-seen time: the idle limit is this coarse, and a page costs no
# session write most of the time.
LAST_SEEN_EVERY = 60

ENDED = {
    "idle": "You were signed out because you had not done anything for {minutes} minutes",
    "lifetime": "You were signed out because you had been signed in for {hours} hours. Sign in again",
    "two_factor": "Sign in with your password and a code from your authenticator app",
}


@receiver(user_logged_in)
def _start_the_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


def _ended(request: HttpRequest, now: int) -> str:
    session = request.session
    if settings.TWO_FACTOR_REQUIRED and DEVICE_ID_SESSION_KEY not in session and not session.get(PROVIDER_TWO_FACTOR):
        return "two_factor"
    if now - session.get(SIGNED_IN_AT, 0) > settings.SESSION_COOKIE_AGE:
        return "lifetime"
    if now - session.get(LAST_SEEN, 0) > settings.SESSION_IDLE_SECONDS:
        return "idle"
    return ""


class SessionLimitsMiddleware:
    """Ends a session after SESSION_IDLE_SECONDS without a request or SESSION_COOKIE_AGE after
    sign-in, and any session that skipped the second factor where it is required."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            reason = _ended(request, now)
            if reason:
                audit.record(request.user, AuditAction.LOGOUT, detail={"reason": reason})
                logout(request)
                messages.info(
                    request,
                    ENDED[reason].format(
                        minutes=settings.SESSION_IDLE_SECONDS // 60, hours=settings.SESSION_COOKIE_AGE // 3600
                    ),
                )
            elif now - request.session[LAST_SEEN] >= LAST_SEEN_EVERY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

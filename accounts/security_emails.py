"""Emails about a person's own account: the link that resets a forgotten password, and a notice
after anything changes how they sign in (ASVS 5.0 V6.3.7) or after a suspicious sign-in (V6.3.5),
whether they asked for alert emails or not, so that someone who did not do it hears of it.

Both go through the outbox (sent once the transaction commits, later if the broker is down). The
reset link is made when the email is sent, so no token is ever stored. Neither says anything about
a young person."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import notifications
from accounts.models import User
from jobs import outbox

IF_NOT_YOU = (
    "If this was you, you need do nothing.\n\n"
    "If it was not you, tell your system administrator at once: someone else may be able to sign in as you."
)
IF_NOT_YOU_CHANGE_IT = (
    "If this was you, you need do nothing.\n\n"
    "If it was not you, someone knows your password. Sign in and change it now, and tell your system "
    "administrator."
)


class Notice(models.TextChoices):
    PASSWORD_CHANGED = "password_changed", "Your password was changed"
    PASSWORD_RESET = "password_reset", "Your password was reset with a link we emailed you"
    PASSWORD_SET_BY_ADMINISTRATOR = "password_set", "A system administrator set a new password for you"
    TWO_FACTOR_SET_UP = "two_factor_set_up", "Two-factor sign-in was set up on your account"
    TWO_FACTOR_RESET = "two_factor_reset", "A system administrator reset your two-factor sign-in"
    # Suspicious sign-ins (ASVS 5.0 V6.3.5): the password right but not the code; a run of wrong passwords.
    CODE_REFUSED = "code_refused", "Someone gave your password but not a right code from your authenticator app"
    SIGN_IN_PAUSED = "sign_in_paused", "Sign-in to your account was paused after too many wrong passwords"


def reset_link_minutes() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


def queue_reset_link(user: User) -> None:
    outbox.enqueue("accounts.tasks.email_password_reset", user.pk)


def queue_notice(user: User, notice: Notice) -> None:
    if user.email:
        outbox.enqueue("accounts.tasks.email_security_notice", user.pk, notice.value, timezone.now().isoformat())


def queue_paused_notice(username: str) -> None:
    """Sign-in has just been paused for this username: tell the person, if it is someone's."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is not None:
        queue_notice(user, Notice.SIGN_IN_PAUSED)


def _send(user: User, subject: str, body: str) -> bool:
    return not notifications.send_email(user, subject, body, what="Account email")


def send_reset_link(user_id: int) -> bool:
    """The link (made now, so it lasts from now) to an active account with a password here; someone
    who signs in only through their organisation is told that they have no password here."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return False
    service = settings.SERVICE_NAME
    if not user.has_usable_password():
        body = (
            f"Someone asked to reset the password for your account {user.get_username()} on {service}.\n\n"
            f"You sign in with {settings.OIDC_PROVIDER_NAME}, so you have no password here to reset. "
            "If you have forgotten that password, your organisation's IT service desk can help.\n\n"
            "If you did not ask, you can ignore this email."
        )
        return _send(user, f"{service}: you have no password here", body)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = settings.SITE_URL + reverse("accounts:reset_link", args=[uid, default_token_generator.make_token(user)])
    body = (
        f"Someone (we hope you) asked to reset the password for your account {user.get_username()} on {service}.\n\n"
        f"Set a new password here:\n{link}\n\n"
        f"The link works once, for {reset_link_minutes()} minutes. You will still need your authenticator app "
        "to sign in.\n\n"
        "If you did not ask, you can ignore this email: your password has not changed."
    )
    return _send(user, f"{service}: reset your password", body)


def send_notice(user_id: int, notice: str, at: str) -> bool:
    user = User.objects.filter(pk=user_id).exclude(email="").first()
    if user is None:
        return False
    what = Notice(notice).label
    when = timezone.localtime(datetime.fromisoformat(at))
    advice = IF_NOT_YOU_CHANGE_IT if notice == Notice.CODE_REFUSED else IF_NOT_YOU
    body = (
        f"{what} on {when:%-d %B %Y} at {when:%H:%M}, for your account {user.get_username()} "
        f"on {settings.SERVICE_NAME}.\n\n{advice}\n\n{settings.SITE_URL}/\n"
    )
    return _send(user, f"{settings.SERVICE_NAME}: {what[0].lower()}{what[1:]}", body)

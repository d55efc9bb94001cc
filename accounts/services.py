"""The user's own settings. Each user changes only their own, so no rule is asked: the signed-in
user is the record (or, for a forgotten password, the person holding the link emailed to them)."""

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode

from accounts import security_emails, throttle
from accounts.models import EmailChoice, User
from accounts.security_emails import Notice
from audit import services as audit
from audit.models import AuditAction, AuditEvent

# Reset emails one account may be sent in an hour, however often someone asks (no inbox flooding).
RESET_EMAILS_PER_HOUR = 3
EXPIRED_LINK = "This link has expired or has been used. Ask for a new one"


@transaction.atomic
def set_alert_emails(user: User, choice: str) -> User:
    """Alert emails as each alert happens, or once a day in one digest."""
    if choice not in EmailChoice.values:
        raise ValidationError({"notification_emails": "Select how you want alert emails"})
    current = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(current)
    current.notification_emails = choice
    current.save(update_fields=["notification_emails"])
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current))
    user.notification_emails = choice
    return current


def check_again(
    user: User, confirmed: Callable[[], bool], *, ip: str | None, step: str, field: str, wrong: str
) -> None:
    """A signed-in person proves again that it is them (before changing their password or ending their
    other sessions): refused while the sign-in lockout holds; a wrong answer counts towards it and is
    audited as a failed sign-in at `step`. The error is `wrong` on the form's `field`."""
    if throttle.is_locked(user.username, ip):
        raise ValidationError({field: throttle.locked_message()})
    if not confirmed():
        if throttle.record_failure(user.username, ip):
            security_emails.queue_notice(user, Notice.SIGN_IN_PAUSED)
        audit.record(None, AuditAction.LOGIN_FAILED, username=user.username, detail={"step": step})
        raise ValidationError({field: wrong})


def change_password(user: User, *, current: str, new: str, repeat: str, ip: str | None) -> User:
    """The user's own new password, once they have given their current one (which counts towards the
    sign-in lockout when wrong). Checked like any password; audited without either password. Every
    other session ends, because the session hash follows the password."""
    check_again(
        user,
        lambda: user.check_password(current),
        ip=ip,
        step="change_password",
        field="current_password",
        wrong="Your current password is not right",
    )
    errors = _new_password_errors(user, new, repeat)
    if "new_password" not in errors and new == current:
        errors["new_password"] = ["Your new password must be different from your current password"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = User.objects.select_for_update().get(pk=user.pk)
        changed.set_password(new)
        changed.save(update_fields=["password"])
        audit.record(user, AuditAction.UPDATE, obj=changed, detail={"changed": ["password"]})
        security_emails.queue_notice(changed, Notice.PASSWORD_CHANGED)
    throttle.clear(user.username)
    user.password = changed.password
    return changed


def _new_password_errors(user: User, new: str, repeat: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        password_validation.validate_password(new, user)
    except ValidationError as error:
        errors["new_password"] = list(error.messages)
    if new != repeat:
        errors["repeat_password"] = ["Enter the same new password twice"]
    return errors


@transaction.atomic
def ask_for_password_reset(email: str) -> None:
    """Someone has forgotten their password: email a reset link to each active account with this
    address (or, to someone with no password here, how they sign in). The asker is told the same
    whatever happens, so this returns nothing. Each request for an account is audited; past
    RESET_EMAILS_PER_HOUR sent in an hour, no more go."""
    since = timezone.now() - timedelta(hours=1)
    for user in User.objects.filter(email__iexact=email.strip(), is_active=True).exclude(email="").order_by("pk"):
        sent = AuditEvent.objects.filter(
            action=AuditAction.PASSWORD_RESET_ASKED,
            object_type=audit.object_type_of(user),
            object_id=str(user.pk),
            at__gte=since,
            detail__emailed=True,
        ).count()
        emailed = sent < RESET_EMAILS_PER_HOUR
        audit.record(
            None, AuditAction.PASSWORD_RESET_ASKED, obj=user, username=user.username, detail={"emailed": emailed}
        )
        if emailed:
            security_emails.queue_reset_link(user)


def user_for_reset(uidb64: str, token: str) -> User | None:
    """The account a reset link is for, while the link still works (it stops once used, when the
    person signs in, and after PASSWORD_RESET_TIMEOUT); None for any other link."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not user.has_usable_password() or not default_token_generator.check_token(user, token):
        return None
    return user


def reset_password(user: User, *, token: str, new: str, repeat: str) -> User:
    """A new password from a reset link, checked like any password. It signs nobody in (two-factor
    sign-in is still asked for) and ends every session the account had. Audited, and the person is
    told by email; the sign-in lockout on their username is lifted."""
    errors = _new_password_errors(user, new, repeat)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = User.objects.select_for_update().get(pk=user.pk)
        if not changed.is_active or not default_token_generator.check_token(changed, token):
            raise ValidationError({"new_password": EXPIRED_LINK})  # used meanwhile, or the account closed
        changed.set_password(new)
        changed.save(update_fields=["password"])
        audit.record(None, AuditAction.PASSWORD_RESET, obj=changed, username=changed.username)
        security_emails.queue_notice(changed, Notice.PASSWORD_RESET)
    throttle.clear(changed.username)
    return changed

"""The user's own settings. Each user changes only their own, so no rule is asked: the signed-in
user is the record."""

from collections.abc import Callable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import throttle
from accounts.models import EmailChoice, User
from audit import services as audit
from audit.models import AuditAction


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
        throttle.record_failure(user.username, ip)
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
    errors: dict[str, list[str]] = {}
    try:
        password_validation.validate_password(new, user)
    except ValidationError as error:
        errors["new_password"] = list(error.messages)
    if not errors and new == current:
        errors["new_password"] = ["Your new password must be different from your current password"]
    if new != repeat:
        errors["repeat_password"] = ["Enter the same new password twice"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = User.objects.select_for_update().get(pk=user.pk)
        changed.set_password(new)
        changed.save(update_fields=["password"])
        audit.record(user, AuditAction.UPDATE, obj=changed, detail={"changed": ["password"]})
    throttle.clear(user.username)
    user.password = changed.password
    return changed

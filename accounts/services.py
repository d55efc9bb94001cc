"""The user's own settings. Each user changes only their own, so no rule is asked: the signed-in
user is the record."""

from django.core.exceptions import ValidationError
from django.db import transaction

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

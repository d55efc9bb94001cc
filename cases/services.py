"""Every write to case records: check the policy, write, audit, in one transaction."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import policy
from audit import services as audit
from audit.models import AuditAction
from cases.models import BreakGlassGrant, Child
from jobs import outbox

EDITABLE_CHILD_FIELDS = ("given_name", "family_name", "date_of_birth", "gender", "ethnicity", "area", "status")


class StaleVersion(Exception):
    """Somebody else saved the record since this user opened it."""

    def __init__(self, current: Child):
        super().__init__("The record was changed by someone else.")
        self.current = current


@transaction.atomic
def update_child(user, child: Child, changes: dict, *, expected_version: int) -> Child:
    if not policy.can(user, "change_child", child):
        raise PermissionDenied("You cannot change this record.")
    current = Child.objects.select_for_update().get(pk=child.pk)
    if current.version != expected_version:
        raise StaleVersion(current)
    before = audit.snapshot(current)
    for field in EDITABLE_CHILD_FIELDS:
        if field in changes:
            setattr(current, field, changes[field])
    current.version += 1
    current.save()
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current))
    return current


@transaction.atomic
def break_glass(user, *, reference: str, date_of_birth: date, reason: str, hours: int) -> BreakGlassGrant | None:
    """Open a record outside the user's agencies in an emergency. The caller must know the exact
    reference and date of birth; None (and no grant) when they do not match."""
    if not policy.can(user, "break_glass"):
        raise PermissionDenied("Your role cannot use emergency access.")
    child = Child.objects.filter(reference__iexact=reference.strip(), date_of_birth=date_of_birth).first()
    if child is None:
        audit.record(
            user, AuditAction.DENIED, object_type="cases.child", detail={"break_glass": "no match"}, reason=reason
        )
        return None
    grant = BreakGlassGrant.objects.create(
        user=user, child=child, reason=reason, expires_at=policy.break_glass_expiry(hours)
    )
    audit.record(user, AuditAction.BREAK_GLASS, obj=child, reason=reason, detail={"grant": grant.pk, "hours": hours})
    outbox.enqueue("cases.tasks.notify_dpo_of_break_glass", grant.pk)
    return grant


@transaction.atomic
def review_break_glass(user, grant: BreakGlassGrant, *, note: str, revoke: bool) -> BreakGlassGrant:
    if not policy.can(user, "review_break_glass", grant):
        raise PermissionDenied("Only a data protection officer can review emergency access.")
    before = audit.snapshot(grant)
    grant.reviewed_by = user
    grant.reviewed_at = timezone.now()
    grant.review_note = note
    if revoke and grant.revoked_at is None:
        grant.revoked_at = timezone.now()
    grant.save()
    audit.record_write(user, AuditAction.UPDATE, grant, before=before, after=audit.snapshot(grant))
    return grant

"""Writes of the access layer: access grants to one child, and emergency access. Each checks
the policy, validates, writes and audits in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from access.models import AccessGrant, BreakGlassGrant
from access.principal import forget, principal
from accounts import security_emails, two_factor
from accounts.models import Role, User
from accounts.security_emails import Notice
from audit import services as audit
from audit.models import AuditAction

MAX_GRANT_DAYS = 366
# Roles that see no case content: a user holding only these cannot be granted a child.
OVERSIGHT_ROLES = frozenset({Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMIN})


@transaction.atomic
def grant_access(
    actor: Any,
    grantee: Any,
    child: Any,
    *,
    reason: str,
    ends_on: date | None,
    authorised_by: str = "manage_access_grants",
    scope: str = "",
) -> AccessGrant:
    """Let `grantee` (a named mentor, a seconded officer) see one child until `ends_on` (inclusive),
    for a reason. Refused: an inactive grantee, the administrator themselves, someone whose only
    roles see no case content (or who has no role), an end date in the past or more than a year
    ahead, no reason, or an overlapping grant to the same child. `authorised_by` names the rule
    that lets `actor` grant (a domain service granting as part of its own write, such as a
    mentoring match, names its own rule, checked on the child); `scope` keeps the grant to that
    area (the child is visible nowhere else through it)."""
    policy.require(actor, authorised_by, child, message="Only a system administrator can grant access.")
    reason = (reason or "").strip()
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if grantee is None or not grantee.is_active:
        errors["user"] = "Choose an active user"
    elif grantee.pk == actor.pk:
        errors["user"] = "You cannot give yourself access to a young person's record"
    elif not principal(grantee).roles - OVERSIGHT_ROLES:
        errors["user"] = (
            "Choose someone who works with young people: data protection officers and administrators do not "
            "see case records"
        )
    if not reason:
        errors["reason"] = "Enter why this person needs to see this young person's record"
    if ends_on is None:
        errors["ends_on"] = "Enter the last day the access works"
    elif ends_on < today:
        errors["ends_on"] = "The last day must be today or in the future"
    elif (ends_on - today).days > MAX_GRANT_DAYS:
        errors["ends_on"] = "Access can be granted for at most a year at a time"
    if not errors and AccessGrant.objects.active().filter(user=grantee, child=child).exists():
        errors["user"] = "This person already has access to this young person's record"
    if errors or ends_on is None:
        raise ValidationError(errors)
    # Lock the grantee's row so two administrators cannot both add the same grant.
    type(grantee).objects.select_for_update().filter(pk=grantee.pk).first()
    if AccessGrant.objects.active().filter(user=grantee, child=child).exists():
        raise ValidationError({"user": "This person already has access to this young person's record"})
    grant = AccessGrant(
        user=grantee, child=child, reason=reason, starts_on=today, ends_on=ends_on, granted_by=actor, scope=scope
    )
    grant.full_clean()
    grant.save()
    audit.record_write(actor, AuditAction.CREATE, grant, before=None, after=audit.snapshot(grant), reason=reason)
    # The grantee is a subject too, so the DPO's "what did this user look at" shows the grant.
    audit.record(
        actor,
        AuditAction.GRANT,
        obj=child,
        subjects=[grantee.pk],
        subject_type="accounts.user",
        reason=reason,
        detail={
            "grant": grant.pk,
            "user": grantee.pk,
            "username": grantee.get_username(),
            "ends_on": ends_on.isoformat(),
        },
    )
    forget(grantee)
    return grant


@transaction.atomic
def reset_two_factor(actor: Any, user: User) -> None:
    """A person lost their phone and backup codes: remove their two-factor devices and end their
    sessions; they set it up again at their next sign-in. Audited, and the person is told by email."""
    policy.require(actor, "reset_two_factor", message="Only a system administrator can reset two-factor sign-in.")
    removed = two_factor.reset(user)
    audit.record(actor, AuditAction.TWO_FACTOR_RESET, obj=user, detail={"devices_removed": removed})
    security_emails.queue_notice(user, Notice.TWO_FACTOR_RESET)


@transaction.atomic
def send_password_reset(actor: Any, user: User) -> bool:
    """An administrator sends someone the link to set a new password themselves, so that nobody else
    chooses or knows it (ASVS 5.0 V6.4.6). False, and nothing sent, for a person with no email
    address or a closed account. Audited."""
    policy.require(actor, "administer", message="Only a system administrator can send a password reset link.")
    if not user.is_active or not user.email:
        return False
    audit.record(actor, AuditAction.PASSWORD_RESET_ASKED, obj=user, detail={"emailed": True, "by_administrator": True})
    security_emails.queue_reset_link(user)
    return True


def note_password_set(actor: Any, user: User) -> None:
    """An administrator has just set someone's password (with the Django admin's own form, which saves
    it): audited without the password, and the person is told by email."""
    policy.require(actor, "administer", message="Only a system administrator can set a password.")
    audit.record(actor, AuditAction.UPDATE, obj=user, detail={"changed": ["password"], "by_administrator": True})
    security_emails.queue_notice(user, Notice.PASSWORD_SET_BY_ADMINISTRATOR)


@transaction.atomic
def end_access_grant(
    actor: Any, grant: AccessGrant, *, reason: str, authorised_by: str = "manage_access_grants"
) -> AccessGrant:
    """End a grant now (it stops working at once), with a reason (`authorised_by`: see grant_access)."""
    policy.require(actor, authorised_by, message="Only a system administrator can end access.")
    current = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"end_reason": "Enter why the access is ending"})
    if current.ended_at is not None:
        raise ValidationError({"end_reason": "This access has already ended"})
    before = audit.snapshot(current)
    current.ended_at = timezone.now()
    current.ended_by = actor
    current.end_reason = reason
    current.save()
    audit.record_write(actor, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current), reason=reason)
    audit.record(
        actor,
        AuditAction.GRANT_ENDED,
        object_type="cases.child",
        object_id=current.child_id,
        subjects=[current.user_id],
        subject_type="accounts.user",
        reason=reason,
        detail={"grant": current.pk, "user": current.user_id, "username": current.user.get_username()},
    )
    forget(current.user)
    return current


@transaction.atomic
def open_emergency_access(user: Any, child: Any, *, reason: str, hours: int) -> BreakGlassGrant:
    """Emergency access to one child the user found by its exact reference and date of birth."""
    policy.require(user, "break_glass", message="Your role cannot use emergency access.")
    grant = BreakGlassGrant.objects.create(
        user=user, child=child, reason=reason, expires_at=policy.break_glass_expiry(hours)
    )
    forget(user)  # so this user object sees the child at once
    audit.record(user, AuditAction.BREAK_GLASS, obj=child, reason=reason, detail={"grant": grant.pk, "hours": hours})
    return grant


@transaction.atomic
def review_emergency_access(user: Any, grant: BreakGlassGrant, *, note: str, revoke: bool) -> BreakGlassGrant:
    policy.require(user, "review_break_glass", grant, "Only a data protection officer can review emergency access.")
    before = audit.snapshot(grant)
    grant.reviewed_by = user
    grant.reviewed_at = timezone.now()
    grant.review_note = note
    if revoke and grant.revoked_at is None:
        grant.revoked_at = timezone.now()
    grant.save()
    audit.record_write(user, AuditAction.UPDATE, grant, before=before, after=audit.snapshot(grant))
    return grant

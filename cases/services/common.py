"""Helpers every case-record service uses: policy checks, versioned saves, audited writes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from accounts import policy
from accounts.models import Agency, Membership
from audit import services as audit
from audit.models import AuditAction


class StaleVersion(Exception):
    """Somebody else saved the record since this user opened it."""

    def __init__(self, current: models.Model):
        super().__init__("The record was changed by someone else.")
        self.current = current


def require(user, action: str, obj: Any = None, message: str = "You cannot do this.") -> None:
    if not policy.can(user, action, obj):
        raise PermissionDenied(message)


def acting_agency(user, agency: Agency | None = None) -> Agency:
    """The agency a record is made on behalf of: one the user belongs to (the first by default)."""
    memberships = Membership.objects.active().filter(user=user, role__in=policy.EDITOR_ROLES).select_related("agency")
    if agency is not None:
        if not memberships.filter(agency=agency).exists():
            raise ValidationError({"source_agency": "Choose one of your own agencies"})
        return agency
    membership = memberships.first()
    if membership is None:
        raise PermissionDenied("You are not a member of an agency that records case information.")
    return membership.agency


def create_audited(user, model: type[models.Model], **fields) -> models.Model:
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    audit.record_write(user, AuditAction.CREATE, obj, before=None, after=audit.snapshot(obj))
    return obj


def update_versioned(user, obj: models.Model, changes: dict, *, expected_version: int | None, fields) -> models.Model:
    """Apply `changes` (only `fields`) to a locked copy if nobody saved since `expected_version`."""
    current = type(obj).objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    before = audit.snapshot(current)
    for field in fields:
        if field in changes:
            setattr(current, field, changes[field])
    current.full_clean()
    current.version += 1
    current.save()
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=audit.snapshot(current))
    return current

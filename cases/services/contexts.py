"""Writes about contexts and the links between children and contexts."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from access.policy import acting_agency, require
from audit import services as audit
from audit.models import AuditAction
from audit.services import create_audited, update_versioned
from cases.models import Child, Context, ContextLink, Involvement

if TYPE_CHECKING:
    from accounts.models import User

EDITABLE_CONTEXT_FIELDS = (
    "name",
    "description",
    "status",
    "neighbourhood",
    "location_type",
    "address",
    "latitude",
    "longitude",
    "known_names",
    "dynamics",
    "platform",
)
PREFIX = {"peer_group": "PG", "location": "LO", "school": "SC", "neighbourhood": "NB", "online": "ON"}


@transaction.atomic
def create_context(user: User, kind: str, fields: dict[str, Any]) -> Context:
    """Create a context; the creator's agency becomes involved with it."""
    require(user, "add_context", message="Your role cannot add contexts.")
    agency = acting_agency(user)
    fields = {key: value for key, value in fields.items() if key in EDITABLE_CONTEXT_FIELDS}
    context = create_audited(
        user, Context, kind=kind, reference=f"NEW-{uuid.uuid4().hex[:12]}", created_by=user, **fields
    )
    context.reference = f"{PREFIX.get(kind, 'CX')}-{context.pk:05d}"
    context.save(update_fields=["reference"])
    Involvement.objects.create(agency=agency, context=context, lead_professional=user, is_lead_agency=True)
    return context


@transaction.atomic
def update_context(user: User, context: Context, changes: dict[str, Any], *, expected_version: int | None) -> Context:
    require(user, "change_context", context, "You cannot change this context.")
    return update_versioned(user, context, changes, expected_version=expected_version, fields=EDITABLE_CONTEXT_FIELDS)


@transaction.atomic
def link_child(user: User, child: Child, context: Context, **fields: Any) -> ContextLink:
    """Record that a child is linked to a context (member, harmed there, witness...)."""
    require(user, "change_child", child, "You cannot change this record.")
    if not policy.can(user, "view_context", context):
        raise ValidationError({"context": "Choose a context you can see"})
    fields["source_agency"] = acting_agency(user, fields.get("source_agency"))
    return create_audited(user, ContextLink, child=child, context=context, recorded_by=user, **fields)


@transaction.atomic
def end_link(user: User, link: ContextLink, *, until: date | None = None) -> ContextLink:
    require(user, "change_child", link.child, "You cannot change this record.")
    if link.until is not None and link.until <= timezone.localdate():
        raise ValidationError({"until": "This link has already ended"})
    before = audit.snapshot(link)
    link.until = until or timezone.localdate()
    link.full_clean()
    link.save(update_fields=["until"])
    audit.record_write(user, AuditAction.UPDATE, link, before=before, after=audit.snapshot(link))
    return link

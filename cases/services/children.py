"""Writes about children: the record, names and aliases, peer links, and emergency access."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from access import policy
from access import services as access_services
from access.models import BreakGlassGrant
from access.policy import acting_agency, require
from audit import services as audit
from audit.models import AuditAction
from audit.services import create_audited, update_versioned
from cases.models import Child, ChildAlias, ChildName, Involvement, PeerLink
from cases.models.children import check_age
from jobs import outbox

if TYPE_CHECKING:
    from accounts.models import User

EDITABLE_CHILD_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "neighbourhood",
    "status",
    "upn",
    "nhs_number",
    "police_id",
    "school",
    "lead_professional",
    "looked_after",
    "over_18_reason",
)


def rebuild_search_names(child: Child) -> None:
    """Keep the name search index in step with the child's name and aliases."""
    ChildName.objects.filter(child=child).delete()
    rows = [ChildName.build(child, f"{child.given_name} {child.family_name}")]
    rows += [ChildName.build(child, alias.name, alias) for alias in child.aliases.all()]
    ChildName.objects.bulk_create(rows)


def _normalise_identifiers(fields: dict[str, Any]) -> dict[str, Any]:
    for key in ("upn", "nhs_number", "police_id"):
        if fields.get(key):
            fields[key] = "".join(str(fields[key]).split()).upper()
    return fields


def child_reference(pk: int) -> str:
    """The one reference format for a young person, from their row's id (demo data uses it too)."""
    return f"CH-{pk:06d}"


@transaction.atomic
def create_child(user: User, fields: dict[str, Any]) -> Child:
    """Create a child; the creator's agency becomes involved (so they can see what they made)."""
    require(user, "add_child", message="Your role cannot add children.")
    agency = acting_agency(user)
    fields = _normalise_identifiers({key: value for key, value in fields.items() if key in EDITABLE_CHILD_FIELDS})
    check_age(fields["date_of_birth"], fields.get("over_18_reason", ""))
    # The page says so: whoever adds the young person is their lead professional unless they name one.
    fields["lead_professional"] = fields.get("lead_professional") or user
    child = create_audited(user, Child, reference=f"NEW-{uuid.uuid4().hex[:12]}", **fields)
    child.reference = child_reference(child.pk)
    child.save(update_fields=["reference"])
    Involvement.objects.create(agency=agency, child=child, lead_professional=user, is_lead_agency=True)
    rebuild_search_names(child)
    return child


TAKE_ON_REASON_MAX = 1000


@transaction.atomic
def take_on(user: User, child: Child, reason: str) -> Involvement:
    """Start working with a young person no agency works with yet (someone known only from a data
    feed), on behalf of the user's agency: from now on that agency's caseworkers see them, and no
    one else does. The reason is kept with the audited involvement."""
    require(user, "take_on_child", child, "You cannot take on this young person.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why your agency is starting to work with this young person"})
    if len(reason) > TAKE_ON_REASON_MAX:
        raise ValidationError({"reason": f"Reason must be {TAKE_ON_REASON_MAX:,} characters or fewer"})
    # Locks the child so that two people taking them on at once cannot both succeed.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    if Involvement.objects.filter(child=child).exists():
        raise ValidationError({"reason": "An agency already works with this young person; ask them to involve you"})
    involvement = Involvement(agency=acting_agency(user), child=child, is_lead_agency=True)
    involvement.full_clean()
    involvement.save()
    audit.record_write(
        user, AuditAction.CREATE, involvement, before=None, after=audit.snapshot(involvement), reason=reason
    )
    return involvement


@transaction.atomic
def update_child(user: User, child: Child, changes: dict[str, Any], *, expected_version: int | None) -> Child:
    require(user, "change_child", child, "You cannot change this record.")
    changes = _normalise_identifiers(dict(changes))
    born = changes.get("date_of_birth", child.date_of_birth)
    reason = changes.get("over_18_reason", child.over_18_reason)
    if (born, reason) != (child.date_of_birth, child.over_18_reason):
        # Checked when either changes: a record does not become invalid as its young person grows up.
        check_age(born, reason)
    updated = update_versioned(user, child, changes, expected_version=expected_version, fields=EDITABLE_CHILD_FIELDS)
    rebuild_search_names(updated)
    return updated


@transaction.atomic
def add_alias(user: User, child: Child, *, name: str, note: str = "") -> ChildAlias:
    require(user, "change_child", child, "You cannot change this record.")
    alias = create_audited(user, ChildAlias, child=child, name=name.strip(), note=note)
    rebuild_search_names(child)
    return alias


@transaction.atomic
def remove_alias(user: User, alias: ChildAlias) -> None:
    require(user, "change_child", alias.child, "You cannot change this record.")
    audit.record_write(user, AuditAction.DELETE, alias, before=audit.snapshot(alias), after=None)
    child = alias.child
    alias.delete()
    rebuild_search_names(child)


@transaction.atomic
def add_peer_link(user: User, child: Child, other: Child, **fields: Any) -> PeerLink:
    require(user, "change_child", child, "You cannot change this record.")
    if not policy.can(user, "view_child", other):
        raise ValidationError({"other": "Choose a young person you can see"})
    if other.pk == child.pk:
        raise ValidationError({"other": "Choose a different young person"})
    fields["source_agency"] = acting_agency(user, fields.get("source_agency"))
    return create_audited(user, PeerLink, child_a=child, child_b=other, recorded_by=user, **fields)


@transaction.atomic
def break_glass(user: User, *, reference: str, date_of_birth: date, reason: str, hours: int) -> BreakGlassGrant | None:
    """Open a record outside the user's agencies in an emergency. The caller must know the exact
    reference and date of birth; None (and no grant) when they do not match."""
    require(user, "break_glass", message="Your role cannot use emergency access.")
    child = Child.objects.filter(reference__iexact=reference.strip(), date_of_birth=date_of_birth).first()
    if child is None:
        audit.record(
            user, AuditAction.DENIED, object_type="cases.child", detail={"break_glass": "no match"}, reason=reason
        )
        return None
    grant = access_services.open_emergency_access(user, child, reason=reason, hours=hours)
    outbox.enqueue("cases.tasks.notify_dpo_of_break_glass", grant.pk)
    return grant

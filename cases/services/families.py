"""Writes about families: households, their members and family-level facts."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from access import policy
from access.policy import acting_agency, require
from audit.services import create_audited, update_versioned
from cases.models import Adult, Child, Family, FamilyFact, FamilyMember, Involvement

if TYPE_CHECKING:
    from accounts.models import User

EDITABLE_FAMILY_FIELDS = ("name", "postcode", "neighbourhood")


@transaction.atomic
def create_family(user: User, fields: dict[str, Any], *, first_child: Child | None = None) -> Family:
    require(user, "add_family", message="Your role cannot add families.")
    agency = acting_agency(user)
    fields = {key: value for key, value in fields.items() if key in EDITABLE_FAMILY_FIELDS}
    family = create_audited(user, Family, reference=f"NEW-{uuid.uuid4().hex[:12]}", **fields)
    family.reference = f"FA-{family.pk:06d}"
    family.save(update_fields=["reference"])
    Involvement.objects.create(agency=agency, family=family, lead_professional=user)
    if first_child is not None:
        add_child_member(user, family, first_child, relationship="child")
    return family


@transaction.atomic
def update_family(user: User, family: Family, changes: dict[str, Any], *, expected_version: int | None) -> Family:
    require(user, "change_family", family, "You cannot change this family.")
    return update_versioned(user, family, changes, expected_version=expected_version, fields=EDITABLE_FAMILY_FIELDS)


@transaction.atomic
def add_child_member(
    user: User, family: Family, child: Child, *, relationship: str = "child", lives_in_household: bool = True
) -> FamilyMember:
    require(user, "change_family", family, "You cannot change this family.")
    if not policy.can(user, "view_child", child):
        raise ValidationError({"child": "Choose a young person you can see"})
    if FamilyMember.objects.filter(family=family, child=child).exists():
        raise ValidationError({"child": "This young person is already in the family"})
    return create_audited(
        user, FamilyMember, family=family, child=child, relationship=relationship, lives_in_household=lives_in_household
    )


@transaction.atomic
def add_adult_member(
    user: User,
    family: Family,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date | None = None,
    relationship: str,
    lives_in_household: bool = True,
) -> FamilyMember:
    require(user, "change_family", family, "You cannot change this family.")
    if relationship == "child":
        raise ValidationError({"relationship": "Choose how this adult is related to the family"})
    adult = create_audited(user, Adult, given_name=given_name, family_name=family_name, date_of_birth=date_of_birth)
    return create_audited(
        user, FamilyMember, family=family, adult=adult, relationship=relationship, lives_in_household=lives_in_household
    )


@transaction.atomic
def add_fact(user: User, family: Family, **fields: Any) -> FamilyFact:
    require(user, "change_family", family, "You cannot change this family.")
    fields["source_agency"] = acting_agency(user, fields.get("source_agency"))
    return create_audited(user, FamilyFact, family=family, recorded_by=user, **fields)

"""Police-only writes: persons of concern, disruption actions, graded intelligence and sharing.

Only police officers of a police agency may do any of this (policy "police_work"); everyone else
gets PermissionDenied. Links to children and locations must be records the officer can see.
Sharing turns an officer's own sanitised summary into "police_information" chronology entries on
each linked child; the report's text never leaves the police pages.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.policy import require
from accounts.models import Agency, AgencyKind, Membership, Role
from audit import services as audit
from audit.models import AuditAction
from cases.models import Child, Context, ContextKind, EventKind, Reliability
from cases.services.chronology import add_event
from interventions.models import (
    DisruptionAction,
    DisruptionKind,
    HandlingCode,
    IntelligenceReport,
    IntelligenceShare,
    PersonOfConcern,
)
from safeguarding.services import StaleVersion

if TYPE_CHECKING:
    from django.db.models import Model

    from accounts.models import User

__all__ = [
    "StaleVersion",
    "cawn_refusal",
    "create_intelligence",
    "create_person",
    "police_agency",
    "record_disruption",
    "reliability_of",
    "share_intelligence",
    "update_person",
]

PERSON_FIELDS = ("given_name", "family_name", "known_as", "date_of_birth", "description")
INTELLIGENCE_FIELDS = (
    "received_on",
    "source_evaluation",
    "assessment",
    "handling_code",
    "handling_conditions",
    "text",
)
POLICE_ONLY = "Only police officers can do this."


def _require_police(user: User) -> None:
    require(user, "police_work", message=POLICE_ONLY)


def police_agency(user: User) -> Agency:
    """The police agency the officer acts for (their first police-officer membership)."""
    membership = (
        Membership.objects.active()
        .filter(user=user, role=Role.POLICE_OFFICER, agency__kind=AgencyKind.POLICE)
        .select_related("agency")
        .order_by("id")
        .first()
    )
    if membership is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(POLICE_ONLY)
    return membership.agency


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _not_in_future(value: date | None, field: str, errors: dict[str, list[str]]) -> None:
    if value and value > timezone.localdate():
        errors.setdefault(field, []).append("The date must be today or in the past")


def _visible_children(
    user: User, children: Iterable[Child] | None, field: str, errors: dict[str, list[str]]
) -> list[Child]:
    children = list(children or ())
    ids = {child.pk for child in children}
    if ids:
        seen = set(Child.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        if seen != ids:
            errors.setdefault(field, []).append("Choose young people you can see")
    return children


def _visible_contexts(
    user: User, contexts: Iterable[Context] | None, field: str, errors: dict[str, list[str]], *, locations_only: bool
) -> list[Context]:
    contexts = list(contexts or ())
    ids = {context.pk for context in contexts}
    if ids:
        allowed = Context.objects.visible_to(user).filter(pk__in=ids)
        if locations_only:
            allowed = allowed.filter(kind=ContextKind.LOCATION)
        if set(allowed.values_list("pk", flat=True)) != ids:
            message = "Choose locations you can see" if locations_only else "Choose contexts you can see"
            errors.setdefault(field, []).append(message)
    return contexts


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _ids(related: Iterable[Model]) -> list[int]:
    return sorted(obj.pk for obj in related)


# Persons of concern -------------------------------------------------------------------------------


@transaction.atomic
def create_person(
    user: User, fields: dict[str, Any], *, children: Iterable[Child] = (), locations: Iterable[Context] = ()
) -> PersonOfConcern:
    _require_police(user)
    errors: dict[str, list[str]] = {}
    fields = {key: value for key, value in fields.items() if key in PERSON_FIELDS}
    _not_in_future(fields.get("date_of_birth"), "date_of_birth", errors)
    children = _visible_children(user, children, "children", errors)
    locations = _visible_contexts(user, locations, "locations", errors, locations_only=True)
    _raise(errors)
    person = PersonOfConcern(reference=f"NEW-{uuid.uuid4().hex[:12]}", recorded_by=user, **fields)
    person.full_clean()
    person.save()
    person.reference = f"POC-{person.pk:06d}"
    person.save(update_fields=["reference"])
    person.children.set(children)
    person.locations.set(locations)
    after = {**audit.snapshot(person), "children": _ids(children), "locations": _ids(locations)}
    audit.record_write(user, AuditAction.CREATE, person, before=None, after=after)
    return person


@transaction.atomic
def update_person(
    user: User,
    person: PersonOfConcern,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
    children: Iterable[Child] | None = None,
    locations: Iterable[Context] | None = None,
) -> PersonOfConcern:
    """Change a person of concern. Links to children or locations the officer cannot see (made by a
    colleague) are kept as they are: an officer only adds or removes what they can see."""
    _require_police(user)
    current = PersonOfConcern.objects.select_for_update().get(pk=person.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    errors: dict[str, list[str]] = {}
    _not_in_future(changes.get("date_of_birth"), "date_of_birth", errors)
    before = {
        **audit.snapshot(current),
        "children": sorted(current.children.values_list("pk", flat=True)),
        "locations": sorted(current.locations.values_list("pk", flat=True)),
    }
    if children is not None:
        children = _visible_children(user, children, "children", errors)
        hidden_children = current.children.exclude(pk__in=Child.objects.visible_to(user).values("pk"))
        children = {*children, *hidden_children}
    if locations is not None:
        locations = _visible_contexts(user, locations, "locations", errors, locations_only=True)
        hidden_locations = current.locations.exclude(pk__in=Context.objects.visible_to(user).values("pk"))
        locations = {*locations, *hidden_locations}
    _raise(errors)
    for field in PERSON_FIELDS:
        if field in changes:
            setattr(current, field, changes[field])
    current.full_clean()
    current.version += 1
    current.save()
    if children is not None:
        current.children.set(children)
    if locations is not None:
        current.locations.set(locations)
    after = {
        **audit.snapshot(current),
        "children": sorted(current.children.values_list("pk", flat=True)),
        "locations": sorted(current.locations.values_list("pk", flat=True)),
    }
    audit.record_write(user, AuditAction.UPDATE, current, before=before, after=after)
    return current


# Disruption -------------------------------------------------------------------------------------


def cawn_refusal(child: Child, on: date) -> str:
    """Why a child abduction warning notice cannot protect this child on this date ('' if it can).
    The rule: the child is under 16, or under 18 and in care (looked after)."""
    age = age_on(child.date_of_birth, on)
    if age < 16 or (age < 18 and child.looked_after):
        return ""
    when = f"{on.day} {on:%B %Y}"
    care = "is in care" if child.looked_after else "is not in care"
    return (
        "A child abduction warning notice can only protect a child under 16, or under 18 and in care: "
        f"{child.given_name} {child.family_name} was {age} on {when} and {care}"
    )


@transaction.atomic
def record_disruption(
    user: User,
    *,
    kind: str,
    taken_on: date,
    person: PersonOfConcern | None = None,
    location: Context | None = None,
    child: Child | None = None,
    outcome: str = "",
) -> DisruptionAction:
    _require_police(user)
    errors: dict[str, list[str]] = {}
    if kind not in DisruptionKind.values:
        errors["kind"] = ["Choose the kind of disruption from the list"]
    if taken_on is None:
        errors["taken_on"] = ["Enter the date of the action"]
    _not_in_future(taken_on, "taken_on", errors)
    if person is None and location is None:
        errors["person"] = ["Choose a person of concern or a location (or both)"]
    if person is not None and not PersonOfConcern.objects.visible_to(user).filter(pk=person.pk).exists():
        errors["person"] = ["Choose a person of concern from the list"]
    if location is not None:
        _visible_contexts(user, [location], "location", errors, locations_only=True)
    if child is not None:
        _visible_children(user, [child], "child", errors)
    if kind == DisruptionKind.CAWN:
        if person is None:
            errors.setdefault("person", []).append("A child abduction warning notice is served on a person: choose one")
        if child is None:
            errors.setdefault("child", []).append("Choose the young person the warning notice protects")
        elif "child" not in errors and taken_on is not None:
            refusal = cawn_refusal(child, taken_on)
            if refusal:
                errors.setdefault("child", []).append(refusal)
    elif child is not None:
        errors.setdefault("child", []).append("Only a child abduction warning notice names a young person")
    _raise(errors)
    action = DisruptionAction(
        kind=kind,
        taken_on=taken_on,
        person=person,
        location=location,
        child=child,
        outcome=outcome.strip(),
        recorded_by=user,
    )
    action.full_clean()
    action.save()
    audit.record_write(user, AuditAction.CREATE, action, before=None, after=audit.snapshot(action))
    return action


# Intelligence -----------------------------------------------------------------------------------


@transaction.atomic
def create_intelligence(
    user: User,
    fields: dict[str, Any],
    *,
    children: Iterable[Child] = (),
    persons: Iterable[PersonOfConcern] = (),
    contexts: Iterable[Context] = (),
) -> IntelligenceReport:
    """A graded intelligence report (3x5x2). Code C needs its handling conditions."""
    _require_police(user)
    errors: dict[str, list[str]] = {}
    fields = {key: value for key, value in fields.items() if key in INTELLIGENCE_FIELDS}
    fields["handling_conditions"] = (fields.get("handling_conditions") or "").strip()
    fields["text"] = (fields.get("text") or "").strip()
    _not_in_future(fields.get("received_on"), "received_on", errors)
    if fields.get("handling_code") == HandlingCode.CONDITIONS and not fields["handling_conditions"]:
        errors["handling_conditions"] = ["State the handling conditions: code C needs them"]
    elif fields.get("handling_code") == HandlingCode.LAWFUL_SHARING:
        fields["handling_conditions"] = ""
    children = _visible_children(user, children, "children", errors)
    contexts = _visible_contexts(user, contexts, "contexts", errors, locations_only=False)
    persons = list(persons or ())
    _raise(errors)
    report = IntelligenceReport(reference=f"NEW-{uuid.uuid4().hex[:12]}", submitted_by=user, **fields)
    report.full_clean()
    report.save()
    report.reference = f"INT-{report.pk:06d}"
    report.save(update_fields=["reference"])
    report.children.set(children)
    report.persons.set(persons)
    report.contexts.set(contexts)
    after = {
        **audit.snapshot(report),
        "children": _ids(children),
        "persons": _ids(persons),
        "contexts": _ids(contexts),
    }
    audit.record_write(user, AuditAction.CREATE, report, before=None, after=after)
    return report


def reliability_of(report: IntelligenceReport) -> str:
    """The chronology's reliability for a shared summary, from the 3x5x2 grading."""
    if report.source_evaluation == "3" or report.assessment in ("D", "E"):
        return Reliability.UNVERIFIED
    if report.assessment == "A":
        return Reliability.CONFIRMED if report.source_evaluation == "1" else Reliability.PROBABLE
    if report.assessment == "B":
        return Reliability.PROBABLE
    return Reliability.POSSIBLE


SUMMARY_LENGTH = 300


@transaction.atomic
def share_intelligence(user: User, report: IntelligenceReport, summary: str) -> IntelligenceShare:
    """Share the officer's sanitised summary on the chronology of each linked child the officer
    can see. The report's own text is never copied."""
    _require_police(user)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": ["Write the summary partners will see"]})
    max_length = IntelligenceShare._meta.get_field("summary").max_length
    assert max_length is not None  # a CharField
    if len(summary) > max_length:
        raise ValidationError({"summary": ["The summary must be 500 characters or fewer"]})
    children = list(Child.objects.visible_to(user).filter(pk__in=report.children.values("pk")).order_by("pk"))
    if not children:
        raise ValidationError(
            {
                "summary": [
                    "Link the report to a young person you can see first: summaries are shared on their chronology"
                ]
            }
        )
    agency = police_agency(user)
    detail = summary
    if report.handling_code == HandlingCode.CONDITIONS:
        detail += f"\n\nHandling conditions: {report.handling_conditions}"
    short = summary if len(summary) <= SUMMARY_LENGTH else summary[: SUMMARY_LENGTH - 1].rstrip() + "…"
    share = IntelligenceShare.objects.create(report=report, summary=summary, shared_by=user)
    events = []
    for child in children:
        events.append(
            add_event(
                user,
                child,
                occurred_on=max(report.received_on, child.date_of_birth),
                kind=EventKind.POLICE_INFORMATION,
                summary=short,
                detail=detail,
                reliability=reliability_of(report),
                source_agency=agency,
            )
        )
    share.events.set(events)
    audit.record_write(
        user,
        AuditAction.CREATE,
        share,
        before=None,
        after={**audit.snapshot(share), "events": _ids(events)},
    )
    return share

"""Writes for outreach and group work. Each checks the policy, validates with plain-English errors,
writes and audits in one transaction: on any error nothing is saved.

A session's register may name only young people the worker may see (anyone else is refused and
nothing is saved); each name on it becomes a contact in that young person's chronology, made
through `cases.services.chronology.add_event`, so every agency that may see the young person sees
that they attended.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from accounts.models import Agency
from areas.models import Neighbourhood
from audit.models import AuditAction
from audit.services import create_audited, record_write, snapshot
from cases.models import Child, Context, EventKind
from cases.services.chronology import add_event
from interventions.models import IntelligenceReport
from outreach.models import (
    MAX_HEADCOUNT,
    MAX_HOUSEHOLDS,
    Activity,
    Attendance,
    AudienceType,
    DoorToDoorCampaign,
    EngagementOutcome,
    EngagementRecord,
    Establishment,
    EstablishmentKind,
    EventStatus,
    Group,
    GroupSession,
    OutreachEvent,
    ProviderType,
)

if TYPE_CHECKING:
    from accounts.models import User

__all__ = [
    "add_establishment",
    "create_group",
    "mark_delivered",
    "record_campaign",
    "record_engagement",
    "record_event",
    "record_session",
]


# Checks shared by the writes --------------------------------------------------------------------


def _agency(user: User, roles: frozenset[str], message: str) -> Agency:
    """The first agency where the user holds one of `roles` (records are made on its behalf)."""
    agencies = policy.agencies_where(user, roles)
    if not agencies:
        raise PermissionDenied(message)
    return Agency.objects.get(pk=agencies[0])


def optional_area(value: Any) -> Neighbourhood | None:
    """A record's area: none when not given (no particular area), else one from the managed list."""
    return None if value in (None, "") else area_from(value)


def area_from(value: Any, field: str = "area") -> Neighbourhood:
    """An area from the managed list (a neighbourhood or its id); anything else is an unknown area."""
    pk = value.pk if isinstance(value, Neighbourhood) else value
    area = (
        Neighbourhood.objects.active().filter(pk=pk).first() if isinstance(pk, int) or str(pk or "").isdigit() else None
    )
    if area is None:
        raise ValidationError({field: "Choose an area from the list"})
    return area


def _choice(value: Any, choices: type[Any], field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: message})
    return str(value)


def _count(value: Any, field: str, what: str, *, minimum: int, maximum: int) -> int:
    """A whole number of people or households within range, in plain English if not."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: f"Enter the number of {what} as a whole number"})
    if value < minimum:
        raise ValidationError({field: f"The number of {what} must be {minimum} or more"})
    if value > maximum:
        raise ValidationError({field: f"The number of {what} must be {maximum:,} or fewer"})
    return int(value)


def _date(value: Any, field: str, what: str) -> date:
    if not isinstance(value, date):
        raise ValidationError({field: f"Enter the {what}"})
    return value


def _not_future(value: date, field: str, message: str = "The date must be today or in the past") -> date:
    if value > timezone.localdate():
        raise ValidationError({field: message})
    return value


# Outreach events --------------------------------------------------------------------------------


def _intelligence_link(user: User, intelligence: Any) -> IntelligenceReport | None:
    """A police intelligence record may be linked only by a police officer who can read it."""
    if intelligence in (None, ""):
        return None
    if not policy.is_police(user):
        raise ValidationError({"intelligence": "Only police officers can link an intelligence record"})
    pk = intelligence.pk if isinstance(intelligence, IntelligenceReport) else intelligence
    report = IntelligenceReport.objects.visible_to(user).filter(pk=pk).first()
    if report is None:
        raise ValidationError({"intelligence": "Choose an intelligence record you can see"})
    return report


def _own_establishment(user: User, establishment: Any) -> Establishment | None:
    if establishment is None:
        return None
    if not Establishment.objects.visible_to(user).filter(pk=establishment.pk).exists():
        raise ValidationError({"establishment": "Choose one of your agency's establishments"})
    found: Establishment = establishment
    return found


@transaction.atomic
def record_event(
    user: User,
    *,
    activity: str,
    audience: str,
    organisation: str,
    area: Any,
    held_on: Any,
    headcount: Any,
    delivered_by: str,
    status: str = EventStatus.DELIVERED,
    establishment: Establishment | None = None,
    intelligence_submitted: bool = False,
    intelligence: Any = None,
    referrals_made: Any = 0,
    notes: str = "",
) -> OutreachEvent:
    """Record a training or awareness event, planned or delivered. A delivered event cannot be in
    the future; the headcount is between 1 and 100,000."""
    policy.require(user, "record_outreach", None, "You cannot record outreach work.")
    agency = _agency(user, policy.OUTREACH_ROLES, "You are not an outreach officer of any agency.")
    status = _choice(status, EventStatus, "status", "Choose whether the event is planned or delivered")
    held_on = _date(held_on, "held_on", "date of the event")
    if status == EventStatus.DELIVERED:
        _not_future(held_on, "held_on", "An event in the future cannot be recorded as delivered")
    report = _intelligence_link(user, intelligence)
    return create_audited(
        user,
        OutreachEvent,
        agency=agency,
        activity=_choice(activity, Activity, "activity", "Choose training or awareness raising"),
        audience=_choice(audience, AudienceType, "audience", "Choose the audience type from the list"),
        organisation=organisation,
        establishment=_own_establishment(user, establishment),
        area=optional_area(area),
        held_on=held_on,
        headcount=_count(headcount, "headcount", "people", minimum=1, maximum=MAX_HEADCOUNT),
        delivered_by=delivered_by,
        status=status,
        intelligence_submitted=bool(intelligence_submitted or report),
        intelligence=report,
        referrals_made=_count(referrals_made or 0, "referrals_made", "referrals", minimum=0, maximum=MAX_HEADCOUNT),
        notes=notes,
        recorded_by=user,
    )


@transaction.atomic
def mark_delivered(
    user: User, event: OutreachEvent, *, headcount: Any, referrals_made: Any = 0, intelligence_submitted: bool = False
) -> OutreachEvent:
    """A planned event took place: record how many came and what followed."""
    policy.require(user, "record_outreach", event, "You cannot change this event.")
    current = OutreachEvent.objects.select_for_update().get(pk=event.pk)
    if current.status == EventStatus.DELIVERED:
        raise ValidationError({"status": "This event is already recorded as delivered"})
    _not_future(current.held_on, "held_on", "An event in the future cannot be recorded as delivered")
    before = snapshot(current)
    current.headcount = _count(headcount, "headcount", "people", minimum=1, maximum=MAX_HEADCOUNT)
    current.referrals_made = _count(
        referrals_made or 0, "referrals_made", "referrals", minimum=0, maximum=MAX_HEADCOUNT
    )
    current.intelligence_submitted = current.intelligence_submitted or intelligence_submitted
    current.status = EventStatus.DELIVERED
    current.full_clean()
    current.save()
    record_write(user, AuditAction.UPDATE, current, before=before, after=snapshot(current))
    return current


# Establishments ---------------------------------------------------------------------------------


@transaction.atomic
def add_establishment(
    user: User, *, name: str, kind: str, area: Any, provider_type: str = "", address: str = ""
) -> Establishment:
    """A venue, hotel, children's home (with its provider type), school or other establishment."""
    policy.require(user, "record_outreach", None, "You cannot record outreach work.")
    agency = _agency(user, policy.OUTREACH_ROLES, "You are not an outreach officer of any agency.")
    kind = _choice(kind, EstablishmentKind, "kind", "Choose the kind of establishment")
    if provider_type:
        _choice(provider_type, ProviderType, "provider_type", "Choose local authority or independent")
    if not (name or "").strip():
        raise ValidationError({"name": "Enter the establishment's name"})
    return create_audited(
        user,
        Establishment,
        agency=agency,
        name=name.strip(),
        kind=kind,
        provider_type=provider_type or "",
        area=optional_area(area),
        address=address,
        recorded_by=user,
    )


@transaction.atomic
def record_engagement(
    user: User,
    establishment: Establishment,
    *,
    outcome: str,
    occurred_on: Any,
    follow_up_on: Any = None,
    note: str = "",
) -> EngagementRecord:
    """A dated step in an establishment's engagement history (contacted, engaged, trained,
    declined, no response), with an optional date to follow it up by."""
    policy.require(user, "record_outreach", establishment, "You cannot record engagement with this establishment.")
    outcome = _choice(outcome, EngagementOutcome, "outcome", "Choose what happened")
    occurred_on = _not_future(_date(occurred_on, "occurred_on", "date"), "occurred_on")
    if follow_up_on is not None and _date(follow_up_on, "follow_up_on", "follow-up date") < occurred_on:
        raise ValidationError({"follow_up_on": "The follow-up date must be the same as or after the date"})
    return create_audited(
        user,
        EngagementRecord,
        establishment=establishment,
        outcome=outcome,
        occurred_on=occurred_on,
        follow_up_on=follow_up_on,
        note=note,
        recorded_by=user,
    )


# Door-to-door -----------------------------------------------------------------------------------


@transaction.atomic
def record_campaign(
    user: User,
    *,
    area: Any,
    streets: str,
    started_on: Any,
    ended_on: Any,
    households_reached: Any,
    concerns: str = "",
    actions: str = "",
) -> DoorToDoorCampaign:
    """Door-to-door awareness in an area: the streets or postcode sectors covered, the dates,
    households reached, and the concerns raised with what was done about them."""
    policy.require(user, "record_outreach", None, "You cannot record outreach work.")
    agency = _agency(user, policy.OUTREACH_ROLES, "You are not an outreach officer of any agency.")
    started_on = _not_future(_date(started_on, "started_on", "start date"), "started_on")
    ended_on = _date(ended_on, "ended_on", "end date")
    if ended_on < started_on:
        raise ValidationError({"ended_on": "The end date must be the same as or after the start date"})
    if not (streets or "").strip():
        raise ValidationError({"streets": "Enter the streets or postcode sectors covered"})
    if concerns.strip() and not actions.strip():
        raise ValidationError({"actions": "Say what was done with the concerns raised"})
    return create_audited(
        user,
        DoorToDoorCampaign,
        agency=agency,
        area=optional_area(area),
        streets=streets.strip(),
        started_on=started_on,
        ended_on=ended_on,
        households_reached=_count(
            households_reached, "households_reached", "households", minimum=0, maximum=MAX_HOUSEHOLDS
        ),
        concerns=concerns,
        actions=actions,
        recorded_by=user,
    )


# Group work -------------------------------------------------------------------------------------


@transaction.atomic
def create_group(
    user: User, *, context: Context, area: Any, name: str = "", description: str = "", agency: Agency | None = None
) -> Group:
    """Group work with a context the worker can see (a peer group, a young women's group...), run
    by one of the worker's agencies."""
    policy.require(user, "run_group_work", None, "You cannot run group work.")
    if agency is None:
        agency = _agency(user, policy.GROUP_WORK_ROLES, "You cannot run group work.")
    elif agency.pk not in policy.agencies_where(user, policy.GROUP_WORK_ROLES):
        raise ValidationError({"agency": "Choose one of your own agencies"})
    if context is None or not Context.objects.visible_to(user).filter(pk=context.pk).exists():
        raise ValidationError({"context": "Choose a group you can see"})
    if Group.objects.filter(agency=agency, context=context).exists():
        raise ValidationError({"context": "Your agency already runs group work with this group"})
    return create_audited(
        user,
        Group,
        agency=agency,
        context=context,
        name=(name or "").strip() or context.name,
        area=optional_area(area),
        description=description,
        created_by=user,
    )


def _register(user: User, children: Iterable[Any]) -> list[Child]:
    """The young people named on a register, each one the worker may see; otherwise refused."""
    ids = sorted({child.pk if isinstance(child, Child) else child for child in children})
    if not all(isinstance(pk, int) for pk in ids):
        raise ValidationError({"children": "Choose young people from the list"})
    found = list(Child.objects.visible_to(user).filter(pk__in=ids).order_by("family_name", "given_name", "pk"))
    if len(found) != len(ids):
        raise ValidationError({"children": "The register can only name young people you work with"})
    return [policy.mark_visible(user, child) for child in found]


@transaction.atomic
def record_session(
    user: User,
    group: Group,
    *,
    held_on: Any,
    activity: str,
    duration_minutes: Any,
    children: Iterable[Any],
    notes: str = "",
) -> GroupSession:
    """A group session and its register. Each young person on the register gets a contact in their
    chronology, recorded on behalf of the agency that runs the group."""
    policy.require(user, "run_group_work", group, "You cannot record sessions for this group.")
    held_on = _not_future(_date(held_on, "held_on", "date of the session"), "held_on")
    if not (activity or "").strip():
        raise ValidationError({"activity": "Enter what the group did"})
    minutes = _count(duration_minutes, "duration_minutes", "minutes", minimum=1, maximum=720)
    present = _register(user, children)
    if not present:
        raise ValidationError({"children": "Choose the young people who came"})
    session = create_audited(
        user,
        GroupSession,
        group=group,
        held_on=held_on,
        activity=activity.strip(),
        duration_minutes=minutes,
        notes=notes,
        recorded_by=user,
    )
    hours = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    for child in present:
        try:
            event = add_event(
                user,
                child,
                occurred_on=held_on,
                kind=EventKind.CONTACT,
                summary=f"Attended group session: {group.name}"[:300],
                detail=f"{session.activity} ({hours})",
                source_agency=group.agency,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "occurred_on" in error.error_dict:
                name = f"{child.given_name} {child.family_name}"
                raise ValidationError({"held_on": f"The date is before {name}'s date of birth"}) from error
            raise
        create_audited(user, Attendance, session=session, child=child, event=event)
    return session

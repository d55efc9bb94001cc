"""Outreach records for the shared partnership (conftest.py): the police outreach officer's event,
establishment and door-to-door campaign, and a group the voluntary agency runs with the hotspot,
whose session register names the voluntary worker's child."""

from datetime import timedelta

from django.utils import timezone

from areas.models import Neighbourhood
from outreach.models import (
    Attendance,
    DoorToDoorCampaign,
    Establishment,
    Group,
    GroupSession,
    OutreachEvent,
)
from tests.factories import NeighbourhoodFactory


def area(name: str = "Test Central") -> Neighbourhood:
    return NeighbourhoodFactory(name=name)


def police_event(p, **fields) -> OutreachEvent:
    found = OutreachEvent.objects.filter(agency=p.agencies["police"], organisation="Test Academy").first()
    if found:
        return found
    values = {
        "agency": p.agencies["police"],
        "activity": "awareness",
        "audience": "school_students",
        "organisation": "Test Academy",
        "area": area(),
        "held_on": timezone.localdate(),
        "headcount": 120,
        "delivered_by": "Test Officer",
        "status": "planned",
        "recorded_by": p.users["outreach"],
        **fields,
    }
    return OutreachEvent.objects.create(**values)


def police_establishment(p) -> Establishment:
    return Establishment.objects.get_or_create(
        agency=p.agencies["police"],
        name="Test Lodge children's home",
        defaults={
            "kind": "childrens_home",
            "provider_type": "independent",
            "area": area(),
            "recorded_by": p.users["outreach"],
        },
    )[0]


def police_campaign(p) -> DoorToDoorCampaign:
    today = timezone.localdate()
    return DoorToDoorCampaign.objects.get_or_create(
        agency=p.agencies["police"],
        streets="Test Street",
        defaults={
            "area": area(),
            "started_on": today - timedelta(days=3),
            "ended_on": today,
            "households_reached": 40,
            "recorded_by": p.users["outreach"],
        },
    )[0]


def voluntary_group(p) -> Group:
    return Group.objects.get_or_create(
        agency=p.agencies["voluntary"],
        context=p.hotspot,
        defaults={"name": "Test bus station group", "area": area(), "created_by": p.users["voluntary"]},
    )[0]


def voluntary_session(p) -> GroupSession:
    group = voluntary_group(p)
    session = group.sessions.first()
    if session is None:
        session = GroupSession.objects.create(
            group=group,
            held_on=timezone.localdate(),
            activity="Test football",
            duration_minutes=90,
            recorded_by=p.users["voluntary"],
        )
        Attendance.objects.create(session=session, child=p.voluntary_child)
    return session

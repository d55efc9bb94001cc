"""Outreach and group work writes: the policy, every bad input the issue names (a clear error and
nothing saved), the audit trail, and the register's chronology entries."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from cases.models import ChronologyEvent, Context, ContextLink
from interventions.models import IntelligenceReport
from outreach import reports, services
from outreach.models import (
    Attendance,
    DoorToDoorCampaign,
    EngagementRecord,
    Establishment,
    Group,
    GroupSession,
    OutreachEvent,
)
from tests import outreach_data as data
from tests.factories import InvolvementFactory, MembershipFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db


def event_fields(**changes):
    today = timezone.localdate()
    return {
        "activity": "training",
        "audience": "non_police_professionals",
        "organisation": "Riverton GP practice",
        "area": data.area(),
        "held_on": today - timedelta(days=1),
        "headcount": 30,
        "delivered_by": "Test Officer",
        "status": "delivered",
        **changes,
    }


def refused(call, field):
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    return caught.value.message_dict[field][0]


# Events -----------------------------------------------------------------------------------------


def test_outreach_officer_records_an_event_for_their_agency_with_an_audit_row(partnership):
    outreach = partnership.users["outreach"]
    event = services.record_event(outreach, **event_fields())
    assert event.agency == partnership.agencies["police"]
    assert event.recorded_by == outreach
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="outreach.outreachevent").count() == 1
    assert list(OutreachEvent.objects.visible_to(outreach)) == [event]
    assert not OutreachEvent.objects.visible_to(partnership.users["police"]).exists()
    assert not OutreachEvent.objects.visible_to(partnership.users["manager"]).exists()  # another agency's


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"headcount": -5}, "headcount", "The number of people must be 1 or more"),
        ({"headcount": 0}, "headcount", "The number of people must be 1 or more"),
        ({"headcount": 100_001}, "headcount", "The number of people must be 100,000 or fewer"),
        ({"headcount": "lots"}, "headcount", "Enter the number of people as a whole number"),
        (
            {"held_on": timezone.localdate() + timedelta(days=1)},
            "held_on",
            "An event in the future cannot be recorded as delivered",
        ),
        ({"area": 999_999}, "area", "Choose an area from the list"),
        ({"audience": "pigeons"}, "audience", "Choose the audience type from the list"),
        ({"activity": "party"}, "activity", "Choose training or awareness raising"),
        ({"referrals_made": -1}, "referrals_made", "The number of referrals must be 0 or more"),
    ],
)
def test_bad_event_input_is_refused_and_nothing_saved(partnership, changes, field, message):
    assert (
        refused(lambda: services.record_event(partnership.users["outreach"], **event_fields(**changes)), field)
        == message
    )
    assert not OutreachEvent.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE).exists()


def test_a_record_may_name_no_particular_area(partnership):
    outreach = partnership.users["outreach"]
    event = services.record_event(outreach, **event_fields(area=None))
    assert OutreachEvent.objects.get(pk=event.pk).area is None
    place = services.add_establishment(outreach, name="Online forum", kind="other", area="")
    assert place.area is None
    # Counted in the figures for all areas, not in any one area's.
    assert reports.reach(outreach, event.held_on, event.held_on).people == event.headcount
    assert reports.reach(outreach, event.held_on, event.held_on, data.area()).people == 0


def test_an_inactive_area_is_unknown(partnership):
    retired = NeighbourhoodFactory(name="Old ward", is_active=False)
    refused(lambda: services.record_event(partnership.users["outreach"], **event_fields(area=retired)), "area")
    assert not OutreachEvent.objects.exists()


def test_a_future_event_may_be_planned_and_later_recorded_as_delivered_only_once_held(partnership):
    outreach = partnership.users["outreach"]
    tomorrow = timezone.localdate() + timedelta(days=1)
    planned = services.record_event(outreach, **event_fields(held_on=tomorrow, status="planned"))
    message = refused(lambda: services.mark_delivered(outreach, planned, headcount=25), "held_on")
    assert message == "An event in the future cannot be recorded as delivered"
    planned.refresh_from_db()
    assert planned.status == "planned"
    OutreachEvent.objects.filter(pk=planned.pk).update(held_on=timezone.localdate())
    planned.refresh_from_db()
    refused(lambda: services.mark_delivered(outreach, planned, headcount=100_001), "headcount")
    done = services.mark_delivered(outreach, planned, headcount=25, referrals_made=2)
    assert (done.status, done.headcount, done.referrals_made) == ("delivered", 25, 2)
    refused(lambda: services.mark_delivered(outreach, done, headcount=25), "status")


def test_only_outreach_roles_record_events(partnership):
    for persona in ("caseworker", "police", "voluntary", "mentor", "dpo", "admin"):
        with pytest.raises(PermissionDenied):
            services.record_event(partnership.users[persona], **event_fields())
    assert not OutreachEvent.objects.exists()


def test_only_a_police_officer_may_link_an_intelligence_record(partnership):
    outreach, police = partnership.users["outreach"], partnership.users["police"]
    report = IntelligenceReport.objects.create(
        reference="IR-T1",
        received_on=timezone.localdate(),
        source_evaluation="1",
        assessment="A",
        handling_code="P",
        text="Test intelligence",
        submitted_by=police,
    )
    message = refused(lambda: services.record_event(outreach, **event_fields(intelligence=report)), "intelligence")
    assert message == "Only police officers can link an intelligence record"
    assert not OutreachEvent.objects.exists()
    # A police officer who is also the agency's outreach officer may link it.
    MembershipFactory(user=police, agency=partnership.agencies["police"], role=Role.OUTREACH_OFFICER)
    from access.policy import forget

    forget(police)
    event = services.record_event(police, **event_fields(intelligence=report))
    assert event.intelligence == report and event.intelligence_submitted


# Establishments and engagement ------------------------------------------------------------------


def test_childrens_home_needs_a_provider_type_and_others_have_none(partnership):
    outreach = partnership.users["outreach"]
    message = refused(
        lambda: services.add_establishment(outreach, name="Elm House", kind="childrens_home", area=data.area()),
        "provider_type",
    )
    assert "local authority" in message
    refused(
        lambda: services.add_establishment(
            outreach, name="Bar", kind="venue", provider_type="independent", area=data.area()
        ),
        "provider_type",
    )
    refused(lambda: services.add_establishment(outreach, name="Bar", kind="venue", area="Narnia"), "area")
    assert not Establishment.objects.exists()
    home = services.add_establishment(
        outreach, name="Elm House", kind="childrens_home", provider_type="independent", area=data.area()
    )
    assert home.get_provider_type_display() == "Independent"


def test_engagement_history_rejects_future_dates_and_follow_ups_before_the_date(partnership):
    outreach = partnership.users["outreach"]
    place = data.police_establishment(partnership)
    today = timezone.localdate()
    refused(
        lambda: services.record_engagement(outreach, place, outcome="declined", occurred_on=today + timedelta(days=1)),
        "occurred_on",
    )
    refused(
        lambda: services.record_engagement(
            outreach, place, outcome="contacted", occurred_on=today, follow_up_on=today - timedelta(days=1)
        ),
        "follow_up_on",
    )
    refused(lambda: services.record_engagement(outreach, place, outcome="ignored", occurred_on=today), "outcome")
    assert not EngagementRecord.objects.exists()
    services.record_engagement(outreach, place, outcome="declined", occurred_on=today, note="Provider said no")
    assert place.engagements.get().outcome == "declined"
    assert Establishment.objects.not_yet_engaged().filter(pk=place.pk).exists()  # declining is not engaging


def test_another_agencys_outreach_officer_may_not_record_engagement(partnership):
    place = data.police_establishment(partnership)
    other = MembershipFactory(agency=partnership.agencies["council"], role=Role.OUTREACH_OFFICER).user
    with pytest.raises(PermissionDenied):
        services.record_engagement(other, place, outcome="contacted", occurred_on=timezone.localdate())
    assert not EngagementRecord.objects.exists()


# Door-to-door -----------------------------------------------------------------------------------


def test_door_to_door_end_before_start_and_absurd_households_are_refused(partnership):
    outreach, today = partnership.users["outreach"], timezone.localdate()
    fields = {
        "area": data.area(),
        "streets": "BS5 0, BS5 6",
        "started_on": today - timedelta(days=3),
        "ended_on": today,
        "households_reached": 300,
    }
    message = refused(
        lambda: services.record_campaign(outreach, **{**fields, "ended_on": today - timedelta(days=4)}), "ended_on"
    )
    assert message == "The end date must be the same as or after the start date"
    refused(lambda: services.record_campaign(outreach, **{**fields, "households_reached": -1}), "households_reached")
    refused(
        lambda: services.record_campaign(outreach, **{**fields, "households_reached": 100_001}), "households_reached"
    )
    refused(lambda: services.record_campaign(outreach, **{**fields, "area": 0}), "area")
    refused(lambda: services.record_campaign(outreach, **{**fields, "concerns": "A child seen late"}), "actions")
    assert not DoorToDoorCampaign.objects.exists()
    campaign = services.record_campaign(outreach, **fields, concerns="Cuckooing suspected", actions="Intelligence")
    assert campaign.households_reached == 300


# Group work -------------------------------------------------------------------------------------


def test_group_needs_a_context_the_worker_can_see(partnership):
    voluntary = partnership.users["voluntary"]
    refused(lambda: services.create_group(voluntary, context=partnership.police_location, area=data.area()), "context")
    group = services.create_group(voluntary, context=partnership.hotspot, area=data.area())
    assert group.name == partnership.hotspot.name and group.agency == partnership.agencies["voluntary"]
    with pytest.raises(PermissionDenied):
        services.create_group(partnership.users["outreach"], context=partnership.hotspot, area=data.area())


def session_fields(children, **changes):
    return {
        "held_on": timezone.localdate(),
        "activity": "Boxing and a talk on county lines",
        "duration_minutes": 90,
        "children": children,
        **changes,
    }


def test_register_naming_a_young_person_the_worker_may_not_see_saves_nothing(partnership):
    voluntary = partnership.users["voluntary"]
    group = data.voluntary_group(partnership)
    events = ChronologyEvent.objects.count()
    message = refused(
        lambda: services.record_session(
            voluntary, group, **session_fields([partnership.voluntary_child, partnership.council_child])
        ),
        "children",
    )
    assert message == "The register can only name young people you work with"
    assert not GroupSession.objects.exists() and not Attendance.objects.exists()
    assert ChronologyEvent.objects.count() == events
    refused(lambda: services.record_session(voluntary, group, **session_fields([999_999])), "children")
    refused(lambda: services.record_session(voluntary, group, **session_fields([])), "children")
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused(
        lambda: services.record_session(
            voluntary, group, **session_fields([partnership.voluntary_child], held_on=tomorrow)
        ),
        "held_on",
    )
    refused(
        lambda: services.record_session(
            voluntary, group, **session_fields([partnership.voluntary_child], duration_minutes=0)
        ),
        "duration_minutes",
    )
    assert not GroupSession.objects.exists()


def test_register_appears_in_each_young_persons_chronology_for_agencies_that_see_them(partnership):
    voluntary, caseworker = partnership.users["voluntary"], partnership.users["caseworker"]
    child = partnership.voluntary_child
    # The council also works with this young person; the police do not.
    InvolvementFactory(agency=partnership.agencies["council"], child=child)
    group = data.voluntary_group(partnership)
    session = services.record_session(voluntary, group, **session_fields([child]))
    attendance = session.attendances.get()
    assert attendance.event.child == child
    assert attendance.event.source_agency == partnership.agencies["voluntary"]
    assert "Attended group session: Test bus station group" in attendance.event.summary
    assert ChronologyEvent.objects.visible_to(caseworker).filter(pk=attendance.event_id).exists()
    assert not ChronologyEvent.objects.visible_to(partnership.users["police"]).filter(pk=attendance.event_id).exists()
    # The register row itself: the running agency's worker only.
    assert Attendance.objects.visible_to(voluntary).count() == 1
    assert not Attendance.objects.visible_to(caseworker).exists()


def test_a_worker_of_another_agency_cannot_record_a_session(partnership):
    group = data.voluntary_group(partnership)
    with pytest.raises(PermissionDenied):
        services.record_session(partnership.users["caseworker"], group, **session_fields([partnership.council_child]))
    assert not GroupSession.objects.exists()


def test_outreach_officer_sees_no_child_record(partnership):
    from cases.models import Child

    outreach = partnership.users["outreach"]
    assert not Child.objects.visible_to(outreach).exists()
    assert not Context.objects.visible_to(outreach).exists()
    assert not ContextLink.objects.filter(child__in=Child.objects.visible_to(outreach)).exists()
    assert not Group.objects.visible_to(outreach).exists()

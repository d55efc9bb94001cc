"""Retention for every other record type that holds personal data: mentoring matches and their
sessions, data feeds (file, staged rows, match reviews), outreach events, door-to-door campaigns,
engagement records, group work sessions (with their registers) and groups. Each has a configurable
rule, is found only when finished and past its period, waits in the DPO's review, and is disposed
of with what belongs to it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from feeds.models import FeedImport, FeedRow, FeedStatus, MatchReview
from mentoring.models import Match, MentoringSession
from outreach.models import Attendance, DoorToDoorCampaign, EngagementRecord, Group, GroupSession, OutreachEvent
from oversight import services
from oversight.models import DisposalCandidate, DisposalStatus, RecordType, RetentionRule
from tests.mentoring_helpers import partnership_match
from tests.outreach_data import police_campaign, police_establishment, police_event, voluntary_session

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
LONG_AGO = date(2018, 1, 1)


def waiting(record_type) -> set[int]:
    return set(
        DisposalCandidate.objects.filter(record_type=record_type, status=DisposalStatus.DUE).values_list(
            "object_id", flat=True
        )
    )


def dispose_all(user, record_type) -> dict[str, int]:
    ids = DisposalCandidate.objects.filter(record_type=record_type, status=DisposalStatus.DUE).values_list(
        "pk", flat=True
    )
    return services.dispose(user, list(ids), today=TODAY)


def feed(p, n: int, *, status=FeedStatus.APPLIED, finished=datetime(2024, 1, 1, tzinfo=UTC)) -> FeedImport:
    made = FeedImport(
        original_name=f"feed-{n}.csv",
        size_bytes=10,
        sha256=f"{n:064d}",
        uploaded_by=p.users["manager"],
        agency=p.agencies["youth_justice"],
        status=status,
        finished_at=finished,
    )
    made.file.save(f"feed-{n}.csv", ContentFile(b"given_name\nZebedee\n"), save=False)
    made.save()
    return made


def test_the_new_types_have_rules_the_dpo_can_change(partnership):
    rules = {rule.record_type: rule for rule in RetentionRule.objects.all()}
    for record_type in ("mentoring_match", "feed", "outreach_event", "door_to_door", "engagement"):
        assert rules[record_type].basis == "last_activity" and rules[record_type].authority
    assert rules["feed"].years == 1 and rules["group_session"].years == 6
    services.update_rule(
        partnership.users["dpo"], rules["feed"], years=2, basis="last_activity", authority="Ours", expected_version=1
    )
    assert RetentionRule.objects.get(record_type="feed").years == 2


def test_outreach_records_past_their_period_are_found_and_disposed_of(partnership):
    dpo = partnership.users["dpo"]
    old_event = police_event(partnership, held_on=LONG_AGO, status="delivered", notes="Zebedee was there")
    OutreachEvent.objects.create(**{**_fields(old_event), "held_on": timezone.localdate()})  # recent: kept
    campaign = police_campaign(partnership)
    DoorToDoorCampaign.objects.filter(pk=campaign.pk).update(started_on=LONG_AGO, ended_on=LONG_AGO)
    establishment = police_establishment(partnership)
    old_contact = EngagementRecord.objects.create(
        establishment=establishment, outcome="engaged", occurred_on=LONG_AGO, recorded_by=partnership.users["outreach"]
    )
    followed = EngagementRecord.objects.create(
        establishment=establishment,
        outcome="contacted",
        occurred_on=LONG_AGO,
        follow_up_on=date(2024, 1, 1),  # the follow-up is the last activity: kept
        recorded_by=partnership.users["outreach"],
    )

    services.find_due(TODAY)
    assert waiting(RecordType.OUTREACH_EVENT) == {old_event.pk}
    assert waiting(RecordType.DOOR_TO_DOOR) == {campaign.pk}
    assert waiting(RecordType.ENGAGEMENT) == {old_contact.pk}
    for record_type in (RecordType.OUTREACH_EVENT, RecordType.DOOR_TO_DOOR, RecordType.ENGAGEMENT):
        assert dispose_all(dpo, record_type)["disposed"] == 1
    assert not OutreachEvent.objects.filter(pk=old_event.pk).exists()
    assert OutreachEvent.objects.count() == 1
    assert not DoorToDoorCampaign.objects.exists()
    assert list(EngagementRecord.objects.values_list("pk", flat=True)) == [followed.pk]


def _fields(event: OutreachEvent) -> dict:
    names = ("agency", "activity", "audience", "organisation", "area", "headcount", "delivered_by", "recorded_by")
    return {name: getattr(event, name) for name in names}


def test_a_group_session_goes_with_its_register_and_then_the_group_with_no_sessions_left(partnership):
    dpo = partnership.users["dpo"]
    session = voluntary_session(partnership)
    GroupSession.objects.filter(pk=session.pk).update(held_on=LONG_AGO)
    Group.objects.filter(pk=session.group_id).update(created_at=timezone.make_aware(datetime(2017, 1, 1)))

    services.find_due(TODAY)
    assert waiting(RecordType.GROUP_SESSION) == {session.pk}
    assert waiting(RecordType.GROUP) == set(), "a group with a session is not finished"
    assert dispose_all(dpo, RecordType.GROUP_SESSION)["disposed"] == 1
    assert not Attendance.objects.filter(session_id=session.pk).exists()
    assert partnership.voluntary_child.__class__.objects.filter(pk=partnership.voluntary_child.pk).exists()

    services.find_due(TODAY)
    assert waiting(RecordType.GROUP) == {session.group_id}
    assert dispose_all(dpo, RecordType.GROUP)["disposed"] == 1
    assert not Group.objects.exists()


def test_an_ended_mentoring_match_goes_with_its_sessions(partnership):
    match = partnership_match(partnership)
    MentoringSession.objects.create(
        match=match,
        held_on=LONG_AGO,
        duration_minutes=60,
        activity="Football",
        place_type="sports",
        attended=True,
        note="Talked about Zebedee",
        recorded_by=partnership.users["mentor"],
    )
    services.find_due(TODAY)
    assert waiting(RecordType.MENTORING_MATCH) == set(), "a match still going is kept"

    Match.objects.filter(pk=match.pk).update(started_on=LONG_AGO - timedelta(days=30), ended_on=LONG_AGO)
    services.find_due(TODAY)
    assert waiting(RecordType.MENTORING_MATCH) == {match.pk}
    assert dispose_all(partnership.users["dpo"], RecordType.MENTORING_MATCH)["disposed"] == 1
    assert not Match.objects.filter(pk=match.pk).exists()
    assert not MentoringSession.objects.filter(match_id=match.pk).exists()


def test_a_finished_feed_goes_with_its_rows_reviews_and_file(
    partnership, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    done = feed(partnership, 1)
    FeedRow.objects.create(feed=done, line_number=2, given_name="Zebedee", status="applied")
    MatchReview.objects.create(
        feed=done,
        candidate=partnership.council_child,
        reason="Same name",
        given_name="Zebedee",
        family_name="Z",
        date_of_birth=date(2010, 1, 1),
        status="matched",
    )
    waiting_review = feed(partnership, 2)
    MatchReview.objects.create(
        feed=waiting_review,
        candidate=partnership.council_child,
        reason="Same name",
        given_name="Zebedee",
        family_name="Z",
        date_of_birth=date(2010, 1, 1),
    )
    feed(partnership, 3, status=FeedStatus.MATCHING)  # still importing
    feed(partnership, 4, finished=timezone.now())  # finished recently
    stored = tmp_path / done.file.name
    assert stored.exists()

    services.find_due(TODAY)
    assert waiting(RecordType.FEED) == {done.pk}
    with django_capture_on_commit_callbacks(execute=True):
        assert dispose_all(partnership.users["dpo"], RecordType.FEED)["disposed"] == 1
    assert not FeedImport.objects.filter(pk=done.pk).exists()
    assert not FeedRow.objects.filter(feed_id=done.pk).exists()
    assert not MatchReview.objects.filter(feed_id=done.pk).exists()
    assert not stored.exists(), "the uploaded file is deleted too"
    assert FeedImport.objects.count() == 3
    removed = AuditEvent.objects.get(action=AuditAction.DELETE).detail["disposal"]["removed"]
    assert (removed["feeds.feedrow"], removed["feeds.matchreview"], removed["feeds.feedimport"]) == (1, 1, 1)


def test_a_feed_is_disposed_of_in_the_same_queries_however_many_rows_it_staged(partnership):
    """A big file stages a million rows: they go in one statement, not in batches nor one by one."""
    counted = []
    for n, rows in enumerate((1, 3, 1_200), start=1):  # the first warms what is looked up once
        done = FeedImport.objects.create(
            file=f"feeds/{n}.csv",
            original_name="x.csv",
            size_bytes=1,
            sha256=f"{n:064d}",
            uploaded_by=partnership.users["manager"],
            agency=partnership.agencies["youth_justice"],
            status=FeedStatus.APPLIED,
            finished_at=datetime(2024, 1, 1, tzinfo=UTC),
        )
        FeedRow.objects.bulk_create(FeedRow(feed=done, line_number=line, status="applied") for line in range(rows))
        services.find_due(TODAY)
        with CaptureQueriesContext(connection) as queries:
            assert dispose_all(partnership.users["dpo"], RecordType.FEED)["disposed"] == 1
        assert not FeedRow.objects.exists()
        counted.append(len(queries))
    assert counted[1] == counted[2], counted

"""A feed import whose job died: it stays running, so after FEED_STALL_MINUTES without progress a
manager may try it again (it then completes) or abandon it (the same file may then be uploaded
again). Feeds that are still working, or finished, refuse both. Pages, API, audit and access."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from cases.models import Child
from cohorts.models import Observation
from feeds import services
from feeds.models import FeedImport, FeedRow, FeedStatus, RowStatus
from feeds.services.applying import Applier
from jobs import outbox
from jobs.models import OutboxMessage
from tests.factories import MembershipFactory, UserFactory
from tests.feeds_helpers import feed_csv, held_by_another_job, media, row, upload  # noqa: F401

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a job sees of its worker being killed: it stops where it is (no `except Exception`
    runs) and its open transaction is rolled back, as when the connection drops."""


@pytest.fixture
def manager(partnership):
    return partnership.users["manager"]


@pytest.fixture
def kill_worker_while_applying(monkeypatch):
    """The next import dies in the middle of matching and applying, inside its transaction."""

    def die(*_args, **_kwargs):
        raise WorkerKilled

    monkeypatch.setattr(Applier, "families_for", die)
    return monkeypatch.undo


def stall(feed: FeedImport, minutes: int = 31) -> FeedImport:
    FeedImport.objects.filter(pk=feed.pk).update(progress_at=timezone.now() - timedelta(minutes=minutes))
    feed.refresh_from_db()
    return feed


def running_feed(partnership, digest: str, status: str, **fields) -> FeedImport:
    """A feed the youth justice manager uploaded, at `status`; `digest` makes its SHA-256 unique."""
    return FeedImport.objects.create(
        file="feeds/x.csv",
        original_name="x.csv",
        size_bytes=10,
        sha256=digest * 64,
        uploaded_by=partnership.users["manager"],
        agency=partnership.agencies["youth_justice"],
        status=status,
        **fields,
    )


@pytest.fixture
def dead_import(manager, partnership, media, kill_worker_while_applying):  # noqa: F811
    """A clean file whose import job was killed while applying it, an hour ago. The job is run
    here as the worker runs it (the upload's outbox message is left unsent)."""
    content = feed_csv(
        [
            row("r-1", partnership.council_child),
            row("r-2", given_name="Newperson", family_name="Example", date_of_birth="2012-05-01"),
        ]
    )
    feed = services.upload_feed(manager, upload(content))
    with pytest.raises(WorkerKilled):
        services.import_feed(feed.pk)
    kill_worker_while_applying()
    feed = FeedImport.objects.get()
    assert feed.status == FeedStatus.MATCHING, "the job died mid-import and nobody marked the feed"
    return stall(feed, 60)


def test_a_dead_import_applied_nothing_and_blocks_the_same_file(dead_import, manager):
    # All or nothing: the killed job's transaction left no observations, people or staged rows.
    assert not Observation.objects.exists()
    assert not FeedRow.objects.exists()
    assert not Child.objects.filter(given_name="Newperson").exists()
    with pytest.raises(services.DuplicateFeed):
        services.upload_feed(manager, upload(dead_import.file.open("rb").read(), "again.csv"))


def test_a_stalled_import_can_be_tried_again_and_then_completes(
    dead_import, manager, partnership, django_capture_on_commit_callbacks
):
    assert services.is_stalled(dead_import)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.retry_feed(manager, dead_import)
    assert outbox.waiting_to_send(services.IMPORT_TASK, dead_import.pk), "queued, sent when the transaction commits"
    assert FeedImport.objects.get().status == FeedStatus.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    message = OutboxMessage.objects.get(task_name=services.IMPORT_TASK, sent_at__isnull=False)
    assert message.args == [dead_import.pk]
    feed = FeedImport.objects.get()
    assert feed.status == FeedStatus.APPLIED
    assert (feed.rows_total, feed.rows_applied, feed.people_created) == (2, 2, 1)
    assert sorted(Observation.objects.values_list("source_record_id", flat=True)) == ["r-1", "r-2"]
    assert Child.objects.filter(given_name="Newperson").count() == 1
    assert not services.is_stalled(feed)
    event = AuditEvent.objects.get(object_type="feeds.feedimport", detail__decision="retry")
    assert (event.user, event.action, event.detail["stalled_status"]) == (manager, AuditAction.UPDATE, "matching")


def test_a_stalled_import_can_be_abandoned_and_the_file_uploaded_again(
    dead_import, manager, django_capture_on_commit_callbacks
):
    feed = services.abandon_feed(manager, dead_import)
    feed.refresh_from_db()
    assert feed.status == FeedStatus.FAILED
    assert feed.abandoned_by == manager and feed.abandoned_at is not None and feed.finished_at is not None
    assert feed.message.startswith(f"Abandoned by {manager.get_full_name()} on ")
    assert "Nothing was applied" in feed.message
    assert AuditEvent.objects.filter(
        object_type="feeds.feedimport", object_id=str(feed.pk), detail__decision="abandoned", user=manager
    ).exists()
    assert not OutboxMessage.objects.filter(task_name=services.IMPORT_TASK).exclude(args=[feed.pk]).exists()
    # The duplicate check lets the same file through now, and this time it imports.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.upload_feed(manager, upload(feed.file.open("rb").read(), "again.csv"))
    again.refresh_from_db()
    assert again.pk != feed.pk and again.status == FeedStatus.APPLIED and again.rows_applied == 2
    # Abandoned means abandoned: it cannot be tried again.
    with pytest.raises(ValidationError) as error:
        services.retry_feed(manager, feed)
    assert error.value.messages == [services.NOT_RUNNING]


def test_a_stalled_apply_of_the_valid_rows_is_tried_again_with_the_uploaders_choice(
    manager,
    partnership,
    media,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    child = partnership.council_child
    content = feed_csv([row("good-1", child), row("bad-1", child, indicator_code="vibes")])
    with django_capture_on_commit_callbacks(execute=True):
        feed = services.upload_feed(manager, upload(content))
    feed.refresh_from_db()
    assert feed.status == FeedStatus.NEEDS_DECISION
    services.choose_apply_valid(manager, feed)  # its job is run here, as the worker runs it
    monkeypatch.setattr(Applier, "families_for", lambda *_a, **_k: (_ for _ in ()).throw(WorkerKilled()))
    with pytest.raises(WorkerKilled):
        services.apply_valid(feed.pk)
    monkeypatch.undo()
    feed = stall(FeedImport.objects.get())
    assert feed.status == FeedStatus.MATCHING and feed.apply_valid_rows
    assert FeedRow.objects.filter(feed=feed).count() == 2, "the staged rows survived the dead job"
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_feed(manager, feed)
    assert OutboxMessage.objects.filter(task_name=services.APPLY_TASK, sent_at__isnull=False).count() == 1
    feed.refresh_from_db()
    assert feed.status == FeedStatus.APPLIED and feed.rows_applied == 1
    assert list(Observation.objects.values_list("source_record_id", flat=True)) == ["good-1"]
    assert list(FeedRow.objects.values_list("status", flat=True)) == [RowStatus.INVALID]


def test_a_stalled_file_with_errors_abandoned_keeps_its_error_report(manager, partnership, media):  # noqa: F811
    child = partnership.council_child
    feed = running_feed(partnership, "a", FeedStatus.MATCHING, apply_valid_rows=True)
    FeedRow.objects.create(feed=feed, line_number=2, source_record_id="ok", status=RowStatus.VALID)
    FeedRow.objects.create(feed=feed, line_number=3, source_record_id="bad", errors="x", status=RowStatus.INVALID)
    services.abandon_feed(manager, stall(feed))
    assert dict(FeedRow.objects.values_list("source_record_id", "status")) == {
        "ok": RowStatus.SKIPPED,
        "bad": RowStatus.INVALID,
    }
    assert child.pk  # nothing about the child was touched
    assert not Observation.objects.exists()


@pytest.mark.parametrize("status", [FeedStatus.QUEUED, FeedStatus.STAGING, FeedStatus.VALIDATING])
def test_every_running_status_can_stall(manager, partnership, status):
    feed = running_feed(partnership, "b", status)
    assert not services.is_stalled(feed)
    assert services.is_stalled(stall(feed))


def test_imports_that_are_not_stalled_refuse_both_with_a_clear_message(
    manager, partnership, settings, django_capture_on_commit_callbacks
):
    settings.FEED_STALL_MINUTES = 45
    running = running_feed(partnership, "c", FeedStatus.VALIDATING)
    stall(running, 12)
    for action in (services.retry_feed, services.abandon_feed):
        with pytest.raises(ValidationError) as error:
            action(manager, running)
        assert error.value.messages == [
            "This import is still running: it last reported progress 12 minutes ago. You can try again or "
            "abandon it once it has shown no progress for 45 minutes."
        ]
    finished = running_feed(partnership, "d", FeedStatus.APPLIED)
    stall(finished, 600)
    for action in (services.retry_feed, services.abandon_feed):
        with pytest.raises(ValidationError) as error:
            action(manager, finished)
        assert error.value.messages == [services.NOT_RUNNING]
    assert list(FeedImport.objects.order_by("pk").values_list("status", flat=True)) == [
        FeedStatus.VALIDATING,
        FeedStatus.APPLIED,
    ]
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(detail__decision__in=["retry", "abandoned"]).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="NOWAIT row locks exist only on PostgreSQL")
def test_a_quiet_job_that_is_still_applying_holds_the_feed_so_it_is_not_retried(transactional_db, partnership):
    """However long since its last progress, a job inside its apply transaction holds the feed's
    row lock: retry and abandon see that and refuse, rather than run the file twice."""
    manager = partnership.users["manager"]
    feed = running_feed(partnership, "f", FeedStatus.MATCHING)
    stall(feed, 90)
    with held_by_another_job(lambda: FeedImport.objects.select_for_update().get(pk=feed.pk)):
        for action in (services.retry_feed, services.abandon_feed):
            with pytest.raises(ValidationError) as error:
                action(manager, feed)
            assert error.value.messages == [services.STILL_WORKING]
    assert FeedImport.objects.get(pk=feed.pk).status == FeedStatus.MATCHING
    # Once the job is gone, the stalled feed can be abandoned.
    services.abandon_feed(manager, feed)
    assert FeedImport.objects.get(pk=feed.pk).status == FeedStatus.FAILED


def test_only_managers_of_the_feeds_agency_may_retry_or_abandon(dead_import, partnership):
    other_manager = UserFactory()
    MembershipFactory(user=other_manager, agency=partnership.agencies["council"], role=Role.MANAGER)
    for user in (partnership.users["caseworker"], partnership.users["dpo"], other_manager):
        for action in (services.retry_feed, services.abandon_feed):
            with pytest.raises(PermissionDenied):
                action(user, dead_import)
    assert FeedImport.objects.get().status == FeedStatus.MATCHING


def test_the_import_job_keeps_a_heartbeat(manager, partnership, media, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        feed = services.upload_feed(manager, upload(feed_csv([row("r-1", partnership.council_child)])))
    FeedImport.objects.filter(pk=feed.pk).update(progress_at=timezone.now() - timedelta(days=1))
    # A job delivered again (the broker's redelivery after a retry) finds the feed claimed.
    assert services.import_feed(feed.pk) is None
    FeedImport.objects.filter(pk=feed.pk).update(status=FeedStatus.QUEUED)
    services.import_feed(feed.pk)
    feed.refresh_from_db()
    assert feed.status == FeedStatus.APPLIED
    assert timezone.now() - feed.progress_at < timedelta(minutes=1)


# Pages and API ----------------------------------------------------------------------------------


def test_the_feed_page_shows_the_banner_and_try_again_works(
    dead_import, client_for, django_capture_on_commit_callbacks
):
    client = client_for("manager")
    page = client.get(f"/cohort/feeds/{dead_import.pk}/").content.decode()
    assert "This import has stopped responding" in page
    assert f'action="/cohort/feeds/{dead_import.pk}/retry/"' in page
    assert f'action="/cohort/feeds/{dead_import.pk}/abandon/"' in page
    assert "hx-get" not in page, "a stalled feed's page stops polling"
    poll = client.get(f"/cohort/feeds/{dead_import.pk}/progress/", headers={"HX-Request": "true"})
    assert poll["HX-Refresh"] == "true", "a page polling when the feed stalls reloads to show the banner"
    assert client.get(f"/cohort/feeds/{dead_import.pk}/retry/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cohort/feeds/{dead_import.pk}/retry/", follow=True)
    html = response.content.decode()
    assert "The import was queued again" in html and "This import has stopped responding" not in html
    assert FeedImport.objects.get().status == FeedStatus.APPLIED


def test_the_feed_page_abandons_and_shows_who_and_when(dead_import, client_for, manager):
    client = client_for("manager")
    response = client.post(f"/cohort/feeds/{dead_import.pk}/abandon/", follow=True)
    html = response.content.decode()
    assert "The import was abandoned" in html
    assert "Abandoned" in html and escape(manager.get_full_name()) in html  # O'Brien is O&#x27;Brien
    assert FeedImport.objects.get().status == FeedStatus.FAILED


def test_a_running_feed_has_no_banner_and_the_actions_say_why(manager, partnership, client_for):
    feed = running_feed(partnership, "e", FeedStatus.VALIDATING)
    client = client_for("manager")
    page = client.get(f"/cohort/feeds/{feed.pk}/").content.decode()
    assert "stopped responding" not in page and "hx-get" in page
    response = client.post(f"/cohort/feeds/{feed.pk}/abandon/", follow=True)
    assert "This import is still running: it last reported progress 0 minutes ago" in response.content.decode()
    assert FeedImport.objects.get().status == FeedStatus.VALIDATING


def test_outsiders_get_404_on_the_page_and_api(dead_import, client, partnership):
    other_manager = UserFactory()
    MembershipFactory(user=other_manager, agency=partnership.agencies["council"], role=Role.MANAGER)
    for user in (other_manager, partnership.users["caseworker"]):
        client.force_login(user)
        for url in (
            f"/cohort/feeds/{dead_import.pk}/retry/",
            f"/cohort/feeds/{dead_import.pk}/abandon/",
            f"/api/v1/cohort/feeds/{dead_import.pk}/retry/",
            f"/api/v1/cohort/feeds/{dead_import.pk}/abandon/",
        ):
            assert client.post(url).status_code == 404, (user, url)
    assert FeedImport.objects.get().status == FeedStatus.MATCHING


def test_the_api_retries_and_abandons(dead_import, client_for, django_capture_on_commit_callbacks):
    client = client_for("manager")
    shown = client.get(f"/api/v1/cohort/feeds/{dead_import.pk}/").json()
    assert shown["stalled"] is True and shown["status"] == "matching"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/cohort/feeds/{dead_import.pk}/retry/")
    assert response.status_code == 202
    body = client.get(f"/api/v1/cohort/feeds/{dead_import.pk}/").json()
    assert body["status"] == "applied" and body["stalled"] is False
    refused = client.post(f"/api/v1/cohort/feeds/{dead_import.pk}/abandon/")
    assert refused.status_code == 400
    assert refused.json() == {"non_field_errors": [services.NOT_RUNNING]}


def test_the_api_abandons_with_who_and_when(dead_import, client_for, manager):
    response = client_for("manager").post(f"/api/v1/cohort/feeds/{dead_import.pk}/abandon/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "failed" and body["abandoned_by"]["id"] == manager.pk
    assert body["abandoned_at"] and body["stalled"] is False


def test_a_queued_import_the_broker_never_received_waits_rather_than_stalls(manager, partnership, settings, client_for):
    """While the broker is down the upload's outbox message stays unsent: the import is waiting to
    start, not stalled; trying again is refused (it would only queue it twice), and the page says
    that background work is paused and the file is kept."""
    from jobs import outbox

    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: sends go to a broker
    feed = stall(running_feed(partnership, "w", FeedStatus.QUEUED), 45)
    message = OutboxMessage.objects.create(task_name=services.IMPORT_TASK, args=[feed.pk])
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=45))
    assert services.is_waiting_to_start(feed) and not services.is_stalled(feed)
    with pytest.raises(ValidationError) as error:
        services.retry_feed(manager, feed)
    assert error.value.messages == [services.WAITING]
    assert OutboxMessage.objects.count() == 1
    page = client_for("manager").get(f"/cohort/feeds/{feed.pk}/").content.decode()
    assert "Background work has been paused since" in page and "Your file is kept" in page
    assert "stopped responding" not in page.lower()
    # Once the message is sent, the same import with no progress is stalled as before.
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
    assert outbox.paused_since() is None and services.is_stalled(feed)


# Delivered again: the job starts the import again by itself ---------------------------------------


def test_a_dead_import_delivered_again_starts_again_by_itself_and_completes(dead_import):
    """The broker delivers the dead job's message again (the worker acknowledges late): the job takes
    the feed back from its dead predecessor and imports the file from the start, audited. (On
    PostgreSQL, where a live job holds the feed's lock, at once; here once it shows no progress for
    FEED_STALL_MINUTES, which dead_import does.)"""
    feed = services.import_feed(dead_import.pk)
    assert (feed.status, feed.attempts, feed.rows_applied) == (FeedStatus.APPLIED, 2, 2)
    assert sorted(Observation.objects.values_list("source_record_id", flat=True)) == ["r-1", "r-2"]
    event = AuditEvent.objects.get(object_type="feeds.feedimport", detail__reason="worker_lost")
    assert (event.user, event.detail["stalled_status"]) == (None, FeedStatus.MATCHING)
    assert services.import_feed(dead_import.pk) is None, "a further delivery finds it finished"
    assert Observation.objects.count() == 2


def test_an_import_that_kills_its_worker_every_time_is_given_up_after_three_attempts(
    manager,
    partnership,
    media,  # noqa: F811
    settings,
    client_for,
    kill_worker_while_applying,
):
    settings.JOB_MAX_ATTEMPTS = 3
    content = feed_csv([row("r-1", partnership.council_child)])
    feed = services.upload_feed(manager, upload(content))
    for attempt in (1, 2, 3):
        with pytest.raises(WorkerKilled):
            services.import_feed(feed.pk)
        assert stall(feed).attempts == attempt
    assert services.import_feed(feed.pk) is None, "the fourth delivery gives it up"
    feed.refresh_from_db()
    assert (feed.status, feed.attempts) == (FeedStatus.FAILED, 3)
    assert feed.message.startswith("The import was stopped after 3 attempts: each time, the worker running it")
    assert not Observation.objects.exists()
    event = AuditEvent.objects.get(object_type="feeds.feedimport", detail__decision="failed")
    assert (event.user, event.detail["reason"], event.detail["attempts"]) == (None, "attempts", 3)
    client = client_for("manager")
    assert escape(feed.message) in client.get(f"/cohort/feeds/{feed.pk}/").content.decode()
    assert client.get(f"/api/v1/cohort/feeds/{feed.pk}/").json()["message"] == feed.message
    # Given up, the same file may be uploaded again (once whatever broke the worker is fixed).
    assert services.upload_feed(manager, upload(content, "again.csv")).status == FeedStatus.QUEUED


def test_beat_queues_again_an_import_whose_job_and_message_were_lost(dead_import, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the outbox keeps what beat queues: sent by hand below
    hour_ago = timezone.now() - timedelta(hours=1)
    OutboxMessage.objects.update(created_at=hour_ago, sent_at=hour_ago)  # the upload's message, sent and lost
    assert services.recover_stalled_imports() == [dead_import.pk]
    message = OutboxMessage.objects.get(task_name=services.IMPORT_TASK, sent_at__isnull=True)
    assert message.args == [dead_import.pk]
    assert services.recover_stalled_imports() == [], "queued once, not every five minutes"
    event = AuditEvent.objects.get(object_type="feeds.feedimport", detail__reason="stalled")
    assert (event.user, event.detail["job"]) == (None, services.IMPORT_TASK)
    services.import_feed(dead_import.pk)  # what the worker does with the message
    assert FeedImport.objects.get().status == FeedStatus.APPLIED
    assert services.recover_stalled_imports() == []


def test_beat_leaves_imports_that_are_recent_finished_or_waiting_for_the_broker(partnership, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    stall(running_feed(partnership, "r", FeedStatus.VALIDATING), 5)
    stall(running_feed(partnership, "s", FeedStatus.APPLIED), 600)
    waiting = stall(running_feed(partnership, "t", FeedStatus.QUEUED), 600)
    with transaction.atomic():
        outbox.enqueue(services.IMPORT_TASK, waiting.pk)  # the broker is down: never sent
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert services.recover_stalled_imports() == []

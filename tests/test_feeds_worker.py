"""A data feed imported by a real Celery worker against Redis and PostgreSQL leads to a published
recalculation with new suggestions. Skipped unless REDIS_URL is set and the database is PostgreSQL."""

import uuid

import pytest
from django.conf import settings
from django.db import connection

from cohorts.models import CohortRun, RunStatus, Suggestion
from feeds import services
from feeds.models import FeedImport, FeedStatus
from jobs.models import OutboxMessage
from tests.feeds_helpers import feed_csv, row, upload
from tests.test_worker import start_worker_process, wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "postgresql",
        reason="needs REDIS_URL and PostgreSQL (make test in CI sets both)",
    ),
]


@pytest.fixture
def shared_media(tmp_path, settings, monkeypatch):
    """The worker reads the uploaded file, so it must see the same MEDIA_ROOT (set before it starts)."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    return media


@pytest.fixture
def feed_worker(shared_media):
    """A worker on a queue of its own and on the default queue: the import it runs queues the
    recalculation from inside the worker, where the default queue applies. (Use a Redis database
    of your own, as CI does, so no other worker takes those.)"""
    from cohorts.defaults import ensure_default_indicators
    from safeguarding.celery import app

    ensure_default_indicators()  # the flush after an earlier transactional test removes migration data
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    process = start_worker_process(queue, [queue, previous])
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = previous
        process.terminate()
        process.wait(timeout=20)


def test_a_feed_upload_is_imported_by_the_worker_and_leads_to_new_suggestions(feed_worker, partnership):
    child = partnership.council_child
    content = feed_csv(
        [
            row("w-1", child, indicator_code="weapon_offence"),
            row("w-2", child, indicator_code="missing_episode"),
            row("w-3", child, indicator_code="exploitation_concern"),
        ]
    )
    feed = services.upload_feed(partnership.users["manager"], upload(content))
    applied = wait_for(lambda: FeedImport.objects.get(pk=feed.pk).status == FeedStatus.APPLIED, 60)
    assert applied, (
        FeedImport.objects.filter(pk=feed.pk).values("status", "message").first(),
        list(OutboxMessage.objects.values("task_name", "sent_at", "last_error")),
    )
    published = wait_for(lambda: CohortRun.objects.filter(feed=feed, status=RunStatus.PUBLISHED).exists(), 60)
    assert published, (
        list(CohortRun.objects.values("kind", "status", "error")),
        list(OutboxMessage.objects.values("task_name", "sent_at", "last_error")),
    )
    suggestion = Suggestion.objects.current().get(child=child)
    # weapon_offence 5 + missing_episode 4 + exploitation_concern 5
    assert (suggestion.individual_score, suggestion.tier) == (14, "most_vulnerable")

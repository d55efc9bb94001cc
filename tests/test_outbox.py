"""Background work is written to the outbox in the same transaction, and sent after commit."""

import socket

import pytest
from celery import shared_task

from accounts.models import Notification
from cases import services
from jobs import outbox
from jobs.models import OutboxMessage

pytestmark = pytest.mark.django_db

attempts = {"count": 0}


@shared_task(name="tests.flaky_task")
def flaky_task() -> str:
    attempts["count"] += 1
    if attempts["count"] == 1:
        raise ConnectionError("broker unavailable")
    return "done"


@pytest.fixture(autouse=True)
def in_process(settings):
    """These tests are about the outbox's transactions; test_worker.py covers a real broker."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_message_is_sent_only_after_commit(django_capture_on_commit_callbacks, partnership):
    child = partnership.unlinked_child
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.break_glass(
            partnership.users["police"],
            reference=child.reference,
            date_of_birth=child.date_of_birth,
            reason="Found at a hotel flagged for exploitation",
            hours=1,
        )
    message = OutboxMessage.objects.get()
    assert message.task_name == "cases.tasks.notify_dpo_of_break_glass" and message.sent_at is None
    assert not Notification.objects.exists()
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.sent_at is not None
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["dpo"]


def test_a_failed_send_stays_pending_and_is_sent_later(django_capture_on_commit_callbacks):
    attempts["count"] = 0
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("tests.flaky_task")
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and "broker unavailable" in message.last_error
    assert outbox.publish_pending() == 1
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 2


def test_notifying_twice_does_not_duplicate(partnership):
    from cases.tasks import notify_dpo_of_break_glass

    child = partnership.unlinked_child
    grant = services.break_glass(
        partnership.users["police"],
        reference=child.reference,
        date_of_birth=child.date_of_birth,
        reason="Found at a hotel flagged for exploitation",
        hours=1,
    )
    assert notify_dpo_of_break_glass(grant.pk) == 1
    assert notify_dpo_of_break_glass(grant.pk) == 0
    assert Notification.objects.count() == 1


@pytest.fixture
def hung_broker(settings):
    """The broker's address accepts connections and never answers, as a hung Redis does."""
    from safeguarding.celery import app

    listener = socket.create_server(("127.0.0.1", 0))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url

    def use(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    use(f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    yield
    use(previous)
    listener.close()
    outbox._broker_resting_until = 0.0


def test_requests_stop_waiting_on_a_hung_broker_and_beat_sends_later(django_capture_on_commit_callbacks, hung_broker):
    """The first send after the broker hangs waits out its timeout; the next requests' sends are
    left to beat at once, and beat stops at the first refusal rather than trying every message."""
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.enqueue("tests.flaky_task")
    first, second, third = OutboxMessage.objects.order_by("id")
    assert first.attempts == 1 and first.sent_at is None and "Timeout" in first.last_error
    assert (second.attempts, third.attempts) == (0, 0)
    assert outbox.broker_resting()
    assert outbox.publish_pending() == 0
    assert list(OutboxMessage.objects.order_by("id").values_list("attempts", flat=True)) == [2, 0, 0]

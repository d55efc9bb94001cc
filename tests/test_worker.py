"""A real Celery worker, against Redis and the test database, runs the work the web process queues.

Runs when REDIS_URL is set and the database is PostgreSQL (as in CI); the embedded SQLite set-up
has no broker and an in-memory test database a second process cannot open."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Notification
from cases import services
from jobs.models import OutboxMessage

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "postgresql",
        reason="needs REDIS_URL and PostgreSQL (make test in CI sets both)",
    ),
]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def output_of(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


def start_worker_process(name: str, queues: list[str], pool: str = "solo", **env) -> subprocess.Popen:
    """A Celery worker called `name`@localhost on `queues` (solo, or `pool` with one process), against
    the test database, once it answers a ping (extra environment variables in `env`)."""
    from safeguarding.celery import app

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safeguarding.settings_test",
        "DATABASE_URL": database_url(),
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "safeguarding", "worker", f"--pool={pool}", "--concurrency=1"]
    command += ["-Q", ",".join(queues), "--hostname", f"{name}@localhost"]
    command += ["--loglevel=warning", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    # Its output to a file, not a pipe nobody reads: a full pipe would stop it.
    log = tempfile.TemporaryFile()  # noqa: SIM115  (open while the worker runs)
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not app.control.ping(destination=[f"{name}@localhost"], timeout=0.5):
        assert process.poll() is None, output_of(log)
        assert time.monotonic() < deadline, "the Celery worker did not start within 30 s"
    return process


@pytest.fixture
def worker_queue(transactional_db):
    """Start a worker on a queue of its own, so no other worker on this machine takes the tasks."""
    from safeguarding.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    process = None
    try:
        process = start_worker_process(queue, [queue])
        yield queue
    finally:
        app.conf.task_default_queue = previous
        if process is not None:
            process.terminate()
            process.wait(timeout=20)


def wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_emergency_access_reaches_the_dpo_through_the_worker(worker_queue, partnership):
    child = partnership.unlinked_child
    grant = services.break_glass(
        partnership.users["police"],
        reference=child.reference,
        date_of_birth=child.date_of_birth,
        reason="Found at a hotel flagged for exploitation",
        hours=1,
    )
    assert OutboxMessage.objects.get().sent_at is not None, "published to Redis after commit"
    assert wait_for(lambda: Notification.objects.filter(user=partnership.users["dpo"]).exists())
    notification = Notification.objects.get(user=partnership.users["dpo"])
    assert child.reference in notification.message and grant.user.username in notification.message

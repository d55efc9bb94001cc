"""Faults the service survives, with the real parts: the application under gunicorn, PostgreSQL, Redis
and Celery workers (docs/faults.md).

- PostgreSQL drops every connection of the application and its workers (pg_terminate_backend, as
  when the server restarts; the shared server itself is never restarted here): the next request and
  the next task succeed, with no restart of either.
- Redis hangs (a socket that accepts and never answers) while people sign in, read and save: each
  answers without waiting on Redis for more than the broker's 2-second timeout, once; the work is
  kept and the recalculation's page says that background work is paused.
- A Celery worker is killed in the middle of a job: nothing half-done is visible, and the job is
  delivered again by itself (recalculations: at once when a pool process dies, after the visibility
  timeout when the whole worker dies), or offered for retry on its page (feed imports).

Skipped unless the database is PostgreSQL; the worker and Redis tests also need REDIS_URL (as in CI).
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import psycopg
import pytest
import redis
import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from access.models import BreakGlassGrant
from accounts.models import Notification
from cases import services as case_services
from cases.models import Child
from cohorts.models import CohortRun, Observation, RunKind, RunStatus, RunTrigger, Suggestion
from cohorts.services import runs
from feeds import services as feed_services
from feeds.models import FeedImport, FeedStatus
from jobs import outbox
from jobs.models import OutboxMessage
from tests.feeds_helpers import feed_csv, row, upload
from tests.test_cohort_scoring import D, Data, days
from tests.test_worker import ROOT, database_url, start_worker_process, wait_for, worker_queue  # noqa: F401

PASSWORD = "correct horse battery"  # every test user's (tests/factories.py)
POSTGRES = connection.vendor == "postgresql"
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (make test in CI uses it)"),
]
NOTIFY_DPO = "cases.tasks.notify_dpo_of_break_glass"


def needs_redis(test):
    """A test with Redis and real Celery workers (or a broker of its own)."""
    skip = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (make test in CI sets it)")
    return pytest.mark.celery_worker(skip(test))


# PostgreSQL drops the application's connections ------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def start_app(transactional_db):
    """start_app(**env) -> base URL of the application under gunicorn (one sync worker, as in
    production but smaller), against the test database."""
    started = []

    def start(**env: str) -> str:
        port = free_port()
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "safeguarding.settings_test",
            "DATABASE_URL": database_url(),
            **env,
        }
        command = [sys.executable, "-m", "gunicorn", "safeguarding.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"]
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        started.append(process)
        base = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                return requests.get(f"{base}/healthz", timeout=5).status_code == 200
            except requests.RequestException:  # not listening yet, or still loading the application
                return False

        assert wait_for(answers, 60), "gunicorn did not start within 60 s"
        return base

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)


def drop_other_connections() -> int:
    """End every other connection to the test database, as a restart of PostgreSQL does; how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def form_token(web: requests.Session, url: str) -> str:
    page = web.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def sign_in(web: requests.Session, base: str, username: str) -> requests.Response:
    token = form_token(web, f"{base}/accounts/sign-in/")
    return web.post(
        f"{base}/accounts/sign-in/",
        {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        headers={"Referer": f"{base}/accounts/sign-in/"},
        timeout=10,
    )


def test_requests_succeed_after_postgresql_drops_the_applications_connections(start_app, partnership):
    base = start_app()
    web = requests.Session()
    assert sign_in(web, base, "caseworker").status_code == 200  # followed to the home page
    assert web.get(f"{base}/", timeout=10).status_code == 200  # the connection is kept for the next request
    assert drop_other_connections() >= 1
    assert web.get(f"{base}/", timeout=10).status_code == 200, "a page after the drop: reconnected"

    token = form_token(web, f"{base}/accounts/alert-emails/")
    drop_other_connections()
    saved = web.post(
        f"{base}/accounts/alert-emails/",
        {"csrfmiddlewaretoken": token, "notification_emails": "daily"},
        headers={"Referer": f"{base}/accounts/alert-emails/"},
        timeout=10,
        allow_redirects=False,
    )
    assert saved.status_code == 302, "a save after the drop"
    partnership.users["caseworker"].refresh_from_db()
    assert partnership.users["caseworker"].notification_emails == "daily"

    drop_other_connections()
    assert sign_in(requests.Session(), base, "police").status_code == 200, "a sign-in after the drop"


@needs_redis
def test_a_worker_carries_on_after_postgresql_drops_its_connection(worker_queue, partnership):  # noqa: F811
    """Celery's Django fix-up closes the worker's connection around every task, so the task after a
    drop connects afresh (a CELERY_DB_REUSE_MAX, which keeps connections unchecked, would fail here)."""
    police, dpo, child = partnership.users["police"], partnership.users["dpo"], partnership.unlinked_child
    case_services.break_glass(
        police, reference=child.reference, date_of_birth=child.date_of_birth, reason="Found at a hotel", hours=1
    )
    assert wait_for(lambda: Notification.objects.filter(user=dpo).count() == 1)
    drop_other_connections()
    grant = BreakGlassGrant.objects.create(
        user=partnership.users["caseworker"], child=child, reason="Seen", expires_at=timezone.now() + timedelta(hours=1)
    )
    with transaction.atomic():
        outbox.enqueue(NOTIFY_DPO, grant.pk)
    assert wait_for(lambda: Notification.objects.filter(user=dpo).count() == 2), "the next task ran"


# Redis hangs --------------------------------------------------------------------------------------


@needs_redis
def test_sign_in_pages_and_saves_carry_on_while_redis_hangs_and_pages_say_work_is_paused(start_app, partnership):
    hung = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    base = start_app(REDIS_URL=f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
    try:
        web = requests.Session()
        # Signing in and reading do not touch Redis (each request gives up after 10 s: a hung broker
        # without timeouts would hold them for ever).
        assert sign_in(web, base, "manager").status_code == 200
        assert web.get(f"{base}/cohort/runs/", timeout=10).status_code == 200

        saves = []
        for _ in range(2):
            token = form_token(web, f"{base}/cohort/runs/")
            began = time.monotonic()
            response = web.post(
                f"{base}/cohort/runs/request/",
                {"csrfmiddlewaretoken": token, "as_of_day": D.day, "as_of_month": D.month, "as_of_year": D.year},
                headers={"Referer": f"{base}/cohort/runs/"},
                timeout=10,
                allow_redirects=False,
            )
            saves.append(time.monotonic() - began)
            assert response.status_code == 302
        assert "Recalculation requested" in web.get(base + response.headers["Location"], timeout=10).text
        # Only the first send waits, for the broker's 2-second timeout; the next is left to beat at once.
        messages = list(OutboxMessage.objects.order_by("id"))
        assert [(message.attempts, message.sent_at) for message in messages] == [(1, None), (0, None)]
        assert "Timeout" in messages[0].last_error and saves[0] >= 2 and saves[1] < 2, saves
        assert [run.status for run in CohortRun.objects.all()] == [RunStatus.QUEUED] * 2, "the work is kept"

        OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=3))
        run = CohortRun.objects.order_by("id").first()
        page = web.get(f"{base}/cohort/runs/{run.pk}/", timeout=10).text
        assert "Background work has been paused since" in page and "You do not need to request it again" in page
    finally:
        hung.close()


# A Celery worker is killed in the middle of a job -------------------------------------------------


@pytest.fixture
def workers(transactional_db):
    """workers(queue, **env) -> process: Celery workers on a queue, stopped at the end."""
    from safeguarding.celery import app

    started = []
    previous = app.conf.task_default_queue

    def start(queue: str, *, also: tuple[str, ...] = (), pool: str = "solo", **env: str) -> subprocess.Popen:
        app.conf.task_default_queue = queue
        process = start_worker_process(queue, [queue, *also], pool=pool, **env)
        started.append(process)
        return process

    yield start
    app.conf.task_default_queue = previous
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def scored(partnership):
    from cohorts.defaults import ensure_default_indicators

    ensure_default_indicators()  # the flush after a transactional test removes migration data
    data = Data(partnership)
    data.obs("weapon_offence", days(3), child=partnership.council_child)
    data.obs("domestic_abuse", days(30), adult=partnership.adult, family=partnership.family)
    previous = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False)
    return runs.execute_run(previous.pk)


def request_run() -> CohortRun:
    with transaction.atomic():  # the outbox sends the task to Redis when this commits
        return runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D)


def run_status(run_id: int) -> str:
    return CohortRun.objects.get(pk=run_id).status


def guard_holders() -> set[int]:
    """The database backends holding the recalculation guard."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = %s "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [runs.ADVISORY_LOCK_KEY],
        )
        return {pid for (pid,) in cursor.fetchall()}


def guard_held() -> bool:
    return bool(guard_holders())


def assert_nothing_of_it_visible(run: CohortRun, previous: CohortRun) -> None:
    assert not Suggestion.objects.filter(run=run).exists(), "the half-written rows were rolled back"
    assert CohortRun.objects.current_chain() == [previous.pk]


@needs_redis
def test_a_recalculation_whose_worker_died_is_delivered_again_after_the_visibility_timeout(workers, scored):
    """The whole worker is killed (its machine or container went): Redis keeps the message unacknowledged
    and the next worker takes it back once it is older than the visibility timeout (5 s here, 5 minutes
    in production)."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    first = workers(queue, COHORT_RUN_PAUSE_SECONDS="60", BROKER_VISIBILITY_TIMEOUT="5")
    run = request_run()
    assert wait_for(guard_held, 30), "the worker should be half-way: rows written, holding the guard"
    delivered = time.monotonic()
    first.kill()  # SIGKILL: no clean-up of any kind
    first.wait(timeout=10)
    assert wait_for(lambda: not guard_held(), 10)
    assert run_status(run.pk) == RunStatus.RUNNING
    assert_nothing_of_it_visible(run, scored)

    time.sleep(max(0.0, delivered + 6 - time.monotonic()))  # past the visibility timeout
    workers(queue, BROKER_VISIBILITY_TIMEOUT="5")  # nobody sends the task again: the broker does
    assert wait_for(lambda: run_status(run.pk) == RunStatus.PUBLISHED, 60), run_status(run.pk)
    assert CohortRun.objects.current_chain() == [run.pk]


def pool_processes(worker: subprocess.Popen) -> list[int]:
    output = subprocess.run(["ps", "-o", "pid=", "--ppid", str(worker.pid)], capture_output=True, text=True)
    return [int(pid) for pid in output.stdout.split()]


@needs_redis
def test_a_recalculation_whose_pool_process_died_is_delivered_again_at_once(workers, scored):
    """One pool process is killed (the kernel's out-of-memory killer, say): the worker sends the message
    back to the queue (task_reject_on_worker_lost) and a new pool process runs it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = workers(queue, pool="prefork", COHORT_RUN_PAUSE_SECONDS="10")
    run = request_run()
    assert wait_for(guard_held, 30)
    [holder] = guard_holders()
    [child] = pool_processes(worker)
    os.kill(child, signal.SIGKILL)
    # The dead process's transaction ends with its connection. The new pool process may take the
    # guard again at once, so what must go is this backend's hold, not every hold.
    assert wait_for(lambda: holder not in guard_holders(), 10)
    assert_nothing_of_it_visible(run, scored)
    assert wait_for(lambda: run_status(run.pk) == RunStatus.PUBLISHED, 60), run_status(run.pk)
    assert CohortRun.objects.current_chain() == [run.pk]
    assert worker.poll() is None, "the worker itself carried on"


@pytest.fixture
def shared_media(tmp_path, settings, monkeypatch):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    return media


def waiting_on_a_lock() -> list[int]:
    """Other connections to the test database waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return [pid for (pid,) in cursor.fetchall()]


def connection_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] > 0


@needs_redis
def test_a_feed_import_whose_worker_died_applied_nothing_and_its_page_offers_to_try_again(
    workers, shared_media, partnership, client_for
):
    """The worker is killed while applying the file: its transaction, which had begun writing, is rolled
    back. The redelivered message finds the import claimed and leaves it; the feed's page offers to try
    again once it has shown no progress for FEED_STALL_MINUTES, and trying again completes it."""
    from cohorts.defaults import ensure_default_indicators
    from safeguarding.celery import app

    ensure_default_indicators()
    queue, previous_queue = f"test-{uuid.uuid4().hex[:8]}", app.conf.task_default_queue
    content = feed_csv(
        [
            row("r-1", partnership.council_child),
            row("r-2", given_name="Newperson", family_name="Example", date_of_birth="2012-05-01"),
        ]
    )
    # Another connection holds new people back, so the worker stops in the middle of applying the file.
    blocker = psycopg.connect(database_url())
    blocker.cursor().execute(f"LOCK TABLE {Child._meta.db_table} IN SHARE MODE")
    try:
        # The import requests a recalculation from inside the worker, on the default queue.
        first = workers(queue, also=(previous_queue,), BROKER_VISIBILITY_TIMEOUT="1")
        with transaction.atomic():
            feed = feed_services.upload_feed(partnership.users["manager"], upload(content))
        assert wait_for(lambda: len(waiting_on_a_lock()) == 1, 60), FeedImport.objects.values("status", "message")
        [job] = waiting_on_a_lock()
        assert FeedImport.objects.get(pk=feed.pk).status == FeedStatus.MATCHING
        first.kill()
        first.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
    assert wait_for(lambda: not connection_alive(job), 20), "PostgreSQL ends the dead worker's connection"
    assert not Observation.objects.exists() and not Child.objects.filter(given_name="Newperson").exists()

    workers(queue, also=(previous_queue,), BROKER_VISIBILITY_TIMEOUT="1")
    broker = redis.Redis.from_url(settings.REDIS_URL)
    # The new worker takes the killed job's message back (it is past the visibility timeout of 1 s here)
    # and finds the import claimed: it does nothing.
    assert wait_for(lambda: broker.hlen("unacked") == 0 and broker.llen(queue) == 0, 30)
    manager = client_for("manager")
    page = manager.get(f"/cohort/feeds/{feed.pk}/").content.decode()
    assert "stopped responding" not in page and "Try again" not in page
    FeedImport.objects.filter(pk=feed.pk).update(progress_at=timezone.now() - timedelta(minutes=31))
    page = manager.get(f"/cohort/feeds/{feed.pk}/").content.decode()
    assert "This import has stopped responding" in page and "Nothing from this file has been applied" in page
    assert FeedImport.objects.get(pk=feed.pk).status == FeedStatus.MATCHING, "the redelivery did not import it"

    assert manager.post(f"/cohort/feeds/{feed.pk}/retry/").status_code == 302
    assert wait_for(lambda: FeedImport.objects.get(pk=feed.pk).status == FeedStatus.APPLIED, 60), (
        FeedImport.objects.values("status", "message").get(pk=feed.pk)
    )
    assert sorted(Observation.objects.values_list("source_record_id", flat=True)) == ["r-1", "r-2"]
    assert Child.objects.filter(given_name="Newperson").count() == 1
    # And the recalculation it asks for (on the default queue) is published, as after any import.
    assert wait_for(lambda: CohortRun.objects.filter(feed=feed, status=RunStatus.PUBLISHED).exists(), 60)

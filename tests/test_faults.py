"""Faults the service survives, with the real parts: the application under gunicorn, PostgreSQL, Redis
and Celery workers (docs/faults.md).

- PostgreSQL is stopped and started again (a private cluster; the shared server is never restarted
  here): while it is down, requests answer a quick plain 503; then the same process serves again.
  It drops every connection of the application and its workers (pg_terminate_backend): the next
  request and the next task succeed, with no restart of either.
- Redis hangs (a socket that accepts and never answers) while people sign in, read and save: each
  answers without waiting on Redis for more than the broker's 2-second timeout, once; the work is
  kept and the recalculation's page says that background work is paused.
- A Celery worker is killed in the middle of a job: nothing half-done is visible, and the job is
  delivered again by itself (at once when a pool process dies, after the visibility timeout when the
  whole worker dies) and starts again, recalculations and feed imports alike; a job killed on every
  attempt is given up after three, with the reason on its page.

Skipped unless the database is PostgreSQL; the worker and Redis tests also need REDIS_URL (as in CI).
"""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape

from access.models import BreakGlassGrant
from accounts.models import Notification
from audit.models import AuditEvent
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
from tests.test_worker import ROOT, database_url, output_of, start_worker_process, wait_for, worker_queue  # noqa: F401

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


def pool_processes_of(pid: int) -> list[int]:
    """The child processes of process `pid`."""
    output = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(child) for child in output.stdout.split()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def start_app(transactional_db):
    """start_app(**env) -> base URL of the application under gunicorn (one sync worker, as in
    production but smaller), against the test database. start_app.masters[base]: its master process."""
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
        # Its output to a file, not a pipe nobody reads: a full pipe would stop it (the audit log
        # stream alone writes a line per page).
        log = tempfile.TemporaryFile()  # noqa: SIM115  (open while the server runs)
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        base = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            assert process.poll() is None, output_of(log)
            try:
                return requests.get(f"{base}/healthz", timeout=5).status_code == 200
            except requests.RequestException:  # not listening yet, or still loading the application
                return False

        assert wait_for(answers, 60), "gunicorn did not start within 60 s"
        start.masters[base] = process
        return base

    start.masters = {}
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


# PostgreSQL is stopped and started again -------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")  # Debian's server package (CI installs it)


class PrivateCluster:
    """A PostgreSQL cluster of the test's own, in a temporary directory, on a free port: stopping it
    stops nobody else's work. As root (CI) its commands run as the postgres user, which owns the
    directory: the server refuses to run as root."""

    def __init__(self) -> None:
        assert (PG_BIN / "initdb").exists(), f"{PG_BIN}/initdb is missing: install Debian's postgresql-15"
        self.home = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.home / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.home, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def run(self, program: str, *args: str) -> None:
        result = subprocess.run([*self.as_user, str(PG_BIN / program), *args], capture_output=True, text=True)
        assert result.returncode == 0, f"{program}: {result.stdout}{result.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.home / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture
def private_postgres(transactional_db, partnership):
    """A private cluster holding a copy of the test database (schema and rows, the partnership's
    users among them: pg_dump) as `drill`."""
    cluster = PrivateCluster()
    try:
        cluster.start()
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "drill"], check=True)
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", database_url()], capture_output=True)
        assert dump.returncode == 0, dump.stderr.decode()
        restore = subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", cluster.url("drill")], input=dump.stdout, capture_output=True
        )
        assert restore.returncode == 0, restore.stderr.decode()
        yield cluster
    finally:
        cluster.remove()


def timed(call):
    began = time.monotonic()
    response = call()
    return response, time.monotonic() - began


def test_requests_fail_quickly_and_plainly_while_postgresql_is_stopped_then_recover_without_a_restart(
    private_postgres, start_app
):
    """A real restart of a PostgreSQL server (a private one): while it is down, a page, a save and the
    API answer 503 at once with a plain "try again" (no 500, nothing of the cause); once it is back, the
    same gunicorn worker serves them again, the save included."""
    base = start_app(DATABASE_URL=private_postgres.url("drill"))
    [worker] = pool_processes_of(start_app.masters[base].pid)
    web = requests.Session()
    assert sign_in(web, base, "caseworker").status_code == 200
    assert settings.SESSION_COOKIE_NAME in web.cookies, "signed in"
    assert web.get(f"{base}/", timeout=10, allow_redirects=False).status_code == 200
    token = form_token(web, f"{base}/accounts/alert-emails/")

    def save(choice: str) -> requests.Response:
        return web.post(
            f"{base}/accounts/alert-emails/",
            {"csrfmiddlewaretoken": token, "notification_emails": choice},
            headers={"Referer": f"{base}/accounts/alert-emails/"},
            timeout=10,
            allow_redirects=False,
        )

    private_postgres.stop()
    for request in (
        lambda: web.get(f"{base}/", timeout=10, allow_redirects=False),
        lambda: save("weekly"),
        lambda: web.get(f"{base}/api/v1/children/", timeout=10),
    ):
        response, seconds = timed(request)
        assert (response.status_code, response.headers.get("Retry-After")) == (503, "30"), (
            response.request.method,
            response.url,
            response.headers,
        )
        assert seconds < 2, f"{response.request.method} {response.url}: {seconds:.1f} s"
        assert "Traceback" not in response.text and "OperationalError" not in response.text
        assert "try again in a few minutes" in response.text.lower()
        assert settings.SESSION_COOKIE_NAME not in response.headers.get("Set-Cookie", ""), "nobody is signed out"
    assert "Sorry, the service is unavailable" in web.get(f"{base}/", timeout=10).text

    private_postgres.start()
    home = web.get(f"{base}/", timeout=10, allow_redirects=False)
    assert home.status_code == 200, "the first request after the restart, still signed in"
    assert save("daily").status_code == 302
    with psycopg.connect(private_postgres.url("drill")) as drill, drill.cursor() as cursor:
        cursor.execute("SELECT notification_emails FROM accounts_user WHERE username = 'caseworker'")
        assert cursor.fetchone() == ("daily",), "saved once the server was back"
    drill.close()
    police = requests.Session()
    assert sign_in(police, base, "police").status_code == 200
    assert settings.SESSION_COOKIE_NAME in police.cookies, "a sign-in after the restart"
    assert pool_processes_of(start_app.masters[base].pid) == [worker], "the same worker process, not restarted"


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
    return pool_processes_of(worker.pid)


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


def relation_lock_waiters() -> list[int]:
    """Other connections to the test database waiting for a table lock (the blocker's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND l.locktype = 'relation' AND a.datname = current_database()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def two_rows(partnership) -> bytes:
    return feed_csv(
        [
            row("r-1", partnership.council_child),
            row("r-2", given_name="Newperson", family_name="Example", date_of_birth="2012-05-01"),
        ]
    )


@contextmanager
def new_people_held_back():
    """Another connection holds new people back, so an import stops in the middle of applying its file."""
    blocker = psycopg.connect(database_url())
    blocker.cursor().execute(f"LOCK TABLE {Child._meta.db_table} IN SHARE MODE")
    try:
        yield
    finally:
        blocker.rollback()
        blocker.close()


def feed_attempts(feed: FeedImport) -> int:
    return FeedImport.objects.get(pk=feed.pk).attempts


@needs_redis
def test_a_feed_import_whose_worker_died_applied_nothing_and_starts_again_by_itself(
    workers, shared_media, partnership, client_for
):
    """The worker is killed while applying the file: its transaction, which had begun writing, is rolled
    back. The next worker takes the message back from the broker (visibility timeout: 1 s here, 5
    minutes in production) and the import starts again from the start and completes, with nobody
    pressing "Try again"; the restart is audited."""
    from cohorts.defaults import ensure_default_indicators
    from safeguarding.celery import app

    ensure_default_indicators()
    queue, previous_queue = f"test-{uuid.uuid4().hex[:8]}", app.conf.task_default_queue
    with new_people_held_back():
        # The import requests a recalculation from inside the worker, on the default queue.
        first = workers(queue, also=(previous_queue,), BROKER_VISIBILITY_TIMEOUT="1")
        with transaction.atomic():
            feed = feed_services.upload_feed(partnership.users["manager"], upload(two_rows(partnership)))
        assert wait_for(lambda: len(waiting_on_a_lock()) == 1, 60), FeedImport.objects.values("status", "message")
        [job] = waiting_on_a_lock()
        assert FeedImport.objects.get(pk=feed.pk).status == FeedStatus.MATCHING
        first.kill()
        first.wait(timeout=10)
        assert wait_for(lambda: not connection_alive(job), 20), "PostgreSQL ends the dead worker's connection"
    assert not Observation.objects.exists() and not Child.objects.filter(given_name="Newperson").exists()
    assert FeedImport.objects.get(pk=feed.pk).status == FeedStatus.MATCHING, "nothing visible of it"

    workers(queue, also=(previous_queue,), BROKER_VISIBILITY_TIMEOUT="1")  # nobody sends the task again
    assert wait_for(lambda: FeedImport.objects.get(pk=feed.pk).status == FeedStatus.APPLIED, 60), (
        FeedImport.objects.values("status", "message", "attempts").get(pk=feed.pk)
    )
    assert feed_attempts(feed) == 2
    assert sorted(Observation.objects.values_list("source_record_id", flat=True)) == ["r-1", "r-2"]
    assert Child.objects.filter(given_name="Newperson").count() == 1
    event = AuditEvent.objects.get(object_type="feeds.feedimport", detail__reason="worker_lost")
    assert (event.user, event.detail["stalled_status"]) == (None, FeedStatus.MATCHING)
    page = client_for("manager").get(f"/cohort/feeds/{feed.pk}/").content.decode()
    assert "stopped responding" not in page and "Try again" not in page
    # And the recalculation it asks for (on the default queue) is published, as after any import.
    assert wait_for(lambda: CohortRun.objects.filter(feed=feed, status=RunStatus.PUBLISHED).exists(), 60)


def kill_the_pool_process_each_time(worker: subprocess.Popen, started, times: int = 3) -> None:
    """A job that kills its worker every time it runs (out of memory, say): each time `started(n)` says
    attempt n is under way, its pool process is killed; the worker puts the message back at once."""
    for attempt in range(1, times + 1):
        assert wait_for(lambda n=attempt: started(n), 60), f"attempt {attempt} did not start"
        assert wait_for(lambda: len(pool_processes(worker)) == 1, 10)
        [child] = pool_processes(worker)
        os.kill(child, signal.SIGKILL)
        assert wait_for(lambda c=child: c not in pool_processes(worker), 10)


@needs_redis
def test_a_feed_import_that_kills_its_worker_every_time_is_given_up_after_three_attempts(
    workers, shared_media, partnership, client_for
):
    from cohorts.defaults import ensure_default_indicators

    ensure_default_indicators()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    with new_people_held_back():
        worker = workers(queue, pool="prefork")
        with transaction.atomic():
            feed = feed_services.upload_feed(partnership.users["manager"], upload(two_rows(partnership)))

        def applying(attempt: int) -> bool:
            return feed_attempts(feed) == attempt and len(relation_lock_waiters()) == 1

        kill_the_pool_process_each_time(worker, applying)
        # The fourth delivery waits for the killed job's backend to end, then gives the import up.
        assert wait_for(lambda: FeedImport.objects.get(pk=feed.pk).status == FeedStatus.FAILED, 60), (
            FeedImport.objects.values("status", "attempts").get(pk=feed.pk)
        )
    feed.refresh_from_db()
    assert feed.attempts == 3 and feed.message.startswith("The import was stopped after 3 attempts")
    assert not Observation.objects.exists() and not Child.objects.filter(given_name="Newperson").exists()
    event = AuditEvent.objects.get(object_type="feeds.feedimport", detail__decision="failed")
    assert (event.user, event.detail["attempts"]) == (None, 3)
    assert AuditEvent.objects.filter(object_type="feeds.feedimport", detail__reason="worker_lost").count() == 2
    manager = client_for("manager")
    assert escape(feed.message) in manager.get(f"/cohort/feeds/{feed.pk}/").content.decode()
    assert manager.get(f"/api/v1/cohort/feeds/{feed.pk}/").json()["message"] == feed.message
    assert worker.poll() is None, "the worker itself carried on"


@needs_redis
def test_a_recalculation_that_kills_its_worker_every_time_is_given_up_after_three_attempts(workers, scored, client_for):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = workers(queue, pool="prefork", COHORT_RUN_PAUSE_SECONDS="60")
    run = request_run()

    def computing(attempt: int) -> bool:
        return CohortRun.objects.get(pk=run.pk).attempts == attempt and guard_held()

    kill_the_pool_process_each_time(worker, computing)
    assert wait_for(lambda: run_status(run.pk) == RunStatus.FAILED, 90), CohortRun.objects.values(
        "status", "attempts"
    ).get(pk=run.pk)
    run.refresh_from_db()
    assert run.attempts == 3 and run.error.startswith("Stopped after 3 attempts")
    assert_nothing_of_it_visible(run, scored)
    event = AuditEvent.objects.get(object_type="cohorts.cohortrun", object_id=str(run.pk), detail__decision="failed")
    assert (event.user, event.detail["attempts"]) == (None, 3)
    manager = client_for("manager")
    assert escape(run.error) in manager.get(f"/cohort/runs/{run.pk}/").content.decode()
    assert manager.get(f"/api/v1/cohort/runs/{run.pk}/").json()["error"] == run.error

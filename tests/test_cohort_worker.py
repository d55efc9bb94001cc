"""Cohort recalculation with a real Celery worker against Redis and PostgreSQL.

A requested run is executed by the worker and published; a worker killed (SIGKILL) half-way through
a run leaves the previous run published and a retry completes; a second run cannot overlap one in
progress. The kill is made deterministic with COHORT_RUN_PAUSE_SECONDS (settings_test only): the
worker sleeps between writing its rows and publishing them, inside the run's transaction, holding
the recalculation guard. Skipped unless REDIS_URL is set and the database is PostgreSQL."""

import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction

from cohorts.models import CohortRun, RunKind, RunStatus, RunTrigger, Suggestion
from cohorts.services import runs
from tests.test_cohort_scoring import D, Data, days
from tests.test_worker import start_worker_process, wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "postgresql",
        reason="needs REDIS_URL and PostgreSQL (make test in CI sets both)",
    ),
]


@pytest.fixture
def start_worker(transactional_db):
    """start_worker(pause_seconds=0) -> (process, queue): a worker on a queue of its own."""
    from safeguarding.celery import app

    started = []
    previous = app.conf.task_default_queue

    def start(pause_seconds: float = 0):
        queue = f"test-{uuid.uuid4().hex[:8]}"
        app.conf.task_default_queue = queue
        process = start_worker_process(queue, [queue], COHORT_RUN_PAUSE_SECONDS=str(pause_seconds))
        started.append(process)
        return process, queue

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
    data.obs("crime", days(30), child=partnership.council_child)
    data.obs("domestic_abuse", days(30), adult=partnership.adult, family=partnership.family)
    return partnership


def request(as_of=D) -> CohortRun:
    with transaction.atomic():  # the outbox sends the task to Redis when this commits
        return runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=as_of)


def status(run_id: int) -> str:
    return CohortRun.objects.get(pk=run_id).status


def guard_held() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            # Advisory locks belong to one database; other databases on the server (another checkout's
            # tests, the benchmark) may hold the same key in theirs.
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = %s "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [runs.ADVISORY_LOCK_KEY],
        )
        return cursor.fetchone()[0] > 0


def comparable(run_id: int) -> list:
    return sorted(
        (s.child_id, s.score, s.individual_score, s.family_score, s.context_score, s.tier, s.contributions)
        for s in Suggestion.objects.filter(run_id=run_id)
    )


def test_requested_runs_are_executed_and_published_by_the_worker(start_worker, scored):
    start_worker()
    first = request()
    assert wait_for(lambda: status(first.pk) == RunStatus.PUBLISHED, 30)
    second = request()
    assert wait_for(lambda: status(second.pk) == RunStatus.PUBLISHED, 30)
    assert CohortRun.objects.current_chain() == [second.pk]
    rows = comparable(second.pk)
    assert rows == comparable(first.pk), "same inputs and as_of: identical results"
    assert [(child, score, tier) for child, score, _i, _f, _c, tier, _x in rows] == [
        (scored.council_child.pk, 11, "vulnerable_cohort"),  # 5 + 3 individual, 3 family; the sibling scores 3
        (scored.voluntary_child.pk, 5, "cause_for_concern"),  # 3 family + 2 for the hotspot, where the brother scores
    ]


def test_a_run_killed_half_way_leaves_the_previous_run_and_a_retry_completes(start_worker, scored):
    previous = runs.execute_run(
        runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False).pk
    )
    worker, _queue = start_worker(pause_seconds=60)
    run = request()
    assert wait_for(guard_held, 30), "the worker should be half-way: rows written, holding the guard"
    assert status(run.pk) == RunStatus.RUNNING
    worker.kill()  # SIGKILL: no clean-up of any kind
    worker.wait(timeout=10)
    assert wait_for(lambda: not guard_held(), 10), "the database releases the guard of a dead connection"
    assert CohortRun.objects.current_chain() == [previous.pk]
    assert not Suggestion.objects.filter(run=run).exists(), "the half-written rows were rolled back"
    assert set(Suggestion.objects.current().values_list("run_id", flat=True)) == {previous.pk}

    from safeguarding.celery import app

    _worker, queue = start_worker()
    app.send_task("cohorts.recalculate", args=[run.pk], queue=queue)  # the retry
    assert wait_for(lambda: status(run.pk) == RunStatus.PUBLISHED, 30)
    assert CohortRun.objects.current_chain() == [run.pk]
    assert comparable(run.pk) == comparable(previous.pk)


def test_a_second_run_does_not_overlap_one_in_progress(start_worker, scored):
    start_worker(pause_seconds=8)
    first = request()
    assert wait_for(guard_held, 30)
    second = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False)
    second = runs.execute_run(second.pk)  # in this process, while the worker holds the guard
    assert second.status == RunStatus.SKIPPED and "Another recalculation" in second.error
    assert not Suggestion.objects.filter(run=second).exists()
    third = request()  # queued behind the first on the worker: waits for it, never overlaps
    assert wait_for(lambda: status(first.pk) == RunStatus.PUBLISHED, 30)
    assert status(third.pk) in (RunStatus.QUEUED, RunStatus.RUNNING)
    assert wait_for(lambda: status(third.pk) == RunStatus.PUBLISHED, 30)
    first, third = CohortRun.objects.get(pk=first.pk), CohortRun.objects.get(pk=third.pk)
    assert third.started_at >= first.published_at

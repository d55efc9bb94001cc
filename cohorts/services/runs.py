# ruff: noqa: S608 -- statements are built from fixed SQL, integers and %s placeholders only.
"""Recalculation runs: request, execute (guarded, atomic publication), notify, prune.

How a run executes (`execute_run`):

1. In a first short transaction the run is marked running. On its first start it fixes its inputs:
   the scoring model (a new ScoringModel version when the active indicator definitions differ from
   the latest snapshot), the observation high-water mark H and whether suggestions are switched on.
   A retry of the same run reuses them, so it computes the same rows.
2. In a second transaction it takes the recalculation guard, clears any rows an earlier attempt of
   this run left, writes its suggestions in one set-based statement, counts tiers and changes,
   notifies lead professionals, and marks itself published. Readers see the previous chain until
   this transaction commits, and a process killed half-way rolls it back: the previous run stays
   published and a retry starts clean.

The guard: on PostgreSQL `pg_try_advisory_xact_lock` inside the second transaction (released by
the database at commit, rollback, or when a killed worker's connection drops); on SQLite a RunLock
row taken before it with an expiry (RUN_LOCK_SECONDS), released after. When another run holds it,
`execute_run` raises RunBusy (the Celery task retries later, see cohorts.task_runs) or, with
skip_if_busy, records this run as skipped.

Retention: rows of the last KEEP_FULL_RUNS published full runs (and the incremental runs on top of
them) are kept; older runs keep their record (counts, changes, model version) but their suggestion
rows are deleted, except rows a panel decision points at. Pruning follows each published full run. On
PostgreSQL each full run's rows are a partition of their own (scoring.write_suggestions), so pruning
drops an old full run's partition whole, moving the rows a decision points at to the default partition
first; incremental runs' rows, in the default partition, are deleted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from audit.models import AuditAction
from cases.models import Child
from cohorts.models import (
    CohortRun,
    CohortSettings,
    IndicatorDefinition,
    Observation,
    RunKind,
    RunLock,
    RunStatus,
    ScoringModel,
    Suggestion,
)
from cohorts.services import scoring
from jobs import outbox

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

    from accounts.models import User

logger = logging.getLogger(__name__)

TASK_NAME = "cohorts.recalculate"
KEEP_FULL_RUNS = 3
RUN_LOCK_NAME = "recalculation"
RUN_LOCK_SECONDS = 3600
ADVISORY_LOCK_KEY = 5_000_501  # any constant, private to cohort recalculation
# Memory for the sorts and hashes of the one scoring statement (PostgreSQL, this transaction only):
# with the default 4 MB a whole-city run spills its aggregates to disk.
RUN_WORK_MEM = "256MB"
DEFAULT_THRESHOLDS = {
    "most_vulnerable_threshold": 12,
    "vulnerable_threshold": 8,
    "concern_threshold": 4,
    "context_weight": 2,
    "context_max_links": 3,
    "context_window_days": 365,
}
# An incremental run costs about 0.05 ms of database time per listed child (linear: see
# scoring.suggestions_statement), a whole-city run about 2.5-3.5 s for 100,000 children: on the
# benchmark city (6 Dec) 50,000 children took 2.2-2.7 s and a full run 3.1-3.5 s. When more than this
# fraction of all children are listed, the whole city is scored instead (the same rows for them);
# never for FULL_RUN_MIN_CHILDREN or fewer (0.1 s at most: a small city's runs stay what was asked).
FULL_RUN_FRACTION = 0.5
FULL_RUN_MIN_CHILDREN = 1000
# The tables an incremental run plans its reads from. A feed can add a large share of their rows
# between two full runs (which refresh only the suggestions' statistics); the first incremental run
# after it would plan on the old statistics (97 s instead of 0.35 s once). Before an incremental
# run, a table with more than STALE_FRACTION of its rows new or changed since its last ANALYZE is
# analysed again (0.1-1 s for observations; autovacuum's own threshold is 10%).
SCORED_TABLES = (
    "cohorts_observation",
    "cases_child",
    "cases_familymember",
    "cases_familyfact",
    "cases_contextlink",
    "cases_chronologyevent",
)
STALE_FRACTION = 0.02
STALE_MIN_ROWS = 1000
TIER_WORDS = {
    "most_vulnerable": "most vulnerable",
    "vulnerable_cohort": "vulnerable cohort",
    "cause_for_concern": "cause for concern",
}


class RunBusy(Exception):
    """Another run holds the recalculation guard."""


# Model versions -----------------------------------------------------------------------------------


def current_model(user: User | None = None) -> ScoringModel:
    """The latest ScoringModel, or a new version when the active indicator definitions changed."""
    snapshot = scoring.snapshot(IndicatorDefinition.objects.filter(is_active=True))
    latest = ScoringModel.objects.order_by("-version").first()
    if latest is not None and latest.indicators == snapshot:
        return latest
    thresholds = (
        {field: getattr(latest, field) for field in DEFAULT_THRESHOLDS} if latest is not None else DEFAULT_THRESHOLDS
    )
    return ScoringModel.objects.create(
        version=(latest.version + 1) if latest else 1,
        indicators=snapshot,
        summary=latest.summary if latest else "",
        created_by=user,
        **thresholds,
    )


# Requesting ---------------------------------------------------------------------------------------


def request_run(
    *,
    kind: str,
    trigger: str,
    as_of: date | None = None,
    child_ids: Iterable[int | str] | None = None,
    requested_by: User | None = None,
    # A feeds.FeedImport or None: Any, because no module of the cohorts app imports the feeds app
    # above it, not even for types (tests/test_feeds_layering.py).
    feed: Any = None,
    enqueue: bool = True,
) -> CohortRun:
    """Record a queued run and enqueue its task through the outbox, in the caller's transaction."""
    with transaction.atomic():
        latest = ScoringModel.objects.order_by("-version").first() or current_model(requested_by)
        run = CohortRun.objects.create(
            kind=kind,
            trigger=trigger,
            as_of=as_of or timezone.localdate(),
            scoring_model=latest,
            child_ids=sorted({int(pk) for pk in child_ids or []}) if kind == RunKind.INCREMENTAL else [],
            requested_by=requested_by,
            feed=feed,
            suggestions_enabled=CohortSettings.load().suggestions_enabled,
        )
        # Who asked for a recalculation, and of what: the children's ids are counted, not copied.
        audit.record(
            requested_by,
            AuditAction.CREATE,
            obj=run,
            detail={"kind": kind, "trigger": trigger, "as_of": run.as_of.isoformat(), "children": len(run.child_ids)},
        )
        if enqueue:
            outbox.enqueue(TASK_NAME, run.pk)
    return run


# Executing ----------------------------------------------------------------------------------------


def gave_up_message(attempts: int) -> str:
    return (
        f"Stopped after {attempts} attempts: each time, the worker running it stopped part-way (it may have run "
        "out of memory). Nothing from it was published: the previous results are still shown. Tell your system "
        "administrator."
    )


def _give_up(run: CohortRun) -> None:
    """Mark a run that has used up its attempts failed, say why, log and audit it. In the caller's
    transaction, with the run locked."""
    run.status = RunStatus.FAILED
    run.error = gave_up_message(run.attempts)
    run.save(update_fields=["status", "error"])
    logger.error("Cohort run %s given up after %s attempts: its worker stopped each time", run.pk, run.attempts)
    audit.record(
        None, AuditAction.UPDATE, obj=run, detail={"decision": "failed", "reason": "attempts", "attempts": run.attempts}
    )


def _start(run_id: int) -> CohortRun | None:
    """Mark the run running, count the attempt (committed before any work, so a worker killed
    during the run leaves it counted) and fix its inputs on its first start. None if there is
    nothing to do: published, skipped, or given up after JOB_MAX_ATTEMPTS starts."""
    with transaction.atomic():
        run = CohortRun.objects.select_for_update().get(pk=run_id)
        if run.status in (RunStatus.PUBLISHED, RunStatus.SKIPPED):
            return None
        if run.attempts >= settings.JOB_MAX_ATTEMPTS:
            if run.status != RunStatus.FAILED:
                _give_up(run)
            return None
        run.attempts += 1
        if run.started_at is None:
            run.scoring_model = current_model(run.requested_by)
            run.observation_high_water = Observation.objects.aggregate(top=Max("id"))["top"] or 0
            run.suggestions_enabled = CohortSettings.load().suggestions_enabled
            run.started_at = timezone.now()
        run.status = RunStatus.RUNNING
        run.error = ""
        run.save()
        return run


def _sqlite_acquire(run: CohortRun) -> bool:
    now = timezone.now()
    with transaction.atomic():
        RunLock.objects.get_or_create(name=RUN_LOCK_NAME)
        taken = (
            RunLock.objects.filter(name=RUN_LOCK_NAME)
            .filter(Q(held_by_run__isnull=True) | Q(expires_at__lt=now) | Q(held_by_run=run))
            .update(held_by_run=run, expires_at=now + timedelta(seconds=RUN_LOCK_SECONDS))
        )
    return taken == 1


def _sqlite_release(run: CohortRun) -> None:
    RunLock.objects.filter(name=RUN_LOCK_NAME, held_by_run=run).update(held_by_run=None, expires_at=None)


def _pg_try_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def execute_run(run_id: int, *, skip_if_busy: bool = True) -> CohortRun:
    """Compute and publish run `run_id` (see the module docstring). Safe to call again after a crash."""
    run = _start(run_id)
    if run is None:
        return CohortRun.objects.get(pk=run_id)
    began = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    if postgres and run.kind == RunKind.INCREMENTAL:
        refresh_statistics()
    if not postgres and not _sqlite_acquire(run):
        return _busy(run, skip_if_busy)
    try:
        with transaction.atomic():
            if postgres and not _pg_try_lock():
                raise RunBusy
            _compute_and_publish(run, began)
    except RunBusy:
        return _busy(run, skip_if_busy)
    except Exception as error:
        logger.exception("Cohort run %s failed", run_id)
        CohortRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=str(error)[:1000])
        raise
    finally:
        if not postgres:
            _sqlite_release(run)
    run = CohortRun.objects.get(pk=run_id)
    try:
        # Only a new full run makes older runs fall out of the kept window (an incremental run
        # sits on the current full run), so incremental runs skip the pruning queries.
        if run.kind == RunKind.FULL and run.status == RunStatus.PUBLISHED:
            prune()
        if postgres and run.kind == RunKind.FULL:
            # Fresh statistics for the next runs: they read this run's rows (previous tiers, the
            # published scores of other children), and a stale estimate of a handful of rows turns
            # those reads into loops over the whole run.
            # Only the run's own partition: the others' statistics have not changed.
            with connection.cursor() as cursor:
                if run.suggestions_enabled:
                    columns = ", ".join(scoring.SAMPLED_COLUMNS)
                    cursor.execute(f"ANALYZE {scoring.partition_of(run.pk)} ({columns})")
                cursor.execute("ANALYZE cohorts_currentsuggestion")
    except Exception:  # housekeeping: never fail a published run for it
        logger.exception("Pruning old cohort suggestions failed")
    return run


def recover_stalled_runs(now: datetime | None = None) -> list[int]:
    """Queue again the runs a dead worker left running: started more than COHORT_RUN_STALL_MINUTES
    ago while nobody holds the recalculation guard (a live run holds it while it computes). Safe:
    a run executes again from a clean start (see execute_run). Celery beat calls this every few
    minutes; each recovery is audited. A run that has used up its JOB_MAX_ATTEMPTS is marked failed
    instead."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.COHORT_RUN_STALL_MINUTES)
    with transaction.atomic():
        stalled = list(
            CohortRun.objects.select_for_update(skip_locked=True).filter(
                status=RunStatus.RUNNING, started_at__lt=cutoff
            )
        )
        if not stalled or _guard_held(now):
            return []
        requeued = []
        for run in stalled:
            if run.attempts >= settings.JOB_MAX_ATTEMPTS:
                _give_up(run)
                continue
            run.status = RunStatus.QUEUED
            run.error = "Its worker stopped responding: queued again automatically."
            run.save(update_fields=["status", "error"])
            audit.record(None, AuditAction.UPDATE, obj=run, detail={"decision": "retry", "reason": "stalled"})
            outbox.enqueue(TASK_NAME, run.pk)
            requeued.append(run.pk)
    if requeued:
        logger.warning("Cohort runs queued again after their worker stopped: %s", requeued)
    return requeued


def _guard_held(now: datetime) -> bool:
    """Whether a run holds the recalculation guard now. On PostgreSQL the probe takes the advisory
    lock for the caller's transaction when it is free (released at its commit)."""
    if connection.vendor == "postgresql":
        return not _pg_try_lock()
    return RunLock.objects.filter(name=RUN_LOCK_NAME, held_by_run__isnull=False, expires_at__gte=now).exists()


def takes_full_run(listed: int) -> bool:
    """Whether an incremental run for `listed` children would cost more than scoring the whole city."""
    return listed > FULL_RUN_MIN_CHILDREN and listed > FULL_RUN_FRACTION * Child.objects.count()


def refresh_statistics() -> list[str]:
    """PostgreSQL: ANALYZE the scored tables whose statistics are stale (see STALE_FRACTION);
    return their names. Rows added since the last ANALYZE are counted from the ids (the highest id
    against the top of the id histogram ANALYZE kept), which is exact at once, and from
    `n_mod_since_analyze`, which also counts updates and deletes but reaches the statistics views
    only some time after the writer commits."""
    stale = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples, COALESCE(s.n_mod_since_analyze, 0), "
            "(SELECT (CAST(CAST(st.histogram_bounds AS text) AS bigint[]))"
            "[cardinality(CAST(CAST(st.histogram_bounds AS text) AS bigint[]))] "
            "FROM pg_stats st WHERE st.schemaname = current_schema() AND st.tablename = c.relname "
            "AND st.attname = 'id') "
            "FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE c.relnamespace = CAST(current_schema() AS regnamespace) AND c.relname = ANY(%s)",
            [list(SCORED_TABLES)],
        )
        for table, tuples, modified, analyzed_top in cursor.fetchall():
            if table not in SCORED_TABLES:
                continue
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            top = cursor.fetchone()[0] or 0
            added = top - analyzed_top if analyzed_top is not None else top
            if max(added, modified) > STALE_FRACTION * max(tuples, 0) + STALE_MIN_ROWS:
                cursor.execute(f"ANALYZE {table}")
                stale.append(table)
    if stale:
        logger.info("Statistics refreshed before an incremental cohort run: %s", ", ".join(stale))
    return stale


def _busy(run: CohortRun, skip: bool) -> CohortRun:
    if not skip:
        # Waiting for another run is not an attempt: the count goes back.
        CohortRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, attempts=F("attempts") - 1)
        raise RunBusy
    CohortRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SKIPPED, error="Another recalculation was running at the same time."
    )
    run.refresh_from_db()
    return run


def mark_skipped(run_id: int) -> None:
    CohortRun.objects.filter(pk=run_id).exclude(status=RunStatus.PUBLISHED).update(
        status=RunStatus.SKIPPED, error="Another recalculation was running at the same time."
    )


def _compute_and_publish(run: CohortRun, began: float) -> None:
    base = CohortRun.objects.current_full()
    if run.kind == RunKind.INCREMENTAL and base is None:
        run.kind = RunKind.FULL  # nothing to build on yet: score the whole city
    elif run.kind == RunKind.INCREMENTAL and takes_full_run(len(run.child_ids)):
        # Cheaper as a whole-city run, with the same rows for the listed children: the run is
        # recorded as a full run that keeps the list it was asked for (`child_ids`).
        logger.info("Cohort run %s: %s children listed, a full run instead", run.pk, len(run.child_ids))
        run.kind = RunKind.FULL
    chain = CohortRun.objects.current_chain()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('work_mem', %s, true)", [RUN_WORK_MEM])
            if run.kind == RunKind.FULL:
                # The rows this transaction writes are not in the table's statistics yet, so the
                # planner would guess a handful and loop; a whole-city run joins whole sets by hash.
                cursor.execute("SET LOCAL enable_nestloop = off")
            # a table of this run's number left behind (a database flushed with its partitions)
            cursor.execute(f"DROP TABLE IF EXISTS {scoring.partition_of(run.pk)}")
        cursor.execute("DELETE FROM cohorts_suggestion WHERE run_id = %s", [run.pk])  # an earlier attempt's rows
    incremental = run.kind == RunKind.INCREMENTAL
    tally: scoring.TierTally = {}
    if run.suggestions_enabled:
        tally = scoring.write_suggestions(run, chain, run.child_ids if incremental else None)
    pause = float(getattr(settings, "COHORT_RUN_PAUSE_SECONDS", 0) or 0)
    if pause:
        time.sleep(pause)  # tests only: a window to kill the worker between writing and publishing
    if run.suggestions_enabled and not incremental and connection.vendor == "postgresql":
        scoring.attach_partition(run)
    # Zero rows (a child who had a tier and now scores nothing) count as changes, not as scored.
    counts = {tier or "below_threshold": n for tier, (n, _changed) in tally.items() if n}
    changed = sum(changed for _n, changed in tally.values())
    if run.suggestions_enabled:
        _notify(run)
    run.current_counts = publish_current(run.pk, full=not incremental, counts=counts)
    run.base_run = base if incremental else None
    run.status = RunStatus.PUBLISHED
    run.published_at = timezone.now()
    run.counts = counts
    run.changes = changed
    run.children_scored = sum(counts.values())
    run.duration_ms = int((time.perf_counter() - began) * 1000)
    run.save()


def publish_current(run_id: int, *, full: bool, counts: dict[str, int] | None = None) -> dict[str, int]:
    """Make the stored current suggestions (CurrentSuggestion) say what the chain says once run
    `run_id` is published, set-based, in the publishing transaction: a full run replaces every row
    with its own; an incremental run (the newest of its chain) upserts the rows it wrote, so a child
    it did not rescore keeps the row of the run below. Returns the chain's tier counts (children with
    a score, per tier), kept on the run for the pages: for a full run, its own `counts` when given.

    Cost on the benchmark city (98,724 rows, PostgreSQL, 2 shared cores): a full run about 0.15-0.3 s
    (empty the table and insert every row, then build its primary key and score index), an incremental
    run of about 1,000 children about 50 ms (the upsert and the tier counts over the table)."""
    select = (
        "SELECT child_id, id, score, individual_score + family_score, tier FROM cohorts_suggestion WHERE run_id = %s"
    )
    columns = "(child_id, suggestion_id, score, individual_family_score, tier)"
    with connection.cursor() as cursor:
        if full:
            if connection.vendor == "postgresql":
                # TRUNCATE leaves no dead rows behind (about 0.2 s less than DELETE per full run on
                # the benchmark city). It refuses while rows written earlier in this transaction have
                # foreign key checks pending, so those run now. Readers wait for the publication.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("TRUNCATE cohorts_currentsuggestion")
                with indexes_rebuilt_after(cursor, "cohorts_currentsuggestion"):
                    cursor.execute(
                        f"INSERT INTO cohorts_currentsuggestion {columns} {select}",
                        [run_id],
                    )
            else:
                cursor.execute("DELETE FROM cohorts_currentsuggestion")
                cursor.execute(f"INSERT INTO cohorts_currentsuggestion {columns} {select}", [run_id])
        else:
            cursor.execute(
                f"INSERT INTO cohorts_currentsuggestion {columns} {select} "
                "ON CONFLICT (child_id) DO UPDATE SET suggestion_id = excluded.suggestion_id, "
                "score = excluded.score, individual_family_score = excluded.individual_family_score, "
                "tier = excluded.tier",
                [run_id],
            )
        if full and counts is not None:
            return dict(counts)
        cursor.execute("SELECT tier, COUNT(*) FROM cohorts_currentsuggestion WHERE score > 0 GROUP BY tier")
        return {tier or "below_threshold": total for tier, total in cursor.fetchall()}


@contextmanager
def indexes_rebuilt_after(cursor: CursorWrapper, table: str) -> Iterator[None]:
    """PostgreSQL, for a table this transaction has just emptied (TRUNCATE: it holds the table's
    exclusive lock): drop its indexes and primary or unique constraints, let the caller fill it, then
    build them again from their own definitions, as the catalogue had them. One sorted build per
    index costs less than inserting every row into each (publishing 91,734 current suggestions: 0.15 s
    of CPU instead of 0.23 s, issue 14). A failure rolls the whole transaction back, indexes included.
    An index a foreign key depends on stays."""
    cursor.execute(
        "SELECT c.relname, con.conname, pg_get_indexdef(i.indexrelid), pg_get_constraintdef(con.oid) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u') "
        "WHERE i.indrelid = CAST(%s AS regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid) "
        "ORDER BY con.conname IS NULL, c.relname",
        [table],
    )
    found = cursor.fetchall()
    quoted = connection.ops.quote_name(table)
    for index, constraint, _index_sql, _constraint_sql in found:
        if constraint is not None:
            cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(constraint)}")
        else:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(index)}")
    yield
    for _index, constraint, index_sql, constraint_sql in found:
        if constraint is not None:
            name = connection.ops.quote_name(constraint)
            cursor.execute(f"ALTER TABLE {quoted} ADD CONSTRAINT {name} {constraint_sql}")
        else:
            cursor.execute(index_sql)


def _tier_words(column: str) -> str:
    cases = " ".join(f"WHEN '{tier}' THEN '{words}'" for tier, words in TIER_WORDS.items())
    return f"CASE {column} {cases} ELSE 'no tier' END"


def _notify(run: CohortRun) -> None:
    """One notification per lead professional per child whose suggested tier changed (set-based)."""
    prefix, suffix = reverse("cohorts:suggestion_why", args=[999999]).split("999999")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    message = (
        "'The suggested cohort tier for ' || c.given_name || ' ' || c.family_name || ' (' || c.reference || "
        f"') changed from ' || {_tier_words('s.previous_tier')} || ' to ' || {_tier_words('s.tier')} || "
        "'. A panel decides the tier: see why it is suggested.'"
    )
    statement = (
        "INSERT INTO accounts_notification (user_id, message, link, created_at) "
        f"SELECT c.lead_professional_id, {message}, %s || CAST(c.id AS TEXT) || %s, %s "
        "FROM cohorts_suggestion s JOIN cases_child c ON c.id = s.child_id "
        "WHERE s.run_id = %s AND s.tier <> s.previous_tier AND c.lead_professional_id IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [prefix, suffix, now, run.pk])


# Retention ----------------------------------------------------------------------------------------


def prune(keep: int = KEEP_FULL_RUNS) -> int:
    """Remove the suggestion rows of runs older than the last `keep` published full runs (runs stay),
    except rows a panel decision points at; return how many runs lost their rows.

    On PostgreSQL an old run's partition is detached and dropped whole (a few milliseconds, where
    deleting a city's rows one by one cost 0.05-0.16 s of CPU and left them for vacuum); the rows a
    decision points at move first to the default partition, `cohorts_suggestion_kept`, with their
    ids. Rows in no partition of their own (in the default partition) are deleted."""
    kept = list(
        CohortRun.objects.filter(kind=RunKind.FULL, status=RunStatus.PUBLISHED)
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)[:keep]
    )
    if len(kept) < keep:
        return 0
    chain = set(CohortRun.objects.current_chain())
    candidates = (
        CohortRun.objects.filter(pk__lt=min(kept))
        .exclude(pk__in=chain)
        .exclude(base_run__in=kept)
        .exclude(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    )
    postgres = connection.vendor == "postgresql"
    if postgres:
        partitions = scoring.partitioned_runs()
        holding = partitions | scoring.runs_in_default_partition()
        candidates = candidates.filter(pk__in=sorted(holding))
    else:
        # One probe of the (run, child) index per run, not a join with every suggestion row.
        candidates = candidates.filter(Exists(Suggestion.objects.filter(run=OuterRef("pk"))))
    old = list(candidates.values_list("pk", flat=True))
    if not old:
        return 0
    decided = "SELECT suggestion_id FROM cohorts_tierdecision WHERE suggestion_id IS NOT NULL"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            for part in (scoring.partition_of(pk) for pk in old if pk in partitions):
                cursor.execute(f"ALTER TABLE {scoring.SUGGESTIONS} DETACH PARTITION {part}")
                cursor.execute(f"INSERT INTO {scoring.SUGGESTIONS} SELECT * FROM {part} WHERE id IN ({decided})")
                cursor.execute(f"DROP TABLE {part}")
        marks = ", ".join(["%s"] * len(old))
        cursor.execute(f"DELETE FROM cohorts_suggestion WHERE run_id IN ({marks}) AND id NOT IN ({decided})", old)
    return len(old)

# ruff: noqa: S608 -- fixed SQL text; values are passed as parameters.
"""Time the cohort recalculation on the benchmark city (PostgreSQL), against a hand-written floor.

    python -m benchmarks.bench_cohort [--repeat 3] [--no-check] [--database-url ...]

Run after benchmarks.generate_city and benchmarks.generate_cohort_city. Prints one `name value unit`
line per figure:

- cohort_full_recalculation_seconds: a whole-city run end to end, as the Celery task does it
  (request, start, guard, score, write 100,000-odd suggestions with their explanations, count,
  notify, publish, prune), median of --repeat runs as of AS_OF after one untimed run;
- cohort_floor_seconds: the same scoring written by hand as one INSERT ... SELECT that aggregates
  and inserts one row per scored child and its explanation into an unlogged scratch table (no previous
  tier, no run bookkeeping), median of --repeat, timed in the same process between the full runs;
- cohort_full_to_floor_ratio;
- cohort_incremental_1000_seconds: an incremental run for 1,000 children with observations, median of
  --repeat runs after one untimed run;
- counts (observations, suggestions per tier) and the load average (a shared 2-core machine).

Targets (issue 5): full <= 10 s and <= 1.5 x floor, incremental <= 1 s. Exit 1 when missed unless
--no-check. cohort_floor_matches_engine checks that the floor and the engine agree on every score.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

from benchmarks import env
from benchmarks.generate_cohort_city import AS_OF, SOURCE_PREFIX

FULL_TARGET_SECONDS = 10.0
RATIO_TARGET = 1.5
INCREMENTAL_TARGET_SECONDS = 1.0
INCREMENTAL_CHILDREN = 1_000
HARM_KINDS = "('incident', 'weapon_offence', 'arrest', 'missing_episode')"

FLOOR_TABLE = "bench_cohort_floor"
BARE_TABLE = "bench_cohort_floor_bare"
# Written by hand (not by the engine's statement builder), from the active indicator definitions
# and the latest scoring model: the same rules and the same output per child (score parts, tier and
# the explanation, as integer arrays) into an unlogged scratch table with no index. No previous tier, no run.
COMMON = """
WITH m AS (SELECT * FROM cohorts_scoringmodel ORDER BY version DESC LIMIT 1),
ind AS (
  SELECT * FROM (
    -- the explanation slot: the position among the model's indicators, individual ones first, then by code
    SELECT code, level, weight, window_days,
      (row_number() OVER (ORDER BY level <> 'individual', code COLLATE "C") - 1)::int AS slot
    FROM cohorts_indicatordefinition WHERE is_active
  ) a WHERE weight > 0
),
kinds AS (
  SELECT d.code, d.level, trim(k) AS kind
  FROM cohorts_indicatordefinition d, unnest(string_to_array(d.event_kinds, ',')) k
  WHERE d.is_active AND d.weight > 0 AND trim(k) <> ''
),
span AS (SELECT max(window_days) AS days FROM ind),
ihit AS (
  SELECT o.child_id, o.indicator_code AS code, o.observed_on AS d FROM cohorts_observation o, span
  WHERE o.child_id IS NOT NULL AND o.id <= %(hw)s AND o.observed_on > %(as_of)s::date - span.days
    AND o.observed_on <= %(as_of)s
  UNION ALL
  SELECT e.child_id, k.code, e.occurred_on FROM cases_chronologyevent e JOIN kinds k ON k.kind = e.kind
    AND k.level = 'individual', span
  WHERE e.child_id IS NOT NULL AND e.occurred_on > %(as_of)s::date - span.days AND e.occurred_on <= %(as_of)s
),
ipres AS (
  SELECT h.child_id, i.slot, i.weight, count(*) AS n, max(h.d) AS last FROM ihit h
  JOIN ind i ON i.code = h.code AND i.level = 'individual' AND h.d > %(as_of)s::date - i.window_days
  GROUP BY h.child_id, i.slot, i.weight
),
fhit AS (
  SELECT o.family_id, o.indicator_code AS code, o.observed_on AS d FROM cohorts_observation o, span
  WHERE o.adult_id IS NOT NULL AND o.family_id IS NOT NULL AND o.id <= %(hw)s
    AND o.observed_on > %(as_of)s::date - span.days AND o.observed_on <= %(as_of)s
  UNION ALL
  SELECT f.family_id, f.kind, f.noted_on FROM cases_familyfact f, span
  WHERE f.noted_on > %(as_of)s::date - span.days AND f.noted_on <= %(as_of)s
  UNION ALL
  SELECT e.family_id, k.code, e.occurred_on FROM cases_chronologyevent e JOIN kinds k ON k.kind = e.kind
    AND k.level = 'family', span
  WHERE e.family_id IS NOT NULL AND e.occurred_on > %(as_of)s::date - span.days AND e.occurred_on <= %(as_of)s
),
fpres AS (
  SELECT h.family_id, i.slot, i.weight, count(*) AS n, max(h.d) AS last FROM fhit h
  JOIN ind i ON i.code = h.code AND i.level = 'family' AND h.d > %(as_of)s::date - i.window_days
  GROUP BY h.family_id, i.slot, i.weight
),
cfam AS (
  SELECT m.child_id, f.slot, f.weight, sum(f.n) AS n, max(f.last) AS last
  FROM cases_familymember m JOIN fpres f ON f.family_id = m.family_id
  WHERE m.child_id IS NOT NULL GROUP BY m.child_id, f.slot, f.weight
),
allpres AS (
  SELECT child_id, 0 AS lvl, slot, weight, n, last FROM ipres
  UNION ALL SELECT child_id, 1, slot, weight, n, last FROM cfam
),
base AS (
  SELECT child_id, sum(weight) FILTER (WHERE lvl = 0) AS ind, sum(weight) FILTER (WHERE lvl = 1) AS fam
  {base_explanation}
  FROM allpres GROUP BY child_id
),
links AS (
  SELECT DISTINCT child_id, context_id FROM cases_contextlink
  WHERE (since IS NULL OR since <= %(as_of)s) AND (until IS NULL OR until >= %(as_of)s)
),
hot AS (
  SELECT l.context_id, count(*) AS n FROM links l JOIN base b USING (child_id), m
  WHERE coalesce(b.ind, 0) + coalesce(b.fam, 0) >= m.concern_threshold GROUP BY l.context_id
),
harm AS (
  SELECT DISTINCT e.context_id FROM cases_chronologyevent e, m
  WHERE e.context_id IS NOT NULL AND e.kind IN {harm}
    AND e.occurred_on > %(as_of)s::date - m.context_window_days AND e.occurred_on <= %(as_of)s
),
counted AS (
  SELECT q.child_id, q.context_id, q.reason FROM (
    SELECT l.child_id, l.context_id,
      CASE WHEN coalesce(h.n, 0) - CASE WHEN coalesce(b.ind, 0) + coalesce(b.fam, 0) >= m.concern_threshold
        THEN 1 ELSE 0 END > 0 THEN 'other_children' ELSE 'harm' END AS reason,
      row_number() OVER (PARTITION BY l.child_id ORDER BY l.context_id) AS rank
    FROM links l LEFT JOIN base b USING (child_id) LEFT JOIN hot h USING (context_id), m
    WHERE coalesce(h.n, 0) - CASE WHEN coalesce(b.ind, 0) + coalesce(b.fam, 0) >= m.concern_threshold
        THEN 1 ELSE 0 END > 0
       OR l.context_id IN (SELECT context_id FROM harm)
  ) q, m WHERE q.rank <= m.context_max_links
),
ctx AS (
  SELECT c.child_id, count(*) * min(m.context_weight) AS ctx {ctx_explanation}
  FROM counted c, m GROUP BY c.child_id
),
scored AS (
  SELECT child_id, coalesce(b.ind, 0) AS ind, coalesce(b.fam, 0) AS fam, coalesce(c.ctx, 0) AS ctx {scored_explanation}
  FROM base b FULL JOIN ctx c USING (child_id)
)
"""
TIER = """CASE WHEN s.ind + s.fam + s.ctx >= m.most_vulnerable_threshold THEN 'most_vulnerable'
       WHEN s.ind + s.fam + s.ctx >= m.vulnerable_threshold THEN 'vulnerable_cohort'
       WHEN s.ind + s.fam + s.ctx >= m.concern_threshold THEN 'cause_for_concern' ELSE '' END"""
FLOOR_SQL = (
    COMMON.format(
        harm=HARM_KINDS,
        base_explanation=""",
  array_agg(ARRAY[slot, n::int, %(as_of)s::date - last] ORDER BY slot) AS explained""",
        ctx_explanation=""",
  array_agg(ARRAY[c.context_id::int, CASE c.reason WHEN 'other_children' THEN 1 ELSE 2 END]
    ORDER BY c.context_id) AS explained""",
        scored_explanation=""",
  coalesce(b.explained, '{}') AS ientries, coalesce(c.explained, '{}') AS centries""",
    )
    + f"""
INSERT INTO {FLOOR_TABLE} (child_id, individual, family, context, score, tier, ientries, centries)
SELECT s.child_id, s.ind, s.fam, s.ctx, s.ind + s.fam + s.ctx, {TIER}, s.ientries, s.centries
FROM scored s, m WHERE s.ind + s.fam + s.ctx > 0
"""
)
BARE_SQL = (
    COMMON.format(harm=HARM_KINDS, base_explanation="", ctx_explanation="", scored_explanation="")
    + f"""
INSERT INTO {BARE_TABLE} (child_id, individual, family, context, score, tier)
SELECT s.child_id, s.ind, s.fam, s.ctx, s.ind + s.fam + s.ctx, {TIER}
FROM scored s, m WHERE s.ind + s.fam + s.ctx > 0
"""
)


def line(name: str, value, unit: str) -> None:
    print(f"{name} {value} {unit}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions of each figure (median)")
    parser.add_argument("--no-check", action="store_true", help="exit 0 even if a target is missed")
    parser.add_argument("--only", choices=["full", "incremental"], help="time only one kind of run (no check)")
    parser.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or " + env.DEFAULT_BENCH_DATABASE_URL)
    args = parser.parse_args(argv)
    env.configure(args.database_url)

    from django.core.management import call_command
    from django.db import connection

    from cohorts.models import CohortRun, Observation, RunKind, RunTrigger, Suggestion
    from cohorts.services import runs

    call_command("migrate", interactive=False, verbosity=0)
    observations = Observation.objects.filter(source_system__startswith=SOURCE_PREFIX).count()
    if not observations:
        print("No cohort observations: run python -m benchmarks.generate_cohort_city first.", file=sys.stderr)
        return 2
    line("load_average_start", f"{os.getloadavg()[0]:.2f}", "load")
    line("dataset_observations", observations, "rows")

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    full_cpu, floor_cpu = [], []

    def cpu_seconds() -> float | None:
        """CPU time of this process and of its PostgreSQL backend (None when the server is on another
        machine): unlike wall time, it hardly moves when other work shares the two cores."""
        try:
            with open(f"/proc/{backend}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + time.process_time()

    def full() -> tuple[float, CohortRun]:
        with connection.cursor() as cursor:
            # Untimed, what autovacuum does between two nightly runs in production (this machine's
            # PostgreSQL runs with autovacuum off): clear the rows the last run's pruning deleted.
            cursor.execute("VACUUM cohorts_suggestion")
        cpu, started = cpu_seconds(), time.perf_counter()
        run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=AS_OF, enqueue=False)
        run = runs.execute_run(run.pk, skip_if_busy=False)
        seconds = time.perf_counter() - started
        if cpu is not None:
            full_cpu.append(cpu_seconds() - cpu)
        return seconds, run

    def floor(statement: str, table: str, columns: str, high_water: int) -> float:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE UNLOGGED TABLE {table} ({columns})")
            cursor.execute("SELECT set_config('work_mem', %s, false)", [runs.RUN_WORK_MEM])  # as the engine
            cpu, started = cpu_seconds(), time.perf_counter()
            cursor.execute(statement, {"as_of": AS_OF, "hw": high_water})
            seconds = time.perf_counter() - started
            if cpu is not None and table == FLOOR_TABLE:
                floor_cpu.append(cpu_seconds() - cpu)
            cursor.execute("RESET work_mem")
            return seconds

    full_times, floor_times, bare_times = [], [], []
    mismatches = 0
    run = CohortRun.objects.current_full()
    if args.only != "incremental" or run is None:
        _warm, run = full()  # untimed: fills caches and the chain the next runs compare with
        full_cpu.clear()
    if args.only != "incremental":
        columns = "child_id bigint, individual int, family int, context int, score int, tier text"
        for _ in range(args.repeat):
            seconds, run = full()
            full_times.append(seconds)
            high_water = run.observation_high_water
            floor_times.append(floor(FLOOR_SQL, FLOOR_TABLE, columns + ", ientries int[], centries int[]", high_water))
            bare_times.append(floor(BARE_SQL, BARE_TABLE, columns, high_water))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {FLOOR_TABLE} f "
                # the engine's zero rows (a child whose tier dropped away) are not scored children
                "FULL JOIN (SELECT * FROM cohorts_suggestion WHERE run_id = %s AND score > 0) s USING (child_id) "
                "WHERE f.score IS DISTINCT FROM s.score OR f.tier IS DISTINCT FROM s.tier "
                "OR f.context IS DISTINCT FROM s.context_score OR f.ientries IS DISTINCT FROM s.indicator_entries "
                "OR f.centries IS DISTINCT FROM s.context_entries",
                [run.pk],
            )
            mismatches = cursor.fetchone()[0]

    rng = random.Random(5)
    candidates = sorted(
        Observation.objects.filter(child__isnull=False, source_system__startswith=SOURCE_PREFIX)
        .values_list("child_id", flat=True)
        .distinct()[:50_000]
    )
    incremental_times = []
    # One untimed run first, as for the full runs: it reads the pages a whole-city run does not
    # (chronology events by family, context links, the chain's rows by child) into the caches.
    for number in range(0 if args.only == "full" else 1 + args.repeat):
        chosen = rng.sample(candidates, INCREMENTAL_CHILDREN)
        started = time.perf_counter()
        incremental = runs.request_run(
            kind=RunKind.INCREMENTAL, trigger=RunTrigger.FEED, as_of=AS_OF, child_ids=chosen, enqueue=False
        )
        incremental = runs.execute_run(incremental.pk, skip_if_busy=False)
        if number > 0:
            incremental_times.append(time.perf_counter() - started)

    def median(values):
        return statistics.median(values) if values else float("nan")

    full_seconds, floor_seconds = median(full_times), median(floor_times)
    incremental_seconds = median(incremental_times)
    ratio = full_seconds / floor_seconds
    if full_times:
        line("cohort_full_recalculation_seconds", f"{full_seconds:.2f}", "s")
        line("cohort_floor_seconds", f"{floor_seconds:.2f}", "s")
        line("cohort_full_to_floor_ratio", f"{ratio:.2f}", "ratio")
    if incremental_times:
        line("cohort_incremental_1000_seconds", f"{incremental_seconds:.3f}", "s")
    if full_times:
        line("cohort_full_recalculation_runs", " ".join(f"{t:.2f}" for t in full_times), "s")
        line("cohort_floor_runs", " ".join(f"{t:.2f}" for t in floor_times), "s")
        line("cohort_floor_without_explanation_seconds", f"{median(bare_times):.2f}", "s")
        if full_cpu and floor_cpu:
            line("cohort_full_cpu_seconds", f"{median(full_cpu):.2f}", "s")
            line("cohort_floor_cpu_seconds", f"{median(floor_cpu):.2f}", "s")
            line("cohort_full_to_floor_cpu_ratio", f"{median(full_cpu) / median(floor_cpu):.2f}", "ratio")
        line("cohort_floor_matches_engine", int(mismatches == 0), "bool")
        line("cohort_suggestions", Suggestion.objects.filter(run=run).count(), "rows")
        for tier in ("most_vulnerable", "vulnerable_cohort", "cause_for_concern", "below_threshold"):
            line(f"cohort_suggested_{tier}", run.counts.get(tier, 0), "children")
    if incremental_times:
        line("cohort_incremental_runs", " ".join(f"{t:.3f}" for t in incremental_times), "s")
        line("cohort_incremental_rows", Suggestion.objects.filter(run=incremental).count(), "rows")
    line("load_average_end", f"{os.getloadavg()[0]:.2f}", "load")
    met = (
        full_seconds <= FULL_TARGET_SECONDS
        and ratio <= RATIO_TARGET
        and incremental_seconds <= INCREMENTAL_TARGET_SECONDS
        and mismatches == 0
    )
    line("cohort_targets_met", int(met), "bool")
    return 0 if met or args.no_check or args.only else 1


if __name__ == "__main__":
    sys.exit(main())

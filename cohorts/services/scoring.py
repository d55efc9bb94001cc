# ruff: noqa: S608 -- statements are built from fixed SQL, integers and %s placeholders only.
"""Set-based scoring of the whole city (or of a list of children) for one run.

One `INSERT ... SELECT` with common table expressions computes every child's indicator
contributions, the individual, family and context parts, the suggested tier, the tier the child had
in the published chain before (`previous_tier`) and the explanation (compact integer rows, see
Suggestion), and writes one Suggestion row per child with a score. No per-child Python loop: the
database does the work, on PostgreSQL (array_agg into integer arrays) and on SQLite (JSON text)
alike. `expand_contributions` turns a row's explanation back into readable entries.

The rules (shared brief, "Scoring rules"), for a run with as_of D and observation high-water mark H:

- an indicator (code, level) with a window of W days counts what is dated D - W < date <= D;
- individual: observations about the child (id <= H) and the child's chronology events of the
  definition's event kinds; family: for every family the child belongs to, observations about its
  adults (id <= H), its family facts of that kind and its chronology events of those kinds;
- a present indicator adds its weight once; the entry records weight, count and last date;
- context: each context linked to the child on D where another linked child's individual + family
  score reaches the concern threshold ("other_children"; checked first), or where a harm event is
  recorded within the context window ("harm"), adds the context weight, for at most
  `context_max_links` contexts, lowest context ids first.

Deterministic: the same inputs, D and H give identical rows; contributions are ordered individual
indicators by code, family indicators by code (their slot order), then contexts by id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection

from access import policy
from cohorts.models import CohortRun, IndicatorDefinition, Observation, SourceSystem, Suggestion

if TYPE_CHECKING:
    from django.db.models import Q

    from cases.models import ChronologyEvent

HARM_KINDS = ("incident", "weapon_offence", "arrest", "missing_episode")
EVIDENCE_PER_INDICATOR = 20
CONTEXT_REASON_CODES = {"other_children": 1, "harm": 2}
CONTEXT_REASONS = {
    "other_children": "Another child linked to it scores at least 'cause for concern'",
    "harm": "Harm is recorded there (incident, weapon offence, arrest or missing episode)",
}

# One indicator as ScoringModel.indicators stores it (JSON): code, level, label, domain, weight,
# window_days, event_kinds (see `snapshot`).
Indicator = dict[str, Any]
# A readable entry of a suggestion's explanation (`expand_contributions`, `evidence_for`).
Entry = dict[str, Any]


def kinds_of(value: str | list[str]) -> list[str]:
    if isinstance(value, list):
        return sorted(value)
    return sorted(kind.strip() for kind in value.split(",") if kind.strip())


def snapshot(definitions: Iterable[IndicatorDefinition] | None = None) -> list[Indicator]:
    """The active indicator definitions as stored in ScoringModel.indicators (same shape as migration 0002)."""
    if definitions is None:
        definitions = IndicatorDefinition.objects.filter(is_active=True)
    return sorted(
        (
            {
                "code": d.code,
                "level": d.level,
                "label": d.label,
                "domain": d.domain,
                "weight": d.weight,
                "window_days": d.window_days,
                "event_kinds": kinds_of(d.event_kinds),
            }
            for d in definitions
        ),
        key=lambda entry: (entry["code"], entry["level"]),
    )


def explained_indicators(indicators: list[Indicator]) -> list[Indicator]:
    """A scoring model's indicators in slot order (individual ones first, then by code): an
    explanation row's slot is a position in this list."""
    return sorted(indicators, key=lambda entry: (entry["level"] != "individual", entry["code"]))


def expand_contributions(suggestion: Suggestion) -> list[Entry]:
    """The suggestion's explanation as readable entries: {code, level, weight, count,
    last_observed_on (ISO date)} per indicator, then {context_id, reason, weight} per context."""
    run = suggestion.run
    model = run.scoring_model
    ordered = explained_indicators(model.indicators)
    reasons = {code: reason for reason, code in CONTEXT_REASON_CODES.items()}
    entries = [
        {
            "code": ordered[slot]["code"],
            "level": ordered[slot]["level"],
            "weight": ordered[slot]["weight"],
            "count": count,
            "last_observed_on": (run.as_of - timedelta(days=days)).isoformat(),
        }
        for slot, count, days in suggestion.indicator_entries
    ]
    entries += [
        {"context_id": context_id, "reason": reasons[reason], "weight": model.context_weight}
        for context_id, reason in suggestion.context_entries
    ]
    return entries


@dataclass(frozen=True)
class Params:
    """Everything one scoring pass depends on (and nothing else)."""

    as_of: date
    high_water: int
    indicators: list[Indicator]
    slots: dict[tuple[str, str], int]
    concern: int
    vulnerable: int
    most_vulnerable: int
    context_weight: int
    context_max_links: int
    context_window_days: int

    @classmethod
    def for_run(cls, run: CohortRun) -> Params:
        model = run.scoring_model
        return cls(
            as_of=run.as_of,
            high_water=run.observation_high_water,
            indicators=[i for i in model.indicators if i["weight"] > 0],
            slots={(i["code"], i["level"]): slot for slot, i in enumerate(explained_indicators(model.indicators))},
            concern=model.concern_threshold,
            vulnerable=model.vulnerable_threshold,
            most_vulnerable=model.most_vulnerable_threshold,
            context_weight=model.context_weight,
            context_max_links=model.context_max_links,
            context_window_days=model.context_window_days,
        )


SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _slug(value: str) -> str:
    """An indicator code or event kind, quoted for inlining (codes are slugs, checked here)."""
    if not SLUG.fullmatch(value):
        raise ValueError(f"Not a valid indicator code or event kind: {value!r}")
    return f"'{value}'"


class _Sql:
    """Builds the statement for the connection's database. Everything inlined is an integer, a date
    or a checked slug (on PostgreSQL the children of an incremental run too, as array constants);
    the only parameter is that list on SQLite."""

    def __init__(self, params: Params) -> None:
        self.p = params
        self.pg = connection.vendor == "postgresql"
        self.args: list[str] = []
        self.levels = {
            level: sorted((e for e in params.indicators if e["level"] == level), key=lambda e: e["code"])
            for level in ("individual", "family")
        }

    def date(self, value: date) -> str:
        """A date literal (from a date object, so always safe to inline; reused several times)."""
        iso = date.isoformat(value)
        return f"DATE '{iso}'" if self.pg else f"'{iso}'"

    def ids(self, ids: list[int]) -> str:
        """SQLite: a one-column row source of ids (child_id)."""
        self.args.append(json.dumps([int(pk) for pk in ids]))
        return "SELECT CAST(value AS integer) AS child_id FROM json_each(%s)"

    def since(self, entry: Indicator) -> str:
        return self.date(self.p.as_of - timedelta(days=int(entry["window_days"])))

    def window(self, column: str, key: str, pairs: list[tuple[str, Indicator]]) -> str:
        """`column` inside the window of the indicator `key` maps to (a CASE over the key column).
        The widest window comes first as a plain range, which the index scan applies itself: the
        CASE then runs only for rows inside it (a third of the observations, not all of them)."""
        whens = " ".join(f"WHEN {_slug(value)} THEN {self.since(entry)}" for value, entry in pairs)
        widest = max((entry for _value, entry in pairs), key=lambda entry: int(entry["window_days"]))
        return (
            f"{column} <= {self.date(self.p.as_of)} AND {column} > {self.since(widest)} "
            f"AND {column} > CASE {key} {whens} END"
        )

    def slot_of(self, level: str, entry: Indicator) -> int:
        return int(self.p.slots[(entry["code"], level)])

    def weight(self, level: str, column: str = "slot") -> str:
        """The weight of the indicator whose explanation slot `column` holds (hits are counted per
        slot, an integer, rather than per code: grouping on integers is what made the hand-written
        floor faster than the engine, issue 14)."""
        whens = " ".join(f"WHEN {self.slot_of(level, e)} THEN {int(e['weight'])}" for e in self.levels[level])
        return f"CASE {column} {whens} ELSE 0 END" if whens else "0"

    def slot(self, level: str, column: str) -> str:
        """The explanation slot of the indicator `column` names at `level` (Suggestion)."""
        whens = " ".join(f"WHEN {_slug(e['code'])} THEN {self.slot_of(level, e)}" for e in self.levels[level])
        return f"CASE {column} {whens} END" if whens else "NULL"

    def row(self, values: list[str]) -> str:
        """One explanation row: an integer array on PostgreSQL, a JSON array's text on SQLite."""
        if self.pg:
            return "ARRAY[" + ", ".join(f"CAST({value} AS integer)" for value in values) + "]"
        return "'[' || " + " || ',' || ".join(f"CAST({value} AS TEXT)" for value in values) + " || ']'"

    def days_before_as_of(self, column: str) -> str:
        if self.pg:
            return f"{self.date(self.p.as_of)} - {column}"
        return f"CAST(julianday({self.date(self.p.as_of)}) - julianday({column}) AS INTEGER)"

    def event_branches(self, level: str, subject: str, scope: str) -> list[str]:
        """Chronology events of the definitions' event kinds, as (subject id, code, date) rows. A
        kind counted by several indicators of one level gets one extra branch per extra indicator."""
        by_kind: dict[str, list[Indicator]] = {}
        for entry in self.levels[level]:
            for kind in kinds_of(entry.get("event_kinds", [])):
                by_kind.setdefault(kind, []).append(entry)
        if not by_kind:
            return []
        where = f"e.{subject}_id IS NOT NULL{scope}"
        pairs = [(kind, entries[0]) for kind, entries in sorted(by_kind.items())]
        slot = "CASE e.kind " + " ".join(f"WHEN {_slug(k)} THEN {self.slot_of(level, e)}" for k, e in pairs) + " END"
        kinds = ", ".join(_slug(k) for k, _e in pairs)
        branches = [
            f"SELECT e.{subject}_id AS id, {slot} AS slot, e.occurred_on AS d FROM cases_chronologyevent e "
            f"WHERE {where} AND e.kind IN ({kinds}) AND {self.window('e.occurred_on', 'e.kind', pairs)}"
        ]
        for kind, entries in sorted(by_kind.items()):
            for entry in entries[1:]:
                branches.append(
                    f"SELECT e.{subject}_id AS id, {self.slot_of(level, entry)} AS slot, e.occurred_on AS d "
                    f"FROM cases_chronologyevent e WHERE {where} AND e.kind = {_slug(kind)} "
                    f"AND e.occurred_on > {self.since(entry)} AND e.occurred_on <= {self.date(self.p.as_of)}"
                )
        return branches

    def union(self, branches: list[str]) -> str:
        if not branches:
            return f"SELECT CAST(NULL AS bigint) AS id, 0 AS slot, {self.date(self.p.as_of)} AS d WHERE 1 = 0"
        return " UNION ALL ".join(branches)

    def ordered_agg(self, source: str, row: str, order: str, group_columns: str, sums: str) -> str:
        """SELECT child_id, <sums>, entries (the explanation rows, ordered by `order`)."""
        if self.pg:
            return (
                f"SELECT child_id, {sums}, array_agg({row} ORDER BY {order}) AS entries "
                f"FROM {source} GROUP BY {group_columns}"
            )
        # SQLite 3.40 has no ORDER BY inside aggregates: aggregate an ordered subquery (SQLite feeds
        # the rows to the aggregate in the subquery's order).
        return (
            f"SELECT child_id, {sums}, '[' || group_concat(row, ',') || ']' AS entries FROM "
            f"(SELECT *, {row} AS row FROM {source} ORDER BY child_id, {order}) AS o GROUP BY {group_columns}"
        )

    def ctes(self, child_ids: list[int] | None, chain: list[int]) -> list[str]:
        """The CTEs up to `per` (child_id, ind, fam, entries) and `cctx` (child_id, ctx, entries)."""
        p = self.p
        as_of = self.date(p.as_of)
        high_water = int(p.high_water)
        concern = int(p.concern)
        weight = int(p.context_weight)
        harm_kinds = ", ".join(_slug(kind) for kind in HARM_KINDS)
        ctes = []
        current = (
            "({t}.since IS NULL OR {t}.since <= " + as_of + ") AND ({t}.until IS NULL OR {t}.until >= " + as_of + ")"
        )
        if child_ids is None:
            child_scope = family_scope = ""
        else:
            if self.pg:
                # The listed children, and their families (looked up first, one index scan), as
                # array constants compared with = ANY: one index scan per branch over all the
                # listed ids (index-only for observations), and the planner estimates each branch
                # from the constant's elements (with a list it cannot see into, as an ARRAY(SELECT
                # ...) or a function over a parameter, it guessed 100 rows, and the joins above
                # became nested loops over whole branches: quadratic in the children listed).
                # (braces doubled: the scopes are format strings)
                children = array_literal(child_ids).replace("{", "{{").replace("}", "}}")
                families = array_literal(family_ids_of(child_ids)).replace("{", "{{").replace("}", "}}")
                child_scope = " AND {col} = ANY(" + children + ")"
                family_scope = " AND {col} = ANY(" + families + ")"
            else:
                ctes.append(f"target AS ({self.ids(child_ids)})")
                ctes.append(
                    "fscope AS (SELECT DISTINCT family_id FROM cases_familymember "
                    "WHERE child_id IN (SELECT child_id FROM target))"
                )
                child_scope = " AND {col} IN (SELECT child_id FROM target)"
                family_scope = " AND {col} IN (SELECT family_id FROM fscope)"
        individual = [(e["code"], e) for e in self.levels["individual"]]
        family = [(e["code"], e) for e in self.levels["family"]]
        ihit = []
        if individual:
            codes = ", ".join(_slug(code) for code, _e in individual)
            ihit.append(
                f"SELECT o.child_id AS id, {self.slot('individual', 'o.indicator_code')} AS slot, o.observed_on AS d "
                "FROM cohorts_observation o "
                f"WHERE o.child_id IS NOT NULL AND o.id <= {high_water} AND o.indicator_code IN ({codes}) "
                f"AND {self.window('o.observed_on', 'o.indicator_code', individual)}"
                + child_scope.format(col="o.child_id")
            )
        ihit += self.event_branches("individual", "child", child_scope.format(col="e.child_id"))
        fhit = []
        if family:
            codes = ", ".join(_slug(code) for code, _e in family)
            fhit.append(
                f"SELECT o.family_id AS id, {self.slot('family', 'o.indicator_code')} AS slot, o.observed_on AS d "
                "FROM cohorts_observation o "
                f"WHERE o.adult_id IS NOT NULL AND o.family_id IS NOT NULL AND o.id <= {high_water} "
                f"AND o.indicator_code IN ({codes}) AND {self.window('o.observed_on', 'o.indicator_code', family)}"
                + family_scope.format(col="o.family_id")
            )
            fhit.append(
                f"SELECT f.family_id AS id, {self.slot('family', 'f.kind')} AS slot, f.noted_on AS d "
                "FROM cases_familyfact f "
                f"WHERE f.kind IN ({codes}) AND {self.window('f.noted_on', 'f.kind', family)}"
                + family_scope.format(col="f.family_id")
            )
        fhit += self.event_branches("family", "family", family_scope.format(col="e.family_id"))
        entry = self.row(["slot", "n", self.days_before_as_of("last")])
        ctes += [
            f"ihit AS ({self.union(ihit)})",
            f"fhit AS ({self.union(fhit)})",
            "fagg AS (SELECT id AS family_id, slot, COUNT(*) AS n, MAX(d) AS last FROM fhit GROUP BY id, slot)",
            "contrib AS ("
            f"SELECT id AS child_id, 0 AS lvl, slot, {self.weight('individual')} AS weight, COUNT(*) AS n, "
            "MAX(d) AS last FROM ihit GROUP BY id, slot "
            f"UNION ALL SELECT m.child_id, 1, a.slot, {self.weight('family', 'a.slot')}, SUM(a.n), MAX(a.last) "
            "FROM cases_familymember m JOIN fagg a ON a.family_id = m.family_id "
            f"WHERE m.child_id IS NOT NULL{child_scope.format(col='m.child_id')} GROUP BY m.child_id, a.slot)",
            "per AS ("
            + self.ordered_agg(
                "contrib",
                entry,
                "slot",
                "child_id",
                "SUM(CASE WHEN lvl = 0 THEN weight ELSE 0 END) AS ind, "
                "SUM(CASE WHEN lvl = 1 THEN weight ELSE 0 END) AS fam",
            )
            + ")",
            "links AS (SELECT DISTINCT l.child_id, l.context_id FROM cases_contextlink l "
            f"WHERE {current.format(t='l')}{child_scope.format(col='l.child_id')})",
            "harm AS (SELECT DISTINCT e.context_id FROM cases_chronologyevent e "
            f"WHERE e.context_id IS NOT NULL AND e.kind IN ({harm_kinds}) "
            f"AND e.occurred_on > {self.date(p.as_of - timedelta(days=p.context_window_days))} "
            f"AND e.occurred_on <= {as_of})",
        ]
        ctes.append(
            "hot AS (SELECT l.context_id, COUNT(*) AS n FROM links l JOIN per b ON b.child_id = l.child_id "
            f"WHERE b.ind + b.fam >= {concern} GROUP BY l.context_id)"
        )
        published = ""
        if child_ids is not None and chain:
            # An incremental run rescores only the listed children (the nightly run catches up the
            # rest): at each context of a listed child, another child counts with its new score
            # when listed (`hot`), else with its published score (`pub`, once per context; EXISTS
            # stops at the first such child, however busy the context).
            # Another child's published score: its row in the stored current suggestions (the
            # chain's newest row for it, kept by publication), which keeps the individual and
            # family parts too: one primary-key probe (the suggestions need no index by child, and
            # on PostgreSQL a probe by id there would look into every run's partition).
            # On PostgreSQL `<> ALL` of a constant array is hashed, not a scan of the list per link.
            listed = f"<> ALL({array_literal(child_ids or [])})" if self.pg else "NOT IN (SELECT child_id FROM target)"
            others = (
                "SELECT 1 FROM cases_contextlink l3 "
                "JOIN cohorts_currentsuggestion cs ON cs.child_id = l3.child_id "
                f"WHERE l3.context_id = c.context_id AND {current.format(t='l3')} "
                f"AND cs.individual_family_score >= {concern} AND l3.child_id {listed}"
            )
            ctes.append(
                f"pub AS (SELECT c.context_id FROM (SELECT DISTINCT context_id FROM links) c WHERE EXISTS ({others}))"
            )
            published = " OR p.context_id IS NOT NULL"
        # other: another child linked to the context reaches the concern threshold (the same
        # set-based count for both kinds of run: a join per context, not a probe per link)
        ctes.append(
            "lhot AS (SELECT l.child_id, l.context_id, (COALESCE(h.n, 0) - "
            f"CASE WHEN COALESCE(b.ind + b.fam, 0) >= {concern} THEN 1 ELSE 0 END > 0{published}) AS other "
            "FROM links l LEFT JOIN hot h ON h.context_id = l.context_id "
            "LEFT JOIN per b ON b.child_id = l.child_id"
            + (" LEFT JOIN pub p ON p.context_id = l.context_id" if published else "")
            + ")"
        )
        context_entry = self.row(["context_id", "reason"])
        ctes += [
            "ctxall AS (SELECT l.child_id, l.context_id, "
            f"CASE WHEN l.other THEN {CONTEXT_REASON_CODES['other_children']} "
            f"ELSE {CONTEXT_REASON_CODES['harm']} END AS reason, "
            "ROW_NUMBER() OVER (PARTITION BY l.child_id ORDER BY l.context_id) AS rn "
            "FROM lhot l LEFT JOIN harm x ON x.context_id = l.context_id WHERE l.other OR x.context_id IS NOT NULL)",
            f"ctxk AS (SELECT child_id, context_id, reason FROM ctxall WHERE rn <= {int(p.context_max_links)})",
            "cctx AS ("
            + self.ordered_agg("ctxk", context_entry, "context_id", "child_id", f"COUNT(*) * {weight} AS ctx")
            + ")",
        ]
        return ctes

    def tier_case(self, score: str) -> str:
        p = self.p
        return (
            f"CASE WHEN {score} >= {int(p.most_vulnerable)} THEN 'most_vulnerable' "
            f"WHEN {score} >= {int(p.vulnerable)} THEN 'vulnerable_cohort' "
            f"WHEN {score} >= {int(p.concern)} THEN 'cause_for_concern' ELSE '' END"
        )


def array_literal(ids: Iterable[int]) -> str:
    """PostgreSQL: a bigint[] constant of the ids (integers, so safe to inline), which the planner
    sees into: it estimates `= ANY` and `unnest` of it from its elements."""
    return "CAST('{" + ",".join(str(int(pk)) for pk in ids) + "}' AS bigint[])"


def family_ids_of(child_ids: list[int]) -> list[int]:
    """The families the listed children belong to (PostgreSQL: one index scan over the list)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT family_id FROM cases_familymember "
            f"WHERE child_id = ANY({array_literal(child_ids)}) ORDER BY family_id"
        )
        return [int(row[0]) for row in cursor.fetchall()]


def previous_select(where: str = "") -> str:
    """SELECT child_id, tier: each child's row in the published chain, as the stored current
    suggestions keep it (`publish_current`): a narrow table, where reading the chain's own rows
    meant scanning the wide suggestions of every run in it."""
    return "SELECT child_id, tier FROM cohorts_currentsuggestion" + (f" WHERE {where}" if where else "")


TierTally = dict[str, tuple[int, int]]  # tier ('' below the threshold) -> (rows scoring, rows changed)


# PostgreSQL: the suggestions are partitioned by run (migration 0013), one partition per full run; the
# columns ANALYZE samples with statistics target 10 (3,000 rows: a run's tiers need no more).
SUGGESTIONS = "cohorts_suggestion"
KEPT = "cohorts_suggestion_kept"
SAMPLED_COLUMNS = ("run_id", "child_id", "score", "tier")


def partition_of(run_id: int) -> str:
    """PostgreSQL: the table holding run `run_id`'s suggestions, a partition of cohorts_suggestion."""
    return f"{SUGGESTIONS}_run_{int(run_id)}"


def partitioned_runs() -> set[int]:
    """PostgreSQL: the runs whose suggestions have a partition of their own."""
    prefix = partition_of(0)[:-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(%s AS regclass)",
            [SUGGESTIONS],
        )
        names = [name for (name,) in cursor.fetchall()]
    return {int(name[len(prefix) :]) for name in names if name.startswith(prefix)}


def runs_in_default_partition() -> set[int]:
    """PostgreSQL: the runs with rows in the default partition (rows a panel decision kept after
    pruning dropped their run's partition, or rows written other than by a run)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT run_id FROM {KEPT}")
        return {int(run_id) for (run_id,) in cursor.fetchall()}


def write_suggestions(run: CohortRun, chain: list[int], child_ids: list[int] | None = None) -> TierTally:
    """Insert the Suggestion rows of `run` (none must exist yet) in one statement; return, per tier,
    how many rows score above zero and how many changed tier.

    `chain` is the published chain the run will sit on (for previous_tier). For an incremental run
    (`child_ids`), a listed child who had a row in the chain but now scores nothing gets a zero row,
    so the chain no longer shows the old suggestion. On PostgreSQL the tally comes from the rows the
    insert returns (a data-modifying WITH), not from reading 100,000 rows back, and a full run's rows go
    into a new table of their own (`partition_of(run)`: the suggestions' columns, defaults and checks, and
    CHECK (run_id = run), so attaching it needs no scan), which `attach_partition` makes the run's
    partition of cohorts_suggestion when the run publishes: its primary key and unique (run, child) index
    are built once, sorted, instead of taking one entry per row, and no page it writes held rows before
    (no dead rows to reuse, none to vacuum). The caller's transaction holds it all: a failure leaves no
    table behind."""

    statement, args = suggestions_statement(run, chain, child_ids)
    tally = (
        "SELECT tier, COUNT(*) FILTER (WHERE score > 0), COUNT(*) FILTER (WHERE tier <> previous_tier) FROM {rows} "
        "GROUP BY tier"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and child_ids is not None:
            # An incremental run's few rows go to the default partition, so the partitions stay one
            # per kept full run (a lookup by id looks into each partition); pruning deletes them.
            head, insert = statement.split(f" INSERT INTO {SUGGESTIONS} ", 1)
            written = f"written AS (INSERT INTO {SUGGESTIONS} {insert} RETURNING tier, previous_tier, score)"
            cursor.execute(f"{head}, {written} {tally.format(rows='written')}", args)
            tallied = cursor.fetchall()
        elif connection.vendor == "postgresql":
            part = partition_of(run.pk)
            cursor.execute(
                f"CREATE TABLE {part} (LIKE {SUGGESTIONS} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE, "
                f"CHECK (run_id = {int(run.pk)}))"
            )
            sampled = ", ".join(f"ALTER COLUMN {column} SET STATISTICS 10" for column in SAMPLED_COLUMNS)
            cursor.execute(f"ALTER TABLE {part} {sampled}")
            head, insert = statement.split(f" INSERT INTO {SUGGESTIONS} ", 1)
            written = f"written AS (INSERT INTO {part} {insert} RETURNING tier, previous_tier, score)"
            cursor.execute(f"{head}, {written} {tally.format(rows='written')}", args)
            tallied = cursor.fetchall()
        else:
            cursor.execute(statement, args)
            cursor.execute(tally.format(rows="cohorts_suggestion WHERE run_id = %s"), [run.pk])
            tallied = cursor.fetchall()
    return {tier: (int(scoring), int(changed)) for tier, scoring, changed in tallied}


def attach_partition(run: CohortRun) -> None:
    """PostgreSQL, a full run: its table of suggestions (write_suggestions) becomes its partition of
    cohorts_suggestion. Attaching locks the default partition exclusively (PostgreSQL makes sure it
    holds none of the run's rows) until the run's transaction ends, so every read of the suggestions
    waits from here to the run's commit: the run attaches last, just before it publishes."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {SUGGESTIONS} ATTACH PARTITION {partition_of(run.pk)} FOR VALUES IN ({int(run.pk)})"
        )


def suggestions_statement(
    run: CohortRun, chain: list[int], child_ids: list[int] | None = None
) -> tuple[str, list[str]]:
    sql = _Sql(Params.for_run(run))
    ctes = sql.ctes(child_ids, chain)
    if child_ids is None:
        ctes.append(f"prev AS ({previous_select()})")
        # A child who had a tier in the chain and now scores nothing gets a zero row: the change is
        # counted and notified like any other, and the row says what the tier was.
        dropped = "p.tier <> ''"
        kids = (
            "kids AS (SELECT child_id FROM per UNION SELECT child_id FROM cctx "
            "UNION SELECT child_id FROM prev WHERE tier <> '')"
        )
    else:
        if sql.pg:
            ctes.append(f"prev AS ({previous_select(f'child_id = ANY({array_literal(child_ids)})')})")
        else:
            ctes.append(f"prev AS ({previous_select('child_id IN (SELECT child_id FROM target)')})")
        dropped = "p.child_id IS NOT NULL"
        kids = "kids AS (SELECT child_id FROM per UNION SELECT child_id FROM cctx UNION SELECT child_id FROM prev)"
    empty = "CAST('{}' AS integer[])" if sql.pg else "'[]'"
    columns = (
        "COALESCE(b.ind, 0) AS ind, COALESCE(b.fam, 0) AS fam, COALESCE(c.ctx, 0) AS ctx, "
        f"COALESCE(b.entries, {empty}) AS ientries, COALESCE(c.entries, {empty}) AS centries"
    )
    if child_ids is None and sql.pg:
        # The whole city: every scored child is in per or cctx, so full joins (hashing the small
        # cctx, then the previous tiers) instead of listing the children first.
        ctes.append(
            f"scored AS (SELECT COALESCE(b.child_id, c.child_id) AS child_id, {columns} "
            "FROM per b FULL JOIN cctx c ON c.child_id = b.child_id)"
        )
        source = "scored s FULL JOIN prev p ON p.child_id = s.child_id"
    else:
        ctes += [
            kids,
            f"scored AS (SELECT k.child_id, {columns} FROM kids k "
            "LEFT JOIN per b ON b.child_id = k.child_id LEFT JOIN cctx c ON c.child_id = k.child_id)",
        ]
        source = "scored s LEFT JOIN prev p ON p.child_id = s.child_id"
    score = "COALESCE(s.ind + s.fam + s.ctx, 0)"
    statement = (
        "WITH "
        + ", ".join(ctes)
        + " INSERT INTO cohorts_suggestion (run_id, child_id, score, individual_score, family_score, context_score, "
        "tier, previous_tier, indicator_entries, context_entries) "
        f"SELECT {int(run.pk)}, COALESCE(s.child_id, p.child_id), {score}, COALESCE(s.ind, 0), COALESCE(s.fam, 0), "
        f"COALESCE(s.ctx, 0), {sql.tier_case(score)}, COALESCE(p.tier, ''), COALESCE(s.ientries, {empty}), "
        f"COALESCE(s.centries, {empty}) FROM {source} WHERE {score} > 0 OR {dropped}"
        # In child order: the rows then go into the (run, child) and (child, run) indexes one leaf
        # page after another instead of at random places.
        " ORDER BY 2"
    )
    return statement, sql.args


# The "why" page ------------------------------------------------------------------------------


def evidence_for(suggestion: Suggestion, reader: Any, *, case_notes: bool = True) -> list[Entry]:
    """The records behind each contribution of `suggestion`, in the contributions' order, as
    `reader` may see them: a source system's note only where the policy lets the reader read that
    source's notes (`read_source_note`: police notes to police), and the notes of agencies'
    chronology events and household facts only when `case_notes` (the reader sees the child as a
    case, not only for the cohort). Otherwise the item keeps its indicator, date and source.

    One entry per contribution: the contribution's own fields, the indicator's label, and `items`
    (the latest EVIDENCE_PER_INDICATOR records: observations, chronology events, family facts, each
    {"on", "source", "about", "note"}) plus `more` (records counted but not listed). Context entries
    carry only the context id and reason; the page names contexts the reader may see. A fixed number
    of queries whatever the data."""
    from cases.models import ChronologyEvent, FamilyFact, FamilyMember

    run = suggestion.run
    params = Params.for_run(run)
    definitions = {(i["code"], i["level"]): i for i in run.scoring_model.indicators}
    entries = []
    wanted: dict[tuple[str, str], Entry] = {}
    for contribution in suggestion.contributions:
        entry = dict(contribution)
        if "code" in contribution:
            definition = definitions.get((contribution["code"], contribution["level"]), {})
            entry["label"] = definition.get("label", contribution["code"])
            entry["window_days"] = definition.get("window_days")
            entry["items"] = []
            if isinstance(entry.get("last_observed_on"), str):
                entry["last_observed_on"] = date.fromisoformat(entry["last_observed_on"][:10])
            wanted[(contribution["code"], contribution["level"])] = entry
        else:
            entry["reason_text"] = CONTEXT_REASONS.get(contribution.get("reason", ""), "")
        entries.append(entry)
    if not wanted:
        return entries

    def since(code: str, level: str) -> date:
        return params.as_of - timedelta(days=definitions[(code, level)]["window_days"])

    items: list[tuple[tuple[str, str], Entry]] = []
    kinds: dict[tuple[str, str], list[str]] = {}
    for key in wanted:
        for kind in kinds_of(definitions[key].get("event_kinds", [])):
            kinds.setdefault((kind, key[1]), []).append(key[0])
    family_ids = list(FamilyMember.objects.filter(child_id=suggestion.child_id).values_list("family_id", flat=True))

    def window_filter(level: str, code_field: str, date_field: str) -> Q:
        from django.db.models import Q

        q = Q(pk__in=[])
        for code, lvl in wanted:
            if lvl == level:
                q |= Q(**{code_field: code, f"{date_field}__gt": since(code, lvl), f"{date_field}__lte": params.as_of})
        return q

    def kind_filter(level: str) -> Q:
        from django.db.models import Q

        q = Q(pk__in=[])
        for (kind, lvl), codes in kinds.items():
            if lvl != level:
                continue
            for code in codes:
                if (code, lvl) in wanted:
                    q |= Q(kind=kind, occurred_on__gt=since(code, lvl), occurred_on__lte=params.as_of)
        return q

    limit = 200  # per query: enough for 20 per indicator in practice, bounded whatever the data
    observations = (
        Observation.objects.filter(id__lte=params.high_water)
        .select_related("feed__agency")
        .order_by("-observed_on", "-id")
    )
    reads_notes = _SourceNotes(reader)
    for o in observations.filter(
        window_filter("individual", "indicator_code", "observed_on"), child_id=suggestion.child_id
    )[:limit]:
        items.append(((o.indicator_code, "individual"), _observation_item(o, "The child", reads_notes(o))))
    if family_ids:
        for o in observations.filter(
            window_filter("family", "indicator_code", "observed_on"), family_id__in=family_ids, adult__isnull=False
        )[:limit]:
            items.append(
                ((o.indicator_code, "family"), _observation_item(o, "An adult in the household", reads_notes(o)))
            )
        facts = FamilyFact.objects.filter(window_filter("family", "kind", "noted_on"), family_id__in=family_ids)
        for f in facts.select_related("source_agency").order_by("-noted_on", "-id")[:limit]:
            items.append(
                (
                    (f.kind, "family"),
                    {
                        "on": f.noted_on,
                        "source": f.source_agency.name,
                        "about": "The household",
                        "note": (f.note if case_notes else "") or f.get_kind_display(),
                    },
                )
            )
        events = ChronologyEvent.objects.filter(kind_filter("family"), family_id__in=family_ids)
        for e in events.select_related("source_agency").order_by("-occurred_on", "-id")[:limit]:
            for code in kinds.get((e.kind, "family"), []):
                if (code, "family") in wanted and e.occurred_on > since(code, "family"):
                    items.append(((code, "family"), _event_item(e, "The household", case_notes)))
    events = ChronologyEvent.objects.filter(kind_filter("individual"), child_id=suggestion.child_id)
    for e in events.select_related("source_agency").order_by("-occurred_on", "-id")[:limit]:
        for code in kinds.get((e.kind, "individual"), []):
            if (code, "individual") in wanted and e.occurred_on > since(code, "individual"):
                items.append(((code, "individual"), _event_item(e, "The child", case_notes)))
    codes = {item["source"] for _key, item in items if "record" in item}
    labels = dict(SourceSystem.objects.filter(code__in=codes).values_list("code", "label")) if codes else {}
    for key, item in sorted(items, key=lambda pair: pair[1]["on"], reverse=True):
        if "record" in item:
            item["source"] = labels.get(item["source"], item["source"])
        listed = wanted.get(key)
        if listed is not None and len(listed["items"]) < EVIDENCE_PER_INDICATOR:
            listed["items"].append(item)
    for entry in wanted.values():
        entry["more"] = max(0, int(entry.get("count", 0)) - len(entry["items"]))
    return entries


NOTE_WITHHELD = "Note held by the source"


class _SourceNotes:
    """Whether the reader may read an observation's note, asked of the policy once per agency."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.answers: dict[int | None, bool] = {}

    def __call__(self, o: Observation) -> bool:
        agency = o.feed.agency if o.feed_id is not None and o.feed is not None else None
        key = agency.pk if agency is not None else None
        if key not in self.answers:
            self.answers[key] = policy.can(self.reader, "read_source_note", agency)
        return self.answers[key]


def _observation_item(o: Observation, about: str, with_note: bool) -> Entry:
    return {
        "on": o.observed_on,
        "source": o.source_system,
        "about": about,
        "note": o.note if with_note else (NOTE_WITHHELD if o.note else ""),
        "record": o.source_record_id,
    }


def _event_item(e: ChronologyEvent, about: str, with_note: bool) -> Entry:
    note = e.summary if with_note else e.get_kind_display()
    return {"on": e.occurred_on, "source": e.source_agency.name, "about": about, "note": note}

"""The cohort engine on a small hand-made data set: exact scores, tiers and explanations.

As of D = 30 June 2026 with model version 1 (weights and windows from the brief):

council_child (A), in the test family with voluntary_child (B) and their mother (an adult):
  individual: crime on D and D-364 (D-365 is outside the window)      3, count 2, last D
              missing episode event on D-10 (an observation on D-200 is outside its 180 days)  4
              school attendance on D-179 (D-180 is outside)           2
              an observation dated D+1 is after as_of and ignored
  family:     domestic abuse about the mother on D-30                 3
              family fact: financial exclusion on D-100               1
              family event of kind health on D-5                      1
              family fact 'housing' (no indicator) is ignored
  contexts:   the hotspot, where B scores 5 (family)                  2  (other_children)
              the peer group, with a harm event dated D-365 (outside the window): nothing
  => 9 + 5 + 2 = 16, most vulnerable
voluntary_child (B): family 5 + hotspot (A scores 14) 2 = 7, cause for concern
shared_child (S): weapon offence on D-1 5 + the police location, harm on D-50 (reason harm) 2 = 7
mentee (M): linked to four contexts with harm: only three count, lowest ids first = 6, cause for concern
unlinked_child (U): linked to the police location until D-1 only, and from D+1: no row at all
"""

from datetime import date, timedelta

import pytest
from django.db import connection

from accounts.models import Notification
from cases.models import Child, ChronologyEvent, Context, ContextLink, FamilyFact
from cohorts.models import (
    CohortRun,
    CohortSettings,
    IndicatorDefinition,
    Observation,
    RunKind,
    RunStatus,
    RunTrigger,
    ScoringModel,
    Suggestion,
    TierDecision,
)
from cohorts.services import runs, scoring

D = date(2026, 6, 30)


@pytest.fixture(autouse=True)
def cohort_defaults(db):
    """The version-1 indicators of migration 0002 (a transactional test elsewhere may have flushed them)."""
    from cohorts.defaults import ensure_default_indicators

    ensure_default_indicators()


def days(n: int) -> date:
    return D - timedelta(days=n)


class Data:
    counter = 0

    def __init__(self, p):
        self.p = p
        self.agency = p.agencies["council"]
        self.user = p.users["caseworker"]

    def obs(self, code, on, *, child=None, adult=None, family=None, source="test-system"):
        Data.counter += 1
        return Observation.objects.create(
            source_system=source,
            source_record_id=f"r{Data.counter}",
            indicator_code=code,
            observed_on=on,
            child=child,
            adult=adult,
            family=family,
            note=f"{code} note",
        )

    def event(self, kind, on, **subject):
        return ChronologyEvent.objects.create(
            occurred_on=on,
            kind=kind,
            summary=f"{kind} summary",
            source_agency=self.agency,
            recorded_by=self.user,
            **subject,
        )

    def fact(self, kind, on):
        return FamilyFact.objects.create(
            family=self.p.family, kind=kind, noted_on=on, source_agency=self.agency, recorded_by=self.user
        )

    def link(self, child, context, since=None, until=None):
        return ContextLink.objects.create(
            child=child,
            context=context,
            role="member",
            since=since,
            until=until,
            source_agency=self.agency,
            recorded_by=self.user,
        )


@pytest.fixture
def city(partnership):
    p = partnership
    assert not ChronologyEvent.objects.exists()
    data = Data(p)
    a, s, m, u = p.council_child, p.shared_child, p.mentee, p.unlinked_child
    data.obs("crime", D, child=a)
    data.obs("crime", days(364), child=a)
    data.obs("crime", days(365), child=a)
    data.obs("crime", D + timedelta(days=1), child=a)
    data.event("missing_episode", days(10), child=a)
    data.obs("missing_episode", days(200), child=a)
    data.obs("school_attendance", days(179), child=a)
    data.obs("school_attendance", days(180), child=a)
    data.obs("domestic_abuse", days(30), adult=p.adult, family=p.family)
    data.fact("financial_exclusion", days(100))
    data.fact("housing", days(20))
    data.event("health", days(5), family=p.family)
    data.link(a, p.peer_group)
    data.event("incident", days(365), context=p.peer_group)
    data.obs("weapon_offence", days(1), child=s)
    data.link(s, p.police_location, since=days(100))
    data.event("incident", days(50), context=p.police_location)
    data.link(u, p.police_location, until=days(1))
    data.link(u, p.police_location, since=D + timedelta(days=1))
    harm_contexts = []
    for n in range(4):
        context = Context.objects.create(reference=f"LO-H{n}", kind="location", name=f"Harm place {n}")
        data.event("weapon_offence", days(n + 1), context=context)
        harm_contexts.append(context)
    for context in reversed(harm_contexts):
        data.link(m, context)
    a.lead_professional = p.users["caseworker"]
    a.save()
    p.harm_contexts = harm_contexts
    p.data = data
    return p


def full_run(as_of=D, trigger=RunTrigger.MANUAL) -> CohortRun:
    run = runs.request_run(kind=RunKind.FULL, trigger=trigger, as_of=as_of, enqueue=False)
    return runs.execute_run(run.pk)


def rows(run) -> dict:
    return {s.child_id: s for s in Suggestion.objects.filter(run=run)}


def test_migration_ships_version_1_and_the_first_run_uses_it(db):
    model = ScoringModel.objects.get()
    assert model.version == 1
    assert (model.concern_threshold, model.vulnerable_threshold, model.most_vulnerable_threshold) == (4, 8, 12)
    assert (model.context_weight, model.context_max_links, model.context_window_days) == (2, 3, 365)
    codes = {"crime", "school_attendance", "children_needing_help", "financial_exclusion", "domestic_abuse", "health"}
    assert set(IndicatorDefinition.objects.filter(level="family").values_list("code", flat=True)) == codes
    assert IndicatorDefinition.objects.count() == 19
    weights = {(d.code, d.level): d.weight for d in IndicatorDefinition.objects.all()}
    assert weights[("crime", "individual")] == 3 and weights[("crime", "family")] == 2
    assert weights[("weapon_offence", "individual")] == 5
    assert model.indicators == scoring.snapshot()
    run = full_run()
    assert run.scoring_model.version == 1 and ScoringModel.objects.count() == 1


def test_exact_scores_tiers_and_contributions(city):
    p = city
    run = full_run()
    assert run.status == RunStatus.PUBLISHED and run.published_at and run.duration_ms is not None
    result = rows(run)
    assert set(result) == {p.council_child.pk, p.voluntary_child.pk, p.shared_child.pk, p.mentee.pk}
    a = result[p.council_child.pk]
    assert (a.score, a.individual_score, a.family_score, a.context_score, a.tier) == (16, 9, 5, 2, "most_vulnerable")
    assert a.previous_tier == ""
    assert a.contributions == [
        {"code": "crime", "level": "individual", "weight": 3, "count": 2, "last_observed_on": "2026-06-30"},
        {"code": "missing_episode", "level": "individual", "weight": 4, "count": 1, "last_observed_on": "2026-06-20"},
        {"code": "school_attendance", "level": "individual", "weight": 2, "count": 1, "last_observed_on": "2026-01-02"},
        {"code": "domestic_abuse", "level": "family", "weight": 3, "count": 1, "last_observed_on": "2026-05-31"},
        {"code": "financial_exclusion", "level": "family", "weight": 1, "count": 1, "last_observed_on": "2026-03-22"},
        {"code": "health", "level": "family", "weight": 1, "count": 1, "last_observed_on": "2026-06-25"},
        {"context_id": p.hotspot.pk, "reason": "other_children", "weight": 2},
    ]
    b = result[p.voluntary_child.pk]
    assert (b.score, b.individual_score, b.family_score, b.context_score, b.tier) == (7, 0, 5, 2, "cause_for_concern")
    s = result[p.shared_child.pk]
    assert (s.score, s.individual_score, s.context_score, s.tier) == (7, 5, 2, "cause_for_concern")
    assert s.contributions[-1] == {"context_id": p.police_location.pk, "reason": "harm", "weight": 2}
    m = result[p.mentee.pk]
    assert (m.score, m.context_score, m.tier) == (6, 6, "cause_for_concern")
    assert [c["context_id"] for c in m.contributions] == [c.pk for c in p.harm_contexts[:3]]
    assert run.counts == {"most_vulnerable": 1, "cause_for_concern": 3}
    assert run.changes == 4 and run.children_scored == 4
    assert run.observation_high_water == Observation.objects.order_by("-id").first().pk


def test_evidence_lists_the_records_behind_each_contribution(city):
    p = city
    full_run()
    suggestion = Suggestion.objects.current().get(child=p.council_child)
    evidence = scoring.evidence_for(suggestion, p.users["caseworker"])
    by_key = {(e["code"], e["level"]): e for e in evidence if "code" in e}
    crime = by_key[("crime", "individual")]
    assert [item["on"] for item in crime["items"]] == [D, days(364)]
    assert crime["label"] == "Offending or arrest" and crime["more"] == 0
    assert [i["note"] for i in by_key[("missing_episode", "individual")]["items"]] == ["missing_episode summary"]
    assert by_key[("domestic_abuse", "family")]["items"][0]["about"] == "An adult in the household"
    assert by_key[("financial_exclusion", "family")]["items"][0]["on"] == days(100)
    assert by_key[("health", "family")]["items"][0]["about"] == "The household"
    assert evidence[-1]["context_id"] == p.hotspot.pk and "Another child" in evidence[-1]["reason_text"]


def test_same_inputs_and_as_of_give_identical_rows(city):
    first = full_run()
    second = full_run()

    def comparable(run):
        return sorted(
            (s.child_id, s.score, s.individual_score, s.family_score, s.context_score, s.tier, s.contributions)
            for s in Suggestion.objects.filter(run=run)
        )

    assert comparable(first) == comparable(second)
    assert second.changes == 0
    assert all(s.previous_tier == s.tier for s in Suggestion.objects.filter(run=second))
    assert set(Suggestion.objects.current().values_list("run_id", flat=True)) == {second.pk}


def test_a_retry_of_the_same_run_uses_its_high_water_mark(city):
    p = city
    run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False)
    run = runs.execute_run(run.pk)
    before = {s.child_id: s.score for s in Suggestion.objects.filter(run=run)}
    p.data.obs("exploitation_concern", days(2), child=p.voluntary_child)  # arrives after the run started
    CohortRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)  # as if it crashed before publishing
    rerun = runs.execute_run(run.pk)
    assert rerun.status == RunStatus.PUBLISHED
    assert {s.child_id: s.score for s in Suggestion.objects.filter(run=run)} == before
    assert full_run().pk != run.pk
    assert Suggestion.objects.current().get(child=p.voluntary_child).score == 12


def test_incremental_run_changes_only_the_listed_children(city):
    p = city
    base = full_run()
    p.data.obs("exploitation_concern", days(2), child=p.voluntary_child)
    p.data.obs("neet", days(2), child=p.shared_child)  # not listed: not rescored
    ChronologyEvent.objects.filter(context__in=p.harm_contexts).delete()
    run = runs.request_run(
        kind=RunKind.INCREMENTAL,
        trigger=RunTrigger.FEED,
        as_of=D,
        child_ids=[p.voluntary_child.pk, p.mentee.pk],
        enqueue=False,
    )
    run = runs.execute_run(run.pk)
    assert run.status == RunStatus.PUBLISHED and run.base_run_id == base.pk
    assert CohortRun.objects.current_chain() == [base.pk, run.pk]
    new = rows(run)
    assert set(new) == {p.voluntary_child.pk, p.mentee.pk}
    b = new[p.voluntary_child.pk]
    assert (b.score, b.tier, b.previous_tier) == (12, "most_vulnerable", "cause_for_concern")
    m = new[p.mentee.pk]  # no longer scores: a zero row hides the old suggestion
    assert (m.score, m.tier, m.previous_tier, m.contributions) == (0, "", "cause_for_concern", [])
    assert run.changes == 2
    current = {s.child_id: (s.run_id, s.score) for s in Suggestion.objects.current()}
    assert current == {
        p.council_child.pk: (base.pk, 16),
        p.voluntary_child.pk: (run.pk, 12),
        p.shared_child.pk: (base.pk, 7),
        p.mentee.pk: (run.pk, 0),
    }
    # A second incremental run sits on the same full run, seeing the first one's rows.
    p.data.obs("weapon_offence", days(1), child=p.council_child)
    second = runs.execute_run(
        runs.request_run(
            kind=RunKind.INCREMENTAL, trigger=RunTrigger.FEED, as_of=D, child_ids=[p.council_child.pk], enqueue=False
        ).pk
    )
    assert CohortRun.objects.current_chain() == [base.pk, run.pk, second.pk]
    a = rows(second)[p.council_child.pk]
    assert (a.score, a.individual_score, a.context_score, a.previous_tier) == (21, 14, 2, "most_vulnerable")
    assert Suggestion.objects.current().get(child=p.voluntary_child).run_id == run.pk
    # The next full run starts a new chain.
    again = full_run()
    assert CohortRun.objects.current_chain() == [again.pk]
    assert rows(again)[p.shared_child.pk].score == 9


def explained(suggestion: Suggestion) -> tuple:
    """Everything a run computes for a child, but the tier it had before (which depends on the chain)."""
    return (
        suggestion.score,
        suggestion.individual_score,
        suggestion.family_score,
        suggestion.context_score,
        suggestion.tier,
        suggestion.contributions,
    )


def test_an_incremental_run_gives_a_full_runs_rows_for_the_listed_children(city):
    """Scores, tiers and explanations of the listed children are those a full run computes, through
    families (a new observation about their mother reaches both children of the family) and contexts
    (another listed child's new score, and an unlisted child's published score)."""
    p = city
    base = full_run()
    data = p.data
    data.obs("exploitation_concern", days(2), child=p.voluntary_child)
    data.obs("crime", days(3), adult=p.adult, family=p.family)  # the family of A and B
    data.link(p.mentee, p.hotspot)  # where A and B are: their new scores count
    data.link(p.voluntary_child, p.police_location)  # where S (unlisted, score 7) is: S's published score counts
    listed = [p.council_child.pk, p.voluntary_child.pk, p.mentee.pk]
    run = runs.execute_run(
        runs.request_run(kind=RunKind.INCREMENTAL, trigger=RunTrigger.FEED, as_of=D, child_ids=listed, enqueue=False).pk
    )
    assert run.kind == RunKind.INCREMENTAL and run.base_run_id == base.pk
    incremental = rows(run)
    assert set(incremental) == set(listed)
    whole = rows(full_run())
    assert {pk: explained(incremental[pk]) for pk in listed} == {pk: explained(whole[pk]) for pk in listed}
    before = rows(base)
    assert {pk: incremental[pk].previous_tier for pk in listed} == {pk: before[pk].tier for pk in listed}
    # The changes did reach them, through the family and both kinds of context evidence.
    a, b, m = (incremental[pk] for pk in listed)
    assert a.family_score > before[p.council_child.pk].family_score
    assert b.family_score == a.family_score
    assert {"context_id": p.police_location.pk, "reason": "other_children", "weight": 2} in b.contributions
    assert {"context_id": p.hotspot.pk, "reason": "other_children", "weight": 2} in m.contributions


def test_an_over_large_incremental_request_becomes_a_full_run(city, monkeypatch):
    from cases.models import Child

    p = city
    assert not runs.takes_full_run(len(Child.objects.all()))  # a small city: never for 1,000 children or fewer
    monkeypatch.setattr(runs, "FULL_RUN_MIN_CHILDREN", 0)
    base = full_run()
    p.data.obs("exploitation_concern", days(2), child=p.voluntary_child)
    children = list(Child.objects.values_list("pk", flat=True))
    listed = children[: int(len(children) * runs.FULL_RUN_FRACTION) + 1]
    assert runs.takes_full_run(len(listed)) and not runs.takes_full_run(1)
    run = runs.execute_run(
        runs.request_run(kind=RunKind.INCREMENTAL, trigger=RunTrigger.FEED, as_of=D, child_ids=listed, enqueue=False).pk
    )
    # Recorded as a full run that keeps the list it was asked for; it starts a new chain.
    assert run.status == RunStatus.PUBLISHED and run.kind == RunKind.FULL and run.base_run_id is None
    assert run.child_ids == sorted(listed)
    assert CohortRun.objects.current_chain() == [run.pk]
    assert set(rows(run)) == set(rows(base))
    assert rows(run)[p.voluntary_child.pk].score == 12


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_an_incremental_run_refreshes_stale_statistics_first(city, monkeypatch):
    full_run()
    for n in range(5):
        city.data.obs("crime", days(n), child=city.shared_child)
    monkeypatch.setattr(runs, "STALE_MIN_ROWS", 0)
    refreshed = []
    original = runs.refresh_statistics
    monkeypatch.setattr(runs, "refresh_statistics", lambda: refreshed.extend(original()) or refreshed)
    runs.execute_run(
        runs.request_run(
            kind=RunKind.INCREMENTAL, trigger=RunTrigger.FEED, as_of=D, child_ids=[city.shared_child.pk], enqueue=False
        ).pk
    )
    assert "cohorts_observation" in refreshed


def test_incremental_without_a_full_run_scores_the_whole_city(city):
    p = city
    run = runs.request_run(
        kind=RunKind.INCREMENTAL, trigger=RunTrigger.FEED, as_of=D, child_ids=[p.mentee.pk], enqueue=False
    )
    run = runs.execute_run(run.pk)
    assert run.kind == RunKind.FULL and len(rows(run)) == 4


def test_suggestions_switched_off_record_a_run_without_rows(city):
    full_run()
    settings = CohortSettings.load()
    settings.suggestions_enabled = False
    settings.save()
    run = full_run()
    assert run.status == RunStatus.PUBLISHED and run.suggestions_enabled is False
    assert not Suggestion.objects.filter(run=run).exists()
    assert not Suggestion.objects.current().exists()
    assert run.counts == {} and run.changes == 0


def test_changed_weights_make_a_new_model_version(city):
    p = city
    first = full_run()
    IndicatorDefinition.objects.filter(code="crime", level="individual").update(weight=4)
    second = full_run()
    assert (first.scoring_model.version, second.scoring_model.version) == (1, 2)
    model = second.scoring_model
    assert (model.concern_threshold, model.context_weight) == (4, 2)
    assert {"code": "crime", "level": "individual"}.items() <= next(
        i for i in model.indicators if (i["code"], i["level"]) == ("crime", "individual")
    ).items()
    a = rows(second)[p.council_child.pk]
    assert (a.score, a.individual_score) == (17, 10)
    assert a.contributions[0]["weight"] == 4
    assert full_run().scoring_model.version == 2  # unchanged definitions: same version


def test_lead_professionals_are_told_when_the_suggested_tier_changes(city):
    p = city
    caseworker = p.users["caseworker"]
    full_run()
    notes = list(Notification.objects.filter(user=caseworker))
    assert len(notes) == 1
    assert "from no tier to most vulnerable" in notes[0].message
    assert p.council_child.given_name in notes[0].message
    assert notes[0].link == f"/cohort/children/{p.council_child.pk}/why/"
    full_run()
    assert Notification.objects.filter(user=caseworker).count() == 1, "no change, no notification"
    Observation.objects.filter(child=p.council_child).delete()
    ChronologyEvent.objects.filter(child=p.council_child).delete()
    run = full_run()
    note = Notification.objects.filter(user=caseworker).order_by("-id").first()
    assert "from most vulnerable to cause for concern" in note.message  # 5 family + 2 context
    assert run.changes == 1
    ContextLink.objects.filter(child=p.council_child).delete()
    FamilyFact.objects.all().delete()
    ChronologyEvent.objects.filter(family=p.family).delete()
    Observation.objects.filter(family=p.family).delete()
    run = full_run()
    dropped = rows(run)[p.council_child.pk]  # a zero row records the drop, as an incremental run does
    assert (dropped.score, dropped.tier, dropped.previous_tier, dropped.contributions) == (
        0,
        "",
        "cause_for_concern",
        [],
    )
    assert run.children_scored == sum(1 for row in rows(run).values() if row.score > 0)
    note = Notification.objects.filter(user=caseworker).order_by("-id").first()
    assert "from cause for concern to no tier" in note.message
    assert run.changes == 2  # council_child and voluntary_child (whose score came from the family and the hotspot)


def test_old_runs_rows_are_pruned_but_runs_kept(city):
    made = [full_run() for _ in range(runs.KEEP_FULL_RUNS + 2)]
    with_rows = set(Suggestion.objects.values_list("run_id", flat=True))
    assert with_rows == {run.pk for run in made[-runs.KEEP_FULL_RUNS :]}
    assert CohortRun.objects.count() == len(made)


def test_pruning_keeps_the_rows_panel_decisions_point_at(city):
    first = full_run()
    decided = Suggestion.objects.filter(run=first).exclude(tier="").order_by("child_id").first()
    decision = TierDecision.objects.create(
        child_id=decided.child_id,
        outcome="confirm",
        proposed_tier=decided.tier,
        tier=decided.tier,
        suggestion=decided,
        reason="Agreed at panel",
        decided_by=city.users["caseworker"],
    )
    later = [full_run() for _ in range(runs.KEEP_FULL_RUNS)]
    # the first run's rows are gone but the decided one, with its id, parts and explanation
    assert list(Suggestion.objects.filter(run=first)) == [decided]
    kept = Suggestion.objects.get(pk=decision.suggestion_id)
    assert (kept.score, kept.tier, kept.indicator_entries, kept.context_entries) == (
        decided.score,
        decided.tier,
        decided.indicator_entries,
        decided.context_entries,
    )
    assert set(Suggestion.objects.values_list("run_id", flat=True)) == {first.pk, *(run.pk for run in later)}
    if connection.vendor == "postgresql":
        # each kept run has a partition of its own; the first run's was dropped whole, its decided row
        # moved to the default partition
        assert scoring.partitioned_runs() == {run.pk for run in later}
        assert scoring.runs_in_default_partition() == {first.pk}
    full_run()  # pruning again leaves the decided row where it is
    assert Suggestion.objects.filter(run=first).count() == 1


def test_a_busy_guard_skips_the_run(city):
    if connection.vendor == "postgresql":
        pytest.skip("the PostgreSQL guard is an advisory lock; tests/test_cohort_worker.py covers it")
    other = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False)
    assert runs._sqlite_acquire(other)
    run = full_run()
    assert run.status == RunStatus.SKIPPED and "Another recalculation" in run.error
    assert not Suggestion.objects.exists()
    runs._sqlite_release(other)
    assert full_run().status == RunStatus.PUBLISHED


def test_requesting_a_run_goes_through_the_outbox_and_the_task(city, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # run the task in-process, with or without REDIS_URL
    from jobs.models import OutboxMessage

    with django_capture_on_commit_callbacks(execute=True):
        run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D)
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args) == ("cohorts.recalculate", [run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED and message.sent_at is not None


def test_nightly_task_runs_the_whole_city_as_of_today(city):
    from cohorts.task_runs import nightly_recalculation

    assert nightly_recalculation() == RunStatus.PUBLISHED
    run = CohortRun.objects.get()
    assert (run.kind, run.trigger, run.as_of) == (RunKind.FULL, RunTrigger.NIGHTLY, date.today())
    # Delivered again (its worker died after publishing, before acknowledging): the same run, not a second.
    assert nightly_recalculation() == RunStatus.PUBLISHED
    assert CohortRun.objects.get().attempts == 1


def test_demo_cohort_loads_once_and_publishes_a_run(partnership):
    from cases.services.children import child_reference
    from demo.cohorts import load_demo_cohort
    from tests.factories import ChildFactory

    for _ in range(3):
        child = ChildFactory()
        Child.objects.filter(pk=child.pk).update(reference=child_reference(child.pk))  # as the demo's are
    added = load_demo_cohort()
    assert added > 0
    run = CohortRun.objects.current_full()
    assert run is not None and run.status == RunStatus.PUBLISHED
    assert Suggestion.objects.filter(run=run).exists()
    assert load_demo_cohort() == 0

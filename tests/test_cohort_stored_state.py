"""The stored current suggestions (issue 14, item 6): what publication keeps equals what
`Suggestion.objects.current()` recomputes, after full and incremental runs, after a run is
superseded and with suggestions switched off; the cohort pages read it within the access policy."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from cases.models import ChronologyEvent
from cohorts.models import CohortRun, CohortSettings, CurrentSuggestion, RunKind, RunStatus, RunTrigger, Suggestion
from cohorts.services import runs
from cohorts.views import decisions as cohort_views
from tests.test_cohort_scoring import D, city, cohort_defaults, days, full_run  # noqa: F401 -- fixtures

from .test_cohort_decisions import publish


def recomputed() -> set[tuple[int, int, int, int, str]]:
    return {
        (s.child_id, s.pk, s.score, s.individual_score + s.family_score, s.tier) for s in Suggestion.objects.current()
    }


def stored() -> set[tuple[int, int, int, int, str]]:
    return set(
        CurrentSuggestion.objects.values_list("child_id", "suggestion_id", "score", "individual_family_score", "tier")
    )


def chain_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for suggestion in Suggestion.objects.current().filter(score__gt=0):
        key = suggestion.tier or "below_threshold"
        counts[key] = counts.get(key, 0) + 1
    return counts


def assert_stored_equals_recomputed() -> None:
    assert stored() == recomputed()
    assert CohortRun.objects.current_counts() == chain_counts()
    assert set(Suggestion.objects.stored_current()) == set(Suggestion.objects.current())


def incremental(child_ids) -> CohortRun:
    run = runs.request_run(
        kind=RunKind.INCREMENTAL, trigger=RunTrigger.FEED, as_of=D, child_ids=child_ids, enqueue=False
    )
    return runs.execute_run(run.pk)


def test_stored_state_equals_the_recomputed_one_through_full_incremental_and_superseded_runs(city):  # noqa: F811 -- the fixture
    p = city
    assert stored() == set() and CohortRun.objects.current_counts() == {}
    first = full_run()
    assert stored() and first.current_counts == first.counts
    assert_stored_equals_recomputed()
    # Incremental runs on top: a child rescored higher, one that no longer scores (a zero row).
    p.data.obs("exploitation_concern", days(2), child=p.voluntary_child)
    ChronologyEvent.objects.filter(context__in=p.harm_contexts).delete()
    second = incremental([p.voluntary_child.pk, p.mentee.pk])
    assert second.status == RunStatus.PUBLISHED and second.base_run_id == first.pk
    assert_stored_equals_recomputed()
    assert CurrentSuggestion.objects.get(child=p.mentee).score == 0
    p.data.obs("weapon_offence", days(1), child=p.council_child)
    third = incremental([p.council_child.pk])
    assert_stored_equals_recomputed()
    assert CurrentSuggestion.objects.get(child=p.voluntary_child).suggestion.run_id == second.pk
    assert CurrentSuggestion.objects.get(child=p.council_child).suggestion.run_id == third.pk
    # A new full run supersedes the chain: every stored row is now its own.
    p.data.obs("neet", days(3), child=p.shared_child)
    again = full_run()
    assert CohortRun.objects.current_chain() == [again.pk]
    assert_stored_equals_recomputed()
    assert set(CurrentSuggestion.objects.values_list("suggestion__run_id", flat=True)) == {again.pk}
    # Pruning older runs leaves the stored state alone.
    for _ in range(runs.KEEP_FULL_RUNS):
        full_run()
    assert_stored_equals_recomputed()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are rebuilt on PostgreSQL only")
def test_a_full_runs_publication_keeps_the_stored_states_primary_key_and_score_index(city):  # noqa: F811 -- the fixture
    def indexes() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cohorts_currentsuggestion'")
            return set(cursor.fetchall())

    before = indexes()
    assert {name for name, _definition in before} == {
        "cohorts_currentsuggestion_pkey",
        "current_suggestion_score_idx",
    }
    full_run()
    full_run()  # the second empties a filled table, drops its indexes and builds them again
    assert indexes() == before
    assert_stored_equals_recomputed()
    row = CurrentSuggestion.objects.first()
    assert row is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        CurrentSuggestion.objects.create(child_id=row.child_id, suggestion_id=row.suggestion_id, score=1, tier="")


def test_suggestions_switched_off_empty_the_stored_state(city):  # noqa: F811 -- the fixture
    full_run()
    settings = CohortSettings.load()
    settings.suggestions_enabled = False
    settings.save()
    run = full_run()
    assert run.current_counts == {}
    assert stored() == set() == recomputed()
    # An incremental run while switched off writes nothing and changes nothing.
    settings.suggestions_enabled = True
    settings.save()
    full_run()
    before = stored()
    settings.suggestions_enabled = False
    settings.save()
    incremental([city.council_child.pk])
    assert stored() == before == recomputed()


def test_a_failed_run_leaves_the_stored_state_as_it_was(city, monkeypatch):  # noqa: F811 -- the fixture
    full_run()
    before = stored()

    def broken(*args, **kwargs):
        raise RuntimeError("notification failed")

    monkeypatch.setattr(runs, "_notify", broken)
    run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D + timedelta(days=1), enqueue=False)
    with pytest.raises(RuntimeError):
        runs.execute_run(run.pk)
    assert stored() == before == recomputed()


def test_the_migration_fills_the_stored_state_from_published_runs(partnership):
    p = partnership
    base = publish({p.council_child: "most_vulnerable", p.shared_child: "cause_for_concern"})
    publish({p.shared_child: "vulnerable_cohort"}, kind=RunKind.INCREMENTAL, base_run=base)
    expected = stored()
    CurrentSuggestion.objects.all().delete()
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = import_module("cohorts.migrations.0010_current_suggestions")
    migration.fill(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:  # and the parts migration 0014 added
        cursor.execute(import_module("cohorts.migrations.0014_current_suggestion_parts").FILL)
    assert stored() == expected == recomputed()


# The pages ---------------------------------------------------------------------------------------


def test_cohort_home_counts_only_what_the_user_may_see_and_stops_at_the_cap(client_for, partnership, monkeypatch):
    p = partnership
    publish(
        {
            p.council_child: "most_vulnerable",
            p.shared_child: "most_vulnerable",
            p.voluntary_child: "most_vulnerable",
            p.unlinked_child: "vulnerable_cohort",
        }
    )
    url = reverse("cohorts:cohort_home")
    caseworker = client_for("caseworker").get(url).context
    visible = set(
        CurrentSuggestion.objects.visible_to(p.users["caseworker"]).in_tiers().values_list("child_id", flat=True)
    )
    assert visible and p.unlinked_child.pk not in visible
    suggested = {row[1][0]: row[1][2] for row in caseworker["summary_rows"]}
    assert suggested["most_vulnerable"] == len(visible)
    assert caseworker["suggested_partnership"] is False  # a caseworker is not allowed partnership aggregates
    monkeypatch.setattr(cohort_views, "COUNT_CAP", 1)
    capped = client_for("caseworker").get(url)
    rows = {row[1][0]: row[1][2] for row in capped.context["summary_rows"]}
    assert rows["most_vulnerable"] == ("1+" if len(visible) > 1 else 1)
    # A manager (allowed aggregates) sees the partnership's kept counts instead.
    manager = client_for("manager").get(url)
    assert {row[1][0]: row[1][2] for row in manager.context["summary_rows"]} == {
        "most_vulnerable": 3,
        "vulnerable_cohort": 1,
        "cause_for_concern": 0,
    }
    assert "Suggested, whole partnership" in manager.content.decode()


def test_the_suggestions_list_pages_without_counting(client_for, partnership, monkeypatch):
    p = partnership
    monkeypatch.setattr(cohort_views, "PER_PAGE", 1)
    publish({p.council_child: "most_vulnerable", p.shared_child: "cause_for_concern"})
    client = client_for("caseworker")
    url = reverse("cohorts:cohort_home")
    first = client.get(url, {"show": "suggestions"})
    page = first.context["page"]
    assert [row.child_id for row in page] == [p.council_child.pk] and page.has_next()
    assert "Page 1 of many" in first.content.decode()
    second = client.get(url, {"show": "suggestions", "page": 2}).context["page"]
    assert [row.child_id for row in second] == [p.shared_child.pk]
    assert not second.has_next() and second.has_previous()
    # "Next" starts after the last row shown (keyset), not at an offset; the result is the same.
    after = f"{page[0].score}.{p.council_child.pk}"
    assert f"page=2&amp;after={after}" in first.content.decode()
    keyed = client.get(url, {"show": "suggestions", "page": 2, "after": after}).context["page"]
    assert [row.child_id for row in keyed] == [p.shared_child.pk] and keyed.number == 2
    assert client.get(url, {"show": "suggestions", "after": "x.1"}).context["page"][0].child_id == p.council_child.pk
    beyond = client.get(url, {"show": "suggestions", "page": 9})
    assert beyond.status_code == 200 and list(beyond.context["page"]) == []
    assert client.get(url, {"show": "suggestions", "page": "x"}).context["page"].number == 1


def test_the_api_lists_a_city_of_suggestions_in_pages_without_counting_them(partnership, client):
    """A manager may see every young person known only from data: the list is paged with Next and
    Previous links and no total, and the pages together hold each visible suggestion once."""
    from cohorts.defaults import ensure_default_indicators
    from cohorts.models import Observation
    from tests.factories import ChildFactory

    ensure_default_indicators()
    unallocated = ChildFactory.create_batch(55)
    Observation.objects.bulk_create(
        Observation(
            source_system="schools", source_record_id=f"p-{c.pk}", indicator_code="crime", observed_on=D, child=c
        )
        for c in unallocated
    )
    full_run()
    client.force_login(partnership.users["manager"])
    first = client.get(reverse("api:cohort-suggestion-list")).json()
    assert "count" not in first and first["previous"] is None and len(first["results"]) == 50
    second = client.get(first["next"]).json()
    assert second["next"] is None and second["previous"] is not None and len(second["results"]) == 5
    listed = [row["child"] for row in first["results"] + second["results"]]
    assert sorted(listed) == sorted(c.pk for c in unallocated)
    # The caseworker's list holds none of them.
    client.force_login(partnership.users["caseworker"])
    assert not set(row["child"] for row in client.get(reverse("api:cohort-suggestion-list")).json()["results"]) & set(
        listed
    )

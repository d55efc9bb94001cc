"""Migration 0007 converts stored explanations to the compact rows without changing what they say."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cohorts.defaults import ensure_default_indicators
from cohorts.models import Suggestion

BEFORE = [("cohorts", "0006_feed_recovery_and_withdrawals")]
AFTER = [("cohorts", "0007_compact_explanations")]
INDICATORS = [
    {"code": "crime", "level": "family", "label": "Crime", "domain": "crime", "weight": 3, "window_days": 365},
    {"code": "crime", "level": "individual", "label": "Crime", "domain": "crime", "weight": 3, "window_days": 365},
    {"code": "neet", "level": "individual", "label": "NEET", "domain": "education", "weight": 2, "window_days": 365},
]
OLD_EXPLANATION = [
    {"code": "crime", "level": "individual", "weight": 3, "count": 2, "last_observed_on": "2026-10-20"},
    {"code": "neet", "level": "individual", "weight": 2, "count": 1, "last_observed_on": "2026-06-01"},
    {"code": "crime", "level": "family", "weight": 3, "count": 4, "last_observed_on": "2026-11-01"},
    {"context_id": 77, "reason": "harm", "weight": 2},
    {"context_id": 81, "reason": "other_children", "weight": 2},
]


@pytest.mark.django_db(transaction=True)
def test_old_explanations_are_converted_and_read_back_the_same():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    model = old.get_model("cohorts", "ScoringModel").objects.create(
        version=900,
        most_vulnerable_threshold=12,
        vulnerable_threshold=8,
        concern_threshold=4,
        context_weight=2,
        indicators=INDICATORS,
    )
    run = old.get_model("cohorts", "CohortRun").objects.create(
        kind="full", trigger="manual", status="published", as_of=date(2026, 11, 1), scoring_model=model
    )
    old.get_model("cohorts", "Suggestion").objects.create(
        run=run, child_id=4242, score=12, individual_score=5, family_score=3, context_score=4,
        tier="most_vulnerable", contributions=OLD_EXPLANATION,
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ensure_default_indicators()  # the flush before this test removed what migration 0002 loads

    converted = Suggestion.objects.select_related("run__scoring_model").get(run_id=run.pk)
    # slots: individual crime, individual neet, then family crime; days before 1 November 2026
    assert converted.indicator_entries == [[0, 2, 12], [1, 1, 153], [2, 4, 0]]
    assert converted.context_entries == [[77, 2], [81, 1]]
    assert converted.contributions == OLD_EXPLANATION

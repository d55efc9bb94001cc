"""The data feed models moved from the cohorts app to feeds (feeds 0001_initial, cohorts
0009_move_feeds_out, feeds 0002_content_types) without touching their tables: what was written
before the move is read by the feeds models after it, with every relation, and their content types
keep their ids."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import Family
from cohorts.models import CohortRun, Observation
from feeds.models import FeedImport, FeedRow, Household, MatchReview
from tests.factories import AgencyFactory, ChildFactory, UserFactory

BEFORE_THE_MOVE = [("cohorts", "0007_compact_explanations"), ("feeds", None)]


@pytest.mark.django_db(transaction=True)
def test_feeds_written_before_the_move_are_read_after_it():
    user, agency, child = UserFactory(), AgencyFactory(), ChildFactory()
    family = Family.objects.create(reference="HH-MOVE-1", name="Moved household", postcode="RV1 1AA")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state([BEFORE_THE_MOVE[0]]).apps
    with pytest.raises(LookupError):
        old.get_model("feeds", "FeedImport")
    feed = old.get_model("cohorts", "FeedImport").objects.create(
        file="feeds/moved.csv",
        original_name="moved.csv",
        size_bytes=10,
        sha256="m" * 64,
        uploaded_by_id=user.pk,
        agency_id=agency.pk,
        status="applied",
    )
    row = old.get_model("cohorts", "FeedRow").objects.create(
        feed=feed, line_number=2, given_name="Moved", status="in_review", child_id=child.pk
    )
    old.get_model("cohorts", "Household").objects.create(
        source_system="schools", household_ref="H1", family_id=family.pk
    )
    review = old.get_model("cohorts", "MatchReview").objects.create(
        feed=feed, candidate_id=child.pk, reason="Moved", given_name="Moved", family_name="Person",
        date_of_birth=date(2012, 5, 1),
    )  # fmt: skip
    review.rows.add(row)
    observation = old.get_model("cohorts", "Observation").objects.create(
        source_system="schools", source_record_id="m-1", indicator_code="crime", observed_on=date(2026, 1, 5),
        child_id=child.pk, feed=feed,
    )  # fmt: skip
    model = old.get_model("cohorts", "ScoringModel").objects.create(
        version=901, most_vulnerable_threshold=12, vulnerable_threshold=8, concern_threshold=4, context_weight=2
    )
    run = old.get_model("cohorts", "CohortRun").objects.create(
        kind="incremental", trigger="feed", as_of=date(2026, 1, 6), scoring_model=model, feed=feed
    )
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="cohorts", model="feedimport"
    )[0]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = FeedImport.objects.get(pk=feed.pk)
    assert (moved.original_name, moved.uploaded_by, moved.agency) == ("moved.csv", user, agency)
    assert list(moved.rows.all()) == [FeedRow.objects.get(pk=row.pk)]
    assert FeedRow.objects.get(pk=row.pk).child == child
    resolved = MatchReview.objects.get(pk=review.pk)
    assert (resolved.feed, resolved.candidate, list(resolved.rows.values_list("pk", flat=True))) == (
        moved,
        child,
        [row.pk],
    )
    assert list(moved.reviews.all()) == [resolved]
    assert Household.objects.get().family == family
    assert Observation.objects.get(pk=observation.pk).feed == moved
    assert CohortRun.objects.get(pk=run.pk).feed == moved
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(FeedImport).pk == content_type.pk
    assert not ContentType.objects.filter(app_label="cohorts", model="feedimport").exists()

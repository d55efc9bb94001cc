"""Data feeds: upload checks, row validation, the error report, the uploader's decision, idempotent
re-imports, progress, households, and the recalculation an import leads to."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from cases.models import Adult, Child, Family, FamilyMember
from cohorts.models import CohortRun, Observation, RunStatus, Suggestion
from feeds import services
from feeds.models import FeedImport, FeedRow, FeedStatus, Household, RowStatus
from jobs.models import OutboxMessage
from tests.factories import ChildFactory
from tests.feeds_helpers import days_ago, feed_csv, media, row, upload  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(partnership):
    return partnership.users["manager"]


@pytest.fixture
def run_feed(django_capture_on_commit_callbacks, manager, media):  # noqa: F811
    def run(content: bytes, name: str = "feed.csv") -> FeedImport:
        with django_capture_on_commit_callbacks(execute=True):
            feed = services.upload_feed(manager, upload(content, name))
        feed.refresh_from_db()
        return feed

    return run


def refused(manager, content: bytes, name: str = "feed.csv") -> str:
    with pytest.raises(ValidationError) as caught:
        services.upload_feed(manager, upload(content, name))
    assert not FeedImport.objects.exists() and not OutboxMessage.objects.exists(), "nothing saved"
    return caught.value.message_dict["file"][0]


# The file as a whole ----------------------------------------------------------------------------


def test_a_wrong_header_names_the_missing_and_unexpected_columns(manager, media):  # noqa: F811
    header = ("source_system", "record_id", "given_name", "family_name", "date_of_birth")
    message = refused(manager, feed_csv([], header=header))
    assert message == (
        "The first line of the file must name the columns: missing source_record_id, postcode, household_ref, "
        "upn, nhs_number, police_id, indicator_code, observed_on, note; unexpected record_id"
    )


def test_columns_in_another_order_are_refused(manager, media):  # noqa: F811
    from feeds.models import FEED_HEADER

    header = (FEED_HEADER[1], FEED_HEADER[0], *FEED_HEADER[2:])
    assert refused(manager, feed_csv([], header=header)).startswith("The columns must be in this order: source_system,")


def test_a_zero_byte_file_is_refused(manager, media):  # noqa: F811
    assert refused(manager, b"") == "The selected file is empty"


def test_a_file_that_is_not_a_csv_is_refused(manager, media):  # noqa: F811
    assert refused(manager, feed_csv([]), "feed.xlsx") == "The selected file must be a CSV"
    assert refused(manager, b"PK\x03\x04\x00\x00binary") == "The selected file must be a CSV: it contains binary data"
    assert (
        refused(manager, "source_system,café".encode("latin-1"))
        == "The selected file must be a CSV saved as UTF-8 text"
    )


def test_a_file_over_the_size_limit_is_refused(manager, media, settings):  # noqa: F811
    settings.FEED_MAX_BYTES = 100
    assert refused(manager, feed_csv([row("r-1")] * 3)) == "The selected file must be smaller than 9.53674e-05 MB"


def test_only_managers_upload(partnership, media):  # noqa: F811
    with pytest.raises(PermissionDenied):
        services.upload_feed(partnership.users["caseworker"], upload(feed_csv([])))


def test_a_byte_order_mark_is_allowed_and_the_upload_is_audited(run_feed, partnership, manager):
    feed = run_feed(feed_csv([row("r-1", partnership.council_child)], bom=True))
    assert feed.status == FeedStatus.APPLIED and feed.rows_applied == 1
    event = (
        AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="feeds.feedimport", user=manager)
        .order_by("id")
        .first()
    )
    assert event.detail["sha256"] == feed.sha256


def test_a_second_upload_of_the_same_file_is_refused_with_when_and_by_whom(run_feed, manager, partnership):
    content = feed_csv([row("r-1", partnership.council_child)])
    first = run_feed(content, "monday.csv")
    with pytest.raises(services.DuplicateFeed) as caught:
        services.upload_feed(manager, upload(content, "tuesday.csv"))
    when = timezone.localtime(first.created_at).strftime("%-d %B %Y at %H:%M")
    name = manager.get_full_name()
    assert caught.value.message_dict["file"] == [f"This file was already uploaded on {when} by {name}"]
    assert caught.value.existing == first
    assert FeedImport.objects.count() == 1


# Rows with errors ---------------------------------------------------------------------------------

BAD_ROWS = [
    ("unknown code", {"indicator_code": "vibes"}, "indicator_code: 'vibes' is not an indicator code in use"),
    (
        "bad date",
        {"observed_on": "31/02/2026"},
        "observed_on: '31/02/2026' is not a date; use YYYY-MM-DD, like 2026-03-27",
    ),
    ("future date", {"observed_on": (timezone.localdate() + timedelta(days=3)).isoformat()}, "is in the future"),
    ("blank name", {"given_name": " "}, "given_name: must not be blank"),
    ("bad upn", {"upn": "123"}, "upn: Enter a unique pupil number of 13 characters, like A123456789012"),
    ("bad nhs", {"nhs_number": "9434765918"}, "nhs_number: Enter a real NHS number: the check digit is wrong"),
    ("too old", {"date_of_birth": "1899-12-31"}, "date_of_birth: must be on or after 1900-01-01"),
    ("too long", {"postcode": "X" * 11}, "postcode: longer than 10 characters"),
    ("before birth", {"observed_on": "2000-01-01"}, "observed_on: is before the date of birth"),
]


@pytest.fixture
def feed_with_errors(run_feed, partnership):
    child = partnership.council_child
    rows = [row("good-1", child), row("good-2", child, indicator_code="neet")]
    rows += [row(f"bad-{n}", child, **values) for n, (_name, values, _message) in enumerate(BAD_ROWS)]
    rows.append(row("good-1", child, indicator_code="crime"))  # the same record id again
    return run_feed(feed_csv(rows))


def test_a_file_with_row_errors_applies_nothing_and_waits_for_a_decision(feed_with_errors):
    feed = feed_with_errors
    assert feed.status == FeedStatus.NEEDS_DECISION
    assert (feed.rows_total, feed.rows_valid, feed.rows_invalid, feed.rows_done) == (12, 2, 10, 12)
    assert not Observation.objects.exists() and not CohortRun.objects.exists()
    assert FeedRow.objects.filter(feed=feed).count() == 12


def test_the_error_report_names_each_line_and_column(feed_with_errors, client_for):
    response = client_for("manager").get(f"/cohort/feeds/{feed_with_errors.pk}/errors.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    report = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert report[0][0] == "line" and report[0][-1] == "errors"
    by_line = {int(line[0]): line for line in report[1:]}
    assert sorted(by_line) == list(range(4, 14))
    for n, (_name, _values, message) in enumerate(BAD_ROWS):
        assert message in by_line[4 + n][-1]
    assert by_line[13][-1] == "source_record_id: 'good-1' appears more than once in the file (first on line 2)"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_error_report_cells_cannot_run_as_formulas(run_feed, client_for, partnership):
    feed = run_feed(feed_csv([row("r-1", partnership.council_child, note="=HYPERLINK(1)", indicator_code="@x")]))
    response = client_for("manager").get(f"/cohort/feeds/{feed.pk}/errors.csv")
    line = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))[1]
    assert "'=HYPERLINK(1)" in line and "'@x" in line


def test_applying_the_valid_rows_applies_exactly_those(
    feed_with_errors, manager, partnership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.choose_apply_valid(manager, feed_with_errors)
    feed = FeedImport.objects.get()
    assert feed.status == FeedStatus.APPLIED and feed.apply_valid_rows
    assert sorted(Observation.objects.values_list("source_record_id", flat=True)) == ["good-1", "good-2"]
    assert set(Observation.objects.values_list("child", flat=True)) == {partnership.council_child.pk}
    # The rows with errors stay staged for the error report; applied rows are the observations.
    assert set(FeedRow.objects.values_list("status", flat=True)) == {RowStatus.INVALID}
    assert FeedRow.objects.filter(status=RowStatus.INVALID).count() == 10
    assert feed.rows_applied == 2


def test_not_applying_the_file_rejects_it_and_it_may_be_uploaded_again(feed_with_errors, manager, run_feed):
    services.reject_feed(manager, feed_with_errors)
    feed = FeedImport.objects.get()
    assert feed.status == FeedStatus.REJECTED and not Observation.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.choose_apply_valid(manager, feed)
    assert refused.value.messages == ["This file is not waiting for a decision."]
    again = run_feed(feed.file.open("rb").read(), "again.csv")
    assert again.status == FeedStatus.NEEDS_DECISION


# Idempotency, progress, households --------------------------------------------------------------


def test_re_importing_the_same_rows_changes_nothing(run_feed, partnership):
    child = partnership.council_child
    rows = [row("r-1", child), row("r-2", child, indicator_code="crime", household_ref="F1", postcode="RV1 1AA")]
    run_feed(feed_csv(rows), "one.csv")
    counts = (Observation.objects.count(), Child.objects.count(), Adult.objects.count(), FamilyMember.objects.count())
    second = run_feed(feed_csv([*rows, row("r-1", child, note="changed note")][:2]) + b"\n", "two.csv")
    assert second.status == FeedStatus.APPLIED
    assert (second.rows_already_known, second.rows_applied, second.people_created) == (2, 0, 0)
    assert counts == (
        Observation.objects.count(),
        Child.objects.count(),
        Adult.objects.count(),
        FamilyMember.objects.count(),
    )
    assert not FeedRow.objects.filter(feed=second).exists()  # nothing for the uploader to act on


def test_progress_fields_record_the_whole_import(run_feed, partnership):
    feed = run_feed(feed_csv([row(f"r-{n}", partnership.council_child) for n in range(5)]))
    assert feed.status == FeedStatus.APPLIED
    assert (feed.rows_total, feed.rows_done, feed.rows_valid, feed.rows_invalid, feed.rows_applied) == (5, 5, 5, 0, 5)
    assert (feed.people_matched, feed.people_created) == (1, 0)
    assert feed.finished_at is not None and feed.duration_ms is not None


def test_a_household_links_adults_and_children_so_family_indicators_reach_the_children(run_feed):
    feed = run_feed(
        feed_csv(
            [
                row(
                    "h-1",
                    given_name="Mara",
                    family_name="Lind",
                    date_of_birth="1985-02-02",
                    postcode="RV3 3CC",
                    household_ref="HH-9",
                    indicator_code="domestic_abuse",
                    observed_on=days_ago(5),
                ),
                row(
                    "h-2",
                    given_name="Mara",
                    family_name="Lind",
                    date_of_birth="1985-02-02",
                    postcode="RV3 3CC",
                    household_ref="HH-9",
                    indicator_code="crime",
                    observed_on=days_ago(6),
                ),
                row(
                    "h-3",
                    given_name="Tove",
                    family_name="Lind",
                    date_of_birth="2014-07-07",
                    postcode="RV3 3CC",
                    household_ref="HH-9",
                    indicator_code="school_attendance",
                    observed_on=days_ago(7),
                ),
            ]
        )
    )
    family = Household.objects.get(household_ref="HH-9").family
    tove = Child.objects.get(given_name="Tove", family_name="Lind")
    assert set(FamilyMember.objects.filter(family=family).values_list("child", "adult__given_name")) == {
        (tove.pk, None),
        (None, "Mara"),
    }
    assert Observation.objects.filter(adult__isnull=False, family=family).count() == 2
    # The import's audit record counts what it made.
    events = AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="feeds.feedimport", object_id=str(feed.pk)
    )
    (made,) = [event for event in events if "families_created" in event.detail]
    assert {key: made.detail[key] for key in ("children_created", "adults_created", "families_created")} == {
        "children_created": 1,
        "adults_created": 1,
        "families_created": 1,
    }
    run = CohortRun.objects.get(feed=feed)
    assert run.status == RunStatus.PUBLISHED
    suggestion = Suggestion.objects.current().get(child=tove)
    # domestic_abuse (family 3) + crime (family 2) + school_attendance (individual 2)
    assert (suggestion.individual_score, suggestion.family_score, suggestion.score) == (2, 5, 7)


def test_households_already_known_to_two_systems_are_found_and_no_family_is_made(run_feed):
    housing = Family.objects.create(reference="F-HOUSING", name="Lind household")
    schools = Family.objects.create(reference="F-SCHOOLS", name="Nowak household")
    Household.objects.create(source_system="housing", household_ref="H-9", family=housing)
    Household.objects.create(source_system="schools", household_ref="S-9", family=schools)
    families = Family.objects.count()
    person = {"date_of_birth": "2014-07-07", "postcode": "RV3 3CC", "indicator_code": "school_attendance"}
    feed = run_feed(
        feed_csv(
            [
                row(
                    "k-1", given_name="Tove", family_name="Lind", source_system="housing", household_ref="H-9", **person
                ),
                row(
                    "k-2", given_name="Ola", family_name="Nowak", source_system="schools", household_ref="S-9", **person
                ),
            ]
        )
    )
    assert feed.status == FeedStatus.APPLIED and feed.rows_applied == 2
    assert Family.objects.count() == families and Household.objects.count() == 2
    assert Observation.objects.get(source_record_id="k-1").family == housing
    assert Observation.objects.get(source_record_id="k-2").family == schools
    members = FamilyMember.objects.filter(family__in=[housing, schools]).values_list(
        "family__reference", "child__given_name"
    )
    assert set(members) == {("F-HOUSING", "Tove"), ("F-SCHOOLS", "Ola")}


def test_a_clean_upload_leads_to_a_published_run_with_a_suggestion_for_the_matched_child(run_feed, partnership):
    child = partnership.council_child
    feed = run_feed(
        feed_csv(
            [row("c-1", child, indicator_code="weapon_offence"), row("c-2", child, indicator_code="missing_episode")]
        )
    )
    run = CohortRun.objects.get(feed=feed)
    assert run.status == RunStatus.PUBLISHED and run.trigger == "feed"
    suggestion = Suggestion.objects.current().get(child=child)
    assert suggestion.individual_score == 9 and suggestion.tier == "vulnerable_cohort"


def test_a_second_feed_asks_for_an_incremental_run_of_the_affected_children(run_feed, partnership):
    Child.objects.filter(pk=partnership.shared_child.pk).update(upn="D123456789012")
    partnership.shared_child.refresh_from_db()
    run_feed(feed_csv([row("c-1", partnership.council_child)]), "one.csv")
    feed = run_feed(feed_csv([row("c-2", partnership.shared_child)]), "two.csv")
    run = CohortRun.objects.get(feed=feed)
    assert run.kind == "incremental" and run.child_ids == [partnership.shared_child.pk]


def test_the_documented_sample_feed_imports_cleanly(run_feed):
    from pathlib import Path

    sample = Path(__file__).resolve().parent.parent / "docs" / "sample-feed.csv"
    feed = run_feed(sample.read_bytes(), "sample-feed.csv")
    assert feed.status == FeedStatus.APPLIED and feed.rows_invalid == 0
    assert (feed.rows_applied, feed.people_created) == (6, 3)
    family = Household.objects.get(source_system="housing-options", household_ref="HSG-1187").family
    assert FamilyMember.objects.filter(family=family).count() == 2
    # Gender and ethnicity as sent, in common spellings, mapped to the codes.
    # By whole name: the partnership's own children have Faker first names, Harriet among them.
    harriet = Child.objects.get(given_name="Harriet", family_name="Flynn")
    marilyn = Child.objects.get(given_name="Marilyn", family_name="Taylor")
    assert (harriet.gender, harriet.ethnicity) == ("female", "white_british")
    assert (marilyn.gender, marilyn.ethnicity) == ("female", "black_caribbean")


def test_rows_imported_before_change_nothing_when_the_file_also_has_new_rows(run_feed, partnership):
    child = partnership.council_child
    run_feed(feed_csv([row("r-1", child, household_ref="F1", postcode="RV1 1AA")]), "one.csv")
    households = set(Household.objects.values_list("household_ref", flat=True))
    # r-1 again, now naming another household: it was imported before, so it is skipped whole.
    second = run_feed(
        feed_csv([row("r-1", child, household_ref="F2", postcode="RV1 1AA"), row("r-5", child, indicator_code="neet")]),
        "two.csv",
    )
    assert second.status == FeedStatus.APPLIED
    assert (second.rows_already_known, second.rows_applied) == (1, 1)
    assert set(Household.objects.values_list("household_ref", flat=True)) == households == {"F1"}
    assert Observation.objects.filter(child=child, source_record_id="r-5", indicator_code="neet").exists()


def test_the_apply_reports_where_creating_people_took_its_time(manager, partnership, media):  # noqa: F811
    """bench_first_load prints these (benchmarks/README.md): the seconds since creating people began
    at the end of each of its steps, so each is at least the one before and all within the job."""
    rows = [
        row("w-1", partnership.council_child, household_ref="H-W"),
        row("w-2", given_name="Dora", family_name="Nowak", date_of_birth="1980-03-03", household_ref="H-W"),
        row("w-3", given_name="Zofia", family_name="Nowak", date_of_birth="2013-01-02", household_ref="H-W"),
    ]
    feed = services.upload_feed(manager, upload(feed_csv(rows)))
    timings: dict[str, float] = {}
    assert services.import_feed(feed.pk, timings=timings).status == FeedStatus.APPLIED
    feed.refresh_from_db()
    steps = [timings[f"people_{step}"] for step in ("families", "children", "adults", "links")]
    assert 0 <= steps[0] <= steps[1] <= steps[2] <= steps[3] <= feed.duration_ms / 1000 + 0.001


def test_the_task_reports_the_final_state_and_the_duration_covers_audit_and_commit(manager, partnership, media):  # noqa: F811
    from feeds.tasks import import_feed as import_task

    feed = services.upload_feed(manager, upload(feed_csv([row("t-1", partnership.council_child)])))
    timings: dict[str, float] = {}
    assert services.import_feed(feed.pk, timings=timings).status == FeedStatus.APPLIED
    feed.refresh_from_db()
    assert feed.status == FeedStatus.APPLIED
    # The figures the job kept were measured after its audit rows and its commit.
    assert {"audit", "commit"} <= timings.keys()
    assert feed.duration_ms >= int((timings["audit"] + timings["commit"]) * 1000)
    again = services.upload_feed(manager, upload(feed_csv([row("t-2", partnership.council_child)]), "two.csv"))
    assert import_task.apply(args=[again.pk]).get() == "applied"
    assert import_task.apply(args=[again.pk]).get() == "skipped"  # claimed once


def test_a_file_written_in_several_copies_keeps_every_row_once(run_feed, monkeypatch):
    """PostgreSQL writes new records and observations with COPY, COPY_CHUNK rows at a time (100,000 in
    a city's file); lowered to 2, five new young people in their households, with seven observations,
    take several copies each, and every record must arrive whole and once. SQLite writes them its own
    way: the same records."""
    from feeds.services import applying

    monkeypatch.setattr(applying, "COPY_CHUNK", 2)
    rows = [
        row(
            f"chunk-{n}",
            given_name=f"Robin{'x' * n}",
            family_name=f"Chunkfield{n}",
            date_of_birth=f"2012-03-0{n + 1}",
            postcode=f"RV{n} 1AA",
            household_ref=f"HH-CHUNK-{n}",
            note=f"line one\nline two of {n}",
        )
        for n in range(5)
    ]
    rows += [{**rows[0], "source_record_id": f"chunk-0-{extra}", "indicator_code": "neet"} for extra in (1, 2)]
    feed = run_feed(feed_csv(rows))
    assert feed.status == FeedStatus.APPLIED and feed.rows_applied == 7
    children = {child.family_name: child for child in Child.objects.filter(family_name__startswith="Chunkfield")}
    assert sorted(children) == [f"Chunkfield{n}" for n in range(5)]
    assert [children[f"Chunkfield{n}"].given_name for n in range(5)] == [f"Robin{'x' * n}" for n in range(5)]
    observed = sorted(Observation.objects.values_list("source_record_id", "child__family_name", "note"))
    assert observed == sorted(
        [(f"chunk-{n}", f"Chunkfield{n}", f"line one\nline two of {n}") for n in range(5)]
        + [(f"chunk-0-{extra}", "Chunkfield0", "line one\nline two of 0") for extra in (1, 2)]
    )
    households = Household.objects.filter(household_ref__startswith="HH-CHUNK-")
    assert households.count() == 5
    members = FamilyMember.objects.filter(family__in=households.values("family"))
    assert sorted(members.values_list("child__family_name", flat=True)) == sorted(children)


def test_an_adults_row_rescores_the_young_people_of_the_adults_household(run_feed):
    """Family indicators count for every young person of the household: a later file with only the
    adult's row asks for the household's young people, each once, not the adult."""

    def member(record: str, given: str, born: str, code: str) -> dict:
        return row(
            record,
            given_name=given,
            family_name="Okonkwo",
            date_of_birth=born,
            postcode="RV5 5EE",
            household_ref="HH-RESCORE",
            indicator_code=code,
        )

    run_feed(
        feed_csv(
            [
                member("a-1", "Ada", "1984-04-04", "crime"),
                member("k-1", "Kemi", "2011-05-05", "school_attendance"),
                member("k-2", "Tobi", "2013-06-06", "school_attendance"),
            ]
        ),
        "first.csv",
    )
    # A young person of another household, so the run cannot be "every young person".
    run_feed(feed_csv([row("o-1", given_name="Lee", family_name="Other", date_of_birth="2012-01-01")]), "other.csv")
    feed = run_feed(feed_csv([member("a-2", "Ada", "1984-04-04", "domestic_abuse")]), "second.csv")
    run = CohortRun.objects.get(feed=feed)
    household = sorted(Child.objects.filter(family_name="Okonkwo").values_list("pk", flat=True))
    assert run.kind == "incremental" and run.child_ids == household and len(household) == 2


def test_an_imports_queries_do_not_grow_with_its_young_people_and_households(run_feed):
    """A few queries whatever the file's size (on SQLite 500 values a query, on PostgreSQL one array):
    never a query a person, a household or a family. Counted in the import job alone: the
    recalculation after it refreshes PostgreSQL's statistics when they are stale, which varies."""
    from celery.signals import task_postrun, task_prerun
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def import_about(count: int, batch: str) -> int:
        families = Family.objects.bulk_create(
            Family(reference=f"F-{batch}-{n}", name="Known household", postcode="RV1 1AA") for n in range(count)
        )
        Household.objects.bulk_create(
            Household(source_system="housing", household_ref=f"H-{batch}-{n}", family=family)
            for n, family in enumerate(families)
        )
        children = [
            ChildFactory(date_of_birth=timezone.localdate() - timedelta(days=4_000 + n), upn=f"{batch[0]}{n:012d}")
            for n in range(count)
        ]
        rows = [
            row(f"{batch}-{n}", child, source_system="housing", household_ref=f"H-{batch}-{n}")
            for n, child in enumerate(children)
        ]
        families_before = Family.objects.count()
        job: dict[str, int] = {}

        def mark(when: str):
            def receiver(sender, **kwargs):
                if sender.name == "cohorts.import_feed":
                    job[when] = len(queries.captured_queries)

            return receiver

        started, ended = mark("start"), mark("end")
        task_prerun.connect(started)
        task_postrun.connect(ended)
        try:
            with CaptureQueriesContext(connection) as queries:
                feed = run_feed(feed_csv(rows), f"{batch}.csv")
        finally:
            task_prerun.disconnect(started)
            task_postrun.disconnect(ended)
        assert (feed.status, feed.rows_applied, feed.people_matched) == (FeedStatus.APPLIED, count, count)
        assert Family.objects.count() == families_before  # every household found, none made
        linked = zip(families, children, strict=True)
        assert all(FamilyMember.objects.filter(family=f, child=c).exists() for f, c in linked)
        return job["end"] - job["start"]

    import_about(1, "warm-up")
    assert import_about(2, "few") == import_about(7, "many")

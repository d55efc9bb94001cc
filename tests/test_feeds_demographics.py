"""Gender and ethnicity in a data feed (docs/feeds.md, "The file"): optional columns mapped to the
coded lists (areas.demographics), an unknown value a row-level error, and 13-column files from
before still accepted.

Like tests/test_feeds_identity.py, every file goes through both import paths: as written (on
PostgreSQL, the fast path) and with a blank line at the end (the generic path)."""

import pytest
from django.core.exceptions import ValidationError

from cases.models import Child
from feeds import services
from feeds.models import FEED_HEADER, HEADER_WITHOUT_DEMOGRAPHICS, FeedRow, FeedStatus
from tests.feeds_helpers import feed_csv, media, row, upload  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["as_sent", "with_blank_line"])
def run_feed(request, django_capture_on_commit_callbacks, partnership, media):  # noqa: F811
    blank = request.param == "with_blank_line"

    def run(rows, header=FEED_HEADER):
        content = feed_csv(rows, header=header) + (b"\n" if blank else b"")
        with django_capture_on_commit_callbacks(execute=True):
            feed = services.upload_feed(partnership.users["manager"], upload(content))
        feed.refresh_from_db()
        return feed

    return run


def person(record_id, given, born="2012-04-05", **values):
    values.setdefault("postcode", "RV9 9ZZ")
    return row(record_id, given_name=given, family_name="Demo", date_of_birth=born, **values)


def child(given):
    return Child.objects.get(given_name=given, family_name="Demo")


def test_new_children_get_the_codes_of_common_spellings(run_feed):
    feed = run_feed(
        [
            person("d-1", "Amara", gender="F", ethnicity="WBRI"),
            person("d-2", "Bilal", gender="Male", ethnicity="Asian or Asian British: Pakistani"),
            # A census label as the census words it, and a code.
            person(
                "d-3",
                "Cait",
                gender="non_binary",
                ethnicity="White: English, Welsh, Scottish, Northern Irish or British",
            ),
            person("d-4", "Dara", gender="", ethnicity=""),
            person("d-5", "Eli", gender="Prefer not to say", ethnicity="Unknown"),
            # One of the two given: that one.
            person("d-6", "Fin", gender="m", ethnicity=""),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 6
    found = {
        given: (child(given).gender, child(given).ethnicity)
        for given in ("Amara", "Bilal", "Cait", "Dara", "Eli", "Fin")
    }
    assert found == {
        "Amara": ("female", "white_british"),
        "Bilal": ("male", "asian_pakistani"),
        "Cait": ("non_binary", "white_british"),
        "Dara": ("not_recorded", "not_recorded"),
        "Eli": ("prefers_not_to_say", "not_recorded"),
        "Fin": ("male", "not_recorded"),
    }


def test_the_rows_of_one_person_agree_or_nothing_is_guessed(run_feed):
    feed = run_feed(
        [
            # One row says nothing, the other gives the codes: the codes.
            person("g-1", "Farah", upn="A123456789012"),
            person("g-2", "Farah", upn="A123456789012", gender="f", ethnicity="bafr"),
            # Two rows of one person disagree: not recorded.
            person("g-3", "Gus", police_id="PG1", gender="m", ethnicity="Indian"),
            person("g-4", "Gus", police_id="PG1", gender="f", ethnicity="Indian"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 2
    assert (child("Farah").gender, child("Farah").ethnicity) == ("female", "black_african")
    assert (child("Gus").gender, child("Gus").ethnicity) == ("not_recorded", "asian_indian")


def test_rows_one_identifier_makes_one_new_young_person_give_the_codes_whichever_says_nothing(run_feed):
    """Rows at two postcodes are two people by their details, and the police reference they share
    makes them one new young person: the codes the rows give, whether the row that says nothing comes
    first or last."""
    feed = run_feed(
        [
            person("h-1", "Hana", police_id="PH1", gender="f", ethnicity="bafr"),
            person("h-2", "Hana", police_id="PH1", postcode="RV1 1AA"),
            person("i-1", "Ivo", police_id="PI1", postcode="RV1 1AA"),
            person("i-2", "Ivo", police_id="PI1", gender="m", ethnicity="Indian"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 2
    assert (child("Hana").gender, child("Hana").ethnicity) == ("female", "black_african")
    assert (child("Ivo").gender, child("Ivo").ethnicity) == ("male", "asian_indian")


def test_an_unknown_value_is_an_error_on_its_row_and_nothing_is_applied(run_feed):
    feed = run_feed(
        [
            person("u-1", "Hana", gender="F", ethnicity="WBRI"),
            person("u-2", "Ivo", gender="yes", ethnicity="Other"),
        ]
    )
    assert feed.status == FeedStatus.NEEDS_DECISION and feed.rows_invalid == 1
    assert not Child.objects.filter(family_name="Demo").exists()
    errors = FeedRow.objects.get(feed=feed, source_record_id="u-2").errors.splitlines()
    assert errors == [
        "gender: 'yes' is not a gender we can record; use one of female, male, non_binary, not_recorded, "
        "prefers_not_to_say, or leave it blank",
        "ethnicity: 'Other' is not an ethnicity we can record; use an ONS 2021 census category (for example "
        "white_british, or White: Irish), or leave it blank",
    ]
    assert FeedRow.objects.get(feed=feed, source_record_id="u-1").errors == ""


def test_a_file_without_the_two_columns_is_still_accepted(run_feed):
    feed = run_feed([person("o-1", "Jude")], header=HEADER_WITHOUT_DEMOGRAPHICS)
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 1
    assert (child("Jude").gender, child("Jude").ethnicity) == ("not_recorded", "not_recorded")


def test_a_13_column_file_with_a_15_value_line_reports_the_line(
    partnership,
    django_capture_on_commit_callbacks,
    media,  # noqa: F811
):
    wide = person("w-2", "Ned", gender="F", ethnicity="WBRI")
    text = feed_csv([person("w-1", "Max")], header=HEADER_WITHOUT_DEMOGRAPHICS) + (
        ",".join(wide.get(column, "") for column in FEED_HEADER).encode() + b"\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        feed = services.upload_feed(partnership.users["manager"], upload(text))
    feed.refresh_from_db()
    assert feed.status == FeedStatus.NEEDS_DECISION and feed.rows_invalid == 1
    assert FeedRow.objects.get(feed=feed, line_number=3).errors == "The line has 15 values but the header has 13"


def test_gender_without_ethnicity_in_the_header_is_refused(partnership, media):  # noqa: F811
    header = (*HEADER_WITHOUT_DEMOGRAPHICS, "gender")
    with pytest.raises(ValidationError) as caught:
        services.upload_feed(partnership.users["manager"], upload(feed_csv([], header=header)))
    assert caught.value.message_dict["file"] == ["The first line of the file must name the columns: missing ethnicity"]

"""Adults' uncertain matches go to the review queue as children's do (issue 14, docs/feeds.md
"Adults"): an identifier with a consistent date of birth decides, a conflict or a near match without
an identifier waits for a person to decide, never silently a new adult, and no identifier is dropped.

The files go through both import paths, as in tests/test_feeds_identity.py: as written (on
PostgreSQL, the fast path) and with a blank line at the end (the generic path)."""

from datetime import date

import pytest

from audit.models import AuditAction, AuditEvent
from cases.models import Adult, Family, FamilyMember
from cohorts.models import Observation
from feeds import services
from feeds.models import FeedRow, FeedStatus, Household, MatchReview, ReviewStatus, RowStatus
from tests.feeds_helpers import feed_csv, media, row, upload  # noqa: F401
from tests.test_feeds_identity import NHS_1, NHS_2, NHS_3

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["as_sent", "with_blank_line"])
def run_feed(request, django_capture_on_commit_callbacks, partnership, media):  # noqa: F811
    blank = request.param == "with_blank_line"

    def run(rows, name="feed.csv"):
        content = feed_csv(rows) + (b"\n" if blank else b"")
        with django_capture_on_commit_callbacks(execute=True):
            feed = services.upload_feed(partnership.users["manager"], upload(content, name))
        feed.refresh_from_db()
        return feed

    return run


def adult_row(record_id, given, family, born, **values):
    values.setdefault("postcode", "RV9 9ZZ")
    values.setdefault("source_system", "health")
    values.setdefault("indicator_code", "domestic_abuse")
    return row(record_id, given_name=given, family_name=family, date_of_birth=born, **values)


def adult_held(given, family_name, born, household_ref="H-A", **identifiers):
    family = Family.objects.create(reference=f"F-{household_ref}", name=f"{family_name} family", postcode="RV9 9ZZ")
    Household.objects.create(source_system="housing", household_ref=household_ref, family=family)
    adult = Adult.objects.create(
        given_name=given, family_name=family_name, date_of_birth=date.fromisoformat(born), **identifiers
    )
    FamilyMember.objects.create(family=family, adult=adult, relationship="mother")
    return adult


def in_review(feed, record_id):
    """The one open review holding this row."""
    return MatchReview.objects.get(feed=feed, rows__source_record_id=record_id, status=ReviewStatus.OPEN)


# Against the adults held -------------------------------------------------------------------------


def test_an_identifier_of_an_adult_held_with_another_date_of_birth_goes_to_review(run_feed, partnership):
    rita = adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2)
    feed = run_feed([adult_row("r-1", "Rita", "Okafor", "1981-01-01", nhs_number=NHS_2, postcode="")])
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 0 and feed.rows_in_review == 1
    review = in_review(feed, "r-1")
    assert review.candidate_adult == rita and review.candidate is None
    assert review.reason == "The NHS number matches but the date of birth is different"
    assert not Adult.objects.exclude(pk=rita.pk).filter(family_name="Okafor").exists()
    assert not Observation.objects.filter(feed=feed).exists()
    # Nothing is dropped: the row waits, with its identifier, until someone decides.
    assert FeedRow.objects.get(source_record_id="r-1", status=RowStatus.IN_REVIEW).nhs_number == NHS_2
    services.resolve_review(partnership.users["manager"], review, services.Decision.SAME)
    assert Observation.objects.get(source_record_id="r-1").adult == rita


def test_the_same_name_and_household_with_another_identifier_goes_to_review_and_keeps_it(run_feed, partnership):
    rita = adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2)
    feed = run_feed(
        [
            adult_row(
                "r-1", "Rita", "Okafor", "1980-01-01", source_system="housing", household_ref="H-A", nhs_number=NHS_3
            )
        ]
    )
    assert feed.people_created == 0 and feed.rows_in_review == 1
    review = in_review(feed, "r-1")
    assert review.candidate_adult == rita
    assert review.reason == "Same name, date of birth and household, but a different NHS number"
    services.resolve_review(partnership.users["manager"], review, services.Decision.DIFFERENT)
    # A different person: a new adult, with the identifier the rows gave, linked to the household.
    created = Observation.objects.get(source_record_id="r-1").adult
    assert created != rita and created.nhs_number == NHS_3 and created.date_of_birth == date(1980, 1, 1)
    assert FamilyMember.objects.filter(family__source_households__household_ref="H-A", adult=created).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="cases.adult", object_id=str(created.pk)
    ).exists()
    rita.refresh_from_db()
    assert rita.nhs_number == NHS_2


def test_an_identifier_matching_an_adult_held_who_has_another_of_a_second_kind_goes_to_review(run_feed):
    rita = adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2, police_id="RO1")
    feed = run_feed([adult_row("r-1", "Rita", "Okafor", "1980-01-01", nhs_number=NHS_2, police_id="RO 2")])
    assert feed.people_created == 0 and feed.rows_in_review == 1
    review = in_review(feed, "r-1")
    assert review.candidate_adult == rita
    assert review.reason == "The NHS number matches but the adult already has a different police reference"
    rita.refresh_from_db()
    assert rita.police_id == "RO1"
    assert not Observation.objects.filter(feed=feed).exists()


def test_a_misspelt_name_in_the_same_household_on_the_same_date_of_birth_is_the_adult_held(run_feed):
    rita = adult_held("Rita", "Okafor", "1980-01-01")
    feed = run_feed(
        [adult_row("r-1", "Reta", "Okafor", "1980-01-01", source_system="housing", household_ref="H-A", postcode="")]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 0 and feed.rows_in_review == 0
    assert Observation.objects.get(source_record_id="r-1").adult == rita
    assert Adult.objects.filter(family_name="Okafor").count() == 1


def test_an_adult_held_with_a_pupil_number_is_found_by_it_whatever_the_spelling(run_feed):
    # A care leaver of twenty still known by the number their school gave them.
    jade = adult_held("Jade", "Brown", "2006-03-03", upn="H123456789012")
    feed = run_feed([adult_row("j-1", "Jayde", "Browne", "2006-03-03", upn="H123456789012", postcode="")])
    assert feed.people_created == 0 and feed.rows_in_review == 0
    assert Observation.objects.get(source_record_id="j-1").adult == jade


def test_an_adult_row_without_a_household_is_the_adult_held_of_that_name_and_birth_and_adds_its_identifier(run_feed):
    rita = adult_held("Rita", "Okafor", "1980-01-01")
    feed = run_feed([adult_row("r-1", "Rita", "Okafor", "1980-01-01", nhs_number=NHS_2, postcode="")])
    assert feed.people_created == 0 and feed.rows_in_review == 0
    assert Observation.objects.get(source_record_id="r-1").adult == rita
    rita.refresh_from_db()
    assert rita.nhs_number == NHS_2


def test_an_identifier_of_another_adult_sends_the_row_to_review_though_its_name_is_in_its_household(run_feed):
    rita = adult_held("Rita", "Okafor", "1980-01-01")
    other = adult_held("Grace", "Mensah", "1975-06-06", household_ref="H-B", nhs_number=NHS_2)
    feed = run_feed(
        [
            adult_row(
                "r-1", "Rita", "Okafor", "1980-01-01", source_system="housing", household_ref="H-A", nhs_number=NHS_2
            )
        ]
    )
    review = in_review(feed, "r-1")
    assert review.candidate_adult == other
    assert review.reason == "The NHS number matches but the date of birth is different"
    rita.refresh_from_db()
    assert rita.nhs_number == "" and not Observation.objects.filter(feed=feed).exists()


def test_the_exact_spelling_decides_between_two_adults_of_a_household_whose_names_sound_alike(run_feed):
    jon = adult_held("Jon", "Smith", "1980-01-01")
    john = Adult.objects.create(given_name="John", family_name="Smith", date_of_birth=date(1980, 1, 1))
    FamilyMember.objects.create(family=Family.objects.get(reference="F-H-A"), adult=john, relationship="father")
    household = {"source_system": "housing", "household_ref": "H-A", "postcode": ""}
    feed = run_feed(
        [
            adult_row("s-1", "Jon", "Smith", "1980-01-01", **household),
            adult_row("s-2", "John", "Smith", "1980-01-01", **household),
        ]
    )
    assert feed.people_created == 0 and feed.rows_in_review == 0
    assert Observation.objects.get(source_record_id="s-1").adult == jon
    assert Observation.objects.get(source_record_id="s-2").adult == john


def test_an_adult_named_in_two_households_is_found_in_the_second_when_the_first_has_nobody_of_that_name(run_feed):
    # H-A's family is older (a lower id), so it is looked in first; Rita is a member of H-B's only.
    other = Family.objects.create(reference="F-H-OTHER", name="Other family", postcode="RV9 9ZZ")
    Household.objects.create(source_system="social_care", household_ref="H-A", family=other)
    rita = adult_held("Rita", "Okafor", "1980-01-01", household_ref="H-B")
    feed = run_feed(
        [
            adult_row("r-1", "Rita", "Okafor", "1980-01-01", source_system="social_care", household_ref="H-A"),
            adult_row("r-2", "Rita", "Okafor", "1980-01-01", source_system="housing", household_ref="H-B"),
        ]
    )
    assert feed.people_created == 0 and feed.rows_in_review == 0
    assert set(Observation.objects.filter(feed=feed).values_list("adult_id", flat=True)) == {rita.pk}
    # The households are linked to the adult both name.
    assert set(FamilyMember.objects.filter(adult=rita).values_list("family_id", flat=True)) == {
        other.pk,
        Family.objects.get(reference="F-H-B").pk,
    }


def test_a_row_without_a_household_and_another_identifier_than_the_only_adult_of_its_name_goes_to_review(run_feed):
    rita = adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2)
    feed = run_feed([adult_row("r-1", "Rita", "Okafor", "1980-01-01", nhs_number=NHS_3, postcode="")])
    assert feed.people_created == 0 and feed.rows_in_review == 1
    review = in_review(feed, "r-1")
    assert review.candidate_adult == rita
    assert review.reason == "Same name and date of birth, but a different NHS number"
    rita.refresh_from_db()
    assert rita.nhs_number == NHS_2


def test_a_row_without_a_household_named_as_two_adults_held_goes_to_review_against_the_first(run_feed):
    first = adult_held("Ann", "Lee", "1970-02-02", household_ref="H-1")
    adult_held("Ann", "Lee", "1970-02-02", household_ref="H-2")
    feed = run_feed([adult_row("l-1", "Ann", "Lee", "1970-02-02", postcode="")])
    assert feed.people_created == 0 and feed.rows_in_review == 1
    review = in_review(feed, "l-1")
    assert review.candidate_adult == first
    assert review.reason == "2 adults have this name and date of birth"


def test_the_same_name_in_another_household_with_another_identifier_is_a_new_adult(run_feed):
    rita = adult_held("Rita", "Okafor", "1980-01-01", household_ref="H-B", nhs_number=NHS_2)
    feed = run_feed(
        [
            adult_row(
                "r-1", "Rita", "Okafor", "1980-01-01", source_system="housing", household_ref="H-A", nhs_number=NHS_3
            )
        ]
    )
    assert feed.people_created == 1 and feed.rows_in_review == 0
    created = Observation.objects.get(source_record_id="r-1").adult
    assert created != rita
    # Only the identifier the rows give: none of the others is made up.
    assert (created.nhs_number, created.upn, created.police_id) == (NHS_3, "", "")


def test_a_sound_alike_without_a_household_and_another_identifier_is_a_new_adult(run_feed):
    john = adult_held("John", "Smith", "1975-07-07", nhs_number=NHS_2)
    feed = run_feed([adult_row("s-1", "Jon", "Smyth", "1975-07-07", nhs_number=NHS_3)])
    assert feed.people_created == 1 and feed.rows_in_review == 0
    created = Observation.objects.get(source_record_id="s-1").adult
    assert created != john and created.nhs_number == NHS_3


def test_a_sound_alike_of_an_adult_the_file_makes_goes_to_review_against_that_adult(run_feed):
    feed = run_feed(
        [
            # Two rows: the adult with more rows is resolved first.
            adult_row("s-1", "John", "Smith", "1975-07-07", nhs_number=NHS_1),
            adult_row("s-2", "John", "Smith", "1975-07-07", nhs_number=NHS_1),
            adult_row("s-3", "Jon", "Smyth", "1975-07-07"),
        ]
    )
    assert feed.people_created == 1 and feed.rows_in_review == 1
    john = Observation.objects.get(source_record_id="s-1").adult
    review = in_review(feed, "s-3")
    assert review.candidate_adult == john
    assert review.reason == "Same date of birth and a name that sounds the same"


def test_an_exact_name_found_in_a_household_by_another_row_wins_over_a_sound_alike_the_file_makes(run_feed):
    # John Smith is held in another household, with an NHS number. The file's H-A (a new household)
    # names Jon Smith three times (a new adult, resolved first), John Smith with that NHS number (John)
    # and John Smith again without it: the last is John, whose exact name this household now holds.
    john = adult_held("John", "Smith", "1975-07-07", household_ref="H-ELSEWHERE", nhs_number=NHS_2)
    household = {"source_system": "housing", "household_ref": "H-A"}
    feed = run_feed(
        [
            *(adult_row(f"j-{n}", "Jon", "Smith", "1975-07-07", **household) for n in range(3)),
            adult_row("k-1", "John", "Smith", "1975-07-07", nhs_number=NHS_2, **household),
            adult_row("k-2", "John", "Smith", "1975-07-07", nhs_number=NHS_2, **household),
            adult_row("k-3", "John", "Smith", "1975-07-07", **household),
        ]
    )
    assert feed.rows_in_review == 0 and feed.people_created == 1
    jon = Observation.objects.get(source_record_id="j-0").adult
    assert jon != john and jon.given_name == "Jon"
    assert Observation.objects.get(source_record_id="k-1").adult == john
    assert Observation.objects.get(source_record_id="k-3").adult == john


def test_rows_sharing_an_identifier_with_an_adult_in_review_wait_with_it(run_feed):
    rita = adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2)
    feed = run_feed(
        [
            adult_row("r-1", "Rita", "Okafor", "1981-01-01", nhs_number=NHS_2),
            adult_row("r-2", "Rita", "Okafor", "1981-01-01", nhs_number=NHS_2),
            adult_row("r-3", "Reta", "Okafor", "1981-01-01", nhs_number=NHS_2),
        ]
    )
    assert feed.people_created == 0 and feed.rows_in_review == 3
    assert not Observation.objects.filter(feed=feed).exists()
    waiting = FeedRow.objects.filter(feed=feed, status=RowStatus.IN_REVIEW)
    assert sorted(waiting.values_list("source_record_id", flat=True)) == ["r-1", "r-2", "r-3"]
    reviews = MatchReview.objects.filter(feed=feed, status=ReviewStatus.OPEN)
    assert {(review.candidate_adult_id, review.reason) for review in reviews} == {
        (rita.pk, "The NHS number matches but the date of birth is different")
    }


def test_accepting_an_adult_review_stores_the_identifiers_the_adult_lacks(run_feed, partnership):
    rita = adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2)
    feed = run_feed([adult_row("r-1", "Rita", "Okafor", "1981-01-01", nhs_number=NHS_2, police_id="RO 1")])
    services.resolve_review(partnership.users["manager"], in_review(feed, "r-1"), services.Decision.SAME)
    rita.refresh_from_db()
    assert rita.police_id == "RO1"
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="cases.adult", object_id=str(rita.pk)
    ).exists()


def test_an_identifier_two_adults_hold_goes_to_review(run_feed):
    first = adult_held("Ann", "Lee", "1970-02-02", household_ref="H-1", police_id="PL1")
    adult_held("Anne", "Lee", "1970-02-02", household_ref="H-2", police_id="PL1")
    feed = run_feed([adult_row("l-1", "Ann", "Leigh", "1970-02-02", source_system="police", police_id="PL1")])
    review = in_review(feed, "l-1")
    assert review.candidate_adult == first
    assert review.reason == "The police reference is held by 2 adults: check which one this is"
    assert Adult.objects.filter(family_name__in=["Lee", "Leigh"]).count() == 2


def test_a_near_match_without_an_identifier_goes_to_review(run_feed):
    john = adult_held("John", "Smith", "1975-07-07")
    feed = run_feed(
        [
            # No household, no identifier, a name that sounds the same, the same date of birth.
            adult_row("s-1", "Jon", "Smyth", "1975-07-07"),
            # The same name and date of birth, but in another household than John's.
            adult_row("s-2", "John", "Smith", "1975-07-07", source_system="housing", household_ref="H-OTHER"),
        ]
    )
    assert feed.people_created == 0 and feed.rows_in_review == 2
    sound, elsewhere = in_review(feed, "s-1"), in_review(feed, "s-2")
    assert sound.candidate_adult == john == elsewhere.candidate_adult
    assert sound.reason == "Same date of birth and a name that sounds the same"
    assert elsewhere.reason == "Same name and date of birth in another household"
    assert Adult.objects.filter(family_name__in=["Smith", "Smyth"]).count() == 1


# Within the file ---------------------------------------------------------------------------------


def test_adult_rows_of_one_file_in_conflict_go_to_review_against_the_adult_the_file_makes(run_feed, partnership):
    feed = run_feed(
        [
            adult_row("c-1", "Maya", "Stone", "1982-03-03", nhs_number=NHS_1),
            adult_row("c-2", "Maya", "Stone", "1982-03-03", nhs_number=NHS_1, police_id="MS1"),
            # The same NHS number, another date of birth.
            adult_row("c-3", "Maya", "Stone", "1983-03-03", nhs_number=NHS_1),
            # The same police reference and another NHS number: two people claiming one identifier.
            adult_row("c-4", "Maya", "Stone", "1982-03-03", police_id="MS1", nhs_number=NHS_2),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 1 and feed.rows_in_review == 2
    maya = Observation.objects.get(source_record_id="c-1").adult
    assert Observation.objects.get(source_record_id="c-2").adult == maya
    assert (maya.nhs_number, maya.police_id) == (NHS_1, "MS1")  # every identifier of the group
    birth, claim = in_review(feed, "c-3"), in_review(feed, "c-4")
    assert birth.candidate_adult == maya == claim.candidate_adult
    assert "check which date of birth is right" in birth.reason
    assert "two people may be claiming one identifier" in claim.reason
    # The queue groups them as it does children's.
    kinds = dict(MatchReview.objects.annotate(kind=services.review_kind()).values_list("pk", "kind"))
    assert (kinds[birth.pk], kinds[claim.pk]) == ("birth", "identifier")
    services.resolve_review(partnership.users["manager"], claim, services.Decision.DIFFERENT)
    other = Observation.objects.get(source_record_id="c-4").adult
    assert other != maya and (other.nhs_number, other.police_id) == (NHS_2, "MS1")


def test_an_adults_misspelt_duplicate_in_the_file_with_the_same_identifier_is_one_adult(run_feed):
    feed = run_feed(
        [
            adult_row("d-1", "Joanna", "Price", "1979-09-09", nhs_number=NHS_3),
            adult_row("d-2", "Joanna", "Price", "1979-09-09", nhs_number=NHS_3),
            adult_row("d-3", "Joana", "Pryce", "1979-09-09", nhs_number=NHS_3, police_id="JP1"),
        ]
    )
    assert feed.people_created == 1 and feed.rows_in_review == 0
    (adult_id,) = set(Observation.objects.filter(feed=feed).values_list("adult_id", flat=True))
    assert Adult.objects.filter(pk=adult_id, given_name="Joanna", nhs_number=NHS_3, police_id="JP1").exists()


def test_reimporting_an_adult_review_row_is_not_a_second_review(run_feed):
    adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2)
    rows = [adult_row("r-1", "Rita", "Okafor", "1981-01-01", nhs_number=NHS_2)]
    run_feed(rows, "one.csv")
    again = run_feed([*rows, adult_row("r-2", "Tess", "Okafor", "1960-01-01")], "two.csv")
    assert again.rows_already_known == 1 and MatchReview.objects.count() == 1


# The review pages show and decide adult reviews -----------------------------------------------------


@pytest.fixture
def adult_review(partnership, django_capture_on_commit_callbacks, media):  # noqa: F811
    rita = adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2)
    content = feed_csv([adult_row("r-1", "Rita", "Okafor", "1981-01-01", nhs_number=NHS_2, postcode="RV1 1AA")])
    with django_capture_on_commit_callbacks(execute=True):
        feed = services.upload_feed(partnership.users["manager"], upload(content))
    return rita, MatchReview.objects.get(feed=feed)


def test_the_queue_lists_an_adult_review_and_records_the_adult_shown(client_for, adult_review, partnership):
    rita, review = adult_review
    html = client_for("manager").get("/cohort/reviews/?kind=birth").content.decode()
    assert f'href="/cohort/reviews/{review.pk}/"' in html and "an adult of a household" in html
    assert "other date of birth" in html
    listed = AuditEvent.objects.filter(action=AuditAction.LIST, user=partnership.users["manager"])
    assert listed.filter(subjects__object_type="cases.adult", subjects__object_id=str(rita.pk)).exists()


def test_an_adult_review_shows_the_evidence_side_by_side_and_records_the_read(client_for, adult_review, partnership):
    rita, review = adult_review
    html = client_for("manager").get(f"/cohort/reviews/{review.pk}/").content.decode()
    for text in ("Rita Okafor", "1 January 1981", "1 January 1980", NHS_2, "housing H-A", "RV9 9ZZ", "RV1 1AA"):
        assert text in html
    read = AuditEvent.objects.filter(action=AuditAction.READ, user=partnership.users["manager"])
    assert read.filter(object_type="cases.adult", object_id=str(rita.pk)).exists()


def test_adult_reviews_are_decided_in_bulk(client_for, adult_review):
    rita, review = adult_review
    response = client_for("manager").post("/cohort/reviews/decide/", {"review": [review.pk], "decision": "same"})
    assert response.status_code == 302
    assert MatchReview.objects.get(pk=review.pk).status == ReviewStatus.MATCHED
    assert Observation.objects.get(source_record_id="r-1").adult == rita


def test_another_agencys_manager_cannot_see_an_adult_review(client_for, adult_review, partnership):
    _rita, review = adult_review
    review.feed.__class__.objects.update(agency=partnership.agencies["council"])
    assert client_for("manager").get(f"/cohort/reviews/{review.pk}/").status_code == 404


def test_the_api_names_an_adult_candidate(client_for, adult_review):
    _rita, review = adult_review
    body = client_for("manager").get(f"/api/v1/cohort/reviews/{review.pk}/").json()
    assert body["candidate"] == {
        "kind": "adult",
        "reference": "",
        "given_name": "Rita",
        "family_name": "Okafor",
        "date_of_birth": "1980-01-01",
        "upn": "",
        "nhs_number": NHS_2,
        "police_id": "",
    }


def test_a_review_has_exactly_one_candidate(adult_review):
    from django.db import IntegrityError, transaction

    _rita, review = adult_review
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchReview.objects.filter(pk=review.pk).update(candidate_adult=None)


def test_the_queue_query_count_does_not_grow_with_adult_reviews(
    client_for,
    partnership,
    django_capture_on_commit_callbacks,
    media,  # noqa: F811
    django_assert_num_queries,
):
    adults = [
        adult_held(f"Ada{n}", "Moss", f"197{n}-01-01", household_ref=f"H-{n}", police_id=f"PM{n}") for n in range(4)
    ]
    manager = client_for("manager")

    def import_about(numbers, name):
        rows = [adult_row(f"m-{n}", f"Ada{n}", "Moss", f"196{n}-01-01", police_id=f"PM{n}") for n in numbers]
        with django_capture_on_commit_callbacks(execute=True):
            services.upload_feed(partnership.users["manager"], upload(feed_csv(rows), name))

    import_about([0], "one.csv")
    manager.get("/cohort/reviews/")
    with django_assert_num_queries(11) as one:
        manager.get("/cohort/reviews/")
    import_about([1, 2, 3], "three.csv")
    assert MatchReview.objects.filter(candidate_adult__in=adults).count() == 4
    with django_assert_num_queries(len(one)):
        html = manager.get("/cohort/reviews/").content.decode()
    assert all(f"Ada{n} Moss" in html for n in range(4))

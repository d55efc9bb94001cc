"""Matching the people of a data feed to existing records, on a small hand-made data set.

Each test uploads a tiny feed (the import runs in-process, as Celery is eager in tests) and checks
where its rows went: an existing child, a new child, a new adult or the review queue."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Adult, Child, ChildName, Family, FamilyMember, Involvement
from cases.names import normalise
from cohorts.models import Observation
from cohorts.services.fairness import years_before
from feeds import services
from feeds.models import FeedRow, FeedStatus, Household, MatchReview, ReviewStatus, RowStatus
from feeds.services.matching import fast_normalise
from tests.factories import ChildFactory, nhs_number
from tests.feeds_helpers import days_ago, feed_csv, media, row, upload  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_feed(django_capture_on_commit_callbacks, partnership, media):  # noqa: F811
    def run(rows, name="feed.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            feed = services.upload_feed(partnership.users["manager"], upload(feed_csv(rows), name))
        feed.refresh_from_db()
        return feed

    return run


@pytest.fixture
def amira(partnership):
    """A child with identifiers, living with the test family at RV1 1AA."""
    child = ChildFactory(
        given_name="Amira",
        family_name="Okafor",
        date_of_birth=date(2012, 5, 4),
        upn="A123456789012",
        nhs_number="9434765919",
    )
    FamilyMember.objects.create(family=partnership.family, child=child, relationship="child")
    return child


def test_an_identifier_that_points_at_one_child_with_the_same_birth_date_matches(run_feed, amira):
    feed = run_feed(
        [row("s-1", given_name="A.", family_name="Okafor-Jones", date_of_birth="2012-05-04", upn="a123456789012")]
    )
    assert feed.status == FeedStatus.APPLIED
    assert (feed.people_matched, feed.people_created, feed.rows_applied) == (1, 0, 1)
    observation = Observation.objects.get()
    assert observation.child == amira and observation.indicator_code == "school_attendance"
    assert not FeedRow.objects.exists()  # applied rows are not staged: the observation is the record


def test_an_identifier_with_a_different_birth_date_goes_to_review(run_feed, amira):
    feed = run_feed([row("s-1", amira, date_of_birth="2012-05-05")])
    review = MatchReview.objects.get()
    assert review.candidate == amira and "date of birth is different" in review.reason
    assert feed.rows_in_review == 1 and not Observation.objects.exists()
    assert FeedRow.objects.get().status == RowStatus.IN_REVIEW


def test_name_date_of_birth_and_postcode_match_one_child(run_feed, amira):
    feed = run_feed(
        [row("s-1", given_name=" amira ", family_name="OKAFOR", date_of_birth="04/05/2012", postcode="rv11aa")]
    )
    assert Observation.objects.get().child == amira
    assert (feed.people_matched, feed.people_created) == (1, 0)


def test_name_date_of_birth_and_postcode_with_another_identifier_of_theirs_goes_to_review(run_feed, amira):
    feed = run_feed(
        [
            row(
                "s-1",
                given_name="Amira",
                family_name="Okafor",
                date_of_birth="2012-05-04",
                postcode="RV1 1AA",
                nhs_number=nhs_number("100000002"),
            )
        ]
    )
    review = MatchReview.objects.get()
    assert review.candidate == amira
    assert review.reason == "Same name, date of birth and postcode, but a different NHS number"
    assert feed.rows_in_review == 1 and not Observation.objects.exists()


def test_two_young_people_with_the_name_date_of_birth_and_postcode_go_to_review(run_feed, amira):
    namesake = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4))
    flat = Family.objects.create(reference="F-FLAT", name="Second Okafor family", postcode="RV1 1AA")
    FamilyMember.objects.create(family=flat, child=namesake, relationship="child")
    run_feed([row("s-1", given_name="Amira", family_name="Okafor", date_of_birth="2012-05-04", postcode="RV1 1AA")])
    review = MatchReview.objects.get()
    assert review.candidate == amira  # the first recorded
    assert review.reason == "2 young people have this name, date of birth and postcode"
    assert not Observation.objects.exists()


def test_same_name_and_birth_date_at_another_postcode_goes_to_review(run_feed, amira):
    run_feed([row("s-1", given_name="Amira", family_name="Okafor", date_of_birth="2012-05-04", postcode="ZZ9 9ZZ")])
    review = MatchReview.objects.get()
    assert review.candidate == amira and review.reason == "Same name and date of birth at a different postcode"
    assert not Observation.objects.exists()


def test_namesakes_at_other_postcodes_are_counted_in_the_review(run_feed, amira):
    ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4))
    run_feed([row("s-1", given_name="Amira", family_name="Okafor", date_of_birth="2012-05-04", postcode="ZZ9 9ZZ")])
    review = MatchReview.objects.get()
    assert review.candidate == amira
    assert review.reason == "2 young people have this name and date of birth, at other postcodes"


@pytest.mark.parametrize("namesake_here", [False, True], ids=["at another postcode", "two at this postcode"])
def test_a_doubt_by_name_alone_gives_way_to_an_identifier_shared_with_a_matched_row(run_feed, amira, namesake_here):
    if namesake_here:
        namesake = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4))
        flat = Family.objects.create(reference="F-FLAT", name="Second Okafor family", postcode="RV1 1AA")
        FamilyMember.objects.create(family=flat, child=namesake, relationship="child")
    postcode = "RV1 1AA" if namesake_here else "ZZ9 9ZZ"
    feed = run_feed(
        [
            row("s-1", amira, police_id="PZ/9"),
            # On its own a review (by name); the police reference it shares with Amira's row decides.
            row(
                "s-2",
                given_name="Amira",
                family_name="Okafor",
                date_of_birth="2012-05-04",
                postcode=postcode,
                police_id="PZ/9",
            ),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    assert not MatchReview.objects.exists()
    assert {observation.child for observation in Observation.objects.all()} == {amira}
    amira.refresh_from_db()
    assert amira.police_id == "PZ/9"


def test_a_name_that_sounds_the_same_goes_to_review(run_feed, amira):
    run_feed([row("s-1", given_name="Amyra", family_name="Okafur", date_of_birth="2012-05-04", postcode="RV1 1AA")])
    review = MatchReview.objects.get()
    assert review.candidate == amira and review.reason == "Same date of birth and a name that sounds the same"
    assert Child.objects.filter(given_name="Amyra").count() == 0


def test_identifiers_pointing_at_two_children_go_to_review(run_feed, amira):
    other = ChildFactory(upn="B123456789012", date_of_birth=date(2012, 5, 4))
    run_feed(
        [
            row(
                "s-1",
                given_name="Amira",
                family_name="Okafor",
                date_of_birth="2012-05-04",
                upn=other.upn,
                nhs_number=amira.nhs_number,
            )
        ]
    )
    review = MatchReview.objects.get()
    assert review.candidate == other
    assert review.reason == (
        "The unique pupil number matches one young person and the NHS number another: check which one this is"
    )


def test_identifiers_pointing_at_three_children_go_to_review(run_feed, amira):
    other = ChildFactory(upn="B123456789012", date_of_birth=date(2012, 5, 4))
    third = ChildFactory(police_id="PX/77", date_of_birth=date(2012, 5, 4))
    feed = run_feed(
        [
            row(
                "s-1",
                given_name="Amira",
                family_name="Okafor",
                date_of_birth="2012-05-04",
                upn=other.upn,
                nhs_number=amira.nhs_number,
                police_id=third.police_id,
            )
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    review = MatchReview.objects.get()
    assert review.candidate == other
    assert review.reason == (
        "The unique pupil number matches one young person and the NHS number another: check which one this is"
    )


def test_nobody_matching_under_18_becomes_a_new_child_no_agency_works_with(run_feed, partnership):
    feed = run_feed(
        [
            row("s-1", given_name="Zofia", family_name="Nowak", date_of_birth="2013-01-02", upn="C123456789012"),
            row(
                "s-2",
                given_name="Zofia",
                family_name="Nowak",
                date_of_birth="2013-01-02",
                upn="C123456789012",
                indicator_code="neet",
            ),
        ]
    )
    child = Child.objects.get(given_name="Zofia", family_name="Nowak")
    assert child.reference == f"CH-{child.pk:06d}" and child.upn == "C123456789012"  # the one format
    assert ChildName.objects.filter(child=child, normalised="zofia nowak").exists()
    # Being named in an extract is not "working with" a child: the uploading agency gets no involvement.
    assert not Involvement.objects.filter(child=child).exists()
    assert Observation.objects.filter(child=child).count() == 2
    assert (feed.people_created, feed.people_matched, feed.rows_applied) == (1, 0, 2)


def test_nobody_matching_over_18_becomes_an_adult_in_their_household(run_feed):
    feed = run_feed(
        [
            row(
                "p-1",
                given_name="Dora",
                family_name="Nowak",
                date_of_birth="1980-03-03",
                postcode="RV2 2BB",
                household_ref="H1",
                indicator_code="domestic_abuse",
            ),
            row(
                "p-2",
                given_name="Zofia",
                family_name="Nowak",
                date_of_birth="2013-01-02",
                postcode="RV2 2BB",
                household_ref="H1",
            ),
        ]
    )
    adult = Adult.objects.get(given_name="Dora", family_name="Nowak")
    family = Household.objects.get(source_system="schools", household_ref="H1").family
    assert family.name == "Nowak household" and family.postcode == "RV2 2BB"
    assert family.reference == f"HH{feed.pk}-1"  # the feed that found the household (docs/feeds.md)
    assert set(FamilyMember.objects.filter(family=family).values_list("relationship", flat=True)) == {"other", "child"}
    observation = Observation.objects.get(source_record_id="p-1")
    assert observation.adult == adult and observation.child is None and observation.family == family
    assert feed.people_created == 2


def test_an_adult_is_found_again_in_their_household(run_feed):
    run_feed(
        [row("p-1", given_name="Dora", family_name="Nowak", date_of_birth="1980-03-03", household_ref="H1")], "one.csv"
    )
    run_feed(
        [row("p-2", given_name="DORA", family_name="nowak", date_of_birth="1980-03-03", household_ref="H1")], "two.csv"
    )
    assert Adult.objects.count() == 1 + 1  # the partnership's mother and Dora
    assert Family.objects.filter(source_households__household_ref="H1").count() == 1
    assert Observation.objects.filter(adult__given_name="Dora").count() == 2


def test_a_file_big_enough_to_load_every_record_matches_as_a_small_file_does(run_feed, amira, monkeypatch):
    """Above LOAD_ALL_ABOVE identifiers and dates of birth (a city-sized file) the children, names,
    family postcodes and adults are loaded whole rather than by the file's values: the same outcomes."""
    from feeds.services import matching

    monkeypatch.setattr(matching, "LOAD_ALL_ABOVE", 0)
    dora = Adult.objects.create(given_name="Dora", family_name="Nowak", date_of_birth=date(1980, 3, 3))
    bella = ChildFactory(given_name="Bella", family_name="Stone", date_of_birth=date(2011, 1, 1), upn="B123456789012")
    feed = run_feed(
        [
            row("b-1", given_name="A.", family_name="Okafor-Jones", date_of_birth="2012-05-04", upn="a123456789012"),
            # Found by the UPN alone (born on no date of the file's): the date of birth disagrees.
            row("b-0", given_name="Bella", family_name="Stone", date_of_birth="2011-01-02", upn="B123456789012"),
            row("b-2", given_name="Amira", family_name="Okafor", date_of_birth="2012-05-04", postcode="RV1 1AA"),
            row("b-3", given_name="Amyra", family_name="Okafur", date_of_birth="2012-05-04", postcode="RV9 9ZZ"),
            row("b-4", given_name="Dora", family_name="Nowak", date_of_birth="1980-03-03"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    assert {Observation.objects.get(source_record_id=f"b-{n}").child for n in (1, 2)} == {amira}
    reasons = {
        review.rows.get().source_record_id: (review.candidate, review.reason) for review in MatchReview.objects.all()
    }
    assert reasons == {
        "b-0": (bella, "The unique pupil number matches but the date of birth is different"),
        "b-3": (amira, "Same date of birth and a name that sounds the same"),
    }
    assert Observation.objects.get(source_record_id="b-4").adult == dora
    assert (feed.people_matched, feed.people_created, feed.rows_in_review) == (3, 0, 2)  # Amira twice, Dora


@pytest.mark.parametrize("load_all", [False, True], ids=["a small file", "a file big enough to load every record"])
def test_young_people_known_by_an_identifier_other_than_a_pupil_number_are_found_by_it(run_feed, monkeypatch, load_all):
    """Many young people held have no pupil number: two without one, found by their NHS number and police
    reference, are each found (the first's date of birth disagrees, so that row waits against her)."""
    from feeds.services import matching

    if load_all:
        monkeypatch.setattr(matching, "LOAD_ALL_ABOVE", 0)
    cara_nhs = nhs_number("401023456")
    cara = ChildFactory(given_name="Cara", family_name="Lane", date_of_birth=date(2010, 10, 10), nhs_number=cara_nhs)
    dan = ChildFactory(given_name="Dan", family_name="Reyes", date_of_birth=date(2011, 11, 11), police_id="PD/1")
    assert (cara.upn, dan.upn) == ("", "")
    feed = run_feed(
        [
            row("c-1", given_name="Cara", family_name="Lane", date_of_birth="2010-10-12", nhs_number=cara_nhs),
            row("d-1", given_name="Daniel", family_name="Reyes", date_of_birth="2011-11-11", police_id="pd/1"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    review = MatchReview.objects.get()
    assert (review.candidate, review.reason) == (cara, "The NHS number matches but the date of birth is different")
    assert Observation.objects.get().child == dan
    assert (feed.people_matched, feed.people_created, feed.rows_in_review) == (1, 0, 1)


def test_a_name_read_without_its_young_persons_record_is_left_out_of_the_index():
    """The names are read after the records (a query each): a young person added between the two has
    a name and no record read, and is left out rather than indexed without their identifiers."""
    from feeds.services.matching import ChildRows, index_children, phonetic_keys

    born = date(2012, 5, 4)
    name, sounds = "amira okafor", phonetic_keys("amira okafor")
    loaded = ChildRows(
        children={1: (1, "A123456789012", "", "", born)},
        names=[(1, name, sounds, born), (2, name, sounds, born)],
        members=[(1, "RV1 1AA"), (2, "RV1 1AA")],
    )
    index = index_children(loaded, {born})
    assert index.by_name_dob == {(name, born): {1: {"RV11AA"}}}
    assert index.by_sound_dob == {(sounds, born): {1}}
    assert index.by_identifier == {("upn", "A123456789012"): 1}


@pytest.fixture
def review(run_feed, amira):
    run_feed(
        [
            row(
                "s-1",
                given_name="Amira",
                family_name="Okafor",
                date_of_birth="2012-05-04",
                postcode="ZZ9 9ZZ",
                nhs_number="",
                upn="",
                police_id="PX/123",
            )
        ]
    )
    return MatchReview.objects.get()


def test_resolving_a_review_as_the_same_person_applies_the_rows_and_fills_blank_identifiers(
    review, partnership, amira, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_review(partnership.users["manager"], review, services.Decision.SAME)
    review.refresh_from_db()
    amira.refresh_from_db()
    assert review.status == ReviewStatus.MATCHED and review.resolved_by == partnership.users["manager"]
    assert Observation.objects.get().child == amira
    assert amira.police_id == "PX/123"
    assert FeedRow.objects.get().status == RowStatus.APPLIED
    assert review.feed.rows_in_review == 0 and review.feed.rows_applied == 1


def test_resolving_a_review_as_a_different_person_creates_a_new_child(review, partnership, amira):
    services.resolve_review(partnership.users["manager"], review, services.Decision.DIFFERENT)
    new = Child.objects.exclude(pk=amira.pk).get(given_name="Amira")
    assert new.reference == f"CH-{new.pk:06d}" and new.police_id == "PX/123"
    assert Observation.objects.get().child == new
    assert MatchReview.objects.get().status == ReviewStatus.NEW_PERSON


def test_dismissing_a_review_applies_nothing(review, partnership):
    services.resolve_review(partnership.users["manager"], review, services.Decision.DISMISS)
    assert not Observation.objects.exists()
    assert FeedRow.objects.get().status == RowStatus.SKIPPED
    with pytest.raises(ValidationError) as refused:
        services.resolve_review(partnership.users["manager"], review, services.Decision.SAME)

    assert refused.value.message_dict == {"decision": ["Someone has already decided this match"]}


def test_only_managers_of_the_uploading_agency_resolve_reviews(review, partnership):
    with pytest.raises(PermissionDenied):
        services.resolve_review(partnership.users["caseworker"], review, services.Decision.SAME)


@pytest.mark.parametrize(
    "name",
    ["Siobhan O'Brien", "Anne-Marie Smith-Jones", "  JOHN   smith ", "Zoë Brontë", "Mary_Ann Lee", "Ng", "", "!!"],
)
def test_a_files_names_are_normalised_as_the_names_held_are_stored(name):
    """The apply's quick path for plain ASCII must give what cases.names stores (ChildName.normalised),
    or a name with an apostrophe or a hyphen would never find its young person."""
    assert fast_normalise(name) == normalise(name)


def test_a_person_whose_eighteenth_birthday_is_the_upload_day_is_an_adult_and_a_day_younger_a_young_person(run_feed):
    eighteen = years_before(timezone.localdate(), 18)
    feed = run_feed(
        [
            row("b-1", given_name="Kai", family_name="Marsh", date_of_birth=eighteen.isoformat()),
            row("b-2", given_name="Lou", family_name="Marsh", date_of_birth=(eighteen + timedelta(days=1)).isoformat()),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 2
    adult_row, child_row = (Observation.objects.get(source_record_id=record) for record in ("b-1", "b-2"))
    assert adult_row.child is None and adult_row.adult.given_name == "Kai"
    assert child_row.adult is None and child_row.child.given_name == "Lou"


def test_two_new_people_of_one_name_birth_and_postcode_with_other_pupil_numbers_are_not_made_one(run_feed):
    """Two young people new to the system: the same name, date of birth and postcode would make them
    one, but their pupil numbers disagree, so the second waits in review (with every row found the
    same as it: b-2 shares b-1's pupil number) rather than being merged or made a second record; so
    does a third with a third pupil number."""
    ava = {"given_name": "Ava", "family_name": "Stone", "date_of_birth": "2012-01-01", "postcode": "RV1 1AA"}
    feed = run_feed(
        [
            # Two rows, so this person is resolved first.
            row("a-1", upn="A123456789012", **ava),
            row("a-2", upn="A123456789012", **ava),
            row("b-1", upn="C123456789012", **ava),
            row("b-2", upn="C123456789012", nhs_number=nhs_number("943476591"), **ava),
            # And one row alone with a third pupil number.
            row("c-1", upn="H123456789012", **ava),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 1 and feed.rows_in_review == 3
    created = Child.objects.get(given_name="Ava", family_name="Stone")
    assert created.upn == "A123456789012" and created.nhs_number == ""
    waiting = FeedRow.objects.filter(feed=feed, status=RowStatus.IN_REVIEW)
    assert sorted(waiting.values_list("source_record_id", flat=True)) == ["b-1", "b-2", "c-1"]
    reviews = MatchReview.objects.filter(feed=feed)
    assert {(review.candidate_id, review.reason) for review in reviews} == {
        (
            created.pk,
            "Same name, date of birth and postcode as another person in this file, but a different unique pupil number",
        )
    }


def test_two_new_people_without_a_postcode_are_not_near_matches_by_given_name_and_birth_alone(run_feed):
    """The near match by a given name's sound and the date of birth needs the same postcode (or
    household): two young people with no postcode and different family names are two people."""
    feed = run_feed(
        [
            row("n-1", given_name="Jon", family_name="Smith", date_of_birth="2013-03-03", postcode=""),
            row("n-2", given_name="John", family_name="Khan", date_of_birth="2013-03-03", postcode=""),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 2 and feed.rows_in_review == 0
    assert set(Child.objects.filter(date_of_birth=date(2013, 3, 3)).values_list("family_name", flat=True)) == {
        "Smith",
        "Khan",
    }


def test_a_given_name_that_sounds_the_same_at_one_postcode_or_in_one_household_goes_to_review(run_feed):
    """The near matches a manager must look at: the same date of birth and a given name that sounds
    the same, at the same postcode, or in the same household though the postcodes differ."""
    jon = {"given_name": "Jon", "family_name": "Smith", "date_of_birth": "2013-04-04", "postcode": "RV5 5EE"}
    lily = {"given_name": "Lily", "family_name": "Brown", "date_of_birth": "2011-02-02", "postcode": "RV6 6FF"}
    feed = run_feed(
        [
            # Two rows each, so these two are resolved first and are the candidates.
            row("p-1", **jon),
            row("p-2", **jon),
            row("p-3", given_name="John", family_name="Khan", date_of_birth="2013-04-04", postcode="RV5 5EE"),
            row("h-1", source_system="housing", household_ref="H-L", **lily),
            row("h-2", source_system="housing", household_ref="H-L", **lily),
            row(
                "h-3",
                given_name="Lilly",
                family_name="Green",
                date_of_birth="2011-02-02",
                postcode="RV7 7GG",
                source_system="housing",
                household_ref="H-L",
            ),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 2 and feed.rows_in_review == 2
    by_postcode = MatchReview.objects.get(feed=feed, rows__source_record_id="p-3")
    assert by_postcode.candidate == Child.objects.get(given_name="Jon", family_name="Smith")
    assert by_postcode.reason == (
        "Same date of birth and postcode, and a given name that sounds the same, as another person in this file"
    )
    by_household = MatchReview.objects.get(feed=feed, rows__source_record_id="h-3")
    assert by_household.candidate == Child.objects.get(given_name="Lily", family_name="Brown")
    assert by_household.reason == (
        "Same date of birth and household, and a given name that sounds the same, as another person in this file"
    )


def test_a_young_person_held_is_found_by_their_police_reference_alone_whatever_the_spelling(run_feed):
    held = ChildFactory(given_name="Amelia", family_name="Harrison", date_of_birth=date(2012, 5, 4), police_id="PR/1")
    feed = run_feed(
        [
            row(
                "p-1",
                given_name="Amlia",
                family_name="Harisson",
                date_of_birth="2012-05-04",
                postcode="",
                source_system="police",
                police_id="pr/1",
            )
        ]
    )
    assert feed.status == FeedStatus.APPLIED and (feed.people_matched, feed.people_created) == (1, 0)
    assert Observation.objects.get(source_record_id="p-1").child == held


def test_one_household_reference_in_two_systems_is_two_households(run_feed, partnership):
    known = Family.objects.create(reference="F-KNOWN", name="Lind household")
    Household.objects.create(source_system="housing", household_ref="H-1", family=known)
    feed = run_feed(
        [
            row(
                "r-1",
                given_name="Ola",
                family_name="Nowak",
                date_of_birth="2014-07-07",
                postcode="RV3 3CC",
                source_system="schools",
                household_ref="H-1",
            )
        ]
    )
    assert feed.status == FeedStatus.APPLIED
    made = Household.objects.get(source_system="schools", household_ref="H-1").family
    assert made != known and made.reference == f"HH{feed.pk}-1"
    assert Observation.objects.get(source_record_id="r-1").family == made

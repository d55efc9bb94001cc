"""Identity resolution: the people of one file matched against each other as well as against the
people held, on small hand-made files (docs/feeds.md, "How people are matched").

Every test runs each file through both import paths: as written (on PostgreSQL, the fast path) and
with a blank line at the end (which PostgreSQL cannot read as CSV, so the generic path takes it; on
SQLite both are the generic path). The outcomes must be the same."""

from datetime import date, timedelta

import pytest

from audit.models import AuditAction, AuditEvent, AuditSubject
from cases.models import Adult, Child, Family, FamilyMember
from cohorts.models import Observation
from feeds import services
from feeds.models import FeedRow, FeedStatus, Household, MatchReview, RowStatus
from tests.factories import ChildFactory, nhs_number
from tests.feeds_helpers import feed_csv, media, row, upload  # noqa: F401

pytestmark = pytest.mark.django_db


def _valid_stems(count: int) -> list[str]:
    stems = []
    for n in range(100_000_000, 100_001_000):
        total = sum(int(digit) * weight for digit, weight in zip(str(n), range(10, 1, -1), strict=True))
        if (11 - total % 11) % 11 != 10:
            stems.append(str(n))
        if len(stems) == count:
            return stems
    raise AssertionError


NHS_1, NHS_2, NHS_3, NHS_4 = (nhs_number(stem) for stem in _valid_stems(4))


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


def person(record_id, given, family, born, **values):
    values.setdefault("postcode", "RV9 9ZZ")
    return row(record_id, given_name=given, family_name=family, date_of_birth=born, **values)


def new_children(feed):
    """The young people the feed created: the subjects of its audited "created" event."""
    created = AuditSubject.objects.filter(
        event__action=AuditAction.CREATE,
        event__object_type="feeds.feedimport",
        event__object_id=str(feed.pk),
        object_type="cases.child",
    ).values_list("object_id", flat=True)
    return Child.objects.filter(pk__in=[int(pk) for pk in created])


# A shared identifier with a consistent date of birth decides ---------------------------------------


def test_a_misspelt_duplicate_in_the_file_with_the_same_identifier_is_one_person_carrying_it(run_feed):
    feed = run_feed(
        [
            person("s-1", "Amelia", "Harrison", "2012-05-04", police_id="PR/1", household_ref="H1"),
            person("s-2", "Amelia", "Harrison", "2012-05-04", police_id="PR/1", household_ref="H1"),
            # Misspelt, at another postcode, and with an NHS number the others do not give.
            person("s-3", "Amlia", "Harisson", "2012-05-04", postcode="", police_id="pr/1", nhs_number=NHS_1),
        ]
    )
    assert feed.status == FeedStatus.APPLIED
    child = new_children(feed).get()
    assert (child.given_name, child.family_name) == ("Amelia", "Harrison")  # the spelling of most rows
    assert (child.police_id, child.nhs_number) == ("PR/1", NHS_1)
    assert Observation.objects.filter(child=child).count() == 3
    assert not MatchReview.objects.exists()
    assert (feed.people_created, feed.rows_applied, feed.rows_in_review) == (1, 3, 0)
    family = Household.objects.get(household_ref="H1").family
    assert FamilyMember.objects.filter(family=family, child=child).count() == 1


def test_an_identifier_decides_against_a_person_held_and_for_the_rows_linked_to_it(run_feed):
    held = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="A123456789012")
    version = held.version
    feed = run_feed(
        [
            # The UPN decides (the name is misspelt); the row also gives a police reference.
            person("s-1", "Amirah", "Okafur", "2012-05-04", upn="A123456789012", police_id="PX/9"),
            # Another spelling with only that police reference: the same young person, through it.
            person("s-2", "Amra", "Okfor", "2012-05-04", police_id="PX/9"),
        ]
    )
    held.refresh_from_db()
    assert feed.status == FeedStatus.APPLIED, feed.message
    assert held.police_id == "PX/9" and held.version == version + 1
    assert set(Observation.objects.values_list("child_id", flat=True)) == {held.pk}
    assert (feed.people_created, feed.people_matched, feed.rows_in_review) == (0, 2, 0)
    assert not MatchReview.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="feeds.feedimport")
    assert event.detail == {"identifiers_added": 1}


# Conflicts go to review ------------------------------------------------------------------------------


def test_one_identifier_with_two_dates_of_birth_goes_to_review(run_feed):
    feed = run_feed(
        [
            person("s-1", "Amelia", "Harrison", "2012-05-04", police_id="PR/1"),
            person("s-2", "Amelia", "Harrison", "2012-05-04", police_id="PR/1"),
            # The reason names the identifier shared, not the first the row gives.
            person("s-3", "Amelia", "Harrison", "2012-06-04", upn="E123456789012", police_id="PR/1"),
        ]
    )
    child = new_children(feed).get()
    assert child.date_of_birth == date(2012, 5, 4) and (child.police_id, child.upn) == ("PR/1", "")
    review = MatchReview.objects.get()
    assert review.candidate == child and review.date_of_birth == date(2012, 6, 4)
    assert review.reason == (
        "The police reference is also given in this file to someone born on 04/05/2012: check which date of "
        "birth is right"
    )
    assert (feed.rows_applied, feed.rows_in_review) == (2, 1)
    assert FeedRow.objects.get().source_record_id == "s-3"


def test_a_row_linked_through_a_row_not_yet_joined_names_the_identifier_it_gives(run_feed):
    feed = run_feed(
        [
            person("s-1", "Amelia", "Harrison", "2012-05-04", police_id="PR/5"),
            person("s-1b", "Amelia", "Harrison", "2012-05-04", police_id="PR/5"),
            # Links s-3 to the group; comes after s-3 in resolve order (a later date of birth). At
            # another address, so only the shared police reference joins it to s-1, after s-3 went to review.
            person("s-2", "Amelia", "Harrison", "2012-05-04", police_id="PR/5", nhs_number=NHS_1, postcode="RV1 1AA"),
            # Shares only the NHS number, with s-2, and gives another date of birth.
            person("s-3", "Amelia", "Harrison", "2012-04-04", nhs_number=NHS_1),
        ]
    )
    child = new_children(feed).get()
    assert (child.police_id, child.nhs_number, child.date_of_birth) == ("PR/5", NHS_1, date(2012, 5, 4))
    review = MatchReview.objects.get()
    assert review.rows.get().source_record_id == "s-3" and review.candidate == child
    assert review.reason == (
        "The NHS number is also given in this file to someone born on 04/05/2012: check which date of birth is right"
    )


def test_a_shared_identifier_joins_a_row_whose_last_name_agrees_whatever_its_given_names(run_feed):
    feed = run_feed(
        [
            person("s-1", "Amelia", "Harrison", "2012-05-04", upn="E123456789099"),
            # Two given names: the family name is the name's last word.
            person("s-2", "Rose Mary", "Harrison", "2012-05-04", upn="E123456789099", police_id="PR/6"),
        ]
    )
    child = new_children(feed).get()
    assert (child.upn, child.police_id) == ("E123456789099", "PR/6")
    assert not MatchReview.objects.exists() and feed.rows_applied == 2


def test_rows_whose_names_are_only_punctuation_are_matched_by_their_shared_identifier(run_feed):
    # A source system that writes "?" for a name it does not know: nothing of the name is left to compare.
    feed = run_feed(
        [
            person("s-1", "?", "?", "2012-05-04", upn="E123456789098"),
            person("s-2", "?", "-", "2012-05-04", upn="E123456789098", police_id="PR/7"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED
    child = new_children(feed).get()
    assert (child.upn, child.police_id) == ("E123456789098", "PR/7")


def test_two_people_claiming_one_identifier_go_to_review(run_feed):
    feed = run_feed(
        [
            person("s-1", "Zofia", "Nowak", "2013-01-02", upn="C123456789012", nhs_number=NHS_1),
            person("s-2", "Zofia", "Nowak", "2013-01-02", upn="C123456789012", nhs_number=NHS_2),
            person("s-3", "Zofia", "Nowak", "2013-01-02", police_id="PN/7"),
            person("s-3b", "Zofia", "Nowak", "2013-01-02", police_id="PN/7"),
            person("s-4", "Tom", "Bright", "2013-01-02", police_id="PN/7", postcode="RV8 8XX"),
        ]
    )
    reviews = {review.rows.get().source_record_id: review for review in MatchReview.objects.all()}
    assert set(reviews) == {"s-2", "s-4"}
    assert reviews["s-2"].reason == (
        "The unique pupil number is also given in this file to someone with a different NHS number: two people "
        "may be claiming one identifier"
    )
    assert reviews["s-4"].reason == "The police reference is also given in this file to someone with a different name"
    child = new_children(feed).get()  # s-1 and s-3 are one Zofia (same name, date of birth and postcode)
    assert (child.upn, child.nhs_number, child.police_id) == ("C123456789012", NHS_1, "PN/7")
    assert {review.candidate for review in reviews.values()} == {child}


def test_a_row_in_review_against_a_child_held_takes_the_rows_sharing_an_identifier_with_it(run_feed):
    amira = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="A123456789012")
    other = ChildFactory(given_name="Bella", family_name="Stone", date_of_birth=date(2011, 1, 1), nhs_number=NHS_2)
    feed = run_feed(
        [
            # Amira's UPN and a police reference she lacks: on its own, Amira.
            person("m-1", "Amira", "Okafor", "2012-05-04", upn="A123456789012", police_id="PX/1"),
            # The same police reference with another young person's NHS number (and not their date of birth):
            # in review, not because of a name, so the row it shares the reference with waits too.
            person("m-2", "Amira", "Okafor", "2012-05-04", police_id="PX/1", nhs_number=NHS_2),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    reviews = {review.rows.get().source_record_id: review for review in MatchReview.objects.all()}
    assert reviews["m-1"].candidate == amira
    assert reviews["m-1"].reason == "Shares an identifier with another row of this file that is in review"
    assert reviews["m-2"].candidate == other
    assert reviews["m-2"].reason == "The NHS number matches but the date of birth is different"
    assert (feed.rows_applied, feed.rows_in_review) == (0, 2)
    amira.refresh_from_db()
    assert (amira.police_id, amira.nhs_number) == ("", "") and not Observation.objects.exists()


def test_rows_sharing_an_identifier_but_matched_to_two_children_held_all_go_to_review(run_feed):
    amira = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="A123456789012")
    twin = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="B123456789012")
    feed = run_feed(
        [
            # Each row's UPN is another young person's; the police reference they share says they are one.
            person("t-1", "Amira", "Okafor", "2012-05-04", upn="A123456789012", police_id="PT/2"),
            person("t-2", "Amira", "Okafor", "2012-05-04", upn="B123456789012", police_id="PT/2"),
            # Nobody held, but the same police reference: reviewed against the first of the two recorded.
            person("t-3", "Jay", "Brook", "2012-07-07", police_id="PT/2"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    reviews = {review.rows.get().source_record_id: review for review in MatchReview.objects.all()}
    assert (reviews["t-1"].candidate, reviews["t-2"].candidate, reviews["t-3"].candidate) == (amira, twin, amira)
    assert {review.reason for review in reviews.values()} == {
        "Shares an identifier with another row of this file that points at another young person"
    }
    assert (feed.rows_applied, feed.rows_in_review, feed.people_created) == (0, 3, 0)
    assert not Observation.objects.exists()


def test_a_new_row_sharing_an_identifier_with_a_row_in_review_waits_against_the_same_young_person(run_feed):
    john = ChildFactory(given_name="John", family_name="Smith", date_of_birth=date(2011, 2, 3))
    feed = run_feed(
        [
            # Sounds like John, born the same day: in review against him.
            person("j-1", "Jon", "Smyth", "2011-02-03", police_id="PJ/3"),
            # Nobody held, but the police reference says it is the same person as the row in review.
            person("j-2", "Jonny", "Smithers", "2011-03-02", police_id="PJ/3"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    reviews = {review.rows.get().source_record_id: review for review in MatchReview.objects.all()}
    assert (reviews["j-1"].candidate, reviews["j-2"].candidate) == (john, john)
    assert reviews["j-2"].reason == "Shares an identifier with another row of this file that is in review"
    assert (feed.rows_in_review, feed.people_created) == (2, 0)


def test_a_row_linked_to_a_child_held_by_a_shared_identifier_but_giving_another_of_theirs_goes_to_review(run_feed):
    amira = ChildFactory(
        given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="A123456789012", nhs_number=NHS_1
    )
    feed = run_feed(
        [
            # Amira by her UPN, with a police reference she lacks.
            person("k-1", "Amira", "Okafor", "2012-05-04", upn="A123456789012", police_id="PQ/1"),
            # The same police reference, and an NHS number that is not the one Amira holds.
            person("k-2", "Amira", "Okafor", "2012-05-04", postcode="RV8 8XX", police_id="PQ/1", nhs_number=NHS_2),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    assert Observation.objects.get().child == amira
    review = MatchReview.objects.get()
    assert review.rows.get().source_record_id == "k-2" and review.candidate == amira
    assert review.reason == (
        "The police reference is also given in this file to someone with a different NHS number: two people may "
        "be claiming one identifier"
    )
    amira.refresh_from_db()
    assert (amira.nhs_number, amira.police_id) == (NHS_1, "PQ/1")


def test_a_near_match_without_an_identifier_goes_to_review(run_feed):
    feed = run_feed(
        [
            person("s-1", "John", "Smith", "2011-02-03"),
            person("s-2", "John", "Smith", "2011-02-03"),
            person("s-3", "Jon", "Smyth", "2011-02-03"),  # sounds the same
            person("s-4", "John", "Smith", "2011-02-03", postcode="RV1 1ZZ"),  # another postcode
            person("s-5", "John", "Smith", "2011-02-03", upn="D123456789012"),  # same name, postcode: identifier added
        ]
    )
    child = new_children(feed).get()
    assert child.upn == "D123456789012"
    reasons = {review.rows.get().source_record_id: review.reason for review in MatchReview.objects.all()}
    assert reasons == {
        "s-3": "Same date of birth and a name that sounds the same as another person in this file",
        "s-4": "Same name and date of birth as another person in this file",
    }
    assert set(MatchReview.objects.values_list("candidate", flat=True)) == {child.pk}
    assert (feed.rows_applied, feed.rows_in_review, feed.people_created) == (3, 2, 1)


def test_a_group_of_rows_linked_by_an_identifier_that_sounds_like_another_new_person_waits_whole(run_feed):
    feed = run_feed(
        [
            person("s-1", "John", "Smith", "2011-02-03"),
            person("s-2", "John", "Smith", "2011-02-03", indicator_code="neet"),
            # One young person by their NHS number (one row gives a police reference too), who sounds
            # like John Smith and was born the same day: both rows wait against him.
            person("g-1", "Jon", "Smyth", "2011-02-03", nhs_number=NHS_1),
            person("g-2", "Jon", "Smyth", "2011-02-03", nhs_number=NHS_1, police_id="PG/1"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    john = new_children(feed).get()
    assert (john.given_name, john.family_name) == ("John", "Smith")
    reviews = {review.rows.get().source_record_id: review for review in MatchReview.objects.all()}
    assert sorted(reviews) == ["g-1", "g-2"]
    assert {review.candidate for review in reviews.values()} == {john}
    assert {review.reason for review in reviews.values()} == {
        "Same date of birth and a name that sounds the same as another person in this file"
    }
    assert (feed.rows_applied, feed.rows_in_review, feed.people_created) == (2, 2, 1)


def test_a_review_against_a_person_new_in_the_file_can_be_resolved(run_feed, partnership):
    feed = run_feed(
        [person("s-1", "John", "Smith", "2011-02-03", police_id="P1"), person("s-2", "Jon", "Smyth", "2011-02-03")]
    )
    review = MatchReview.objects.get()
    services.resolve_review(partnership.users["manager"], review, services.Decision.SAME)
    child = new_children(feed).get()
    assert Observation.objects.filter(child=child).count() == 2


def test_a_review_against_a_person_of_the_file_who_goes_to_review_too_names_that_persons_candidate(run_feed):
    """c-2 shares c-1's UPN under another name: in review against c-1. c-1 then sounds like Jon Smyth,
    whose two rows make the larger group, so c-1 waits against him too. c-2 must wait against the one
    record there is to join it to, Jon Smyth's, not against nobody."""
    run_feed(
        [
            person("c-0", "Jon", "Smyth", "2011-02-03"),
            person("c-0b", "Jon", "Smyth", "2011-02-03", indicator_code="neet"),
            person("c-1", "John", "Smith", "2011-02-03", upn="D123456789012"),
            person("c-2", "Xavier", "Quill", "2011-02-03", upn="D123456789012"),
        ]
    )
    smyth = Child.objects.get(given_name="Jon", family_name="Smyth")
    reviews = {review.rows.get().source_record_id: review for review in MatchReview.objects.all()}
    assert sorted(reviews) == ["c-1", "c-2"]
    assert reviews["c-1"].candidate == smyth and reviews["c-2"].candidate == smyth
    assert reviews["c-2"].candidate_adult is None
    assert (
        reviews["c-2"].reason == "The unique pupil number is also given in this file to someone with a different name"
    )


# No identifier dropped ---------------------------------------------------------------------------------


def test_no_identifier_is_dropped(run_feed, partnership):
    held = ChildFactory(
        given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="A123456789012", nhs_number=""
    )
    FamilyMember.objects.create(family=partnership.family, child=held, relationship="child")
    other = ChildFactory(date_of_birth=date(2010, 1, 1), upn="B123456789012", nhs_number=NHS_2)
    feed = run_feed(
        [
            # Matched by name, date of birth and postcode: the NHS number it lacks is stored.
            person("s-1", "Amira", "Okafor", "2012-05-04", postcode=partnership.family.postcode, nhs_number=NHS_1),
            # Matched by UPN, but the young person holds another NHS number: review, with the reason.
            person("s-2", "Bea", "Other", "2010-01-01", upn="B123456789012", nhs_number=NHS_3),
        ]
    )
    held.refresh_from_db()
    assert held.nhs_number == NHS_1
    review = MatchReview.objects.get()
    assert review.candidate == other
    assert review.reason == "The unique pupil number matches but the young person already has a different NHS number"
    other.refresh_from_db()
    assert other.nhs_number == NHS_2
    assert (feed.rows_applied, feed.rows_in_review) == (1, 1)


def test_two_rows_giving_a_person_held_two_values_go_to_review(run_feed, partnership):
    held = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="", police_id="")
    FamilyMember.objects.create(family=partnership.family, child=held, relationship="child")
    postcode = partnership.family.postcode
    run_feed(
        [
            person("s-1", "Amira", "Okafor", "2012-05-04", postcode=postcode, police_id="PA/1"),
            person("s-2", "Amira", "Okafor", "2012-05-04", postcode=postcode, police_id="PA/2"),
        ]
    )
    held.refresh_from_db()
    assert held.police_id == "PA/1"
    review = MatchReview.objects.get()
    assert review.candidate == held and review.rows.get().source_record_id == "s-2"
    assert review.reason == "Another row of this file gives this young person a different police reference"


def test_rows_leaving_an_identifier_blank_do_not_stand_against_a_row_that_gives_it(run_feed, partnership):
    held = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="A123456789012")
    FamilyMember.objects.create(family=partnership.family, child=held, relationship="child")
    postcode = partnership.family.postcode
    feed = run_feed(
        [
            # Matched by name, date of birth and postcode, and giving no identifier: nothing to store.
            person("b-0", "Amira", "Okafor", "2012-05-04", postcode=postcode),
            # Matched by the UPN alone: a blank NHS number or police reference is no value for them.
            person("b-1", "Amira", "Okafor", "2012-05-04", upn="A123456789012"),
            person("b-2", "Amira", "Okafor", "2012-05-04", upn="A123456789012", nhs_number=NHS_1, police_id="PB/1"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    held.refresh_from_db()
    assert (held.nhs_number, held.police_id) == (NHS_1, "PB/1")
    assert not MatchReview.objects.exists()
    assert set(Observation.objects.values_list("child_id", flat=True)) == {held.pk}
    assert (feed.rows_applied, feed.rows_in_review, feed.people_created) == (3, 0, 0)


def test_an_identifier_a_young_person_lacks_is_stored_whatever_other_kinds_they_hold(run_feed):
    held = ChildFactory(
        given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="A123456789012", police_id="PB/1"
    )
    feed = run_feed([person("h-1", "Amira", "Okafor", "2012-05-04", upn="A123456789012", nhs_number=NHS_1)])
    assert feed.status == FeedStatus.APPLIED, feed.message
    held.refresh_from_db()
    assert (held.upn, held.nhs_number, held.police_id) == ("A123456789012", NHS_1, "PB/1")
    assert Observation.objects.get().child == held


def test_a_group_of_rows_giving_a_young_person_another_value_waits_whole_and_the_rest_are_still_stored(
    run_feed, partnership
):
    amira = ChildFactory(given_name="Amira", family_name="Okafor", date_of_birth=date(2012, 5, 4), upn="A123456789012")
    zara = ChildFactory(given_name="Zara", family_name="Quinn", date_of_birth=date(2013, 6, 7), upn="Z123456789012")
    FamilyMember.objects.create(family=partnership.family, child=amira, relationship="child")
    postcode = partnership.family.postcode
    feed = run_feed(
        [
            # Two rows about Amira with one NHS number: her record takes it (the larger group decides).
            person("y-1", "Amira", "Okafor", "2012-05-04", postcode=postcode, nhs_number=NHS_2),
            person("y-2", "Amira", "Okafor", "2012-05-04", postcode=postcode, nhs_number=NHS_2, indicator_code="neet"),
            # Two rows linked by another NHS number, one with a police reference too: both wait.
            person("x-1", "Amira", "Okafor", "2012-05-04", postcode=postcode, nhs_number=NHS_1),
            person("x-2", "Amira", "Okafor", "2012-05-04", postcode=postcode, nhs_number=NHS_1, police_id="PX/1"),
            # Another young person, found by the UPN, with two NHS numbers: checked all the same, the
            # first in order stored and the other in review.
            person("z-1", "Zara", "Quinn", "2013-06-07", upn="Z123456789012", nhs_number=NHS_3),
            person("z-2", "Zara", "Quinn", "2013-06-07", upn="Z123456789012", nhs_number=NHS_4),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    reviews = {review.rows.get().source_record_id: review for review in MatchReview.objects.all()}
    assert sorted(reviews) == ["x-1", "x-2", "z-2"]
    assert [reviews[key].candidate for key in ("x-1", "x-2", "z-2")] == [amira, amira, zara]
    assert {review.reason for review in reviews.values()} == {
        "Another row of this file gives this young person a different NHS number"
    }
    amira.refresh_from_db()
    zara.refresh_from_db()
    assert (amira.nhs_number, amira.police_id, zara.nhs_number) == (NHS_2, "", NHS_3)
    assert sorted(Observation.objects.values_list("source_record_id", flat=True)) == ["y-1", "y-2", "z-1"]
    assert (feed.rows_applied, feed.rows_in_review) == (3, 3)


# Bad input ---------------------------------------------------------------------------------------------

GIVEN = ["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Freya", "Arthur", "Ivy", "Oscar"]
FAMILY = ["Harrison", "Patel", "Walker", "Murphy", "Hughes", "Khan", "Wright", "Lewis", "Clarke", "Turner"]


def _misspell(name: str, how: int) -> str:
    """A misspelling that keeps the name's sound (swap two inner letters) or not (first letter)."""
    if how == 0:
        return name[0] + name[2] + name[1] + name[3:]
    return ("Z" if name[0] != "Z" else "X") + name[1:]


def test_a_file_whose_people_are_all_new_and_all_misspelt_twice_creates_no_duplicate(run_feed):
    rows = []
    for n in range(20):
        given, family = GIVEN[n % 10], FAMILY[(n * 3) % 10]
        born = (date(2010, 1, 1) + timedelta(days=37 * n)).isoformat()
        postcode = f"RV{n} 1AA"
        ids = {"police_id": f"PR/{n}"} if n % 2 == 0 else {}
        rows += [
            person(f"{n}-a", given, family, born, postcode=postcode, household_ref=f"H{n}", **ids),
            person(f"{n}-b", given, family, born, postcode=postcode, household_ref=f"H{n}", **ids),
            # Misspelt twice: the family name's sound kept, then lost (same postcode and household).
            person(f"{n}-c", given, _misspell(family, 0), born, postcode=postcode, household_ref=f"H{n}", **ids),
            person(f"{n}-d", given, _misspell(family, 1), born, postcode="", household_ref=f"H{n}", **ids),
        ]
    held_before = Child.objects.count()
    feed = run_feed(rows)
    assert feed.status == FeedStatus.APPLIED
    children = new_children(feed)
    assert children.count() == 20 == feed.people_created
    assert {(c.given_name, c.family_name) for c in children} == {
        (GIVEN[n % 10], FAMILY[(n * 3) % 10]) for n in range(20)
    }
    # With the police reference: one person each. Without: both misspellings wait in review.
    assert MatchReview.objects.count() == 20 and feed.rows_in_review == 20
    assert feed.rows_applied == 80 - 20
    for review in MatchReview.objects.select_related("candidate"):
        assert review.candidate.given_name == review.given_name
    assert Child.objects.count() == children.count() + held_before


def test_an_identifier_in_the_wrong_format_gets_a_row_level_error(run_feed):
    feed = run_feed(
        [
            person("s-1", "Amelia", "Harrison", "2012-05-04", upn="123"),
            person("s-2", "Amelia", "Harrison", "2012-05-04", nhs_number=NHS_1[:-1] + str((int(NHS_1[-1]) + 1) % 10)),
            person("s-3", "Amelia", "Harrison", "2012-05-04", police_id="P" * 31),
            person("s-4", "Amelia", "Harrison", "2012-05-04"),
        ]
    )
    assert feed.status == FeedStatus.NEEDS_DECISION and feed.rows_invalid == 3
    errors = dict(FeedRow.objects.values_list("source_record_id", "errors"))
    assert errors["s-1"].startswith("upn: ")
    assert errors["s-2"].startswith("nhs_number: ")
    assert errors["s-3"] == "police_id: longer than 30 characters"
    assert errors["s-4"] == ""
    assert not Child.objects.filter(given_name="Amelia", family_name="Harrison").exists()  # nothing applied


def test_a_household_reference_shared_by_500_people_has_a_clear_outcome(run_feed):
    rows = []
    for n in range(500):
        born = (date(2009, 1, 1) + timedelta(days=5 * n)).isoformat()
        given = GIVEN[n % 10]
        rows.append(person(f"h-{n}", given, "Shared", born, household_ref="EVERYONE", police_id=f"PS/{n}"))
        # Each appears a second time misspelt, with their police reference.
        rows.append(person(f"h-{n}-x", given, "Sharde", born, household_ref="EVERYONE", police_id=f"ps/{n}"))
    # ... and one near match without an identifier: same date of birth, household, given name's sound.
    rows.append(person("h-near", GIVEN[0], "Zhared", date(2009, 1, 1).isoformat(), household_ref="EVERYONE"))
    feed = run_feed(rows)
    assert feed.status == FeedStatus.APPLIED
    assert feed.people_created == 500 == new_children(feed).count()
    family = Household.objects.get(household_ref="EVERYONE").family
    assert FamilyMember.objects.filter(family=family).count() == 500
    review = MatchReview.objects.get()
    assert review.rows.get().source_record_id == "h-near"
    assert review.candidate.police_id == "PS/0"
    assert (feed.rows_applied, feed.rows_in_review) == (1000, 1)


def test_reimporting_the_rows_changes_nothing(run_feed):
    rows = [
        person("s-1", "Amelia", "Harrison", "2012-05-04", police_id="PR/1"),
        person("s-2", "Amlia", "Harisson", "2012-05-04", police_id="PR/1"),
    ]
    first = run_feed(rows, "one.csv")
    children, observations = Child.objects.count(), Observation.objects.count()
    again = run_feed(rows[::-1], "two.csv")  # the same rows in another file
    assert first.people_created == 1
    assert (again.rows_already_known, again.rows_applied, again.people_created) == (2, 0, 0)
    assert (Child.objects.count(), Observation.objects.count()) == (children, observations)
    assert not MatchReview.objects.exists() and not FeedRow.objects.filter(status=RowStatus.IN_REVIEW).exists()


def test_a_group_sharing_an_identifier_resolves_to_the_spelling_most_rows_agree_on(run_feed):
    # One row each: "Lelie Jenkins" comes first in name order, and "Leslie Jekins" agrees with
    # neither of its names; both agree with "Leslie Jenkins", which the group's names agree on most.
    feed = run_feed(
        [
            person("g-1", "Lelie", "Jenkins", "2012-12-26", nhs_number=NHS_2),
            person("g-2", "Leslie", "Jekins", "2012-12-26", nhs_number=NHS_2),
            person("g-3", "Leslie", "Jenkins", "2012-12-26", nhs_number=NHS_2),
            person("g-4", "Lesie", "Jenkins", "2012-12-26", nhs_number=NHS_2),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and not MatchReview.objects.exists()
    child = new_children(feed).get()
    assert (child.given_name, child.family_name, child.nhs_number) == ("Leslie", "Jenkins", NHS_2)
    assert set(Observation.objects.values_list("child_id", flat=True)) == {child.pk}


def test_rows_sent_again_while_in_review_are_not_a_second_review(run_feed):
    held = ChildFactory(given_name="Nia", family_name="Okafor", date_of_birth=date(2011, 3, 3))
    rows = [person("r-1", "Nia", "Okafor", "2011-03-03", postcode="ZZ1 1ZZ")]  # another postcode: review
    first = run_feed(rows, "one.csv")
    assert first.rows_in_review == 1 and MatchReview.objects.get().candidate == held
    again = run_feed([*rows, person("r-2", "Ola", "Brennan", "2012-02-02")], "two.csv")  # another file
    assert (again.rows_already_known, again.rows_in_review, again.rows_applied) == (1, 0, 1)
    assert MatchReview.objects.count() == 1 and FeedRow.objects.filter(status=RowStatus.IN_REVIEW).count() == 1


def test_a_new_child_known_only_from_the_feed_gets_no_involvement(run_feed):
    feed = run_feed([person("i-1", "Ola", "Brennan", "2012-02-02", upn="A123456789012")])
    child = new_children(feed).get()
    assert child.upn == "A123456789012" and not child.involvements.exists()


def test_an_adults_rows_from_systems_with_and_without_households_are_one_adult(run_feed):
    born = "1980-06-07"
    feed = run_feed(
        [
            person("a-1", "Grace", "Whitlock", born, source_system="housing", household_ref="H9"),
            person("a-2", "Grace", "Whitlock", born, source_system="housing", household_ref="H9"),
            # Misspelt in the same household, same date of birth, sounds the same: the same adult.
            person("a-3", "Grayce", "Whitlock", born, source_system="housing", household_ref="H9"),
            # Health knows her by NHS number and no household; police by a reference and no postcode.
            person("a-4", "Grace", "Whitlock", born, source_system="health", nhs_number=NHS_1),
            person("a-5", "Grace", "Whitlock", born, source_system="police", police_id="PA/9", postcode=""),
            # Someone else in the household: another adult.
            person("a-6", "Tom", "Whitlock", "1978-01-01", source_system="housing", household_ref="H9"),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 2
    grace = {Observation.objects.get(source_record_id=f"a-{n}").adult_id for n in range(1, 6)}
    assert len(grace) == 1 and Observation.objects.get(source_record_id="a-6").adult_id not in grace
    family = Household.objects.get(household_ref="H9").family
    assert FamilyMember.objects.filter(family=family, adult__isnull=False).count() == 2
    # No identifier dropped: the adult keeps those its rows gave.
    assert Adult.objects.filter(pk__in=grace, nhs_number=NHS_1, police_id="PA/9").exists()


# Adults' identifiers -------------------------------------------------------------------------------


def _adult_held(given, family_name, born, household_ref="H-A", **identifiers):
    family = Family.objects.create(reference=f"F-{household_ref}", name=f"{family_name} family", postcode="RV9 9ZZ")
    Household.objects.create(source_system="housing", household_ref=household_ref, family=family)
    adult = Adult.objects.create(
        given_name=given, family_name=family_name, date_of_birth=date.fromisoformat(born), **identifiers
    )
    FamilyMember.objects.create(family=family, adult=adult, relationship="mother")
    return adult


def test_an_identifier_with_the_same_date_of_birth_decides_an_adult_held(run_feed):
    adult = _adult_held("Patricia", "Moore", "1975-03-02", nhs_number=NHS_2)
    feed = run_feed(
        [
            # Another spelling, no household, no postcode: the NHS number and date of birth decide.
            person("p-1", "Pat", "Moor", "1975-03-02", source_system="health", nhs_number=NHS_2, postcode=""),
            # The same NHS number and a police reference the adult lacks: stored on her.
            person(
                "p-2", "Patricia", "Moore", "1975-03-02", source_system="police", nhs_number=NHS_2, police_id="pm 7"
            ),
        ]
    )
    assert feed.status == FeedStatus.APPLIED and feed.people_created == 0
    assert set(Observation.objects.filter(feed=feed).values_list("adult_id", flat=True)) == {adult.pk}
    adult.refresh_from_db()
    assert adult.police_id == "PM7"
    event = AuditEvent.objects.get(
        action=AuditAction.UPDATE, object_id=str(feed.pk), subjects__object_type="cases.adult"
    )
    assert list(event.subjects.filter(object_type="cases.adult").values_list("object_id", flat=True)) == [str(adult.pk)]


def test_a_review_of_an_adult_held_names_the_identifier_they_hold_not_the_first_the_row_gives(run_feed):
    """The adult held has an NHS number only; the row gives a pupil number nobody holds and that NHS
    number, with another date of birth: the manager is told which identifier matched."""
    adult = _adult_held("Rita", "Okafor", "1980-01-01", nhs_number=NHS_2)
    feed = run_feed(
        [person("r-1", "Rita", "Okafor", "1981-01-01", source_system="health", upn="A123456789012", nhs_number=NHS_2)]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    review = MatchReview.objects.get(feed=feed)
    assert review.candidate_adult == adult
    assert review.reason == "The NHS number matches but the date of birth is different"


def test_an_adult_held_with_a_school_and_a_police_reference_is_found_by_them_and_never_given_others(run_feed):
    # A young adult who kept the pupil number of their school days.
    adult = _adult_held("Dean", "Carter", "2004-04-04", upn="A123456789012", police_id="PD/4")
    feed = run_feed(
        [
            # The police reference the adult holds, and an NHS number the adult lacks: the same adult.
            person(
                "d-1",
                "Dean",
                "Carter",
                "2004-04-04",
                source_system="housing",
                household_ref="H-A",
                police_id="PD/4",
                nhs_number=NHS_1,
            ),
            # Same name, household and date of birth with another police reference: for a person to decide.
            person(
                "d-2", "Dean", "Carter", "2004-04-04", source_system="housing", household_ref="H-A", police_id="PD/5"
            ),
        ]
    )
    assert feed.status == FeedStatus.APPLIED, feed.message
    adult.refresh_from_db()
    assert (adult.upn, adult.police_id, adult.nhs_number) == ("A123456789012", "PD/4", NHS_1)
    assert Observation.objects.get(source_record_id="d-1").adult_id == adult.pk
    assert not Observation.objects.filter(source_record_id="d-2").exists()
    review = MatchReview.objects.get(feed=feed)
    assert review.candidate_adult == adult and "police reference" in review.reason
    assert FeedRow.objects.get(source_record_id="d-2", status=RowStatus.IN_REVIEW).police_id == "PD/5"
    assert feed.people_created == 0


def test_adult_rows_sharing_an_identifier_in_one_file_are_one_adult_with_every_identifier(run_feed):
    feed = run_feed(
        [
            person("q-1", "Joanna", "Price", "1979-09-09", source_system="health", nhs_number=NHS_1, postcode=""),
            person("q-2", "Joanna", "Price", "1979-09-09", source_system="housing", nhs_number=NHS_1, postcode=""),
            # Misspelt, with a police reference too.
            person("q-3", "Joana", "Price", "1979-09-09", source_system="police", nhs_number=NHS_1, police_id="JP1"),
        ]
    )
    assert feed.people_created == 1
    (adult_id,) = set(Observation.objects.filter(feed=feed).values_list("adult_id", flat=True))
    adult = Adult.objects.get(pk=adult_id)
    assert (adult.nhs_number, adult.police_id) == (NHS_1, "JP1")
    assert adult.given_name == "Joanna"  # the spelling most rows agree on


def test_resolving_a_block_of_20000_look_alikes_is_linear():
    """The worst block: 20,000 new people of one household, born the same day, whose names sound
    the same, half of them sharing one police reference and the others giving none. Each is looked
    up, never compared with every other (20,000 squared comparisons would take minutes): one new
    person, the rest either the same person (the identifier) or in review against them."""
    import time

    from feeds.services.matching import ChildIndex, Outcome, Person, fast_normalise, resolve_people

    born = date(2012, 5, 4)
    persons = []
    for n in range(20_000):
        given, family = ("Amelia", "Harrison") if n % 2 else (f"Amelia{'a' * (n % 7)}", "Harison")
        persons.append(
            Person(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                postcode=f"RV{n}1AA",
                upn="",
                nhs_number="",
                police_id="PR/1" if n % 2 else "",
                name_key=fast_normalise(f"{given} {family}"),
                rows=[n],
                households={("schools", "EVERYONE"): ""},
            )
        )
    started = time.process_time()  # CPU time: a busy machine slows the wall clock, not the work
    resolve_people(persons, ChildIndex({}, {}, {}, {}), date(2026, 1, 1))
    assert time.process_time() - started < 10
    outcomes = [p.outcome for p in persons]
    assert outcomes.count(Outcome.NEW_CHILD) == 10_000  # one person and the 9,999 rows sharing PR/1
    assert len({id(p.root()) for p in persons if p.outcome == Outcome.NEW_CHILD}) == 1
    assert outcomes.count(Outcome.REVIEW) == 10_000

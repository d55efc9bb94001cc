"""An import never writes observations about a person or household deleted while it runs (issue 20:
`lock_parents` had no test). Observations have no database foreign keys (they are copied in bulk),
so the apply checks and, on PostgreSQL, locks every young person, adult and family its rows name.
Nor does it overwrite an identifier a young person or adult was given while it ran."""

from datetime import date

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Adult, Child, Family
from feeds.models import FeedImport
from feeds.services.applying import Applier, ObservationItem, lock_parents
from feeds.services.matching import Person
from tests.factories import ChildFactory
from tests.feeds_helpers import held_by_another_job

pytestmark = pytest.mark.django_db


def people() -> tuple[Child, Adult, Family]:
    family = Family.objects.create(reference="FAM-LOCK-1", name="Example household")
    adult = Adult.objects.create(given_name="Sam", family_name="Example", date_of_birth=date(1980, 1, 1))
    return ChildFactory(), adult, family


def item(child: int | None = None, adult: int | None = None, family: int | None = None) -> ObservationItem:
    return ("police", f"r-{child}-{adult}-{family}", "missing_episode", date(2026, 1, 1), child, adult, family, "")


def test_rows_naming_people_and_households_that_exist_pass():
    child, adult, family = people()
    lock_parents([item(child=child.pk), item(adult=adult.pk), item(family=family.pk), item(child=child.pk)])


@pytest.mark.parametrize(
    "kind, message",
    [
        ("child", "1 children were deleted during the import"),
        ("adult", "1 adults were deleted during the import"),
        ("family", "1 families were deleted during the import"),
    ],
)
def test_a_row_naming_someone_deleted_meanwhile_stops_the_apply(kind, message):
    child, adult, family = people()
    held = {"child": child, "adult": adult, "family": family}
    gone_id = held[kind].pk
    held[kind].delete()
    items = [item(child=child.pk if kind != "child" else None), item(**{kind: gone_id})]
    with pytest.raises(RuntimeError) as stopped:
        lock_parents(items)
    assert str(stopped.value) == message


def test_the_count_in_the_message_is_of_those_deleted_not_of_those_named():
    items = [item(child=ChildFactory().pk) for _ in range(3)]
    Child.objects.filter(pk=items[1][4]).delete()
    with pytest.raises(RuntimeError) as stopped:
        lock_parents(items)
    assert str(stopped.value) == "1 children were deleted during the import"


def test_a_file_naming_more_young_people_than_one_lookup_takes_is_checked_whole():
    """SQLite looks the ids up 500 at a time: every id in exactly one lookup, none twice."""
    children = Child.objects.bulk_create(
        Child(reference=f"LOCK-{n}", given_name="Alex", family_name=f"Many{n}", date_of_birth=date(2012, 1, 1))
        for n in range(1_201)
    )
    items = [item(child=child.pk) for child in children]
    lock_parents(items)  # all held: passes
    Child.objects.filter(pk=children[500].pk).delete()  # the first id of the second lookup
    with pytest.raises(RuntimeError) as stopped:
        lock_parents(items)
    assert str(stopped.value) == "1 children were deleted during the import"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="FOR KEY SHARE row locks exist only on PostgreSQL")
@pytest.mark.parametrize("kind", ["child", "adult", "family"])
def test_nobody_can_delete_a_person_an_import_is_applying_until_it_commits(transactional_db, kind):
    """A disposal (or any delete) waits for the import's transaction rather than leave it observations
    about nobody."""
    child, adult, family = people()
    target = {"child": child, "adult": adult, "family": family}[kind]
    table = type(target)._meta.db_table
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
    )
    try:
        with held_by_another_job(lambda: lock_parents([item(**{kind: target.pk})])):
            other.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(f"DELETE FROM {table} WHERE id = %s", [target.pk])  # noqa: S608
            other.rollback()
    finally:
        other.close()
    assert type(target).objects.filter(pk=target.pk).exists()


def person_with(identity: dict[str, str], child_id: int) -> Person:
    """A person of a file matched to a young person held, with the identifiers the file gives them."""
    person = Person("Alex", "Example", date(2012, 1, 1), "", "", "", "", name_key="alex example", child_id=child_id)
    person.identity = identity
    return person


def test_an_identifier_a_young_person_was_given_while_the_import_ran_stops_it_and_is_kept():
    """fill_identifiers writes only into empty fields: one filled meanwhile (by a caseworker, say)
    stops the apply, whose transaction then leaves nothing of the file (tests/test_feeds_atomicity.py)."""
    lacking, given = ChildFactory(upn=""), ChildFactory(upn="A111111111111")
    applier = Applier(FeedImport(), date(2026, 1, 1))
    persons = [person_with({"upn": "B222222222222"}, lacking.pk), person_with({"upn": "C333333333333"}, given.pk)]
    with pytest.raises(RuntimeError) as stopped:
        applier.fill_identifiers(persons)
    assert str(stopped.value) == "1 young people got a upn during the import"
    given.refresh_from_db()
    assert given.upn == "A111111111111"


def test_an_identifier_an_adult_was_given_while_the_import_ran_stops_it_and_is_kept():
    make = Adult.objects.create
    lacking = make(given_name="Sam", family_name="Example", date_of_birth=date(1980, 1, 1))
    given = make(given_name="Kim", family_name="Example", date_of_birth=date(1981, 1, 1), police_id="PK1")
    applier = Applier(FeedImport(), date(2026, 1, 1))
    with pytest.raises(RuntimeError) as stopped:
        applier._fill_adult_identifiers({lacking.pk: {"police_id": "PS1"}, given.pk: {"police_id": "PK2"}})
    assert str(stopped.value) == "1 adults got a police_id during the import"
    given.refresh_from_db()
    assert given.police_id == "PK1"


def test_identifiers_filled_into_empty_fields_are_stored():
    lacking = ChildFactory(upn="", nhs_number="")
    applier = Applier(FeedImport(), date(2026, 1, 1))
    applier.fill_identifiers([person_with({"upn": "B222222222222"}, lacking.pk)])
    lacking.refresh_from_db()
    assert (lacking.upn, lacking.nhs_number) == ("B222222222222", "")
    assert applier.identified_children == {lacking.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based UPDATE is PostgreSQL's path")
def test_identifiers_for_many_people_are_stored_in_one_statement_a_kind():
    """A first load gives tens of thousands of people held their identifiers: one UPDATE a kind, not
    one a person."""
    children = [ChildFactory(upn="", nhs_number="") for _ in range(4)]
    adults = [
        Adult.objects.create(given_name="Sam", family_name=f"Example{n}", date_of_birth=date(1980, 1, 1))
        for n in range(4)
    ]
    applier = Applier(FeedImport(), date(2026, 1, 1))
    persons = [
        person_with({"upn": f"B22222222222{n}", "nhs_number": f"94000000{n}{n}"}, child.pk)
        for n, child in enumerate(children)
    ]
    with CaptureQueriesContext(connection) as queries:
        applier.fill_identifiers(persons)
        applier._fill_adult_identifiers({adult.pk: {"police_id": f"PS{n}"} for n, adult in enumerate(adults)})
    assert len(queries) == 3
    assert sorted(Child.objects.filter(pk__in=[c.pk for c in children]).values_list("upn", flat=True)) == [
        f"B22222222222{n}" for n in range(4)
    ]
    assert sorted(Adult.objects.filter(police_id__startswith="PS").values_list("police_id", flat=True)) == [
        f"PS{n}" for n in range(4)
    ]

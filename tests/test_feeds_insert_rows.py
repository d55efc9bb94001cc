"""`feeds.services.applying.insert_rows`: the COPY writer the PostgreSQL import path creates people,
families and links with. It must fill what it is not given as the ORM would, and refuse what it
cannot write with a message that names the fault (docs/feeds.md, "Size and speed")."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import Family
from feeds.models import FeedRow, Household
from feeds.services.applying import insert_rows
from jobs.models import OutboxMessage

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is the PostgreSQL path's writer"),
]


def test_columns_not_given_get_their_model_defaults():
    before = timezone.now()
    ids = insert_rows(OutboxMessage, ("task_name",), [("first",), ("second",)])
    written = list(OutboxMessage.objects.filter(pk__in=ids).order_by("pk"))
    assert [message.task_name for message in written] == ["first", "second"]
    for message in written:
        assert (message.args, message.kwargs, message.attempts, message.last_error) == ([], {}, 0, "")
        assert message.sent_at is None
        assert before - timedelta(seconds=1) <= message.created_at <= timezone.now()


def test_empty_text_is_stored_as_empty_text_not_null():
    fields = ("feed_id", "line_number", "source_system", "source_record_id", "errors", "note")
    [row_id] = insert_rows(FeedRow, fields, [(1, 2, "schools", "r-1", "", "")])
    row = FeedRow.objects.get(pk=row_id)
    assert (row.errors, row.note, row.given_name, row.status) == ("", "", "", "valid")


def test_a_field_is_named_by_its_name_or_its_column():
    family = Family.objects.create(reference="F-COPY", name="Copy household", postcode="RV1 1AA")
    by_name, by_column = (
        insert_rows(Household, ("source_system", "household_ref", field), [("schools", ref, family.pk)])[0]
        for field, ref in (("family", "H-NAME"), ("family_id", "H-COLUMN"))
    )
    assert Household.objects.get(pk=by_name).family == family
    assert Household.objects.get(pk=by_column).family == family


def test_a_required_column_not_given_is_refused_by_name():
    with pytest.raises(ValueError) as refused:
        insert_rows(Household, ("source_system", "household_ref"), [("schools", "H-1")])
    assert str(refused.value) == "cohorts_household.family_id has no default: give it a value"
    assert not Household.objects.exists()


def test_a_field_the_model_lacks_is_refused_with_the_fields_given():
    family = Family.objects.create(reference="F-COPY", name="Copy household", postcode="RV1 1AA")
    with pytest.raises(ValueError) as refused:
        insert_rows(Household, ("source_system", "household_ref", "family_id", "size"), [("s", "H-1", family.pk, 4)])
    assert (
        str(refused.value)
        == "cohorts_household lacks one of the fields ['family_id', 'household_ref', 'size', 'source_system']"
    )
    assert not Household.objects.exists()

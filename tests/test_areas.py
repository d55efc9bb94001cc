"""The managed areas, the coded demographics and the values listed for review."""

from datetime import date

import pytest
from django.urls import reverse

from areas.demographics import ETHNIC_GROUPS, Ethnicity, age_band, ethnic_group, ethnicity_code, gender_code
from areas.models import BasePopulation, UnmappedValue
from areas.services import note_unmapped
from audit.models import AuditEvent
from tests.factories import NeighbourhoodFactory


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Female", "female"),
        (" m ", "male"),
        ("Non-binary", "non_binary"),
        ("", "not_recorded"),
        ("Unknown", "not_recorded"),
        ("Prefer not to say", "prefers_not_to_say"),
        ("prefers_not_to_say", "prefers_not_to_say"),
        ("Questioning", None),
    ],
)
def test_gender_text_maps_to_a_code_or_to_nothing(text, code):
    assert gender_code(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("White British", "white_british"),
        ("WBRI", "white_british"),
        ("Mixed White and Black Caribbean", "mixed_white_black_caribbean"),
        ("Black African", "black_african"),
        ("Irish Traveller", "white_gypsy_traveller"),
        ("asian_other", "asian_other"),
        ("Not recorded", "not_recorded"),
        ("Other", None),  # which group? the census has an "other" in each
        ("Gypsy, Roma or Traveller", None),  # the census counts Gypsy or Irish Traveller and Roma apart
    ],
)
def test_ethnicity_text_maps_to_a_census_code_or_to_nothing(text, code):
    assert ethnicity_code(text) == code


def test_the_census_has_nineteen_categories_in_five_groups():
    detailed = [code for group, codes in ETHNIC_GROUPS.items() for code in codes if code != group]
    assert len(detailed) == 19 and len(Ethnicity.values) == 21
    assert [len(ETHNIC_GROUPS[group]) for group in ("asian", "black", "mixed", "white", "other")] == [5, 3, 4, 5, 2]
    assert ethnic_group("other_arab") == "other" and ethnic_group("prefers_not_to_say") == "prefers_not_to_say"


def test_age_bands():
    on = date(2026, 6, 15)
    assert [age_band(date(2026 - age, 6, 15), on) for age in (9, 10, 13, 14, 16, 17, 18, 24)] == [
        "0-9", "10-13", "10-13", "14-15", "16-17", "16-17", "18-24", "18-24",
    ]  # fmt: skip
    assert age_band(date(2012, 6, 16), on) == "10-13"  # 14 tomorrow


def test_a_value_seen_again_is_counted_and_listed_again(db):
    note_unmapped("gender", "Questioning", "feed 3", example="FD3-1")
    UnmappedValue.objects.update(reviewed=True)
    note_unmapped("gender", " Questioning ", "feed 3", records=2)
    value = UnmappedValue.objects.get()
    assert (value.records, value.reviewed, value.example) == (3, False, "FD3-1")


def test_the_administrator_edits_the_base_population_and_it_is_audited(client_for, partnership):
    row = BasePopulation.objects.create(
        neighbourhood=NeighbourhoodFactory(name="Westmoor"),
        age_band="14-15",
        gender="male",
        ethnicity="white_roma",
        count=40,
    )
    url = reverse("admin:areas_basepopulation_change", args=[row.pk])
    data = {"neighbourhood": row.neighbourhood_id, "age_band": "14-15", "gender": "male", "ethnicity": "white_roma"}
    response = client_for("admin").post(url, {**data, "count": "45"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.count == 45
    event = AuditEvent.objects.get(action="update", object_type="areas.basepopulation")
    assert (event.detail["before"]["count"], event.detail["after"]["count"]) == (40, 45)
    assert client_for("manager").post(url, {**data, "count": "1"}).status_code == 404
    row.refresh_from_db()
    assert row.count == 45


def test_the_administrator_reviews_unmapped_values(client_for, partnership):
    note_unmapped("ethnicity", "Other", "cases.Child", records=4, example="SO-00012")
    note_unmapped("gender", "Questioning", "cases.Child")
    listing = client_for("admin").get(reverse("admin:areas_unmappedvalue_changelist"))
    assert "SO-00012" in listing.text and "Questioning" in listing.text
    other = UnmappedValue.objects.get(value="Other")
    response = client_for("admin").post(
        reverse("admin:areas_unmappedvalue_changelist"),
        {"action": "mark_reviewed", "_selected_action": [other.pk]},
    )
    assert response.status_code == 302
    assert dict(UnmappedValue.objects.values_list("value", "reviewed")) == {"Other": True, "Questioning": False}
    assert AuditEvent.objects.filter(action="update", object_type="areas.unmappedvalue").count() == 1

"""Migrations cases 0007 and outreach 0002-0003: free text becomes codes and managed areas, and what
cannot be mapped is listed for review; outreach's areas become system-wide neighbourhoods."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from areas.models import Neighbourhood, UnmappedValue
from cases.models import Child, Context, Family
from outreach.models import OutreachEvent
from tests.factories import AgencyFactory, UserFactory

BEFORE = [("cases", "0005_child_over_18_reason"), ("outreach", "0001_initial"), ("areas", "0001_initial")]
# gender, ethnicity, area as older records hold them
CHILDREN = [
    ("Female", "White British", "Westmoor"),
    ("male", "Black African", "westmoor "),
    ("M", "Asian Pakistani", "Harbourside"),
    ("", "Mixed White and Black Caribbean", ""),
    ("Not recorded", "Gypsy, Roma or Traveller", "Riverton Nowhere"),
    ("Questioning", "Other", "Riverton Nowhere"),
    ("Female", "Not recorded", "Westmoor"),
]


@pytest.mark.django_db(transaction=True)
def test_free_text_is_mapped_and_the_rest_listed_for_review():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    agency, user = AgencyFactory(), UserFactory()
    Area = old.get_model("outreach", "Area")
    westmoor, harbourside, _retired = (
        Area.objects.create(name="Westmoor"),
        Area.objects.create(name="Harbourside"),
        Area.objects.create(name="Old ward", is_active=False),
    )
    old.get_model("outreach", "OutreachEvent").objects.create(
        agency_id=agency.pk, activity="training", audience="other", organisation="Hall", area=harbourside,
        held_on=date(2026, 3, 1), headcount=12, delivered_by="PC Day", recorded_by_id=user.pk,
    )  # fmt: skip
    OldChild = old.get_model("cases", "Child")
    for number, (gender, ethnicity, area) in enumerate(CHILDREN, start=1):
        OldChild.objects.create(
            reference=f"M-{number}", given_name="A", family_name="B", date_of_birth=date(2012, 1, 1),
            gender=gender, ethnicity=ethnicity, area=area,
        )  # fmt: skip
    old.get_model("cases", "Family").objects.create(reference="F-1", name="B family", area="Harbourside")
    old.get_model("cases", "Context").objects.create(reference="X-1", kind="location", name="Park", area="Docks")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    children = {c.reference: (c.gender, c.ethnicity, c.neighbourhood_id) for c in Child.objects.all()}
    assert children == {
        "M-1": ("female", "white_british", westmoor.pk),
        "M-2": ("male", "black_african", westmoor.pk),
        "M-3": ("male", "asian_pakistani", harbourside.pk),
        "M-4": ("not_recorded", "mixed_white_black_caribbean", None),
        "M-5": ("not_recorded", "not_recorded", None),
        "M-6": ("not_recorded", "not_recorded", None),
        "M-7": ("female", "not_recorded", westmoor.pk),
    }
    assert Family.objects.get().neighbourhood_id == harbourside.pk
    assert Context.objects.get().neighbourhood_id is None
    unmapped = {(u.field, u.value, u.source, u.records, u.example) for u in UnmappedValue.objects.all()}
    assert unmapped == {
        ("gender", "Questioning", "cases.Child", 1, "M-6"),
        ("ethnicity", "Gypsy, Roma or Traveller", "cases.Child", 1, "M-5"),
        ("ethnicity", "Other", "cases.Child", 1, "M-6"),
        ("area", "Riverton Nowhere", "cases.Child", 2, "M-5"),
        ("area", "Docks", "cases.Context", 1, "X-1"),
    }
    assert not UnmappedValue.objects.filter(reviewed=True).exists()
    # Outreach's areas are neighbourhoods now, with their ids, awaiting their authority and police area.
    moved = {
        n.pk: (n.name, n.is_active, n.local_authority.name, n.police_area.name) for n in Neighbourhood.objects.all()
    }
    assert moved[harbourside.pk] == ("Harbourside", True, "Not yet assigned", "Not yet assigned")
    assert sorted(name for name, active, *_ in moved.values() if not active) == ["Old ward"]
    assert OutreachEvent.objects.get().area.name == "Harbourside"
    # New neighbourhoods get fresh ids after the copied ones.
    added = Neighbourhood.objects.create(
        name="New", local_authority_id=Neighbourhood.objects.first().local_authority_id,
        police_area_id=Neighbourhood.objects.first().police_area_id,
    )  # fmt: skip
    assert added.pk > max(moved)

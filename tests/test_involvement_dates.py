"""One rule for "an agency works with this record today" (issue 20): an involvement counts from its
start date to its end date, both inclusive. The access policy's SQL (`visible_to`) and the ORM
(`Involvement.objects.active()`) share it (`access.visibility.active_on_sql`), and agree at every
boundary for children, families and contexts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Child, Context, Family, Involvement
from tests.factories import AgencyFactory, ChildFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# (days from today the involvement starts, days from today it ends or None, active today?)
BOUNDARIES = {
    "started today": (0, None, True),
    "starts tomorrow": (1, None, False),
    "ended yesterday": (-30, -1, False),
    "ends today": (-30, 0, True),
    "ends tomorrow": (-30, 1, True),
    "started and ends today": (0, 0, True),
}


def make_subject(kind: str):
    if kind == "child":
        return ChildFactory()
    if kind == "family":
        return Family.objects.create(reference=f"FA-{kind}", name="The Test family")
    return Context.objects.create(reference=f"CX-{kind}", kind="location", name="Test park")


@pytest.mark.parametrize("kind", ["child", "family", "context"])
@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_the_policy_and_the_orm_agree_on_when_an_involvement_is_active(kind, boundary):
    starts, ends, active = BOUNDARIES[boundary]
    today = timezone.localdate()
    agency = AgencyFactory(name="Boundary agency")
    user = UserFactory(username="boundary-caseworker")
    MembershipFactory(user=user, agency=agency, role="caseworker")
    subject = make_subject(kind)
    involvement = Involvement.objects.create(
        agency=agency,
        started_on=today + timedelta(days=starts),
        ended_on=None if ends is None else today + timedelta(days=ends),
        **{kind: subject},
    )
    model = {"child": Child, "family": Family, "context": Context}[kind]
    assert model.objects.visible_to(user).filter(pk=subject.pk).exists() is active
    assert Involvement.objects.active().filter(pk=involvement.pk).exists() is active
    assert Involvement.objects.active(today).filter(pk=involvement.pk).exists() is active

"""Demo children spread over the agencies so each persona sees a different subset."""

import random
from datetime import date, timedelta

from django.db.models import QuerySet
from faker import Faker

from accounts.models import Agency, User
from cases.models import Child, Involvement
from cases.services import rebuild_search_names
from cases.services.children import child_reference
from demo import accounts as accounts_demo

CHILD_COUNT = 300
AREAS = ("Riverton Central", "Riverton North", "Riverton East", "Riverton South", "Harbourside", "Westmoor")
ETHNICITIES = (
    ("White British", 50),
    ("White Other", 6),
    ("Black Caribbean", 7),
    ("Black African", 9),
    ("Mixed White and Black Caribbean", 8),
    ("Asian Pakistani", 6),
    ("Asian Bangladeshi", 3),
    ("Asian Indian", 3),
    ("Gypsy, Roma or Traveller", 2),
    ("Other", 3),
    ("Not recorded", 3),
)
GENDERS = (("Male", 62), ("Female", 35), ("Not recorded", 3))
# Share of children each agency works with (a child may have several).
AGENCY_SHARE = {
    accounts_demo.CHILDRENS_SERVICES: 0.5,
    accounts_demo.YOUTH_JUSTICE: 0.3,
    accounts_demo.POLICE: 0.3,
    accounts_demo.SAFER_STREETS: 0.15,
    accounts_demo.MENTORING: 0.08,
    accounts_demo.SCHOOL: 0.2,
}


def _weighted(rng: random.Random, options) -> str:
    return rng.choices([name for name, _ in options], weights=[weight for _, weight in options])[0]


def demo_children() -> QuerySet[Child]:
    """The demo's young people: the first to be given the partnership's reference format (the
    demo seeds them before anyone can add one; feed-only young people have references of their own)."""
    first = Child.objects.filter(reference__startswith="CH-").order_by("pk").values_list("pk", flat=True)
    return Child.objects.filter(pk__in=list(first[:CHILD_COUNT]))


def seed_children(agencies: dict[str, Agency], users: dict[str, User], today: date) -> int:
    if Child.objects.filter(reference__startswith="CH-").exists():
        return 0
    fake = Faker("en_GB")
    fake.seed_instance(2019)
    rng = random.Random(2019)
    created = 0
    for number in range(1, CHILD_COUNT + 1):
        gender = _weighted(rng, GENDERS)
        given = (
            fake.first_name_male()
            if gender == "Male"
            else fake.first_name_female()
            if gender == "Female"
            else fake.first_name()
        )
        family = fake.last_name()
        born = today - timedelta(days=rng.randint(10 * 365, 18 * 365 - 30))
        ethnicity = _weighted(rng, ETHNICITIES)
        area = rng.choice(AREAS)
        involved = [name for name, share in AGENCY_SHARE.items() if rng.random() < share]
        started = today - timedelta(days=rng.randint(7, 700))
        child = Child.objects.create(
            reference=f"NEW-DEMO-{number}",
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender=gender,
            ethnicity=ethnicity,
            area=area,
            # The lead agency's named worker is the child's one lead professional (shown everywhere).
            lead_professional=users["caseworker"] if involved[:1] == [accounts_demo.CHILDRENS_SERVICES] else None,
        )
        child.reference = child_reference(child.pk)
        child.save(update_fields=["reference"])
        rebuild_search_names(child)
        Involvement.objects.bulk_create(
            Involvement(
                agency=agencies[name],
                child=child,
                started_on=started,
                is_lead_agency=index == 0,
                lead_professional=users["caseworker"] if name == accounts_demo.CHILDRENS_SERVICES else None,
            )
            for index, name in enumerate(involved)
        )
        created += 1
    return created

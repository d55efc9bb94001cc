"""Demo children spread over the agencies so each persona sees a different subset."""

import random
from datetime import date, timedelta

from django.db.models import QuerySet
from faker import Faker

from accounts.models import Agency, User
from areas.demographics import Ethnicity, Gender
from cases.models import Child, ChildName, Involvement
from cases.services.children import child_reference
from demo import accounts as accounts_demo
from demo import areas as areas_demo

# Big enough that the young people in a tier (195, as in the briefing) are a minority of those known.
CHILD_COUNT = 1500
ETHNICITIES = (
    (Ethnicity.WHITE_BRITISH, 50),
    (Ethnicity.WHITE_OTHER, 6),
    (Ethnicity.BLACK_CARIBBEAN, 7),
    (Ethnicity.BLACK_AFRICAN, 9),
    (Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN, 8),
    (Ethnicity.ASIAN_PAKISTANI, 6),
    (Ethnicity.ASIAN_BANGLADESHI, 3),
    (Ethnicity.ASIAN_INDIAN, 3),
    (Ethnicity.WHITE_GYPSY_TRAVELLER, 1),
    (Ethnicity.WHITE_ROMA, 1),
    (Ethnicity.OTHER_ANY, 3),
    (Ethnicity.NOT_RECORDED, 3),
)
GENDERS = ((Gender.MALE, 62), (Gender.FEMALE, 35), (Gender.NOT_RECORDED, 3))
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
    """The demo city's young people, made once in bulk (with their search names and the agencies
    working with them). Returns the number made."""
    if Child.objects.filter(reference__startswith="CH-").exists():
        return 0
    fake = Faker("en_GB")
    fake.seed_instance(2019)
    rng = random.Random(2019)
    places = areas_demo.seed_areas()
    names = list(places)
    weights = [areas_demo.CHILD_SHARE[name] for name in names]
    children, involved_by_number = [], []
    for number in range(1, CHILD_COUNT + 1):
        gender = _weighted(rng, GENDERS)
        given = (
            fake.first_name_male()
            if gender == Gender.MALE
            else fake.first_name_female()
            if gender == Gender.FEMALE
            else fake.first_name()
        )
        involved = [name for name, share in AGENCY_SHARE.items() if rng.random() < share]
        started = today - timedelta(days=rng.randint(7, 700))
        involved_by_number.append((involved, started))
        children.append(
            Child(
                reference=f"NEW-DEMO-{number:05d}",  # the partnership's format, from the id, below
                given_name=given,
                family_name=fake.last_name(),
                date_of_birth=today - timedelta(days=rng.randint(10 * 365, 18 * 365 - 30)),
                gender=gender,
                ethnicity=_weighted(rng, ETHNICITIES),
                neighbourhood=places[rng.choices(names, weights)[0]],
                # The lead agency's named worker is the child's one lead professional (shown everywhere).
                lead_professional=users["caseworker"] if involved[:1] == [accounts_demo.CHILDRENS_SERVICES] else None,
            )
        )
    Child.objects.bulk_create(children, batch_size=500)
    children = list(Child.objects.filter(reference__startswith="NEW-DEMO-").order_by("reference"))
    for child in children:
        child.reference = child_reference(child.pk)
    Child.objects.bulk_update(children, ["reference"], batch_size=500)
    ChildName.objects.bulk_create(
        (ChildName.build(child, f"{child.given_name} {child.family_name}") for child in children), batch_size=500
    )
    Involvement.objects.bulk_create(
        (
            Involvement(
                agency=agencies[name],
                child=child,
                started_on=started,
                is_lead_agency=index == 0,
                lead_professional=users["caseworker"] if name == accounts_demo.CHILDRENS_SERVICES else None,
            )
            for child, (involved, started) in zip(children, involved_by_number, strict=True)
            for index, name in enumerate(involved)
        ),
        batch_size=500,
    )
    return len(children)

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from access.models import AccessGrant
from accounts.models import Agency, AgencyKind, Membership, User
from areas.models import LocalAuthority, Neighbourhood, PoliceArea
from cases.models import Child, Involvement

factory.Faker._DEFAULT_LOCALE = "en_GB"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.COUNCIL


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = "caseworker"


class LocalAuthorityFactory(DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("name",)

    name = "Test City Council"


class PoliceAreaFactory(DjangoModelFactory):
    class Meta:
        model = PoliceArea
        django_get_or_create = ("name",)

    name = "Test City police area"


class NeighbourhoodFactory(DjangoModelFactory):
    class Meta:
        model = Neighbourhood
        django_get_or_create = ("local_authority", "name")

    name = factory.Sequence(lambda n: f"Neighbourhood {n}")
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    police_area = factory.SubFactory(PoliceAreaFactory)


class ChildFactory(DjangoModelFactory):
    class Meta:
        model = Child
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"T-{n:05d}")
    given_name = factory.Faker("first_name")
    # Unique, so a test can assert that a name is absent without meeting a namesake.
    family_name = factory.Sequence(lambda n: f"Testfamily{n}x")
    date_of_birth = factory.Faker("date_between", start_date="-17y", end_date="-10y")
    gender = "female"
    ethnicity = "white_british"

    @factory.post_generation
    def search_names(obj, create, extracted, **kwargs):
        if create:
            from cases.services import rebuild_search_names

            rebuild_search_names(obj)


class InvolvementFactory(DjangoModelFactory):
    class Meta:
        model = Involvement

    agency = factory.SubFactory(AgencyFactory)
    child = factory.SubFactory(ChildFactory)
    started_on = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=30))


class AccessGrantFactory(DjangoModelFactory):
    """A named user's access to one child (made directly: the service's own tests go through it)."""

    class Meta:
        model = AccessGrant

    user = factory.SubFactory(UserFactory)
    child = factory.SubFactory(ChildFactory)
    reason = "Named mentor"
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))


def nhs_number(stem: str) -> str:
    """A valid NHS number: nine digits and the modulus 11 check digit (choose another stem if none fits)."""
    total = sum(int(digit) * weight for digit, weight in zip(stem, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    assert check != 10, "choose another stem"
    return f"{stem}{check}"

"""Demo agencies and one login per persona. Synthetic: Faker en_GB, fixed seed, no real people."""

from dataclasses import dataclass

from django.conf import settings
from faker import Faker

from accounts.models import Agency, AgencyKind, Membership, Role, User

CHILDRENS_SERVICES = "Riverton City Council Children's Services"
YOUTH_JUSTICE = "Riverton Youth Justice Service"
POLICE = "Westshire Police (Operation Topaz)"
SAFER_STREETS = "Safer Streets Trust"
MENTORING = "Riverton Community Mentoring Network"
SCHOOL = "Harbourside Academy"

AGENCIES = {
    CHILDRENS_SERVICES: AgencyKind.COUNCIL,
    YOUTH_JUSTICE: AgencyKind.COUNCIL,
    POLICE: AgencyKind.POLICE,
    SAFER_STREETS: AgencyKind.VOLUNTARY,
    MENTORING: AgencyKind.VOLUNTARY,
    SCHOOL: AgencyKind.EDUCATION,
}


@dataclass(frozen=True)
class Persona:
    username: str
    agency: str
    role: str


PERSONAS = (
    Persona("caseworker", CHILDRENS_SERVICES, Role.CASEWORKER),
    Persona("police", POLICE, Role.POLICE_OFFICER),
    Persona("voluntary", SAFER_STREETS, Role.VOLUNTARY_WORKER),
    Persona("mentor", MENTORING, Role.MENTOR),
    Persona("coordinator", MENTORING, Role.MENTORING_COORDINATOR),
    Persona("outreach", POLICE, Role.OUTREACH_OFFICER),
    Persona("manager", YOUTH_JUSTICE, Role.MANAGER),
    Persona("dpo", CHILDRENS_SERVICES, Role.DATA_PROTECTION_OFFICER),
    Persona("admin", CHILDRENS_SERVICES, Role.SYSTEM_ADMIN),
)


def seed_agencies() -> dict[str, Agency]:
    return {
        name: Agency.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in AGENCIES.items()
    }


def seed_personas(agencies: dict[str, Agency]) -> dict[str, User]:
    fake = Faker("en_GB")
    fake.seed_instance(470_000)
    users = {}
    for persona in PERSONAS:
        first, last = fake.first_name(), fake.last_name()
        user, created = User.objects.get_or_create(
            username=persona.username,
            defaults={"first_name": first, "last_name": last, "email": f"{persona.username}@example.org"},
        )
        if created or not user.check_password(settings.DEMO_PASSWORD):
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, agency=agencies[persona.agency], role=persona.role)
        users[persona.username] = user
    return users

"""Named personas and a small partnership, shared by every test (healthchecks style).

Agencies: council (children's services), youth_justice, police, voluntary, mentoring.
Children: council_child (council only), shared_child (council and police), voluntary_child
(voluntary only), mentee (mentoring; the mentor sees them through a match: a grant scoped to
mentoring, so no case record), unlinked_child (nobody).
Contexts: hotspot (a location linked to council_child and voluntary_child, so the caseworker and the
voluntary worker each see it but only their own child there), peer_group (council works with it,
no children linked), police_location (police work with it; nobody else sees it).
Family: family with council_child and voluntary_child as siblings and an adult (their mother).
On the hotspot: a referral by the caseworker, an assessment, and a plan linking council_child.
"""

import os
from dataclasses import dataclass

import pytest

from accounts.models import AgencyKind, Role
from tests.factories import (
    AccessGrantFactory,
    AgencyFactory,
    ChildFactory,
    InvolvementFactory,
    MembershipFactory,
    UserFactory,
)

if os.environ.get("MUTATION_DB_TEMPLATE"):  # `make mutate`: one migrated template, copied per session
    from tests.mutation.database import (  # noqa: F401
        django_db_setup,
        pytest_collection_modifyitems,
        pytest_unconfigure,
        record_kill,
    )


def pytest_runtest_logreport(report):
    """Under CI (.ci/run sets CI_SKIPPED_TESTS), every skipped test is written down, so CI can fail a
    skip that is not on its allow-list. In a mutation run, the test that killed the mutant is."""
    if os.environ.get("MUTATION_DB_TEMPLATE"):
        record_kill(report)
    path = os.environ.get("CI_SKIPPED_TESTS")
    if path and report.skipped and not hasattr(report, "wasxfail"):
        with open(path, "a") as skipped:
            skipped.write(f"{report.nodeid}\n")


PERSONA_ROLES = {
    "caseworker": ("council", Role.CASEWORKER),
    "police": ("police", Role.POLICE_OFFICER),
    "voluntary": ("voluntary", Role.VOLUNTARY_WORKER),
    "mentor": ("mentoring", Role.MENTOR),
    "coordinator": ("mentoring", Role.MENTORING_COORDINATOR),
    "outreach": ("police", Role.OUTREACH_OFFICER),
    "manager": ("youth_justice", Role.MANAGER),
    "dpo": ("council", Role.DATA_PROTECTION_OFFICER),
    "admin": ("council", Role.SYSTEM_ADMIN),
}
# A persona with two memberships: a voluntary-sector worker who also coordinates the mentoring
# network. They may see and do what either membership allows, and no more: the access matrix derives
# each of their answers from the two single-membership personas.
DUAL_PERSONAS = {"voluntary_coordinator": ("voluntary", "coordinator")}
PERSONAS = (*PERSONA_ROLES, *DUAL_PERSONAS)


@dataclass
class Partnership:
    agencies: dict
    users: dict
    council_child: object
    shared_child: object
    voluntary_child: object
    mentee: object
    unlinked_child: object
    hotspot: object = None
    peer_group: object = None
    police_location: object = None
    family: object = None
    adult: object = None
    referral: object = None
    assessment: object = None
    plan: object = None


@pytest.fixture
def partnership(db) -> Partnership:
    agencies = {
        "council": AgencyFactory(name="Test City Council Children's Services", kind=AgencyKind.COUNCIL),
        "youth_justice": AgencyFactory(name="Test Youth Justice Service", kind=AgencyKind.COUNCIL),
        "police": AgencyFactory(name="Test Police", kind=AgencyKind.POLICE),
        "voluntary": AgencyFactory(name="Test Safer Streets", kind=AgencyKind.VOLUNTARY),
        "mentoring": AgencyFactory(name="Test Mentoring Network", kind=AgencyKind.VOLUNTARY),
    }
    users = {}
    for username, (agency_key, role) in PERSONA_ROLES.items():
        users[username] = UserFactory(username=username)
        MembershipFactory(user=users[username], agency=agencies[agency_key], role=role)

    council_child = InvolvementFactory(agency=agencies["council"]).child
    shared_child = InvolvementFactory(agency=agencies["council"]).child
    InvolvementFactory(agency=agencies["police"], child=shared_child)
    voluntary_child = InvolvementFactory(agency=agencies["voluntary"]).child
    mentee = InvolvementFactory(agency=agencies["mentoring"]).child
    AccessGrantFactory(user=users["mentor"], child=mentee, scope="mentoring")
    for username, parts in DUAL_PERSONAS.items():
        users[username] = UserFactory(username=username)
        for part in parts:
            agency_key, role = PERSONA_ROLES[part]
            MembershipFactory(user=users[username], agency=agencies[agency_key], role=role)
    unlinked_child = ChildFactory()
    p = Partnership(agencies, users, council_child, shared_child, voluntary_child, mentee, unlinked_child)
    add_contexts_and_family(p)
    return p


def add_contexts_and_family(p: Partnership) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import (
        Adult,
        Context,
        ContextAssessment,
        ContextLink,
        ContextPlan,
        Family,
        FamilyMember,
        Involvement,
        Referral,
        ReferralDecision,
    )

    today = timezone.localdate()
    caseworker, council = p.users["caseworker"], p.agencies["council"]
    p.hotspot = Context.objects.create(
        reference="LO-T0001", kind="location", name="Test bus station", location_type="transport_hub"
    )
    p.peer_group = Context.objects.create(reference="PG-T0001", kind="peer_group", name="Test peer group")
    p.police_location = Context.objects.create(reference="LO-T0002", kind="location", name="Test hotel")
    Involvement.objects.create(agency=council, context=p.peer_group, started_on=today - timedelta(days=10))
    Involvement.objects.create(agency=p.agencies["police"], context=p.police_location, started_on=today)
    for child, agency in ((p.council_child, council), (p.voluntary_child, p.agencies["voluntary"])):
        ContextLink.objects.create(
            child=child, context=p.hotspot, role="victim", source_agency=agency, recorded_by=caseworker
        )
    p.family = Family.objects.create(reference="FA-T0001", name="Test family", postcode="RV1 1AA")
    p.adult = Adult.objects.create(given_name="Testmother", family_name="Family")
    FamilyMember.objects.create(family=p.family, child=p.council_child, relationship="child")
    FamilyMember.objects.create(family=p.family, child=p.voluntary_child, relationship="child")
    FamilyMember.objects.create(family=p.family, adult=p.adult, relationship="mother")
    p.referral = Referral.objects.create(
        context=p.hotspot,
        received_on=today,
        referrer_agency=council,
        referred_by=caseworker,
        category="youth_violence",
        concerns="Several children assaulted at the bus station",
    )
    ReferralDecision.objects.create(referral=p.referral, status="received", reason="Received", decided_by=caseworker)
    p.assessment = ContextAssessment.objects.create(
        context=p.hotspot, started_on=today, assessor=caseworker, concerns="Poor lighting, no staff after 8pm"
    )
    p.plan = ContextPlan.objects.create(
        context=p.hotspot,
        assessment=p.assessment,
        title="Make the bus station safer",
        review_on=today + timedelta(days=28),
        owner=caseworker,
    )
    p.plan.children.add(p.council_child)


@pytest.fixture
def personas(partnership) -> dict:
    return partnership.users


@pytest.fixture
def client_for(client, partnership):
    """client_for('caseworker') -> a test client signed in as that persona."""

    def sign_in(username: str | None):
        client.logout()
        if username:
            client.force_login(partnership.users[username])
        return client

    return sign_in


@pytest.fixture
def mentor_general_grant(partnership):
    """Besides their mentoring match, the mentor holds a general named access grant to the mentee:
    they read the mentee's case record as any grant holder does, and may change nothing in it
    (a grant is for seeing). Without it, a mentor sees the mentee in mentoring only."""
    return AccessGrantFactory(user=partnership.users["mentor"], child=partnership.mentee)

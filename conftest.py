"""Named personas and a small partnership, shared by every test (healthchecks style).

Agencies: council (children's services), youth_justice, police, voluntary, mentoring.
Children: council_child (council only), shared_child (council and police), voluntary_child
(voluntary only), mentee (mentoring, named grant to the mentor), unlinked_child (nobody).
"""

from dataclasses import dataclass

import pytest
from guardian.shortcuts import assign_perm

from accounts.models import AgencyKind, Role
from tests.factories import AgencyFactory, ChildFactory, InvolvementFactory, MembershipFactory, UserFactory

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
PERSONAS = tuple(PERSONA_ROLES)


@dataclass
class Partnership:
    agencies: dict
    users: dict
    council_child: object
    shared_child: object
    voluntary_child: object
    mentee: object
    unlinked_child: object


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
    assign_perm("cases.view_child", users["mentor"], mentee)
    unlinked_child = ChildFactory()
    return Partnership(agencies, users, council_child, shared_child, voluntary_child, mentee, unlinked_child)


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

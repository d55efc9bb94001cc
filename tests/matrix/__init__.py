"""Shared vocabulary for access matrix entries. Each module in this package declares the
routes of one area in a ROUTES dict; tests/test_access_matrix.py checks them all."""

from collections.abc import Callable
from dataclasses import dataclass, field

from conftest import DUAL_PERSONAS, PERSONAS

ANONYMOUS = "anonymous"
EVERYONE = (*PERSONAS, ANONYMOUS)
# A mentor whose young people all come from mentoring matches uses mentoring and nothing else
# (mentoring/middleware.py): every other page and endpoint answers them 404.
OUTSIDE_MENTORING = tuple(persona for persona in PERSONAS if persona != "mentor")
CASELOAD = ("caseworker", "police", "voluntary", "coordinator", "manager")
BREAK_GLASS = ("caseworker", "police", "manager")


@dataclass
class Expect:
    statuses: dict[str, int]
    default: int
    kwargs: Callable | None = None  # partnership -> reverse() kwargs
    path: Callable | None = None  # partnership -> path, for unnamed routes
    method: str = "get"
    must_not_leak: Callable | None = None  # partnership -> text absent from refused responses
    data: dict = field(default_factory=dict)
    # (partnership, persona) -> text of one of the persona's own records, which an allowed answer must
    # show (a list or search route; None when the persona has no record of that kind): own("child") etc.
    shows: Callable | None = None

    def status_for(self, persona: str) -> int:
        if persona in DUAL_PERSONAS and persona not in self.statuses:
            # Two memberships: the more permissive of the two single-membership answers.
            return min((self.status_for(part) for part in DUAL_PERSONAS[persona]), key=PERMISSIVENESS.index)
        return self.statuses.get(persona, self.default)


# From most to least permissive: the record is shown or the write done; the body is wrong; the
# record is seen but the role may not do this; nothing to see.
PERMISSIVENESS = (200, 201, 204, 302, 400, 412, 428, 403, 404, 405)


def expect(allowed, *, status=200, anonymous=302, refused=404, **kwargs) -> Expect:
    """`allowed` personas get `status`; anonymous visitors `anonymous`; everyone else `refused`."""
    statuses = {**{persona: status for persona in allowed}, ANONYMOUS: anonymous}
    return Expect(statuses, refused, **kwargs)


# The records each persona's agency works with in the partnership fixture (conftest.py), by kind, named
# here from the fixture's facts rather than read back through the policy under test.
OWN = {
    "child": {
        "caseworker": "council_child",
        "police": "shared_child",
        "voluntary": "voluntary_child",
        # (the mentor sees the mentee in mentoring only: no case list or search)
        "coordinator": "mentee",
        "voluntary_coordinator": "voluntary_child",
    },
    "context": {
        "caseworker": "hotspot",
        "police": "police_location",
        "voluntary": "hotspot",
        "voluntary_coordinator": "hotspot",
    },
    "family": {"caseworker": "family", "voluntary": "family", "voluntary_coordinator": "family"},
}


def own(kind: str, text: Callable = lambda record: record.reference) -> Callable:
    """`shows` for a list of `kind`: the text (by default the reference) of the persona's own record."""

    def shown(p, persona):
        attribute = OWN[kind].get(persona)
        return text(getattr(p, attribute)) if attribute else None

    return shown


def council_child_pk(p):
    return {"pk": p.council_child.pk}


def council_child_reference(p):
    return p.council_child.reference

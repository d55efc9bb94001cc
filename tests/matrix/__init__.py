"""Shared vocabulary for access matrix entries. Each module in this package declares the
routes of one area in a ROUTES dict; tests/test_access_matrix.py checks them all."""

from collections.abc import Callable
from dataclasses import dataclass, field

from conftest import PERSONAS

ANONYMOUS = "anonymous"
EVERYONE = (*PERSONAS, ANONYMOUS)
CASELOAD = ("caseworker", "police", "voluntary", "mentor", "coordinator", "manager")
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

    def status_for(self, persona: str) -> int:
        return self.statuses.get(persona, self.default)


def expect(allowed, *, status=200, anonymous=302, refused=404, **kwargs) -> Expect:
    """`allowed` personas get `status`; anonymous visitors `anonymous`; everyone else `refused`."""
    statuses = {**{persona: status for persona in allowed}, ANONYMOUS: anonymous}
    return Expect(statuses, refused, **kwargs)


def council_child_pk(p):
    return {"pk": p.council_child.pk}


def council_child_reference(p):
    return p.council_child.reference

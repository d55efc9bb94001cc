"""Access grant pages and API: the system administrator manages them, the data protection officer
sees them (and gets 403 on API writes: they may see the grant but not change it), everyone else
gets 404. The partnership's grant is the mentor's to the mentee."""

from access.models import AccessGrant
from tests.matrix import ANONYMOUS, Expect, expect
from tests.matrix.api import api

VIEWERS = ("admin", "dpo")


def mentor_grant(p):
    return {"pk": AccessGrant.objects.get(user=p.users["mentor"], child=p.mentee).pk}


def mentee_reference(p):
    return p.mentee.reference


ROUTES: dict[str, Expect] = {
    "cases:grant_list": expect(VIEWERS),
    "cases:grant_create": expect(("admin",)),
    # No term: an empty answer; the refusal is 404 like the page.
    "cases:grant_find_users": expect(("admin",), method="post"),
    "cases:grant_end": expect(("admin",), kwargs=mentor_grant, must_not_leak=mentee_reference),
    "api:access-grant-list": api(VIEWERS),
    "api:access-grant-detail": api(VIEWERS, kwargs=mentor_grant, must_not_leak=mentee_reference),
    # An empty body: the administrator gets the field errors, the DPO 403, everyone else 404.
    "api:access-grant-end": Expect(
        {"admin": 400, "dpo": 403, ANONYMOUS: 403},
        404,
        kwargs=mentor_grant,
        method="post",
        must_not_leak=mentee_reference,
    ),
}

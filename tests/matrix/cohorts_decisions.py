"""Cohort decisions (issue 5): the cohort home, a child's cohort record, nominations, panel
decisions, fairness, the published model and the suggestions switch.

Cohort roles (caseworker, police officer, manager) see the cohort of the children they can see;
council_child is seen only by the caseworker, who alone may nominate it or decide its tier.
Fairness and the switch are for managers and the DPO; the model description is for all staff."""

from cohorts.models import Nomination, Tier
from tests.matrix import OUTSIDE_MENTORING, Expect, council_child_pk, council_child_reference, expect

COHORT = ("caseworker", "police", "manager")
FAIRNESS = ("manager", "dpo")


def nomination_pk(p):
    """An open nomination of council_child, made by the caseworker (who alone may see the child)."""
    # One open nomination per child: reuse it when the same route is asked for twice.
    nomination, _created = Nomination.objects.get_or_create(
        child=p.council_child,
        status="open",
        defaults={
            "tier": Tier.VULNERABLE,
            "reason": "Matrix nomination",
            "nominated_by": p.users["caseworker"],
            "agency": p.agencies["council"],
        },
    )
    return {"pk": nomination.pk}


def unlinked_child_pk(p):
    """A young person no agency works with (known only from data): managers see them for the
    cohort's purpose and may take them on; nobody else may reach them."""
    return {"pk": p.unlinked_child.pk}


def unlinked_child_reference(p):
    return p.unlinked_child.reference


def api(allowed, **kwargs) -> Expect:
    return expect(allowed, anonymous=403, **kwargs)


ROUTES: dict[str, Expect] = {
    "cohorts:cohort_home": expect(COHORT),
    "cohorts:child_cohort": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cohorts:nominate": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cohorts:decide": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cohorts:withdraw_nomination": expect(("caseworker",), kwargs=nomination_pk, must_not_leak=council_child_reference),
    "cohorts:take_on": expect(("manager",), kwargs=unlinked_child_pk, must_not_leak=unlinked_child_reference),
    "cohorts:fairness": expect(FAIRNESS),
    "cohorts:model": expect(OUTSIDE_MENTORING),
    "cohorts:settings": expect(FAIRNESS),
    # API lists: cohort roles (holding only the children they see); 404 for other signed-in staff.
    "api:cohort-nomination-list": api(COHORT),
    # Withdrawing needs a reason: the caseworker, who may, gets 400 for the empty body.
    "api:cohort-nomination-withdraw": api(
        ("caseworker",), status=400, method="post", kwargs=nomination_pk, must_not_leak=council_child_reference
    ),
    # Taking on needs a reason: the manager, who may, gets 400 for the empty body.
    "api:cohort-suggestion-take-on": api(
        ("manager",), status=400, method="post", kwargs=unlinked_child_pk, must_not_leak=unlinked_child_reference
    ),
    "api:cohort-tier-decision-list": api(COHORT),
    "api:cohort-tier-list": api(COHORT),
    "api:cohort-fairness-list": api(FAIRNESS),
}

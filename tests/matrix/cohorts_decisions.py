"""Cohort decisions (issue 5): the cohort home, a child's cohort record, nominations, panel
decisions, fairness, the published model and the suggestions switch.

Cohort roles (caseworker, police officer, manager) see the cohort of the children they can see;
council_child is seen only by the caseworker, who alone may nominate it or decide its tier.
Fairness and the switch are for managers and the DPO; the model description is for all staff."""

from tests.matrix import PERSONAS, Expect, council_child_pk, council_child_reference, expect

COHORT = ("caseworker", "police", "manager")
FAIRNESS = ("manager", "dpo")


def api(allowed, **kwargs) -> Expect:
    return expect(allowed, anonymous=403, **kwargs)


ROUTES: dict[str, Expect] = {
    "cohorts:cohort_home": expect(COHORT),
    "cohorts:child_cohort": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cohorts:nominate": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cohorts:decide": expect(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference),
    "cohorts:fairness": expect(FAIRNESS),
    "cohorts:model": expect(PERSONAS),
    "cohorts:settings": expect(FAIRNESS),
    # API lists: cohort roles (holding only the children they see); 404 for other signed-in staff.
    "api:cohort-nomination-list": api(COHORT),
    "api:cohort-tier-decision-list": api(COHORT),
    "api:cohort-tier-list": api(COHORT),
    "api:cohort-fairness-list": api(FAIRNESS),
}

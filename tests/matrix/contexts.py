"""Contexts, referrals, context assessments and plans.

The partnership's hotspot is linked to council_child and voluntary_child, so the caseworker and the
voluntary worker each see it (and everything attached to it); both hold editing roles, so both may
change it. Only caseworkers and managers decide referrals: the voluntary worker sees the referral
but is refused the decision (403). Nobody else learns the hotspot exists (404)."""

from cases.models import PlanGoal, PlanResponse
from tests.matrix import CASELOAD, OWN, Expect, council_child_pk, council_child_reference, expect, own

EDITORS = ("caseworker", "police", "voluntary", "manager")
HOTSPOT_VIEWERS = ("caseworker", "voluntary")


def hotspot_pk(p):
    return {"pk": p.hotspot.pk}


def hotspot_name(p):
    return p.hotspot.name


def hotspot_referral(p, persona):
    """The referral list's own record: the hotspot's referral, for those who see the hotspot."""
    return p.hotspot.name if OWN["context"].get(persona) == "hotspot" else None


def referral_pk(p):
    return {"pk": p.referral.pk}


def assessment_pk(p):
    return {"pk": p.assessment.pk}


def plan_pk(p):
    return {"pk": p.plan.pk}


def plan_title(p):
    return p.plan.title


def goal_pk(p):
    goal = PlanGoal.objects.create(plan=p.plan, description="No assaults at the bus station")
    return {"pk": goal.pk}


def response_pk(p):
    goal = PlanGoal.objects.create(plan=p.plan, description="No assaults at the bus station")
    response = PlanResponse.objects.create(
        goal=goal,
        action="Staff on the concourse after 8pm",
        owner_agency=p.agencies["council"],
        measure="Fewer incidents",
        review_on=p.plan.review_on,
    )
    return {"pk": response.pk}


def hotspot_page(**kwargs) -> Expect:
    return expect(HOTSPOT_VIEWERS, **kwargs)


ROUTES: dict[str, Expect] = {
    "cases:context_list": expect(CASELOAD, shows=own("context")),
    "cases:context_create": expect(EDITORS),
    "cases:context_detail": hotspot_page(kwargs=hotspot_pk, must_not_leak=hotspot_name),
    "cases:context_edit": hotspot_page(kwargs=hotspot_pk, must_not_leak=hotspot_name),
    # Without htmx the chronology endpoint redirects to the context's page.
    "cases:context_chronology": hotspot_page(status=302, kwargs=hotspot_pk, must_not_leak=hotspot_name),
    "cases:context_referral_create": hotspot_page(kwargs=hotspot_pk, must_not_leak=hotspot_name),
    "cases:child_referral_create": expect(
        ("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference
    ),
    "cases:referral_list": expect(CASELOAD, shows=hotspot_referral),
    "cases:referral_detail": hotspot_page(kwargs=referral_pk, must_not_leak=hotspot_name),
    # An empty decision is refused with the form's errors; the voluntary worker sees the referral
    # but their role cannot decide it. (Leaks from refusals are checked in test_referrals_pages.py.)
    "cases:referral_decide": Expect(
        {"caseworker": 400, "voluntary": 403, "anonymous": 302},
        404,
        kwargs=referral_pk,
        method="post",
    ),
    "cases:assessment_create": hotspot_page(kwargs=hotspot_pk, must_not_leak=hotspot_name),
    "cases:assessment_detail": hotspot_page(kwargs=assessment_pk, must_not_leak=hotspot_name),
    "cases:assessment_edit": hotspot_page(kwargs=assessment_pk, must_not_leak=hotspot_name),
    "cases:plan_create": hotspot_page(kwargs=hotspot_pk, must_not_leak=hotspot_name),
    "cases:plan_detail": hotspot_page(kwargs=plan_pk, must_not_leak=plan_title),
    "cases:plan_edit": hotspot_page(kwargs=plan_pk, must_not_leak=plan_title),
    "cases:plan_children": hotspot_page(kwargs=plan_pk, must_not_leak=plan_title),
    "cases:plan_goal_create": hotspot_page(kwargs=plan_pk, must_not_leak=plan_title),
    "cases:plan_response_create": hotspot_page(kwargs=goal_pk, must_not_leak=plan_title),
    # An empty status is refused with the form's errors (400). (No must_not_leak here: the 400 page
    # for those allowed shows the plan; tests/test_assessments_pages.py checks the refusals.)
    "cases:plan_response_status": hotspot_page(status=400, kwargs=response_pk, method="post"),
}

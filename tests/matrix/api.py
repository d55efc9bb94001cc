"""API routes under /api/v1/ and the schema. Anonymous callers get 403 (DRF session
authentication); a record the persona may not see answers 404. POST-only routes are called with an
empty body: personas who may write get the 400 field errors (or 428 where If-Match is required),
those who may see the record but whose role cannot write get 403, everyone else 404."""

from datetime import timedelta

from django.utils import timezone

from cases.models import PlanGoal, PlanResponse
from tests.matrix import OUTSIDE_MENTORING, PERSONAS, Expect, council_child_pk, council_child_reference, expect, own

# Who sees what in the partnership fixture (see conftest.py).
HOTSPOT_VIEWERS = ("caseworker", "voluntary")  # the bus station: council and voluntary children linked
FAMILY_VIEWERS = ("caseworker", "voluntary")  # council_child and voluntary_child are siblings


def api(allowed, **kwargs) -> Expect:
    return expect(allowed, anonymous=403, **kwargs)


def family_pk(p):
    return {"pk": p.family.pk}


def hotspot_pk(p):
    return {"pk": p.hotspot.pk}


def referral_pk(p):
    return {"pk": p.referral.pk}


def assessment_pk(p):
    return {"pk": p.assessment.pk}


def plan_pk(p):
    return {"pk": p.plan.pk}


def goal_kwargs(p):
    goal = PlanGoal.objects.create(plan=p.plan, description="Staff on the station after 8pm")
    return {"pk": p.plan.pk, "goal_pk": goal.pk}


def response_kwargs(p):
    goal = PlanGoal.objects.create(plan=p.plan, description="Staff on the station after 8pm")
    response = PlanResponse.objects.create(
        goal=goal,
        action="Ask the bus company for evening staff",
        owner_agency=p.agencies["council"],
        measure="Staff present on four evenings in five",
        review_on=timezone.localdate() + timedelta(days=14),
    )
    return {"pk": p.plan.pk, "response_pk": response.pk}


def council_child_api(**kwargs) -> Expect:
    return api(("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference, **kwargs)


ROUTES: dict[str, Expect] = {
    "api:me": api(PERSONAS),
    "api_schema": api(OUTSIDE_MENTORING),
    # Children: lists hold only what the persona may see (empty for some), so everyone gets 200.
    "api:child-list": api(OUTSIDE_MENTORING, shows=own("child")),
    "api:child-search": api(OUTSIDE_MENTORING, status=400, method="post"),  # no terms: "Enter a name..."
    "api:child-detail": council_child_api(),
    "api:child-chronology": council_child_api(),
    "api:child-aliases": council_child_api(),
    "api:child-context-links": council_child_api(),
    "api:child-peers": council_child_api(),
    # Families.
    "api:family-list": api(OUTSIDE_MENTORING, shows=own("family")),
    "api:family-detail": api(FAMILY_VIEWERS, kwargs=family_pk, must_not_leak=lambda p: p.family.reference),
    "api:family-chronology": api(FAMILY_VIEWERS, kwargs=family_pk),
    "api:family-members": api(FAMILY_VIEWERS, status=400, method="post", kwargs=family_pk),
    "api:family-facts": api(FAMILY_VIEWERS, status=400, method="post", kwargs=family_pk),
    # Contexts.
    "api:context-list": api(OUTSIDE_MENTORING, shows=own("context")),
    "api:context-detail": api(HOTSPOT_VIEWERS, kwargs=hotspot_pk, must_not_leak=lambda p: p.hotspot.reference),
    "api:context-chronology": api(HOTSPOT_VIEWERS, kwargs=hotspot_pk),
    # Referrals: the voluntary worker sees the one about the hotspot but may not decide on it.
    "api:referral-list": api(OUTSIDE_MENTORING),
    "api:referral-detail": api(HOTSPOT_VIEWERS, kwargs=referral_pk, must_not_leak=lambda p: p.referral.concerns),
    "api:referral-decisions": Expect(
        {"caseworker": 400, "voluntary": 403, "anonymous": 403}, 404, kwargs=referral_pk, method="post"
    ),
    # Context assessments and plans follow their context.
    "api:context-assessment-list": api(OUTSIDE_MENTORING),
    "api:context-assessment-detail": api(
        HOTSPOT_VIEWERS, kwargs=assessment_pk, must_not_leak=lambda p: p.assessment.concerns
    ),
    # Completing needs If-Match: 428 without it.
    "api:context-assessment-complete": api(HOTSPOT_VIEWERS, status=428, method="post", kwargs=assessment_pk),
    "api:context-plan-list": api(OUTSIDE_MENTORING),
    "api:context-plan-detail": api(HOTSPOT_VIEWERS, kwargs=plan_pk, must_not_leak=lambda p: p.plan.title),
    "api:context-plan-goals": api(HOTSPOT_VIEWERS, status=400, method="post", kwargs=plan_pk),
    "api:context-plan-goal-responses": api(HOTSPOT_VIEWERS, status=400, method="post", kwargs=goal_kwargs),
    "api:context-plan-response-status": api(HOTSPOT_VIEWERS, status=400, method="post", kwargs=response_kwargs),
}

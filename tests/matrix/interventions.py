"""Interventions and family outcome plans (issue 4, "work").

Interventions follow their subject: one on council_child is seen only by the caseworker; one on the
family or the hotspot by the caseworker and the voluntary worker (each sees a child there). Both hold
editing roles, so both may record interventions and family plans. Everyone else gets 404."""

from datetime import timedelta

from django.utils import timezone

from interventions.defaults import ensure_intervention_types
from interventions.models import FamilyPlan, Intervention, InterventionType
from tests.matrix import (
    CASELOAD,
    OUTSIDE_MENTORING,
    Expect,
    council_child_pk,
    council_child_reference,
    expect,
)

FAMILY_VIEWERS = ("caseworker", "voluntary")
HOTSPOT_VIEWERS = ("caseworker", "voluntary")
PLANNED = "Back in full-time education by the summer term"
PLAN_TITLE = "A safer home for the Test family"


def make_intervention(p) -> Intervention:
    ensure_intervention_types()
    return Intervention.objects.create(
        child=p.council_child,
        intervention_type=InterventionType.objects.get(code="education_offer"),
        lead_agency=p.agencies["council"],
        lead_professional=p.users["caseworker"],
        started_on=timezone.localdate() - timedelta(days=30),
        planned_outcomes=PLANNED,
        recorded_by=p.users["caseworker"],
    )


def intervention_pk(p):
    return {"pk": make_intervention(p).pk}


def make_plan(p) -> FamilyPlan:
    today = timezone.localdate()
    return FamilyPlan.objects.create(
        family=p.family,
        title=PLAN_TITLE,
        lead_professional=p.users["caseworker"],
        started_on=today,
        next_review_on=today + timedelta(days=42),
    )


def plan_pk(p):
    return {"pk": make_plan(p).pk}


def family_pk(p):
    return {"pk": p.family.pk}


def hotspot_pk(p):
    return {"pk": p.hotspot.pk}


def planned(_p):
    return PLANNED


def plan_title(_p):
    return PLAN_TITLE


def family_reference(p):
    return p.family.reference


def api(allowed, **kwargs) -> Expect:
    return expect(allowed, anonymous=403, **kwargs)


ROUTES: dict[str, Expect] = {
    "interventions:intervention_list": expect(CASELOAD),
    "interventions:intervention_detail": expect(("caseworker",), kwargs=intervention_pk, must_not_leak=planned),
    "interventions:intervention_edit": expect(("caseworker",), kwargs=intervention_pk, must_not_leak=planned),
    "interventions:intervention_close": expect(("caseworker",), kwargs=intervention_pk, must_not_leak=planned),
    "interventions:child_intervention_create": expect(
        ("caseworker",), kwargs=council_child_pk, must_not_leak=council_child_reference
    ),
    "interventions:family_intervention_create": expect(
        FAMILY_VIEWERS, kwargs=family_pk, must_not_leak=family_reference
    ),
    "interventions:context_intervention_create": expect(
        HOTSPOT_VIEWERS, kwargs=hotspot_pk, must_not_leak=lambda p: p.hotspot.name
    ),
    "interventions:family_plan_create": expect(FAMILY_VIEWERS, kwargs=family_pk, must_not_leak=family_reference),
    "interventions:family_plan_detail": expect(FAMILY_VIEWERS, kwargs=plan_pk, must_not_leak=plan_title),
    "interventions:family_plan_goal_create": expect(FAMILY_VIEWERS, kwargs=plan_pk, must_not_leak=plan_title),
    "interventions:family_plan_review_create": expect(FAMILY_VIEWERS, kwargs=plan_pk, must_not_leak=plan_title),
    # API: lists hold only what the persona may see (so 200 for everyone); records follow their subject.
    "api:intervention-list": api(OUTSIDE_MENTORING),
    "api:intervention-detail": api(("caseworker",), kwargs=intervention_pk, must_not_leak=planned),
    "api:intervention-close": api(("caseworker",), status=400, method="post", kwargs=intervention_pk),
    "api:family-plan-list": api(OUTSIDE_MENTORING),
    "api:family-plan-detail": api(FAMILY_VIEWERS, kwargs=plan_pk, must_not_leak=plan_title),
    "api:family-plan-goals": api(FAMILY_VIEWERS, status=400, method="post", kwargs=plan_pk),
    "api:family-plan-reviews": api(FAMILY_VIEWERS, status=400, method="post", kwargs=plan_pk),
}

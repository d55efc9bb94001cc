"""Recalculation runs, the "why" page and their API (issue 5, engine).

Runs are not about a person, but like every cohort resource they answer 404 to anyone signed in
without a cohort role (caseworker, police officer, manager), as if they did not exist; asking for one
is for managers (the other cohort roles get 403). The "why" page and a child's suggestion follow the
child: council_child is seen by the caseworker only, so everyone else gets 404 and no name."""

from django.utils import timezone

from cohorts.defaults import ensure_default_indicators
from cohorts.models import (
    CohortRun,
    IndicatorDefinition,
    RunKind,
    RunStatus,
    RunTrigger,
    ScoringModel,
    SourceSystem,
    Suggestion,
)
from cohorts.services import runs
from cohorts.services.scoring import explained_indicators
from tests.matrix import ANONYMOUS, Expect, council_child_pk, council_child_reference, expect

COHORT = ("caseworker", "police", "manager")


def _slot(run: CohortRun, code: str, level: str) -> int:
    ordered = explained_indicators(run.scoring_model.indicators)
    return next(slot for slot, entry in enumerate(ordered) if (entry["code"], entry["level"]) == (code, level))


def make_run(p) -> CohortRun:
    ensure_default_indicators()
    run = CohortRun.objects.create(
        kind=RunKind.FULL,
        trigger=RunTrigger.MANUAL,
        status=RunStatus.PUBLISHED,
        as_of=timezone.localdate(),
        scoring_model=ScoringModel.objects.order_by("-version").first(),
        published_at=timezone.now(),
        counts={"cause_for_concern": 1},
    )
    Suggestion.objects.create(
        run=run,
        child=p.council_child,
        score=5,
        individual_score=5,
        tier="cause_for_concern",
        # The explanation: weapon offence (individual), counted once, today.
        indicator_entries=[[_slot(run, "weapon_offence", "individual"), 1, 0]],
    )
    runs.publish_current(run.pk, full=True)  # what publication does: keep the stored current suggestions
    return run


def run_pk(p):
    return {"pk": make_run(p).pk}


def child_with_suggestion(p):
    make_run(p)
    return council_child_pk(p)


def api(allowed, **kwargs) -> Expect:
    return expect(allowed, anonymous=403, **kwargs)


ROUTES: dict[str, Expect] = {
    "cohorts:run_list": expect(COHORT),
    # An empty request is refused with the form's errors; the other cohort roles may not ask (403).
    "cohorts:run_request": Expect(
        {"caseworker": 403, "police": 403, "manager": 400, ANONYMOUS: 302}, 404, method="post"
    ),
    "cohorts:run_detail": expect(COHORT, kwargs=run_pk),
    "cohorts:suggestion_why": expect(
        ("caseworker",), kwargs=child_with_suggestion, must_not_leak=council_child_reference
    ),
    "api:cohort-run-list": api(COHORT),
    "api:cohort-run-detail": api(COHORT, kwargs=run_pk),
    "api:cohort-suggestion-list": api(COHORT),
    "api:cohort-suggestion-detail": api(
        ("caseworker",), kwargs=child_with_suggestion, must_not_leak=council_child_reference
    ),
}

# The admin pages of the models registered in cohorts/admin.py (system administrators only).
ADMIN_MODELS = {
    "cohorts_indicatordefinition": lambda p: (ensure_default_indicators(), IndicatorDefinition.objects.first().pk)[1],
    "cohorts_scoringmodel": lambda p: (ensure_default_indicators(), ScoringModel.objects.first().pk)[1],
    "cohorts_sourcesystem": lambda p: (
        SourceSystem.objects.get_or_create(code="cms-police", label="Police records")[0].pk
    ),
}
ADMIN_VIEWS = {"changelist": 200, "add": 200, "change": 200, "history": 200, "delete": 403}
for model, object_id in ADMIN_MODELS.items():
    for view, status in ADMIN_VIEWS.items():
        needs_id = view in {"change", "history", "delete"}
        ROUTES[f"admin:{model}_{view}"] = expect(
            ("admin",), status=status, kwargs=(lambda p, f=object_id: {"object_id": f(p)}) if needs_id else None
        )
    app_label, model_name = model.split("_", 1)
    ROUTES[f"admin/{app_label}/{model_name}/<path:object_id>/"] = expect(
        ("admin",), status=302, path=lambda p, a=app_label, m=model_name, f=object_id: f"/admin/{a}/{m}/{f(p)}/"
    )

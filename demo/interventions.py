"""Demo interventions: 182 interventions with 107 young people (and some family and context work),
as the source briefing reports, spread over the demo agencies. Synthetic; safe to run again."""

from __future__ import annotations

import random
from datetime import date, timedelta

from accounts.models import Agency, User
from cases.models import Child, Context, Family, Involvement
from demo import accounts as accounts_demo
from demo import cases as cases_demo
from interventions.defaults import ensure_intervention_types
from interventions.models import Intervention, InterventionStatus, InterventionType

CHILDREN = 107
SECOND_INTERVENTIONS = 60
FAMILY_INTERVENTIONS = 8
CONTEXT_INTERVENTIONS = 7  # 107 + 60 + 8 + 7 = 182

PLANNED = {
    "education_offer": "Back in full-time education with a named mentor in school",
    "diversionary_activity": "Weekly boxing club; fewer evenings out late",
    "mentoring": "A trusted adult outside the family; meets weekly",
    "trauma_informed_support": "Able to talk about what happened; fewer crisis calls",
    "whole_family_work": "Parents confident to set boundaries; no missing episodes",
    "team_around_the_family": "One plan agreed by every agency working with the family",
    "targeted_group_work": "Group sessions on healthy relationships and staying safe",
    "community_led_response": "Residents and businesses report concerns and look out for young people",
    "police_enforcement_disruption": "Older males kept away from the young people; the place is no longer used",
}
OUTCOMES = (
    "Goals met: attending regularly and no new concerns",
    "Partly met: engaged well, some missing episodes continued",
    "Young person moved out of the area; handed over to the new authority",
    "Disengaged after six weeks; concerns passed to the lead professional",
)
# The type an agency most often leads, and who leads for it in the demo.
AGENCY_TYPES = {
    accounts_demo.CHILDRENS_SERVICES: ("trauma_informed_support", "education_offer", "whole_family_work"),
    accounts_demo.YOUTH_JUSTICE: ("diversionary_activity", "targeted_group_work", "education_offer"),
    accounts_demo.POLICE: ("police_enforcement_disruption", "diversionary_activity"),
    accounts_demo.SAFER_STREETS: ("mentoring", "targeted_group_work", "trauma_informed_support"),
    accounts_demo.MENTORING: ("mentoring",),
    accounts_demo.SCHOOL: ("education_offer",),
}
LEADS = {
    accounts_demo.CHILDRENS_SERVICES: "caseworker",
    accounts_demo.YOUTH_JUSTICE: "manager",
    accounts_demo.POLICE: "police",
    accounts_demo.SAFER_STREETS: "voluntary",
}


def _dates(rng: random.Random, today: date) -> tuple[date, date | None, str]:
    started = today - timedelta(days=rng.randint(14, 700))
    if rng.random() < 0.55:
        ended = min(today, started + timedelta(days=rng.randint(30, 240)))
        return started, ended, InterventionStatus.COMPLETED if rng.random() < 0.8 else InterventionStatus.ENDED_EARLY
    return started, None, InterventionStatus.ACTIVE


def _row(rng, today, types, agencies, users, agency_name, code, recorded_by, **subject) -> Intervention:
    started, ended, status = _dates(rng, today)
    lead = LEADS.get(agency_name)
    return Intervention(
        intervention_type=types[code],
        lead_agency=agencies[agency_name],
        lead_professional=users[lead] if lead else None,
        started_on=started,
        ended_on=ended,
        status=status,
        planned_outcomes=PLANNED[code],
        outcome=rng.choice(OUTCOMES) if ended else "",
        recorded_by=users[LEADS.get(agency_name, "caseworker")] if lead else recorded_by,
        **subject,
    )


def seed(agencies: dict[str, Agency], users: dict[str, User], today: date) -> int:
    """Add the demo intervention types and interventions once; returns how many interventions were added."""
    ensure_intervention_types()
    if Intervention.objects.filter(planned_outcomes__in=PLANNED.values()).exists():
        return 0
    rng = random.Random(182)
    types = {row.code: row for row in InterventionType.objects.all()}
    by_agency = {agency.pk: name for name, agency in agencies.items()}
    involved: dict[int, list[str]] = {}
    for child_id, agency_id in Involvement.objects.filter(
        child__in=cases_demo.demo_children(), ended_on__isnull=True, agency_id__in=by_agency
    ).values_list("child_id", "agency_id"):
        involved.setdefault(child_id, []).append(by_agency[agency_id])
    children = list(Child.objects.filter(pk__in=involved).order_by("reference"))
    chosen = rng.sample(children, min(CHILDREN, len(children)))
    caseworker = users["caseworker"]
    rows = []
    for index, child in enumerate(chosen):
        for _ in range(2 if index < SECOND_INTERVENTIONS else 1):
            agency_name = rng.choice(sorted(involved[child.pk]))
            code = rng.choice(AGENCY_TYPES[agency_name])
            rows.append(_row(rng, today, types, agencies, users, agency_name, code, caseworker, child=child))
    family_codes = ("whole_family_work", "team_around_the_family")
    for family in Family.objects.order_by("reference")[:FAMILY_INTERVENTIONS]:
        code = rng.choice(family_codes)
        rows.append(
            _row(rng, today, types, agencies, users, accounts_demo.CHILDRENS_SERVICES, code, caseworker, family=family)
        )
    context_choices = (
        (accounts_demo.POLICE, "police_enforcement_disruption"),
        (accounts_demo.SAFER_STREETS, "community_led_response"),
        (accounts_demo.YOUTH_JUSTICE, "targeted_group_work"),
    )
    for context in Context.objects.order_by("reference")[:CONTEXT_INTERVENTIONS]:
        agency_name, code = rng.choice(context_choices)
        rows.append(_row(rng, today, types, agencies, users, agency_name, code, caseworker, context=context))
    Intervention.objects.bulk_create(rows)
    return len(rows)

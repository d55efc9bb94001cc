"""Demo cohort data: observations from made-up agency feeds about some of the demo children and
their households, then a published whole-city recalculation, so a few children have suggestions to
explain. Synthetic only. Safe to run again: it adds nothing when the demo observations are there."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import FamilyMember
from cohorts.models import Observation, RunKind, RunTrigger, SourceSystem
from cohorts.services import runs
from demo import cases as cases_demo

SOURCE_PREFIX = "demo-"
CHILDREN = 12
# (indicator code, source system, note) about a child; each chosen child gets 2-5 of these
CHILD_FACTS = (
    ("crime", "demo-police-records", "Arrested for robbery, released under investigation"),
    ("missing_episode", "demo-missing-persons", "Reported missing overnight, found in the city centre"),
    ("school_attendance", "demo-school-mis", "Attendance 71% this term"),
    ("school_exclusion", "demo-school-mis", "Suspended for five days"),
    ("weapon_offence", "demo-police-records", "Found carrying a knife"),
    ("substance_misuse", "demo-young-peoples-service", "Referred after cannabis found"),
    ("association_with_person_of_concern", "demo-police-intelligence", "Seen with an adult suspected of dealing"),
    ("exploitation_concern", "demo-social-care", "Concern of criminal exploitation raised at a strategy meeting"),
    ("neet", "demo-careers-service", "Left college, not in work or training"),
    ("health", "demo-camhs", "Referred for low mood"),
)
# The demo source systems by the names people know them by (the "why" page shows these).
SOURCE_LABELS = {
    "demo-police-records": "Police records management system",
    "demo-missing-persons": "Police missing persons log",
    "demo-school-mis": "School information system",
    "demo-young-peoples-service": "Young people's drug and alcohol service",
    "demo-police-intelligence": "Police intelligence system",
    "demo-social-care": "Children's social care record",
    "demo-careers-service": "Careers and NEET tracking",
    "demo-camhs": "Child and adolescent mental health services",
    "demo-police-domestic-abuse": "Police domestic abuse log",
    "demo-housing-benefit": "Housing and benefits system",
    "demo-adult-mental-health": "Adult mental health services",
}
# about an adult in the household
ADULT_FACTS = (
    ("domestic_abuse", "demo-police-domestic-abuse", "Domestic abuse incident at the home address"),
    ("financial_exclusion", "demo-housing-benefit", "Rent arrears, eviction notice served"),
    ("crime", "demo-police-records", "Parent charged with handling stolen goods"),
    ("health", "demo-adult-mental-health", "Parent under the community mental health team"),
)


def load_demo_cohort() -> int:
    """Add the demo observations and publish a full run as of today. Returns observations added."""
    if Observation.objects.filter(source_system__startswith=SOURCE_PREFIX).exists():
        return 0
    rng = random.Random(2026)
    today = timezone.localdate()
    children = list(cases_demo.demo_children().order_by("reference")[: CHILDREN * 3])
    if not children:
        return 0
    chosen = rng.sample(children, min(CHILDREN, len(children)))
    rows, number = [], 0

    def add(code, source, note, days_ago, **about):
        nonlocal number
        number += 1
        rows.append(
            Observation(
                source_system=source,
                source_record_id=f"DEMO-{number:05d}",
                indicator_code=code,
                observed_on=today - timedelta(days=days_ago),
                note=note,
                **about,
            )
        )

    for child in chosen:
        for code, source, note in rng.sample(CHILD_FACTS, rng.randint(2, 5)):
            add(code, source, note, rng.randint(3, 150), child=child)
    memberships = FamilyMember.objects.filter(adult__isnull=False).select_related("adult").order_by("family_id", "id")
    for member in list(memberships)[:6]:
        for code, source, note in rng.sample(ADULT_FACTS, rng.randint(1, 2)):
            add(code, source, note, rng.randint(3, 200), adult=member.adult, family_id=member.family_id)
    with transaction.atomic():
        SourceSystem.objects.bulk_create(
            (SourceSystem(code=code, label=label) for code, label in SOURCE_LABELS.items()), ignore_conflicts=True
        )
        Observation.objects.bulk_create(rows)
        run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=today, enqueue=False)
    runs.execute_run(run.pk)
    return len(rows)

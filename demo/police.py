"""Demo police records (Operation Topaz): persons of concern around the Golden Fry takeaway and the
Station Lodge hotel, warning notices, a closure notice, hotel visits and graded intelligence, one
report shared with partners as a sanitised summary. Synthetic only: made-up people and places.

Run after demo.story (it needs the demo contexts). Idempotent: a second run adds nothing."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef

from accounts.models import Agency, User
from cases.models import Child, ChronologyEvent, Context, ContextLink, EventKind, Involvement
from demo import accounts as accounts_demo
from interventions.models import DisruptionAction, IntelligenceReport, IntelligenceShare, PersonOfConcern
from interventions.services.police import age_on, reliability_of

MARKER = "POC-DEMO01"

# reference, given, family, known as, born (years before today), description, location references
PERSONS = (
    (
        MARKER,
        "Marcus",
        "Wrenfield",
        "Dice, Big M",
        31,
        "Seen giving food and cash to boys at the Golden Fry takeaway; believed to run a Westmoor drug line.",
        ("LO-DEMO2",),
    ),
    (
        "POC-DEMO02",
        "Kieran",
        "Ashdown-Pell",
        "KP",
        27,
        "Books rooms at the Station Lodge hotel for girls reported missing from care.",
        ("LO-DEMO3",),
    ),
    (
        "POC-DEMO03",
        "Lee",
        "Farrowgate",
        "Older Lee",
        22,
        "Former member of the 24s; collects younger boys from the bus station.",
        ("LO-DEMO1", "LO-DEMO2"),
    ),
    (
        "POC-DEMO04",
        "Dwayne",
        "Quarrington",
        "",
        35,
        "Landlord of a flat used for cuckooing on the Westmoor estate.",
        (),
    ),
)
# (source evaluation, assessment, handling code, conditions, days ago, text, person refs, context refs)
REPORTS = (
    (
        "1",
        "A",
        "P",
        "",
        80,
        "Officer saw Wrenfield hand a package to two boys behind the Golden Fry.",
        ("POC-DEMO01",),
        ("LO-DEMO2",),
    ),
    (
        "2",
        "B",
        "P",
        "",
        72,
        "Staff say Wrenfield pays for boys' meals most evenings after school.",
        ("POC-DEMO01",),
        ("LO-DEMO2",),
    ),
    (
        "2",
        "C",
        "C",
        "Not to be shared beyond the exploitation panel",
        65,
        "Source reports a new line phone number used by Dice.",
        ("POC-DEMO01",),
        (),
    ),
    (
        "1",
        "B",
        "P",
        "",
        58,
        "Hotel records show Ashdown-Pell booked room 14 on three Fridays.",
        ("POC-DEMO02",),
        ("LO-DEMO3",),
    ),
    (
        "2",
        "A",
        "P",
        "",
        50,
        "Night porter saw a girl in school uniform leave room 14 at 2am.",
        ("POC-DEMO02",),
        ("LO-DEMO3",),
    ),
    (
        "3",
        "D",
        "P",
        "",
        44,
        "Anonymous call: KP drives a silver hatchback with a cracked windscreen.",
        ("POC-DEMO02",),
        (),
    ),
    (
        "2",
        "B",
        "P",
        "",
        36,
        "Farrowgate seen collecting boys from the bus station in a taxi.",
        ("POC-DEMO03",),
        ("LO-DEMO1",),
    ),
    (
        "1",
        "C",
        "C",
        "Share only with the lead professional",
        29,
        "Quarrington's flat linked to two cuckooing reports.",
        ("POC-DEMO04",),
        (),
    ),
    ("2", "E", "P", "", 21, "Rumour that the Golden Fry will close; thought to be untrue.", (), ("LO-DEMO2",)),
    (
        "1",
        "A",
        "P",
        "",
        14,
        "Boys seen dealing from the hotel car park; two known to the 24s.",
        ("POC-DEMO02", "POC-DEMO03"),
        ("LO-DEMO3",),
    ),
)
SHARED_REPORT = 4  # index in REPORTS: the night porter's sighting
SHARED_SUMMARY = (
    "Police have information that this young person may have been taken to a hotel at night by an adult. "
    "Please discuss at the next exploitation panel."
)


def _police_children(police: Agency, context_reference: str, limit: int, today: date) -> list[Child]:
    """Young people seen at the place, those the police already work with first; the police start
    working with the others (they are who a disruption at that place protects)."""
    linked = ContextLink.objects.filter(child=OuterRef("pk"), context__reference=context_reference)
    involved = Involvement.objects.active().filter(child=OuterRef("pk"), agency=police)
    children = list(
        Child.objects.filter(Exists(linked))
        .annotate(police_work=Exists(involved))
        .order_by("-police_work", "reference")[:limit]
    )
    Involvement.objects.bulk_create(
        Involvement(agency=police, child=child, started_on=today - timedelta(days=60))
        for child in children
        if not child.police_work
    )
    return children


def _cawn_eligible(child: Child, on: date) -> bool:
    age = age_on(child.date_of_birth, on)
    return age < 16 or (age < 18 and child.looked_after)


def seed(agencies: dict[str, Agency], users: dict[str, User], today: date) -> bool:
    """Add the police records once; returns False when they are already there (or the story is missing)."""
    if PersonOfConcern.objects.filter(reference=MARKER).exists():
        return False
    contexts = {context.reference: context for context in Context.objects.filter(reference__contains="-DEMO")}
    if "LO-DEMO2" not in contexts:
        return False
    police = agencies[accounts_demo.POLICE]
    officer = users["police"]
    persons = {}
    for reference, given, family, known_as, years, description, locations in PERSONS:
        person = PersonOfConcern.objects.create(
            reference=reference,
            given_name=given,
            family_name=family,
            known_as=known_as,
            date_of_birth=today.replace(year=today.year - years, day=min(today.day, 28)),
            description=description,
            recorded_by=officer,
        )
        person.locations.set([contexts[ref] for ref in locations if ref in contexts])
        persons[reference] = person
    takeaway_children = _police_children(police, "LO-DEMO2", 4, today)
    hotel_children = _police_children(police, "LO-DEMO3", 4, today)
    persons["POC-DEMO01"].children.set(takeaway_children)
    persons["POC-DEMO02"].children.set(hotel_children)
    persons["POC-DEMO03"].children.set(takeaway_children[:2])

    def action(kind, days_ago, outcome, person=None, location=None, child=None):
        DisruptionAction.objects.create(
            kind=kind,
            taken_on=today - timedelta(days=days_ago),
            person=person,
            location=contexts.get(location) if location else None,
            child=child,
            outcome=outcome,
            recorded_by=officer,
        )

    for child in hotel_children + takeaway_children:
        if _cawn_eligible(child, today - timedelta(days=40)):
            action(
                "cawn",
                40,
                "Warning notice served in person; told not to contact or harbour the child.",
                person=persons["POC-DEMO02" if child in hotel_children else "POC-DEMO01"],
                child=child,
            )
    action(
        "closure_notice", 30, "Closure notice on the flat above the Golden Fry for three months.", location="LO-DEMO2"
    )
    for days_ago in (60, 45, 20):
        action(
            "hotel_visit",
            days_ago,
            "Staff at the Station Lodge briefed on signs of exploitation; guest register checked.",
            location="LO-DEMO3",
        )
    action(
        "arrest",
        25,
        "Arrested on suspicion of supplying class A drugs; released under investigation.",
        person=persons["POC-DEMO01"],
        location="LO-DEMO2",
    )
    action(
        "stop_and_search",
        12,
        "Searched at the bus station; cash and two phones seized.",
        person=persons["POC-DEMO03"],
        location="LO-DEMO1",
    )

    reports = []
    for number, (source, assessment, code, conditions, days_ago, text, person_refs, context_refs) in enumerate(
        REPORTS, start=1
    ):
        report = IntelligenceReport.objects.create(
            reference=f"INT-DEMO{number:02d}",
            received_on=today - timedelta(days=days_ago),
            source_evaluation=source,
            assessment=assessment,
            handling_code=code,
            handling_conditions=conditions,
            text=text,
            submitted_by=officer,
        )
        report.persons.set([persons[ref] for ref in person_refs])
        report.contexts.set([contexts[ref] for ref in context_refs if ref in contexts])
        linked = set()
        for ref in person_refs:
            linked.update(persons[ref].children.all())
        report.children.set(sorted(linked, key=lambda child: child.pk)[:3])
        reports.append(report)

    shared = reports[SHARED_REPORT]
    share = IntelligenceShare.objects.create(report=shared, summary=SHARED_SUMMARY, shared_by=officer)
    events = [
        ChronologyEvent.objects.create(
            child=child,
            occurred_on=max(shared.received_on, child.date_of_birth),
            kind=EventKind.POLICE_INFORMATION,
            summary=SHARED_SUMMARY[:300],
            detail=SHARED_SUMMARY,
            source_agency=police,
            reliability=reliability_of(shared),
            recorded_by=officer,
        )
        for child in shared.children.all()
    ]
    share.events.set(events)
    return True

"""Demo contexts, families, chronologies, referrals and a context plan: a coherent, made-up story
of a partnership working on youth violence and exploitation around one city's bus station, an
estate and a peer group. Synthetic only; no real people or places."""

import random
from datetime import date, timedelta

from faker import Faker

from accounts.models import Agency, User
from cases.models import (
    Adult,
    Child,
    ChronologyEvent,
    Context,
    ContextAssessment,
    ContextLink,
    ContextPlan,
    EventKind,
    Family,
    FamilyFact,
    FamilyMember,
    Involvement,
    PlanGoal,
    PlanResponse,
    Referral,
    ReferralDecision,
)
from demo import accounts as accounts_demo
from demo import areas as areas_demo
from demo import cases as cases_demo

MARKER = "PG-DEMO1"

# reference, kind, name, extra fields, agencies working with it
CONTEXTS = (
    (
        MARKER,
        "peer_group",
        "The 24s",
        {
            "known_names": "24s, Twenty-Fours, WM24",
            "neighbourhood": "Westmoor",
            "dynamics": "Older members recruit younger boys to run drugs between Westmoor and the city centre. "
            "Status from carrying knives; conflict with a Riverton North group.",
        },
        (accounts_demo.POLICE, accounts_demo.YOUTH_JUSTICE),
    ),
    (
        "PG-DEMO2",
        "peer_group",
        "Young women's group",
        {
            "neighbourhood": "Riverton East",
            "dynamics": "Girls aged 13 to 16 meeting older males through social media; several missing episodes.",
        },
        (accounts_demo.SAFER_STREETS,),
    ),
    (
        "LO-DEMO1",
        "location",
        "Riverton bus station",
        {
            "location_type": "transport_hub",
            "neighbourhood": "Riverton Central",
            "address": "Station Approach, Riverton",
            "latitude": "51.45210",
            "longitude": "-2.58010",
        },
        (accounts_demo.CHILDRENS_SERVICES, accounts_demo.POLICE),
    ),
    (
        "LO-DEMO2",
        "location",
        "Golden Fry takeaway",
        {"location_type": "takeaway", "neighbourhood": "Westmoor", "address": "Market Street, Westmoor"},
        (accounts_demo.POLICE,),
    ),
    (
        "LO-DEMO3",
        "location",
        "Station Lodge hotel",
        {"location_type": "hotel", "neighbourhood": "Riverton Central", "address": "Canal Road, Riverton"},
        (accounts_demo.POLICE,),
    ),
    (
        "LO-DEMO4",
        "location",
        "Castle Park",
        {"location_type": "park", "neighbourhood": "Riverton North"},
        (accounts_demo.CHILDRENS_SERVICES,),
    ),
    (
        "NB-DEMO1",
        "neighbourhood",
        "Westmoor estate",
        {"neighbourhood": "Westmoor"},
        (accounts_demo.CHILDRENS_SERVICES, accounts_demo.SAFER_STREETS),
    ),
    ("SC-DEMO1", "school", accounts_demo.SCHOOL, {"neighbourhood": "Harbourside"}, (accounts_demo.SCHOOL,)),
    (
        "SC-DEMO2",
        "school",
        "Riverton Pupil Referral Unit",
        {"neighbourhood": "Riverton South"},
        (accounts_demo.CHILDRENS_SERVICES,),
    ),
    (
        "ON-DEMO1",
        "online",
        "WM24 group chat",
        {"platform": "Snapchat", "neighbourhood": "Westmoor"},
        (accounts_demo.POLICE,),
    ),
)
# context reference -> (role, number of children linked)
LINKS = {
    MARKER: ("member", 14),
    "PG-DEMO2": ("member", 8),
    "LO-DEMO1": ("victim", 12),
    "LO-DEMO2": ("member", 9),
    "LO-DEMO3": ("victim", 5),
    "LO-DEMO4": ("witness", 6),
    "NB-DEMO1": ("member", 20),
    "ON-DEMO1": ("member", 7),
}
CONCERN_SHARE = 0.17
# (family fact, share of households) for the households of the young people of concern, and the rest
CONCERN_FAMILY_SHARES = (("domestic_abuse", 0.6), ("financial_exclusion", 0.7), ("crime", 0.5), ("health", 0.5))
FAMILY_SHARES = (("domestic_abuse", 0.05), ("financial_exclusion", 0.12), ("crime", 0.03), ("health", 0.08))
EVENT_SUMMARIES = {
    EventKind.MISSING_EPISODE: "Reported missing overnight by carer",
    EventKind.FOUND: "Found by police and returned home",
    EventKind.EXCLUSION: "Fixed-term exclusion for carrying a bladed article",
    EventKind.ARREST: "Arrested for possession with intent to supply",
    EventKind.WEAPON_OFFENCE: "Knife found during stop and search",
    EventKind.DISCLOSURE: "Disclosed being made to hold drugs for older boys",
    EventKind.CONTACT: "Home visit by caseworker",
    EventKind.MEETING: "Strategy meeting held",
    EventKind.SCHOOL_ATTENDANCE: "Attendance below 70% this term",
    EventKind.HEALTH: "Attended A&E with a hand injury",
}
# What agencies record about most young people they know: visits, and now and then one worry.
ORDINARY_KINDS = (
    EventKind.CONTACT,
    EventKind.CONTACT,
    EventKind.CONTACT,
    EventKind.CONTACT,
    EventKind.CONTACT,
    EventKind.HEALTH,
    EventKind.SCHOOL_ATTENDANCE,
)


def seed_story(agencies: dict[str, Agency], users: dict[str, User], today: date) -> bool:
    """Add the story once; returns False when it is already there."""
    if Context.objects.filter(reference=MARKER).exists():
        return False
    rng = random.Random(24)
    fake = Faker("en_GB")
    fake.seed_instance(24)
    caseworker = users["caseworker"]
    children = list(cases_demo.demo_children().order_by("reference"))
    agency_of = {name: agencies[name] for name in agencies}

    contexts = {}
    places = areas_demo.seed_areas()
    for reference, kind, name, extra, involved in CONTEXTS:
        place = places.get(extra.get("neighbourhood", ""))
        contexts[reference] = Context.objects.create(
            reference=reference, kind=kind, name=name, created_by=caseworker, **{**extra, "neighbourhood": place}
        )
        Involvement.objects.bulk_create(
            Involvement(agency=agency_of[agency], context=contexts[reference], started_on=today - timedelta(days=200))
            for agency in involved
        )

    # A minority of the young people carry the concerns (the cohort's candidates); the rest have the
    # ordinary contacts of children known to an agency.
    concern = [child for child in children if rng.random() < CONCERN_SHARE]
    concern_ids = {child.pk for child in concern}
    links = []
    for reference, (role, count) in LINKS.items():
        for child in rng.sample(concern, count):
            links.append(
                ContextLink(
                    child=child,
                    context=contexts[reference],
                    role=role,
                    since=today - timedelta(days=rng.randint(30, 400)),
                    source_agency=agency_of[rng.choice(list(accounts_demo.AGENCIES))],
                    recorded_by=caseworker,
                    reliability=rng.choice(["confirmed", "probable", "possible"]),
                )
            )
    ContextLink.objects.bulk_create(links)
    school = contexts["SC-DEMO1"]
    Child.objects.filter(pk__in=[c.pk for c in children[::5]]).update(school=school)

    _seed_families(rng, fake, children, concern_ids, agency_of, caseworker, today)
    _seed_chronologies(rng, children, concern_ids, contexts, agency_of, caseworker, today)
    _seed_referrals_and_plan(rng, children, contexts, agency_of, users, today)
    return True


def _seed_families(rng, fake, children, concern_ids, agency_of, caseworker, today) -> None:
    by_surname: dict[str, list[Child]] = {}
    for child in children:
        by_surname.setdefault(child.family_name, []).append(child)
    number = 0
    for surname, members in sorted(by_surname.items()):
        for start in range(0, len(members), 3):
            number += 1
            family = Family.objects.create(
                reference=f"FA-DEMO{number:03d}",
                name=f"{surname} family",
                postcode=fake.postcode(),
                neighbourhood_id=members[start].neighbourhood_id,
            )
            for child in members[start : start + 3]:
                FamilyMember.objects.create(family=family, child=child, relationship="child")
            mother = Adult.objects.create(given_name=fake.first_name_female(), family_name=surname)
            FamilyMember.objects.create(family=family, adult=mother, relationship="mother")
            if rng.random() < 0.4:
                father = Adult.objects.create(given_name=fake.first_name_male(), family_name=surname)
                FamilyMember.objects.create(
                    family=family, adult=father, relationship="father", lives_in_household=rng.random() < 0.5
                )
            shares = CONCERN_FAMILY_SHARES if concern_ids.intersection(c.pk for c in members) else FAMILY_SHARES
            for kind, share in shares:
                if rng.random() < share:
                    FamilyFact.objects.create(
                        family=family,
                        kind=kind,
                        noted_on=today - timedelta(days=rng.randint(10, 600)),
                        source_agency=agency_of[accounts_demo.CHILDRENS_SERVICES],
                        recorded_by=caseworker,
                        reliability="confirmed",
                    )


def _seed_chronologies(rng, children, concern_ids, contexts, agency_of, caseworker, today) -> None:
    agencies = list(agency_of.values())
    events = []
    for child in children:
        earliest = max(child.date_of_birth + timedelta(days=3650), today - timedelta(days=720))
        span = max((today - earliest).days, 1)
        kinds = list(EVENT_SUMMARIES) if child.pk in concern_ids else ORDINARY_KINDS
        for _ in range(rng.randint(2, 15) if child.pk in concern_ids else rng.randint(1, 3)):
            kind = rng.choice(kinds)
            events.append(
                ChronologyEvent(
                    child=child,
                    kind=kind,
                    summary=EVENT_SUMMARIES[kind],
                    source_agency=rng.choice(agencies),
                    occurred_on=earliest + timedelta(days=rng.randint(0, span)),
                    recorded_by=caseworker,
                    reliability=rng.choice(["confirmed", "confirmed", "probable"]),
                )
            )
    for reference, summary in (
        ("LO-DEMO1", "Three children assaulted on the number 24 bus route after school"),
        ("LO-DEMO1", "CCTV coverage reviewed with the bus operator"),
        (MARKER, "Group seen carrying knives near the Golden Fry takeaway"),
        ("LO-DEMO3", "Hotel staff report young girls visiting older men at night"),
    ):
        events.append(
            ChronologyEvent(
                context=contexts[reference],
                kind=EventKind.INCIDENT,
                summary=summary,
                recorded_by=caseworker,
                source_agency=agency_of[accounts_demo.POLICE],
                occurred_on=today - timedelta(days=rng.randint(5, 90)),
            )
        )
    ChronologyEvent.objects.bulk_create(events)


def _seed_referrals_and_plan(rng, children, contexts, agency_of, users, today) -> None:
    caseworker = users["caseworker"]
    for child in rng.sample(children, 30):
        referral = Referral.objects.create(
            child=child,
            received_on=today - timedelta(days=rng.randint(1, 300)),
            referrer_agency=agency_of[
                rng.choice([accounts_demo.SCHOOL, accounts_demo.POLICE, accounts_demo.SAFER_STREETS])
            ],
            referred_by=caseworker,
            category=rng.choice(["criminal_exploitation", "sexual_exploitation", "youth_violence"]),
            concerns="Concerns about going missing and new unexplained possessions.",
            status=rng.choice(["received", "accepted", "accepted", "signposted"]),
        )
        ReferralDecision.objects.create(
            referral=referral, status="received", reason="Referral received", decided_by=caseworker
        )
    bus_station = contexts["LO-DEMO1"]
    Referral.objects.create(
        context=bus_station,
        received_on=today - timedelta(days=20),
        referrer_agency=agency_of[accounts_demo.SCHOOL],
        referred_by=caseworker,
        category="youth_violence",
        concerns="Several children assaulted on the same bus route after school over three weeks.",
    )
    assessment = ContextAssessment.objects.create(
        context=bus_station,
        started_on=today - timedelta(days=14),
        assessor=caseworker,
        status="completed",
        completed_on=today - timedelta(days=7),
        strengths="Bus station staff know many of the young people by name.",
        concerns="No staff on the concourse after 8pm; older males wait by the side entrance.",
        guardianship="Security guard leaves at 8pm; CCTV blind spot at the side entrance.",
        physical_environment="Poor lighting on the side entrance and the underpass.",
        policies="Bus operator has no policy for reporting concerns about children.",
        young_peoples_views="Young people say they feel unsafe waiting for the 24 after dark.",
        weighting="context_greater",
        weighting_rationale="Most incidents happen here, not at home.",
    )
    plan = ContextPlan.objects.create(
        context=bus_station,
        assessment=assessment,
        title="Make Riverton bus station safer after school",
        review_on=today + timedelta(days=28),
        owner=caseworker,
    )
    plan.children.set(ContextLink.objects.filter(context=bus_station).values_list("child_id", flat=True)[:2])
    goal = PlanGoal.objects.create(plan=plan, description="Young people are supervised at the bus station after school")
    PlanResponse.objects.create(
        goal=goal,
        action="Bus operator extends staffed hours to 10pm",
        owner_agency=agency_of[accounts_demo.CHILDRENS_SERVICES],
        owner=caseworker,
        measure="No assaults reported on the route for 8 weeks",
        review_on=today + timedelta(days=28),
    )

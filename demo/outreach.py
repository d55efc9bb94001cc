"""Demo outreach and group work: the Operation Topaz outreach officer's training and awareness events,
establishments (independent children's homes hard to engage), door-to-door campaigns, and three
targeted groups (the 24s, a young women's group, a Gypsy, Roma and Traveller young people's group)
with sessions and registers. Synthetic only: made-up places and people (Faker en_GB, fixed seeds).

The generated events make the live reach report for 1 January to 4 September of the demo year show
what the source document reports: 210 non-police professionals trained, over 500 night-time economy
workers and venue owners and 628 school students reached. The figures are read by the report's own
queries over these records; nothing here stores a total.

Run after demo.story (it needs the demo contexts). Idempotent: a second run adds nothing."""

import random
from datetime import date, timedelta

from faker import Faker

from accounts.models import Agency, User
from areas.demographics import Ethnicity
from cases.models import Child, Context, ContextLink, Involvement
from demo import accounts as accounts_demo
from demo import areas as areas_demo
from demo import cases as cases_demo
from demo import story as story_demo
from outreach import services
from outreach.models import (
    DoorToDoorCampaign,
    EngagementRecord,
    Establishment,
    Group,
    OutreachEvent,
)

MARKER = "Riverton Safeguarding Partnership conference"
GRT_CONTEXT = "PG-DEMO3"
GRT = (Ethnicity.WHITE_GYPSY_TRAVELLER, Ethnicity.WHITE_ROMA)

# audience, activity, total people in the demo year's 1 January to 4 September, number of events
HEADLINE = (
    ("non_police_professionals", "training", 210, 9),
    ("night_time_economy", "awareness", 527, 14),
    ("school_students", "awareness", 628, 8),
)
# Other work in the same period (audience, activity, people, events): it does not touch the headline.
OTHER_WORK = (
    ("school_safeguarding_leads", "training", 34, 3),
    ("childrens_home_staff", "training", 26, 3),
    ("hotel_staff", "awareness", 48, 4),
    ("taxi_drivers", "awareness", 75, 2),
    ("parents_carers", "awareness", 40, 2),
)
# Work in the year before (the source document's "2018" list) and after 4 September.
EARLIER_WORK = (
    ("school_safeguarding_leads", "training", 46, 4),
    ("childrens_home_staff", "training", 18, 2),
    ("night_time_economy", "awareness", 130, 5),
    ("non_police_professionals", "training", 65, 3),
)
LATER_WORK = (
    ("health_staff", "training", 40, 2),
    ("community_faith", "awareness", 55, 2),
    ("school_students", "awareness", 150, 2),
)
PLACES = {
    "non_police_professionals": ("Riverton Children's Centre", "Westmoor Health Centre", "Riverton Youth Hub"),
    "night_time_economy": ("The Anchor", "Club Neon", "The Crown and Feathers", "Velvet Lounge", "The Old Mill"),
    "school_students": ("Harbourside Academy", "Riverton High School", "Westmoor Community College"),
    "school_safeguarding_leads": ("Riverton schools' safeguarding forum",),
    "childrens_home_staff": ("Elm Lodge", "Oak House"),
    "hotel_staff": ("Station Lodge hotel", "Canal Quay Inn"),
    "taxi_drivers": ("Riverton licensed drivers' briefing",),
    "parents_carers": ("Westmoor parents' evening",),
    "health_staff": ("Riverton General emergency department",),
    "community_faith": ("Westmoor community mosque", "St Luke's church hall"),
}
# name, kind, provider type, area, engagement history (outcome, days after 1 January), follow up in days
ESTABLISHMENTS = (
    ("The Anchor", "venue", "", "Riverton Central", (("contacted", 20), ("trained", 60)), None),
    ("Club Neon", "venue", "", "Riverton Central", (("contacted", 30), ("engaged", 45)), None),
    ("The Crown and Feathers", "venue", "", "Westmoor", (("contacted", 50), ("trained", 80)), None),
    ("Velvet Lounge", "venue", "", "Riverton Central", (("contacted", 70), ("no_response", 100)), 10),
    ("Station Lodge hotel", "hotel", "", "Riverton Central", (("contacted", 15), ("trained", 40)), None),
    ("Canal Quay Inn", "hotel", "", "Harbourside", (("contacted", 90), ("engaged", 120)), None),
    ("Parkway Budget Hotel", "hotel", "", "Riverton North", (("contacted", 140),), 5),
    ("Elm Lodge", "childrens_home", "independent", "Westmoor", (("contacted", 25), ("declined", 55)), 20),
    (
        "Hillcrest House",
        "childrens_home",
        "independent",
        "Riverton South",
        (("contacted", 35), ("no_response", 75)),
        -3,
    ),
    ("Beacon Care Homes, Marsh Road", "childrens_home", "independent", "Riverton East", (("declined", 110),), None),
    ("Oak House", "childrens_home", "local_authority", "Riverton North", (("contacted", 10), ("trained", 30)), None),
    ("Willow Court", "childrens_home", "local_authority", "Harbourside", (("engaged", 95),), None),
    ("Harbourside Academy", "school", "", "Harbourside", (("contacted", 5), ("trained", 50)), None),
    ("Riverton High School", "school", "", "Riverton Central", (("engaged", 65),), None),
    ("Westmoor Community College", "school", "", "Westmoor", (("contacted", 130),), 14),
    ("Riverton bus station kiosks", "other", "", "Riverton Central", (), None),
    ("Westmoor Market traders", "other", "", "Westmoor", (), None),
)
CAMPAIGNS = (
    ("Westmoor", "Market Street, Mill Lane, Chapel Row", 40, 3, 310, True),
    ("Riverton Central", "RV1 2, RV1 3 (streets around the bus station)", 120, 2, 185, True),
    ("Riverton East", "RV4 1", 200, 4, 240, False),
)
GROUP_ACTIVITIES = (
    "Boxing and a talk on county lines",
    "Music studio session",
    "Healthy relationships workshop",
    "Cooking together",
    "Knife crime: a paramedic's story",
    "Football and goal-setting",
    "Online safety and grooming",
    "Trip to the climbing wall",
)


def demo_year(today: date) -> int:
    """The year whose 1 January to 4 September has passed: this year from 4 September on."""
    return today.year if (today.month, today.day) >= (9, 4) else today.year - 1


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` people over `parts` events of uneven size."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    sizes = [max(1, int(total * weight / sum(weights))) for weight in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def _events(rng, work, start: date, end: date, agency, officer, areas, *, status="delivered") -> list[OutreachEvent]:
    span = (end - start).days
    made = []
    for audience, activity, total, count in work:
        for size in _split(rng, total, count):
            made.append(
                OutreachEvent(
                    agency=agency,
                    activity=activity,
                    audience=audience,
                    organisation=rng.choice(PLACES[audience]),
                    area=rng.choice(areas),
                    held_on=start + timedelta(days=rng.randint(0, span)),
                    headcount=size,
                    delivered_by=officer.get_full_name(),
                    status=status,
                    intelligence_submitted=rng.random() < 0.15,
                    referrals_made=rng.choice((0, 0, 0, 1, 2)) if status == "delivered" else 0,
                    recorded_by=officer,
                )
            )
    return made


def _members(context: Context, agency: Agency, user: User, rng: random.Random, today: date, wanted: int) -> list[Child]:
    """The context's young people whom `user` may see; the agency starts working with more of them
    when too few are on its caseload (so the registers have names)."""
    linked = list(Child.objects.filter(context_links__context=context).distinct().order_by("reference"))
    visible = list(Child.objects.visible_to(user).filter(pk__in=[c.pk for c in linked]).order_by("reference"))
    hidden = [child for child in linked if child not in visible]
    for child in hidden[: max(0, wanted - len(visible))]:
        Involvement.objects.create(agency=agency, child=child, started_on=today - timedelta(days=rng.randint(200, 400)))
        visible.append(child)
    return visible


def _grt_context(agencies, users, rng, today) -> Context:
    context, created = Context.objects.get_or_create(
        reference=GRT_CONTEXT,
        defaults={
            "kind": "peer_group",
            "name": "Gypsy, Roma and Traveller young people's group",
            "neighbourhood": areas_demo.seed_areas()["Riverton East"],
            "dynamics": "Young people from two Traveller sites; targeted by older males offering work and cars.",
            "created_by": users["voluntary"],
        },
    )
    if created:
        Involvement.objects.create(
            agency=agencies[accounts_demo.SAFER_STREETS], context=context, started_on=today - timedelta(days=300)
        )
        children = list(cases_demo.demo_children().filter(ethnicity__in=GRT).order_by("reference"))
        others = list(cases_demo.demo_children().filter(neighbourhood__name="Riverton East").order_by("reference"))
        for child in (children + [c for c in others if c not in children])[:8]:
            ContextLink.objects.create(
                child=child,
                context=context,
                role="member",
                since=today - timedelta(days=rng.randint(60, 300)),
                source_agency=agencies[accounts_demo.SAFER_STREETS],
                recorded_by=users["voluntary"],
                reliability="confirmed",
            )
    return context


def seed(agencies: dict[str, Agency], users: dict[str, User], today: date) -> bool:
    """Add the outreach and group work once; returns False when it is already there."""
    if OutreachEvent.objects.filter(organisation=MARKER).exists():
        return False
    rng = random.Random(628)
    fake = Faker("en_GB")
    fake.seed_instance(628)
    areas = areas_demo.seed_areas()
    area_list = list(areas.values())
    police, officer = agencies[accounts_demo.POLICE], users["outreach"]
    year = demo_year(today)
    start, headline_end = date(year, 1, 1), date(year, 9, 4)

    events = _events(rng, HEADLINE + OTHER_WORK, start, headline_end, police, officer, area_list)
    events += _events(rng, EARLIER_WORK, date(year - 1, 1, 10), date(year - 1, 12, 10), police, officer, area_list)
    later_end = min(today, date(year, 12, 20))
    if later_end > headline_end:
        events += _events(rng, LATER_WORK, headline_end + timedelta(days=1), later_end, police, officer, area_list)
    # Planned: the conference and what is coming up on the officer's home page.
    events += _events(
        rng,
        (("health_staff", "training", 60, 2), ("community_faith", "awareness", 80, 2)),
        today + timedelta(days=3),
        today + timedelta(days=40),
        police,
        officer,
        area_list,
        status="planned",
    )
    events.append(
        OutreachEvent(
            agency=police,
            activity="training",
            audience="non_police_professionals",
            organisation=MARKER,
            area=areas["Riverton Central"],
            held_on=today + timedelta(days=21),
            headcount=120,
            delivered_by=officer.get_full_name(),
            status="planned",
            recorded_by=officer,
        )
    )
    OutreachEvent.objects.bulk_create(events)

    for name, kind, provider, area, history, follow_up in ESTABLISHMENTS:
        place = Establishment.objects.create(
            agency=police,
            name=name,
            kind=kind,
            provider_type=provider,
            area=areas[area],
            address=fake.street_address().replace("\n", ", "),
            recorded_by=officer,
        )
        for index, (outcome, days) in enumerate(history):
            last = index == len(history) - 1
            EngagementRecord.objects.create(
                establishment=place,
                outcome=outcome,
                occurred_on=start + timedelta(days=days),
                follow_up_on=today + timedelta(days=follow_up) if last and follow_up is not None else None,
                note="Manager would not commit to staff training" if outcome == "declined" else "",
                recorded_by=officer,
            )

    for area, streets, day, length, households, concerns in CAMPAIGNS:
        started = start + timedelta(days=day)
        DoorToDoorCampaign.objects.create(
            agency=police,
            area=areas[area],
            streets=streets,
            started_on=started,
            ended_on=started + timedelta(days=length),
            households_reached=households,
            concerns="Neighbours report young people coming and going from a flat at night" if concerns else "",
            actions="Intelligence submitted; address shared with the neighbourhood team" if concerns else "",
            recorded_by=officer,
        )

    _seed_groups(agencies, users, areas, rng, today, start)
    return True


def _seed_groups(agencies, users, areas, rng, today, start) -> None:
    peer_group = Context.objects.get(reference=story_demo.MARKER)
    young_women = Context.objects.get(reference="PG-DEMO2")
    grt = _grt_context(agencies, users, rng, today)
    plans = (
        # context, name, area, agency, worker, sessions
        (peer_group, "The 24's", "Westmoor", accounts_demo.YOUTH_JUSTICE, users["manager"], 12),
        (young_women, "Young women's group", "Riverton East", accounts_demo.SAFER_STREETS, users["voluntary"], 10),
        (grt, "GRT young people's group", "Riverton East", accounts_demo.SAFER_STREETS, users["voluntary"], 8),
    )
    for context, name, area, agency_name, worker, sessions in plans:
        agency = agencies[agency_name]
        if not Involvement.objects.filter(agency=agency, context=context).exists():
            Involvement.objects.create(agency=agency, context=context, started_on=today - timedelta(days=300))
        members = _members(context, agency, worker, rng, today, wanted=6)
        group = Group.objects.filter(agency=agency, context=context).first() or services.create_group(
            worker, context=context, area=areas[area], name=name, agency=agency
        )
        span = max((today - start).days, 30)
        days = sorted(rng.sample(range(1, span), sessions))
        for day in days:
            held_on = today - timedelta(days=day)
            present = [child for child in members if rng.random() < 0.7 and child.date_of_birth < held_on] or [
                child for child in members if child.date_of_birth < held_on
            ][:1]
            if not present:
                continue
            services.record_session(
                worker,
                group,
                held_on=held_on,
                activity=rng.choice(GROUP_ACTIVITIES),
                duration_minutes=rng.choice((60, 90, 90, 120)),
                children=present,
                notes="",
            )

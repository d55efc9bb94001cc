"""The set-based social factors profile (dashboards.social) against a child-by-child reading of
the rules, on a seeded random partnership: individual and family counts for explicit groups, for the
children with an indicator (the young offenders' table) with and without an area, and for an empty
group. The hand-made figures themselves are checked in test_dashboards."""

import random
from datetime import date, timedelta

import pytest

from areas.models import LocalAuthority, Neighbourhood, PoliceArea
from cases.models import Adult, ChronologyEvent, FamilyFact, FamilyMember
from cases.models.families import Family, FamilyFactKind
from cohorts.defaults import ensure_default_indicators
from cohorts.models import IndicatorDefinition, Level, Observation
from dashboards import queries, social
from dashboards.filters import Scope
from dashboards.forms import GroupKind
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

SCOPE = Scope(date(2026, 2, 1), date(2026, 4, 30))
CODES = [*social.SOCIAL_FACTORS, "weapon_offence"]  # one code that is not a social factor
KINDS = ["arrest", "health", "school_attendance", "incident", "contact"]


def _kinds(code: str, level: str) -> list[str]:
    listed = IndicatorDefinition.objects.get(code=code, level=level, is_active=True).event_kinds
    return [kind.strip() for kind in listed.split(",") if kind.strip()]


def _day(rng: random.Random) -> date:
    """A day in the period, or up to 40 days either side of it."""
    return SCOPE.start + timedelta(days=rng.randrange(-40, (SCOPE.end - SCOPE.start).days + 41))


def _in_period(day: date) -> bool:
    return SCOPE.start <= day <= SCOPE.end


def expected(child, code: str) -> tuple[bool, bool]:
    """(the child has the factor themselves, a family of theirs has it), read child by child."""

    def itself(who) -> bool:
        observed = any(_in_period(o.observed_on) for o in Observation.objects.filter(child=who, indicator_code=code))
        kinds = _kinds(code, Level.INDIVIDUAL)
        return observed or any(
            _in_period(e.occurred_on) for e in ChronologyEvent.objects.filter(child=who, kind__in=kinds)
        )

    family = False
    for membership in FamilyMember.objects.filter(child=child):
        household = membership.family
        family |= any(
            _in_period(o.observed_on)
            for o in Observation.objects.filter(family=household, adult__isnull=False, indicator_code=code)
        )
        family |= any(_in_period(f.noted_on) for f in FamilyFact.objects.filter(family=household, kind=code))
        kinds = _kinds(code, Level.FAMILY)
        family |= any(
            _in_period(e.occurred_on) for e in ChronologyEvent.objects.filter(family=household, kind__in=kinds)
        )
        siblings = FamilyMember.objects.filter(family=household, child__isnull=False).exclude(child=child)
        family |= any(itself(sibling.child) for sibling in siblings)
    return itself(child), family


def reference(children) -> social.Profile:
    individual = dict.fromkeys(social.SOCIAL_FACTORS, 0)
    family = dict.fromkeys(social.SOCIAL_FACTORS, 0)
    for child in children:
        for code in social.SOCIAL_FACTORS:
            own, through_family = expected(child, code)
            individual[code] += own
            family[code] += through_family
    return social.Profile(len(children), individual, family)


@pytest.fixture
def random_city(partnership):
    ensure_default_indicators()
    # An event kind that is evidence of two factors, and family kinds unlike the individual ones.
    IndicatorDefinition.objects.filter(code="domestic_abuse", level=Level.INDIVIDUAL).update(event_kinds="incident")
    IndicatorDefinition.objects.filter(code="health", level=Level.INDIVIDUAL).update(event_kinds="health, incident")
    IndicatorDefinition.objects.filter(code="crime", level=Level.FAMILY).update(event_kinds="arrest,incident")
    rng = random.Random(17)
    council, chair = partnership.agencies["council"], partnership.users["manager"]
    authority = LocalAuthority.objects.create(name="Riverton")
    north = Neighbourhood.objects.create(
        name="North estate", local_authority=authority, police_area=PoliceArea.objects.create(name="North")
    )
    children = [ChildFactory(neighbourhood=north if i % 3 else None) for i in range(36)]
    families = [Family.objects.create(reference=f"FA-R{i}", name=f"R{i}") for i in range(12)]
    adults = []
    for i, family in enumerate(families):
        adult = Adult.objects.create(given_name="A", family_name=f"R{i}")
        FamilyMember.objects.create(family=family, adult=adult, relationship="mother")
        adults.append((adult, family))
    for i, child in enumerate(children[:30]):  # six children in no family
        FamilyMember.objects.create(family=families[i % 12], child=child, relationship="child")
    FamilyMember.objects.create(family=families[5], child=children[0], relationship="child")  # in two families
    for n in range(140):
        about = {"child": rng.choice(children)} if rng.random() < 0.6 else {}
        if about:  # a child's observation may carry a family: it is still the child's, not the household's
            about["family"] = rng.choice(families) if rng.random() < 0.2 else None
        else:
            about["adult"], family = rng.choice(adults)
            about["family"] = family if rng.random() < 0.9 else None
        Observation.objects.create(
            source_system="t",
            source_record_id=f"r{n}",
            indicator_code=rng.choice(CODES),
            observed_on=_day(rng),
            **about,
        )
    for _ in range(60):
        about = {"child": rng.choice(children)} if rng.random() < 0.7 else {"family": rng.choice(families)}
        ChronologyEvent.objects.create(
            occurred_on=_day(rng), kind=rng.choice(KINDS), summary="Event", source_agency=council, **about
        )
    for _ in range(10):
        FamilyFact.objects.create(
            family=rng.choice(families),
            kind=rng.choice(FamilyFactKind.values),
            noted_on=_day(rng),
            source_agency=council,
            recorded_by=chair,
        )
    return {"children": children, "north": north}


def test_explicit_groups_match_the_rules_child_by_child(random_city):
    children = random_city["children"]
    rng = random.Random(3)
    for group in (children, rng.sample(children, 7), children[30:], [children[0]], []):
        found = social.profile([child.pk for child in group], SCOPE)
        assert found == reference(group)
    everyone = reference(children)
    assert any(everyone.individual.values()) and any(everyone.family.values())  # the data exercise the rules


@pytest.mark.parametrize("code", ["crime", "health", "school_attendance", "weapon_offence"])
def test_children_with_an_indicator_match_the_rules_child_by_child(random_city, code):
    # weapon_offence is no social factor: its group is found by the EXISTS reading, then profiled.
    north = random_city["north"]
    for scope in (
        SCOPE,
        Scope(SCOPE.start, SCOPE.end, area=str(north.police_area_id)),
        Scope(SCOPE.start, SCOPE.end, local_authority=str(north.local_authority_id)),
    ):
        placed = queries.group(GroupKind.INDICATOR, scope, indicator=code)  # the EXISTS reading of the group
        members = [child for child in random_city["children"] if child in placed]
        found = queries.group_profile(GroupKind.INDICATOR, scope, indicator=code)
        assert found == reference(members)
        assert found.size == placed.count() > 0

"""Groups of children the figures are about, and what a viewer may see of them: drill-down lists
(only the records the viewer may see, and how many are not shown), hotspots and the network."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from access import policy
from cases.models import Child, ChronologyEvent, Context, ContextLink
from cohorts.models import Level
from dashboards import figures, filters
from dashboards.filters import Scope
from dashboards.forms import GroupKind
from dashboards.social import SOCIAL_FACTORS, Profile, event_kinds, has_itself, indicator_profile, profile
from dashboards.tables import Table
from interventions.models.police import PersonOfConcern
from interventions.models.work import AgendaItem

OFFENDERS_INDICATOR = "crime"
HARM_KINDS = ("weapon_offence", "incident", "disclosure", "arrest", "missing_episode")


def group(kind: str, scope: Scope, *, tier: str = "", panel: str = "", indicator: str = "") -> QuerySet[Child]:
    """The children of a group, as a queryset (counted partnership-wide; never shown as names)."""
    if kind == GroupKind.TIER:
        ids = [child for child, found in figures.tiers_on(scope.end, scope).items() if not tier or found == tier]
        return Child.objects.filter(pk__in=ids)
    if kind == GroupKind.PANEL:
        items = AgendaItem.objects.filter(
            child_id=OuterRef("pk"),
            meeting__panel_id=panel,
            meeting__held_on__gte=scope.start,
            meeting__held_on__lte=scope.end,
        )
        return Child.objects.filter(filters.children_in(scope), Exists(items))
    kinds = event_kinds(Level.INDIVIDUAL, [indicator])[indicator]
    return Child.objects.filter(filters.children_in(scope), has_itself(scope, indicator, kinds, OuterRef("pk")))


def group_profile(kind: str, scope: Scope, *, tier: str = "", panel: str = "", indicator: str = "") -> Profile:
    """The social factors profile of a group. Children with a social factor themselves are found
    from the same reading of the period's evidence as their profile."""
    if kind == GroupKind.INDICATOR and indicator in SOCIAL_FACTORS:
        return indicator_profile(indicator, scope)
    return profile(group(kind, scope, tier=tier, panel=panel, indicator=indicator), scope)


def group_children(kind: str, scope: Scope, **choice: str) -> list[int]:
    """Ids of the children of a group."""
    return sorted(group(kind, scope, **choice).values_list("pk", flat=True))


@dataclass
class Drill:
    children: list[Child]
    not_shown: int


def drill(user: Any, ids: list[int]) -> Drill:
    """The children of a count the viewer may see (through visible_to), and how many they may not."""
    seen = list(Child.objects.visible_to(user).filter(pk__in=ids).order_by("family_name", "given_name", "pk"))
    return Drill([policy.mark_visible(user, child) for child in seen], len(ids) - len(seen))


@dataclass
class Hotspot:
    context: Context | None  # None: places the viewer may not see, counted together
    children: int
    harm: int


@dataclass
class Hotspots:
    rows: list[Hotspot] = field(default_factory=list)
    hidden_places: int = 0


def hotspots(user: Any, scope: Scope, *, limit: int = 20) -> Hotspots:
    """Locations, peer groups and schools ranked by cohort children linked (in a tier at the end of
    the period) and harm recorded there in the period. Only places the viewer may see are named."""
    cohort = list(figures.tiers_on(scope.end, scope))
    current = (Q(links__since__isnull=True) | Q(links__since__lte=scope.end)) & (
        Q(links__until__isnull=True) | Q(links__until__gte=scope.start)
    )
    places = Context.objects.filter(filters.contexts_in(scope), kind__in=("location", "peer_group", "school"))
    linked = dict(
        places.filter(current, links__child_id__in=cohort)
        .values("pk")
        .annotate(n=Count("links__child", distinct=True))
        .values_list("pk", "n")
    )
    harm = dict(
        ChronologyEvent.objects.filter(
            context__in=places, kind__in=HARM_KINDS, occurred_on__gte=scope.start, occurred_on__lte=scope.end
        )
        .values("context")
        .annotate(n=Count("id"))
        .values_list("context", "n")
    )
    ranked = sorted(linked.keys() | harm.keys(), key=lambda pk: (-linked.get(pk, 0), -harm.get(pk, 0), pk))
    visible = {c.pk: c for c in Context.objects.visible_to(user).filter(pk__in=ranked)}
    result = Hotspots()
    for pk in ranked:
        if pk in visible and len(result.rows) < limit:
            result.rows.append(Hotspot(policy.mark_visible(user, visible[pk]), linked.get(pk, 0), harm.get(pk, 0)))
        elif pk not in visible:
            result.hidden_places += 1
    return result


@dataclass
class Link:
    source: str  # node ids: c<child>, x<context>, p<person>
    target: str
    label: str


@dataclass
class Network:
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (label, kind)
    links: list[Link] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    persons: list[PersonOfConcern] = field(default_factory=list)


def network(user: Any, scope: Scope, on: date | None = None) -> Network:
    """Children in a tier the viewer may see, the contexts linked to them the viewer may see and,
    for the police, the persons of concern linked to either."""
    cohort = list(figures.tiers_on(scope.end, scope))
    children = {c.pk: c for c in Child.objects.visible_to(user).filter(pk__in=cohort)}
    links = (
        ContextLink.objects.filter(child_id__in=children)
        .filter(Q(until__isnull=True) | Q(until__gte=scope.start))
        .filter(context__in=Context.objects.visible_to(user))
        .select_related("context")
        .order_by("context_id", "child_id")
    )
    found = Network()
    for child in children.values():
        found.nodes[f"c{child.pk}"] = (f"{child.given_name} {child.family_name}", "child")
    contexts: dict[int, Context] = {}
    for link in links:
        contexts[link.context_id] = link.context
        found.nodes[f"x{link.context_id}"] = (link.context.name, "context")
        found.links.append(Link(f"c{link.child_id}", f"x{link.context_id}", link.get_role_display()))
    if policy.can(user, "police_work"):
        persons = (
            PersonOfConcern.objects.visible_to(user)
            .filter(Q(children__in=list(children)) | Q(locations__in=list(contexts)))
            .distinct()
            .prefetch_related("children", "locations")
        )
        for person in persons:
            found.persons.append(person)
            found.nodes[f"p{person.pk}"] = (f"{person.given_name} {person.family_name}", "person")
            for child in person.children.all():
                if child.pk in children:
                    found.links.append(Link(f"p{person.pk}", f"c{child.pk}", "Person of concern linked"))
            for place in person.locations.all():
                if place.pk in contexts:
                    found.links.append(Link(f"p{person.pk}", f"x{place.pk}", "Person of concern linked"))
    found.children = [policy.mark_visible(user, child) for child in children.values()]
    found.contexts = [policy.mark_visible(user, context) for context in contexts.values()]
    return found


def offenders_profile(scope: Scope) -> list[Table]:
    """The social factors of the young people with offending recorded in the period (the source
    document's table)."""
    found = group_profile(GroupKind.INDICATOR, scope, indicator=OFFENDERS_INDICATOR)
    return [found.table(f"Analysis of {found.size:,} young offenders' social factors", key="offenders")]

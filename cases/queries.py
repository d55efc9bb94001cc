"""Reads of case records, always through the access policy (`visible_to(user)`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from access import lookups, policy
from access.models import BreakGlassGrant
from accounts.models import Agency
from cases import visibility
from cases.models import (
    Child,
    ChildName,
    ChronologyEvent,
    Context,
    ContextAssessment,
    ContextLink,
    ContextPlan,
    EventKind,
    Family,
    FamilyMember,
    Involvement,
    PeerLink,
    Referral,
)
from cases.names import normalise, phonetic

CHRONOLOGY_PAGE = 50


def visible_children(user) -> QuerySet[Child]:
    return Child.objects.visible_to(user)


# The caseload's sort orders: what the page says, and the order (each ends with the id, so pages
# never overlap). "name" is the name index's order.
CASELOAD_SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("by family name, A to Z", ("family_name", "given_name", "id")),
    "youngest": ("youngest first", ("-date_of_birth", "family_name", "id")),
    "oldest": ("oldest first", ("date_of_birth", "family_name", "id")),
    "newest": ("most recently added first", ("-id",)),
}


def lead_caseload(user, sort: str = "name") -> QuerySet[Child]:
    """The children the user is lead professional for (and may see), in the chosen order."""
    return visible_children(user).filter(lead_professional=user).order_by(*CASELOAD_SORTS[sort][1])


CHANGES_SHOWN = 10


def changes_for_lead(user, since) -> list[ChronologyEvent]:
    """The latest chronology entries others recorded since `since` about the young people the
    user is lead professional for (and may see): one query, at most CHANGES_SHOWN rows."""
    return list(
        ChronologyEvent.objects.visible_to(user)
        .filter(child__lead_professional=user, recorded_at__gt=since)
        .exclude(recorded_by=user)
        .select_related("child", "source_agency")
        .order_by("-recorded_at", "-id")[:CHANGES_SHOWN]
    )


def caseload(user, sort: str = "name") -> QuerySet[Child]:
    """The other children the user may see, by name by default: the order of the name index, so a
    page of them is read without sorting every child the user may see."""
    return visible_children(user).exclude(lead_professional=user).order_by(*CASELOAD_SORTS[sort][1])


PROFILE_RELATED = (
    "school",
    "lead_professional",
    "cohort_tier",
    "neighbourhood__local_authority",
    "neighbourhood__police_area",
)


def child_or_404(user, pk) -> Child:
    """The child if this user may see it, with why (`access_basis`) and, under emergency access,
    the grant (`break_glass_grant`). Otherwise the refused attempt is audited and Http404 raised
    (a missing child looks the same), so existence is never revealed."""
    child = lookups.get_or_404(user, Child.objects.visible_to(user).select_related(*PROFILE_RELATED), pk)
    return _with_basis(user, child, access_basis(user, child))


def cohort_child_or_404(user, pk) -> Child:
    """For the cohort pages: `child_or_404`, and for those who decide on the cohort's unallocated
    young people also a child no agency works with yet, seen for the cohort's purpose only
    (`access_basis` "cohort", which is what the audit trail records)."""
    if not policy.can(user, "view_unallocated_cohort"):
        return child_or_404(user, pk)
    child = lookups.get_or_404(user, Child.objects.cohort_visible_to(user).select_related(*PROFILE_RELATED), pk)
    policy.mark_cohort_visible(user, child)
    if not Child.objects.visible_to(user).filter(pk=child.pk).exists():
        return _with_basis(user, child, "cohort")
    policy.mark_visible(user, child)
    return _with_basis(user, child, access_basis(user, child))


def _with_basis(user, child: Child, basis: str) -> Child:
    child.access_basis = basis
    child.break_glass_grant = None
    if basis == "break_glass":
        child.break_glass_grant = BreakGlassGrant.objects.active().filter(child=child, user=user).first()
    return child


def access_basis(user, child: Child) -> str:
    """Name the strongest ground on which this user sees a child read through `visible_to`."""
    granted, emergency = policy.granted_children(user)
    if child.pk not in granted and child.pk not in emergency:
        return "involvement"
    agencies = policy.caseload_agencies(user)
    if agencies and Involvement.objects.active().filter(child=child, agency_id__in=agencies).exists():
        return "involvement"
    return "grant" if child.pk in granted else "break_glass"


def involvements_of(subject) -> QuerySet[Involvement]:
    return subject.involvements.select_related("agency", "lead_professional").order_by("-started_on", "id")


# Search ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildSearch:
    name: str = ""
    date_of_birth: date | None = None
    identifier: str = ""

    def criteria(self) -> dict:
        return {"name": self.name, "date_of_birth": self.date_of_birth, "identifier": self.identifier}


def _name_token_matches(token: str) -> Exists:
    """A name of the child (or an alias) contains the token, or sounds like it."""
    key = phonetic(token)
    condition = Q(normalised__contains=token)
    if key and len(token) >= 3:
        condition |= Q(phonetic_keys__contains=f" {key} ")
    return Exists(ChildName.objects.filter(condition, child=OuterRef("pk")))


def _identifier_matches(identifier: str) -> Q:
    value = "".join(identifier.split()).upper()
    return Q(reference__iexact=value) | Q(upn=value) | Q(nhs_number=value) | Q(police_id=value)


def search_children(user, search: ChildSearch, limit: int = 50) -> list[Child]:
    """Fuzzy name (including aliases), date of birth and any identifier; only visible children."""
    queryset = Child.objects.visible_to(user).select_related("neighbourhood")
    for token in normalise(search.name).split():
        queryset = queryset.filter(_name_token_matches(token))
    if search.date_of_birth:
        queryset = queryset.filter(date_of_birth=search.date_of_birth)
    if search.identifier.strip():
        queryset = queryset.filter(_identifier_matches(search.identifier))
    # Ordering by Lower(...) keeps PostgreSQL from walking the name index looking for matches.
    results = list(queryset.order_by(Lower("family_name"), Lower("given_name"), "id")[:limit])
    lookups.searched(user, Child, search.criteria(), results)
    return results


def possible_duplicates(user, *, given_name: str, family_name: str, date_of_birth: date) -> list[Child]:
    """Children this user can see who may be the same young person: same date of birth and a
    family name that sounds the same, or the same given name."""
    family_key = phonetic(family_name)
    given = normalise(given_name)
    names = ChildName.objects.filter(child=OuterRef("pk")).filter(
        Q(phonetic_keys__contains=f" {family_key} ") | Q(normalised__startswith=f"{given} ")
    )
    return list(
        Child.objects.visible_to(user)
        .select_related("neighbourhood")
        .filter(Exists(names), date_of_birth=date_of_birth)[:10]
    )


def identifier_taken(identifiers: dict, exclude_pk: int | None = None) -> list[str]:
    """Which of upn / nhs_number / police_id already belong to another child (any agency's).
    Names the field only: it says nothing about whose record it is."""
    taken = []
    for field_name, value in identifiers.items():
        if value and Child.objects.filter(**{field_name: value}).exclude(pk=exclude_pk).exists():
            taken.append(field_name)
    return taken


# The child's profile ---------------------------------------------------------------------------


@dataclass
class ChronologyFilter:
    kinds: list[str] = field(default_factory=list)
    agency_id: int | None = None
    since: date | None = None
    until: date | None = None

    def apply(self, events: QuerySet[ChronologyEvent]) -> QuerySet[ChronologyEvent]:
        if self.kinds:
            events = events.filter(kind__in=self.kinds)
        if self.agency_id:
            events = events.filter(source_agency_id=self.agency_id)
        if self.since:
            events = events.filter(occurred_on__gte=self.since)
        if self.until:
            events = events.filter(occurred_on__lte=self.until)
        return events


def _events(queryset: QuerySet[ChronologyEvent], *, merged: bool = False) -> QuerySet[ChronologyEvent]:
    """Newest first, with what a page's row shows (the API adds who recorded it); a merged
    chronology (a family's) also names the subject."""
    related = ("source_agency", "child", "context") if merged else ("source_agency",)
    return queryset.select_related(*related).order_by("-occurred_on", "-id")


def child_chronology(child: Child, chronology_filter: ChronologyFilter | None = None) -> QuerySet[ChronologyEvent]:
    return _events((chronology_filter or ChronologyFilter()).apply(ChronologyEvent.objects.filter(child=child)))


def last_contact(child: Child) -> ChronologyEvent | None:
    """The latest contact with the young person in their chronology (one indexed query)."""
    return ChronologyEvent.objects.filter(child=child, kind=EventKind.CONTACT).order_by("-occurred_on", "-id").first()


def lead_professional_of(child: Child, involvements: list[Involvement]) -> tuple[Any, Agency | None]:
    """The one lead professional shown everywhere, and the agency they are named for: the child's
    own lead professional, else the named worker of the current lead agency (records made before
    adding a child named its creator). `involvements` as loaded by involvements_of(): no query."""
    if child.lead_professional_id:
        named = next((item for item in involvements if item.lead_professional_id == child.lead_professional_id), None)
        return child.lead_professional, named.agency if named else None
    lead = next((item for item in involvements if item.is_lead_agency and item.ended_on is None), None)
    if lead is not None and lead.lead_professional_id:
        return lead.lead_professional, lead.agency
    return None, None


def context_links_of(child: Child) -> QuerySet[ContextLink]:
    """A child's contexts. Visible by construction: a context linked to a visible child is visible."""
    return child.context_links.select_related("context", "source_agency").order_by("until", "-since", "-id")


def peers_of(user, child: Child) -> list[tuple[PeerLink, Child]]:
    # A correlated EXISTS per link: `IN (visible children)` under an OR made PostgreSQL compute
    # every child the user can see (benchmarks/README.md).
    links = PeerLink.objects.filter(
        (Q(child_a=child) & visibility.child_visible(user, "child_b"))
        | (Q(child_b=child) & visibility.child_visible(user, "child_a"))
    ).select_related("child_a", "child_b", "source_agency")
    return [(link, link.child_b if link.child_a_id == child.pk else link.child_a) for link in links]


def families_of(child: Child) -> QuerySet[FamilyMember]:
    return child.family_memberships.select_related("family")


def referrals_about_child(child: Child) -> QuerySet[Referral]:
    return child.referrals.select_related("referrer_agency", "referred_by")


def plans_for_child(user, child: Child) -> QuerySet[ContextPlan]:
    """Context plans that include the child, where the user may see the plan's context."""
    return child.context_plans.filter(visibility.context_visible(user, "context")).select_related("context")


def children_sharing_contexts(user, child: Child) -> QuerySet[Child]:
    """Other children (that this user can see) linked to any context this child is linked to."""
    contexts = ContextLink.objects.filter(child=child).values("context_id")
    shared = ContextLink.objects.filter(child=OuterRef("pk"), context_id__in=contexts)
    return visible_children(user).filter(Exists(shared)).exclude(pk=child.pk)


def shared_links(user, child: Child) -> QuerySet[ContextLink]:
    """The links behind `children_sharing_contexts`, for showing which context each child shares."""
    contexts = ContextLink.objects.filter(child=child).values("context_id")
    return (
        ContextLink.objects.filter(context_id__in=contexts, child__in=visible_children(user).values("pk"))
        .exclude(child=child)
        .select_related("child", "context")
        .order_by("context__name", "child__family_name", "child__given_name")
    )


# Contexts and families -------------------------------------------------------------------------


def visible_contexts(user) -> QuerySet[Context]:
    return Context.objects.visible_to(user)


def linked_children(user, context: Context) -> QuerySet[ContextLink]:
    return (
        context.links.filter(child__in=visible_children(user).values("pk"))
        .select_related("child", "source_agency")
        .order_by("until", "child__family_name", "child__given_name")
    )


def context_chronology(context: Context, chronology_filter: ChronologyFilter | None = None):
    return _events((chronology_filter or ChronologyFilter()).apply(ChronologyEvent.objects.filter(context=context)))


def referrals_about_context(user, context: Context) -> QuerySet[Referral]:
    return context.referrals.select_related("referrer_agency", "referred_by")


def assessments_of(context: Context) -> QuerySet[ContextAssessment]:
    return context.assessments.select_related("assessor")


def plans_of(context: Context) -> QuerySet[ContextPlan]:
    return context.plans.select_related("owner")


def plan_children(user, plan: ContextPlan) -> QuerySet[Child]:
    return plan.children.filter(pk__in=visible_children(user).values("pk"))


def visible_families(user) -> QuerySet[Family]:
    return Family.objects.visible_to(user)


def family_members(user, family: Family) -> tuple[list[FamilyMember], int]:
    """Members the user may see (every adult; children only if visible) and how many are hidden."""
    members = list(family.members.select_related("child", "adult"))
    visible_ids = set(
        visible_children(user).filter(pk__in=[m.child_id for m in members if m.child_id]).values_list("pk", flat=True)
    )
    shown = [m for m in members if m.adult_id or m.child_id in visible_ids]
    return shown, len(members) - len(shown)


def family_chronology(user, family: Family, chronology_filter: ChronologyFilter | None = None):
    """The family's own entries merged with those of its children the user can see."""
    children = FamilyMember.objects.filter(family=family, child__isnull=False).values("child_id")
    events = ChronologyEvent.objects.filter(
        Q(family=family) | Q(child_id__in=children, child__in=visible_children(user).values("pk"))
    )
    return _events((chronology_filter or ChronologyFilter()).apply(events), merged=True)

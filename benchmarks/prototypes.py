"""Prototypes of fixes proposed for code the benchmark found slow, applied in-process only
(`bench_cases --prototype jit,peers,search`). Nothing here changes the application's files: each
prototype is a copy of the proposed change, so its effect can be measured before anyone adopts it.

- jit: turn PostgreSQL's JIT compiler off for the application's connections. The access-policy
  filters (an OR of EXISTS per child) make the planner's cost estimates large, which crosses
  jit_above_cost / jit_optimize_above_cost, and compiling then costs 60 ms to 5 s per query, far
  more than running it. Proposed fix: in safeguarding/settings.py, for PostgreSQL,
  DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"} (or ALTER DATABASE/ROLE ... SET jit = off).
- peers: cases.queries.peers_of filters `child_b IN (all visible children) OR child_a IN (...)`; an IN
  under OR cannot become a join, so PostgreSQL computes every child the user can see (a sequential
  scan of all children, ~350 ms at 100,000) for each profile. Proposed: test visibility of the other
  child of each link with a correlated EXISTS (same single query, same results).
- search: cases.queries.search_children orders by (family_name, given_name, id), which the
  (family_name, given_name) index provides, so for a common name PostgreSQL walks every child in
  name order, testing the access policy and the name on each, hoping to meet 50 matches early
  ('Tayl' or 'Smith': 300-600 ms). Ordering by Lower(...) (which no index provides) makes it find
  the matching names through the trigram indexes first and sort only those; it is also the
  case-insensitive order people expect.
- policy: accounts.policy nests a Membership subquery inside every visibility filter, and the child
  profile asks `can(user, "change_child", child)` for a child visible_child() has just proved
  visible (another full visibility query). Proposed: fetch the user's case-holding agency ids once
  per request (cached on the user, like roles_of) and use them as literals; let can() answer
  change_child from the role alone when the child carries visible_child()'s access_basis. Less
  ORM work per query (Django's subquery resolution is a large share of the page's Python time)
  and simpler plans.
- interventions: the child profile lists `interventions_for(user, "child", child)`, filtered by
  accounts.policy.subject_visibility: `child IN (visible children) OR family IN (visible families)
  OR context IN (visible contexts)`, the same IN-under-OR shape as peers_of. With 3,334
  interventions in the city it costs 194 ms (3.7 s with JIT), and building it is 33 ms of Python
  even with none. Proposed: for a subject visible_child() has just proved visible, its
  interventions are visible with it, so filter by the subject alone.
"""

from __future__ import annotations

PROTOTYPES = ("jit", "peers", "search", "policy", "interventions")


def _jit_off(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")


def peers_of(user, child):
    """Proposed cases.queries.peers_of: one query; the other child's visibility tested per link."""
    from django.db.models import Exists, OuterRef, Q

    from cases.models import Child, PeerLink

    visible = Child.objects.visible_to(user)
    links = PeerLink.objects.filter(
        (Q(child_a=child) & Q(Exists(visible.filter(pk=OuterRef("child_b_id")))))
        | (Q(child_b=child) & Q(Exists(visible.filter(pk=OuterRef("child_a_id")))))
    ).select_related("child_a", "child_b", "source_agency")
    return [(link, link.child_b if link.child_a_id == child.pk else link.child_a) for link in links]


def search_children(user, search, limit: int = 50):
    """Proposed cases.queries.search_children: the same filters, ordered by Lower(...)."""
    from django.db.models.functions import Lower

    from audit import services as audit
    from cases import queries
    from cases.models import Child
    from cases.names import normalise

    queryset = Child.objects.visible_to(user)
    for token in normalise(search.name).split():
        queryset = queryset.filter(queries._name_token_matches(token))
    if search.date_of_birth:
        queryset = queryset.filter(date_of_birth=search.date_of_birth)
    if search.identifier.strip():
        queryset = queryset.filter(queries._identifier_matches(search.identifier))
    results = list(queryset.order_by(Lower("family_name"), Lower("given_name"), "id")[:limit])
    audit.record_search(user, Child, search.criteria(), [child.pk for child in results])
    return results


def _caseload_agency_ids(user) -> list[int]:
    from accounts.models import Membership
    from accounts.policy import CASELOAD_ROLES

    cached = getattr(user, "_policy_caseload_agencies", None)
    if cached is None:
        memberships = Membership.objects.active().filter(user=user, role__in=CASELOAD_ROLES)
        cached = sorted(set(memberships.values_list("agency_id", flat=True)))
        user._policy_caseload_agencies = cached
    return cached


def child_access_expressions(user):
    """Proposed accounts.policy.child_access_expressions: agency ids as literals, fetched once."""
    from django.db.models import Exists, OuterRef

    from accounts.policy import VIEW_CHILD_PERMISSION
    from cases.models import BreakGlassGrant, ChildUserObjectPermission, Involvement

    return {
        "via_involvement": Exists(
            Involvement.objects.active().filter(child=OuterRef("pk"), agency_id__in=_caseload_agency_ids(user))
        ),
        "via_grant": Exists(
            ChildUserObjectPermission.objects.filter(
                content_object=OuterRef("pk"), user=user, permission__codename=VIEW_CHILD_PERMISSION
            )
        ),
        "via_break_glass": Exists(BreakGlassGrant.objects.active().filter(child=OuterRef("pk"), user=user)),
    }


def _can(original):
    def can(user, action, obj=None):
        from accounts import policy

        if action == "change_child" and getattr(obj, "access_basis", "") and user.is_authenticated:
            return user.is_active and policy.has_role(user, *policy.EDITOR_ROLES)
        return original(user, action, obj)

    return can


def _interventions_for(original):
    def interventions_for(user, subject_kind: str, subject):
        if getattr(subject, "access_basis", ""):
            from interventions.models import Intervention
            from interventions.queries_work import INTERVENTION_RELATED

            return Intervention.objects.filter(**{subject_kind: subject}).select_related(*INTERVENTION_RELATED)
        return original(user, subject_kind, subject)

    return interventions_for


def apply(names: list[str]) -> None:
    from django.db import connection
    from django.db.backends.signals import connection_created

    from cases import queries

    unknown = set(names) - set(PROTOTYPES)
    if unknown:
        raise SystemExit(f"Unknown prototype(s): {', '.join(sorted(unknown))}; choose from {', '.join(PROTOTYPES)}")
    if "jit" in names:
        connection_created.connect(_jit_off, dispatch_uid="benchmarks.prototypes.jit_off")
        connection.close()  # the next query opens a connection with JIT off
    if "peers" in names:
        queries.peers_of = peers_of
    if "search" in names:
        queries.search_children = search_children
    if "interventions" in names:
        from cases.views import children as child_views

        child_views.interventions_for = _interventions_for(child_views.interventions_for)
    if "policy" in names:
        from accounts import policy

        policy.child_access_expressions = child_access_expressions
        policy._caseload_agencies = _caseload_agency_ids
        policy.can = _can(policy.can)

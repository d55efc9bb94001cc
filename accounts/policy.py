"""The access policy: the one place that decides who may see and do what.

Reads go through `visible_to(user)` querysets built from `child_visibility`; writes go through
services that call `can(...)`. A record the user may not see does not exist for them: views
answer 404, never 403, so nobody learns that it exists.

A user sees a child when:
- one of their agencies has an active involvement with the child and their membership there is a
  case-holding role (mentors, outreach officers, DPOs and administrators hold none), or
- they hold an object-level grant (django-guardian, direct foreign key), or
- they hold an active break-the-glass grant (reason given, time-limited, reviewed by the DPO).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Membership, Role

if TYPE_CHECKING:
    from accounts.models import User

# Roles whose holders see the children their agency works with.
CASELOAD_ROLES = frozenset(
    {Role.CASEWORKER, Role.POLICE_OFFICER, Role.VOLUNTARY_WORKER, Role.MENTORING_COORDINATOR, Role.MANAGER}
)
# Roles that may record facts about a child they can see.
EDITOR_ROLES = frozenset({Role.CASEWORKER, Role.POLICE_OFFICER, Role.VOLUNTARY_WORKER, Role.MANAGER})
# Roles that may open a record in an emergency (break the glass).
BREAK_GLASS_ROLES = frozenset({Role.CASEWORKER, Role.POLICE_OFFICER, Role.MANAGER})
BREAK_GLASS_MAX_HOURS = 24
# Roles that work with the cohort: suggestions, nominations and tiers of the children they can see.
COHORT_ROLES = frozenset({Role.CASEWORKER, Role.POLICE_OFFICER, Role.MANAGER})
VIEW_CHILD_PERMISSION = "view_child"


_GRANT = "~grant"
_EMERGENCY = "~break_glass"


def _load_grants(user: User) -> None:
    """One query per request for everything the policy needs to know about the user, remembered on
    the user object (a new request loads a new user): each active membership as (role, agency kind,
    agency id), and the children they hold an object-level or active break-the-glass grant for. The
    grants are a handful at most and go into queries as literals, which keeps every visibility
    filter a single EXISTS that PostgreSQL plans well."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    from accounts.models import Agency
    from cases.models import BreakGlassGrant, ChildUserObjectPermission

    # Written by hand: the same query built with the ORM (a UNION of three querysets) cost 5 ms of
    # Python on every request. Values are parameters; only our own table names are formatted in.
    sql = f"""
        SELECT m.role, a.kind, m.agency_id, m.id
          FROM {Membership._meta.db_table} m JOIN {Agency._meta.db_table} a ON a.id = m.agency_id
         WHERE m.user_id = %s AND m.is_active AND a.is_active
        UNION ALL
        SELECT %s, '', g.content_object_id, 0
          FROM {ChildUserObjectPermission._meta.db_table} g
          JOIN {Permission._meta.db_table} p ON p.id = g.permission_id
         WHERE g.user_id = %s AND p.codename = %s
        UNION ALL
        SELECT %s, '', b.child_id, 0
          FROM {BreakGlassGrant._meta.db_table} b
         WHERE b.user_id = %s AND b.revoked_at IS NULL AND b.expires_at > %s
    """  # noqa: S608
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [user.pk, _GRANT, user.pk, VIEW_CHILD_PERMISSION, _EMERGENCY, user.pk, now]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    roles, granted, emergencies, first = set(), set(), set(), None
    for role, kind, pk, membership_id in rows:
        if role == _GRANT:
            granted.add(pk)
        elif role == _EMERGENCY:
            emergencies.add(pk)
        else:
            roles.add((role, kind, pk))
            if first is None or membership_id < first[0]:
                first = (membership_id, pk, role)
    user._policy_role_grants = roles
    user._policy_first_membership = first[1:] if first else None
    user._policy_granted_children = (frozenset(granted), frozenset(emergencies))


def _role_grants(user: User) -> set[tuple[str, str, int]]:
    """(role, agency kind, agency id) of each active membership."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_policy_role_grants"):
        _load_grants(user)
    return user._policy_role_grants


def acting_membership(user: User) -> tuple[int, str] | None:
    """(agency id, role) of the user's first active membership: whom the audit trail records them as."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_policy_first_membership"):
        _load_grants(user)
    return user._policy_first_membership


def _granted_children(user: User) -> tuple[frozenset[int], frozenset[int]]:
    """Ids of the children under an object-level grant, and under an active break-the-glass grant."""
    if not hasattr(user, "_policy_granted_children"):
        _load_grants(user)
    return user._policy_granted_children


def forget(user: User) -> None:
    """Drop what this user object remembers of its memberships and grants (after granting access)."""
    for name in ("_policy_role_grants", "_policy_granted_children", "_policy_first_membership"):
        user.__dict__.pop(name, None)


def roles_of(user: User) -> set[str]:
    return {role for role, _kind, _agency in _role_grants(user)}


def has_role(user: User, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def _caseload_agencies(user: User) -> list[int]:
    return sorted({agency for role, _kind, agency in _role_grants(user) if role in CASELOAD_ROLES})


def caseload_agencies(user: User) -> list[int]:
    """Ids of the agencies where the user holds a case-holding role."""
    if not user.is_authenticated:
        return []
    return _caseload_agencies(user)


def _visible_via(user: User, field: str, kind: str) -> Q:
    """Rows whose `field` is a child, context or family the user may see (`pk` for the record
    itself): an active involvement of the user's agencies, or (for a context or family) a linked
    child the user may see; a child may also be one of the user's granted children."""
    from accounts.visibility_sql import VisibleVia

    granted, emergency = _granted_children(user)
    expression = VisibleVia(field, kind, _caseload_agencies(user), sorted(granted | emergency), timezone.localdate())
    return Q(expression)


def _child_visible_via(user: User, field: str) -> Q:
    return _visible_via(user, field, "child")


def _context_visible_via(user: User, field: str) -> Q:
    return _visible_via(user, field, "context")


def _family_visible_via(user: User, field: str) -> Q:
    return _visible_via(user, field, "family")


def visible_via(user: User, field: str, kind: str = "child") -> Q:
    """Rows whose `field` points at a child, context or family (`kind`) the user may see, as one
    correlated EXISTS per ground: cheaper to build and to plan than `field__in=visible_...`."""
    if not _signed_in(user):
        return Q(pk__in=[])
    return {"child": _child_visible_via, "context": _context_visible_via, "family": _family_visible_via}[kind](
        user, field
    )


def _signed_in(user: User) -> bool:
    return user.is_authenticated and user.is_active


def child_visibility(user: User) -> Q:
    return _child_visible_via(user, "pk") if _signed_in(user) else Q(pk__in=[])


def mark_visible(user: User, obj: Any) -> Any:
    """Note on a record just read through `visible_to(user)` that this user may see it."""
    obj._policy_visible_to = user.pk
    return obj


def access_basis(user: User, child: Any) -> str:
    """Name the strongest ground on which this user sees a child read through `visible_to`."""
    from cases.models import Involvement

    granted, emergency = _granted_children(user)
    if child.pk not in granted and child.pk not in emergency:
        return "involvement"
    agencies = _caseload_agencies(user)
    if agencies and Involvement.objects.active().filter(child=child, agency_id__in=agencies).exists():
        return "involvement"
    return "grant" if child.pk in granted else "break_glass"


def is_police(user: User) -> bool:
    """Police-only records (intelligence, persons of concern, disruption) are for police officers
    of a police agency, and nobody else."""
    from accounts.models import AgencyKind

    if not user.is_authenticated or not user.is_active:
        return False
    return any(role == Role.POLICE_OFFICER and kind == AgencyKind.POLICE for role, kind, _agency in _role_grants(user))


def subject_visibility(user: User) -> Q:
    """For records about a child, a family or a context (interventions): visible with their subject.
    Each part is a correlated EXISTS: an `IN (visible ...)` under OR would make PostgreSQL compute
    every record the user can see (benchmarks/README.md)."""
    if not _signed_in(user):
        return Q(pk__in=[])
    return (
        _child_visible_via(user, "child") | _family_visible_via(user, "family") | _context_visible_via(user, "context")
    )


def panel_meeting_visibility(user: User) -> Q:
    """Panel meetings: seen by the chair and by case-holding staff of the agencies present or the
    panel's chair agency. Who was discussed is shown only where the viewer can see that child."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    from interventions.models import PanelMeeting

    agencies = _caseload_agencies(user)
    # Exists, not a join over agencies present, so a meeting is never listed twice.
    present = PanelMeeting.agencies_present.through.objects.filter(panelmeeting=OuterRef("pk"), agency__in=agencies)
    return Q(chair=user) | Q(Exists(present)) | Q(panel__chair_agency__in=agencies)


def visible_children(user: User):
    from cases.models import Child

    return Child.objects.visible_to(user)


def context_visibility(user: User) -> Q:
    """A context is visible when one of the user's agencies works with it, or when it is linked to
    a child the user can see (its page then lists only the children the user can see)."""
    return _context_visible_via(user, "pk") if _signed_in(user) else Q(pk__in=[])


def visible_contexts(user: User):
    from cases.models import Context

    return Context.objects.visible_to(user)


def family_visibility(user: User) -> Q:
    """A family is visible to those who can see one of its children or whose agency works with it."""
    return _family_visible_via(user, "pk") if _signed_in(user) else Q(pk__in=[])


def visible_families(user: User):
    from cases.models import Family

    return Family.objects.visible_to(user)


def event_visibility(user: User) -> Q:
    if not _signed_in(user):
        return Q(pk__in=[])
    return (
        _child_visible_via(user, "child") | _context_visible_via(user, "context") | _family_visible_via(user, "family")
    )


def referral_visibility(user: User) -> Q:
    if not _signed_in(user):
        return Q(pk__in=[])
    return _child_visible_via(user, "child") | _context_visible_via(user, "context") | Q(referred_by=user)


def _visible(model_name: str) -> Callable[[User, Any], bool]:
    def rule(user: User, obj: Any) -> bool:
        from django.apps import apps

        if getattr(obj, "_policy_visible_to", None) == user.pk:
            return True  # read through visible_to(user) in this request: no need to ask again
        return apps.get_model("cases", model_name).objects.visible_to(user).filter(pk=obj.pk).exists()

    return rule


def _editor_and(view_rule: Callable[[User, Any], bool]) -> Callable[[User, Any], bool]:
    return lambda user, obj: has_role(user, *EDITOR_ROLES) and view_rule(user, obj)


_can_view_child = _visible("Child")
_can_view_context = _visible("Context")
_can_view_family = _visible("Family")
_can_view_referral = _visible("Referral")


def _can_decide_tier(user: User, child: Any) -> bool:
    return has_role(user, Role.MANAGER, Role.CASEWORKER) and _can_view_child(user, child)


def _can_withdraw_nomination(user: User, nomination: Any) -> bool:
    """Withdrawing an open cohort nomination: whoever may decide the child's tier (decide_tier), or
    the person who made it while they may still nominate the child. Not a tier change: only a
    panel decision changes a tier."""
    if _can_decide_tier(user, nomination.child):
        return True
    return (
        nomination.nominated_by_id == user.pk
        and has_role(user, *EDITOR_ROLES)
        and _can_view_child(user, nomination.child)
    )


RULES: dict[str, Callable[[User, Any], bool]] = {
    "view_child": _can_view_child,
    "change_child": _editor_and(_can_view_child),
    "add_child": lambda user, _obj: has_role(user, *EDITOR_ROLES),
    "view_context": _can_view_context,
    "change_context": _editor_and(_can_view_context),
    "add_context": lambda user, _obj: has_role(user, *EDITOR_ROLES),
    "view_family": _can_view_family,
    "change_family": _editor_and(_can_view_family),
    "add_family": lambda user, _obj: has_role(user, *EDITOR_ROLES),
    "view_referral": _can_view_referral,
    "decide_referral": lambda user, obj: (
        has_role(user, Role.CASEWORKER, Role.MANAGER) and _can_view_referral(user, obj)
    ),
    "police_work": lambda user, _obj: is_police(user),
    "run_panel": lambda user, _obj: has_role(user, Role.MANAGER, Role.CASEWORKER),
    "break_glass": lambda user, _obj: has_role(user, *BREAK_GLASS_ROLES),
    "view_audit": lambda user, _obj: has_role(user, Role.DATA_PROTECTION_OFFICER),
    "review_break_glass": lambda user, _obj: has_role(user, Role.DATA_PROTECTION_OFFICER),
    "administer": lambda user, _obj: has_role(user, Role.SYSTEM_ADMIN),
    "see_caseload": lambda user, _obj: has_role(user, *CASELOAD_ROLES, Role.MENTOR),
    # Cohorts (issue 5). Suggestions about a child are shown only where the child is visible;
    # aggregates (counts, fairness) are partnership-wide for managers and the DPO.
    "view_cohort": lambda user, _obj: has_role(user, *COHORT_ROLES),
    "nominate": lambda user, obj: has_role(user, *EDITOR_ROLES) and _can_view_child(user, obj),
    "decide_tier": _can_decide_tier,
    "withdraw_nomination": _can_withdraw_nomination,
    "manage_feeds": lambda user, _obj: has_role(user, Role.MANAGER),
    "run_cohort": lambda user, _obj: has_role(user, Role.MANAGER),
    "view_fairness": lambda user, _obj: has_role(user, Role.MANAGER, Role.DATA_PROTECTION_OFFICER),
    "switch_suggestions": lambda user, _obj: has_role(user, Role.MANAGER, Role.DATA_PROTECTION_OFFICER),
}


def can(user: User, action: str, obj: Any = None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return RULES[action](user, obj)


def break_glass_expiry(hours: int) -> Any:
    return timezone.now() + timedelta(hours=min(hours, BREAK_GLASS_MAX_HOURS))

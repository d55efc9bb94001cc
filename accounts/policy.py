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


def _role_grants(user: User) -> set[tuple[str, str]]:
    """(role, agency kind) of each active membership: one query per request, then remembered."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_policy_role_grants", None)
    if cached is None:
        cached = set(Membership.objects.active().filter(user=user).values_list("role", "agency__kind"))
        user._policy_role_grants = cached
    return cached


def roles_of(user: User) -> set[str]:
    return {role for role, _kind in _role_grants(user)}


def has_role(user: User, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def child_access_expressions(user: User) -> dict[str, Exists]:
    """One Exists per ground for access, so a single query can both filter and say why."""
    from cases.models import BreakGlassGrant, ChildUserObjectPermission, Involvement

    caseload_agencies = Membership.objects.active().filter(user=user, role__in=CASELOAD_ROLES).values("agency_id")
    return {
        "via_involvement": Exists(
            Involvement.objects.active().filter(child=OuterRef("pk"), agency_id__in=caseload_agencies)
        ),
        "via_grant": Exists(
            ChildUserObjectPermission.objects.filter(
                content_object=OuterRef("pk"), user=user, permission__codename=VIEW_CHILD_PERMISSION
            )
        ),
        "via_break_glass": Exists(BreakGlassGrant.objects.active().filter(child=OuterRef("pk"), user=user)),
    }


def child_visibility(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    grounds = child_access_expressions(user)
    return Q(grounds["via_involvement"]) | Q(grounds["via_grant"]) | Q(grounds["via_break_glass"])


def access_basis(row: Any) -> str:
    """Name the strongest ground on a row annotated with `child_access_expressions`."""
    for ground in ("via_involvement", "via_grant", "via_break_glass"):
        if getattr(row, ground, False):
            return ground.removeprefix("via_")
    return ""


def _caseload_agencies(user: User):
    return Membership.objects.active().filter(user=user, role__in=CASELOAD_ROLES).values("agency_id")


def caseload_agencies(user: User):
    """Ids of the agencies where the user holds a case-holding role (a subquery)."""
    if not user.is_authenticated:
        return Membership.objects.none().values("agency_id")
    return _caseload_agencies(user)


def is_police(user: User) -> bool:
    """Police-only records (intelligence, persons of concern, disruption) are for police officers
    of a police agency, and nobody else."""
    from accounts.models import AgencyKind

    if not user.is_authenticated or not user.is_active:
        return False
    return (Role.POLICE_OFFICER, AgencyKind.POLICE) in _role_grants(user)


def subject_visibility(user: User) -> Q:
    """For records about a child, a family or a context (interventions): visible with their subject."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return (
        Q(child__in=visible_children(user).values("pk"))
        | Q(family__in=visible_families(user).values("pk"))
        | Q(context__in=visible_contexts(user).values("pk"))
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
    from cases.models import ContextLink, Involvement

    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    involved = Involvement.objects.active().filter(context=OuterRef("pk"), agency_id__in=_caseload_agencies(user))
    linked = ContextLink.objects.filter(context=OuterRef("pk"), child__in=visible_children(user).values("pk"))
    return Q(Exists(involved)) | Q(Exists(linked))


def visible_contexts(user: User):
    from cases.models import Context

    return Context.objects.visible_to(user)


def family_visibility(user: User) -> Q:
    """A family is visible to those who can see one of its children or whose agency works with it."""
    from cases.models import FamilyMember, Involvement

    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    involved = Involvement.objects.active().filter(family=OuterRef("pk"), agency_id__in=_caseload_agencies(user))
    member = FamilyMember.objects.filter(family=OuterRef("pk"), child__in=visible_children(user).values("pk"))
    return Q(Exists(involved)) | Q(Exists(member))


def visible_families(user: User):
    from cases.models import Family

    return Family.objects.visible_to(user)


def event_visibility(user: User) -> Q:
    return (
        Q(child__in=visible_children(user).values("pk"))
        | Q(context__in=visible_contexts(user).values("pk"))
        | Q(family__in=visible_families(user).values("pk"))
    )


def referral_visibility(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return (
        Q(child__in=visible_children(user).values("pk"))
        | Q(context__in=visible_contexts(user).values("pk"))
        | Q(referred_by=user)
    )


def _visible(model_name: str) -> Callable[[User, Any], bool]:
    def rule(user: User, obj: Any) -> bool:
        from django.apps import apps

        return apps.get_model("cases", model_name).objects.visible_to(user).filter(pk=obj.pk).exists()

    return rule


def _editor_and(view_rule: Callable[[User, Any], bool]) -> Callable[[User, Any], bool]:
    return lambda user, obj: has_role(user, *EDITOR_ROLES) and view_rule(user, obj)


_can_view_child = _visible("Child")
_can_view_context = _visible("Context")
_can_view_family = _visible("Family")
_can_view_referral = _visible("Referral")


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
    "decide_tier": lambda user, obj: has_role(user, Role.MANAGER, Role.CASEWORKER) and _can_view_child(user, obj),
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

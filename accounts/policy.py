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
VIEW_CHILD_PERMISSION = "view_child"


def roles_of(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_policy_roles", None)
    if cached is None:
        cached = set(Membership.objects.active().filter(user=user).values_list("role", flat=True))
        user._policy_roles = cached
    return cached


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


def _can_view_child(user: User, child: Any) -> bool:
    from cases.models import Child

    return Child.objects.visible_to(user).filter(pk=child.pk).exists()


def _can_change_child(user: User, child: Any) -> bool:
    return has_role(user, *EDITOR_ROLES) and _can_view_child(user, child)


RULES: dict[str, Callable[[User, Any], bool]] = {
    "view_child": _can_view_child,
    "change_child": _can_change_child,
    "break_glass": lambda user, _obj: has_role(user, *BREAK_GLASS_ROLES),
    "view_audit": lambda user, _obj: has_role(user, Role.DATA_PROTECTION_OFFICER),
    "review_break_glass": lambda user, _obj: has_role(user, Role.DATA_PROTECTION_OFFICER),
    "administer": lambda user, _obj: has_role(user, Role.SYSTEM_ADMIN),
    "see_caseload": lambda user, _obj: has_role(user, *CASELOAD_ROLES, Role.MENTOR),
}


def can(user: User, action: str, obj: Any = None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return RULES[action](user, obj)


def break_glass_expiry(hours: int) -> Any:
    return timezone.now() + timedelta(hours=min(hours, BREAK_GLASS_MAX_HOURS))

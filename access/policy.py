"""The access policy: who may see and do what. The rules table behind `can(...)` is here, and so
are the building blocks every domain app's `visible_to(user)` is made of.

A user sees a child when:
- one of their agencies has an active involvement with the child and their membership there is a
  case-holding role (mentors, outreach officers, DPOs and administrators hold none), or
- they hold an active access grant to that child (a named mentor, a seconded officer), or
- they hold active emergency (break-the-glass) access to it (reason given, time-limited, reviewed
  by the DPO).
Contexts and families are visible through their children or an involvement of the user's agencies
(the domain apps say how, with `visibility.Subject`). A record the user may not see does not exist
for them: views answer 404, never 403, so nobody learns that it exists (docs/architecture.md).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from access.principal import FIGURES_APP, FIGURES_CODENAME, forget, principal, remember
from access.principal import NOBODY as NOBODY_PRINCIPAL
from access.visibility import Subject, VisibleVia
from accounts.models import Agency, AgencyKind, Membership, Role

__all__ = ["can", "forget", "require", "visible_via"]

# Roles whose holders see the children their agency works with.
CASELOAD_ROLES = frozenset(
    {Role.CASEWORKER, Role.POLICE_OFFICER, Role.VOLUNTARY_WORKER, Role.MENTORING_COORDINATOR, Role.MANAGER}
)
# Roles that may record facts about a child they can see.
EDITOR_ROLES = frozenset({Role.CASEWORKER, Role.POLICE_OFFICER, Role.VOLUNTARY_WORKER, Role.MANAGER})
# Roles that decide a referral, and a young person's cohort tier, for the children their agency sees.
REFERRAL_DECIDER_ROLES = frozenset({Role.CASEWORKER, Role.MANAGER})
TIER_DECIDER_ROLES = frozenset({Role.CASEWORKER, Role.MANAGER})
# Roles that may open a record in an emergency (break the glass).
BREAK_GLASS_ROLES = frozenset({Role.CASEWORKER, Role.POLICE_OFFICER, Role.MANAGER})
BREAK_GLASS_MAX_HOURS = 24
# Roles that work with the cohort: suggestions, nominations and tiers of the children they can see.
COHORT_ROLES = frozenset({Role.CASEWORKER, Role.POLICE_OFFICER, Role.MANAGER})
# Roles that see, for the cohort's purpose only, the young people no agency works with yet (known
# only from a data feed): their suggestion, its explanation and the fields they were matched on.
UNALLOCATED_COHORT_ROLES = frozenset({Role.MANAGER})
# Outreach records (events, establishments, door-to-door) belong to the outreach officer's agency;
# its managers see them too. Group work is run by case-holding workers of the group's agency.
OUTREACH_ROLES = frozenset({Role.OUTREACH_OFFICER, Role.MANAGER})
GROUP_WORK_ROLES = frozenset({Role.CASEWORKER, Role.VOLUNTARY_WORKER, Role.MANAGER})


# Who the user is --------------------------------------------------------------------------------


def roles_of(user: Any) -> frozenset[str]:
    return principal(user).roles


def has_role(user: Any, *roles: str) -> bool:
    return bool(principal(user).roles & set(roles))


def caseload_agencies(user: Any) -> list[int]:
    """Ids of the agencies where the user holds a case-holding role."""
    return sorted({agency for role, _kind, agency in principal(user).memberships if role in CASELOAD_ROLES})


def managed_agencies(user: Any) -> list[int]:
    """Ids of the agencies where the user is a manager."""
    return sorted({agency for role, _kind, agency in principal(user).memberships if role == Role.MANAGER})


def agencies_where(user: Any, roles: frozenset[str]) -> list[int]:
    """Ids of the agencies where the user holds one of `roles`."""
    return sorted({agency for role, _kind, agency in principal(user).memberships if role in roles})


def granted_children(user: Any) -> tuple[frozenset[int], frozenset[int]]:
    """Ids of the children under an access grant, and under active emergency access."""
    found = principal(user)
    return found.granted, found.emergency


def scoped_children(user: Any, scope: str) -> frozenset[int]:
    """Ids of the children under an access grant for one area only (a mentoring match's grant
    works in mentoring and nowhere else)."""
    return frozenset(child for grant_scope, child in principal(user).scoped if grant_scope == scope)


def mentoring_only(user: Any) -> bool:
    """A community mentor and nothing else, whose young people all come from mentoring matches
    (no general access grant): every page outside mentoring is closed to them."""
    found = principal(user)
    return found.roles == {Role.MENTOR} and not found.granted and not found.emergency


def is_police(user: Any) -> bool:
    """Police-only records (intelligence, persons of concern, disruption) are for police officers
    of a police agency, and nobody else."""
    return any(
        role == Role.POLICE_OFFICER and kind == AgencyKind.POLICE for role, kind, _agency in principal(user).memberships
    )


# Visibility building blocks ---------------------------------------------------------------------


def nothing() -> Q:
    return Q(pk__in=[])


def visible_via(user: Any, field: str, subject: Subject) -> Q:
    """Rows whose `field` points at a `subject` record the user may see (`pk` for the record
    itself), as one correlated EXISTS per ground: cheaper to build and to plan than
    `field__in=visible_...`, and an `IN (visible ...)` under an OR would make PostgreSQL compute
    every record the user can see (benchmarks/README.md)."""
    found = principal(user)
    if found is NOBODY_PRINCIPAL:
        return nothing()
    granted = sorted(found.granted | found.emergency)
    return Q(VisibleVia(field, subject, caseload_agencies(user), granted, timezone.localdate()))


def mark_visible(user: Any, obj: Any) -> Any:
    """Note on a record just read through `visible_to(user)` that this user may see it."""
    obj._access_visible_to = user.pk
    return obj


def mark_cohort_visible(user: Any, obj: Any) -> Any:
    """Note on a child read through `cohort_visible_to(user)` that this user may see it for the
    cohort's purpose, and no more than that until `mark_visible` says so."""
    obj._access_cohort_visible_to = user.pk
    obj._access_visible_to = None
    return obj


def _visible(user: Any, obj: Any) -> bool:
    """The record is in its own model's `visible_to(user)`."""
    if getattr(obj, "_access_visible_to", None) == user.pk:
        return True  # read through visible_to(user) in this request: no need to ask again
    return bool(type(obj).objects.visible_to(user).filter(pk=obj.pk).exists())


# The rules table --------------------------------------------------------------------------------

Rule = Callable[[Any, Any], bool]


def _role(*roles: str) -> Rule:
    return lambda user, _obj: has_role(user, *roles)


def _sees_in_role(user: Any, obj: Any, roles: frozenset[str]) -> bool:
    """The record is visible through the work of an agency where the user holds one of `roles` (or
    through their emergency access), not through another membership or a named access grant: a role
    held in one membership never acts on what another membership, or a grant to see one young
    person (a mentor's, a seconded officer's), lets the user see."""
    found = principal(user)
    memberships = frozenset(m for m in found.memberships if m[0] in roles)
    if not memberships:
        return False
    if memberships == found.memberships and not found.granted:
        return _visible(user, obj)
    stand_in = copy.copy(user)
    remember(stand_in, dataclasses.replace(found, memberships=memberships, granted=frozenset()))
    return bool(type(obj).objects.visible_to(stand_in).filter(pk=obj.pk).exists())


def _editor_who_sees(user: Any, obj: Any) -> bool:
    return _sees_in_role(user, obj, EDITOR_ROLES)


def _can_decide_tier(user: Any, child: Any) -> bool:
    return _sees_in_role(user, child, TIER_DECIDER_ROLES)


def _can_withdraw_nomination(user: Any, nomination: Any) -> bool:
    """Withdrawing an open cohort nomination: whoever may decide the child's tier, or the person
    who made it while they may still nominate the child. Not a tier change: only a panel decision
    changes a tier."""
    if _can_decide_tier(user, nomination.child):
        return True
    return nomination.nominated_by_id == user.pk and _editor_who_sees(user, nomination.child)


def _can_take_on(user: Any, child: Any) -> bool:
    """Starting to work with a young person no agency works with yet, on behalf of one's agency:
    those who see them for the cohort's purpose (`cohort_visible_to`), never anyone else."""
    if not has_role(user, *UNALLOCATED_COHORT_ROLES) or _visible(user, child):
        return False  # a young person the user already sees as a case is not theirs to take on
    if getattr(child, "_access_cohort_visible_to", None) == user.pk:
        return True
    return bool(type(child).objects.cohort_visible_to(user).filter(pk=child.pk).exists())


def _reads_source_notes(user: Any, agency: Any) -> bool:
    """The free-text note a source system sent with an observation: for the members of the agency
    that sent it, and, for a police agency's feed, for police officers. Everyone else sees the
    indicator, the date and the source's name."""
    if agency is None:
        return False
    memberships = principal(user).memberships
    if any(member_agency == agency.pk for _role, _kind, member_agency in memberships):
        return True
    return agency.kind == AgencyKind.POLICE and is_police(user)


def _holds_caseload(user: Any, _obj: Any) -> bool:
    """A caseload: a case-holding role, or an access grant to at least one child (an outreach
    officer or a mentor granted one young person sees just that one, in their list and search).
    A mentor whose young people come only from mentoring matches has none: their grants work in
    mentoring alone."""
    return has_role(user, *CASELOAD_ROLES) or bool(principal(user).granted)


def _can_update_panel_action(user: Any, action: Any) -> bool:
    """A panel action's owner, or a manager of the agency that owns it."""
    return action.owner_id == user.pk or action.owner_agency_id in managed_agencies(user)


def _mentors_this_match(user: Any, match: Any) -> bool:
    """The mentor of an active match (the mentoring services check the match is theirs)."""
    return (
        has_role(user, Role.MENTOR) and match is not None and match.ended_on is None and match.mentor.user_id == user.pk
    )


# The administrator names others who may read the partnership's figures by giving them this
# permission (the user's page in the administration site); the principal loads it.
PARTNERSHIP_FIGURES_PERMISSION = f"{FIGURES_APP}.{FIGURES_CODENAME}"


def _sees_partnership_figures(user: Any, _obj: Any) -> bool:
    """Counts over the whole partnership, never names: managers, and whoever the administrator names
    (given the permission itself: a superuser's implicit permissions do not count)."""
    return has_role(user, Role.MANAGER) or principal(user).partnership_figures


def _agency_work(roles: frozenset[str]) -> Rule:
    """A role in `roles`, and for an existing record (with an `agency_id`), one held in its agency."""

    def rule(user: Any, obj: Any) -> bool:
        agencies = agencies_where(user, roles)
        return bool(agencies) and (obj is None or getattr(obj, "agency_id", None) in agencies)

    return rule


RULES: dict[str, Rule] = {
    # Case records: see them through visible_to; record facts about them with an editing role.
    "view_child": _visible,
    "change_child": _editor_who_sees,
    "add_child": _role(*EDITOR_ROLES),
    "view_context": _visible,
    "change_context": _editor_who_sees,
    "add_context": _role(*EDITOR_ROLES),
    "view_family": _visible,
    "change_family": _editor_who_sees,
    "add_family": _role(*EDITOR_ROLES),
    "view_referral": _visible,
    "decide_referral": lambda user, obj: _sees_in_role(user, obj, REFERRAL_DECIDER_ROLES),
    "see_caseload": _holds_caseload,
    "break_glass": _role(*BREAK_GLASS_ROLES),
    # Police-only records: intelligence, persons of concern, disruption.
    "police_work": lambda user, _obj: is_police(user),
    # Panels, actions and tasks.
    "run_panel": _role(Role.MANAGER, Role.CASEWORKER),
    "view_panel_meeting": _visible,
    "update_panel_action": _can_update_panel_action,
    "oversee_panel_actions": _role(Role.MANAGER),
    "close_task": _visible,
    # Cohorts. Suggestions about a child are shown only where the child is visible; aggregates
    # (counts, fairness) are partnership-wide for managers and the DPO.
    "view_cohort": _role(*COHORT_ROLES),
    "nominate": _editor_who_sees,
    "decide_tier": _can_decide_tier,
    "withdraw_nomination": _can_withdraw_nomination,
    "view_unallocated_cohort": _role(*UNALLOCATED_COHORT_ROLES),
    "take_on_child": _can_take_on,
    "read_source_note": _reads_source_notes,
    "upload_feeds": _role(Role.MANAGER),
    "manage_feeds": _role(Role.MANAGER),
    "run_cohort": _role(Role.MANAGER),
    "view_fairness": _role(Role.MANAGER, Role.DATA_PROTECTION_OFFICER),
    "switch_suggestions": _role(Role.MANAGER, Role.DATA_PROTECTION_OFFICER),
    # Community mentoring: the coordinator runs vetting, the waiting list and matches (a match
    # grants the mentor one young person, so the coordinator must see that young person); a
    # worker who can see a child refers them; a mentor logs sessions and concerns for their match.
    "coordinate_mentoring": _role(Role.MENTORING_COORDINATOR),
    "match_mentor": lambda user, child: has_role(user, Role.MENTORING_COORDINATOR) and _visible(user, child),
    "refer_to_mentoring": _editor_who_sees,
    "mentor_young_people": _role(Role.MENTOR),
    "log_mentoring_session": _mentors_this_match,
    # Outreach and group work (outreach/): agency-owned records; registers name only visible children.
    "view_outreach": _agency_work(OUTREACH_ROLES),
    "record_outreach": _agency_work(OUTREACH_ROLES),
    "view_reach": _role(*OUTREACH_ROLES, *GROUP_WORK_ROLES),
    # Reach figures (counts, no names) for the whole partnership, as on the cohort and fairness pages.
    "view_partnership_reach": _role(Role.MANAGER),
    "run_group_work": _agency_work(GROUP_WORK_ROLES),
    # Dashboards and the scrutiny report: partnership-wide counts, no names; drilling into a count
    # lists only the records the viewer may see (dashboards/).
    "view_partnership_figures": _sees_partnership_figures,
    # Oversight and configuration: no case content.
    "view_audit": _role(Role.DATA_PROTECTION_OFFICER),
    "review_break_glass": _role(Role.DATA_PROTECTION_OFFICER),
    # Data protection operations (oversight/): retention periods are set by the DPO or the system
    # administrator; only the DPO approves disposal and prepares a young person's subject access export.
    "manage_retention": _role(Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMIN),
    "review_disposal": _role(Role.DATA_PROTECTION_OFFICER),
    "subject_access": _role(Role.DATA_PROTECTION_OFFICER),
    "view_access_grants": _role(Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMIN),
    "manage_access_grants": _role(Role.SYSTEM_ADMIN),
    "administer": _role(Role.SYSTEM_ADMIN),
    "reset_two_factor": _role(Role.SYSTEM_ADMIN),
}


def can(user: Any, action: str, obj: Any = None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return RULES[action](user, obj)


def require(user: Any, action: str, obj: Any = None, message: str = "You cannot do this.") -> None:
    """For services: PermissionDenied unless the policy allows `action`."""
    if not can(user, action, obj):
        raise PermissionDenied(message)


def acting_agency(user: Any, agency: Agency | None = None) -> Agency:
    """The agency a record is made on behalf of: one the user records case information for (the
    first by default)."""
    memberships = Membership.objects.active().filter(user=user, role__in=EDITOR_ROLES).select_related("agency")
    if agency is not None:
        if not memberships.filter(agency=agency).exists():
            raise ValidationError({"source_agency": "Choose one of your own agencies"})
        return agency
    membership = memberships.first()
    if membership is None:
        raise PermissionDenied("You are not a member of an agency that records case information.")
    return membership.agency


def break_glass_expiry(hours: int) -> datetime:
    return timezone.now() + timedelta(hours=min(hours, BREAK_GLASS_MAX_HOURS))

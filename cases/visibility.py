"""How case records reach the access policy: the subjects it decides on (children, contexts,
families) and the `visible_to(user)` filters built from them, for this app's QuerySets and for the
apps above that hold records about a child, context or family."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from access import policy
from access.visibility import NeverInvolved, Subject

CHILD = Subject("child", involvements="cases.Involvement", column="child_id")
CONTEXT = Subject(
    "context",
    involvements="cases.Involvement",
    column="context_id",
    members="cases.ContextLink",
    members_column="context_id",
    children=CHILD,
)
FAMILY = Subject(
    "family",
    involvements="cases.Involvement",
    column="family_id",
    members="cases.FamilyMember",
    members_column="family_id",
    children=CHILD,
)


def child_visible(user: Any, field: str = "pk") -> Q:
    """Rows whose `field` is a child the user may see."""
    return policy.visible_via(user, field, CHILD)


def unallocated(field: str = "pk") -> Q:
    """Rows whose `field` is a child no agency has ever worked with: someone known only from a data
    feed. Being named in an extract is not "working with" a child, so nobody sees them as a case."""
    return Q(NeverInvolved(field, CHILD))


def cohort_visible(user: Any, field: str = "pk") -> Q:
    """Rows whose `field` is a child the user may see in the cohort pages: one they may see, or,
    for those who see the cohort's unallocated young people, one no agency works with yet."""
    visible = child_visible(user, field)
    if policy.can(user, "view_unallocated_cohort"):
        return visible | unallocated(field)
    return visible


def context_visible(user: Any, field: str = "pk") -> Q:
    """A context is visible when one of the user's agencies works with it, or when it is linked to
    a child the user can see (its page then lists only the children the user can see)."""
    return policy.visible_via(user, field, CONTEXT)


def family_visible(user: Any, field: str = "pk") -> Q:
    """A family is visible to those who can see one of its children or whose agency works with it."""
    return policy.visible_via(user, field, FAMILY)


def subject_visible(user: Any) -> Q:
    """Records about a child, a family or a context (chronology events, interventions): visible
    with their subject."""
    return child_visible(user, "child") | family_visible(user, "family") | context_visible(user, "context")


def referral_visible(user: Any) -> Q:
    if not user.is_authenticated:
        return policy.nothing()
    return child_visible(user, "child") | context_visible(user, "context") | Q(referred_by=user)

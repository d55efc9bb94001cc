"""Who sees and manages which feeds: managers, for the feeds of the agencies they manage."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from access import policy
from accounts.models import Membership, Role
from feeds.models import FeedImport, MatchReview


def manager_agencies(user):
    return Membership.objects.active().filter(user=user, role=Role.MANAGER).values("agency")


def visible_feeds(user):
    """Feeds uploaded for the agencies this user manages (nothing for anyone else)."""
    if not policy.can(user, "manage_feeds"):
        return FeedImport.objects.none()
    return FeedImport.objects.filter(agency__in=manager_agencies(user))


def visible_reviews(user):
    return MatchReview.objects.filter(feed__in=visible_feeds(user).values("pk"))


def require_feeds_manager(user) -> None:
    if not policy.can(user, "manage_feeds"):
        raise PermissionDenied("Only managers can upload and manage data feeds.")


def require_feed(user, feed: FeedImport) -> None:
    """A manager of the feed's agency (feed decisions and recovery)."""
    require_feeds_manager(user)
    if not visible_feeds(user).filter(pk=feed.pk).exists():
        raise PermissionDenied("This feed belongs to another agency.")

"""The policy checks the feed services share (managers, for the feeds of the agencies they manage)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from access import policy
from feeds.models import FeedImport


def require_feeds_manager(user: Any) -> None:
    policy.require(user, "manage_feeds", message="Only managers can upload and manage data feeds.")


def require_feeds_uploader(user: Any) -> None:
    policy.require(user, "upload_feeds", message="Only managers can upload data feeds.")


def require_feed(user: Any, feed: FeedImport) -> None:
    """A manager of the feed's agency (feed decisions and recovery)."""
    require_feeds_manager(user)
    if not FeedImport.objects.visible_to(user).filter(pk=feed.pk).exists():
        raise PermissionDenied("This feed belongs to another agency.")

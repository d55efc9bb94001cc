"""Reads for missing episodes, always through `visible_to(user)`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from access import lookups
from interventions.models import MissingEpisode

EPISODE_RELATED = ("child", "interview", "task", "recorded_by", "return_recorded_by", "agency")
EPISODES_ON_CHILD_PAGE = 5


def visible_episodes(user) -> QuerySet[MissingEpisode]:
    return MissingEpisode.objects.visible_to(user).select_related(*EPISODE_RELATED)


def episode_or_404(user, pk: int) -> MissingEpisode:
    """The episode if the user may see its child; otherwise the refusal is audited and Http404 raised."""
    return lookups.get_or_404(user, visible_episodes(user), pk)


def child_missing_episodes(user, kind: str, subject) -> dict[str, Any]:
    """The missing episodes section of a child's page (cases.profile): the latest few, in one
    query, and the open one (still missing) if any."""
    if kind != "child":
        return {}
    episodes = list(
        MissingEpisode.objects.filter(child=subject).select_related("interview", "task")[: EPISODES_ON_CHILD_PAGE + 1]
    )
    open_episode = next((episode for episode in episodes if episode.returned_at is None), None)
    return {
        "missing_episodes": episodes[:EPISODES_ON_CHILD_PAGE],
        "more_missing_episodes": len(episodes) > EPISODES_ON_CHILD_PAGE,
        "open_missing_episode": open_episode,
    }

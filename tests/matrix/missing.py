"""Missing episodes and return home interviews: they follow the young person, so an episode of
council_child is the caseworker's only (everyone else 404). The list is for case-holding roles."""

from datetime import timedelta

from django.utils import timezone

from interventions.models import MissingEpisode
from tests.matrix import CASELOAD, OUTSIDE_MENTORING, council_child_pk, council_child_reference, expect
from tests.matrix.api import api


def episode(p, *, returned: bool) -> dict:
    now = timezone.now()
    record = MissingEpisode.objects.create(
        child=p.council_child,
        reported_missing_at=now - timedelta(hours=10),
        risk_grading="medium",
        returned_at=now - timedelta(hours=2) if returned else None,
        where_found="Matrix place" if returned else "",
        agency=p.agencies["council"],
        recorded_by=p.users["caseworker"],
    )
    return {"pk": record.pk}


def open_episode(p):
    return episode(p, returned=False)


def returned_episode(p):
    return episode(p, returned=True)


def caseworker_only(**kwargs):
    return expect(("caseworker",), must_not_leak=council_child_reference, **kwargs)


ROUTES = {
    "interventions:missing_episode_list": expect(CASELOAD),
    "interventions:missing_episode_create": caseworker_only(kwargs=council_child_pk),
    "interventions:missing_episode_detail": caseworker_only(kwargs=open_episode),
    "interventions:missing_episode_return": caseworker_only(kwargs=open_episode),
    "interventions:missing_episode_interview": caseworker_only(kwargs=returned_episode),
    # API: the list holds only the caller's records, so everyone signed in gets 200.
    "api:missing-episode-list": api(OUTSIDE_MENTORING),
    "api:missing-episode-detail": api(("caseworker",), kwargs=open_episode, must_not_leak=council_child_reference),
    "api:missing-episode-return": api(("caseworker",), status=400, method="post", kwargs=open_episode),
    "api:missing-episode-interview": api(("caseworker",), status=400, method="post", kwargs=returned_episode),
}

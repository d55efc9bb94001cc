"""Outreach and group work pages. Outreach pages are for outreach officers and managers (each sees
only their own agency's records: the police outreach officer's event is 404 for the youth justice
manager); group work is for caseworkers, voluntary-sector workers and managers (a group is seen
only by its own agency's workers); the reach report for both. Everyone else gets 404."""

from tests import outreach_data as data
from tests.matrix import Expect, expect
from tests.matrix.api import api

OUTREACH = ("outreach", "manager")
GROUP_WORKERS = ("caseworker", "voluntary", "manager")
REACH = (*OUTREACH, "caseworker", "voluntary")


def event_pk(p):
    return {"pk": data.police_event(p).pk}


def establishment_pk(p):
    return {"pk": data.police_establishment(p).pk}


def group_pk(p):
    return {"pk": data.voluntary_group(p).pk}


def session_pk(p):
    return {"pk": data.voluntary_session(p).pk}


def voluntary_child_reference(p):
    data.voluntary_session(p)
    return p.voluntary_child.family_name


ROUTES: dict[str, Expect] = {
    "outreach:home": expect(OUTREACH),
    "outreach:event_list": expect(OUTREACH),
    "outreach:event_create": expect(OUTREACH),
    "outreach:event_detail": expect(("outreach",), kwargs=event_pk, must_not_leak=lambda p: "Test Academy"),
    # An empty body: the outreach officer gets the form's errors; nobody else learns the event exists.
    "outreach:event_deliver": expect(("outreach",), status=400, method="post", kwargs=event_pk),
    "outreach:establishment_list": expect(OUTREACH),
    "outreach:establishment_create": expect(OUTREACH),
    "outreach:establishment_detail": expect(
        ("outreach",), kwargs=establishment_pk, must_not_leak=lambda p: "Test Lodge"
    ),
    "outreach:engagement_create": expect(("outreach",), kwargs=establishment_pk),
    "outreach:campaign_list": expect(OUTREACH),
    "outreach:campaign_create": expect(OUTREACH),
    "outreach:reach_report": expect(REACH),
    "outreach:reach_export": expect(REACH),
    "outreach:group_list": expect(GROUP_WORKERS),
    "outreach:group_create": expect(GROUP_WORKERS),
    "outreach:group_detail": expect(("voluntary",), kwargs=group_pk, must_not_leak=lambda p: "Test bus station group"),
    "outreach:session_create": expect(("voluntary",), kwargs=group_pk),
    "outreach:session_detail": expect(("voluntary",), kwargs=session_pk, must_not_leak=voluntary_child_reference),
}


def campaign_pk(p):
    return {"pk": data.police_campaign(p).pk}


ROUTES.update(
    {
        "api:outreach-event-list": api(OUTREACH),
        "api:outreach-event-detail": api(("outreach",), kwargs=event_pk, must_not_leak=lambda p: "Test Academy"),
        "api:outreach-establishment-list": api(OUTREACH),
        "api:outreach-establishment-detail": api(
            ("outreach",), kwargs=establishment_pk, must_not_leak=lambda p: "Test Lodge"
        ),
        "api:outreach-establishment-engagements": api(
            ("outreach",), status=400, method="post", kwargs=establishment_pk
        ),
        "api:outreach-campaign-list": api(OUTREACH),
        "api:outreach-campaign-detail": api(("outreach",), kwargs=campaign_pk, must_not_leak=lambda p: "Test Street"),
        "api:outreach-group-list": api(GROUP_WORKERS),
        "api:outreach-group-detail": api(
            ("voluntary",), kwargs=group_pk, must_not_leak=lambda p: "Test bus station group"
        ),
        "api:outreach-group-sessions": api(("voluntary",), status=400, method="post", kwargs=group_pk),
        "api:outreach-session-list": api(GROUP_WORKERS),
        "api:outreach-session-detail": api(("voluntary",), kwargs=session_pk),
        # No period given: the field errors for those who may see reach, 404 for everyone else.
        "api:outreach-reach-list": api(REACH, status=400),
    }
)

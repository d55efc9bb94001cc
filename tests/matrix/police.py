"""Police pages and API (issue 4): persons of concern, disruption actions, graded intelligence.

Everything is for police officers of a police agency only. Everyone else signed in gets 404, also
on the API lists (an empty list would still say the endpoint holds police data; 404 says nothing),
and also the outreach officer, who works for the police agency but is not a police officer.
"""

from datetime import timedelta

from django.utils import timezone

from interventions.models import DisruptionAction, IntelligenceReport, PersonOfConcern
from tests.matrix import Expect, council_child_reference, expect

POLICE = ("police",)
PERSON_NAME = "Matrixperson Concernington"
REPORT_TEXT = "Matrix intelligence text seen only by police"


def person(p) -> PersonOfConcern:
    found = PersonOfConcern.objects.filter(reference="POC-MATRIX").first()
    if found is None:
        given, family = PERSON_NAME.split()
        found = PersonOfConcern.objects.create(
            reference="POC-MATRIX", given_name=given, family_name=family, recorded_by=p.users["police"]
        )
        found.children.add(p.shared_child)
        found.locations.add(p.police_location)
    return found


def report(p) -> IntelligenceReport:
    found = IntelligenceReport.objects.filter(reference="INT-MATRIX").first()
    if found is None:
        found = IntelligenceReport.objects.create(
            reference="INT-MATRIX",
            received_on=timezone.localdate() - timedelta(days=1),
            source_evaluation="1",
            assessment="B",
            handling_code="P",
            text=REPORT_TEXT,
            submitted_by=p.users["police"],
        )
        found.children.add(p.shared_child)
    return found


def disruption(p) -> DisruptionAction:
    return DisruptionAction.objects.create(
        kind="hotel_visit",
        taken_on=timezone.localdate(),
        location=p.police_location,
        outcome="Matrix outcome",
        recorded_by=p.users["police"],
    )


def person_pk(p):
    return {"pk": person(p).pk}


def report_pk(p):
    return {"pk": report(p).pk}


def police_page(**kwargs) -> Expect:
    return expect(POLICE, **kwargs)


def police_api(**kwargs) -> Expect:
    return expect(POLICE, anonymous=403, **kwargs)


ROUTES: dict[str, Expect] = {
    "interventions:police_home": police_page(),
    "interventions:police_person_list": police_page(),
    "interventions:police_person_create": police_page(),
    "interventions:police_person_detail": police_page(kwargs=person_pk, must_not_leak=lambda p: PERSON_NAME),
    "interventions:police_person_edit": police_page(kwargs=person_pk, must_not_leak=lambda p: PERSON_NAME),
    "interventions:police_disruption_list": police_page(),
    "interventions:police_disruption_create": police_page(),
    "interventions:police_intelligence_list": police_page(),
    # POST, so search terms stay out of addresses; a hidden child's reference finds nothing.
    "interventions:police_find_children": police_page(
        method="post", data={"q": "T-"}, must_not_leak=council_child_reference
    ),
    "interventions:police_find_contexts": police_page(method="post", data={"q": "station"}),
    "interventions:police_find_persons": police_page(
        method="post", data={"q": "Matrixperson"}, must_not_leak=lambda p: PERSON_NAME.split()[1]
    ),
    "interventions:police_intelligence_create": police_page(),
    "interventions:police_intelligence_detail": police_page(kwargs=report_pk, must_not_leak=lambda p: REPORT_TEXT),
    "interventions:police_intelligence_share": police_page(kwargs=report_pk, must_not_leak=lambda p: REPORT_TEXT),
}
ROUTES.update(
    {
        "api:person-of-concern-list": police_api(),
        "api:person-of-concern-detail": police_api(kwargs=person_pk, must_not_leak=lambda p: "Concernington"),
        "api:disruption-action-list": police_api(),
        "api:disruption-action-detail": police_api(kwargs=lambda p: {"pk": disruption(p).pk}),
        "api:intelligence-report-list": police_api(),
        "api:intelligence-report-detail": police_api(kwargs=report_pk, must_not_leak=lambda p: REPORT_TEXT),
        # An empty body is the officer's 400 (no summary); everyone else 404.
        "api:intelligence-report-share": police_api(status=400, method="post", kwargs=report_pk),
    }
)

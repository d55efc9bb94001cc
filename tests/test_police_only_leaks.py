"""Persons of concern, intelligence and disruption detail never reach anyone but police officers.

Distinctive marker strings go into a person of concern's name and aliases, an intelligence report's
text and a disruption action's outcome. The records are linked (directly, as well as through the
services) to children and contexts other personas can see, and a sanitised summary is shared.
Then every persona other than the police officer requests every GET-able route in the URL
resolver (with the access matrix's arguments), the API lists, the linked children's pages,
chronology fragments, searches, exports and the audit pages, and no response may hold a marker.
The partner sees the shared summary, and only that.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import ChronologyEvent, EventKind
from conftest import PERSONAS
from interventions.services import police as services
from tests.test_access_matrix import collect_routes, url_for

pytestmark = pytest.mark.django_db

PERSON_GIVEN, PERSON_FAMILY = "Quillonmarker", "Vexhaventmarker"
ALIAS = "Snaketoothmarker"
DESCRIPTION = "Drivesablackvanmarker"
INTELLIGENCE = "Gravelwhispermarker says the flat above the takeaway is used"
OUTCOME = "Ironlatchmarker outcome: notice served at the door"
MARKERS = (PERSON_GIVEN, PERSON_FAMILY, ALIAS, DESCRIPTION, "Gravelwhispermarker", "Ironlatchmarker")
SUMMARY = "Police have concerns about an adult who contacts this young person"
NON_POLICE = tuple(persona for persona in PERSONAS if persona != "police")


@pytest.fixture
def police_records(partnership, client_for):
    officer = partnership.users["police"]
    child = partnership.shared_child
    today = timezone.localdate()
    # Under 16 on the day, so a warning notice can protect them.
    child.date_of_birth = today.replace(year=today.year - 14) - timedelta(days=40)
    child.save()
    person = services.create_person(
        officer,
        {"given_name": PERSON_GIVEN, "family_name": PERSON_FAMILY, "known_as": ALIAS, "description": DESCRIPTION},
        children=[child],
        locations=[partnership.police_location],
    )
    # Links made by someone else, to records other personas can see: still police-only.
    person.children.add(partnership.council_child, partnership.voluntary_child, partnership.mentee)
    person.locations.add(partnership.hotspot)
    cawn = services.record_disruption(
        officer, kind="cawn", taken_on=today - timedelta(days=3), person=person, child=child, outcome=OUTCOME
    )
    visit = services.record_disruption(
        officer,
        kind="hotel_visit",
        taken_on=today - timedelta(days=2),
        location=partnership.police_location,
        outcome=OUTCOME,
    )
    report = services.create_intelligence(
        officer,
        {
            "received_on": today - timedelta(days=1),
            "source_evaluation": "2",
            "assessment": "B",
            "handling_code": "P",
            "text": INTELLIGENCE,
        },
        children=[child],
        persons=[person],
        contexts=[partnership.police_location],
    )
    report.children.add(partnership.council_child, partnership.voluntary_child)
    report.contexts.add(partnership.hotspot, partnership.peer_group)
    services.share_intelligence(officer, report, SUMMARY)
    # The officer reads them, so the audit trail holds reads of the police records too.
    police = client_for("police")
    for url in (
        reverse("interventions:police_person_detail", args=[person.pk]),
        reverse("interventions:police_intelligence_detail", args=[report.pk]),
        reverse("interventions:police_disruption_list"),
        f"/api/v1/persons-of-concern/{person.pk}/",
    ):
        assert police.get(url).status_code == 200
        assert PERSON_FAMILY in police.get(url).content.decode()
    return {"person": person, "report": report, "cawn": cawn, "visit": visit}


def body(response) -> str:
    content = b"".join(response) if getattr(response, "streaming", False) else response.content
    return content.decode(errors="replace")


def extra_requests(p, records) -> list[tuple[str, str, dict, dict]]:
    """(method, url, data, headers): the linked children's and contexts' pages, fragments, searches,
    exports and audit pages, beyond what the access matrix's own arguments reach."""
    htmx = {"HTTP_HX_REQUEST": "true"}
    requests = []
    for child in (p.shared_child, p.council_child, p.voluntary_child, p.mentee):
        requests += [
            ("get", reverse("cases:child_detail", args=[child.pk]), {}, {}),
            ("get", reverse("cases:child_connections", args=[child.pk]), {}, {}),
            ("get", reverse("cases:child_export", args=[child.pk]), {}, {}),
            ("get", reverse("cases:child_chronology", args=[child.pk]), {}, htmx),
            ("get", f"/api/v1/children/{child.pk}/", {}, {}),
            ("get", f"/api/v1/children/{child.pk}/chronology/", {}, {}),
            ("post", reverse("cases:child_search"), {"name": f"{child.given_name} {child.family_name}"}, {}),
            ("get", reverse("oversight:child_trail", args=[child.pk]), {}, {}),
        ]
    for context in (p.hotspot, p.police_location, p.peer_group):
        requests += [
            ("get", reverse("cases:context_detail", args=[context.pk]), {}, {}),
            ("get", reverse("cases:context_chronology", args=[context.pk]), {}, htmx),
            ("get", f"/api/v1/contexts/{context.pk}/", {}, {}),
            ("get", f"/api/v1/contexts/{context.pk}/chronology/", {}, {}),
        ]
    requests += [
        ("get", reverse("cases:children_export"), {}, {}),
        ("get", reverse("cases:family_detail", args=[p.family.pk]), {}, {}),
        ("get", reverse("oversight:user_trail", args=[p.users["police"].pk]), {}, {}),
        ("get", reverse("interventions:police_person_detail", args=[records["person"].pk]), {}, {}),
        ("get", reverse("interventions:police_intelligence_detail", args=[records["report"].pk]), {}, {}),
        ("get", reverse("interventions:police_intelligence_share", args=[records["report"].pk]), {}, {}),
        ("get", f"/api/v1/persons-of-concern/{records['person'].pk}/", {}, {}),
        ("get", f"/api/v1/intelligence/{records['report'].pk}/", {}, {}),
        ("get", f"/api/v1/disruption-actions/{records['cawn'].pk}/", {}, {}),
        ("get", "/api/v1/persons-of-concern/", {}, {}),
        ("get", "/api/v1/disruption-actions/", {}, {}),
        ("get", "/api/v1/intelligence/", {}, {}),
    ]
    return requests


@pytest.mark.parametrize("persona", NON_POLICE)
def test_no_police_only_text_reaches_another_persona(persona, client_for, partnership, police_records):
    client = client_for(persona)
    leaks = []
    checked = 0
    for route, spec in sorted(collect_routes().items()):
        response = client.get(url_for(route, spec, partnership))
        checked += 1
        text = body(response)
        leaks += [f"{route} ({response.status_code}): {marker}" for marker in MARKERS if marker in text]
    for method, url, data, headers in extra_requests(partnership, police_records):
        response = getattr(client, method)(url, data, **headers)
        checked += 1
        text = body(response)
        leaks += [f"{method.upper()} {url} ({response.status_code}): {marker}" for marker in MARKERS if marker in text]
    assert checked > 100
    # Searching for the person of concern by name finds nobody (the form echoes the terms typed, so
    # the answer is checked by its results, not its text).
    if persona in ("caseworker", "voluntary", "coordinator", "manager"):
        for name in (f"{PERSON_GIVEN} {PERSON_FAMILY}", ALIAS):
            response = client.post(reverse("cases:child_search"), {"name": name})
            assert response.status_code == 200 and response.context["results"] == []
    assert not leaks, f"{persona} saw police-only text:\n" + "\n".join(leaks)


def test_the_police_officer_does_see_the_markers(client_for, police_records):
    """The sweep above would pass vacuously if the markers were not in the data at all."""
    client = client_for("police")
    pages = [
        reverse("interventions:police_person_detail", args=[police_records["person"].pk]),
        reverse("interventions:police_intelligence_detail", args=[police_records["report"].pk]),
        reverse("interventions:police_disruption_list"),
    ]
    text = "".join(body(client.get(url)) for url in pages)
    for marker in MARKERS:
        assert marker in text


def test_after_sharing_the_partner_sees_only_the_summary(client_for, partnership, police_records):
    event = ChronologyEvent.objects.get(kind=EventKind.POLICE_INFORMATION)
    assert event.child == partnership.shared_child
    client = client_for("caseworker")
    page = body(client.get(reverse("cases:child_detail", args=[partnership.shared_child.pk])))
    assert SUMMARY in page
    assert "Information shared by the police" in page
    api = client.get(f"/api/v1/children/{partnership.shared_child.pk}/chronology/").json()
    assert SUMMARY in str(api)
    for marker in MARKERS:
        assert marker not in page and marker not in str(api)
    # Nothing is shared on the chronology of linked children the officer cannot see.
    assert not ChronologyEvent.objects.filter(
        kind=EventKind.POLICE_INFORMATION, child__in=[partnership.council_child, partnership.voluntary_child]
    ).exists()
    # A partner who does not work with the young person sees neither the summary nor the child.
    voluntary = client_for("voluntary")
    assert voluntary.get(reverse("cases:child_detail", args=[partnership.shared_child.pk])).status_code == 404
    assert SUMMARY not in body(voluntary.get(reverse("cases:child_detail", args=[partnership.voluntary_child.pk])))

"""Police disruption and graded intelligence (issue 4 items 3 and 4): the CAWN eligibility rule,
bad input, sharing a sanitised summary, audit, IDOR and query counts."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from cases.models import Child, ChronologyEvent, EventKind, Reliability
from cohorts.services.fairness import years_before
from interventions.models import DisruptionAction, IntelligenceReport, IntelligenceShare, PersonOfConcern
from interventions.services import police as services
from tests.factories import InvolvementFactory
from tests.test_idor import without_per_request_tokens

pytestmark = pytest.mark.django_db


def police_child(partnership, *, age_on: date, years: int, looked_after=False, days_younger=0):
    child = InvolvementFactory(agency=partnership.agencies["police"]).child
    child.date_of_birth = years_before(age_on, years) + timedelta(days=days_younger)
    child.looked_after = looked_after
    child.save()
    return child


@pytest.fixture
def officer(partnership):
    return partnership.users["police"]


@pytest.fixture
def person(officer, partnership):
    return services.create_person(
        officer,
        {"given_name": "Testperson", "family_name": "Ofconcern"},
        children=[partnership.shared_child],
        locations=[partnership.police_location],
    )


def grading(**overrides):
    fields = {
        "received_on": timezone.localdate() - timedelta(days=2),
        "source_evaluation": "1",
        "assessment": "B",
        "handling_code": "P",
        "handling_conditions": "",
        "text": "Original report text that stays with the police",
    }
    return {**fields, **overrides}


@pytest.fixture
def report(officer, partnership, person):
    return services.create_intelligence(
        officer,
        grading(),
        children=[partnership.shared_child],
        persons=[person],
        contexts=[partnership.police_location],
    )


def date_parts(prefix: str, day: date) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


# The CAWN eligibility rule -------------------------------------------------------------------------

TAKEN_ON = timezone.localdate() - timedelta(days=30)


def cawn(officer, person, child):
    return services.record_disruption(officer, kind="cawn", taken_on=TAKEN_ON, person=person, child=child)


def test_a_warning_notice_protects_a_child_under_16(officer, person, partnership):
    child = police_child(partnership, age_on=TAKEN_ON, years=16, days_younger=1)  # 15, sixteen tomorrow
    action = cawn(officer, person, child)
    assert action.child == child and action.kind == "cawn"


def test_a_warning_notice_is_refused_for_a_16_year_old_not_in_care(officer, person, partnership):
    child = police_child(partnership, age_on=TAKEN_ON, years=16)
    with pytest.raises(ValidationError) as refused:
        cawn(officer, person, child)
    when = f"{TAKEN_ON.day} {TAKEN_ON:%B %Y}"
    assert refused.value.message_dict["child"] == [
        "A child abduction warning notice can only protect a child under 16, or under 18 and in care: "
        f"{child.given_name} {child.family_name} was 16 on {when} and is not in care"
    ]
    assert not DisruptionAction.objects.exists()


def test_a_warning_notice_protects_a_17_year_old_in_care(officer, person, partnership):
    child = police_child(partnership, age_on=TAKEN_ON, years=17, looked_after=True)
    assert cawn(officer, person, child).pk


def test_a_warning_notice_is_refused_at_18_even_in_care(officer, person, partnership):
    child = police_child(partnership, age_on=TAKEN_ON, years=18, looked_after=True)
    with pytest.raises(ValidationError) as refused:
        cawn(officer, person, child)
    assert "was 18 on" in refused.value.message_dict["child"][0]
    assert not DisruptionAction.objects.exists()


def test_the_page_shows_the_refusal_and_saves_nothing(client_for, officer, person, partnership):
    child = police_child(partnership, age_on=TAKEN_ON, years=16)
    data = {"kind": "cawn", "person": person.pk, "child": child.pk, **date_parts("taken_on", TAKEN_ON)}
    response = client_for("police").post(reverse("interventions:police_disruption_create"), data)
    assert response.status_code == 200, response.context["form"].errors
    assert "can only protect a child under 16, or under 18 and in care" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not DisruptionAction.objects.exists()


def test_a_warning_notice_needs_a_person_and_a_child(officer, partnership):
    with pytest.raises(ValidationError) as refused:
        services.record_disruption(officer, kind="cawn", taken_on=TAKEN_ON, location=partnership.police_location)
    assert set(refused.value.message_dict) == {"person", "child"}


# Disruption against a location ---------------------------------------------------------------------


def test_an_officer_records_a_hotel_visit_at_a_location(client_for, partnership):
    client = client_for("police")
    location = partnership.police_location
    url = reverse("interventions:police_disruption_create") + f"?location={location.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["location"] == location.pk
    data = {
        "kind": "hotel_visit",
        "location": location.pk,
        "outcome": "Staff briefed",
        **date_parts("taken_on", TAKEN_ON),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    action = DisruptionAction.objects.get()
    assert (action.kind, action.location, action.person, action.outcome) == (
        "hotel_visit",
        location,
        None,
        "Staff briefed",
    )
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="interventions.disruptionaction").exists()
    listing = client.get(reverse("interventions:police_disruption_list"))
    assert "Staff briefed" in listing.content.decode()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "hotel_visit"}, "person"),  # no person and no location
        ({"kind": "teleport", "location": "LOCATION"}, "kind"),
        ({"kind": "arrest", "location": "LOCATION", "future": True}, "taken_on"),
        ({"kind": "arrest", "location": "LOCATION", "child": "CHILD"}, "child"),  # only a CAWN names a child
    ],
)
def test_bad_disruption_input_saves_nothing(client_for, partnership, data, field):
    day = timezone.localdate() + timedelta(days=1) if data.pop("future", False) else TAKEN_ON
    data = {key: value for key, value in data.items()}
    if data.get("location") == "LOCATION":
        data["location"] = partnership.police_location.pk
    if data.get("child") == "CHILD":
        data["child"] = partnership.shared_child.pk
    response = client_for("police").post(
        reverse("interventions:police_disruption_create"), {**data, **date_parts("taken_on", day)}
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not DisruptionAction.objects.exists()


# Persons of concern --------------------------------------------------------------------------------


def test_an_officer_adds_a_person_of_concern_linked_to_a_child_and_a_location(client_for, partnership):
    client = client_for("police")
    response = client.post(
        reverse("interventions:police_person_create"),
        {
            "given_name": "Newperson",
            "family_name": "Ofinterest",
            "known_as": "Big N",
            "children": [partnership.shared_child.pk],
            "locations": [partnership.police_location.pk],
        },
    )
    person = PersonOfConcern.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "interventions:police_person_detail", args=[person.pk]
    )
    assert person.reference == f"POC-{person.pk:06d}"
    assert list(person.children.all()) == [partnership.shared_child]
    create = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="interventions.personofconcern")
    assert create.detail["after"]["children"] == [partnership.shared_child.pk]
    page = client.get(response.url)
    assert partnership.shared_child.family_name in page.content.decode()
    read = AuditEvent.objects.filter(action=AuditAction.READ, object_type="interventions.personofconcern").get()
    assert read.object_id == str(person.pk)
    assert {subject.object_id for subject in read.subjects.filter(object_type="cases.child")} == {
        str(partnership.shared_child.pk)
    }


def test_an_officer_cannot_link_a_child_they_cannot_see(client_for, officer, partnership):
    response = client_for("police").post(
        reverse("interventions:police_person_create"),
        {"given_name": "Some", "family_name": "One", "children": [partnership.council_child.pk]},
    )
    assert response.status_code == 200 and "children" in response.context["form"].errors
    with pytest.raises(ValidationError) as refused:
        services.create_person(
            officer, {"given_name": "Some", "family_name": "One"}, children=[partnership.council_child]
        )
    assert refused.value.message_dict == {"children": ["Choose young people you can see"]}
    assert not PersonOfConcern.objects.exists()


def test_children_the_officer_cannot_see_are_not_named_and_are_kept_on_edit(client_for, officer, person, partnership):
    person.children.add(partnership.council_child)  # linked by someone who could see them
    client = client_for("police")
    page = client.get(reverse("interventions:police_person_detail", args=[person.pk])).content.decode()
    assert partnership.council_child.family_name not in page
    assert "1 young person you cannot see" in page
    response = client.post(
        reverse("interventions:police_person_edit", args=[person.pk]),
        {"given_name": "Renamed", "family_name": "Ofconcern", "version": person.version, "children": []},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.given_name == "Renamed" and person.version == 2
    assert list(person.children.all()) == [partnership.council_child]


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(client_for, officer, person):
    services.update_person(officer, person, {"known_as": "Saved first"}, expected_version=1)
    response = client_for("police").post(
        reverse("interventions:police_person_edit", args=[person.pk]),
        {"given_name": "Typed", "family_name": "Ofconcern", "version": 1},
    )
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert response.context["form"]["given_name"].value() == "Typed"
    assert response.context["form"]["version"].value() == "2"
    person.refresh_from_db()
    assert (person.given_name, person.known_as) == ("Testperson", "Saved first")


def test_bad_person_input_saves_nothing(client_for):
    future = timezone.localdate() + timedelta(days=3)
    response = client_for("police").post(
        reverse("interventions:police_person_create"),
        {"given_name": "", "family_name": "X" * 101, **date_parts("date_of_birth", future)},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"given_name", "family_name", "date_of_birth"}
    assert not PersonOfConcern.objects.exists()


# Intelligence --------------------------------------------------------------------------------------


def intelligence_post(partnership, **overrides):
    data = {
        "source_evaluation": "2",
        "assessment": "C",
        "handling_code": "P",
        "handling_conditions": "",
        "text": "Seen at the hotel with two girls",
        "children": [partnership.shared_child.pk],
        "contexts": [partnership.police_location.pk],
        **date_parts("received_on", timezone.localdate()),
    }
    return {**data, **overrides}


def test_an_officer_records_graded_intelligence(client_for, partnership):
    client = client_for("police")
    form_page = client.get(reverse("interventions:police_intelligence_create")).content.decode()
    assert "1 – Reliable" in form_page and "E – Suspected to be false" in form_page
    assert 'type="radio"' in form_page
    response = client.post(reverse("interventions:police_intelligence_create"), intelligence_post(partnership))
    report = IntelligenceReport.objects.get()
    assert response.url == reverse("interventions:police_intelligence_detail", args=[report.pk])
    assert (report.source_evaluation, report.assessment, report.handling_code) == ("2", "C", "P")
    detail = client.get(response.url).content.decode()
    assert "Seen at the hotel with two girls" in detail
    assert AuditEvent.objects.filter(action=AuditAction.READ, object_type="interventions.intelligencereport").exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"source_evaluation": "4"}, "source_evaluation"),
        ({"assessment": "F"}, "assessment"),
        ({"handling_code": "X"}, "handling_code"),
        ({"handling_code": "C", "handling_conditions": "  "}, "handling_conditions"),
        ({"text": ""}, "text"),
        ({"children": [0]}, "children"),
    ],
)
def test_bad_intelligence_input_saves_nothing(client_for, partnership, overrides, field):
    response = client_for("police").post(
        reverse("interventions:police_intelligence_create"), intelligence_post(partnership, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not IntelligenceReport.objects.exists()


def test_code_c_without_conditions_is_refused_by_the_service(officer):
    with pytest.raises(ValidationError) as refused:
        services.create_intelligence(officer, grading(handling_code="C"))
    assert "handling_conditions" in refused.value.message_dict
    assert not IntelligenceReport.objects.exists()


@pytest.mark.parametrize(
    "source, assessment, reliability",
    [
        ("1", "A", Reliability.CONFIRMED),
        ("2", "A", Reliability.PROBABLE),
        ("1", "B", Reliability.PROBABLE),
        ("2", "C", Reliability.POSSIBLE),
        ("1", "D", Reliability.UNVERIFIED),
        ("3", "A", Reliability.UNVERIFIED),
    ],
)
def test_reliability_follows_the_grading(source, assessment, reliability):
    assert services.reliability_of(IntelligenceReport(source_evaluation=source, assessment=assessment)) == reliability


# Sharing ------------------------------------------------------------------------------------------


def test_sharing_puts_only_the_summary_on_the_childs_chronology(client_for, partnership, report):
    client = client_for("police")
    url = reverse("interventions:police_intelligence_share", args=[report.pk])
    page = client.get(url).content.decode()
    assert partnership.shared_child.family_name in page
    response = client.post(url, {"summary": "Police are concerned about adults at a hotel"})
    assert response.status_code == 302
    share = IntelligenceShare.objects.get()
    event = ChronologyEvent.objects.get(kind=EventKind.POLICE_INFORMATION)
    assert list(share.events.all()) == [event]
    assert event.child == partnership.shared_child
    assert event.source_agency == partnership.agencies["police"]
    assert event.reliability == Reliability.PROBABLE  # 1B
    assert event.occurred_on == report.received_on
    assert "Original report text" not in event.summary + event.detail
    caseworker_page = client_for("caseworker").get(reverse("cases:child_detail", args=[partnership.shared_child.pk]))
    text = caseworker_page.content.decode()
    assert "Police are concerned about adults at a hotel" in text
    assert "Original report text" not in text


def test_code_c_conditions_travel_with_the_summary(officer, partnership):
    report = services.create_intelligence(
        officer,
        grading(handling_code="C", handling_conditions="Not to be shared outside the panel"),
        children=[partnership.shared_child],
    )
    services.share_intelligence(officer, report, "Summary")
    event = ChronologyEvent.objects.get(kind=EventKind.POLICE_INFORMATION)
    assert "Handling conditions: Not to be shared outside the panel" in event.detail


def test_sharing_from_a_non_police_account_is_refused(client_for, partnership, report):
    for persona in ("caseworker", "outreach", "manager"):
        with pytest.raises(PermissionDenied):
            services.share_intelligence(partnership.users[persona], report, "Summary")
        url = reverse("interventions:police_intelligence_share", args=[report.pk])
        assert client_for(persona).post(url, {"summary": "Summary"}).status_code == 404
    assert not IntelligenceShare.objects.exists()
    assert not ChronologyEvent.objects.filter(kind=EventKind.POLICE_INFORMATION).exists()


def test_an_empty_summary_or_no_linked_child_shares_nothing(client_for, officer, report):
    response = client_for("police").post(
        reverse("interventions:police_intelligence_share", args=[report.pk]), {"summary": "  "}
    )
    assert response.status_code == 200 and "summary" in response.context["form"].errors
    unlinked = services.create_intelligence(officer, grading())
    with pytest.raises(ValidationError) as refused:
        services.share_intelligence(officer, unlinked, "Summary")
    assert list(refused.value.message_dict) == ["summary"]
    assert not IntelligenceShare.objects.exists()


def test_every_write_needs_a_police_officer(partnership, person):
    outreach = partnership.users["outreach"]  # works for the police agency, but not a police officer
    with pytest.raises(PermissionDenied):
        services.create_person(outreach, {"given_name": "A", "family_name": "B"})
    with pytest.raises(PermissionDenied):
        services.update_person(outreach, person, {"given_name": "C"}, expected_version=None)
    with pytest.raises(PermissionDenied):
        services.record_disruption(outreach, kind="arrest", taken_on=TAKEN_ON, person=person)
    with pytest.raises(PermissionDenied):
        services.create_intelligence(outreach, grading())


# IDOR ---------------------------------------------------------------------------------------------


def test_records_that_do_not_exist_and_hidden_ones_look_the_same(client_for, person, report):
    client = client_for("caseworker")
    for name, pk in (("police_person_detail", person.pk), ("police_intelligence_detail", report.pk)):
        real = client.get(reverse(f"interventions:{name}", args=[pk]))
        missing = client.get(reverse(f"interventions:{name}", args=[pk + 1000]))
        assert real.status_code == missing.status_code == 404
        assert without_per_request_tokens(real.content) == without_per_request_tokens(missing.content)
    police = client_for("police")
    assert police.get(reverse("interventions:police_person_detail", args=[person.pk + 1000])).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="interventions.personofconcern").exists()


def test_a_person_link_in_the_disruption_query_string_is_only_a_suggestion(client_for, person):
    response = client_for("police").get(
        reverse("interventions:police_disruption_create") + "?person=abc&location=99999"
    )
    assert response.status_code == 200
    # A malformed person and a location that does not exist are neither chosen nor offered.
    assert "person" not in response.context["form"].initial
    assert 'value="99999"' not in response.content.decode()


# API ----------------------------------------------------------------------------------------------


def test_the_api_creates_and_reads_for_police_and_404s_for_everyone_else(client_for, partnership, person):
    client = client_for("police")
    response = client.post(
        "/api/v1/intelligence/",
        {
            "received_on": str(timezone.localdate()),
            "source_evaluation": "1",
            "assessment": "A",
            "handling_code": "P",
            "text": "API intelligence text",
            "children": [partnership.shared_child.pk],
            "persons": [person.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    report_id = response.json()["id"]
    assert client.get(f"/api/v1/intelligence/{report_id}/").json()["text"] == "API intelligence text"
    shared = client.post(
        f"/api/v1/intelligence/{report_id}/share/", {"summary": "API summary"}, content_type="application/json"
    )
    assert shared.status_code == 201
    for persona in ("caseworker", "outreach", "dpo"):
        other = client_for(persona)
        assert other.get("/api/v1/intelligence/").status_code == 404
        assert other.get(f"/api/v1/intelligence/{report_id}/").status_code == 404
        assert other.post(f"/api/v1/intelligence/{report_id}/share/", {"summary": "x"}).status_code == 404
    assert IntelligenceShare.objects.count() == 1


def test_the_api_refuses_an_ineligible_warning_notice(client_for, partnership, person):
    child = police_child(partnership, age_on=TAKEN_ON, years=16)
    response = client_for("police").post(
        "/api/v1/disruption-actions/",
        {"kind": "cawn", "taken_on": str(TAKEN_ON), "person": person.pk, "child": child.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "can only protect a child under 16" in response.json()["child"][0]
    assert not DisruptionAction.objects.exists()


def test_the_api_refuses_bad_grading(client_for):
    response = client_for("police").post(
        "/api/v1/intelligence/",
        {"received_on": str(TAKEN_ON), "source_evaluation": "9", "assessment": "Z", "handling_code": "X", "text": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"source_evaluation", "assessment", "handling_code"} <= set(response.json())
    assert not IntelligenceReport.objects.exists()


# Query counts -------------------------------------------------------------------------------------


def add_rows(officer, partnership, n):
    for index in range(n):
        extra = services.create_person(
            officer,
            {"given_name": f"Extra{index}", "family_name": "Person"},
            children=[partnership.shared_child],
            locations=[partnership.police_location],
        )
        services.record_disruption(
            officer, kind="arrest", taken_on=TAKEN_ON, person=extra, location=partnership.police_location
        )
        report = services.create_intelligence(
            officer,
            grading(),
            children=[partnership.shared_child],
            persons=[extra],
            contexts=[partnership.police_location],
        )
        services.share_intelligence(officer, report, f"Summary {index}")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("police_person_list", "PERSON_LIST"),
        ("police_disruption_list", "DISRUPTION_LIST"),
        ("police_intelligence_list", "INTELLIGENCE_LIST"),
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(
    client_for, officer, partnership, django_assert_num_queries, name, expected
):
    expected = QUERY_COUNTS[expected]
    client = client_for("police")
    url = reverse(f"interventions:{name}")
    add_rows(officer, partnership, 1)
    client.get(url)
    with django_assert_num_queries(expected):
        client.get(url)
    add_rows(officer, partnership, 5)
    with django_assert_num_queries(expected):
        client.get(url)


def test_detail_pages_run_a_fixed_number_of_queries(
    client_for, officer, partnership, person, django_assert_num_queries
):
    client = client_for("police")
    report = services.create_intelligence(officer, grading(), children=[partnership.shared_child], persons=[person])
    urls = {
        "PERSON_DETAIL": reverse("interventions:police_person_detail", args=[person.pk]),
        "INTELLIGENCE_DETAIL": reverse("interventions:police_intelligence_detail", args=[report.pk]),
    }
    for url in urls.values():
        client.get(url)
    for key, url in urls.items():
        with django_assert_num_queries(QUERY_COUNTS[key]):
            client.get(url)
    for index in range(4):
        child = InvolvementFactory(agency=partnership.agencies["police"]).child
        person.children.add(child)
        report.children.add(child)
        services.record_disruption(officer, kind="arrest", taken_on=TAKEN_ON, person=person)
        other = services.create_intelligence(officer, grading(), persons=[person])
        report.persons.add(services.create_person(officer, {"given_name": f"P{index}", "family_name": "Q"}))
        services.share_intelligence(officer, report, f"Summary {index}")
        assert other.pk
    for key, url in urls.items():
        with django_assert_num_queries(QUERY_COUNTS[key]):
            client.get(url)


QUERY_COUNTS = {
    "PERSON_LIST": 7,
    "DISRUPTION_LIST": 8,
    "INTELLIGENCE_LIST": 7,
    "PERSON_DETAIL": 11,
    "INTELLIGENCE_DETAIL": 10,
}


# Demo data ----------------------------------------------------------------------------------------


def test_demo_police_records_are_coherent_idempotent_and_police_only():
    from demo import accounts as accounts_demo
    from demo import cases as cases_demo
    from demo import police as demo_police
    from demo import story as demo_story

    today = timezone.localdate()
    agencies = accounts_demo.seed_agencies()
    users = accounts_demo.seed_personas(agencies)
    cases_demo.seed_children(agencies, users, today)
    demo_story.seed_story(agencies, users, today)
    assert demo_police.seed(agencies, users, today) is True
    counts = (PersonOfConcern.objects.count(), DisruptionAction.objects.count(), IntelligenceReport.objects.count())
    assert demo_police.seed(agencies, users, today) is False
    assert counts == (
        PersonOfConcern.objects.count(),
        DisruptionAction.objects.count(),
        IntelligenceReport.objects.count(),
    )
    assert counts[0] == 4 and counts[2] == 10
    assert DisruptionAction.objects.filter(kind="closure_notice").exists()
    assert DisruptionAction.objects.filter(kind="cawn").exists()
    assert all(
        person.children.exists()
        for person in PersonOfConcern.objects.filter(reference__in=["POC-DEMO01", "POC-DEMO02"])
    )
    assert DisruptionAction.objects.filter(kind="hotel_visit").count() == 3
    for action in DisruptionAction.objects.filter(kind="cawn"):
        assert services.cawn_refusal(action.child, action.taken_on) == ""
    officer = users["police"]
    visible = Child.objects.visible_to(officer)
    for person in PersonOfConcern.objects.all():
        assert set(person.children.all()) <= set(visible)
    share = IntelligenceShare.objects.get()
    assert share.events.count() >= 1
    assert all(event.kind == EventKind.POLICE_INFORMATION for event in share.events.all())
    for persona in ("caseworker", "voluntary", "outreach", "manager", "dpo"):
        assert not PersonOfConcern.objects.visible_to(users[persona]).exists()
        assert not IntelligenceReport.objects.visible_to(users[persona]).exists()

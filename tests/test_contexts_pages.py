"""Context pages: list, add (kind first), page, edit and the context chronology."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditAction, AuditEvent, AuditSubject
from cases.models import (
    ChronologyEvent,
    Context,
    ContextAssessment,
    ContextLink,
    ContextPlan,
    Involvement,
    Referral,
)
from tests.factories import ChildFactory, InvolvementFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


def full_name(child) -> str:
    return f"{child.given_name} {child.family_name}"


def date_fields(name: str, value) -> dict:
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


# Who sees which context ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context_name", "allowed"),
    [
        ("hotspot", {"caseworker", "voluntary"}),
        ("peer_group", {"caseworker"}),
        ("police_location", {"police"}),
    ],
)
def test_context_pages_follow_the_policy(client_for, partnership, context_name, allowed):
    context = getattr(partnership, context_name)
    for persona in ("caseworker", "police", "voluntary", "mentor", "coordinator", "outreach", "manager", "dpo"):
        response = client_for(persona).get(reverse("cases:context_detail", args=[context.pk]))
        assert response.status_code == (200 if persona in allowed else 404), persona
        if response.status_code == 404:
            assert context.name not in response.content.decode()


def test_hotspot_shows_each_worker_only_their_own_young_person(client_for, partnership):
    url = reverse("cases:context_detail", args=[partnership.hotspot.pk])
    council, voluntary = full_name(partnership.council_child), full_name(partnership.voluntary_child)

    page = client_for("caseworker").get(url).content.decode()
    assert council in page
    assert voluntary not in page
    assert reverse("cases:child_detail", args=[partnership.voluntary_child.pk]) not in page

    page = client_for("voluntary").get(url).content.decode()
    assert voluntary in page
    assert council not in page
    assert reverse("cases:child_detail", args=[partnership.council_child.pk]) not in page
    # The plan links council_child: the voluntary worker sees the plan but not that child, and is
    # not told how many others there are.
    assert "Make the bus station safer" in page
    assert "None you can see" in page
    assert "other young people" not in page


def test_context_page_lists_referrals_assessments_plans_and_involvement(client_for, partnership):
    Involvement.objects.create(agency=partnership.agencies["council"], context=partnership.hotspot)
    page = client_for("caseworker").get(reverse("cases:context_detail", args=[partnership.hotspot.pk]))
    html = page.content.decode()
    assert reverse("cases:referral_detail", args=[partnership.referral.pk]) in html
    assert reverse("cases:assessment_detail", args=[partnership.assessment.pk]) in html
    assert reverse("cases:plan_detail", args=[partnership.plan.pk]) in html
    assert escape(partnership.agencies["council"].name) in html
    assert "Make a referral about this context" in html


def test_context_page_read_is_audited_with_the_children_shown(client_for, partnership):
    client_for("caseworker").get(reverse("cases:context_detail", args=[partnership.hotspot.pk]))
    read = AuditEvent.objects.get(action=AuditAction.READ, object_type="cases.context")
    assert read.object_id == str(partnership.hotspot.pk)
    listed = AuditEvent.objects.get(action=AuditAction.LIST, user=partnership.users["caseworker"])
    shown = set(AuditSubject.objects.filter(event=listed).values_list("object_id", flat=True))
    assert shown == {str(partnership.council_child.pk)}


def test_refused_context_is_audited_as_denied(client_for, partnership):
    client_for("police").get(reverse("cases:context_detail", args=[partnership.hotspot.pk]))
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="cases.context", object_id=str(partnership.hotspot.pk)
    ).exists()


def test_a_viewer_without_an_editing_role_cannot_edit(client_for, partnership):
    """The mentor sees the hotspot through their mentee's link but may not change it (403)."""
    ContextLink.objects.create(
        child=partnership.mentee,
        context=partnership.hotspot,
        role="member",
        source_agency=partnership.agencies["mentoring"],
        recorded_by=partnership.users["caseworker"],
    )
    client = client_for("mentor")
    assert client.get(reverse("cases:context_detail", args=[partnership.hotspot.pk])).status_code == 200
    page = client.get(reverse("cases:context_detail", args=[partnership.hotspot.pk])).content.decode()
    assert reverse("cases:context_edit", args=[partnership.hotspot.pk]) not in page
    assert client.get(reverse("cases:context_edit", args=[partnership.hotspot.pk])).status_code == 403


# The list --------------------------------------------------------------------------------------


def test_list_shows_only_visible_contexts_and_filters_by_kind(client_for, partnership):
    client = client_for("caseworker")
    html = client.get(reverse("cases:context_list")).content.decode()
    assert partnership.hotspot.name in html
    assert partnership.peer_group.name in html
    assert partnership.police_location.name not in html

    html = client.get(reverse("cases:context_list"), {"kind": "peer_group"}).content.decode()
    assert partnership.peer_group.name in html
    assert partnership.hotspot.name not in html

    # An unknown kind is ignored rather than an error.
    response = client.get(reverse("cases:context_list"), {"kind": "<b>nonsense</b>"})
    assert response.status_code == 200
    assert partnership.hotspot.name in response.content.decode()
    assert "<b>nonsense</b>" not in response.content.decode()


def test_list_is_audited(client_for, partnership):
    client_for("caseworker").get(reverse("cases:context_list"))
    event = AuditEvent.objects.get(action=AuditAction.LIST, user=partnership.users["caseworker"])
    ids = set(AuditSubject.objects.filter(event=event, object_type="cases.context").values_list("object_id", flat=True))
    assert ids == {str(partnership.hotspot.pk), str(partnership.peer_group.pk)}


def test_list_paginates_and_keeps_the_filter(client_for, partnership):
    council = partnership.agencies["council"]
    for index in range(30):
        context = Context.objects.create(reference=f"PG-X{index:04d}", kind="peer_group", name=f"Group {index:02d}")
        Involvement.objects.create(agency=council, context=context)
    response = client_for("caseworker").get(reverse("cases:context_list"), {"kind": "peer_group"})
    assert len(response.context["page"]) == 25
    assert "?kind=peer_group&amp;page=2" in response.content.decode()


# Adding ----------------------------------------------------------------------------------------


def test_adding_starts_with_the_kind(client_for, partnership):
    client = client_for("caseworker")
    response = client.get(reverse("cases:context_create"))
    html = response.content.decode()
    assert "What kind of context is it?" in html
    assert 'type="radio"' in html and 'value="peer_group"' in html

    response = client.get(reverse("cases:context_create"), {"kind": "location"})
    html = response.content.decode()
    assert "Latitude" in html and "Type of location" in html
    assert "Names the group is known by" not in html

    html = client.get(reverse("cases:context_create"), {"kind": "peer_group"}).content.decode()
    assert "Names the group is known by" in html and "Group dynamics" in html and "Latitude" not in html

    html = client.get(reverse("cases:context_create"), {"kind": "online"}).content.decode()
    assert "Platform or service" in html and "Latitude" not in html


def test_unknown_kind_is_an_error_and_nothing_is_saved(client_for, partnership):
    client = client_for("caseworker")
    before = Context.objects.count()
    # Continue without choosing: the radios send nothing.
    response = client.get(reverse("cases:context_create"), {"step": "kind"})
    assert "Choose what kind of context this is" in response.content.decode()
    assert 'href="#id_kind"' in response.content.decode() and 'id="id_kind"' in response.content.decode()
    response = client.get(reverse("cases:context_create"), {"kind": "spaceship"})
    assert response.status_code == 200
    assert "Choose what kind of context this is" in response.content.decode()
    response = client.post(reverse("cases:context_create"), {"kind": "spaceship", "name": "Somewhere"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert Context.objects.count() == before


def test_add_a_location_with_coordinates(client_for, partnership):
    east = NeighbourhoodFactory(name="Riverton East")
    response = client_for("caseworker").post(
        reverse("cases:context_create"),
        {
            "kind": "location",
            "name": "Riverside chicken shop",
            "location_type": "takeaway",
            "address": "12 River Street",
            "neighbourhood": east.pk,
            "latitude": "53.7964812",
            "longitude": "-1.547851",
        },
    )
    context = Context.objects.get(name="Riverside chicken shop")
    assert response.status_code == 302
    assert response.url == reverse("cases:context_detail", args=[context.pk])
    assert (context.kind, context.location_type, context.neighbourhood) == ("location", "takeaway", east)
    assert str(context.latitude) == "53.79648" and str(context.longitude) == "-1.54785"
    assert context.reference.startswith("LO-")
    # The creator's agency now works with it, so the caseworker sees it.
    assert Involvement.objects.filter(context=context, agency=partnership.agencies["council"]).exists()


def test_add_a_peer_group_and_an_online_space(client_for, partnership):
    client = client_for("police")
    client.post(
        reverse("cases:context_create"),
        {"kind": "peer_group", "name": "Northside group", "known_names": "NS, Northside", "dynamics": "Older boys"},
    )
    group = Context.objects.get(name="Northside group")
    assert (group.kind, group.known_names, group.dynamics) == ("peer_group", "NS, Northside", "Older boys")
    client.post(reverse("cases:context_create"), {"kind": "online", "name": "Group chat", "platform": "Chat app"})
    assert Context.objects.get(name="Group chat").platform == "Chat app"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"latitude": "53.1"}, "Enter a longitude as well as a latitude"),
        ({"longitude": "-1.5"}, "Enter a latitude as well as a longitude"),
        ({"latitude": "91", "longitude": "0"}, "Enter a latitude between -90 and 90"),
        ({"latitude": "0", "longitude": "-180.5"}, "Enter a longitude between -180 and 180"),
        ({"latitude": "north", "longitude": "1"}, "Enter a latitude between -90 and 90"),
        ({"latitude": "NaN", "longitude": "1"}, "Enter a latitude between -90 and 90"),
        ({"name": ""}, "Enter a name"),
        ({"name": "x" * 201}, "Name must be 200 characters or fewer"),
        ({"description": "x" * 5001}, "Description must be 5000 characters or fewer"),
        ({"location_type": "castle"}, "from the list"),
        ({"location_type": ""}, "Choose the type of location"),
    ],
)
def test_bad_location_input_is_refused_and_nothing_saved(client_for, partnership, data, message):
    before = Context.objects.count()
    form = {"kind": "location", "name": "Somewhere", "location_type": "park", **data}
    response = client_for("caseworker").post(reverse("cases:context_create"), form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert message in html
    assert Context.objects.count() == before


def test_roles_that_cannot_add_contexts_are_not_found(client_for, partnership):
    for persona in ("mentor", "coordinator", "outreach", "dpo", "admin"):
        client = client_for(persona)
        assert client.get(reverse("cases:context_create")).status_code == 404
        response = client.post(reverse("cases:context_create"), {"kind": "neighbourhood", "name": "Estate"})
        assert response.status_code == 404
    assert not Context.objects.filter(name="Estate").exists()


def test_script_in_a_context_is_shown_as_text(client_for, partnership):
    client = client_for("caseworker")
    client.post(
        reverse("cases:context_create"),
        {"kind": "peer_group", "name": XSS, "known_names": XSS, "dynamics": XSS, "description": XSS},
    )
    context = Context.objects.get(name=XSS)
    html = client.get(reverse("cases:context_detail", args=[context.pk])).content.decode()
    assert XSS not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert XSS not in client.get(reverse("cases:context_list")).content.decode()


# Editing ---------------------------------------------------------------------------------------


def edit_data(context, **changes) -> dict:
    data = {
        "name": context.name,
        "description": context.description,
        "neighbourhood": context.neighbourhood_id or "",
        "status": context.status,
        "location_type": context.location_type,
        "address": context.address,
        "latitude": "",
        "longitude": "",
        "version": context.version,
    }
    return {**data, **changes}


def test_edit_a_context(client_for, partnership):
    hotspot = partnership.hotspot
    client = client_for("voluntary")
    response = client.get(reverse("cases:context_edit", args=[hotspot.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(hotspot.pk)).exists()
    response = client.post(
        reverse("cases:context_edit", args=[hotspot.pk]),
        edit_data(hotspot, name="Central bus station", status="closed", latitude="53.1", longitude="-1.2"),
    )
    assert response.status_code == 302
    hotspot.refresh_from_db()
    assert (hotspot.name, hotspot.status, hotspot.version) == ("Central bus station", "closed", 2)
    assert str(hotspot.latitude) == "53.10000"


def test_edit_version_conflict_keeps_what_was_typed(client_for, partnership):
    hotspot = partnership.hotspot
    stale = edit_data(hotspot, name="My new name")
    Context.objects.filter(pk=hotspot.pk).update(name="Someone else's name", version=2)
    client = client_for("caseworker")
    response = client.post(reverse("cases:context_edit", args=[hotspot.pk]), stale)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this context while you were editing it" in html
    assert 'value="My new name"' in html
    assert "Someone else&#x27;s name" in html  # the current record is shown
    hotspot.refresh_from_db()
    assert (hotspot.name, hotspot.version) == ("Someone else's name", 2)
    # Saving again, deliberately, goes through.
    response = client.post(reverse("cases:context_edit", args=[hotspot.pk]), {**stale, "version": 2})
    assert response.status_code == 302
    hotspot.refresh_from_db()
    assert (hotspot.name, hotspot.version) == ("My new name", 3)


def test_bad_edit_is_refused(client_for, partnership):
    hotspot = partnership.hotspot
    response = client_for("caseworker").post(
        reverse("cases:context_edit", args=[hotspot.pk]), edit_data(hotspot, latitude="200", longitude="1")
    )
    assert response.status_code == 200
    assert "Enter a latitude between -90 and 90" in response.content.decode()
    hotspot.refresh_from_db()
    assert hotspot.latitude is None and hotspot.version == 1


def test_another_agencys_context_cannot_be_edited(client_for, partnership):
    location = partnership.police_location
    response = client_for("caseworker").post(
        reverse("cases:context_edit", args=[location.pk]), edit_data(location, name="Changed")
    )
    assert response.status_code == 404
    assert location.name not in response.content.decode()
    location.refresh_from_db()
    assert (location.name, location.version) == ("Test hotel", 1)


# The context chronology (the shared section from cases/views/chronology.py) ----------------------


def event_data(**changes) -> dict:
    today = timezone.localdate()
    data = {
        "occurred_on_day": today.day,
        "occurred_on_month": today.month,
        "occurred_on_year": today.year,
        "kind": "incident",
        "summary": "Fight on the concourse",
        "detail": "Three young people involved",
        "reliability": "probable",
    }
    return {**data, **changes}


HTMX = {"HX-Request": "true"}


def test_context_page_includes_the_chronology_with_quick_add(client_for, partnership):
    add_event(partnership.hotspot, partnership.agencies["police"], 2, summary="Police patrol")
    html = client_for("caseworker").get(reverse("cases:context_detail", args=[partnership.hotspot.pk])).content.decode()
    assert '<section id="chronology"' in html
    assert "Police patrol" in html
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    # The forms are fetched when opened (with a plain link for browsers without JavaScript).
    assert f'hx-get="{url}?form=add"' in html and f'href="{url}?form=add"' in html
    assert f'hx-get="{url}?form=filter"' in html
    assert f'hx-post="{url}"' not in html


def test_chronology_forms_are_fetched_when_opened(client_for, partnership):
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    client = client_for("caseworker")
    fragment = client.get(url, {"form": "add"}, headers=HTMX).content.decode()
    assert f'hx-post="{url}"' in fragment and "<html" not in fragment
    assert 'name="summary"' in fragment
    page = client.get(url, {"form": "add"})
    assert page.status_code == 200
    assert '<h1 class="govuk-heading-l">Add an event to the chronology</h1>' in page.content.decode()
    filter_fragment = client.get(url, {"form": "filter"}, headers=HTMX).content.decode()
    assert 'name="kind"' in filter_fragment and "<html" not in filter_fragment
    filter_page = client.get(url, {"form": "filter"}).content.decode()
    assert "Filter the chronology" in filter_page and 'action="' + url + '"' in filter_page


def test_quick_add_with_htmx_returns_the_refreshed_section(client_for, partnership):
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    response = client_for("caseworker").post(url, event_data(), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="chronology"')
    assert "<html" not in html
    assert "Event added to the chronology" in html
    assert "Fight on the concourse" in html
    event = ChronologyEvent.objects.get(summary="Fight on the concourse")
    assert (event.context, event.child, event.kind, event.reliability) == (
        partnership.hotspot,
        None,
        "incident",
        "probable",
    )
    assert event.source_agency == partnership.agencies["council"]


def test_quick_add_without_javascript_redirects_to_the_page(client_for, partnership):
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    response = client_for("voluntary").post(url, event_data())
    assert response.status_code == 302
    assert response.url == reverse("cases:context_detail", args=[partnership.hotspot.pk]) + "#chronology"
    assert (
        ChronologyEvent.objects.get(summary="Fight on the concourse").source_agency == partnership.agencies["voluntary"]
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"summary": ""}, "Enter a summary of what happened"),
        ({"summary": "x" * 301}, "Summary must be 300 characters or fewer"),
        ({"kind": "party"}, "Choose a type of event from the list"),
        ({"occurred_on_year": "2999"}, "The date of the event must be today or in the past"),
        ({"occurred_on_month": "13"}, "Enter a real date"),
        ({"reliability": "certain"}, "Choose how reliable the information is from the list"),
    ],
)
def test_bad_event_is_refused(client_for, partnership, changes, message):
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    client = client_for("caseworker")
    for headers in (HTMX, {}):
        response = client.post(url, event_data(**changes), headers=headers)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert "govuk-error-summary" in response.content.decode()
    assert not ChronologyEvent.objects.filter(context=partnership.hotspot).exists()


def test_script_in_an_event_is_shown_as_text(client_for, partnership):
    client = client_for("caseworker")
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    response = client.post(url, event_data(summary=XSS, detail=XSS), headers=HTMX)
    assert XSS not in response.content.decode()
    assert XSS not in client.get(reverse("cases:context_detail", args=[partnership.hotspot.pk])).content.decode()


def test_events_cannot_be_added_to_a_context_the_user_cannot_see(client_for, partnership):
    for persona in ("police", "manager", "mentor"):
        url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
        assert client_for(persona).post(url, event_data(), headers=HTMX).status_code == 404
        assert client_for(persona).post(url, event_data()).status_code == 404
    assert not ChronologyEvent.objects.exists()


def test_a_viewer_without_an_editing_role_cannot_add_events(client_for, partnership):
    ContextLink.objects.create(
        child=partnership.mentee,
        context=partnership.hotspot,
        role="member",
        source_agency=partnership.agencies["mentoring"],
        recorded_by=partnership.users["caseworker"],
    )
    client = client_for("mentor")
    html = client.get(reverse("cases:context_detail", args=[partnership.hotspot.pk])).content.decode()
    assert "Add an event" not in html
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    assert client.post(url, event_data(), headers=HTMX).status_code == 403
    assert not ChronologyEvent.objects.exists()


def add_event(context, agency, days_ago: int, kind: str = "incident", summary: str = "Something happened"):
    return ChronologyEvent.objects.create(
        context=context,
        occurred_on=timezone.localdate() - timedelta(days=days_ago),
        kind=kind,
        summary=summary,
        source_agency=agency,
    )


def test_chronology_filter_fragment(client_for, partnership):
    hotspot, council, police = partnership.hotspot, partnership.agencies["council"], partnership.agencies["police"]
    add_event(hotspot, council, 1, "incident", "Council incident")
    add_event(hotspot, police, 40, "arrest", "Police arrest")
    url = reverse("cases:context_chronology", args=[hotspot.pk])
    client = client_for("caseworker")

    response = client.get(url, {"kind": "arrest"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="chronology"')
    assert "Police arrest" in html and "Council incident" not in html

    html = client.get(url, {"agency": council.pk}, headers=HTMX).content.decode()
    assert "Council incident" in html and "Police arrest" not in html

    since = timezone.localdate() - timedelta(days=10)
    html = client.get(url, date_fields("since", since), headers=HTMX).content.decode()
    assert "Council incident" in html and "Police arrest" not in html

    # Without htmx the address sends the browser to the context's page with the same filter.
    response = client.get(url, {"kind": "arrest"})
    assert response.status_code == 302
    assert response.url == reverse("cases:context_detail", args=[hotspot.pk]) + "?kind=arrest#chronology"
    response = client.get(reverse("cases:context_detail", args=[hotspot.pk]), {"kind": "arrest"})
    assert "Police arrest" in response.content.decode() and "Council incident" not in response.content.decode()


def test_bad_filters_do_no_harm(client_for, partnership):
    add_event(partnership.hotspot, partnership.agencies["council"], 1, summary="Council incident")
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    response = client_for("caseworker").get(url, {"kind": "nonsense", "agency": "99999"}, headers=HTMX)
    assert response.status_code == 200
    assert "Council incident" in response.content.decode()


def test_chronology_fragment_is_refused_to_outsiders(client_for, partnership):
    add_event(partnership.hotspot, partnership.agencies["council"], 1, summary="Private entry")
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    for persona in ("police", "manager"):
        for headers in (HTMX, {}):
            response = client_for(persona).get(url, headers=headers)
            assert response.status_code == 404
            assert "Private entry" not in response.content.decode()


def test_chronology_fragment_read_is_audited(client_for, partnership):
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    client_for("caseworker").get(url, headers=HTMX)
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="cases.context", object_id=str(partnership.hotspot.pk)
    ).exists()


# Query counts ----------------------------------------------------------------------------------


def grow_hotspot(p, count: int) -> None:
    """More of everything on the hotspot: linked children, events, referrals, assessments, plans."""
    council, caseworker = p.agencies["council"], p.users["caseworker"]
    today = timezone.localdate()
    for index in range(count):
        child = InvolvementFactory(agency=council).child
        ContextLink.objects.create(
            child=child, context=p.hotspot, role="member", source_agency=council, recorded_by=caseworker
        )
        hidden = ChildFactory()
        ContextLink.objects.create(
            child=hidden, context=p.hotspot, role="member", source_agency=council, recorded_by=caseworker
        )
        add_event(p.hotspot, council, index, summary=f"Event {index}")
        Referral.objects.create(
            context=p.hotspot,
            received_on=today,
            referrer_agency=council,
            referred_by=caseworker,
            category="other",
            concerns="More",
        )
        ContextAssessment.objects.create(context=p.hotspot, started_on=today, assessor=caseworker)
        plan = ContextPlan.objects.create(context=p.hotspot, title=f"Plan {index}", review_on=today, owner=caseworker)
        plan.children.add(child, hidden)
        Involvement.objects.create(agency=council, context=p.hotspot)


def test_context_page_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    client = client_for("caseworker")
    url = reverse("cases:context_detail", args=[partnership.hotspot.pk])
    add_event(partnership.hotspot, partnership.agencies["council"], 0)
    client.get(url)
    with django_assert_num_queries(CONTEXT_PAGE_QUERIES):
        client.get(url)
    grow_hotspot(partnership, 6)
    with django_assert_num_queries(CONTEXT_PAGE_QUERIES):
        response = client.get(url)
    assert len(response.context["links"]) == 7
    assert len(response.context["chronology"].events) == 7


def test_context_list_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    client = client_for("caseworker")
    url = reverse("cases:context_list")
    client.get(url)
    with django_assert_num_queries(CONTEXT_LIST_QUERIES):
        client.get(url)
    for index in range(10):
        context = Context.objects.create(reference=f"SC-X{index:04d}", kind="school", name=f"School {index}")
        Involvement.objects.create(agency=partnership.agencies["council"], context=context)
    with django_assert_num_queries(CONTEXT_LIST_QUERIES):
        assert len(client.get(url).context["page"]) == 12


def test_chronology_fragment_queries_do_not_grow(client_for, partnership, django_assert_num_queries):
    client = client_for("caseworker")
    url = reverse("cases:context_chronology", args=[partnership.hotspot.pk])
    add_event(partnership.hotspot, partnership.agencies["council"], 0)
    client.get(url, headers=HTMX)
    with django_assert_num_queries(CHRONOLOGY_FRAGMENT_QUERIES):
        client.get(url, headers=HTMX)
    for index in range(60):
        add_event(partnership.hotspot, partnership.agencies["police"], index)
    with django_assert_num_queries(CHRONOLOGY_FRAGMENT_QUERIES):
        response = client.get(url, headers=HTMX)
    assert len(response.context["chronology"].events) == 50
    assert "Show older events" in response.content.decode()


CONTEXT_PAGE_QUERIES = 16
CONTEXT_LIST_QUERIES = 7
CHRONOLOGY_FRAGMENT_QUERIES = 7

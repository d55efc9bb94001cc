"""Pickers that scale: the police forms no longer list every young person (or context) the officer
may see; a search beside the field, sent with "Find", adds the matches (only records the officer may
see, the search audited) and keeps everything typed; the JSON answer for an autocomplete."""

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from cases.services.children import rebuild_search_names
from interventions.models import DisruptionAction, IntelligenceReport
from tests.factories import InvolvementFactory
from tests.test_police import intelligence_post

pytestmark = pytest.mark.django_db

URL = reverse("interventions:police_intelligence_create")


@pytest.fixture
def police_children(partnership):
    children = [InvolvementFactory(agency=partnership.agencies["police"]).child for _ in range(30)]
    # Factory names sound alike (Testfamily1x, Testfamily2x...): give the ones searched for their own.
    for child, name in zip(
        children[:8],
        ("Quixbrook", "Ashworth", "Bellamy", "Cordell", "Dunmore", "Everly", "Fairweather", "Gainsford"),
        strict=True,
    ):
        child.family_name = name
        child.save()
    for child in [*children, partnership.council_child]:
        rebuild_search_names(child)  # the name search index, as the services keep it
    return children


def test_the_form_lists_no_one_until_asked(client_for, partnership, police_children):
    body = client_for("police").get(URL).content.decode()
    assert not any(child.family_name in body for child in police_children)
    assert partnership.shared_child.family_name not in body
    assert "None chosen yet" in body and 'name="find" value="children"' in body


def test_find_shows_the_matches_keeps_what_was_typed_and_saves_nothing(client_for, partnership, police_children):
    wanted = police_children[7]
    data = {**intelligence_post(partnership, children=[]), "find": "children", "children_search": wanted.family_name}
    response = client_for("police").post(URL, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="{wanted.pk}"' in body and "1 found" in body, body[body.index("picker-children") :][:3000]
    assert "There is a problem" not in body
    assert "Seen at the hotel with two girls" in body
    assert not IntelligenceReport.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH, subjects__object_id=str(wanted.pk)).exists()


def test_chosen_young_people_stay_listed_and_are_saved(client_for, partnership, police_children):
    client = client_for("police")
    chosen = police_children[3]
    data = {**intelligence_post(partnership, children=[chosen.pk]), "find": "contexts", "contexts_search": "zzz"}
    body = client.post(URL, data).content.decode()
    assert f'value="{chosen.pk}" checked' in body
    assert "Nothing you can see matches ‘zzz’" in body
    response = client.post(URL, intelligence_post(partnership, children=[chosen.pk]))
    assert response.status_code == 302
    assert list(IntelligenceReport.objects.get().children.all()) == [chosen]


def test_no_one_the_officer_may_not_see_is_found_or_accepted(client_for, partnership, police_children):
    hidden = partnership.council_child
    hidden.family_name = "Hiddenworth"
    hidden.save()
    rebuild_search_names(hidden)
    client = client_for("police")
    data = {**intelligence_post(partnership), "find": "children", "children_search": hidden.family_name}
    body = client.post(URL, data).content.decode()
    assert f"({hidden.reference})" not in body and hidden.given_name not in body
    assert "Nothing you can see matches" in body
    response = client.post(URL, intelligence_post(partnership, children=[hidden.pk]))
    assert response.status_code == 200
    assert "Choose young people from the list" in response.content.decode()
    assert hidden.family_name not in response.content.decode()
    assert not IntelligenceReport.objects.exists()


def test_the_autocomplete_answer_holds_only_visible_matches(client_for, partnership, police_children):
    url = reverse("interventions:police_find_children")
    client = client_for("police")
    wanted = police_children[0]
    results = client.post(url, {"q": wanted.family_name}).json()["results"]
    assert results == [{"id": wanted.pk, "label": f"{wanted.given_name} {wanted.family_name} ({wanted.reference})"}]
    searched = AuditEvent.objects.filter(user=partnership.users["police"], action=AuditAction.SEARCH).latest("id")
    assert searched.subjects.filter(object_id=str(wanted.pk)).exists()
    hidden = partnership.council_child
    hidden.family_name = "Hiddenworth"
    hidden.save()
    rebuild_search_names(hidden)
    assert client.post(url, {"q": "Hiddenworth"}).json()["results"] == []
    assert client.post(url, {"q": hidden.reference}).json()["results"] == []
    assert client.post(url, {"q": "a"}).json()["results"] == []  # too short to search
    assert client.post(url, {"q": wanted.reference}).json()["results"][0]["id"] == wanted.pk
    assert client.get(url, {"q": wanted.family_name}).status_code == 405  # never in a web address
    assert client_for("caseworker").post(url, {"q": wanted.family_name}).status_code == 404


def test_each_picker_names_its_autocomplete_endpoint(client_for, partnership):
    """The page says where the autocomplete asks (static/js/pickers.mjs reads data-find-url)."""
    body = client_for("police").get(reverse("interventions:police_intelligence_create")).content.decode()
    assert f'data-find-url="{reverse("interventions:police_find_children")}" data-field-name="children"' in body
    assert f'data-find-url="{reverse("interventions:police_find_contexts")}" data-field-name="contexts"' in body


def test_the_disruption_form_picks_one_young_person(client_for, partnership, police_children):
    url = reverse("interventions:police_disruption_create")
    client = client_for("police")
    body = client.get(url).content.decode()
    assert not any(child.family_name in body for child in police_children)
    wanted = police_children[5]
    body = client.post(url, {"kind": "cawn", "find": "child", "child_search": wanted.family_name}).content.decode()
    assert f'type="radio" value="{wanted.pk}"' in body and 'value="" checked' not in body.split("picker-person")[0]
    assert not DisruptionAction.objects.exists()


def test_the_form_costs_the_same_queries_however_many_young_people(
    client_for, partnership, django_assert_max_num_queries
):
    client = client_for("police")
    client.get(URL)
    with django_assert_max_num_queries(12) as before:
        client.get(URL)
    for _ in range(20):
        InvolvementFactory(agency=partnership.agencies["police"])
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(URL)


def test_persons_of_concern_are_found_not_listed(client_for, partnership):
    from tests.matrix.police import PERSON_NAME, person

    found = person(partnership)
    client = client_for("police")
    for url in (
        reverse("interventions:police_intelligence_create"),
        reverse("interventions:police_disruption_create"),
    ):
        assert found.family_name not in client.get(url).content.decode()
    body = client.post(
        reverse("interventions:police_intelligence_create"), {"find": "persons", "persons_search": "concerning"}
    ).content.decode()
    assert f'type="checkbox" value="{found.pk}"' in body and PERSON_NAME in body
    answer = client.post(reverse("interventions:police_find_persons"), {"q": "Matrixperson Concern"}).json()
    assert answer == {"results": [{"id": found.pk, "label": f"{PERSON_NAME} (POC-MATRIX)"}]}
    assert client.post(reverse("interventions:police_find_persons"), {"q": "POC-MATRIX"}).json()["results"]
    searched = AuditEvent.objects.filter(user=partnership.users["police"], action=AuditAction.SEARCH).latest("id")
    assert searched.subjects.filter(object_id=str(found.pk)).exists()
    assert (
        client_for("voluntary").post(reverse("interventions:police_find_persons"), {"q": "Matrix"}).status_code == 404
    )


def test_locations_are_found_not_listed_and_only_locations(client_for, partnership):
    """The person and disruption forms list no location until asked; the search (and the
    autocomplete, through `?kind=location`) finds locations the officer may see and nothing else:
    not another kind of context, not a location the officer may not see."""
    from cases.models import Context, Involvement

    police = partnership.agencies["police"]
    hotel = partnership.police_location  # "Test hotel": police work with it
    group = Context.objects.create(reference="PG-T0009", kind="peer_group", name="Test hotel crowd")
    Involvement.objects.create(agency=police, context=group, started_on=hotel.created_at.date())
    hidden = Context.objects.create(reference="LO-T0009", kind="location", name="Test hotel annexe")
    client = client_for("police")
    for url, field in (
        (reverse("interventions:police_person_create"), "locations"),
        (reverse("interventions:police_disruption_create"), "location"),
    ):
        body = client.get(url).content.decode()
        assert "Test hotel" not in body
        find_url = f"{reverse('interventions:police_find_contexts')}?kind=location"
        assert f'data-find-url="{find_url}" data-field-name="{field}"' in body
        body = client.post(url, {"find": field, f"{field}_search": "Test hotel"}).content.decode()
        assert f'value="{hotel.pk}"' in body
        assert f'value="{group.pk}"' not in body and f'value="{hidden.pk}"' not in body
    answer = client.post(f"{reverse('interventions:police_find_contexts')}?kind=location", {"q": "Test hotel"}).json()
    assert answer == {"results": [{"id": hotel.pk, "label": f"Test hotel ({hotel.reference})"}]}
    every_kind = client.post(reverse("interventions:police_find_contexts"), {"q": "Test hotel"}).json()["results"]
    assert {result["id"] for result in every_kind} == {hotel.pk, group.pk}

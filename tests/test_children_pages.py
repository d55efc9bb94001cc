"""The child's pages: adding a young person, the profile, chronology, links, search and editing."""

import itertools
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEvent
from cases.models import Child, ChildAlias, ChronologyEvent, Context, ContextLink, Involvement, PeerLink, Referral
from cases.views.children import age_on
from tests.factories import AgencyFactory, InvolvementFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SEQUENCE = itertools.count()
HX = {"HTTP_HX_REQUEST": "true"}


def date_fields(prefix: str, value: date) -> dict:
    return {f"{prefix}_day": value.day, f"{prefix}_month": value.month, f"{prefix}_year": value.year}


def subject_ids(event: AuditEvent) -> set[str]:
    return set(event.subjects.values_list("object_id", flat=True))


def school(name="Test academy", **kwargs) -> Context:
    return Context.objects.create(reference=f"SC-{name[:8]}", kind="school", name=name, **kwargs)


def involve(agency, context) -> None:
    Involvement.objects.create(agency=agency, context=context, started_on=TODAY - timedelta(days=5))


# Adding a young person ---------------------------------------------------------------------------


def create_data(**overrides) -> dict:
    data = {
        "given_name": "Amira",
        "family_name": "Okafor",
        **date_fields("date_of_birth", date(2010, 5, 17)),
        "gender": "female",
        "ethnicity": "black_african",
        "neighbourhood": "",
        "upn": "",
        "nhs_number": "",
        "police_id": "",
        "school": "",
    }
    data.update(overrides)
    return data


class TestAddAYoungPerson:
    url = reverse("cases:child_create")

    def test_a_new_record_is_made_with_the_users_agency_involved(self, client_for, partnership):
        academy = school()
        involve(partnership.agencies["council"], academy)
        response = client_for("caseworker").post(
            self.url,
            create_data(upn="a123456789012", nhs_number="943 476 5919", police_id="ab 123", school=academy.pk),
        )
        child = Child.objects.get(family_name="Okafor")
        assert response.status_code == 302 and response.url == reverse("cases:child_detail", args=[child.pk])
        assert (child.upn, child.nhs_number, child.police_id, child.school) == (
            "A123456789012",
            "9434765919",
            "AB123",
            academy,
        )
        assert (child.gender, child.ethnicity, child.neighbourhood) == ("female", "black_african", None)
        assert child.reference == f"CH-{child.pk:06d}"
        assert child.involvements.get().agency == partnership.agencies["council"]
        assert AuditEvent.objects.filter(action="create", object_type="cases.child", object_id=str(child.pk)).exists()

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"given_name": ""}, "Enter a given name"),
            ({"family_name": "x" * 101}, "Family name must be 100 characters or fewer"),
            (date_fields("date_of_birth", TODAY + timedelta(days=1)), "Date of birth must be today or in the past"),
            (date_fields("date_of_birth", date(1989, 12, 31)), "Date of birth must be on or after 1 January 1990"),
            ({"date_of_birth_day": "31", "date_of_birth_month": "2"}, "Enter a real date"),
            ({"nhs_number": "9434765918"}, "Enter a real NHS number"),
            ({"nhs_number": "12345"}, "Enter an NHS number of 10 digits"),
            ({"upn": "I123456789012"}, "Enter a unique pupil number of 13 characters"),
            ({"police_id": "x" * 31}, "Police reference must be 30 characters or fewer"),
            ({"gender": "Female"}, "Choose a gender from the list"),
            ({"gender": ""}, "Choose a gender, or Not recorded"),
            ({"ethnicity": "White British"}, "Choose an ethnicity from the list"),
            ({"neighbourhood": "999999"}, "Choose a neighbourhood from the list"),
            ({"school": "999999"}, "Choose a school from the list"),
        ],
    )
    def test_bad_input_is_explained_and_nothing_is_saved(self, client_for, partnership, overrides, message):
        before = Child.objects.count()
        response = client_for("caseworker").post(self.url, create_data(**overrides))
        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page and message in page
        assert Child.objects.count() == before
        assert not AuditEvent.objects.filter(action="create").exists()

    def test_a_school_the_user_cannot_see_is_refused(self, client_for, partnership):
        hidden = school("Hidden school")
        involve(partnership.agencies["police"], hidden)
        response = client_for("caseworker").post(self.url, create_data(school=hidden.pk))
        assert "Choose a school from the list" in response.content.decode()
        assert "Hidden school" not in response.content.decode()
        assert not Child.objects.filter(family_name="Okafor").exists()

    def test_an_identifier_on_another_agencys_record_is_an_error_naming_the_field_only(self, client_for, partnership):
        other = partnership.unlinked_child
        Child.objects.filter(pk=other.pk).update(nhs_number="9434765919")
        response = client_for("voluntary").post(self.url, create_data(nhs_number="943 476 5919"))
        page = response.content.decode()
        assert "A young person with this NHS number is already recorded. Ask the partnership&#x27;s data team" in page
        assert other.family_name not in page and other.reference not in page
        assert not Child.objects.filter(family_name="Okafor").exists()

    def test_a_possible_duplicate_must_be_confirmed_before_saving(self, client_for, partnership):
        existing = partnership.council_child
        Child.objects.filter(pk=existing.pk).update(given_name="Amira", family_name="Okafor")
        from cases.services import rebuild_search_names

        rebuild_search_names(Child.objects.get(pk=existing.pk))
        client = client_for("caseworker")
        data = create_data(family_name="Okafore", **date_fields("date_of_birth", existing.date_of_birth))
        first = client.post(self.url, data)
        page = first.content.decode()
        assert first.status_code == 200
        assert "may be the same young person" in page
        assert reverse("cases:child_detail", args=[existing.pk]) in page
        assert "This is a different young person" in page
        assert Child.objects.filter(family_name="Okafore").count() == 0
        # Submitting again without ticking the box is explained, and still saves nothing.
        second = client.post(self.url, {**data, "duplicates_shown": "1"})
        assert "Confirm this is a different young person" in second.content.decode()
        assert Child.objects.filter(family_name="Okafore").count() == 0
        third = client.post(self.url, {**data, "duplicates_shown": "1", "confirm_different": "on"})
        assert third.status_code == 302
        assert Child.objects.filter(family_name="Okafore").count() == 1
        assert AuditEvent.objects.filter(action="list", detail__view="possible duplicates").exists()

    def test_duplicates_outside_the_users_work_are_not_shown(self, client_for, partnership):
        existing = partnership.council_child
        data = create_data(
            given_name=existing.given_name,
            family_name=existing.family_name,
            **date_fields("date_of_birth", existing.date_of_birth),
        )
        response = client_for("voluntary").post(self.url, data)
        assert response.status_code == 302  # nothing the voluntary worker may see resembles it
        assert existing.reference.encode() not in response.content

    @pytest.mark.parametrize("persona", ["mentor", "coordinator", "outreach", "dpo", "admin"])
    def test_roles_that_do_not_record_cases_cannot_add(self, client_for, partnership, persona):
        assert client_for(persona).post(self.url, create_data()).status_code == 404
        assert not Child.objects.filter(family_name="Okafor").exists()


# The profile -------------------------------------------------------------------------------------


def add_events(child, agency, count, start=date(2022, 1, 1), kind="contact"):
    ChronologyEvent.objects.bulk_create(
        ChronologyEvent(
            child=child,
            occurred_on=start + timedelta(days=index),
            kind=kind,
            summary=f"Event {index}",
            source_agency=agency,
        )
        for index in range(count)
    )


def add_rows(p, child, count):
    """Links of every kind the profile shows, `count` of each."""
    council, caseworker = p.agencies["council"], p.users["caseworker"]
    InvolvementFactory(child=child, agency=AgencyFactory())
    for index in range(count):
        context = Context.objects.create(reference=f"PG-X{next(SEQUENCE)}", kind="peer_group", name=f"Group {index}")
        ContextLink.objects.create(
            child=child, context=context, role="member", source_agency=council, recorded_by=caseworker
        )
        other = InvolvementFactory(agency=council).child
        ContextLink.objects.create(
            child=other, context=context, role="member", source_agency=council, recorded_by=caseworker
        )
        PeerLink.objects.create(
            child_a=child, child_b=other, relationship="friend", source_agency=council, recorded_by=caseworker
        )
        ChildAlias.objects.create(child=child, name=f"Alias {index}")
        Referral.objects.create(
            child=child,
            received_on=TODAY,
            referrer_agency=council,
            referred_by=caseworker,
            category="youth_violence",
            concerns="Concern",
        )
    add_events(child, council, count * 10)


class TestProfile:
    def test_shows_the_whole_story_at_a_glance(self, client_for, partnership):
        child = partnership.council_child
        ChildAlias.objects.create(child=child, name="Little T")
        add_events(child, partnership.agencies["council"], 1)
        page = client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk])).content.decode()
        for text in (
            "Little T",
            partnership.family.name,
            reverse("cases:family_detail", args=[partnership.family.pk]),
            partnership.hotspot.name,
            f"/contexts/{partnership.hotspot.pk}/",
            "Harmed here",
            partnership.plan.title,
            "Event 0",
            escape(partnership.agencies["council"].name),
            reverse("cases:child_connections", args=[child.pk]),
            f"age {age_on(child.date_of_birth)}",
        ):
            assert text in page, text

    def test_query_count_is_fixed_whatever_the_number_of_links_and_events(
        self, client_for, partnership, django_assert_num_queries
    ):
        # 18: the missing episodes section and the summary's open tasks, one query each; the last
        # contact is on the chronology's first page here (a query of its own only when it is not).
        child = partnership.council_child
        client = client_for("caseworker")
        url = reverse("cases:child_detail", args=[child.pk])
        add_rows(partnership, child, 1)
        client.get(url)  # warm the session
        with django_assert_num_queries(18):
            response = client.get(url)
        assert len(response.context["chronology"].events) == 10
        add_rows(partnership, child, 9)  # 10 of each now, and 100 events
        with django_assert_num_queries(18):
            response = client.get(url)
        context = response.context
        assert len(context["chronology"].events) == 50
        assert (len(context["links"]), len(context["peers"]), len(context["aliases"])) == (11, 10, 10)
        assert len(context["referrals"]) == 10 and context["connections"] == 10
        assert "Show older events" in response.content.decode()

    def test_school_and_lead_professional_are_shown(self, client_for, partnership):
        child = partnership.council_child
        academy = school()
        Child.objects.filter(pk=child.pk).update(school=academy, lead_professional=partnership.users["caseworker"])
        page = client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk])).content.decode()
        # The page escapes names (a generated name may be O'Brien).
        assert "Test academy" in page and escape(str(partnership.users["caseworker"])) in page

    def test_reading_the_profile_is_audited_with_the_peers_it_showed(self, client_for, partnership):
        child, peer = partnership.council_child, partnership.shared_child
        PeerLink.objects.create(
            child_a=peer,
            child_b=child,
            relationship="friend",
            source_agency=partnership.agencies["council"],
            recorded_by=partnership.users["caseworker"],
        )
        client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk]))
        event = AuditEvent.objects.get(action="read")
        assert (event.object_type, event.object_id, event.detail) == (
            "cases.child",
            str(child.pk),
            {"basis": "involvement"},
        )
        assert subject_ids(event) == {str(child.pk), str(peer.pk)}

    def test_peers_the_user_cannot_see_are_not_shown(self, client_for, partnership):
        child, hidden = partnership.council_child, partnership.voluntary_child
        PeerLink.objects.create(
            child_a=child,
            child_b=hidden,
            relationship="friend",
            source_agency=partnership.agencies["council"],
            recorded_by=partnership.users["caseworker"],
        )
        page = client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk])).content.decode()
        assert hidden.reference not in page and "No peers recorded that you can see" in page

    def test_a_mentor_reads_their_mentee_without_change_controls(self, client_for, partnership, mentor_general_grant):
        page = client_for("mentor").get(reverse("cases:child_detail", args=[partnership.mentee.pk])).content.decode()
        assert "Add an event" not in page and "Link to a context" not in page and "Change details" not in page
        chronology = reverse("cases:child_chronology", args=[partnership.mentee.pk])
        assert client_for("mentor").get(chronology, {"form": "add"}).status_code == 403

    def test_free_text_is_shown_as_text(self, client_for, partnership):
        child = partnership.council_child
        script = "<script>alert(1)</script>"
        ChildAlias.objects.create(child=child, name=script, note=script)
        ChronologyEvent.objects.create(
            child=child,
            occurred_on=TODAY,
            kind="contact",
            summary=script,
            detail=script,
            source_agency=partnership.agencies["council"],
        )
        ContextLink.objects.filter(child=child).update(note=script)
        page = client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk])).content.decode()
        assert script not in page
        assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5


# Chronology --------------------------------------------------------------------------------------


def event_data(**overrides) -> dict:
    data = {
        **date_fields("occurred_on", TODAY - timedelta(days=3)),
        "kind": "missing_episode",
        "summary": "Missing overnight, found at the bus station",
        "detail": "",
        "reliability": "confirmed",
    }
    data.update(overrides)
    return data


class TestChronology:
    def url(self, child):
        return reverse("cases:child_chronology", args=[child.pk])

    def test_quick_add_with_htmx_returns_the_updated_timeline(self, client_for, partnership):
        child = partnership.council_child
        response = client_for("caseworker").post(self.url(child), event_data(), **HX)
        page = response.content.decode()
        assert response.status_code == 200
        assert page.lstrip().startswith('<section id="chronology"')
        assert "Missing overnight, found at the bus station" in page and "Event added to the chronology" in page
        event = ChronologyEvent.objects.get(child=child)
        assert (event.kind, event.source_agency, event.recorded_by) == (
            "missing_episode",
            partnership.agencies["council"],
            partnership.users["caseworker"],
        )
        assert AuditEvent.objects.filter(action="create", object_type="cases.chronologyevent").count() == 1

    def test_quick_add_without_javascript_redirects_back_to_the_profile(self, client_for, partnership):
        child = partnership.council_child
        response = client_for("caseworker").post(self.url(child), event_data())
        assert response.status_code == 302
        assert response.url == reverse("cases:child_detail", args=[child.pk]) + "#chronology"
        assert ChronologyEvent.objects.filter(child=child).count() == 1

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ("before_birth", "The date must be on or after the young person&#x27;s date of birth"),
            (
                date_fields("occurred_on", TODAY + timedelta(days=1)),
                "The date of the event must be today or in the past",
            ),
            ({"occurred_on_day": ""}, "Enter a day, month and year"),
            ({"occurred_on_day": "", "occurred_on_month": "", "occurred_on_year": ""}, "Enter the date of the event"),
            ({"kind": "rumour"}, "Choose a type of event from the list"),
            ({"kind": ""}, "Choose the type of event"),
            ({"summary": "x" * 301}, "Summary must be 300 characters or fewer"),
            ({"summary": ""}, "Enter a summary of what happened"),
            ({"detail": "x" * 10001}, "More detail must be 10,000 characters or fewer"),
            ({"reliability": "gossip"}, "Choose how reliable the information is from the list"),
        ],
    )
    @pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
    def test_bad_input_is_explained_and_nothing_is_saved(self, client_for, partnership, overrides, message, htmx):
        child = partnership.council_child
        if overrides == "before_birth":
            overrides = date_fields("occurred_on", child.date_of_birth - timedelta(days=1))
        response = client_for("caseworker").post(self.url(child), event_data(**overrides), **(HX if htmx else {}))
        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page and message in page
        assert not ChronologyEvent.objects.exists()
        if not htmx:
            assert "(error)" in page  # a page of its own, titled as having an error

    def test_filter_by_kind_agency_and_dates_with_htmx(self, client_for, partnership):
        child = partnership.council_child
        council, police = partnership.agencies["council"], partnership.agencies["police"]
        for day, kind, agency, summary in (
            (date(2023, 1, 1), "arrest", police, "Arrested in town"),
            (date(2023, 6, 1), "exclusion", council, "Excluded for a week"),
            (date(2024, 1, 1), "arrest", council, "Second arrest"),
        ):
            ChronologyEvent.objects.create(
                child=child, occurred_on=day, kind=kind, summary=summary, source_agency=agency
            )
        client = client_for("caseworker")

        def shown(params):
            page = client.get(self.url(child), params, **HX).content.decode()
            return {s for s in ("Arrested in town", "Excluded for a week", "Second arrest") if s in page}

        assert shown({"kind": "arrest"}) == {"Arrested in town", "Second arrest"}
        assert shown({"kind": ["arrest", "exclusion"], "agency": council.pk}) == {
            "Excluded for a week",
            "Second arrest",
        }
        assert shown({**date_fields("since", date(2023, 3, 1)), **date_fields("until", date(2023, 12, 31))}) == {
            "Excluded for a week"
        }
        assert shown({}) == {"Arrested in town", "Excluded for a week", "Second arrest"}
        page = client.get(self.url(child), {"kind": "nonsense", "agency": "abc"}, **HX).content.decode()
        assert "Arrested in town" in page  # a bad filter is explained and ignored, never an error page
        assert AuditEvent.objects.filter(action="read", object_id=str(child.pk)).count() == 5

    def test_filter_without_javascript_goes_back_to_the_profile_with_the_filter(self, client_for, partnership):
        child = partnership.council_child
        ChronologyEvent.objects.create(
            child=child,
            occurred_on=TODAY,
            kind="arrest",
            summary="Arrest",
            source_agency=partnership.agencies["police"],
        )
        ChronologyEvent.objects.create(
            child=child,
            occurred_on=TODAY,
            kind="contact",
            summary="Visit",
            source_agency=partnership.agencies["council"],
        )
        client = client_for("caseworker")
        response = client.get(self.url(child), {"kind": "arrest"})
        assert response.status_code == 302
        assert response.url == reverse("cases:child_detail", args=[child.pk]) + "?kind=arrest#chronology"
        page = client.get(response.url).content.decode()
        assert "Arrest" in page and ">Visit<" not in page and "Visit\n" not in page
        assert "filter applied" in page

    def test_older_events_load_fifty_at_a_time(self, client_for, partnership):
        child = partnership.council_child
        add_events(child, partnership.agencies["council"], 120)
        client = client_for("caseworker")
        first = client.get(reverse("cases:child_detail", args=[child.pk])).context["chronology"]
        assert [e.summary for e in first.events[:2]] == ["Event 119", "Event 118"]
        assert first.older_url.startswith(self.url(child) + "?before=")
        rows = client.get(first.older_url, **HX)
        page = rows.content.decode()
        assert "<section" not in page and "Event 69" in page and "Event 20" in page and "Event 70" not in page
        assert "Show older events" in page
        last = client.get(rows.context["chronology"].older_url, **HX).content.decode()
        assert "Event 19" in last and "Event 0" in last and "Show older events" not in last
        # Without JavaScript the link opens the profile at the older events.
        plain = client.get(first.older_url)
        assert plain.status_code == 302 and "?before=" in plain.url

    def test_older_page_queries_are_fixed(self, client_for, partnership, django_assert_num_queries):
        child = partnership.council_child
        add_events(child, partnership.agencies["council"], 60)
        client = client_for("caseworker")
        url = client.get(reverse("cases:child_detail", args=[child.pk])).context["chronology"].older_url
        with django_assert_num_queries(7):
            client.get(url, **HX)
        add_events(child, partnership.agencies["council"], 200, start=date(2010, 1, 1))
        with django_assert_num_queries(7):
            client.get(url, **HX)

    def test_a_malformed_cursor_is_ignored(self, client_for, partnership):
        child = partnership.council_child
        add_events(child, partnership.agencies["council"], 3)
        page = client_for("caseworker").get(self.url(child), {"before": "yesterday,x"}, **HX).content.decode()
        assert "Event 2" in page

    def test_someone_who_can_only_read_cannot_add(self, client_for, partnership, mentor_general_grant):
        response = client_for("mentor").post(self.url(partnership.mentee), event_data())
        assert response.status_code == 403
        assert not ChronologyEvent.objects.exists()


# Changing the record -----------------------------------------------------------------------------


def edit_data(child, **overrides):
    data = {
        "given_name": child.given_name,
        "family_name": child.family_name,
        **date_fields("date_of_birth", child.date_of_birth),
        "gender": child.gender,
        "ethnicity": child.ethnicity,
        "neighbourhood": child.neighbourhood_id or "",
        "status": child.status,
        "upn": child.upn,
        "nhs_number": child.nhs_number,
        "police_id": child.police_id,
        "school": child.school_id or "",
        "lead_professional": child.lead_professional_id or "",
        "version": child.version,
    }
    data.update(overrides)
    return data


class TestEdit:
    def url(self, child):
        return reverse("cases:child_edit", args=[child.pk])

    def test_identifiers_school_and_lead_professional_are_saved(self, client_for, partnership):
        child = partnership.council_child
        academy = school()
        involve(partnership.agencies["council"], academy)
        lead = partnership.users["caseworker"]
        response = client_for("caseworker").post(
            self.url(child),
            edit_data(
                child,
                upn="A123456789012",
                nhs_number="9434765919",
                police_id="P1",
                school=academy.pk,
                lead_professional=lead.pk,
            ),
        )
        assert response.status_code == 302
        child.refresh_from_db()
        assert (child.upn, child.nhs_number, child.police_id, child.school, child.lead_professional, child.version) == (
            "A123456789012",
            "9434765919",
            "P1",
            academy,
            lead,
            2,
        )

    def test_lead_professional_must_work_in_one_of_the_users_agencies(self, client_for, partnership):
        child = partnership.council_child
        response = client_for("caseworker").post(
            self.url(child), edit_data(child, lead_professional=partnership.users["police"].pk)
        )
        assert "Choose a lead professional from the list" in response.content.decode()
        child.refresh_from_db()
        assert child.lead_professional is None and child.version == 1

    def test_an_identifier_on_another_record_is_refused(self, client_for, partnership):
        child = partnership.council_child
        Child.objects.filter(pk=partnership.unlinked_child.pk).update(upn="A123456789012")
        response = client_for("caseworker").post(self.url(child), edit_data(child, upn="A123456789012"))
        page = response.content.decode()
        assert "A young person with this unique pupil number is already recorded" in page
        assert partnership.unlinked_child.family_name not in page
        child.refresh_from_db()
        assert child.upn == "" and child.version == 1

    def test_a_stale_save_keeps_the_identifiers_typed(self, client_for, partnership):
        child = partnership.council_child
        client = client_for("caseworker")
        harbourside = NeighbourhoodFactory(name="Harbourside")
        client.post(self.url(child), edit_data(child, neighbourhood=harbourside.pk))
        response = client.post(self.url(child), edit_data(child, nhs_number="9434765919", police_id="TYPED-1"))
        page = response.content.decode()
        assert "Someone else changed this record" in page
        assert 'value="9434765919"' in page and 'value="TYPED-1"' in page
        child.refresh_from_db()
        assert (child.nhs_number, child.neighbourhood, child.version) == ("", harbourside, 2)

    def test_the_form_is_audited_as_a_read(self, client_for, partnership):
        client_for("caseworker").get(self.url(partnership.council_child))
        assert AuditEvent.objects.get(action="read").object_id == str(partnership.council_child.pk)


# Other names -------------------------------------------------------------------------------------


class TestAliases:
    def test_add_then_find_by_the_alias_and_remove(self, client_for, partnership):
        child = partnership.council_child
        client = client_for("caseworker")
        response = client.post(
            reverse("cases:child_alias_add", args=[child.pk]), {"name": "Zed Quintero", "note": "street name"}
        )
        assert response.status_code == 302
        alias = ChildAlias.objects.get(child=child)
        results = client.post(reverse("cases:child_search"), {"name": "quintero"}).content.decode()
        assert reverse("cases:child_detail", args=[child.pk]) in results
        assert "Found by the other name ‘Zed Quintero’" in results
        own = client.post(reverse("cases:child_search"), {"name": child.family_name}).content.decode()
        assert "Found by the other name" not in own
        assert client.get(reverse("cases:child_alias_delete", args=[child.pk, alias.pk])).status_code == 405
        response = client.post(reverse("cases:child_alias_delete", args=[child.pk, alias.pk]))
        assert response.status_code == 302 and not ChildAlias.objects.exists()
        after = client.post(reverse("cases:child_search"), {"name": "quintero"}).content.decode()
        assert "No children you can see match your search" in after

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"name": ""}, "Enter the other name"),
            ({"name": "   "}, "Enter the other name"),
            ({"name": "x" * 201}, "Other name must be 200 characters or fewer"),
            ({"name": "Ok", "note": "x" * 201}, "Note must be 200 characters or fewer"),
        ],
    )
    def test_bad_input(self, client_for, partnership, data, message):
        response = client_for("caseworker").post(
            reverse("cases:child_alias_add", args=[partnership.council_child.pk]), data
        )
        assert response.status_code == 200 and message in response.content.decode()
        assert not ChildAlias.objects.exists()

    def test_an_alias_of_another_child_cannot_be_removed_through_this_child(self, client_for, partnership):
        alias = ChildAlias.objects.create(child=partnership.shared_child, name="Other")
        response = client_for("caseworker").post(
            reverse("cases:child_alias_delete", args=[partnership.council_child.pk, alias.pk])
        )
        assert response.status_code == 404 and ChildAlias.objects.filter(pk=alias.pk).exists()


# Contexts and peers ------------------------------------------------------------------------------


def link_data(context, **overrides) -> dict:
    data = {"context": context.pk, "role": "member", "reliability": "probable", "note": "Seen with the group"}
    data.update(overrides)
    return data


class TestContextLinks:
    def url(self, child):
        return reverse("cases:child_context_link", args=[child.pk])

    def test_contexts_are_offered_grouped_by_kind_and_linked(self, client_for, partnership):
        child = partnership.council_child
        client = client_for("caseworker")
        page = client.get(self.url(child)).content.decode()
        assert '<optgroup label="Peer group">' in page and '<optgroup label="Location">' in page
        assert partnership.peer_group.name in page and partnership.police_location.name not in page
        response = client.post(
            self.url(child), link_data(partnership.peer_group, **date_fields("since", date(2024, 2, 1)))
        )
        assert response.status_code == 302
        link = ContextLink.objects.get(child=child, context=partnership.peer_group)
        assert (link.role, link.since, link.reliability, link.source_agency) == (
            "member",
            date(2024, 2, 1),
            "probable",
            partnership.agencies["council"],
        )

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"context": ""}, "Choose a context"),
            ({"context": "999999"}, "Choose a context from the list"),
            ("police_location", "Choose a context from the list"),
            ({"role": "boss"}, "Choose a role"),
            ({"reliability": "gossip"}, "from the list"),
            ({"note": "x" * 501}, "Note must be 500 characters or fewer"),
            (date_fields("since", TODAY + timedelta(days=2)), "The start date must be today or in the past"),
            (
                {**date_fields("since", date(2024, 5, 1)), **date_fields("until", date(2024, 4, 1))},
                "The end date must be the same as or after the start date",
            ),
            ({"since_day": "40", "since_month": "1", "since_year": "2024"}, "Enter a real date"),
        ],
    )
    def test_bad_input_is_explained_and_nothing_is_saved(self, client_for, partnership, overrides, message):
        if overrides == "police_location":
            overrides = {"context": partnership.police_location.pk}
        before = ContextLink.objects.count()
        response = client_for("caseworker").post(
            self.url(partnership.council_child), {**link_data(partnership.peer_group), **overrides}
        )
        assert response.status_code == 200 and message in response.content.decode()
        assert ContextLink.objects.count() == before

    def test_the_same_current_link_twice_is_refused(self, client_for, partnership):
        response = client_for("caseworker").post(
            self.url(partnership.council_child), link_data(partnership.hotspot, role="victim")
        )
        assert "already linked to this context in this role" in response.content.decode()
        assert ContextLink.objects.filter(child=partnership.council_child).count() == 1

    def test_ending_a_link(self, client_for, partnership):
        child = partnership.council_child
        link = ContextLink.objects.get(child=child)
        client = client_for("caseworker")
        url = reverse("cases:child_context_link_end", args=[child.pk, link.pk])
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 302
        link.refresh_from_db()
        assert link.until == TODAY
        client.post(url)  # ending twice changes nothing
        assert AuditEvent.objects.filter(action="update", object_type="cases.contextlink").count() == 1

    def test_another_childs_link_cannot_be_ended_through_this_child(self, client_for, partnership):
        link = ContextLink.objects.get(child=partnership.voluntary_child)
        response = client_for("caseworker").post(
            reverse("cases:child_context_link_end", args=[partnership.council_child.pk, link.pk])
        )
        assert response.status_code == 404
        link.refresh_from_db()
        assert link.until is None


class TestPeers:
    def url(self, child):
        return reverse("cases:child_peer_add", args=[child.pk])

    def test_add_a_peer_by_reference(self, client_for, partnership):
        child, other = partnership.council_child, partnership.shared_child
        client = client_for("caseworker")
        response = client.post(
            self.url(child),
            {"reference": other.reference.lower(), "relationship": "associate", "reliability": "possible"},
        )
        assert response.status_code == 302
        link = PeerLink.objects.get()
        assert (link.child_a, link.child_b, link.relationship) == (child, other, "associate")
        page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
        assert reverse("cases:child_detail", args=[other.pk]) in page

    @pytest.mark.parametrize(
        ("reference", "message"),
        [
            ("voluntary_child", "Enter the reference of a young person your agencies work with"),
            ("council_child", "Enter the reference of a different young person"),
            ("NOPE-1", "Enter the reference of a young person your agencies work with"),
            ("", "Enter the reference of the other young person"),
        ],
    )
    def test_refused_references(self, client_for, partnership, reference, message):
        if reference in ("voluntary_child", "council_child"):
            reference = getattr(partnership, reference).reference
        response = client_for("caseworker").post(
            self.url(partnership.council_child),
            {"reference": reference, "relationship": "friend", "reliability": "possible"},
        )
        page = response.content.decode()
        assert response.status_code == 200 and message in page
        assert partnership.voluntary_child.family_name not in page
        assert not PeerLink.objects.exists()

    def test_unknown_relationship_is_refused(self, client_for, partnership):
        response = client_for("caseworker").post(
            self.url(partnership.council_child),
            {"reference": partnership.shared_child.reference, "relationship": "enemy", "reliability": "possible"},
        )
        assert "Choose a relationship" in response.content.decode() and not PeerLink.objects.exists()


class TestConnections:
    def url(self, child):
        return reverse("cases:child_connections", args=[child.pk])

    def test_lists_only_children_the_user_may_see_grouped_by_context(self, client_for, partnership):
        child, shared = partnership.council_child, partnership.shared_child
        ContextLink.objects.create(
            child=shared,
            context=partnership.hotspot,
            role="witness",
            source_agency=partnership.agencies["police"],
            recorded_by=partnership.users["police"],
        )
        page = client_for("caseworker").get(self.url(child)).content.decode()
        assert partnership.hotspot.name in page and shared.reference in page and "Witness" in page
        assert partnership.voluntary_child.reference not in page
        list_event = AuditEvent.objects.get(action="list")
        assert subject_ids(list_event) == {str(shared.pk)}
        assert AuditEvent.objects.get(action="read").object_id == str(child.pk)

    def test_nobody_else_is_explained(self, client_for, partnership):
        page = client_for("voluntary").get(self.url(partnership.voluntary_child)).content.decode()
        assert "No other children you can see" in page
        assert partnership.council_child.reference not in page

    def test_query_count_is_fixed(self, client_for, partnership, django_assert_num_queries):
        child = partnership.council_child
        client = client_for("caseworker")
        add_rows(partnership, child, 1)
        client.get(self.url(child))
        with django_assert_num_queries(10):
            client.get(self.url(child))
        add_rows(partnership, child, 10)
        with django_assert_num_queries(10):
            response = client.get(self.url(child))
        assert len(response.context["groups"]) == 11


# Outsiders: another agency's ids answer 404 everywhere and change nothing ------------------------


def outsider_requests(p):
    child = p.council_child
    alias = ChildAlias.objects.create(child=child, name="Keep me")
    link = ContextLink.objects.get(child=child)
    return [
        ("get", reverse("cases:child_connections", args=[child.pk]), {}),
        ("get", reverse("cases:child_chronology", args=[child.pk]), {}),
        ("htmx", reverse("cases:child_chronology", args=[child.pk]), {"kind": "arrest"}),
        ("post", reverse("cases:child_chronology", args=[child.pk]), event_data()),
        ("get", reverse("cases:child_alias_add", args=[child.pk]), {}),
        ("post", reverse("cases:child_alias_add", args=[child.pk]), {"name": "Injected"}),
        ("post", reverse("cases:child_alias_delete", args=[child.pk, alias.pk]), {}),
        ("get", reverse("cases:child_context_link", args=[child.pk]), {}),
        ("post", reverse("cases:child_context_link", args=[child.pk]), link_data(p.hotspot, role="witness")),
        ("post", reverse("cases:child_context_link_end", args=[child.pk, link.pk]), {}),
        ("get", reverse("cases:child_peer_add", args=[child.pk]), {}),
        (
            "post",
            reverse("cases:child_peer_add", args=[child.pk]),
            {"reference": p.voluntary_child.reference, "relationship": "friend", "reliability": "possible"},
        ),
        ("post", reverse("cases:child_edit", args=[child.pk]), edit_data(child, police_id="CHANGED")),
    ]


def test_another_agencys_child_is_not_found_on_every_route_and_nothing_changes(client_for, partnership):
    requests = outsider_requests(partnership)
    client = client_for("voluntary")
    before = (ChronologyEvent.objects.count(), ChildAlias.objects.count(), ContextLink.objects.count())
    for method, url, data in requests:
        send = (lambda u, d: client.get(u, d, **HX)) if method == "htmx" else getattr(client, method)
        response = send(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
        assert partnership.council_child.family_name not in response.content.decode()
    after = (ChronologyEvent.objects.count(), ChildAlias.objects.count(), ContextLink.objects.count())
    assert after == before and not PeerLink.objects.exists()
    assert ContextLink.objects.get(child=partnership.council_child).until is None
    assert Child.objects.get(pk=partnership.council_child.pk).police_id == ""
    assert AuditEvent.objects.filter(action="denied", user=partnership.users["voluntary"]).count() == len(requests)
    assert not AuditEvent.objects.filter(action__in=["create", "update", "delete", "read"]).exists()


@pytest.mark.parametrize(
    "route", ["cases:child_alias_add", "cases:child_context_link", "cases:child_peer_add", "cases:child_chronology"]
)
def test_a_reader_whose_role_cannot_change_is_told_403(client_for, partnership, route, mentor_general_grant):
    response = client_for("mentor").post(reverse(route, args=[partnership.mentee.pk]), {})
    assert response.status_code == 403


def test_home_offers_adding_a_young_person_to_those_who_can(client_for, partnership):
    assert reverse("cases:child_create") in client_for("caseworker").get(reverse("home")).content.decode()
    assert reverse("cases:child_create") not in client_for("mentor").get(reverse("home")).content.decode()


def test_names_never_travel_in_a_url_from_these_pages(client_for, partnership):
    child = partnership.council_child
    add_events(child, partnership.agencies["council"], 60)
    page = client_for("caseworker").get(reverse("cases:child_detail", args=[child.pk])).content.decode()
    links = re.findall(r'href="([^"]*\?[^"]*)"', page)
    assert links, "the page has links with query strings (the chronology's pages, filters)"
    for href in links:
        assert child.family_name not in href and child.given_name not in href

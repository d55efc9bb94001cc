"""Family pages: the whole family as far as the viewer may see it, its members, facts and chronology."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Adult, ChronologyEvent, Family, FamilyFact, FamilyMember
from tests.factories import InvolvementFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HX = {"HTTP_HX_REQUEST": "true"}


def date_fields(prefix: str, value: date) -> dict:
    return {f"{prefix}_day": value.day, f"{prefix}_month": value.month, f"{prefix}_year": value.year}


def subject_ids(event: AuditEvent) -> set[str]:
    return set(event.subjects.values_list("object_id", flat=True))


def url(name, family, *args):
    return reverse(f"cases:{name}", args=[family.pk, *args])


class TestCreate:
    def test_a_new_family_with_the_child_as_first_member(self, client_for, partnership):
        child = partnership.shared_child
        client = client_for("caseworker")
        form = client.get(reverse("cases:family_create"), {"child": child.pk})
        assert form.status_code == 200 and child.reference in form.content.decode()
        north = NeighbourhoodFactory(name="Riverton North")
        response = client.post(
            f"{reverse('cases:family_create')}?child={child.pk}",
            {"name": "Okafor family", "postcode": "rv2  3bb", "neighbourhood": north.pk},
        )
        family = Family.objects.get(name="Okafor family")
        assert family.neighbourhood == north
        assert response.status_code == 302 and response.url == reverse("cases:family_detail", args=[family.pk])
        assert (family.reference, family.postcode) == (f"FA-{family.pk:06d}", "RV2 3BB")
        assert list(family.members.values_list("child", "relationship")) == [(child.pk, "child")]
        assert family.involvements.get().agency == partnership.agencies["council"]

    def test_without_a_child(self, client_for, partnership):
        response = client_for("police").post(reverse("cases:family_create"), {"name": "Nguyen household"})
        assert response.status_code == 302
        assert not Family.objects.get(name="Nguyen household").members.exists()

    @pytest.mark.parametrize("child", ["voluntary_child", "unlinked_child", "abc", "99999999"])
    def test_a_child_the_user_cannot_see_is_not_found_and_nothing_is_made(self, client_for, partnership, child):
        pk = getattr(partnership, child).pk if hasattr(partnership, child) else child
        client = client_for("caseworker")
        assert client.get(reverse("cases:family_create"), {"child": pk}).status_code == 404
        response = client.post(f"{reverse('cases:family_create')}?child={pk}", {"name": "Sneaky family"})
        assert response.status_code == 404
        assert not Family.objects.filter(name="Sneaky family").exists()

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"name": ""}, "Enter a name for the family"),
            ({"name": "x" * 201}, "Name must be 200 characters or fewer"),
            ({"name": "Ok", "postcode": "x" * 11}, "Postcode must be 10 characters or fewer"),
            ({"name": "Ok", "neighbourhood": "x"}, "Choose a neighbourhood from the list"),
        ],
    )
    def test_bad_input_is_explained_and_nothing_is_saved(self, client_for, partnership, data, message):
        before = Family.objects.count()
        response = client_for("caseworker").post(reverse("cases:family_create"), data)
        page = response.content.decode()
        assert response.status_code == 200 and "There is a problem" in page and message in page
        assert Family.objects.count() == before

    @pytest.mark.parametrize("persona", ["mentor", "outreach", "dpo", "admin"])
    def test_roles_that_do_not_record_cases_cannot_add(self, client_for, partnership, persona):
        assert client_for(persona).post(reverse("cases:family_create"), {"name": "Nope"}).status_code == 404
        assert not Family.objects.filter(name="Nope").exists()


class TestWholeFamily:
    def test_each_viewer_sees_only_the_children_they_may_see(self, client_for, partnership):
        family, mine, theirs = partnership.family, partnership.council_child, partnership.voluntary_child
        page = client_for("caseworker").get(url("family_detail", family)).content.decode()
        assert mine.reference in page and theirs.reference not in page
        assert "1 other member of this family is not shown" in page
        assert "Testmother" in page and "Mother" in page
        page = client_for("voluntary").get(url("family_detail", family)).content.decode()
        assert theirs.reference in page and mine.reference not in page

    def test_facts_and_the_merged_chronology(self, client_for, partnership):
        family, council = partnership.family, partnership.agencies["council"]
        FamilyFact.objects.create(
            family=family,
            kind="domestic_abuse",
            noted_on=date(2024, 3, 1),
            note="Police call-out",
            source_agency=partnership.agencies["police"],
            recorded_by=partnership.users["police"],
        )
        for subject, summary in (
            ({"family": family}, "Family meeting held"),
            ({"child": partnership.council_child}, "Council child contact"),
            ({"child": partnership.voluntary_child}, "Voluntary child session"),
        ):
            ChronologyEvent.objects.create(
                occurred_on=TODAY, kind="meeting", summary=summary, source_agency=council, **subject
            )
        page = client_for("caseworker").get(url("family_detail", family)).content.decode()
        assert "Domestic abuse" in page and "Police call-out" in page and "Test Police" in page
        assert "Family meeting held" in page and "Council child contact" in page and "Whole family" in page
        assert "Voluntary child session" not in page

    def test_reading_is_audited_with_the_children_shown(self, client_for, partnership):
        client_for("caseworker").get(url("family_detail", partnership.family))
        event = AuditEvent.objects.get(action="read")
        assert (event.object_type, event.object_id) == ("cases.family", str(partnership.family.pk))
        assert subject_ids(event) == {str(partnership.family.pk), str(partnership.council_child.pk)}

    def test_query_count_is_fixed(self, client_for, partnership, django_assert_num_queries):
        family, council = partnership.family, partnership.agencies["council"]
        client = client_for("caseworker")

        def grow(count):
            for index in range(count):
                child = InvolvementFactory(agency=council).child
                FamilyMember.objects.create(family=family, child=child, relationship="child")
                FamilyMember.objects.create(
                    family=family,
                    adult=Adult.objects.create(given_name=f"Adult{index}", family_name="Test"),
                    relationship="carer",
                )
                FamilyFact.objects.create(
                    family=family,
                    kind="housing",
                    noted_on=TODAY,
                    source_agency=council,
                    recorded_by=partnership.users["caseworker"],
                )
                for _ in range(8):
                    ChronologyEvent.objects.create(
                        child=child, occurred_on=TODAY, kind="contact", summary="Visit", source_agency=council
                    )

        grow(1)
        client.get(url("family_detail", family))
        with django_assert_num_queries(13):
            client.get(url("family_detail", family))
        grow(10)
        with django_assert_num_queries(13):
            response = client.get(url("family_detail", family))
        assert len(response.context["children"]) == 12 and len(response.context["adults"]) == 12
        assert len(response.context["chronology"].events) == 50


class TestEdit:
    def data(self, family, **overrides):
        return {
            "name": family.name,
            "postcode": family.postcode,
            "neighbourhood": family.neighbourhood_id or "",
            "version": family.version,
        } | overrides

    def test_a_stale_save_is_refused_and_keeps_what_was_typed(self, client_for, partnership):
        family = partnership.family
        client = client_for("caseworker")
        harbourside = NeighbourhoodFactory(name="Harbourside")
        client.post(url("family_edit", family), self.data(family, neighbourhood=harbourside.pk))
        response = client_for("voluntary").post(url("family_edit", family), self.data(family, name="Typed household"))
        page = response.content.decode()
        assert "Someone else changed this family" in page and 'value="Typed household"' in page
        family.refresh_from_db()
        assert (family.name, family.neighbourhood, family.version) == ("Test family", harbourside, 2)
        assert client_for("voluntary").post(url("family_edit", family), self.data(family, name="Typed household"))
        family.refresh_from_db()
        assert family.name == "Typed household"

    def test_bad_input(self, client_for, partnership):
        family = partnership.family
        response = client_for("caseworker").post(url("family_edit", family), self.data(family, name=""))
        assert "Enter a name for the family" in response.content.decode()
        family.refresh_from_db()
        assert family.version == 1

    def test_the_form_is_audited_as_a_read(self, client_for, partnership):
        client_for("caseworker").get(url("family_edit", partnership.family))
        assert AuditEvent.objects.get(action="read").object_id == str(partnership.family.pk)


class TestMembers:
    def test_add_a_young_person_by_reference(self, client_for, partnership):
        family, child = partnership.family, partnership.shared_child
        response = client_for("caseworker").post(
            url("family_member_add", family), {"reference": child.reference.lower(), "lives_in_household": "on"}
        )
        assert response.status_code == 302
        assert family.members.filter(child=child, relationship="child", lives_in_household=True).exists()

    @pytest.mark.parametrize(
        ("reference", "message"),
        [
            ("voluntary_child", "Enter the reference of a young person your agencies work with"),
            ("unlinked_child", "Enter the reference of a young person your agencies work with"),
            ("council_child", "This young person is already in the family"),
            ("", "Enter the young person&#x27;s reference"),
        ],
    )
    def test_refused_references(self, client_for, partnership, reference, message):
        if reference:
            reference = getattr(partnership, reference).reference
        before = FamilyMember.objects.count()
        response = client_for("caseworker").post(url("family_member_add", partnership.family), {"reference": reference})
        page = response.content.decode()
        assert response.status_code == 200 and message in page
        assert partnership.unlinked_child.family_name not in page
        assert FamilyMember.objects.count() == before

    def test_add_an_adult(self, client_for, partnership):
        family = partnership.family
        response = client_for("caseworker").post(
            url("family_adult_add", family),
            {
                "given_name": "Sam",
                "family_name": "Carer",
                "relationship": "carer",
                **date_fields("date_of_birth", date(1980, 1, 2)),
            },
        )
        assert response.status_code == 302
        member = family.members.get(adult__given_name="Sam")
        assert (member.relationship, member.lives_in_household, member.adult.date_of_birth) == (
            "carer",
            False,
            date(1980, 1, 2),
        )

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"relationship": "child"}, "Choose a relationship from the list"),
            ({"relationship": ""}, "Choose the relationship"),
            ({"given_name": ""}, "Enter the adult&#x27;s given name"),
            ({"family_name": "x" * 101}, "Family name must be 100 characters or fewer"),
            (date_fields("date_of_birth", TODAY + timedelta(days=1)), "Date of birth must be in the past"),
        ],
    )
    def test_adult_bad_input(self, client_for, partnership, overrides, message):
        data = {"given_name": "Sam", "family_name": "Carer", "relationship": "carer"} | overrides
        response = client_for("caseworker").post(url("family_adult_add", partnership.family), data)
        assert response.status_code == 200 and message in response.content.decode()
        assert not Adult.objects.filter(given_name="Sam").exists()


class TestFacts:
    def test_add_a_fact_from_the_users_agency(self, client_for, partnership):
        family = partnership.family
        response = client_for("voluntary").post(
            url("family_fact_add", family),
            {
                "kind": "financial_exclusion",
                "note": "No bank account",
                "reliability": "probable",
                **date_fields("noted_on", TODAY),
            },
        )
        assert response.status_code == 302
        fact = family.facts.get()
        assert (fact.kind, fact.source_agency, fact.recorded_by) == (
            "financial_exclusion",
            partnership.agencies["voluntary"],
            partnership.users["voluntary"],
        )

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"kind": "gossip"}, "Choose a kind of fact from the list"),
            (date_fields("noted_on", TODAY + timedelta(days=1)), "The date noted must be today or in the past"),
            ({"noted_on_day": "", "noted_on_month": "", "noted_on_year": ""}, "Enter the date noted"),
            ({"note": "x" * 1001}, "Note must be 1,000 characters or fewer"),
            ({"reliability": "x"}, "from the list"),
        ],
    )
    def test_bad_input(self, client_for, partnership, overrides, message):
        data = {"kind": "housing", "reliability": "probable", **date_fields("noted_on", TODAY)} | overrides
        response = client_for("caseworker").post(url("family_fact_add", partnership.family), data)
        assert response.status_code == 200 and message in response.content.decode()
        assert not FamilyFact.objects.exists()

    def test_free_text_is_shown_as_text(self, client_for, partnership):
        client = client_for("caseworker")
        script = "<script>alert(1)</script>"
        client.post(
            url("family_fact_add", partnership.family),
            {"kind": "other", "note": script, "reliability": "possible", **date_fields("noted_on", TODAY)},
        )
        client.post(
            url("family_chronology", partnership.family),
            {
                "kind": "other",
                "summary": script,
                "detail": script,
                "reliability": "possible",
                **date_fields("occurred_on", TODAY),
            },
        )
        page = client.get(url("family_detail", partnership.family)).content.decode()
        assert script not in page and page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3


class TestFamilyChronology:
    def test_quick_add_with_htmx(self, client_for, partnership):
        family = partnership.family
        response = client_for("voluntary").post(
            url("family_chronology", family),
            {
                "kind": "meeting",
                "summary": "Family group conference",
                "reliability": "confirmed",
                **date_fields("occurred_on", TODAY),
            },
            **HX,
        )
        assert response.status_code == 200 and "Family group conference" in response.content.decode()
        event = ChronologyEvent.objects.get()
        assert (event.family, event.child, event.source_agency) == (family, None, partnership.agencies["voluntary"])

    def test_bad_input_saves_nothing(self, client_for, partnership):
        response = client_for("caseworker").post(
            url("family_chronology", partnership.family),
            {"kind": "meeting", "summary": "x" * 301, "reliability": "confirmed", **date_fields("occurred_on", TODAY)},
            **HX,
        )
        assert "Summary must be 300 characters or fewer" in response.content.decode()
        assert not ChronologyEvent.objects.exists()

    def test_filtered_fragment_shows_only_visible_childrens_events(self, client_for, partnership):
        council = partnership.agencies["council"]
        for child, kind in ((partnership.council_child, "arrest"), (partnership.voluntary_child, "arrest")):
            ChronologyEvent.objects.create(
                child=child, occurred_on=TODAY, kind=kind, summary=f"Arrest of {child.reference}", source_agency=council
            )
        page = client_for("caseworker").get(url("family_chronology", partnership.family), {"kind": "arrest"}, **HX)
        text = page.content.decode()
        assert partnership.council_child.reference in text and partnership.voluntary_child.reference not in text


def outsider_requests(p):
    family = p.family
    today = date_fields("occurred_on", TODAY)
    return [
        ("get", url("family_detail", family), {}),
        ("get", url("family_edit", family), {}),
        ("post", url("family_edit", family), {"name": "Changed", "version": family.version}),
        ("get", url("family_chronology", family), {}),
        (
            "post",
            url("family_chronology", family),
            {"kind": "other", "summary": "x", "reliability": "possible", **today},
        ),
        ("get", url("family_member_add", family), {}),
        ("post", url("family_member_add", family), {"reference": p.shared_child.reference}),
        ("get", url("family_adult_add", family), {}),
        ("post", url("family_adult_add", family), {"given_name": "A", "family_name": "B", "relationship": "carer"}),
        ("get", url("family_fact_add", family), {}),
        (
            "post",
            url("family_fact_add", family),
            {"kind": "housing", "reliability": "possible", **date_fields("noted_on", TODAY)},
        ),
        ("get", f"{reverse('cases:family_create')}?child={p.council_child.pk}", {}),
    ]


def test_a_family_outside_the_users_work_is_not_found_everywhere_and_nothing_changes(client_for, partnership):
    requests = outsider_requests(partnership)
    client = client_for("police")
    counts = (FamilyMember.objects.count(), Adult.objects.count(), FamilyFact.objects.count(), Family.objects.count())
    for method, target, data in requests:
        response = getattr(client, method)(target, data)
        assert response.status_code == 404, (method, target, response.status_code)
        assert partnership.family.reference not in response.content.decode()
    assert (
        FamilyMember.objects.count(),
        Adult.objects.count(),
        FamilyFact.objects.count(),
        Family.objects.count(),
    ) == counts
    assert not ChronologyEvent.objects.exists()
    partnership.family.refresh_from_db()
    assert (partnership.family.name, partnership.family.version) == ("Test family", 1)
    assert AuditEvent.objects.filter(action="denied").count() == len(requests)
    assert not AuditEvent.objects.filter(action__in=["create", "update", "read"]).exists()


@pytest.mark.parametrize("route", ["family_edit", "family_member_add", "family_adult_add", "family_fact_add"])
def test_a_family_viewer_whose_role_cannot_change_is_told_403(client_for, partnership, route):
    from cases.models import FamilyMember as Member

    Member.objects.create(family=partnership.family, child=partnership.mentee, relationship="child")
    response = client_for("mentor").get(url(route, partnership.family))
    assert response.status_code == 403
    assert client_for("mentor").get(url("family_detail", partnership.family)).status_code == 200

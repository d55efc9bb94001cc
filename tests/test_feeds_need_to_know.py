"""Need to know when data is joined (issue 14): a young person known only from a data feed is a case
for nobody. Those who decide on the cohort (managers) see them for the cohort's purpose only, each
view audited as such; once an agency takes them on, with a reason, that agency's caseworkers see
that young person and no other. Notes from a source system are read only by those allowed that
source (police notes to police)."""

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from cases.models import Child, Involvement
from cohorts.models import CurrentSuggestion, Observation
from feeds import services
from tests.factories import MembershipFactory, UserFactory
from tests.feeds_helpers import feed_csv, media, row, upload  # noqa: F401 -- media is a fixture

pytestmark = pytest.mark.django_db

CONCERNING = ("crime", "missing_episode", "school_attendance", "children_needing_help")


def person_rows(prefix: str, given: str, family: str, born: str, upn: str) -> list[dict]:
    """Enough about one young person for the default model to suggest a tier."""
    return [
        row(
            f"{prefix}-{n}",
            given_name=given,
            family_name=family,
            date_of_birth=born,
            upn=upn,
            postcode="RV1 1AA",
            indicator_code=code,
            source_system="police" if code == "crime" else "schools",
            note=f"{code} note about {given}",
        )
        for n, code in enumerate(CONCERNING)
    ]


@pytest.fixture
def loaded(partnership, django_capture_on_commit_callbacks, media):  # noqa: F811
    """The youth justice manager uploads a feed about two young people nobody works with."""
    rows = person_rows("a", "Ottilie", "Marchbank", "2011-03-04", "A123456789012")
    rows += person_rows("b", "Rufus", "Pennick", "2010-07-08", "B123456789012")
    with django_capture_on_commit_callbacks(execute=True):
        feed = services.upload_feed(partnership.users["manager"], upload(feed_csv(rows)))
    feed.refresh_from_db()
    assert feed.people_created == 2
    ottilie = Child.objects.get(given_name="Ottilie", family_name="Marchbank")
    rufus = Child.objects.get(given_name="Rufus", family_name="Pennick")
    return partnership, ottilie, rufus


@pytest.fixture
def youth_justice_caseworker(partnership):
    user = UserFactory(username="yj-caseworker")
    MembershipFactory(user=user, agency=partnership.agencies["youth_justice"], role="caseworker")
    return user


def test_a_feed_gives_the_uploading_agency_no_involvement_and_its_caseworkers_see_nothing(
    loaded, youth_justice_caseworker, client
):
    p, ottilie, rufus = loaded
    assert not Involvement.objects.filter(child__in=[ottilie, rufus]).exists()
    for user in (youth_justice_caseworker, p.users["manager"], p.users["caseworker"]):
        assert not Child.objects.visible_to(user).filter(pk__in=[ottilie.pk, rufus.pk]).exists()
    client.force_login(youth_justice_caseworker)
    assert client.get(reverse("cases:child_detail", args=[ottilie.pk])).status_code == 404
    assert client.get(reverse("cohorts:child_cohort", args=[ottilie.pk])).status_code == 404
    assert client.get(reverse("cohorts:suggestion_why", args=[ottilie.pk])).status_code == 404
    assert "Marchbank" not in client.post(reverse("cases:child_search"), {"name": "Ottilie"}).content.decode()


def test_a_manager_sees_them_in_the_cohort_pages_only_and_each_view_is_audited_as_cohort(loaded, client):
    p, ottilie, _rufus = loaded
    manager = p.users["manager"]
    suggestion = CurrentSuggestion.objects.get(child=ottilie)
    assert suggestion.tier, "the feed should be enough for a suggested tier"
    assert CurrentSuggestion.objects.visible_to(manager).filter(child=ottilie).exists()
    assert not CurrentSuggestion.objects.visible_to(p.users["caseworker"]).filter(child=ottilie).exists()

    client.force_login(manager)
    home = client.get(reverse("cohorts:cohort_home"), {"show": "suggestions"}).content.decode()
    assert "Ottilie Marchbank" in home
    record = client.get(reverse("cohorts:child_cohort", args=[ottilie.pk]))
    assert record.status_code == 200
    page = record.content.decode()
    assert "No agency works with this young person yet" in page
    assert "A123456789012" in page  # the fields they were matched on
    assert f'href="{reverse("cases:child_detail", args=[ottilie.pk])}"' not in page  # no door to a case record
    assert reverse("cohorts:take_on", args=[ottilie.pk]) in page
    assert client.get(reverse("cohorts:suggestion_why", args=[ottilie.pk])).status_code == 200
    assert client.get(reverse("cases:child_detail", args=[ottilie.pk])).status_code == 404
    assert client.get(reverse("api:cohort-suggestion-detail", args=[ottilie.pk])).status_code == 200

    reads = AuditEvent.objects.filter(
        user=manager, action=AuditAction.READ, object_type="cases.child", object_id=str(ottilie.pk)
    )
    assert reads.count() == 3
    assert {event.detail["basis"] for event in reads} == {"cohort"}


def test_notes_from_a_source_are_shown_only_to_those_allowed_that_source(loaded, client):
    p, ottilie, _rufus = loaded
    assert Observation.objects.filter(child=ottilie, note__startswith="crime note").exists()
    client.force_login(p.users["manager"])
    page = client.get(reverse("cohorts:suggestion_why", args=[ottilie.pk])).content.decode()
    # The feed came from the manager's own agency: its notes are theirs to read.
    assert "crime note about Ottilie" in page
    # Another manager, of an agency that did not send the feed, sees indicator, date and source only.
    other = UserFactory(username="other-manager")
    MembershipFactory(user=other, agency=p.agencies["voluntary"], role="manager")
    client.force_login(other)
    page = client.get(reverse("cohorts:suggestion_why", args=[ottilie.pk])).content.decode()
    assert "crime note about Ottilie" not in page
    assert "Note held by the source" in page and "Offending or arrest" in page


def test_police_notes_are_read_by_police_officers_and_not_by_caseworkers(partnership):
    from datetime import timedelta

    from django.utils import timezone

    from cohorts.models import RunKind, RunTrigger
    from cohorts.services import runs
    from cohorts.services.scoring import evidence_for
    from feeds.models import FeedImport

    p = partnership
    police_feed = FeedImport.objects.create(
        original_name="police.csv",
        size_bytes=1,
        sha256="0" * 64,
        uploaded_by=p.users["manager"],
        agency=p.agencies["police"],
    )
    Observation.objects.create(
        source_system="police",
        source_record_id="n-1",
        indicator_code="crime",
        observed_on=timezone.localdate() - timedelta(days=10),
        child=p.shared_child,
        feed=police_feed,
        note="intelligence-graded detail",
    )
    runs.execute_run(runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, enqueue=False).pk)
    suggestion = CurrentSuggestion.objects.get(child=p.shared_child).suggestion

    def notes(user):
        return [item["note"] for entry in evidence_for(suggestion, user) for item in entry.get("items", [])]

    assert "intelligence-graded detail" in notes(p.users["police"])
    assert "intelligence-graded detail" not in notes(p.users["caseworker"])
    assert "Note held by the source" in notes(p.users["caseworker"])


def test_taking_one_on_opens_that_young_person_and_no_other_to_the_agency(loaded, client):
    p, ottilie, rufus = loaded
    manager = p.users["manager"]
    caseworker = UserFactory(username="yj-caseworker")
    MembershipFactory(user=caseworker, agency=p.agencies["youth_justice"], role="caseworker")

    client.force_login(manager)
    answer = client.post(reverse("cohorts:take_on", args=[ottilie.pk]), {"reason": "Allocated by the panel"})
    assert answer.status_code == 302 and answer["Location"] == reverse("cases:child_detail", args=[ottilie.pk])
    involvement = Involvement.objects.get(child=ottilie)
    assert involvement.agency == p.agencies["youth_justice"] and involvement.ended_on is None
    write = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.involvement")
    assert write.user == manager and write.reason == "Allocated by the panel"

    client.force_login(caseworker)
    assert client.get(reverse("cases:child_detail", args=[ottilie.pk])).status_code == 200
    assert client.get(reverse("cases:child_detail", args=[rufus.pk])).status_code == 404
    found = client.post(reverse("cases:child_search"), {"name": "Marchbank"}).content.decode()
    assert "Ottilie Marchbank" in found or "Marchbank, Ottilie" in found
    assert "Rufus" not in client.post(reverse("cases:child_search"), {"name": "Pennick"}).content.decode()
    assert list(Child.objects.visible_to(caseworker).filter(pk__in=[ottilie.pk, rufus.pk])) == [ottilie]
    # Other agencies still do not see her.
    assert not Child.objects.visible_to(p.users["caseworker"]).filter(pk=ottilie.pk).exists()


def test_taking_on_without_a_reason_or_twice_is_refused_and_changes_nothing(loaded, client):
    p, ottilie, _rufus = loaded
    client.force_login(p.users["manager"])
    answer = client.post(reverse("cohorts:take_on", args=[ottilie.pk]), {"reason": "  "})
    assert answer.status_code == 200
    assert "Enter why your agency is starting to work with this young person" in answer.content.decode()
    assert not Involvement.objects.filter(child=ottilie).exists()

    url = reverse("api:cohort-suggestion-take-on", args=[ottilie.pk])
    first = client.post(url, {"reason": "Allocated by the panel"}, content_type="application/json")
    assert first.status_code == 201 and first.json()["agency"] == p.agencies["youth_justice"].name
    # Now visible to the manager as a case: nothing left to take on, and nothing more is written.
    second = client.post(url, {"reason": "Again"}, content_type="application/json")
    assert second.status_code == 403
    assert Involvement.objects.filter(child=ottilie).count() == 1


def test_a_child_an_agency_has_worked_with_is_not_seen_for_the_cohort(partnership, client):
    """Only those known from data alone: a closed case stays with the agencies that held it."""
    from datetime import timedelta

    from django.utils import timezone

    p = partnership
    ended = timezone.localdate() - timedelta(days=1)
    Involvement.objects.filter(child=p.voluntary_child).update(started_on=ended - timedelta(days=30), ended_on=ended)
    manager = p.users["manager"]
    assert not Child.objects.cohort_visible_to(manager).filter(pk=p.voluntary_child.pk).exists()
    assert Child.objects.cohort_visible_to(manager).filter(pk=p.unlinked_child.pk).exists()
    client.force_login(manager)
    assert client.get(reverse("cohorts:child_cohort", args=[p.voluntary_child.pk])).status_code == 404

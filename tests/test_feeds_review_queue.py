"""The review queue at scale (issue 14): grouped by the kind of doubt, filtered by kind, feed and
identifier kind, bulk decisions through the one-review decision (each audited), and the evidence
side by side (name, date of birth, identifiers, household, postcode, source)."""

from datetime import date

import pytest

from audit.models import AuditAction, AuditEvent
from cases.models import Child, Family, FamilyMember
from cohorts.models import Observation
from feeds import services
from feeds.models import FeedImport, Household, MatchReview, ReviewStatus
from tests.factories import ChildFactory
from tests.feeds_helpers import feed_csv, media, row, upload  # noqa: F401

pytestmark = pytest.mark.django_db

UPN = "A123456789012"


@pytest.fixture
def manager_client(client_for, media):  # noqa: F811
    return client_for("manager")


@pytest.fixture
def import_rows(partnership, django_capture_on_commit_callbacks, media):  # noqa: F811
    def run(rows, name="feed.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            feed = services.upload_feed(partnership.users["manager"], upload(feed_csv(rows), name))
        feed.refresh_from_db()
        return feed

    return run


@pytest.fixture
def two_kinds(import_rows):
    """Two reviews of one feed: a UPN whose date of birth differs (birth), and the same name and
    date of birth at another postcode (name, no identifier)."""
    by_upn = ChildFactory(upn=UPN, date_of_birth=date(2012, 5, 4))
    by_name = ChildFactory(given_name="Zelda", family_name="Quillfeather", date_of_birth=date(2011, 1, 2))
    family = Family.objects.create(reference="F-Q", name="Quillfeather household", postcode="RV2 2BB")
    FamilyMember.objects.create(family=family, child=by_name, relationship="child")
    Household.objects.create(source_system="housing", household_ref="H-77", family=family)
    Observation.objects.create(
        source_system="housing", source_record_id="old-1", indicator_code="crime", observed_on=date(2025, 1, 1),
        child=by_name,
    )  # fmt: skip
    feed = import_rows(
        [
            row(
                "b-1", given_name=by_upn.given_name, family_name=by_upn.family_name, date_of_birth="2012-05-05", upn=UPN
            ),
            row(
                "n-1",
                source_system="housing",
                given_name="Zelda",
                family_name="Quillfeather",
                date_of_birth="2011-01-02",
                postcode="ZZ9 9ZZ",
                household_ref="H-77",
            ),
        ]
    )
    assert feed.rows_in_review == 2
    return feed, MatchReview.objects.get(candidate=by_upn), MatchReview.objects.get(candidate=by_name)


def _listed(html: str, review: MatchReview) -> bool:
    return f'href="/cohort/reviews/{review.pk}/"' in html


def test_the_queue_is_grouped_by_kind_and_filtered_by_kind_feed_and_identifier(manager_client, two_kinds):
    feed, birth, name = two_kinds
    html = manager_client.get("/cohort/reviews/").content.decode()
    assert "An identifier matches but the date of birth does not</a> (1)" in html
    assert "The same name and date of birth, nothing else to confirm</a> (1)" in html
    assert _listed(html, birth) and _listed(html, name)

    html = manager_client.get("/cohort/reviews/?kind=birth").content.decode()
    assert _listed(html, birth) and not _listed(html, name)
    html = manager_client.get("/cohort/reviews/?identifier=upn").content.decode()
    assert _listed(html, birth) and not _listed(html, name)
    html = manager_client.get("/cohort/reviews/?identifier=none").content.decode()
    assert _listed(html, name) and not _listed(html, birth)
    html = manager_client.get(f"/cohort/reviews/?feed={feed.pk}&kind=name").content.decode()
    assert _listed(html, name) and not _listed(html, birth)
    # Filters not offered are ignored (another agency's feed, a made-up kind): the whole queue.
    html = manager_client.get("/cohort/reviews/?feed=999999&kind=vibes&identifier=x").content.decode()
    assert _listed(html, birth) and _listed(html, name)


def test_the_queue_shows_each_candidate_beside_the_person_and_records_it(manager_client, two_kinds, partnership):
    _feed, birth, _name = two_kinds
    html = manager_client.get("/cohort/reviews/?kind=birth").content.decode()
    assert birth.candidate.reference in html and "other date of birth" in html
    listed = AuditEvent.objects.filter(action=AuditAction.LIST, user=partnership.users["manager"])
    assert listed.filter(subjects__object_type="cases.child", subjects__object_id=str(birth.candidate_id)).exists()


def test_the_queue_query_count_does_not_grow_with_the_reviews(manager_client, import_rows, django_assert_num_queries):
    children = [ChildFactory(date_of_birth=date(2012, 1, n + 1)) for n in range(4)]

    def review_about(child, record):
        name = {"given_name": child.given_name, "family_name": child.family_name}
        return row(record, date_of_birth=child.date_of_birth.isoformat(), postcode="ZZ1 1ZZ", **name)

    import_rows([review_about(children[0], "q-0")], "one.csv")
    manager_client.get("/cohort/reviews/")
    with django_assert_num_queries(11) as one:
        manager_client.get("/cohort/reviews/")
    import_rows([review_about(child, f"q-{n}") for n, child in enumerate(children[1:], start=1)], "three.csv")
    assert MatchReview.objects.count() == 4
    with django_assert_num_queries(len(one)):
        html = manager_client.get("/cohort/reviews/").content.decode()
    assert all(child.reference in html for child in children)


def test_accepting_the_selected_as_suggested_decides_each_and_audits_each(manager_client, two_kinds):
    _feed, birth, name = two_kinds
    response = manager_client.post(
        "/cohort/reviews/decide/", {"review": [birth.pk, name.pk], "decision": "same", "query": "kind=name&x=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/cohort/reviews/?kind=name"
    assert set(MatchReview.objects.values_list("status", flat=True)) == {ReviewStatus.MATCHED}
    assert Observation.objects.get(source_record_id="b-1").child == birth.candidate
    assert Observation.objects.get(source_record_id="n-1").child == name.candidate
    decided = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="feeds.matchreview")
    assert sorted(decided.values_list("object_id", flat=True)) == sorted([str(birth.pk), str(name.pk)])
    assert "2 decisions recorded" in manager_client.get("/cohort/reviews/").content.decode()


def test_creating_new_records_for_a_selection_leaves_the_others_open(manager_client, two_kinds):
    _feed, birth, name = two_kinds
    manager_client.post("/cohort/reviews/decide/", {"review": [name.pk], "decision": "different"})
    name.refresh_from_db()
    birth.refresh_from_db()
    assert name.status == ReviewStatus.NEW_PERSON and birth.status == ReviewStatus.OPEN
    created = Child.objects.get(cohort_observations__source_record_id="n-1")
    assert Observation.objects.get(source_record_id="n-1").child == created
    assert not created.involvements.exists()  # known from the feed only: no agency involvement


def test_accepting_every_match_on_the_page_and_a_match_decided_meanwhile(manager_client, two_kinds, partnership):
    _feed, birth, name = two_kinds
    services.resolve_review(partnership.users["manager"], birth, services.Decision.DISMISS)
    response = manager_client.post(
        "/cohort/reviews/decide/", {"shown": [birth.pk, name.pk], "decision": "same_page"}, follow=True
    )
    html = response.content.decode()
    assert "1 decision recorded" in html and "Someone has already decided this match" in html
    assert MatchReview.objects.get(pk=name.pk).status == ReviewStatus.MATCHED
    assert MatchReview.objects.get(pk=birth.pk).status == ReviewStatus.DISMISSED


def test_a_bulk_decision_needs_a_selection_and_a_known_decision(manager_client, two_kinds):
    _feed, birth, _name = two_kinds
    html = manager_client.post("/cohort/reviews/decide/", {"decision": "same"}, follow=True).content.decode()
    assert "Select at least one match" in html
    html = manager_client.post(
        "/cohort/reviews/decide/", {"review": [birth.pk], "decision": "dismiss"}, follow=True
    ).content.decode()
    assert "Choose whether to accept the suggested matches or create new records" in html
    assert MatchReview.objects.filter(status=ReviewStatus.OPEN).count() == 2


def test_another_agencys_review_is_not_decided_in_bulk(client_for, two_kinds, partnership):
    _feed, birth, _name = two_kinds
    FeedImport.objects.update(agency=partnership.agencies["council"])
    response = client_for("manager").post("/cohort/reviews/decide/", {"review": [birth.pk], "decision": "same"})
    assert response.status_code == 302
    assert MatchReview.objects.get(pk=birth.pk).status == ReviewStatus.OPEN


def test_a_review_shows_household_postcode_and_source_side_by_side(manager_client, two_kinds):
    _feed, _birth, name = two_kinds
    html = manager_client.get(f"/cohort/reviews/{name.pk}/").content.decode()
    for text in ("Household", "housing H-77", "Postcode", "ZZ9 9ZZ", "RV2 2BB", "Source systems", "housing"):
        assert text in html


@pytest.mark.parametrize("published_before", [False, True], ids=["first run", "incremental run"])
def test_the_recalculation_a_decision_asks_for_names_who_decided(
    manager_client, two_kinds, partnership, published_before, django_capture_on_commit_callbacks
):
    """The run a decision leads to is the decider's request (the run's page and the audit say who
    asked), whether it is the first whole-city run or an incremental one."""
    from cohorts.models import CohortRun, RunKind, RunTrigger
    from cohorts.services.runs import request_run

    if published_before:
        with django_capture_on_commit_callbacks(execute=True):
            request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL)
        assert CohortRun.objects.current_full() is not None
    _feed, birth, _name = two_kinds
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post("/cohort/reviews/decide/", {"review": [birth.pk], "decision": "same"})
    run = CohortRun.objects.filter(trigger=RunTrigger.FEED).latest("pk")
    assert run.kind == (RunKind.INCREMENTAL if published_before else RunKind.FULL)
    assert run.requested_by == partnership.users["manager"]

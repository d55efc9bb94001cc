"""The data feed pages and API: upload form errors, the feed list and detail (query counts that do
not grow with the data), the decision buttons, the review queue side by side, and API bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from cohorts.models import Observation
from feeds import services
from feeds.models import FeedImport, FeedStatus, MatchReview, ReviewStatus
from tests.feeds_helpers import feed_csv, media, row, upload  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client_for, media):  # noqa: F811
    return client_for("manager")


def post_file(client, content: bytes, name="feed.csv", url="/cohort/feeds/upload/"):
    return client.post(url, {"file": upload(content, name)})


def test_upload_errors_show_in_a_govuk_error_summary(manager_client):
    response = post_file(manager_client, b"")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html and "The selected file is empty" in html
    assert '<a href="#id_file">The selected file is empty</a>' in html
    assert not FeedImport.objects.exists()
    response = manager_client.post("/cohort/feeds/upload/", {})
    assert "Select a CSV file" in response.content.decode()


def test_a_duplicate_upload_links_to_the_earlier_one(manager_client, partnership, django_capture_on_commit_callbacks):
    content = feed_csv([row("r-1", partnership.council_child)])
    with django_capture_on_commit_callbacks(execute=True):
        first = post_file(manager_client, content)
    assert first.status_code == 302
    feed = FeedImport.objects.get()
    response = post_file(manager_client, content, "copy.csv")
    html = response.content.decode()
    assert response.status_code == 400 and "This file was already uploaded on" in html
    assert reverse("feeds:feed_detail", args=[feed.pk]) in html


def make_feeds(partnership, count: int):
    for n in range(count):
        FeedImport.objects.create(
            file="feeds/x.csv",
            original_name=f"feed-{n}.csv",
            size_bytes=10,
            sha256=f"{n:064d}",
            uploaded_by=partnership.users["manager"],
            agency=partnership.agencies["youth_justice"],
            status=FeedStatus.APPLIED,
        )


def test_the_feed_list_query_count_does_not_grow(manager_client, partnership, django_assert_num_queries):
    make_feeds(partnership, 2)
    manager_client.get("/cohort/feeds/")
    with django_assert_num_queries(4) as captured:
        response = manager_client.get("/cohort/feeds/")
    assert response.status_code == 200 and "feed-1.csv" in response.content.decode()
    FeedImport.objects.all().delete()
    make_feeds(partnership, 5)
    with django_assert_num_queries(len(captured)):
        manager_client.get("/cohort/feeds/")


def test_the_feed_list_is_newest_first(manager_client, partnership):
    """The open-review count groups the rows; the list still says newest first and is."""
    make_feeds(partnership, 3)
    now = timezone.now()
    # Upload times out of step with the ids, so the order cannot come from insertion by chance.
    for feed, hours_ago in zip(FeedImport.objects.order_by("pk"), (5, 1, 9), strict=True):
        FeedImport.objects.filter(pk=feed.pk).update(created_at=now - timedelta(hours=hours_ago))
    response = manager_client.get("/cohort/feeds/")
    assert [feed.original_name for feed in response.context["feeds"]] == ["feed-1.csv", "feed-0.csv", "feed-2.csv"]


@pytest.fixture
def feed_with_errors(partnership, django_capture_on_commit_callbacks, media):  # noqa: F811
    rows = [row("ok", partnership.council_child), row("bad", partnership.council_child, indicator_code="nope")]
    with django_capture_on_commit_callbacks(execute=True):
        feed = services.upload_feed(partnership.users["manager"], upload(feed_csv(rows)))
    feed.refresh_from_db()
    return feed


def test_the_feed_detail_offers_the_decision_and_the_error_report(
    manager_client, feed_with_errors, django_assert_num_queries
):
    url = f"/cohort/feeds/{feed_with_errors.pk}/"
    manager_client.get(url)
    with django_assert_num_queries(9):
        response = manager_client.get(url)
    html = response.content.decode()
    assert "1 of 2 rows have errors. Nothing has been applied." in html
    assert "Apply the 1 valid rows" in html and "Do not apply this file" in html
    assert reverse("feeds:feed_errors", args=[feed_with_errors.pk]) in html
    assert AuditEvent.objects.filter(action=AuditAction.READ, object_type="feeds.feedimport").exists()


def test_the_apply_button_applies_the_valid_rows(manager_client, feed_with_errors, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/cohort/feeds/{feed_with_errors.pk}/apply/")
    assert response.status_code == 302
    assert list(Observation.objects.values_list("source_record_id", flat=True)) == ["ok"]


def test_the_progress_fragment_polls_while_running(manager_client, feed_with_errors):
    FeedImport.objects.filter(pk=feed_with_errors.pk).update(status=FeedStatus.VALIDATING, rows_total=10, rows_done=4)
    html = manager_client.get(f"/cohort/feeds/{feed_with_errors.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in html and "Checked 4 of 10 rows." in html
    FeedImport.objects.filter(pk=feed_with_errors.pk).update(status=FeedStatus.APPLIED)
    response = manager_client.get(f"/cohort/feeds/{feed_with_errors.pk}/progress/", headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true" and "hx-trigger" not in response.content.decode()


@pytest.fixture
def review(partnership, django_capture_on_commit_callbacks, media):  # noqa: F811
    child = partnership.council_child
    rows = [row("r-1", child, postcode="ZZ1 1ZZ")]
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_feed(partnership.users["manager"], upload(feed_csv(rows)))
    return MatchReview.objects.get()


def test_the_review_queue_lists_open_matches(manager_client, review, django_assert_num_queries):
    manager_client.get("/cohort/reviews/")
    # The session and user, the feeds with open reviews, the count per kind, the page's count and
    # rows, and the audit rows of the reviews and of their candidates shown beside them.
    with django_assert_num_queries(11):
        response = manager_client.get("/cohort/reviews/")
    assert review.family_name in response.content.decode()


def test_a_review_shows_the_matching_fields_side_by_side_and_is_decided(manager_client, review, partnership):
    child = partnership.council_child
    response = manager_client.get(f"/cohort/reviews/{review.pk}/")
    html = response.content.decode()
    assert "Same name and date of birth at a different postcode" in html
    assert "ZZ1 1ZZ" in html and "RV1 1AA" in html and child.reference in html
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="cases.child", object_id=str(child.pk)
    ).exists()
    response = manager_client.post(f"/cohort/reviews/{review.pk}/", {})
    assert response.status_code == 400 and "Choose whether this is the same person" in response.content.decode()
    response = manager_client.post(f"/cohort/reviews/{review.pk}/", {"decision": "same"})
    assert response.status_code == 302
    assert MatchReview.objects.get().status == ReviewStatus.MATCHED
    assert Observation.objects.get().child == child


# API ------------------------------------------------------------------------------------------------


def test_api_upload_answers_400_with_field_errors(manager_client, partnership):
    url = "/api/v1/cohort/feeds/"
    assert manager_client.post(url, {}).json() == {"file": ["Select a CSV file"]}
    assert manager_client.post(url, {"file": upload(b"")}).json() == {"file": ["The selected file is empty"]}
    bad = manager_client.post(url, {"file": upload(b"a,b\n1,2\n")})
    assert bad.status_code == 400 and bad.json()["file"][0].startswith(
        "The first line of the file must name the columns"
    )
    assert not FeedImport.objects.exists()


def test_api_upload_then_read_and_resolve(manager_client, partnership, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/v1/cohort/feeds/",
            {"file": upload(feed_csv([row("r-1", partnership.council_child, postcode="ZZ1 1ZZ")]))},
        )
    assert response.status_code == 201
    feed_id = response.json()["id"]
    feed = manager_client.get(f"/api/v1/cohort/feeds/{feed_id}/").json()
    assert feed["status"] == "applied" and feed["rows_in_review"] == 1
    again = manager_client.post(
        "/api/v1/cohort/feeds/", {"file": upload(feed_csv([row("r-1", partnership.council_child, postcode="ZZ1 1ZZ")]))}
    )
    assert again.status_code == 400 and again.json()["existing_feed"] == [str(feed_id)]
    reviews = manager_client.get("/api/v1/cohort/reviews/").json()["results"]
    assert reviews[0]["candidate"]["reference"] == partnership.council_child.reference
    bad = manager_client.post(f"/api/v1/cohort/reviews/{reviews[0]['id']}/resolve/", {"decision": "maybe"})
    assert bad.status_code == 400 and bad.json() == {"decision": ["Choose same, different or dismiss"]}
    done = manager_client.post(f"/api/v1/cohort/reviews/{reviews[0]['id']}/resolve/", {"decision": "dismiss"})
    assert done.status_code == 200 and done.json()["status"] == "dismissed"

"""Data feeds and the match review queue (issue 5). Managers only (manage_feeds), and only for the
feeds of their own agencies: the manager (youth justice) sees a feed uploaded for youth justice.
Everyone else gets 404, lists included (one refusal rule, docs/architecture.md)."""

from feeds.models import FeedImport, FeedRow, FeedStatus, MatchReview, RowStatus
from tests.matrix import Expect, expect

FEED_NAME = "matrix-secret-feed.csv"


def make_feed(p, status=FeedStatus.NEEDS_DECISION) -> FeedImport:
    feed = FeedImport.objects.create(
        file="feeds/matrix.csv",
        original_name=FEED_NAME,
        size_bytes=100,
        sha256=f"{FeedImport.objects.count():064d}",
        uploaded_by=p.users["manager"],
        agency=p.agencies["youth_justice"],
        status=status,
        rows_total=2,
        rows_valid=1,
        rows_invalid=1,
    )
    FeedRow.objects.create(feed=feed, line_number=2, given_name="Matrixname", errors="x", status=RowStatus.INVALID)
    return feed


def feed_pk(p):
    return {"pk": make_feed(p).pk}


def review_pk(p):
    feed = make_feed(p, FeedStatus.APPLIED)
    row = FeedRow.objects.create(feed=feed, line_number=3, status=RowStatus.IN_REVIEW)
    review = MatchReview.objects.create(
        feed=feed,
        candidate=p.council_child,
        reason="Same name and date of birth at a different postcode",
        given_name="Reviewgiven",
        family_name="Reviewfamily",
        date_of_birth=p.council_child.date_of_birth,
    )
    review.rows.add(row)
    return {"pk": review.pk}


def feed_name(_p):
    return FEED_NAME


def review_name(_p):
    return "Reviewfamily"


MANAGER = ("manager",)


def api(allowed, **kwargs) -> Expect:
    return expect(allowed, anonymous=403, **kwargs)


ROUTES: dict[str, Expect] = {
    "feeds:feed_list": expect(MANAGER),
    "feeds:feed_upload": expect(MANAGER, status=400, method="post"),
    "feeds:feed_detail": expect(MANAGER, kwargs=feed_pk, must_not_leak=feed_name),
    "feeds:feed_progress": expect(MANAGER, kwargs=feed_pk, must_not_leak=feed_name),
    "feeds:feed_errors": expect(MANAGER, kwargs=feed_pk, must_not_leak=lambda _p: "Matrixname"),
    "feeds:feed_apply": expect(MANAGER, status=302, method="post", kwargs=feed_pk),
    "feeds:feed_reject": expect(MANAGER, status=302, method="post", kwargs=feed_pk),
    # Try again / abandon a stalled import: the manager is sent back to the page (with a message that
    # this feed is not running); anyone else gets 404.
    "feeds:feed_retry": expect(MANAGER, status=302, method="post", kwargs=feed_pk),
    "feeds:feed_abandon": expect(MANAGER, status=302, method="post", kwargs=feed_pk),
    "feeds:review_list": expect(MANAGER),
    "feeds:review_detail": expect(MANAGER, kwargs=review_pk, must_not_leak=review_name),
    # Bulk decisions: the manager is sent back to the queue (nothing selected: a message); others 404.
    "feeds:review_bulk": expect(MANAGER, status=302, method="post"),
    "api:cohort-feed-list": api(MANAGER),
    "api:cohort-feed-detail": api(MANAGER, kwargs=feed_pk, must_not_leak=feed_name),
    "api:cohort-feed-apply": api(MANAGER, status=202, method="post", kwargs=feed_pk),
    "api:cohort-feed-reject": api(MANAGER, method="post", kwargs=feed_pk),
    "api:cohort-feed-retry": api(MANAGER, status=400, method="post", kwargs=feed_pk),
    "api:cohort-feed-abandon": api(MANAGER, status=400, method="post", kwargs=feed_pk),
    "api:cohort-review-list": api(MANAGER),
    "api:cohort-review-detail": api(MANAGER, kwargs=review_pk, must_not_leak=review_name),
    "api:cohort-review-resolve": api(MANAGER, status=400, method="post", kwargs=review_pk),
}

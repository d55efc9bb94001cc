"""Pages for data feeds: upload, progress, the error report, the decision on a file with errors,
'Try again' and 'Abandon' for an import that stopped responding, and the review queue of uncertain
matches. Managers only, for the feeds of their own agencies."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from access import lookups
from cases.models import Adult, Child, FamilyMember
from cases.names import normalise
from cohorts.models import Observation
from feeds import services
from feeds.forms import FeedUploadForm, ReviewDecisionForm
from feeds.models import FeedImport, FeedRow, Household, MatchReview, ReviewStatus, RowStatus
from feeds.services.matching import clean_identifier, normalise_postcode
from jobs import outbox

FEEDS_SHOWN = 50
ERRORS_SHOWN = 20
REVIEWS_PER_PAGE = 25


def _feed(user, pk: int) -> FeedImport:
    """The feed if this user manages its agency; otherwise 404 (refusal audited)."""
    feeds = FeedImport.objects.visible_to(user).select_related("uploaded_by", "agency", "abandoned_by")
    return lookups.get_or_404(user, feeds, pk)


def _feed_list(request: HttpRequest, form: FeedUploadForm, duplicate: FeedImport | None = None, status=200):
    feeds = list(
        FeedImport.objects.visible_to(request.user)
        .select_related("uploaded_by", "agency")
        .annotate(open_reviews=Count("reviews", filter=Q(reviews__status=ReviewStatus.OPEN)))
        # A count's GROUP BY drops the model's default ordering: newest first is said again here.
        .order_by("-created_at", "-id")[:FEEDS_SHOWN]
    )
    return render(
        request,
        "feeds/feed_list.html",
        {"feeds": feeds, "form": form, "duplicate": duplicate, "running": services.RUNNING},
        status=status,
    )


@login_required
def feed_list(request: HttpRequest) -> HttpResponse:
    lookups.require_or_404(request.user, "manage_feeds")
    return _feed_list(request, FeedUploadForm())


@login_required
@require_POST
def feed_upload(request: HttpRequest) -> HttpResponse:
    lookups.require_or_404(request.user, "upload_feeds")
    form = FeedUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            feed = services.upload_feed(request.user, form.cleaned_data["file"])
        except services.DuplicateFeed as error:
            form.add_error("file", error.message_dict["file"][0])
            return _feed_list(request, form, duplicate=error.existing, status=400)
        except ValidationError as error:
            for message in error.message_dict.get("file", error.messages):
                form.add_error("file", message)
            return _feed_list(request, form, status=400)
        messages.success(request, "File uploaded: it is being checked")
        return redirect("feeds:feed_detail", pk=feed.pk)
    return _feed_list(request, form, status=400)


def _row_counts(feed: FeedImport) -> list[tuple[str, int]]:
    return [
        ("Rows in the file", feed.rows_total),
        ("Rows with errors", feed.rows_invalid),
        ("Rows applied", feed.rows_applied),
        ("Rows imported before (no change)", feed.rows_already_known),
        ("Rows waiting for a match decision", feed.rows_in_review),
        ("People matched to existing records", feed.people_matched),
        ("New people recorded", feed.people_created),
    ]


@login_required
def feed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request.user, pk)
    lookups.note_read(request.user, feed)
    open_reviews = feed.reviews.filter(status=ReviewStatus.OPEN).count()
    # The first rows at fault, so the uploader can read what is wrong without opening the report.
    row_errors = list(
        feed.rows.filter(status=RowStatus.INVALID)
        .order_by("line_number")
        .only("line_number", "source_record_id", "errors")[:ERRORS_SHOWN]
    )
    return render(
        request,
        "feeds/feed_detail.html",
        {
            "feed": feed,
            "row_errors": row_errors,
            "errors_shown": ERRORS_SHOWN,
            "counts": _row_counts(feed),
            "running": feed.status in services.RUNNING,
            "stalled": services.is_stalled(feed),
            "paused_since": outbox.paused_since() if feed.status in services.RUNNING else None,
            "stall_minutes": settings.FEED_STALL_MINUTES,
            "open_reviews": open_reviews,
        },
    )


@login_required
def feed_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the detail page polls (htmx) while the import runs."""
    feed = _feed(request.user, pk)
    running = feed.status in services.RUNNING
    stalled = services.is_stalled(feed)
    paused_since = outbox.paused_since() if running else None
    response = render(
        request,
        "feeds/_progress.html",
        {"feed": feed, "running": running, "stalled": stalled, "paused_since": paused_since},
    )
    if (stalled or not running) and request.headers.get("HX-Request"):
        # Show the finished page with its summary and buttons, or the 'stopped responding' banner.
        response["HX-Refresh"] = "true"
    return response


class _Echo:
    def write(self, value):
        return value


@login_required
def feed_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The row-level error report: line, the values as sent, and what is wrong, as CSV."""
    feed = _feed(request.user, pk)
    lookups.exported(request.user, FeedRow, services.invalid_row_ids(feed), what=f"feed {feed.pk} error report")
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in services.error_report_rows(feed)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="feed-{feed.pk}-errors.csv"'
    return response


@login_required
@require_POST
def feed_apply(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request.user, pk)
    try:
        services.choose_apply_valid(request.user, feed)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Applying the {feed.rows_valid} valid rows")
    return redirect("feeds:feed_detail", pk=feed.pk)


@login_required
@require_POST
def feed_reject(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request.user, pk)
    try:
        services.reject_feed(request.user, feed)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "The file was not applied. Correct it and upload it again.")
    return redirect("feeds:feed_detail", pk=feed.pk)


# An import that stopped responding (feeds.services.recovery): POST only, from the banner on the
# feed's page.


def _act(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    feed = lookups.get_or_404(request.user, FeedImport, pk)
    try:
        action(request.user, feed)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, success)
    return redirect("feeds:feed_detail", pk=feed.pk)


@login_required
@require_POST
def feed_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.retry_feed, "The import was queued again")


@login_required
@require_POST
def feed_abandon(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.abandon_feed,
        "The import was abandoned. Nothing was applied: you can upload the file again.",
    )


# Review queue ------------------------------------------------------------------------------------


IDENTIFIER_FILTERS = (
    ("upn", "Unique pupil number"),
    ("nhs_number", "NHS number"),
    ("police_id", "Police reference"),
    ("none", "No identifier"),
)
REVIEW_FILTERS = ("kind", "feed", "identifier")


def _review_filters(request: HttpRequest, feed_ids: set[int]) -> dict[str, Any]:
    """The review queue's filters from the query string; anything not offered is ignored."""
    chosen: dict[str, Any] = {}
    kind = request.GET.get("kind", "")
    if kind in services.ReviewKind.LABELS:
        chosen["kind"] = kind
    try:
        feed = int(request.GET.get("feed", ""))
    except ValueError:
        feed = 0
    if feed in feed_ids:
        chosen["feed"] = feed
    identifier = request.GET.get("identifier", "")
    if identifier in dict(IDENTIFIER_FILTERS):
        chosen["identifier"] = identifier
    return chosen


def _with_identifier(reviews, identifier: str):
    """Reviews whose rows give this kind of identifier ('none': rows that give none)."""
    rows = FeedRow.objects.filter(reviews=OuterRef("pk"))
    if identifier == "none":
        return reviews.exclude(Exists(rows.exclude(upn="", nhs_number="", police_id="")))
    return reviews.filter(Exists(rows.exclude(**{identifier: ""})))


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The open reviews, grouped by the kind of doubt (a count per kind), filtered by kind, feed and
    identifier kind, each beside its candidate's matching fields, with bulk decisions."""
    lookups.require_or_404(request.user, "manage_feeds")
    feeds = list(
        FeedImport.objects.visible_to(request.user)
        .annotate(open_reviews=Count("reviews", filter=Q(reviews__status=ReviewStatus.OPEN)))
        .filter(open_reviews__gt=0)
        .only("pk", "original_name", "created_at")
        .order_by("-created_at", "-id")
    )
    chosen = _review_filters(request, {feed.pk for feed in feeds})
    reviews = MatchReview.objects.visible_to(request.user).filter(status=ReviewStatus.OPEN)
    if "feed" in chosen:
        reviews = reviews.filter(feed_id=chosen["feed"])
    if "identifier" in chosen:
        reviews = _with_identifier(reviews, chosen["identifier"])
    reviews = reviews.annotate(kind=services.review_kind())
    counts = {row["kind"]: row["n"] for row in reviews.order_by().values("kind").annotate(n=Count("id"))}
    groups = [
        {"kind": kind, "label": label, "count": counts[kind], "current": chosen.get("kind") == kind}
        for kind, label in services.ReviewKind.CHOICES
        if counts.get(kind)
    ]
    if "kind" in chosen:
        reviews = reviews.filter(kind=chosen["kind"])
    reviews = (
        reviews.select_related("feed", "candidate", "candidate_adult")
        .annotate(row_count=Count("rows"))
        .order_by("kind", "created_at", "id")
    )
    page = lookups.page_of(
        request.user, reviews, request.GET.get("page"), per_page=REVIEWS_PER_PAGE, what="feed match reviews"
    )
    # Each review is shown beside its candidate's matching fields: the candidates (children and
    # adults) were shown too.
    lookups.shown(
        request.user,
        Child,
        [review.candidate_id for review in page.object_list if not review.is_adult],
        what="feed match review candidates",
        adults=[review.candidate_adult_id for review in page.object_list if review.is_adult],
    )
    for review in page.object_list:
        review.kind_label = services.ReviewKind.LABELS[review.kind]
        review.same_name = normalise(f"{review.given_name} {review.family_name}") == normalise(
            f"{review.match.given_name} {review.match.family_name}"
        )
    query = urlencode({name: chosen[name] for name in REVIEW_FILTERS if name in chosen})
    return render(
        request,
        "feeds/review_list.html",
        {
            "page": page,
            "reviews": page.object_list,
            "groups": groups,
            "total": sum(counts.values()),
            "feeds": feeds,
            "kinds": services.ReviewKind.CHOICES,
            "identifiers": IDENTIFIER_FILTERS,
            "chosen": chosen,
            "query": query,
        },
    )


@login_required
@require_POST
def review_bulk(request: HttpRequest) -> HttpResponse:
    """Bulk decisions from the review queue: the selected matches (or every one on the page) accepted
    as suggested, or new records for them; each decided and audited as one would be."""
    lookups.require_or_404(request.user, "manage_feeds")
    decision = request.POST.get("decision", "")
    if decision.endswith("_page"):
        decision, chosen = decision.removesuffix("_page"), request.POST.getlist("shown")
    else:
        chosen = request.POST.getlist("review")
    ids = [int(value) for value in chosen if value.isdigit()]
    try:
        outcome = services.resolve_reviews(request.user, ids, decision)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if outcome.decided:
            messages.success(request, f"{outcome.decided} decision{'s' if outcome.decided != 1 else ''} recorded")
        for problem in outcome.problems[:10]:
            messages.error(request, problem)
    # Back to the same filters (only the known ones, rebuilt, never a URL from the form as sent).
    back = QueryDict(request.POST.get("query", ""))
    query = urlencode({name: back[name] for name in REVIEW_FILTERS if back.get(name)})
    return redirect(f"{reverse('feeds:review_list')}{'?' + query if query else ''}")


def compare(
    review: MatchReview,
    candidate: Child | Adult,
    feed_identifiers: dict,
    postcodes: list[str],
    households: tuple[set[str], set[str]] = (set(), set()),
    sources: tuple[set[str], set[str]] = (set(), set()),
) -> list[dict]:
    """The matching fields side by side, and whether each agrees: name, date of birth, postcode, the
    identifiers, and (feed, record) households ("system reference") and source systems."""

    def agree(ours, theirs):
        if not ours or not theirs:
            return None
        return ours == theirs

    from cases.names import normalise

    rows = [
        {
            "label": "Name",
            "feed": f"{review.given_name} {review.family_name}",
            "record": f"{candidate.given_name} {candidate.family_name}",
            "agrees": normalise(f"{review.given_name} {review.family_name}")
            == normalise(f"{candidate.given_name} {candidate.family_name}"),
        },
        {
            "label": "Date of birth",
            "feed": review.date_of_birth,
            "record": candidate.date_of_birth,
            "agrees": review.date_of_birth == candidate.date_of_birth,
        },
        {
            "label": "Postcode",
            "feed": review.postcode,
            "record": ", ".join(postcodes),
            "agrees": (
                normalise_postcode(review.postcode) in {normalise_postcode(p) for p in postcodes}
                if review.postcode and postcodes
                else None
            ),
        },
    ]
    for field, label in (
        ("upn", "Unique pupil number"),
        ("nhs_number", "NHS number"),
        ("police_id", "Police reference"),
    ):
        ours = feed_identifiers.get(field, "")
        theirs = getattr(candidate, field)
        rows.append({"label": label, "feed": ours, "record": theirs, "agrees": agree(ours, clean_identifier(theirs))})
    for label, (ours_set, theirs_set) in (("Household", households), ("Source systems", sources)):
        rows.append(
            {
                "label": label,
                "feed": ", ".join(sorted(ours_set)),
                "record": ", ".join(sorted(theirs_set)),
                "agrees": bool(ours_set & theirs_set) if ours_set and theirs_set else None,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One uncertain match side by side. Only the fields used for matching are shown of the
    candidate (not their case record, which the manager may not be allowed to see); opening it
    is audited as a read of that child (or adult)."""
    reviews = MatchReview.objects.visible_to(request.user).select_related(
        "feed", "candidate", "candidate_adult", "resolved_by"
    )
    review = lookups.get_or_404(request.user, reviews, pk)
    form = ReviewDecisionForm()
    status = 200
    if request.method == "POST":
        form = ReviewDecisionForm(request.POST)
        if form.is_valid():
            try:
                services.resolve_review(request.user, review, form.cleaned_data["decision"])
            except ValidationError as error:
                for message in error.message_dict.get("decision", error.messages):
                    form.add_error("decision", message)
            else:
                messages.success(request, "Decision recorded")
                return redirect("feeds:review_list")
        status = 400
    candidate = review.match
    lookups.note_read(request.user, candidate, basis="feed match review")
    # The candidate's side: a child's families and observations, or an adult's.
    whose = "adult" if review.is_adult else "child"
    rows = list(review.rows.order_by("line_number"))
    identifiers = {}
    for row in rows:
        for field in ("upn", "nhs_number", "police_id"):
            if getattr(row, field) and field not in identifiers:
                identifiers[field] = clean_identifier(getattr(row, field))
    postcodes = sorted(
        {
            postcode
            for postcode in FamilyMember.objects.filter(**{whose: candidate}).values_list("family__postcode", flat=True)
            if postcode
        }
    )
    # The households the feed names and those the candidate's families are known by, and the source
    # systems of each side (the candidate's: of its observations).
    feed_households = {f"{row.source_system} {row.household_ref}" for row in rows if row.household_ref}
    record_households = {
        f"{system} {ref}"
        for system, ref in Household.objects.filter(**{f"family__members__{whose}": candidate}).values_list(
            "source_system", "household_ref"
        )[:20]
    }
    record_sources = set(
        Observation.objects.filter(**{whose: candidate})
        .order_by()
        .values_list("source_system", flat=True)
        .distinct()[:20]
    )
    return render(
        request,
        "feeds/review_detail.html",
        {
            "review": review,
            "candidate": candidate,
            "comparison": compare(
                review,
                candidate,
                identifiers,
                postcodes,
                (feed_households, record_households),
                ({row.source_system for row in rows}, record_sources),
            ),
            "rows": rows,
            "form": form,
            "is_open": review.status == ReviewStatus.OPEN,
            "row_status": RowStatus,
        },
        status=status,
    )

"""/api/v1/cohort/feeds/ and /api/v1/cohort/reviews/: upload a data feed (multipart, field `file`),
follow its import, apply its valid rows or refuse it, and decide uncertain matches. Managers only,
for the feeds of their own agencies; everyone else gets 404 (docs/architecture.md, one refusal rule)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups
from access.api import AccessViewSet
from cases.models import Adult
from feeds import services
from feeds.models import FeedImport, MatchReview, ReviewStatus
from safeguarding.api import (
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainSerializer,
    UserSummarySerializer,
    created,
    field_errors,
)


class FeedSerializer(PlainModelSerializer):
    uploaded_by = UserSummarySerializer(read_only=True)
    agency = serializers.CharField(source="agency.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    error_report = serializers.SerializerMethodField()
    stalled = serializers.SerializerMethodField()
    abandoned_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = FeedImport
        fields = [
            "id",
            "original_name",
            "size_bytes",
            "sha256",
            "uploaded_by",
            "agency",
            "status",
            "status_label",
            "rows_total",
            "rows_done",
            "rows_valid",
            "rows_invalid",
            "rows_applied",
            "rows_already_known",
            "rows_in_review",
            "people_matched",
            "people_created",
            "apply_valid_rows",
            "message",
            "created_at",
            "finished_at",
            "duration_ms",
            "error_report",
            "progress_at",
            "stalled",
            "abandoned_by",
            "abandoned_at",
        ]
        read_only_fields = fields

    def get_error_report(self, feed: FeedImport) -> str | None:
        """Where to download the row-level error report (CSV), when rows have errors."""
        return reverse("feeds:feed_errors", args=[feed.pk]) if feed.rows_invalid else None

    def get_stalled(self, feed: FeedImport) -> bool:
        """True when the import has stopped responding: running, with no progress for
        FEED_STALL_MINUTES. Then POST .../retry/ or .../abandon/."""
        return services.is_stalled(feed)


class FeedUploadSerializer(PlainSerializer):
    file = serializers.FileField(
        allow_empty_file=True,
        error_messages={"required": "Select a CSV file", "invalid": "Select a CSV file"},
        help_text="The CSV extract (UTF-8, header exactly as in docs/feeds.md).",
    )


class ReviewSerializer(PlainModelSerializer):
    feed = serializers.PrimaryKeyRelatedField(read_only=True)
    candidate = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    rows = serializers.SerializerMethodField()

    class Meta:
        model = MatchReview
        fields = [
            "id",
            "feed",
            "reason",
            "given_name",
            "family_name",
            "date_of_birth",
            "postcode",
            "candidate",
            "rows",
            "status",
            "status_label",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_candidate(self, review: MatchReview) -> dict:
        """Only the fields used for matching, not the person's case record: a child (`kind`
        "child", with its reference) or an adult of a household ("adult", no reference)."""
        person = review.match
        born = person.date_of_birth
        return {
            "kind": "adult" if review.is_adult else "child",
            "reference": "" if isinstance(person, Adult) else person.reference,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": born.isoformat() if born else None,
            "upn": person.upn,
            "nhs_number": person.nhs_number,
            "police_id": person.police_id,
        }

    def get_rows(self, review: MatchReview) -> list[dict]:
        return [
            {"line_number": row.line_number, "indicator_code": row.indicator_code, "observed_on": row.observed_on}
            for row in review.rows.all()
        ]


class ResolveSerializer(PlainSerializer):
    decision = serializers.ChoiceField(
        choices=[choice for choice, _label in services.Decision.CHOICES],
        error_messages={
            "required": "Choose whether this is the same person",
            "invalid_choice": "Choose same, different or dismiss",
        },
        help_text="same: apply the rows to the candidate; different: create a new record; dismiss: apply nothing.",
    )


class _FeedsViewSet(AccessViewSet):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Feeds are for managers: everyone else gets 404, as for anything they may not see.
        lookups.require_or_404(request.user, "manage_feeds")

    def handle_exception(self, exc):
        if isinstance(exc, services.DuplicateFeed):
            body = field_errors(exc)
            body["existing_feed"] = [str(exc.existing.pk)]
            return Response(body, status=400)
        return super().handle_exception(exc)


@extend_schema_view(
    list=extend_schema(
        summary="Data feeds uploaded for your agencies",
        responses={200: FeedSerializer(many=True), 404: NOT_FOUND_RESPONSE},
    ),
    retrieve=extend_schema(
        summary="A data feed and its import progress", responses={200: FeedSerializer, 404: NOT_FOUND_RESPONSE}
    ),
    create=extend_schema(
        summary="Upload a data feed (multipart/form-data, field `file`); the import is queued",
        request={"multipart/form-data": FeedUploadSerializer},
        responses={201: FeedSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class FeedViewSet(_FeedsViewSet):
    model = FeedImport
    serializer_class = FeedSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return FeedImport.objects.visible_to(self.request.user).select_related("uploaded_by", "agency", "abandoned_by")

    def lookup_queryset(self):
        return self.get_queryset()

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(FeedSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        feed = self.read(pk)
        return Response(FeedSerializer(feed).data)

    def create(self, request: Request) -> Response:
        upload = FeedUploadSerializer(data=request.data)
        if not upload.is_valid():
            return self.invalid(upload)
        feed = services.upload_feed(request.user, upload.validated_data["file"])
        return created(feed, FeedSerializer(feed).data, reverse("api:cohort-feed-detail", args=[feed.pk]))

    @extend_schema(
        summary="Apply the valid rows of a feed with errors (queues the job)",
        request=None,
        responses={202: FeedSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk=None) -> Response:
        feed = self.find(pk)
        feed = services.choose_apply_valid(request.user, feed)
        return Response(FeedSerializer(feed).data, status=202)

    @extend_schema(
        summary="Do not apply a feed with errors",
        request=None,
        responses={200: FeedSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk=None) -> Response:
        feed = self.find(pk)
        feed = services.reject_feed(request.user, feed)
        return Response(FeedSerializer(feed).data)

    @extend_schema(
        summary="Try again an import that stopped responding (queues the job again)",
        description="Only for a running import with no progress for FEED_STALL_MINUTES (`stalled` is true); "
        "400 otherwise.",
        request=None,
        responses={202: FeedSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk=None) -> Response:
        feed = self.find(pk)
        feed = services.retry_feed(request.user, feed)
        return Response(FeedSerializer(self.find(feed.pk)).data, status=202)

    @extend_schema(
        summary="Abandon an import that stopped responding: marked failed, so the file can be uploaded again",
        description="Only for a running import with no progress for FEED_STALL_MINUTES (`stalled` is true); "
        "400 otherwise.",
        request=None,
        responses={200: FeedSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def abandon(self, request: Request, pk=None) -> Response:
        feed = self.find(pk)
        feed = services.abandon_feed(request.user, feed)
        return Response(FeedSerializer(self.find(feed.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Uncertain matches waiting for a decision",
        responses={200: ReviewSerializer(many=True), 404: NOT_FOUND_RESPONSE},
    ),
    retrieve=extend_schema(
        summary="An uncertain match, with the candidate's matching fields",
        responses={200: ReviewSerializer, 404: NOT_FOUND_RESPONSE},
    ),
)
class ReviewViewSet(_FeedsViewSet):
    model = MatchReview
    serializer_class = ReviewSerializer

    def get_queryset(self):
        return (
            MatchReview.objects.visible_to(self.request.user)
            .select_related("candidate", "candidate_adult")
            .prefetch_related("rows")
        )

    def lookup_queryset(self):
        return self.get_queryset()

    def note_read(self, review):
        lookups.note_read(self.request.user, review.match, basis="feed match review")

    def list(self, request: Request) -> Response:
        open_reviews = self.get_queryset().filter(status=ReviewStatus.OPEN).order_by("created_at", "id")
        page = self.page(open_reviews, what="api feed match reviews")
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        review = self.read(pk)
        return Response(ReviewSerializer(review).data)

    @extend_schema(
        summary="Decide an uncertain match",
        request=ResolveSerializer,
        responses={200: ReviewSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk=None) -> Response:
        review = self.find(pk)
        decision = ResolveSerializer(data=request.data)
        if not decision.is_valid():
            return self.invalid(decision)
        try:
            review = services.resolve_review(request.user, review, decision.validated_data["decision"])
        except DjangoValidationError as error:
            return Response(field_errors(error), status=400)
        return Response(ReviewSerializer(self.find(review.pk)).data)


ROUTES = [
    ("cohort/feeds", FeedViewSet, "cohort-feed"),
    ("cohort/reviews", ReviewViewSet, "cohort-review"),
]

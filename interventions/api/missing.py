"""/api/v1/missing-episodes/: missing episodes of the young people you may see (newest first),
report one (`child`, `reported_missing_at`, `risk_grading`, ...), record the return at
.../return/ and the return home interview at .../interview/ (once per episode). Hidden records
answer 404; a role that may see the young person but not record about them gets 403."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import policy
from access.api import AccessViewSet, VisibleRecordField
from cases.models import Child
from interventions.models import InterviewOutcome, MissingEpisode, ReturnHomeInterview, RiskGrading
from interventions.queries_missing import EPISODE_RELATED
from interventions.services import missing as services
from safeguarding.api import (
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainSerializer,
    created,
    forbidden,
    path_id,
)

CANNOT = "You cannot record missing episodes for this young person."


class InterviewSerializer(PlainModelSerializer):
    completed_within_72_hours = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReturnHomeInterview
        fields = [
            "offered_at",
            "conducted_by",
            "outcome",
            "held_at",
            "young_person_said",
            "push_factors",
            "pull_factors",
            "follow_up_actions",
            "completed_within_72_hours",
        ]


class MissingEpisodeSerializer(PlainModelSerializer):
    interview = serializers.SerializerMethodField()
    interview_due_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = MissingEpisode
        fields = [
            "id",
            "child",
            "reported_missing_at",
            "risk_grading",
            "police_reference",
            "circumstances",
            "returned_at",
            "where_found",
            "interview_due_at",
            "interview",
        ]
        read_only_fields = fields

    def get_interview(self, episode: MissingEpisode) -> dict | None:
        interview = getattr(episode, "interview", None)
        return InterviewSerializer(interview).data if interview is not None else None


class EpisodeCreateSerializer(PlainSerializer):
    child = VisibleRecordField(Child, "Choose a young person you can see")
    reported_missing_at = serializers.DateTimeField()
    risk_grading = serializers.ChoiceField(choices=RiskGrading.choices)
    police_reference = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    circumstances = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReturnSerializer(PlainSerializer):
    returned_at = serializers.DateTimeField()
    where_found = serializers.CharField(max_length=300)


class InterviewCreateSerializer(PlainSerializer):
    offered_at = serializers.DateTimeField()
    conducted_by = serializers.CharField(max_length=200)
    outcome = serializers.ChoiceField(choices=InterviewOutcome.choices)
    held_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    young_person_said = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    push_factors = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    pull_factors = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    follow_up_actions = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Missing episodes you may see, newest first"),
    retrieve=extend_schema(
        summary="A missing episode with its return home interview",
        responses={200: MissingEpisodeSerializer, 404: NOT_FOUND_RESPONSE},
    ),
    create=extend_schema(
        summary="Report a young person missing",
        request=EpisodeCreateSerializer,
        responses={201: MissingEpisodeSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
    ),
)
class MissingEpisodeViewSet(AccessViewSet):
    model = MissingEpisode
    serializer_class = MissingEpisodeSerializer
    select_related = EPISODE_RELATED

    def get_queryset(self):
        return super().get_queryset().select_related(*EPISODE_RELATED)

    def list(self, request: Request) -> Response:
        page = self.page(self.get_queryset(), what="api missing episodes")
        return self.get_paginated_response(MissingEpisodeSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MissingEpisodeSerializer(self.read(pk)).data)

    def create(self, request: Request) -> Response:
        serializer = EpisodeCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        child = fields.pop("child")
        if not policy.can(request.user, "change_child", child):
            return forbidden(CANNOT)
        episode = services.report_missing(request.user, child, **fields)
        data = MissingEpisodeSerializer(episode).data
        return created(episode, data, reverse("api:missing-episode-detail", args=[episode.pk]))

    def _changeable(self, pk: str) -> MissingEpisode | Response:
        episode = self.find(pk)
        if not policy.can(self.request.user, "change_child", episode.child):
            return forbidden(CANNOT)
        return episode

    @extend_schema(
        summary="Record when and where the young person was found or returned (once)",
        parameters=[path_id("id", "Id of the missing episode.")],
        request=ReturnSerializer,
        responses={
            200: MissingEpisodeSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def record_return(self, request: Request, pk: str) -> Response:
        episode = self._changeable(pk)
        if isinstance(episode, Response):
            return episode
        serializer = ReturnSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        services.record_return(request.user, episode, **serializer.validated_data)
        return Response(MissingEpisodeSerializer(self.find(pk)).data)

    @extend_schema(
        summary="Record the return home interview (once per episode)",
        parameters=[path_id("id", "Id of the missing episode.")],
        request=InterviewCreateSerializer,
        responses={
            200: MissingEpisodeSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"])
    def interview(self, request: Request, pk: str) -> Response:
        episode = self._changeable(pk)
        if isinstance(episode, Response):
            return episode
        serializer = InterviewCreateSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        services.record_interview(request.user, episode, **serializer.validated_data)
        return Response(MissingEpisodeSerializer(self.find(pk)).data)


ROUTES = [("missing-episodes", MissingEpisodeViewSet, "missing-episode")]

"""/api/v1/mentoring/: mentors (for their coordinator), referrals to mentoring (a worker who can
see a young person refers them), matches (started and ended by the coordinator; a match grants
the mentor that one young person), sessions (logged by the mentor) and the report for a date
range. Same rules as the rest of the API (access/api.py): hidden records answer 404, bad input
400 with field errors and nothing saved."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet, VisibleRecordField
from cases.models import Child
from mentoring import queries, services
from mentoring.models import (
    EndReason,
    Match,
    Mentor,
    MentoringReferral,
    MentoringSession,
    Mood,
    PlaceType,
)
from safeguarding.api import (
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainQuerySerializer,
    PlainSerializer,
    created,
    forbidden,
)


class MentorSerializer(PlainModelSerializer[Mentor]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    dbs_expires_on = serializers.DateField(read_only=True)

    class Meta:
        model = Mentor
        fields = [
            "id",
            "given_name",
            "family_name",
            "status",
            "status_label",
            "status_changed_on",
            "area",
            "gender",
            "languages",
            "interests",
            "availability",
            "capacity",
            "dbs_checked_on",
            "dbs_outcome",
            "dbs_update_service",
            "dbs_expires_on",
            "interviewed_on",
        ]
        read_only_fields = fields


class MentoringReferralSerializer(PlainModelSerializer[MentoringReferral]):
    child = VisibleRecordField(Child, "Choose a young person you can see")

    class Meta:
        model = MentoringReferral
        fields = [
            "id",
            "child",
            "agency",
            "referred_on",
            "reason",
            "goals",
            "preferences",
            "preferred_gender",
            "area",
            "interests",
            "languages",
            "preferred_name",
            "status",
            "preparation_started_on",
        ]
        read_only_fields = ["id", "referred_on", "status", "preparation_started_on"]
        extra_kwargs = {
            "agency": {
                "error_messages": {"does_not_exist": "Choose a mentoring network", "null": "Choose a mentoring network"}
            },
            "reason": {"error_messages": {"blank": "Enter why mentoring would help this young person"}},
            "goals": {"error_messages": {"blank": "Enter what the young person hopes to get from mentoring"}},
        }


class MentoringMatchSerializer(PlainModelSerializer[Match]):
    class Meta:
        model = Match
        fields = ["id", "referral", "mentor", "child", "started_on", "ended_on", "end_reason", "suitability_notes"]
        read_only_fields = fields


class MentoringMatchCreateSerializer(PlainSerializer[Any]):
    referral = VisibleRecordField(MentoringReferral, "Choose a young person on your waiting list")
    mentor = VisibleRecordField(Mentor, "Choose one of your mentors")
    started_on = serializers.DateField()
    suitability_notes = serializers.CharField(max_length=3000)


class MentoringMatchEndSerializer(PlainSerializer[Any]):
    ended_on = serializers.DateField()
    end_reason = serializers.ChoiceField(choices=EndReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MentoringSessionSerializer(PlainModelSerializer[MentoringSession]):
    match = VisibleRecordField(Match, "Choose one of your young people")
    place_type = serializers.ChoiceField(choices=PlaceType.choices)
    mood = serializers.ChoiceField(choices=Mood.choices, required=False, allow_null=True)

    class Meta:
        model = MentoringSession
        fields = ["id", "match", "held_on", "duration_minutes", "activity", "place_type", "attended", "mood", "note"]
        read_only_fields = ["id"]


class MentoringPeriodSerializer(PlainQuerySerializer[Any]):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The last day must be on or after the first day"]})
        return attrs


@extend_schema_view(
    list=extend_schema(summary="Your mentoring network's mentors", responses={200: MentorSerializer(many=True)}),
    retrieve=extend_schema(summary="A mentor", responses={200: MentorSerializer, 404: NOT_FOUND_RESPONSE}),
)
class MentorViewSet(AccessViewSet):
    """For mentoring coordinators: everyone else gets 404."""

    model = Mentor
    serializer_class = MentorSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Mentor.objects.none()
        lookups.require_or_404(self.request.user, "coordinate_mentoring")
        return super().get_queryset().order_by("family_name", "given_name", "id")

    def lookup_queryset(self) -> Any:
        return self.get_queryset()

    def list(self, request: Request) -> Response:
        rows = self.page(self.get_queryset(), what="api mentors")
        return self.get_paginated_response(MentorSerializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MentorSerializer(self.read(pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Referrals to mentoring you may see", responses={200: MentoringReferralSerializer(many=True)}
    ),
    retrieve=extend_schema(
        summary="A referral to mentoring", responses={200: MentoringReferralSerializer, 404: NOT_FOUND_RESPONSE}
    ),
    create=extend_schema(
        summary="Refer a young person you can see to a mentoring network",
        request=MentoringReferralSerializer,
        responses={201: MentoringReferralSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
    ),
)
class MentoringReferralViewSet(AccessViewSet):
    model = MentoringReferral
    serializer_class = MentoringReferralSerializer

    def list(self, request: Request) -> Response:
        rows = self.page(self.get_queryset().order_by("referred_on", "id"), what="api mentoring referrals")
        return self.get_paginated_response(
            MentoringReferralSerializer(rows, many=True, context=self.get_serializer_context()).data
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MentoringReferralSerializer(self.read(pk), context=self.get_serializer_context()).data)

    def create(self, request: Request) -> Response:
        serializer = MentoringReferralSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = dict(serializer.validated_data)
        referral = services.refer(request.user, data.pop("child"), **data)
        body = MentoringReferralSerializer(referral, context=self.get_serializer_context()).data
        return created(referral, body, reverse("api:mentoring-referral-detail", args=[referral.pk]))


@extend_schema_view(
    list=extend_schema(summary="Matches you may see", responses={200: MentoringMatchSerializer(many=True)}),
    retrieve=extend_schema(summary="A match", responses={200: MentoringMatchSerializer, 404: NOT_FOUND_RESPONSE}),
    create=extend_schema(
        summary="Start a match: the mentor is granted access to that one young person",
        request=MentoringMatchCreateSerializer,
        responses={201: MentoringMatchSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
    ),
)
class MentoringMatchViewSet(AccessViewSet):
    model = Match
    serializer_class = MentoringMatchSerializer
    error_renames = {"reason": "end_reason"}

    def list(self, request: Request) -> Response:
        rows = self.page(self.get_queryset().order_by("-started_on", "-id"), what="api mentoring matches")
        return self.get_paginated_response(MentoringMatchSerializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MentoringMatchSerializer(self.read(pk)).data)

    def create(self, request: Request) -> Response:
        serializer = MentoringMatchCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = dict(serializer.validated_data)
        match = services.start_match(request.user, data.pop("referral"), data.pop("mentor"), **data)
        return created(
            match, MentoringMatchSerializer(match).data, reverse("api:mentoring-match-detail", args=[match.pk])
        )

    @extend_schema(
        summary="End a match: the mentor's access to the young person ends at once",
        request=MentoringMatchEndSerializer,
        responses={
            200: MentoringMatchSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        match = self.find(pk)
        if not policy.can(request.user, "coordinate_mentoring"):
            return forbidden("Only a mentoring coordinator can end a match.")
        serializer = MentoringMatchEndSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = dict(serializer.validated_data)
        ended = services.end_match(request.user, match, reason=data.pop("end_reason"), **data)
        return Response(MentoringMatchSerializer(ended).data)


@extend_schema_view(
    list=extend_schema(
        summary="Mentoring sessions you may see", responses={200: MentoringSessionSerializer(many=True)}
    ),
    create=extend_schema(
        summary="Log a session with one of your young people",
        request=MentoringSessionSerializer,
        responses={201: MentoringSessionSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
    ),
)
class MentoringSessionViewSet(AccessViewSet):
    model = MentoringSession
    serializer_class = MentoringSessionSerializer

    def list(self, request: Request) -> Response:
        rows = self.page(self.get_queryset().order_by("-held_on", "-id"), what="api mentoring sessions")
        return self.get_paginated_response(
            MentoringSessionSerializer(rows, many=True, context=self.get_serializer_context()).data
        )

    def create(self, request: Request) -> Response:
        serializer = MentoringSessionSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = dict(serializer.validated_data)
        match = Match.objects.select_related("mentor").get(pk=data.pop("match").pk)
        session = services.log_session(request.user, match, **data)
        return created(session, MentoringSessionSerializer(session, context=self.get_serializer_context()).data, "")


class MentoringReportViewSet(AccessViewSet):
    """The mentoring report for a date range (coordinators only)."""

    model = MentoringReferral
    serializer_class = MentoringPeriodSerializer

    @extend_schema(
        summary="Mentoring figures for a date range",
        parameters=[MentoringPeriodSerializer],
        responses={200: dict, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    def list(self, request: Request) -> Response:
        lookups.require_or_404(request.user, "coordinate_mentoring")
        period = MentoringPeriodSerializer(data=request.query_params)
        if not period.is_valid():
            return self.invalid(period)
        figures = queries.report(request.user, period.validated_data["start"], period.validated_data["end"])
        return Response(
            {
                "start": figures.start,
                "end": figures.end,
                "mentors_by_status": figures.mentors_by_status,
                "young_people_matched_active": figures.matched_active,
                "young_people_matched_started": figures.matched_started,
                "young_people_waiting": figures.waiting,
                "young_people_in_preparation": figures.in_preparation,
                "sessions_attended": figures.sessions_attended,
                "sessions_not_attended": figures.sessions_missed,
                "hours": figures.hours,
            }
        )


ROUTES = (
    ("mentoring/mentors", MentorViewSet, "mentoring-mentor"),
    ("mentoring/referrals", MentoringReferralViewSet, "mentoring-referral"),
    ("mentoring/matches", MentoringMatchViewSet, "mentoring-match"),
    ("mentoring/sessions", MentoringSessionViewSet, "mentoring-session"),
    ("mentoring/report", MentoringReportViewSet, "mentoring-report"),
)

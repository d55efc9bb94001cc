"""/api/v1/referrals/: referrals about a child or a context, and their decision trail."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import policy
from access.api import AccessViewSet, VisibleRecordField
from accounts.serializers import AgencyField, AgencySummarySerializer
from cases.models import Child, Context, Referral, ReferralDecision, ReferralStatus
from cases.services import referrals as referral_services
from safeguarding.api import (
    ETAG_HEADER,
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    OPTIONAL_IF_MATCH_HEADER,
    PlainModelSerializer,
    PlainQuerySerializer,
    PlainSerializer,
    UserSummarySerializer,
    created,
    forbidden,
    not_in_future,
    optional_expected_version,
    stale_response,
    with_etag,
)


class ReferralSerializer(PlainModelSerializer):
    referrer_agency = AgencySummarySerializer(read_only=True)
    referred_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "child",
            "context",
            "received_on",
            "referrer_agency",
            "referred_by",
            "category",
            "status",
            "version",
        ]
        read_only_fields = fields


class DecisionSerializer(PlainModelSerializer):
    decided_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = ReferralDecision
        fields = ["id", "status", "reason", "decided_by", "decided_at"]
        read_only_fields = fields


class ReferralDetailSerializer(ReferralSerializer):
    decisions = DecisionSerializer(many=True, read_only=True, source="decision_list")

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "concerns", "outcome", "decisions"]
        read_only_fields = fields


class ReferralCreateSerializer(PlainModelSerializer):
    """A referral about a child (`child`) or about a context (`context`): exactly one."""

    child = VisibleRecordField(
        Child, "Choose a young person you can see", required=False, allow_null=True, help_text="Id of a child."
    )
    context = VisibleRecordField(
        Context, "Choose a context you can see", required=False, allow_null=True, help_text="Id of a context."
    )
    received_on = serializers.DateField(
        required=False, validators=[not_in_future], help_text="When the referral came in; today by default."
    )
    referrer_agency = AgencyField(required=False, help_text="One of your agencies; your own by default.")

    class Meta:
        model = Referral
        fields = ["child", "context", "received_on", "referrer_agency", "category", "concerns"]

    def validate(self, attrs):
        if bool(attrs.get("child")) == bool(attrs.get("context")):
            raise serializers.ValidationError("Say who or what the referral is about: a child or a context, not both")
        if not attrs["concerns"].strip():
            raise serializers.ValidationError({"concerns": ["Describe the concerns"]})
        return attrs


class DecisionWriteSerializer(PlainSerializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices, help_text="The decision (not 'received').")
    reason = serializers.CharField(max_length=5000, help_text="Why: recorded in the decision trail.")
    outcome = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ReferralFilterSerializer(PlainQuerySerializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        summary="Referrals you may see",
        parameters=[ReferralFilterSerializer],
        responses={200: ReferralSerializer(many=True), 400: INVALID_RESPONSE},
    ),
    create=extend_schema(
        summary="Record a referral about a child or a context",
        description="Opens the decision trail and adds a referral entry to the subject's chronology.",
        request=ReferralCreateSerializer,
        responses={201: ReferralDetailSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    retrieve=extend_schema(
        summary="A referral with its decision trail",
        responses={200: ReferralDetailSerializer, 404: NOT_FOUND_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
)
class ReferralViewSet(AccessViewSet):
    """Referrals about a child or a context you may see, and those you made."""

    model = Referral
    serializer_class = ReferralSerializer
    select_related = ("referrer_agency", "referred_by")
    error_renames = {"source_agency": "referrer_agency"}

    def get_queryset(self):
        return super().get_queryset().select_related(*self.select_related)

    def current_representation(self, referral: Referral) -> dict:
        return self.represent(referral)

    def represent(self, referral: Referral) -> dict:
        referral.decision_list = list(referral.decisions.select_related("decided_by"))
        return ReferralDetailSerializer(referral).data

    def list(self, request: Request) -> Response:
        filters = ReferralFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        page = self.page(self.get_queryset().filter(**filters.validated_data), what="api referrals")
        return self.get_paginated_response(ReferralSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        serializer = ReferralCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        subject = fields.pop("child", None) or fields.pop("context")
        fields.pop("context", None)
        fields.setdefault("received_on", timezone.localdate())
        referral = referral_services.create_referral(request.user, subject, **fields)
        referral = self.get_queryset().get(pk=referral.pk)
        return created(referral, self.represent(referral), reverse("api:referral-detail", args=[referral.pk]))

    def retrieve(self, request: Request, pk: str) -> Response:
        referral = self.read(pk)
        return with_etag(Response(self.represent(referral)), referral)

    @extend_schema(
        summary="Decide on a referral (adds to the decision trail)",
        request=DecisionWriteSerializer,
        parameters=[OPTIONAL_IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            201: ReferralDetailSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: stale_response(ReferralDetailSerializer),
        },
    )
    @action(detail=True, methods=["post"])
    def decisions(self, request: Request, pk: str) -> Response:
        referral = self.find(pk)
        if not policy.can(request.user, "decide_referral", referral):
            return forbidden("Only a caseworker or manager can decide on a referral.")
        version = optional_expected_version(request)
        if isinstance(version, Response):
            return version
        if version is not None and version != referral.version:
            return self.stale(referral.pk)
        serializer = DecisionWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        updated = referral_services.decide_referral(
            request.user, referral, **serializer.validated_data, expected_version=version
        )
        updated = self.get_queryset().get(pk=updated.pk)
        return with_etag(Response(self.represent(updated), status=201), updated)

"""/api/v1/interventions/ and /api/v1/family-plans/: interventions for a child, family or context
(close one with its outcome at .../close/), and individualised family outcome plans (goals at
.../goals/, reviews at .../reviews/). Same rules as the case-record API (access/api.py):
hidden records answer 404, versioned records carry an ETag and PATCH needs If-Match."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import policy
from access.api import AccessViewSet, VisibleRecordField, versioned_update
from accounts.models import User
from accounts.serializers import AgencyField
from cases.models import Child, Context, Family
from interventions.models import (
    FamilyPlan,
    FamilyPlanGoal,
    FamilyPlanReview,
    GoalProgress,
    Intervention,
    InterventionStatus,
    InterventionType,
)
from interventions.queries_work import INTERVENTION_RELATED, period_counts
from interventions.services import work as services
from safeguarding.api import (
    ETAG_HEADER,
    FORBIDDEN_RESPONSE,
    IF_MATCH_HEADER,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    OPTIONAL_IF_MATCH_HEADER,
    PRECONDITION_REQUIRED_RESPONSE,
    PlainModelSerializer,
    PlainQuerySerializer,
    PlainSerializer,
    UserSummarySerializer,
    created,
    forbidden,
    id_field,
    optional_expected_version,
    stale_response,
    with_etag,
)

TYPE_MESSAGE = "Choose a type of intervention from the list"


class InterventionTypeField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": TYPE_MESSAGE, "incorrect_type": TYPE_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", InterventionType.objects.all())
        super().__init__(**kwargs)


class PersonField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "Choose someone who works for the lead agency",
        "incorrect_type": "Choose someone who works for the lead agency",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(**kwargs)


class InterventionSerializer(PlainModelSerializer):
    intervention_type = InterventionTypeField(help_text="Id of an active intervention type.")
    lead_agency = AgencyField(help_text="One of your own agencies.")
    lead_professional = PersonField(required=False, allow_null=True, help_text="Someone in the lead agency.")
    type_label = serializers.CharField(source="intervention_type.label", read_only=True)
    recorded_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Intervention
        fields = [
            "id",
            "version",
            "child",
            "family",
            "context",
            "intervention_type",
            "type_label",
            "lead_agency",
            "lead_professional",
            "started_on",
            "ended_on",
            "status",
            "planned_outcomes",
            "outcome",
            "recorded_by",
        ]
        read_only_fields = ["id", "version", "child", "family", "context", "recorded_by"]


class InterventionCreateSerializer(InterventionSerializer):
    child = VisibleRecordField(Child, "Choose a young person you can see", required=False, allow_null=True)
    family = VisibleRecordField(Family, "Choose a family you can see", required=False, allow_null=True)
    context = VisibleRecordField(Context, "Choose a context you can see", required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=[InterventionStatus.PLANNED, InterventionStatus.ACTIVE], default=InterventionStatus.ACTIVE
    )

    class Meta(InterventionSerializer.Meta):
        fields = [name for name in InterventionSerializer.Meta.fields if name not in ("ended_on", "outcome")]
        read_only_fields = ["id", "version", "recorded_by"]


class CloseSerializer(PlainSerializer):
    ended_on = serializers.DateField()
    status = serializers.ChoiceField(choices=[InterventionStatus.COMPLETED, InterventionStatus.ENDED_EARLY])
    outcome = serializers.CharField(max_length=5000)


class InterventionFilterSerializer(PlainQuerySerializer):
    status = serializers.ChoiceField(choices=InterventionStatus.choices, required=False)
    intervention_type = id_field(required=False)
    child = id_field(required=False)
    family = id_field(required=False)
    context = id_field(required=False)
    delivered_from = serializers.DateField(required=False, help_text="With delivered_to: delivered in the period.")
    delivered_to = serializers.DateField(required=False)

    def validate(self, attrs):
        if ("delivered_from" in attrs) != ("delivered_to" in attrs):
            raise serializers.ValidationError({"delivered_to": ["Give both delivered_from and delivered_to"]})
        if "delivered_from" in attrs and attrs["delivered_to"] < attrs["delivered_from"]:
            raise serializers.ValidationError({"delivered_to": ["The end of the period must be after its start"]})
        return attrs


def _stale_intervention():
    return stale_response(InterventionSerializer)


@extend_schema_view(
    list=extend_schema(
        summary="Interventions you may see (with the counts for a period when delivered_from/to are given)",
        parameters=[InterventionFilterSerializer],
        responses={200: InterventionSerializer(many=True), 400: INVALID_RESPONSE},
    ),
    create=extend_schema(
        summary="Record an intervention for a young person, a family or a context (exactly one)",
        request=InterventionCreateSerializer,
        responses={201: InterventionSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    retrieve=extend_schema(
        summary="An intervention",
        responses={200: InterventionSerializer, 404: NOT_FOUND_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="Change an intervention",
        request=InterventionSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: InterventionSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: _stale_intervention(),
            428: PRECONDITION_REQUIRED_RESPONSE,
        },
    ),
)
class InterventionViewSet(AccessViewSet):
    """Interventions follow their subject: you see those for the children, families and contexts you see."""

    model = Intervention
    serializer_class = InterventionSerializer
    select_related = INTERVENTION_RELATED

    def get_queryset(self):
        return super().get_queryset().select_related("intervention_type", "recorded_by")

    def current_representation(self, intervention: Intervention) -> dict:
        return InterventionSerializer(intervention).data

    def list(self, request: Request) -> Response:
        filters = InterventionFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        data = filters.validated_data
        interventions = self.get_queryset()
        for name in ("status", "intervention_type", "child", "family", "context"):
            if name in data:
                interventions = interventions.filter(**{name: data[name]})
        counts = None
        if "delivered_from" in data:
            counts = period_counts(interventions, data["delivered_from"], data["delivered_to"])
            interventions = interventions.delivered_between(data["delivered_from"], data["delivered_to"])
        page = self.page(interventions, what="api interventions")
        response = self.get_paginated_response(InterventionSerializer(page, many=True).data)
        if counts is not None:
            response.data["counts"] = {"delivered": counts.delivered, "distinct_children": counts.children}
        return response

    def create(self, request: Request) -> Response:
        serializer = InterventionCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = {key: value for key, value in serializer.validated_data.items() if value is not None}
        intervention = services.create_intervention(request.user, **fields)
        data = InterventionSerializer(intervention).data
        return created(intervention, data, reverse("api:intervention-detail", args=[intervention.pk]))

    def retrieve(self, request: Request, pk: str) -> Response:
        intervention = self.read(pk)
        return with_etag(Response(InterventionSerializer(intervention).data), intervention)

    def partial_update(self, request: Request, pk: str) -> Response:
        return versioned_update(
            self,
            request,
            pk,
            allowed=lambda intervention: services.can_change(request.user, intervention),
            serializer_class=InterventionSerializer,
            save=lambda intervention, changes, version: services.update_intervention(
                request.user, intervention, changes, expected_version=version
            ),
        )

    @extend_schema(
        summary="Close an intervention with its outcome",
        description="End date on or after the start, an outcome, and completed or ended early.",
        request=CloseSerializer,
        parameters=[OPTIONAL_IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: InterventionSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: _stale_intervention(),
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        intervention = self.find(pk)
        if not services.can_change(request.user, intervention):
            return forbidden("You cannot change this record.")
        version = optional_expected_version(request)
        if isinstance(version, Response):
            return version
        serializer = CloseSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        closed = services.close_intervention(
            request.user, intervention, **serializer.validated_data, expected_version=version
        )
        return with_etag(Response(InterventionSerializer(closed).data), closed)


# Family outcome plans -----------------------------------------------------------------------------


class FamilyGoalSerializer(PlainModelSerializer):
    class Meta:
        model = FamilyPlanGoal
        fields = ["id", "description", "progress"]
        read_only_fields = ["id", "progress"]


class FamilyReviewSerializer(PlainModelSerializer):
    reviewed_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = FamilyPlanReview
        fields = ["id", "reviewed_on", "summary", "reviewed_by"]
        read_only_fields = ["id", "reviewed_by"]


class GoalProgressSerializer(PlainSerializer):
    goal = id_field()
    progress = serializers.ChoiceField(choices=GoalProgress.choices)


class ReviewCreateSerializer(FamilyReviewSerializer):
    progress = GoalProgressSerializer(many=True, required=False, help_text="Each goal's progress now.")
    next_review_on = serializers.DateField(required=False, allow_null=True)

    class Meta(FamilyReviewSerializer.Meta):
        fields = [*FamilyReviewSerializer.Meta.fields, "progress", "next_review_on"]


class FamilyPlanSerializer(PlainModelSerializer):
    lead_professional = UserSummarySerializer(read_only=True)

    class Meta:
        model = FamilyPlan
        fields = ["id", "version", "family", "title", "lead_professional", "started_on", "next_review_on", "is_open"]
        read_only_fields = ["id", "version", "family", "lead_professional", "started_on"]


class FamilyPlanCreateSerializer(FamilyPlanSerializer):
    family = VisibleRecordField(Family, "Choose a family you can see")
    goals = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, write_only=True, help_text="First goals."
    )

    class Meta(FamilyPlanSerializer.Meta):
        fields = [*FamilyPlanSerializer.Meta.fields, "goals"]
        read_only_fields = ["id", "version", "lead_professional", "is_open"]


class FamilyPlanDetailSerializer(FamilyPlanSerializer):
    goals = FamilyGoalSerializer(many=True, read_only=True)
    reviews = FamilyReviewSerializer(many=True, read_only=True)

    class Meta(FamilyPlanSerializer.Meta):
        fields = [*FamilyPlanSerializer.Meta.fields, "goals", "reviews"]


@extend_schema_view(
    list=extend_schema(summary="Family outcome plans you may see", responses={200: FamilyPlanSerializer(many=True)}),
    create=extend_schema(
        summary="Make a family outcome plan",
        request=FamilyPlanCreateSerializer,
        responses={201: FamilyPlanDetailSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
    ),
    retrieve=extend_schema(
        summary="A family outcome plan with its goals and reviews",
        responses={200: FamilyPlanDetailSerializer, 404: NOT_FOUND_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="Change a family outcome plan (title, next review, open or closed)",
        request=FamilyPlanSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: FamilyPlanSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: stale_response(FamilyPlanSerializer),
            428: PRECONDITION_REQUIRED_RESPONSE,
        },
    ),
)
class FamilyPlanViewSet(AccessViewSet):
    """Individualised family outcome plans, visible with their family."""

    model = FamilyPlan
    serializer_class = FamilyPlanSerializer
    select_related = ("family", "lead_professional")

    def get_queryset(self):
        return super().get_queryset().select_related("lead_professional")

    def current_representation(self, plan: FamilyPlan) -> dict:
        return FamilyPlanSerializer(plan).data

    def _detail(self, plan: FamilyPlan) -> dict:
        return FamilyPlanDetailSerializer(plan).data

    def list(self, request: Request) -> Response:
        page = self.page(self.get_queryset(), what="api family plans")
        return self.get_paginated_response(FamilyPlanSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        serializer = FamilyPlanCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        plan = services.create_family_plan(request.user, fields.pop("family"), **fields)
        return created(plan, self._detail(plan), reverse("api:family-plan-detail", args=[plan.pk]))

    def retrieve(self, request: Request, pk: str) -> Response:
        plan = self.read(pk)
        return with_etag(Response(self._detail(plan)), plan)

    def partial_update(self, request: Request, pk: str) -> Response:
        return versioned_update(
            self,
            request,
            pk,
            action="change_family",
            subject=lambda plan: plan.family,
            serializer_class=FamilyPlanSerializer,
            save=lambda plan, changes, version: services.update_family_plan(
                request.user, plan, changes, expected_version=version
            ),
        )

    def _writable(self, request: Request, pk: str):
        plan = self.find(pk)
        if not policy.can(request.user, "change_family", plan.family):
            return None, forbidden("You cannot change this plan.")
        return plan, None

    @extend_schema(
        summary="Add a goal to a family outcome plan",
        request=FamilyGoalSerializer,
        responses={201: FamilyGoalSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def goals(self, request: Request, pk: str) -> Response:
        plan, refusal = self._writable(request, pk)
        if refusal:
            return refusal
        serializer = FamilyGoalSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        goal = services.add_family_goal(request.user, plan, description=serializer.validated_data["description"])
        return Response(FamilyGoalSerializer(goal).data, status=201)

    @extend_schema(
        summary="Record a review of a family outcome plan, with each goal's progress",
        request=ReviewCreateSerializer,
        responses={
            201: FamilyReviewSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"])
    def reviews(self, request: Request, pk: str) -> Response:
        plan, refusal = self._writable(request, pk)
        if refusal:
            return refusal
        serializer = ReviewCreateSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = serializer.validated_data
        review = services.record_family_review(
            request.user,
            plan,
            reviewed_on=data["reviewed_on"],
            summary=data["summary"],
            progress={item["goal"]: item["progress"] for item in data.get("progress", [])},
            next_review_on=data.get("next_review_on"),
        )
        return Response(FamilyReviewSerializer(review).data, status=201)


ROUTES = [
    ("interventions", InterventionViewSet, "intervention"),
    ("family-plans", FamilyPlanViewSet, "family-plan"),
]

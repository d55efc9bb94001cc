"""/api/v1/context-assessments/ and /api/v1/context-plans/ (Tier 2): assess a place, group or school,
then plan goals -> responses (owner, review date, measure), linked back to the children affected.

Plans nest their parts: POST context-plans/{id}/goals/ adds a goal, POST
context-plans/{id}/goals/{goal_pk}/responses/ adds a response to it, and POST
context-plans/{id}/responses/{response_pk}/status/ moves a response on. Every nested id is looked up
inside a plan the user may see, so another plan's goal answers 404 like any hidden record.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet, VisibleRecordField, versioned_update
from accounts.models import Membership, User
from accounts.serializers import AgencyField, AgencySummarySerializer
from cases import queries
from cases.api.children import ChildReferenceSerializer
from cases.models import (
    AssessmentStatus,
    Child,
    Context,
    ContextAssessment,
    ContextPlan,
    PlanGoal,
    PlanResponse,
    PlanStatus,
    ResponseStatus,
)
from cases.services import assessments as assessment_services
from safeguarding.api import (
    ETAG_HEADER,
    FORBIDDEN_RESPONSE,
    IF_MATCH_HEADER,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PRECONDITION_REQUIRED_RESPONSE,
    PlainModelSerializer,
    PlainQuerySerializer,
    PlainSerializer,
    UserSummarySerializer,
    created,
    forbidden,
    id_field,
    parse_id,
    path_id,
    stale_response,
    with_etag,
)

ASSESSMENT_FIELDS = list(assessment_services.ASSESSMENT_FIELDS)


def review_date_ahead(value) -> None:
    if value and value < timezone.localdate():
        raise serializers.ValidationError("The review date must be today or in the future")


def part_of_plan(queryset, pk):
    """A goal or response of a plan already found through `find` (whose lookup is the one audited):
    Http404 (answered 404) when `pk` is malformed or not one of the plan's."""
    object_id = parse_id(pk)
    part = None if object_id is None else queryset.filter(pk=object_id).first()
    if part is None:
        raise Http404
    return part


# Assessments -----------------------------------------------------------------------------------


class AssessmentSerializer(PlainModelSerializer):
    assessor = UserSummarySerializer(read_only=True)

    class Meta:
        model = ContextAssessment
        fields = ["id", "context", "status", "started_on", "completed_on", "assessor", "weighting", "version"]
        read_only_fields = fields


class AssessmentWriteSerializer(PlainModelSerializer):
    """The assessment's findings. Status and dates change only through .../complete/."""

    assessor = UserSummarySerializer(read_only=True)

    class Meta:
        model = ContextAssessment
        fields = [
            "id",
            "version",
            "context",
            "status",
            "started_on",
            "completed_on",
            "assessor",
            *ASSESSMENT_FIELDS,
        ]
        read_only_fields = ["id", "version", "context", "status", "started_on", "completed_on"]


class AssessmentCreateSerializer(AssessmentWriteSerializer):
    context = VisibleRecordField(Context, "Choose a context you can see", help_text="Id of the context assessed.")

    class Meta(AssessmentWriteSerializer.Meta):
        read_only_fields = ["id", "version", "status", "started_on", "completed_on"]


class AssessmentFilterSerializer(PlainQuerySerializer):
    context = id_field(required=False, help_text="Only assessments of this context.")
    status = serializers.ChoiceField(choices=AssessmentStatus.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        summary="Context assessments you may see",
        parameters=[AssessmentFilterSerializer],
        responses={200: AssessmentSerializer(many=True), 400: INVALID_RESPONSE},
    ),
    create=extend_schema(
        summary="Start an assessment of a context",
        request=AssessmentCreateSerializer,
        responses={201: AssessmentWriteSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    retrieve=extend_schema(
        summary="A context assessment",
        responses={200: AssessmentWriteSerializer, 404: NOT_FOUND_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="Change an assessment in progress",
        request=AssessmentWriteSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: AssessmentWriteSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: stale_response(AssessmentWriteSerializer),
            428: PRECONDITION_REQUIRED_RESPONSE,
        },
    ),
)
class ContextAssessmentViewSet(AccessViewSet):
    """Assessments of contexts you may see (Tier 2)."""

    model = ContextAssessment
    serializer_class = AssessmentSerializer
    select_related = ("context", "assessor")

    def get_queryset(self):
        return super().get_queryset().select_related("assessor")

    def current_representation(self, assessment: ContextAssessment) -> dict:
        return AssessmentWriteSerializer(assessment).data

    def list(self, request: Request) -> Response:
        filters = AssessmentFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        assessments = self.get_queryset()
        if "context" in filters.validated_data:
            assessments = assessments.filter(context_id=filters.validated_data["context"])
        if "status" in filters.validated_data:
            assessments = assessments.filter(status=filters.validated_data["status"])
        page = self.page(assessments, what="api context assessments")
        return self.get_paginated_response(AssessmentSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        serializer = AssessmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        assessment = assessment_services.start_assessment(request.user, fields.pop("context"), **fields)
        data = AssessmentWriteSerializer(assessment).data
        return created(assessment, data, reverse("api:context-assessment-detail", args=[assessment.pk]))

    def retrieve(self, request: Request, pk: str) -> Response:
        assessment = self.read(pk)
        return with_etag(Response(AssessmentWriteSerializer(assessment).data), assessment)

    def partial_update(self, request: Request, pk: str) -> Response:
        return versioned_update(
            self,
            request,
            pk,
            action="change_context",
            subject=lambda assessment: assessment.context,
            serializer_class=AssessmentWriteSerializer,
            save=lambda assessment, changes, version: assessment_services.update_assessment(
                request.user, assessment, changes, expected_version=version
            ),
        )

    @extend_schema(
        summary="Complete an assessment (optionally with final changes)",
        description="Needs the concerns recorded. A completed assessment can no longer be changed.",
        request=AssessmentWriteSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: AssessmentWriteSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: stale_response(AssessmentWriteSerializer),
            428: PRECONDITION_REQUIRED_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return versioned_update(
            self,
            request,
            pk,
            action="change_context",
            subject=lambda assessment: assessment.context,
            serializer_class=AssessmentWriteSerializer,
            save=lambda assessment, changes, version: assessment_services.update_assessment(
                request.user, assessment, changes, expected_version=version, complete=True
            ),
        )


# Plans -----------------------------------------------------------------------------------------


class PlanResponseSerializer(PlainModelSerializer):
    owner_agency = AgencySummarySerializer(read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = PlanResponse
        fields = ["id", "goal", "action", "owner_agency", "owner", "measure", "review_on", "status"]
        read_only_fields = fields


class GoalSerializer(PlainModelSerializer):
    responses = PlanResponseSerializer(many=True, read_only=True)

    class Meta:
        model = PlanGoal
        fields = ["id", "description", "created_at", "responses"]
        read_only_fields = ["id", "created_at", "responses"]

    def validate_description(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Describe the goal")
        return value.strip()


class PlanSerializer(PlainModelSerializer):
    owner = UserSummarySerializer(read_only=True)

    class Meta:
        model = ContextPlan
        fields = ["id", "context", "assessment", "title", "status", "review_on", "owner", "version"]
        read_only_fields = fields


class PlanWriteSerializer(PlainModelSerializer):
    """A plan's title, status and review date, and the children it is for (linked to the context)."""

    owner = UserSummarySerializer(read_only=True)
    review_on = serializers.DateField(validators=[review_date_ahead])
    children = VisibleRecordField(
        Child,
        "Choose young people linked to this context",
        many=True,
        required=False,
        write_only=True,
        help_text="Ids of children (that you can see) linked to the context. Children you cannot see stay linked.",
    )

    class Meta:
        model = ContextPlan
        fields = ["id", "version", "context", "assessment", "title", "status", "review_on", "owner", "children"]
        read_only_fields = ["id", "version", "context", "assessment"]


class PlanCreateSerializer(PlanWriteSerializer):
    context = VisibleRecordField(Context, "Choose a context you can see", help_text="Id of the context.")
    assessment = VisibleRecordField(
        ContextAssessment,
        "Choose an assessment of this context",
        required=False,
        allow_null=True,
        help_text="Optionally, the assessment the plan answers.",
    )

    class Meta(PlanWriteSerializer.Meta):
        read_only_fields = ["id", "version", "status"]


class PlanDetailSerializer(PlanWriteSerializer):
    linked_children = ChildReferenceSerializer(
        many=True, read_only=True, source="child_list", help_text="The plan's children that you may see."
    )
    goals = GoalSerializer(many=True, read_only=True, source="goal_list")

    class Meta(PlanWriteSerializer.Meta):
        fields = [*PlanWriteSerializer.Meta.fields, "linked_children", "goals"]


class ResponseWriteSerializer(PlainModelSerializer):
    owner_agency = AgencyField(required=False, help_text="The agency that owns it; your own by default.")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="A person in the owning agency.",
        error_messages={
            "does_not_exist": "Choose someone in the owning agency",
            "incorrect_type": "Choose someone in the owning agency",
        },
    )
    review_on = serializers.DateField(validators=[review_date_ahead])

    class Meta:
        model = PlanResponse
        fields = ["action", "owner_agency", "owner", "measure", "review_on"]

    def validate(self, attrs):
        owner = attrs.get("owner")
        if owner is not None:
            agency = attrs.get("owner_agency")
            if agency is None:
                raise serializers.ValidationError({"owner_agency": ["Choose the agency of the owner"]})
            if not Membership.objects.active().filter(user=owner, agency=agency).exists():
                raise serializers.ValidationError({"owner": ["Choose someone in the owning agency"]})
        return attrs


class ResponseStatusSerializer(PlainSerializer):
    status = serializers.ChoiceField(choices=ResponseStatus.choices)


class PlanFilterSerializer(PlainQuerySerializer):
    context = id_field(required=False, help_text="Only plans for this context.")
    status = serializers.ChoiceField(choices=PlanStatus.choices, required=False)


PLAN_WRITE_RESPONSES = {
    400: INVALID_RESPONSE,
    403: FORBIDDEN_RESPONSE,
    404: NOT_FOUND_RESPONSE,
}


@extend_schema_view(
    list=extend_schema(
        summary="Context plans you may see",
        parameters=[PlanFilterSerializer],
        responses={200: PlanSerializer(many=True), 400: INVALID_RESPONSE},
    ),
    create=extend_schema(
        summary="Make a plan for a context, linking the children it is for",
        request=PlanCreateSerializer,
        responses={201: PlanDetailSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    retrieve=extend_schema(
        summary="A context plan: goals, responses and the children you may see",
        responses={200: PlanDetailSerializer, 404: NOT_FOUND_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="Change a plan (title, status, review date, children)",
        request=PlanWriteSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: PlanDetailSerializer,
            **PLAN_WRITE_RESPONSES,
            412: stale_response(PlanDetailSerializer),
            428: PRECONDITION_REQUIRED_RESPONSE,
        },
    ),
)
class ContextPlanViewSet(AccessViewSet):
    """Plans for contexts you may see: goals -> responses (owner, review date, measure) -> children."""

    model = ContextPlan
    serializer_class = PlanSerializer
    select_related = ("context", "owner")

    def get_queryset(self):
        return super().get_queryset().select_related("owner")

    def current_representation(self, plan: ContextPlan) -> dict:
        return self.represent(plan)

    def represent(self, plan: ContextPlan) -> dict:
        plan.child_list = list(queries.plan_children(self.request.user, plan))
        responses = PlanResponse.objects.select_related("owner_agency", "owner")
        plan.goal_list = list(plan.goals.prefetch_related(Prefetch("responses", queryset=responses)))
        lookups.shown(self.request.user, Child, plan.child_list, what="api plan children")
        return PlanDetailSerializer(plan).data

    def list(self, request: Request) -> Response:
        filters = PlanFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        plans = self.get_queryset()
        if "context" in filters.validated_data:
            plans = plans.filter(context_id=filters.validated_data["context"])
        if "status" in filters.validated_data:
            plans = plans.filter(status=filters.validated_data["status"])
        page = self.page(plans, what="api context plans")
        return self.get_paginated_response(PlanSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        serializer = PlanCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        plan = assessment_services.create_plan(
            request.user,
            fields["context"],
            title=fields["title"],
            review_on=fields["review_on"],
            children=fields.get("children", ()),
            assessment=fields.get("assessment"),
        )
        return created(plan, self.represent(plan), reverse("api:context-plan-detail", args=[plan.pk]))

    def retrieve(self, request: Request, pk: str) -> Response:
        plan = self.read(pk)
        return with_etag(Response(self.represent(plan)), plan)

    def partial_update(self, request: Request, pk: str) -> Response:
        def save(plan, changes, version):
            children = changes.pop("children", None)
            # One transaction: a refused list of children undoes the change of details too.
            with transaction.atomic():
                updated = assessment_services.update_plan(request.user, plan, changes, expected_version=version)
                if children is not None:
                    assessment_services.set_plan_children(request.user, updated, children)
            return updated

        return versioned_update(
            self,
            request,
            pk,
            action="change_context",
            subject=lambda plan: plan.context,
            serializer_class=PlanWriteSerializer,
            save=save,
            represent=self.represent,
        )

    def plan_write(self, request: Request, pk: str) -> ContextPlan | Response:
        """The plan for a nested write: 404 unless visible, 403 unless the role may plan for it."""
        plan = self.find(pk)
        if not policy.can(request.user, "change_context", plan.context):
            return forbidden("You cannot plan for this context.")
        return plan

    @extend_schema(
        summary="Add a goal to the plan",
        request=GoalSerializer,
        responses={201: GoalSerializer, **PLAN_WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def goals(self, request: Request, pk: str) -> Response:
        plan = self.plan_write(request, pk)
        if isinstance(plan, Response):
            return plan
        serializer = GoalSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        goal = assessment_services.add_goal(request.user, plan, **serializer.validated_data)
        return Response(GoalSerializer(goal).data, status=201)

    @extend_schema(
        summary="Add a response to one of the plan's goals: an action, its owner, review date and measure",
        parameters=[path_id("goal_pk", "A goal of this plan.")],
        request=ResponseWriteSerializer,
        responses={201: PlanResponseSerializer, **PLAN_WRITE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"goals/(?P<goal_pk>[^/.]+)/responses",
        url_name="goal-responses",
    )
    def goal_responses(self, request: Request, pk: str, goal_pk: str) -> Response:
        plan = self.plan_write(request, pk)
        if isinstance(plan, Response):
            return plan
        goal = part_of_plan(plan.goals.all(), goal_pk)
        goal.plan = plan
        serializer = ResponseWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        response = assessment_services.add_response(request.user, goal, **serializer.validated_data)
        return Response(PlanResponseSerializer(response).data, status=201)

    @extend_schema(
        summary="Move a response on (not started, in progress, done)",
        parameters=[path_id("response_pk", "A response to one of this plan's goals.")],
        request=ResponseStatusSerializer,
        responses={200: PlanResponseSerializer, **PLAN_WRITE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"responses/(?P<response_pk>[^/.]+)/status",
        url_name="response-status",
    )
    def response_status(self, request: Request, pk: str, response_pk: str) -> Response:
        plan = self.plan_write(request, pk)
        if isinstance(plan, Response):
            return plan
        responses = PlanResponse.objects.filter(goal__plan=plan).select_related("goal", "owner_agency", "owner")
        plan_response = part_of_plan(responses, response_pk)
        plan_response.goal.plan = plan
        serializer = ResponseStatusSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        updated = assessment_services.update_response_status(
            request.user, plan_response, status=serializer.validated_data["status"]
        )
        return Response(PlanResponseSerializer(updated).data)

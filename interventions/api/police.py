"""/api/v1/persons-of-concern/, /api/v1/disruption-actions/, /api/v1/intelligence/: police only.

Every endpoint, lists included, answers 404 to anyone signed in who is not a police officer of a
police agency (an empty list would still tell them the endpoint holds police records; 404 tells
them nothing). Anonymous callers get 403 like the rest of the API. Writes go through
interventions.services.police; linked children and contexts must be ones the officer can see, and
only those are shown back.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet, VisibleRecordField
from cases.models import Child, Context, ContextKind
from interventions.models import (
    DisruptionAction,
    DisruptionKind,
    HandlingCode,
    IntelligenceAssessment,
    IntelligenceReport,
    IntelligenceShare,
    PersonOfConcern,
    SourceEvaluation,
)
from interventions.services import police as services
from safeguarding.api import (
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainSerializer,
    UserSummarySerializer,
    created,
    not_in_future,
)


class PoliceViewSet(AccessViewSet):
    """Police-only: 404 for everyone signed in who is not a police officer."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not policy.can(request.user, "police_work"):
            raise NotFound()

    def lookup_queryset(self):
        return self.get_queryset()

    def visible_ids(self, related, model) -> list[int]:
        return sorted(
            model.objects.visible_to(self.request.user).filter(pk__in=related.values("pk")).values_list("pk", flat=True)
        )

    def note_shown(self, obj, children=()) -> None:
        """One read event naming the record and the young people the answer showed."""
        lookups.note_read(self.request.user, obj, shown=children)


# Persons of concern ------------------------------------------------------------------------------


class PersonSerializer(PlainModelSerializer):
    class Meta:
        model = PersonOfConcern
        fields = ["id", "reference", "given_name", "family_name", "known_as", "date_of_birth", "version"]
        read_only_fields = fields


class PersonDetailSerializer(PersonSerializer):
    children = serializers.ListField(child=serializers.IntegerField(), source="visible_children", read_only=True)
    locations = serializers.ListField(child=serializers.IntegerField(), source="visible_locations", read_only=True)
    recorded_by = UserSummarySerializer(read_only=True)

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "description", "children", "locations", "recorded_by", "created_at"]
        read_only_fields = fields


class PersonWriteSerializer(PlainSerializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    known_as = serializers.CharField(max_length=300, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True, validators=[not_in_future])
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    children = VisibleRecordField(Child, "Choose young people you can see", many=True, required=False)
    locations = VisibleRecordField(
        Context, "Choose locations you can see", many=True, required=False, extra_filter={"kind": ContextKind.LOCATION}
    )


@extend_schema_view(
    list=extend_schema(summary="Persons of concern (police only)", responses={200: PersonSerializer(many=True)}),
    retrieve=extend_schema(
        summary="A person of concern (police only)", responses={200: PersonDetailSerializer, 404: NOT_FOUND_RESPONSE}
    ),
    create=extend_schema(
        summary="Record a person of concern (police only)",
        request=PersonWriteSerializer,
        responses={201: PersonDetailSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class PersonOfConcernViewSet(PoliceViewSet):
    model = PersonOfConcern
    serializer_class = PersonSerializer

    def represent(self, person: PersonOfConcern) -> dict:
        person.visible_children = self.visible_ids(person.children, Child)
        person.visible_locations = self.visible_ids(person.locations, Context)
        return PersonDetailSerializer(person).data

    def list(self, request: Request) -> Response:
        page = self.page(self.get_queryset(), what="api persons of concern")
        return self.get_paginated_response(PersonSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        person = self.find(pk)
        data = self.represent(person)
        self.note_shown(person, data["children"])
        return Response(data)

    def create(self, request: Request) -> Response:
        serializer = PersonWriteSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        children, locations = fields.pop("children", []), fields.pop("locations", [])
        person = services.create_person(request.user, fields, children=children, locations=locations)
        return created(person, self.represent(person), reverse("api:person-of-concern-detail", args=[person.pk]))


# Disruption --------------------------------------------------------------------------------------


class DisruptionSerializer(PlainModelSerializer):
    class Meta:
        model = DisruptionAction
        fields = ["id", "kind", "taken_on", "person", "location", "child", "outcome", "created_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        visible = self.context.get("visible", {})
        # Only what the officer can see: a hidden child or location shows as null.
        if data["child"] is not None and data["child"] not in visible.get("children", ()):
            data["child"] = None
        if data["location"] is not None and data["location"] not in visible.get("contexts", ()):
            data["location"] = None
        return data


class DisruptionWriteSerializer(PlainSerializer):
    kind = serializers.ChoiceField(choices=DisruptionKind.choices)
    taken_on = serializers.DateField(validators=[not_in_future])
    person = serializers.PrimaryKeyRelatedField(queryset=PersonOfConcern.objects.all(), required=False, allow_null=True)
    location = VisibleRecordField(
        Context, "Choose a location you can see", required=False, allow_null=True, extra_filter={"kind": "location"}
    )
    child = VisibleRecordField(Child, "Choose a young person you can see", required=False, allow_null=True)
    outcome = serializers.CharField(max_length=5000, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary="Disruption actions (police only)", responses={200: DisruptionSerializer(many=True)}),
    retrieve=extend_schema(
        summary="A disruption action (police only)", responses={200: DisruptionSerializer, 404: NOT_FOUND_RESPONSE}
    ),
    create=extend_schema(
        summary="Record a disruption action (police only)",
        description="A child abduction warning notice names a person and a child under 16, or under 18 and in care.",
        request=DisruptionWriteSerializer,
        responses={201: DisruptionSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class DisruptionActionViewSet(PoliceViewSet):
    model = DisruptionAction
    serializer_class = DisruptionSerializer

    def visibility(self, rows) -> dict:
        user = self.request.user
        child_ids = [row.child_id for row in rows if row.child_id]
        context_ids = [row.location_id for row in rows if row.location_id]
        return {
            "children": set(Child.objects.visible_to(user).filter(pk__in=child_ids).values_list("pk", flat=True))
            if child_ids
            else set(),
            "contexts": set(Context.objects.visible_to(user).filter(pk__in=context_ids).values_list("pk", flat=True))
            if context_ids
            else set(),
        }

    def list(self, request: Request) -> Response:
        page = list(self.page(self.get_queryset(), what="api disruption actions"))
        data = DisruptionSerializer(page, many=True, context={"visible": self.visibility(page)}).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, pk: str) -> Response:
        action_ = self.find(pk)
        visible = self.visibility([action_])
        self.note_shown(action_, sorted(visible["children"]))
        return Response(DisruptionSerializer(action_, context={"visible": visible}).data)

    def create(self, request: Request) -> Response:
        serializer = DisruptionWriteSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        disruption = services.record_disruption(request.user, **serializer.validated_data)
        data = DisruptionSerializer(disruption, context={"visible": self.visibility([disruption])}).data
        return created(disruption, data, reverse("api:disruption-action-detail", args=[disruption.pk]))


# Intelligence ------------------------------------------------------------------------------------


class IntelligenceSerializer(PlainModelSerializer):
    class Meta:
        model = IntelligenceReport
        fields = ["id", "reference", "received_on", "source_evaluation", "assessment", "handling_code"]
        read_only_fields = fields


class ShareSerializer(PlainModelSerializer):
    shared_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = IntelligenceShare
        fields = ["id", "summary", "shared_by", "shared_at"]
        read_only_fields = fields


class IntelligenceDetailSerializer(IntelligenceSerializer):
    children = serializers.ListField(child=serializers.IntegerField(), source="visible_children", read_only=True)
    contexts = serializers.ListField(child=serializers.IntegerField(), source="visible_contexts", read_only=True)
    persons = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    shares = ShareSerializer(many=True, read_only=True)
    submitted_by = UserSummarySerializer(read_only=True)

    class Meta(IntelligenceSerializer.Meta):
        fields = [
            *IntelligenceSerializer.Meta.fields,
            "handling_conditions",
            "text",
            "children",
            "persons",
            "contexts",
            "shares",
            "submitted_by",
            "created_at",
        ]
        read_only_fields = fields


class IntelligenceWriteSerializer(PlainSerializer):
    received_on = serializers.DateField(validators=[not_in_future])
    source_evaluation = serializers.ChoiceField(choices=SourceEvaluation.choices)
    assessment = serializers.ChoiceField(choices=IntelligenceAssessment.choices)
    handling_code = serializers.ChoiceField(choices=HandlingCode.choices)
    handling_conditions = serializers.CharField(max_length=500, required=False, allow_blank=True)
    text = serializers.CharField(max_length=10000)
    children = VisibleRecordField(Child, "Choose young people you can see", many=True, required=False)
    persons = serializers.PrimaryKeyRelatedField(queryset=PersonOfConcern.objects.all(), many=True, required=False)
    contexts = VisibleRecordField(Context, "Choose contexts you can see", many=True, required=False)

    def validate(self, attrs):
        if attrs["handling_code"] == HandlingCode.CONDITIONS and not attrs.get("handling_conditions", "").strip():
            raise serializers.ValidationError(
                {"handling_conditions": ["State the handling conditions: code C needs them"]}
            )
        return attrs


class ShareWriteSerializer(PlainSerializer):
    summary = serializers.CharField(max_length=500, help_text="The sanitised summary partners will see.")


@extend_schema_view(
    list=extend_schema(
        summary="Intelligence reports (police only)", responses={200: IntelligenceSerializer(many=True)}
    ),
    retrieve=extend_schema(
        summary="An intelligence report (police only)",
        responses={200: IntelligenceDetailSerializer, 404: NOT_FOUND_RESPONSE},
    ),
    create=extend_schema(
        summary="Record a graded intelligence report (police only)",
        request=IntelligenceWriteSerializer,
        responses={201: IntelligenceDetailSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class IntelligenceViewSet(PoliceViewSet):
    model = IntelligenceReport
    serializer_class = IntelligenceSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("submitted_by")

    def represent(self, report: IntelligenceReport) -> dict:
        report.visible_children = self.visible_ids(report.children, Child)
        report.visible_contexts = self.visible_ids(report.contexts, Context)
        return IntelligenceDetailSerializer(report).data

    def list(self, request: Request) -> Response:
        page = self.page(self.get_queryset(), what="api intelligence")
        return self.get_paginated_response(IntelligenceSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        report = self.find(pk)
        data = self.represent(report)
        self.note_shown(report, data["children"])
        return Response(data)

    def create(self, request: Request) -> Response:
        serializer = IntelligenceWriteSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        links = {key: fields.pop(key, []) for key in ("children", "persons", "contexts")}
        report = services.create_intelligence(request.user, fields, **links)
        return created(report, self.represent(report), reverse("api:intelligence-report-detail", args=[report.pk]))

    @extend_schema(
        summary="Share a sanitised summary with partners (police only)",
        description="Adds the summary (never the report's text) to the chronology of each linked child.",
        request=ShareWriteSerializer,
        responses={201: ShareSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def share(self, request: Request, pk: str) -> Response:
        report = self.find(pk)
        serializer = ShareWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        share = services.share_intelligence(request.user, report, serializer.validated_data["summary"])
        return Response(ShareSerializer(share).data, status=201)


ROUTES = [
    ("persons-of-concern", PersonOfConcernViewSet, "person-of-concern"),
    ("disruption-actions", DisruptionActionViewSet, "disruption-action"),
    ("intelligence", IntelligenceViewSet, "intelligence-report"),
]

"""/api/v1/families/: households, their members (children and adults), family-level facts, chronology."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet, VisibleRecordField, versioned_update
from accounts.serializers import AgencyField, AgencySummarySerializer
from areas.api import neighbourhood_field
from cases import queries
from cases.api.children import ChildReferenceSerializer
from cases.api.chronology import CHRONOLOGY_GET, CHRONOLOGY_POST, chronology
from cases.models import Adult, Child, Family, FamilyFact, FamilyMember, Relationship, Reliability
from cases.services import families as family_services
from safeguarding.api import (
    ETAG_HEADER,
    FORBIDDEN_RESPONSE,
    IF_MATCH_HEADER,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PRECONDITION_REQUIRED_RESPONSE,
    InvolvementSerializer,
    PlainModelSerializer,
    PlainSerializer,
    UserSummarySerializer,
    created,
    forbidden,
    not_in_future,
    stale_response,
    with_etag,
)


class FamilySerializer(PlainModelSerializer):
    class Meta:
        model = Family
        fields = ["id", "reference", "name", "postcode", "neighbourhood", "version"]
        read_only_fields = ["id", "reference", "version"]

    neighbourhood = neighbourhood_field()


class FamilyCreateSerializer(FamilySerializer):
    first_child = VisibleRecordField(
        Child,
        "Choose a young person you can see",
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Optionally, a child (you can see) to add as the family's first member.",
    )

    class Meta(FamilySerializer.Meta):
        fields = [*FamilySerializer.Meta.fields, "first_child"]


class AdultSerializer(PlainModelSerializer):
    date_of_birth = serializers.DateField(required=False, allow_null=True, validators=[not_in_future])

    class Meta:
        model = Adult
        fields = ["id", "given_name", "family_name", "date_of_birth", "upn", "nhs_number", "police_id"]
        # Identifiers come from data feeds (docs/feeds.md); shown with the family, audited with its read.
        read_only_fields = ["id", "upn", "nhs_number", "police_id"]


class MemberSerializer(PlainModelSerializer):
    child = ChildReferenceSerializer(read_only=True, allow_null=True)
    adult = AdultSerializer(read_only=True, allow_null=True)

    class Meta:
        model = FamilyMember
        fields = ["id", "relationship", "lives_in_household", "child", "adult"]
        read_only_fields = fields


class MemberWriteSerializer(PlainSerializer):
    """Add either a child you can see (`child`) or a new adult (`adult`), not both."""

    child = VisibleRecordField(
        Child, "Choose a young person you can see", required=False, allow_null=True, help_text="Id of a child."
    )
    adult = AdultSerializer(required=False, allow_null=True, help_text="A new adult household member.")
    relationship = serializers.ChoiceField(
        choices=Relationship.choices, required=False, help_text="How they are related; 'child' by default for a child."
    )
    lives_in_household = serializers.BooleanField(default=True)

    def validate(self, attrs):
        child, adult = attrs.get("child"), attrs.get("adult")
        if bool(child) == bool(adult):
            raise serializers.ValidationError("Give either a child or an adult")
        if adult and not attrs.get("relationship"):
            raise serializers.ValidationError({"relationship": ["Choose how this adult is related to the family"]})
        return attrs


class FactSerializer(PlainModelSerializer):
    source_agency = AgencySummarySerializer(read_only=True)
    recorded_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = FamilyFact
        fields = ["id", "kind", "noted_on", "note", "source_agency", "reliability", "recorded_by", "created_at"]
        read_only_fields = fields


class FactWriteSerializer(PlainModelSerializer):
    noted_on = serializers.DateField(validators=[not_in_future])
    source_agency = AgencyField(required=False, help_text="One of your agencies; your own by default.")

    class Meta:
        model = FamilyFact
        fields = ["kind", "noted_on", "note", "reliability", "source_agency"]
        extra_kwargs = {"reliability": {"default": Reliability.UNVERIFIED}}


class FamilyDetailSerializer(FamilySerializer):
    members = MemberSerializer(many=True, read_only=True, source="member_list", help_text="Members you may see.")
    hidden_member_count = serializers.IntegerField(
        read_only=True, help_text="Children in the household whose records you may not see."
    )
    facts = FactSerializer(many=True, read_only=True, source="fact_list")
    involvements = InvolvementSerializer(many=True, read_only=True, source="involvement_list")

    class Meta(FamilySerializer.Meta):
        fields = [*FamilySerializer.Meta.fields, "members", "hidden_member_count", "facts", "involvements"]


@extend_schema_view(
    list=extend_schema(summary="Families you may see", responses={200: FamilySerializer(many=True)}),
    create=extend_schema(
        summary="Add a family",
        description="Your agency becomes involved with the family.",
        request=FamilyCreateSerializer,
        responses={201: FamilySerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    retrieve=extend_schema(
        summary="A family: the members you may see and family-level facts",
        responses={200: FamilyDetailSerializer, 404: NOT_FOUND_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="Change a family's details",
        request=FamilySerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: FamilySerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: stale_response(FamilyDetailSerializer),
            428: PRECONDITION_REQUIRED_RESPONSE,
        },
    ),
)
class FamilyViewSet(AccessViewSet):
    """Households you may see: your agency works with the family, or you may see one of its children."""

    model = Family
    serializer_class = FamilySerializer

    def current_representation(self, family: Family) -> dict:
        return self.represent(family)

    def represent(self, family: Family) -> dict:
        family.member_list, family.hidden_member_count = queries.family_members(self.request.user, family)
        family.fact_list = list(family.facts.select_related("source_agency", "recorded_by"))
        family.involvement_list = list(queries.involvements_of(family))
        children = [member.child_id for member in family.member_list if member.child_id]
        adults = [member.adult_id for member in family.member_list if member.adult_id]
        lookups.shown(self.request.user, Child, children, what="api family members", adults=adults)
        return FamilyDetailSerializer(family).data

    def list(self, request: Request) -> Response:
        page = self.page(self.get_queryset(), what="api families")
        return self.get_paginated_response(FamilySerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        if not policy.can(request.user, "add_family"):
            return forbidden("Your role cannot add families.")
        serializer = FamilyCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        first_child = fields.pop("first_child", None)
        family = family_services.create_family(request.user, fields, first_child=first_child)
        return created(family, FamilySerializer(family).data, reverse("api:family-detail", args=[family.pk]))

    def retrieve(self, request: Request, pk: str) -> Response:
        family = self.read(pk)
        return with_etag(Response(self.represent(family)), family)

    def partial_update(self, request: Request, pk: str) -> Response:
        return versioned_update(
            self,
            request,
            pk,
            action="change_family",
            serializer_class=FamilySerializer,
            save=lambda family, changes, version: family_services.update_family(
                request.user, family, changes, expected_version=version
            ),
        )

    def family_write(self, request: Request, pk: str, write_serializer, create, read_serializer) -> Response:
        family = self.find(pk)
        if not policy.can(request.user, "change_family", family):
            return forbidden("You cannot change this family.")
        serializer = write_serializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        return Response(read_serializer(create(family, dict(serializer.validated_data))).data, status=201)

    @extend_schema(
        summary="Add a household member: a child you can see, or a new adult",
        request=MemberWriteSerializer,
        responses={201: MemberSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def members(self, request: Request, pk: str) -> Response:
        def add(family, fields):
            if fields.get("child"):
                return family_services.add_child_member(
                    request.user,
                    family,
                    fields["child"],
                    relationship=fields.get("relationship", Relationship.CHILD),
                    lives_in_household=fields["lives_in_household"],
                )
            adult = fields["adult"]
            return family_services.add_adult_member(
                request.user,
                family,
                given_name=adult["given_name"],
                family_name=adult["family_name"],
                date_of_birth=adult.get("date_of_birth"),
                relationship=fields["relationship"],
                lives_in_household=fields["lives_in_household"],
            )

        return self.family_write(request, pk, MemberWriteSerializer, add, MemberSerializer)

    @extend_schema(
        summary="Record a family-level fact (domestic abuse, financial exclusion...)",
        request=FactWriteSerializer,
        responses={201: FactSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def facts(self, request: Request, pk: str) -> Response:
        return self.family_write(
            request,
            pk,
            FactWriteSerializer,
            lambda family, fields: family_services.add_fact(request.user, family, **fields),
            FactSerializer,
        )

    @CHRONOLOGY_GET
    @CHRONOLOGY_POST
    @action(detail=True, methods=["get", "post"])
    def chronology(self, request: Request, pk: str) -> Response:
        family = self.find(pk)
        return chronology(
            self,
            request,
            family,
            lambda chronology_filter: queries.family_chronology(request.user, family, chronology_filter),
            what="api family chronology",
            change_action="change_family",
        )

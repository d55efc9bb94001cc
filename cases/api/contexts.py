"""/api/v1/contexts/: peer groups, locations, schools, neighbourhoods and online spaces, their linked
children (those the user may see) and their chronology."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet, versioned_update
from accounts.serializers import AgencySummarySerializer
from areas.api import neighbourhood_field
from cases import queries
from cases.api.children import ChildReferenceSerializer
from cases.api.chronology import CHRONOLOGY_GET, CHRONOLOGY_POST, chronology
from cases.models import Child, Context, ContextKind, ContextLink, ContextStatus
from cases.services import contexts as context_services
from safeguarding.api import (
    ETAG_HEADER,
    FORBIDDEN_RESPONSE,
    IF_MATCH_HEADER,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PRECONDITION_REQUIRED_RESPONSE,
    InvolvementSerializer,
    PlainModelSerializer,
    PlainQuerySerializer,
    created,
    forbidden,
    stale_response,
    with_etag,
)


class ContextSerializer(PlainModelSerializer):
    class Meta:
        model = Context
        fields = ["id", "reference", "kind", "name", "status", "neighbourhood", "location_type", "version"]
        read_only_fields = fields


class ContextWriteSerializer(PlainModelSerializer):
    """A context's own details. `kind` is chosen when it is added and cannot change."""

    neighbourhood = neighbourhood_field()

    class Meta:
        model = Context
        fields = [
            "id",
            "reference",
            "version",
            "kind",
            "name",
            "description",
            "status",
            "neighbourhood",
            "location_type",
            "address",
            "latitude",
            "longitude",
            "known_names",
            "dynamics",
            "platform",
        ]
        read_only_fields = ["id", "reference", "version", "kind"]
        extra_kwargs = {"status": {"default": ContextStatus.OPEN}}

    def validate(self, attrs):
        kind = attrs.get("kind") or getattr(self.instance, "kind", None)
        if attrs.get("location_type") and kind != ContextKind.LOCATION:
            raise serializers.ValidationError({"location_type": ["Only a location has a type of place"]})
        return attrs


class ContextCreateSerializer(ContextWriteSerializer):
    class Meta(ContextWriteSerializer.Meta):
        read_only_fields = ["id", "reference", "version"]


class LinkedChildSerializer(PlainModelSerializer):
    child = ChildReferenceSerializer(read_only=True)
    source_agency = AgencySummarySerializer(read_only=True)

    class Meta:
        model = ContextLink
        fields = ["id", "child", "role", "since", "until", "source_agency", "reliability", "note"]
        read_only_fields = fields


class ContextDetailSerializer(ContextWriteSerializer):
    linked_children = LinkedChildSerializer(
        many=True, read_only=True, source="link_list", help_text="Links to children you may see (only those)."
    )
    involvements = InvolvementSerializer(many=True, read_only=True, source="involvement_list")

    class Meta(ContextWriteSerializer.Meta):
        fields = [*ContextWriteSerializer.Meta.fields, "linked_children", "involvements"]


class ContextFilterSerializer(PlainQuerySerializer):
    kind = serializers.ChoiceField(choices=ContextKind.choices, required=False)
    status = serializers.ChoiceField(choices=ContextStatus.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        summary="Contexts you may see",
        parameters=[ContextFilterSerializer],
        responses={200: ContextSerializer(many=True), 400: INVALID_RESPONSE},
    ),
    create=extend_schema(
        summary="Add a context (peer group, location, school, neighbourhood or online space)",
        description="Your agency becomes involved with the context.",
        request=ContextCreateSerializer,
        responses={201: ContextCreateSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    retrieve=extend_schema(
        summary="A context, with the children you may see linked to it",
        responses={200: ContextDetailSerializer, 404: NOT_FOUND_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="Change a context's details",
        request=ContextWriteSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: ContextWriteSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: stale_response(ContextDetailSerializer),
            428: PRECONDITION_REQUIRED_RESPONSE,
        },
    ),
)
class ContextViewSet(AccessViewSet):
    """Contexts you may see: your agency works with them, or a child you may see is linked to them."""

    model = Context
    serializer_class = ContextSerializer

    def current_representation(self, context: Context) -> dict:
        return self.represent(context)

    def represent(self, context: Context) -> dict:
        context.link_list = list(queries.linked_children(self.request.user, context))
        context.involvement_list = list(queries.involvements_of(context))
        children = sorted({link.child_id for link in context.link_list})
        lookups.shown(self.request.user, Child, children, what="api context linked children")
        return ContextDetailSerializer(context).data

    def list(self, request: Request) -> Response:
        filters = ContextFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        contexts = self.get_queryset().filter(**filters.validated_data)
        page = self.page(contexts, what="api contexts")
        return self.get_paginated_response(ContextSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        if not policy.can(request.user, "add_context"):
            return forbidden("Your role cannot add contexts.")
        serializer = ContextCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        context = context_services.create_context(request.user, fields.pop("kind"), fields)
        data = ContextCreateSerializer(context).data
        return created(context, data, reverse("api:context-detail", args=[context.pk]))

    def retrieve(self, request: Request, pk: str) -> Response:
        context = self.read(pk)
        return with_etag(Response(self.represent(context)), context)

    def partial_update(self, request: Request, pk: str) -> Response:
        return versioned_update(
            self,
            request,
            pk,
            action="change_context",
            serializer_class=ContextWriteSerializer,
            save=lambda context, changes, version: context_services.update_context(
                request.user, context, changes, expected_version=version
            ),
        )

    @CHRONOLOGY_GET
    @CHRONOLOGY_POST
    @action(detail=True, methods=["get", "post"])
    def chronology(self, request: Request, pk: str) -> Response:
        context = self.find(pk)
        return chronology(
            self,
            request,
            context,
            lambda chronology_filter: queries.context_chronology(context, chronology_filter),
            what="api context chronology",
            change_action="change_context",
        )

"""/api/v1/children/: the child's record, search, chronology, other names, contexts and peers."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet, ColleagueField, VisibleRecordField, versioned_update
from accounts.serializers import AgencyField, AgencySummarySerializer
from areas.api import CODE_FIELDS, AreaFilterSerializer, neighbourhood_field
from cases import queries, services
from cases.api.chronology import CHRONOLOGY_GET, CHRONOLOGY_POST, chronology
from cases.models import (
    Child,
    ChildAlias,
    ChildStatus,
    Context,
    ContextKind,
    ContextLink,
    PeerLink,
    Reliability,
)
from cases.models.children import validate_date_of_birth, validate_nhs_number, validate_upn
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
    PlainSerializer,
    check_date_range,
    created,
    forbidden,
    not_in_future,
    stale_response,
    with_etag,
)

IDENTIFIER_LABELS = {"upn": "unique pupil number", "nhs_number": "NHS number", "police_id": "police reference"}


class IdentifierField(serializers.CharField):
    """An identifier kept for matching: spaces removed and upper case, as the services store it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return "".join(super().to_internal_value(data).split()).upper()


# Serializers -----------------------------------------------------------------------------------


class ChildSerializer(PlainModelSerializer):
    """A child in a list or search result."""

    class Meta:
        model = Child
        fields = [
            "id",
            "reference",
            "given_name",
            "family_name",
            "date_of_birth",
            "gender",
            "ethnicity",
            "neighbourhood",
            "status",
            "version",
        ]
        read_only_fields = fields


class ChildWriteSerializer(PlainModelSerializer):
    """The child's own record: what you may send when adding or changing a child."""

    date_of_birth = serializers.DateField(validators=[validate_date_of_birth])
    upn = IdentifierField(max_length=13, validators=[validate_upn], help_text="Unique pupil number.")
    nhs_number = IdentifierField(max_length=10, validators=[validate_nhs_number], help_text="NHS number.")
    police_id = IdentifierField(max_length=30, help_text="Police reference.")
    school = VisibleRecordField(
        Context,
        "Choose a school or education provider you can see",
        extra_filter={"kind": ContextKind.SCHOOL},
        required=False,
        allow_null=True,
        help_text="Id of a school context.",
    )
    lead_professional = ColleagueField(required=False, allow_null=True, help_text="Id of a user in your agencies.")
    neighbourhood = neighbourhood_field()

    class Meta:
        model = Child
        fields = [
            "id",
            "reference",
            "version",
            "given_name",
            "family_name",
            "date_of_birth",
            "gender",
            "ethnicity",
            "neighbourhood",
            "status",
            "upn",
            "nhs_number",
            "police_id",
            "school",
            "lead_professional",
            "over_18_reason",
        ]
        read_only_fields = ["id", "reference", "version"]
        extra_kwargs = {"status": {"default": ChildStatus.OPEN}, **CODE_FIELDS}

    def validate(self, attrs):
        identifiers = {key: attrs[key] for key in IDENTIFIER_LABELS if attrs.get(key)}
        taken = queries.identifier_taken(identifiers, exclude_pk=self.instance.pk if self.instance else None)
        if taken:
            raise serializers.ValidationError(
                {key: [f"A young person with this {IDENTIFIER_LABELS[key]} is already recorded"] for key in taken}
            )
        return attrs


class ChildReferenceSerializer(PlainModelSerializer):
    class Meta:
        model = Child
        fields = ["id", "reference", "given_name", "family_name", "date_of_birth"]
        read_only_fields = fields


class ChildCreatedSerializer(ChildWriteSerializer):
    possible_duplicates = ChildReferenceSerializer(
        many=True,
        read_only=True,
        help_text="Children you can see with the same date of birth and a similar name: check it is not one of them.",
    )

    class Meta(ChildWriteSerializer.Meta):
        fields = [*ChildWriteSerializer.Meta.fields, "possible_duplicates"]


class AliasSerializer(PlainModelSerializer):
    class Meta:
        model = ChildAlias
        fields = ["id", "name", "note", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Enter the other name")
        return value.strip()


class ContextSummarySerializer(PlainModelSerializer):
    class Meta:
        model = Context
        fields = ["id", "reference", "kind", "name"]
        read_only_fields = fields


class ContextLinkSerializer(PlainModelSerializer):
    context = ContextSummarySerializer(read_only=True)
    source_agency = AgencySummarySerializer(read_only=True)

    class Meta:
        model = ContextLink
        fields = ["id", "context", "role", "since", "until", "source_agency", "reliability", "note", "created_at"]
        read_only_fields = fields


class ContextLinkWriteSerializer(PlainModelSerializer):
    context = VisibleRecordField(Context, "Choose a context you can see", help_text="Id of a context you can see.")
    since = serializers.DateField(required=False, allow_null=True, validators=[not_in_future])
    source_agency = AgencyField(required=False, help_text="One of your agencies; your own by default.")

    class Meta:
        model = ContextLink
        fields = ["context", "role", "since", "until", "reliability", "note", "source_agency"]
        extra_kwargs = {"reliability": {"default": Reliability.UNVERIFIED}}

    def validate(self, attrs):
        check_date_range(attrs)
        return attrs


class PeerSerializer(PlainSerializer):
    id = serializers.IntegerField(help_text="The link's id.")
    child = ChildReferenceSerializer(help_text="The other young person.")
    direction = serializers.ChoiceField(
        choices=["outgoing", "incoming"],
        help_text="outgoing: this child <relationship> the other; incoming: the other <relationship> this child.",
    )
    relationship = serializers.CharField()
    since = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    source_agency = AgencySummarySerializer()
    reliability = serializers.CharField()
    note = serializers.CharField()


class PeerWriteSerializer(PlainModelSerializer):
    other = VisibleRecordField(
        Child, "Choose a young person you can see", help_text="Id of the other young person (one you can see)."
    )
    since = serializers.DateField(required=False, allow_null=True, validators=[not_in_future])
    source_agency = AgencyField(required=False, help_text="One of your agencies; your own by default.")

    class Meta:
        model = PeerLink
        fields = ["other", "relationship", "since", "until", "reliability", "note", "source_agency"]
        extra_kwargs = {"reliability": {"default": Reliability.UNVERIFIED}}

    def validate(self, attrs):
        check_date_range(attrs)
        return attrs


class ChildDetailSerializer(ChildWriteSerializer):
    access_basis = serializers.ChoiceField(
        choices=["involvement", "grant", "break_glass"],
        read_only=True,
        help_text="Why you may see this record: your agency works with the child, a named grant, or emergency access.",
    )
    aliases = AliasSerializer(many=True, read_only=True, source="alias_list")
    involvements = InvolvementSerializer(many=True, read_only=True, source="involvement_list")
    context_links = ContextLinkSerializer(many=True, read_only=True, source="context_link_list")
    family_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta(ChildWriteSerializer.Meta):
        fields = [
            *ChildWriteSerializer.Meta.fields,
            "access_basis",
            "aliases",
            "involvements",
            "context_links",
            "family_ids",
        ]


class ChildFilterSerializer(AreaFilterSerializer):
    status = serializers.ChoiceField(choices=ChildStatus.choices, required=False)
    date_of_birth = serializers.DateField(required=False)


class ChildSearchSerializer(PlainSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Any name or alias.")
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    identifier = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="Partnership reference, unique pupil number, NHS number or police reference.",
    )

    def validate(self, attrs):
        if not any(attrs.get(key) for key in ("name", "date_of_birth", "identifier")):
            raise serializers.ValidationError("Enter a name, a date of birth or an identifier to search")
        return attrs


class ChildSearchResultSerializer(PlainSerializer):
    count = serializers.IntegerField()
    results = ChildSerializer(many=True)


# Views -----------------------------------------------------------------------------------------

CHILD_ID = "A child's id."


@extend_schema_view(
    list=extend_schema(
        summary="Children you may see",
        parameters=[ChildFilterSerializer],
        responses={200: ChildSerializer(many=True), 400: INVALID_RESPONSE},
    ),
    create=extend_schema(
        summary="Add a child",
        description="Your agency becomes involved with the child. Duplicate identifiers are refused (400, naming "
        "the field); children you can see who may be the same young person come back in possible_duplicates.",
        request=ChildWriteSerializer,
        responses={201: ChildCreatedSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    retrieve=extend_schema(
        summary="A child's record",
        responses={200: ChildDetailSerializer, 404: NOT_FOUND_RESPONSE},
        parameters=[ETAG_HEADER],
    ),
    partial_update=extend_schema(
        summary="Change a child's record",
        request=ChildWriteSerializer,
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
        responses={
            200: ChildWriteSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            412: stale_response(ChildDetailSerializer),
            428: PRECONDITION_REQUIRED_RESPONSE,
        },
    ),
)
class ChildViewSet(AccessViewSet):
    """Children you may see: those your agencies work with, a named grant, or emergency access."""

    model = Child
    serializer_class = ChildSerializer

    def find_child(self, pk) -> Child:
        """The child with why this user may see it (`access_basis`), or 404 with the refusal audited.
        (`find`, which PATCH uses, looks the child up without working out the basis.)"""
        return queries.child_or_404(self.request.user, pk)

    def get_queryset(self):
        return queries.visible_children(self.request.user)

    def current_representation(self, child: Child) -> dict:
        return self.represent(child)

    def represent(self, child: Child) -> dict:
        child.alias_list = list(child.aliases.all())
        child.involvement_list = list(queries.involvements_of(child))
        child.context_link_list = list(queries.context_links_of(child))
        child.family_ids = [member.family_id for member in child.family_memberships.all()]
        return ChildDetailSerializer(child, context=self.get_serializer_context()).data

    def list(self, request: Request) -> Response:
        filters = ChildFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        children = self.get_queryset()
        if "status" in filters.validated_data:
            children = children.filter(status=filters.validated_data["status"])
        children = children.filter(**filters.place_filter())
        if "date_of_birth" in filters.validated_data:
            children = children.filter(date_of_birth=filters.validated_data["date_of_birth"])
        page = self.page(children, what="api children")
        return self.get_paginated_response(ChildSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        if not policy.can(request.user, "add_child"):
            return forbidden("Your role cannot add children.")
        serializer = ChildWriteSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = serializer.validated_data
        duplicates = queries.possible_duplicates(
            request.user,
            given_name=fields["given_name"],
            family_name=fields["family_name"],
            date_of_birth=fields["date_of_birth"],
        )
        child = services.create_child(request.user, dict(fields))
        if duplicates:
            lookups.shown(request.user, Child, duplicates, what="api possible duplicates")
        child.possible_duplicates = duplicates
        data = ChildCreatedSerializer(child, context=self.get_serializer_context()).data
        return created(child, data, reverse("api:child-detail", args=[child.pk]))

    def retrieve(self, request: Request, pk: str) -> Response:
        child = self.find_child(pk)
        self.note_read(child)
        return with_etag(Response(self.represent(child)), child)

    def partial_update(self, request: Request, pk: str) -> Response:
        return versioned_update(
            self,
            request,
            pk,
            action="change_child",
            serializer_class=ChildWriteSerializer,
            save=lambda child, changes, version: services.update_child(
                request.user, child, changes, expected_version=version
            ),
        )

    @extend_schema(
        summary="Search for children you may see",
        description="By name (fuzzy, including other names), date of birth and any identifier. The terms travel in "
        "the body, never in the URL. At most 50 results.",
        request=ChildSearchSerializer,
        responses={200: ChildSearchResultSerializer, 400: INVALID_RESPONSE},
    )
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        serializer = ChildSearchSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = serializer.validated_data
        search = queries.ChildSearch(
            name=data.get("name", ""), date_of_birth=data.get("date_of_birth"), identifier=data.get("identifier", "")
        )
        results = queries.search_children(request.user, search)  # audits the search
        return Response({"count": len(results), "results": ChildSerializer(results, many=True).data})

    # Nested: each answers 404 for a child the user may not see, and is audited as a read of the child.

    def nested_list(self, request: Request, child: Child, rows, serializer, *, model, ids, what: str) -> Response:
        page = self.paginate_queryset(rows)
        self.note_read(child)
        lookups.shown(request.user, model, ids(page), what=what)
        return self.get_paginated_response(serializer(page, many=True).data)

    def nested_create(self, request: Request, child: Child, write_serializer, create, read_serializer) -> Response:
        if not policy.can(request.user, "change_child", child):
            return forbidden("You cannot change this record.")
        serializer = write_serializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        return Response(read_serializer(create(dict(serializer.validated_data))).data, status=201)

    @CHRONOLOGY_GET
    @CHRONOLOGY_POST
    @action(detail=True, methods=["get", "post"])
    def chronology(self, request: Request, pk: str) -> Response:
        child = self.find_child(pk)
        return chronology(
            self,
            request,
            child,
            lambda chronology_filter: queries.child_chronology(child, chronology_filter),
            what="api child chronology",
            change_action="change_child",
        )

    @extend_schema(
        methods=["GET"],
        summary="The child's other names",
        responses={200: AliasSerializer(many=True), 404: NOT_FOUND_RESPONSE},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add another name (street name, nickname, previous surname)",
        request=AliasSerializer,
        responses={201: AliasSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["get", "post"])
    def aliases(self, request: Request, pk: str) -> Response:
        child = self.find_child(pk)
        if request.method == "POST":
            return self.nested_create(
                request,
                child,
                AliasSerializer,
                lambda fields: services.add_alias(request.user, child, **fields),
                AliasSerializer,
            )
        return self.nested_list(
            request,
            child,
            child.aliases.all(),
            AliasSerializer,
            model=ChildAlias,
            ids=lambda page: [alias.pk for alias in page],
            what="api child aliases",
        )

    @extend_schema(
        methods=["GET"],
        summary="The contexts the child is linked to",
        responses={200: ContextLinkSerializer(many=True), 404: NOT_FOUND_RESPONSE},
    )
    @extend_schema(
        methods=["POST"],
        summary="Link the child to a context you can see",
        request=ContextLinkWriteSerializer,
        responses={
            201: ContextLinkSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
        },
    )
    @action(detail=True, methods=["get", "post"], url_path="context-links", url_name="context-links")
    def context_links(self, request: Request, pk: str) -> Response:
        child = self.find_child(pk)
        if request.method == "POST":

            def link(fields):
                context = fields.pop("context")
                return context_services.link_child(request.user, child, context, **fields)

            return self.nested_create(request, child, ContextLinkWriteSerializer, link, ContextLinkSerializer)
        return self.nested_list(
            request,
            child,
            queries.context_links_of(child),
            ContextLinkSerializer,
            model=Context,
            ids=lambda page: [link.context_id for link in page],
            what="api child context links",
        )

    @extend_schema(
        methods=["GET"],
        summary="The child's links to other young people you can see",
        responses={200: PeerSerializer(many=True), 404: NOT_FOUND_RESPONSE},
    )
    @extend_schema(
        methods=["POST"],
        summary="Link the child to another young person you can see",
        request=PeerWriteSerializer,
        responses={201: PeerSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["get", "post"])
    def peers(self, request: Request, pk: str) -> Response:
        child = self.find_child(pk)
        if request.method == "POST":

            def link(fields):
                other = fields.pop("other")
                peer_link = services.add_peer_link(request.user, child, other, **fields)
                return peer_row(peer_link, child, other)

            return self.nested_create(request, child, PeerWriteSerializer, link, PeerSerializer)
        rows = [peer_row(peer_link, child, other) for peer_link, other in queries.peers_of(request.user, child)]
        return self.nested_list(
            request,
            child,
            rows,
            PeerSerializer,
            model=Child,
            ids=lambda page: [row["child"].pk for row in page],
            what="api child peers",
        )


def peer_row(link: PeerLink, child: Child, other: Child) -> dict:
    return {
        "id": link.pk,
        "child": other,
        "direction": "outgoing" if link.child_a_id == child.pk else "incoming",
        "relationship": link.relationship,
        "since": link.since,
        "until": link.until,
        "source_agency": link.source_agency,
        "reliability": link.reliability,
        "note": link.note,
    }

"""The /api/v1/ endpoints for children: the same policy and audit as the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from audit import services as audit
from cases import queries
from cases.models import Child, Involvement


class InvolvementSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name")

    class Meta:
        model = Involvement
        fields = ["agency", "is_lead_agency", "started_on", "ended_on"]


class ChildSerializer(serializers.ModelSerializer):
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
            "area",
            "status",
            "version",
        ]


class ChildDetailSerializer(ChildSerializer):
    involvements = InvolvementSerializer(many=True, source="active_involvements")
    access_basis = serializers.CharField()

    class Meta(ChildSerializer.Meta):
        fields = [*ChildSerializer.Meta.fields, "access_basis", "involvements"]


class ChildViewSet(viewsets.GenericViewSet):
    serializer_class = ChildSerializer

    def get_queryset(self):
        return queries.visible_children(self.request.user)

    @extend_schema(responses=ChildSerializer(many=True))
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        audit.record_list(request.user, Child, [child.pk for child in page], what="api children")
        return self.get_paginated_response(ChildSerializer(page, many=True).data)

    @extend_schema(responses=ChildDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        child = queries.visible_child(request.user, int(pk)) if pk.isdigit() else None
        if child is None:
            # Returned, not raised: raising would roll back the audit row of the refusal.
            return Response({"detail": "Not found."}, status=404)
        audit.record_read(request.user, child, basis=child.access_basis)
        child.active_involvements = list(queries.involvements_of(child))
        return Response(ChildDetailSerializer(child).data)

"""/api/v1/access-grants/: a named user's access to one young person's record, until a date, for
a reason. The system administrator lists, reads, grants (POST) and ends them
(POST .../{id}/end/); the data protection officer lists and reads them and gets 403 on writes (they
may see the grant but their role cannot change it). Everyone else gets 404, as for any record
about a person. The young person is named by reference only: neither role holds case content.
The writes are `access.services.grant_access` and `end_access_grant` (atomic, audited)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access import services as access_services
from access.api import AccessViewSet
from access.models import AccessGrant
from accounts.models import User
from cases.models import Child
from safeguarding.api import (
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainQuerySerializer,
    PlainSerializer,
    created,
    forbidden,
    path_id,
)

STATUS_CHOICES = [
    ("current", "Not ended and not past their last day"),
    ("past", "Ended or expired"),
    ("all", "All"),
]
WRITE_REFUSED = "Only a system administrator can grant or end access."


class AccessGrantSerializer(PlainSerializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    child_reference = serializers.CharField(source="child.reference", read_only=True)
    reason = serializers.CharField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True, help_text="The last day the access works.")
    status = serializers.ChoiceField(
        choices=["Active", "Not started", "Ended", "Expired"], read_only=True, help_text="As of today."
    )
    granted_by = serializers.CharField(source="granted_by.username", read_only=True, allow_null=True, default=None)
    created_at = serializers.DateTimeField(read_only=True)
    ended_at = serializers.DateTimeField(read_only=True, allow_null=True)
    ended_by = serializers.CharField(source="ended_by.username", read_only=True, allow_null=True, default=None)
    end_reason = serializers.CharField(read_only=True)


class AccessGrantCreateSerializer(PlainSerializer):
    username = serializers.CharField(
        max_length=150,
        help_text="Username of an active user.",
        error_messages={"required": "Give the username of the user who needs access", "blank": "Give a username"},
    )
    child_reference = serializers.CharField(
        max_length=20,
        help_text="The young person's exact partnership reference.",
        error_messages={"required": "Give the young person's reference", "blank": "Give the young person's reference"},
    )
    reason = serializers.CharField(
        max_length=2000,
        error_messages={
            "required": "Give the reason this person needs to see this young person's record",
            "blank": "Give the reason this person needs to see this young person's record",
        },
    )
    ends_on = serializers.DateField(
        help_text="The last day the access works: today or later, at most a year ahead (YYYY-MM-DD).",
        error_messages={
            "required": "Give the last day the access works",
            "invalid": "Give the last day as a date, like 2026-06-27",
        },
    )

    def validate_username(self, value: str) -> User:
        user = User.objects.filter(username__iexact=value.strip(), is_active=True).first()
        if user is None:
            raise serializers.ValidationError("No active user has that username")
        return user

    def validate_child_reference(self, value: str) -> Child:
        child = Child.objects.filter(reference__iexact=value.strip()).only("pk", "reference").first()
        if child is None:
            raise serializers.ValidationError("No young person has that reference")
        return child


class EndAccessSerializer(PlainSerializer):
    end_reason = serializers.CharField(
        max_length=2000,
        error_messages={
            "required": "Give the reason the access is ending",
            "blank": "Give the reason the access is ending",
        },
    )


class GrantFilterSerializer(PlainQuerySerializer):
    status = serializers.ChoiceField(
        choices=STATUS_CHOICES,
        required=False,
        default="all",
        help_text="current, past or all (the default).",
        error_messages={"invalid_choice": "Choose current, past or all"},
    )


@extend_schema_view(
    list=extend_schema(
        summary="Access grants (system administrator and data protection officer)",
        parameters=[GrantFilterSerializer],
        responses={200: AccessGrantSerializer(many=True), 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
    retrieve=extend_schema(
        summary="An access grant",
        parameters=[path_id("id", "Id of the access grant.")],
        responses={200: AccessGrantSerializer, 404: NOT_FOUND_RESPONSE},
    ),
    create=extend_schema(
        summary="Grant a user access to one young person's record until a date (system administrator)",
        description="Refused with field errors: an unknown or deactivated user, an unknown reference, no reason, "
        "a last day in the past or more than a year ahead, or a second current grant to the same user "
        "and young person. Nothing is saved.",
        request=AccessGrantCreateSerializer,
        responses={
            201: AccessGrantSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
        },
    ),
)
class AccessGrantViewSet(AccessViewSet):
    """Access grants: 404 unless the caller may view them (system administrator, data protection
    officer)."""

    model = AccessGrant
    serializer_class = AccessGrantSerializer
    select_related = ("user", "child", "granted_by", "ended_by")
    error_renames = {"user": "username"}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not policy.can(request.user, "view_access_grants"):
            raise NotFound()

    def get_queryset(self):
        return AccessGrant.objects.select_related(*self.select_related)

    def lookup_queryset(self):
        return self.get_queryset()

    def list(self, request: Request) -> Response:
        filters = GrantFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        status = filters.validated_data["status"]
        rows = self.page(self.get_queryset().with_status(status), what=f"api access grants ({status})")
        return self.get_paginated_response(AccessGrantSerializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        grant = lookups.read_or_404(request.user, self.lookup_queryset(), pk)
        return Response(AccessGrantSerializer(grant).data)

    def create(self, request: Request) -> Response:
        if not policy.can(request.user, "manage_access_grants"):
            return forbidden(WRITE_REFUSED)
        serializer = AccessGrantCreateSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = serializer.validated_data
        grant = access_services.grant_access(
            request.user, data["username"], data["child_reference"], reason=data["reason"], ends_on=data["ends_on"]
        )
        grant = self.get_queryset().get(pk=grant.pk)
        return created(grant, AccessGrantSerializer(grant).data, reverse("api:access-grant-detail", args=[grant.pk]))

    @extend_schema(
        summary="End an access grant now, with a reason (system administrator)",
        description="It stops working at once. Ending a grant that has already ended is a 400.",
        request=EndAccessSerializer,
        parameters=[path_id("id", "Id of the access grant.")],
        responses={200: AccessGrantSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        grant = self.find(pk)
        if not policy.can(request.user, "manage_access_grants"):
            return forbidden(WRITE_REFUSED)
        serializer = EndAccessSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        access_services.end_access_grant(request.user, grant, reason=serializer.validated_data["end_reason"])
        return Response(AccessGrantSerializer(self.get_queryset().get(pk=grant.pk)).data)

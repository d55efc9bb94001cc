"""Chronology entries, shared by the child, family and context endpoints."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet
from accounts.serializers import AgencyField, AgencySummarySerializer
from cases import queries
from cases.models import ChronologyEvent, EventKind, Reliability
from cases.services import chronology as chronology_services
from safeguarding.api import (
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainQuerySerializer,
    UserSummarySerializer,
    forbidden,
    id_field,
    not_in_future,
)


class EventSerializer(PlainModelSerializer):
    source_agency = AgencySummarySerializer(read_only=True)
    recorded_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChronologyEvent
        fields = [
            "id",
            "occurred_on",
            "kind",
            "summary",
            "detail",
            "child",
            "family",
            "context",
            "source_agency",
            "reliability",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class EventWriteSerializer(PlainModelSerializer):
    """A new entry. The source agency defaults to your own; it must be one of your agencies."""

    occurred_on = serializers.DateField(validators=[not_in_future])
    source_agency = AgencyField(required=False)

    class Meta:
        model = ChronologyEvent
        fields = ["occurred_on", "kind", "summary", "detail", "reliability", "source_agency"]
        extra_kwargs = {"reliability": {"default": Reliability.CONFIRMED}}


class ChronologyFilterSerializer(PlainQuerySerializer):
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=EventKind.choices),
        required=False,
        help_text="Only these kinds of entry (repeat the parameter for several).",
    )
    agency = id_field(required=False, help_text="Only entries from this agency (id).")
    since = serializers.DateField(required=False, help_text="Only entries on or after this date.")
    until = serializers.DateField(required=False, help_text="Only entries on or before this date.")

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["until"] < attrs["since"]:
            raise serializers.ValidationError({"until": ["The end date must be the same as or after the start date"]})
        return attrs

    def chronology_filter(self) -> queries.ChronologyFilter:
        data = self.validated_data
        return queries.ChronologyFilter(
            kinds=data.get("kind", []), agency_id=data.get("agency"), since=data.get("since"), until=data.get("until")
        )


CHRONOLOGY_GET = extend_schema(
    methods=["GET"],
    summary="The merged chronology, newest first",
    parameters=[ChronologyFilterSerializer],
    responses={200: EventSerializer(many=True), 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
)
CHRONOLOGY_POST = extend_schema(
    methods=["POST"],
    summary="Add a chronology entry",
    request=EventWriteSerializer,
    responses={
        201: EventSerializer,
        400: INVALID_RESPONSE,
        403: FORBIDDEN_RESPONSE,
        404: NOT_FOUND_RESPONSE,
    },
)


def chronology(view: AccessViewSet, request, subject, events_for, *, what: str, change_action: str) -> Response:
    """GET: a page of `events_for(filter)`, audited as a read of the subject (on its
    `access_basis`, if it has one) and a list of entries.
    POST: add an entry through the chronology service (403 first if the role cannot add to it)."""
    if request.method == "POST":
        if not policy.can(request.user, change_action, subject):
            return forbidden("You cannot add to this chronology.")
        serializer = EventWriteSerializer(data=request.data, context=view.get_serializer_context())
        if not serializer.is_valid():
            return view.invalid(serializer)
        event = chronology_services.add_event(request.user, subject, **serializer.validated_data)
        return Response(EventSerializer(event).data, status=201)
    filters = ChronologyFilterSerializer(data=request.query_params)
    if not filters.is_valid():
        return view.invalid(filters)
    page = view.paginate_queryset(events_for(filters.chronology_filter()).select_related("recorded_by"))
    view.note_read(subject)
    lookups.shown(request.user, ChronologyEvent, page, what=what)
    return view.get_paginated_response(EventSerializer(page, many=True).data)

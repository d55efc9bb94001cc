"""/api/v1/outreach/: events, establishments (with engagement), door-to-door, groups and sessions
with registers, and the reach figures.

Outreach endpoints answer 404 to anyone signed in without an outreach role, group work endpoints to
anyone without a group work role (as the pages do). Writes go through outreach.services: bad input
is a 400 with field errors and nothing saved. A register lists only the young people the caller may
see; the police intelligence record of an event is shown to police officers only.
"""

from __future__ import annotations

from django.db.models import Count, Sum
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet
from cases.models import Context
from outreach import reports, services
from outreach.models import (
    Activity,
    Attendance,
    AudienceType,
    DoorToDoorCampaign,
    EngagementOutcome,
    EngagementRecord,
    Establishment,
    EstablishmentKind,
    EventStatus,
    Group,
    GroupSession,
    OutreachEvent,
    ProviderType,
)
from safeguarding.api import (
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainQuerySerializer,
    PlainSerializer,
    created,
)


class RoleViewSet(AccessViewSet):
    """404 for everyone signed in whose role has no part in this area."""

    area_action = "view_outreach"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not policy.can(request.user, self.area_action):
            raise NotFound()


class RecordViewSet(RoleViewSet):
    """Lists and single records, read through `visible_to` with the reads recorded."""

    def list(self, request: Request) -> Response:
        page = self.page(self.get_queryset(), what=f"api {self.model._meta.verbose_name_plural}")
        return self.get_paginated_response(
            self.serializer_class(page, many=True, context=self.get_serializer_context()).data
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.serializer_class(self.read(pk), context=self.get_serializer_context()).data)


# Events -----------------------------------------------------------------------------------------


class OutreachEventSerializer(PlainModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)
    intelligence = serializers.SerializerMethodField()

    class Meta:
        model = OutreachEvent
        fields = [
            "id",
            "activity",
            "audience",
            "organisation",
            "establishment",
            "area",
            "area_name",
            "held_on",
            "headcount",
            "delivered_by",
            "status",
            "intelligence_submitted",
            "intelligence",
            "referrals_made",
            "notes",
        ]
        read_only_fields = fields

    def get_intelligence(self, event) -> int | None:
        """The police intelligence record: police officers only."""
        user = self.context["user"]
        return event.intelligence_id if event.intelligence_id and policy.is_police(user) else None


class OutreachEventWriteSerializer(PlainSerializer):
    activity = serializers.ChoiceField(choices=Activity.choices)
    audience = serializers.ChoiceField(choices=AudienceType.choices)
    organisation = serializers.CharField(max_length=200)
    establishment = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.IntegerField(required=False, allow_null=True, default=None)
    held_on = serializers.DateField()
    headcount = serializers.IntegerField()
    delivered_by = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=EventStatus.choices, default=EventStatus.DELIVERED)
    intelligence_submitted = serializers.BooleanField(default=False)
    intelligence = serializers.IntegerField(required=False, allow_null=True)
    referrals_made = serializers.IntegerField(default=0)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Outreach events of your agency", responses={200: OutreachEventSerializer(many=True)}),
    retrieve=extend_schema(
        summary="An outreach event", responses={200: OutreachEventSerializer, 404: NOT_FOUND_RESPONSE}
    ),
    create=extend_schema(
        summary="Record an outreach event",
        request=OutreachEventWriteSerializer,
        responses={201: OutreachEventSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class OutreachEventViewSet(RecordViewSet):
    model = OutreachEvent
    serializer_class = OutreachEventSerializer
    select_related = ("area",)

    def get_queryset(self):
        return OutreachEvent.objects.visible_to(self.request.user).select_related("area")

    def create(self, request: Request) -> Response:
        serializer = OutreachEventWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        establishment = fields.pop("establishment", None)
        if establishment is not None:
            fields["establishment"] = Establishment.objects.visible_to(request.user).filter(pk=establishment).first()
            if fields["establishment"] is None:
                return Response({"establishment": ["Choose one of your agency's establishments"]}, status=400)
        event = services.record_event(request.user, **fields)
        data = OutreachEventSerializer(event, context=self.get_serializer_context()).data
        return created(event, data, reverse("api:outreach-event-detail", args=[event.pk]))


# Establishments ---------------------------------------------------------------------------------


class EngagementSerializer(PlainModelSerializer):
    class Meta:
        model = EngagementRecord
        fields = ["id", "outcome", "occurred_on", "follow_up_on", "note"]
        read_only_fields = fields


class EstablishmentSerializer(PlainModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)
    engagements = EngagementSerializer(many=True, read_only=True)

    class Meta:
        model = Establishment
        fields = ["id", "name", "kind", "provider_type", "area", "area_name", "address", "engagements"]
        read_only_fields = fields


class EstablishmentWriteSerializer(PlainSerializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=EstablishmentKind.choices)
    provider_type = serializers.ChoiceField(choices=ProviderType.choices, required=False, allow_blank=True, default="")
    area = serializers.IntegerField(required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class EngagementWriteSerializer(PlainSerializer):
    outcome = serializers.ChoiceField(choices=EngagementOutcome.choices)
    occurred_on = serializers.DateField()
    follow_up_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Establishments of your agency", responses={200: EstablishmentSerializer(many=True)}),
    retrieve=extend_schema(
        summary="An establishment and its engagement history",
        responses={200: EstablishmentSerializer, 404: NOT_FOUND_RESPONSE},
    ),
    create=extend_schema(
        summary="Add an establishment",
        request=EstablishmentWriteSerializer,
        responses={201: EstablishmentSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class EstablishmentViewSet(RecordViewSet):
    model = Establishment
    serializer_class = EstablishmentSerializer

    def get_queryset(self):
        return (
            Establishment.objects.visible_to(self.request.user).select_related("area").prefetch_related("engagements")
        )

    def lookup_queryset(self):
        return self.get_queryset()

    def create(self, request: Request) -> Response:
        serializer = EstablishmentWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        place = services.add_establishment(request.user, **serializer.validated_data)
        data = EstablishmentSerializer(place).data
        return created(place, data, reverse("api:outreach-establishment-detail", args=[place.pk]))

    @extend_schema(
        summary="Record engagement with an establishment",
        request=EngagementWriteSerializer,
        responses={201: EngagementSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def engagements(self, request: Request, pk: str) -> Response:
        place = self.find(pk)
        serializer = EngagementWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        step = services.record_engagement(request.user, place, **serializer.validated_data)
        return Response(EngagementSerializer(step).data, status=201)


# Door-to-door -----------------------------------------------------------------------------------


class CampaignSerializer(PlainModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)

    class Meta:
        model = DoorToDoorCampaign
        fields = [
            "id",
            "area",
            "area_name",
            "streets",
            "started_on",
            "ended_on",
            "households_reached",
            "concerns",
            "actions",
        ]
        read_only_fields = fields


class CampaignWriteSerializer(PlainSerializer):
    area = serializers.IntegerField(required=False, allow_null=True, default=None)
    streets = serializers.CharField(max_length=2000)
    started_on = serializers.DateField()
    ended_on = serializers.DateField()
    households_reached = serializers.IntegerField()
    concerns = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    actions = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Door-to-door campaigns of your agency", responses={200: CampaignSerializer(many=True)}),
    retrieve=extend_schema(
        summary="A door-to-door campaign", responses={200: CampaignSerializer, 404: NOT_FOUND_RESPONSE}
    ),
    create=extend_schema(
        summary="Record a door-to-door campaign",
        request=CampaignWriteSerializer,
        responses={201: CampaignSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class DoorToDoorViewSet(RecordViewSet):
    model = DoorToDoorCampaign
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return DoorToDoorCampaign.objects.visible_to(self.request.user).select_related("area")

    def create(self, request: Request) -> Response:
        serializer = CampaignWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        campaign = services.record_campaign(request.user, **serializer.validated_data)
        data = CampaignSerializer(campaign).data
        return created(campaign, data, reverse("api:outreach-campaign-detail", args=[campaign.pk]))


# Group work -------------------------------------------------------------------------------------


class WorkGroupSerializer(PlainModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)

    class Meta:
        model = Group
        fields = ["id", "name", "agency", "context", "area", "area_name", "description"]
        read_only_fields = fields


class ContactHoursSerializer(PlainSerializer):
    child = serializers.IntegerField()
    sessions = serializers.IntegerField()
    contact_hours = serializers.FloatField()


class WorkGroupDetailSerializer(WorkGroupSerializer):
    contact_hours = ContactHoursSerializer(many=True, read_only=True)

    class Meta(WorkGroupSerializer.Meta):
        fields = [*WorkGroupSerializer.Meta.fields, "contact_hours"]
        read_only_fields = fields


class GroupSessionSerializer(PlainModelSerializer):
    register = serializers.SerializerMethodField()
    present = serializers.SerializerMethodField()

    class Meta:
        model = GroupSession
        fields = ["id", "group", "held_on", "activity", "duration_minutes", "notes", "present", "register"]
        read_only_fields = fields

    def get_register(self, session) -> list[int]:
        """The young people on the register whom the caller may see (their ids)."""
        registers = self.context.get("registers")
        if registers is not None:
            return registers.get(session.pk, [])
        visible = Attendance.objects.visible_to(self.context["user"]).filter(session=session)
        return sorted(visible.values_list("child_id", flat=True))

    def get_present(self, session) -> int:
        present = getattr(session, "present", None)
        return present if present is not None else session.attendances.count()


class GroupSessionWriteSerializer(PlainSerializer):
    held_on = serializers.DateField()
    activity = serializers.CharField(max_length=200)
    duration_minutes = serializers.IntegerField()
    children = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class WorkGroupWriteSerializer(PlainSerializer):
    context = serializers.IntegerField()
    area = serializers.IntegerField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Groups your agencies run", responses={200: WorkGroupSerializer(many=True)}),
    create=extend_schema(
        summary="Set up group work with a context you can see",
        request=WorkGroupWriteSerializer,
        responses={201: WorkGroupSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class GroupViewSet(RecordViewSet):
    model = Group
    serializer_class = WorkGroupSerializer
    area_action = "run_group_work"

    def get_queryset(self):
        return Group.objects.visible_to(self.request.user).select_related("area")

    @extend_schema(
        summary="A group, with contact hours per young person (those you may see)",
        responses={200: WorkGroupDetailSerializer, 404: NOT_FOUND_RESPONSE},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        group = self.find(pk)
        per_child = (
            Attendance.objects.visible_to(request.user)
            .filter(session__group=group)
            .values("child_id")
            .annotate(sessions=Count("id"), minutes=Sum("session__duration_minutes"))
            .order_by("child_id")
        )
        hours = [
            {"child": row["child_id"], "sessions": row["sessions"], "contact_hours": round(row["minutes"] / 60, 1)}
            for row in per_child
        ]
        lookups.note_read(request.user, group, shown=[row["child"] for row in hours])
        return Response({**WorkGroupSerializer(group).data, "contact_hours": hours})

    def create(self, request: Request) -> Response:
        serializer = WorkGroupWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        fields = dict(serializer.validated_data)
        context = Context.objects.visible_to(request.user).filter(pk=fields.pop("context")).first()
        if context is None:
            return Response({"context": ["Choose a group you can see"]}, status=400)
        group = services.create_group(request.user, context=context, **fields)
        return created(group, WorkGroupSerializer(group).data, reverse("api:outreach-group-detail", args=[group.pk]))

    @extend_schema(
        summary="Record a session and its register (young people you may see only)",
        request=GroupSessionWriteSerializer,
        responses={201: GroupSessionSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def sessions(self, request: Request, pk: str) -> Response:
        group = self.find(pk)
        serializer = GroupSessionWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        session = services.record_session(request.user, group, **serializer.validated_data)
        data = GroupSessionSerializer(session, context=self.get_serializer_context()).data
        return created(session, data, reverse("api:outreach-session-detail", args=[session.pk]))


@extend_schema_view(
    list=extend_schema(summary="Group sessions your agencies ran", responses={200: GroupSessionSerializer(many=True)}),
    retrieve=extend_schema(
        summary="A group session with its register", responses={200: GroupSessionSerializer, 404: NOT_FOUND_RESPONSE}
    ),
)
class GroupSessionViewSet(RecordViewSet):
    model = GroupSession
    serializer_class = GroupSessionSerializer
    area_action = "run_group_work"

    def get_queryset(self):
        sessions = GroupSession.objects.visible_to(self.request.user).annotate(present=Count("attendances"))
        return sessions.order_by("-held_on", "-id")

    def list(self, request: Request) -> Response:
        rows = self.page(self.get_queryset(), what="api group sessions")
        registers: dict[int, list[int]] = {}
        visible = Attendance.objects.visible_to(request.user).filter(session__in=[row.pk for row in rows])
        for session_id, child_id in visible.order_by("child_id").values_list("session_id", "child_id"):
            registers.setdefault(session_id, []).append(child_id)
        context = {**self.get_serializer_context(), "registers": registers}
        return self.get_paginated_response(GroupSessionSerializer(rows, many=True, context=context).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        session = self.find(pk)
        data = GroupSessionSerializer(session, context=self.get_serializer_context()).data
        lookups.note_read(request.user, session, shown=data["register"])
        return Response(data)


# Reach ------------------------------------------------------------------------------------------


class ReachQuerySerializer(PlainQuerySerializer):
    start = serializers.DateField()
    end = serializers.DateField()
    area = serializers.IntegerField(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The end date must be the same as or after the start date"})
        return attrs


class ReachSerializer(PlainSerializer):
    start = serializers.DateField()
    end = serializers.DateField()
    area = serializers.CharField(allow_null=True)
    people = serializers.ListField(child=serializers.DictField())
    events = serializers.IntegerField()
    trained = serializers.IntegerField()
    awareness = serializers.IntegerField()
    total_people = serializers.IntegerField()
    establishments_engaged = serializers.IntegerField()
    establishments_declined = serializers.IntegerField()
    door_to_door_campaigns = serializers.IntegerField()
    households_reached = serializers.IntegerField()
    group_sessions = serializers.IntegerField()
    attendances = serializers.IntegerField()
    young_people = serializers.IntegerField()
    contact_hours = serializers.DecimalField(max_digits=10, decimal_places=1)


@extend_schema_view(
    list=extend_schema(
        summary="Reach figures for a period and (optionally) an area",
        parameters=[ReachQuerySerializer],
        responses={200: ReachSerializer, 400: INVALID_RESPONSE},
    )
)
class ReachViewSet(RoleViewSet):
    model = OutreachEvent
    area_action = "view_reach"
    serializer_class = ReachSerializer
    answers_one_object = True  # the figures, not a page of records (safeguarding.schema)

    def list(self, request: Request) -> Response:
        query = ReachQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return self.invalid(query)
        area = None
        if query.validated_data.get("area") is not None:
            area = services.area_from(query.validated_data["area"])
        found = reports.reach(request.user, query.validated_data["start"], query.validated_data["end"], area)
        return Response(
            ReachSerializer(
                {
                    "start": found.start,
                    "end": found.end,
                    "area": area.name if area else None,
                    "people": [
                        {
                            "audience": row.audience,
                            "training": row.training,
                            "awareness": row.awareness,
                            "total": row.total,
                        }
                        for row in found.rows
                    ],
                    "events": found.events,
                    "trained": found.trained,
                    "awareness": found.awareness,
                    "total_people": found.people,
                    "establishments_engaged": found.establishments_engaged,
                    "establishments_declined": found.establishments_declined,
                    "door_to_door_campaigns": found.campaigns,
                    "households_reached": found.households,
                    "group_sessions": found.group_sessions,
                    "attendances": found.attendances,
                    "young_people": found.young_people,
                    "contact_hours": found.contact_hours,
                }
            ).data
        )


ROUTES = [
    ("outreach/events", OutreachEventViewSet, "outreach-event"),
    ("outreach/establishments", EstablishmentViewSet, "outreach-establishment"),
    ("outreach/door-to-door", DoorToDoorViewSet, "outreach-campaign"),
    ("outreach/groups", GroupViewSet, "outreach-group"),
    ("outreach/sessions", GroupSessionViewSet, "outreach-session"),
    ("outreach/reach", ReachViewSet, "outreach-reach"),
]

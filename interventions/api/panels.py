"""/api/v1/panel-meetings/, /api/v1/panel-actions/ and /api/v1/tasks/: the same policy and audit as
the pages (interventions.views.panels).

- panel-meetings: list, create (the caller chairs), retrieve (agenda limited to what the caller may
  see), POST {id}/agenda/ to add a child or context, POST {id}/actions/ to assign an action.
- panel-actions: the caller's open actions (?overdue=true for overdue only); POST {id}/status/.
- tasks: the caller's and their agency's open tasks; POST {id}/close/ (done, or not_offered with a reason).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet
from accounts.models import Agency, User
from accounts.serializers import AgencySummarySerializer
from cases.models import Child, Context
from interventions import queries_panels as queries
from interventions.models import ActionStatus, AgendaItem, Panel, PanelAction, PanelMeeting, Task
from interventions.services import panels as services
from interventions.services import tasks as task_services
from safeguarding.api import (
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainQuerySerializer,
    PlainSerializer,
    UserSummarySerializer,
    created,
    forbidden,
    path_id,
)


class AgendaItemSerializer(PlainModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "child", "context", "discussion", "decision"]
        read_only_fields = fields


class PanelActionSerializer(PlainModelSerializer):
    owner = UserSummarySerializer(read_only=True)
    owner_agency = AgencySummarySerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text="open, done or cancelled.")
    overdue = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField(
        help_text="Null when the action is about a young person or context you cannot see (and is not yours)."
    )
    subject_visible = serializers.SerializerMethodField(
        help_text="False when the action's agenda item is about a young person or context you cannot see."
    )

    class Meta:
        model = PanelAction
        fields = [
            "id",
            "meeting",
            "agenda_item",
            "subject_visible",
            "description",
            "owner",
            "owner_agency",
            "due_on",
            "status",
            "completed_on",
            "overdue",
        ]
        read_only_fields = fields

    def get_subject_visible(self, action) -> bool:
        return getattr(action, "subject_visible", True)

    def get_description(self, action) -> str | None:
        user = self.context.get("user")
        if self.get_subject_visible(action) or (user is not None and action.owner_id == user.pk):
            return action.description
        return None

    def get_overdue(self, action) -> bool:
        from django.utils import timezone

        return action.status == ActionStatus.OPEN and action.due_on < timezone.localdate()


class PanelMeetingSerializer(PlainModelSerializer):
    chair = UserSummarySerializer(read_only=True)
    panel_name = serializers.CharField(source="panel.name", read_only=True)

    class Meta:
        model = PanelMeeting
        fields = ["id", "panel", "panel_name", "held_on", "chair", "agencies_present", "notes", "version"]
        read_only_fields = fields


class PanelMeetingDetailSerializer(PanelMeetingSerializer):
    agenda = AgendaItemSerializer(source="visible_agenda", many=True, read_only=True)
    actions = PanelActionSerializer(source="visible_actions", many=True, read_only=True)

    class Meta(PanelMeetingSerializer.Meta):
        fields = [*PanelMeetingSerializer.Meta.fields, "agenda", "actions"]
        read_only_fields = fields


class PanelMeetingCreateSerializer(PlainSerializer):
    panel = serializers.PrimaryKeyRelatedField(queryset=Panel.objects.all())
    held_on = serializers.DateField()
    agencies_present = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True), many=True, required=False
    )
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)


class AgendaItemCreateSerializer(PlainSerializer):
    child = serializers.IntegerField(required=False, help_text="Id of a young person you can see.")
    context = serializers.IntegerField(required=False, help_text="Id of a context you can see.")
    discussion = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    decision = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate(self, attrs):
        user = self.context["user"]
        child_id, context_id = attrs.pop("child", None), attrs.pop("context", None)
        if (child_id is None) == (context_id is None):
            raise serializers.ValidationError({"child": ["Give a young person or a context, not both"]})
        if child_id is not None:
            attrs["child"] = Child.objects.visible_to(user).filter(pk=child_id).first()
            if attrs["child"] is None:
                raise serializers.ValidationError({"child": ["Choose a young person you can see"]})
        else:
            attrs["context"] = Context.objects.visible_to(user).filter(pk=context_id).first()
            if attrs["context"] is None:
                raise serializers.ValidationError({"context": ["Choose a context you can see"]})
        return attrs


class ActionCreateSerializer(PlainSerializer):
    description = serializers.CharField(max_length=500)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    owner_agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.filter(is_active=True))
    due_on = serializers.DateField()
    agenda_item = serializers.PrimaryKeyRelatedField(queryset=AgendaItem.objects.all(), required=False, allow_null=True)


class ActionStatusSerializer(PlainSerializer):
    # Plain strings in the schema (not enums), so these choice sets do not collide with other areas'.
    status = serializers.CharField(help_text="open, done or cancelled.")

    def validate_status(self, value: str) -> str:
        if value not in ActionStatus.values:
            raise serializers.ValidationError("Choose open, done or cancelled")
        return value


class TaskSerializer(PlainModelSerializer):
    agency = AgencySummarySerializer(read_only=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    child = serializers.SerializerMethodField()
    kind = serializers.CharField(read_only=True, help_text="return_home_interview, review or other.")
    status = serializers.CharField(read_only=True, help_text="open, done or not_offered.")

    class Meta:
        model = Task
        fields = ["id", "kind", "title", "child", "agency", "assignee", "due_at", "status", "closed_reason"]
        read_only_fields = fields

    def get_child(self, task) -> int | None:
        return task.child_id if getattr(task, "child_visible", False) else None


class TaskCloseSerializer(PlainSerializer):
    outcome = serializers.CharField(help_text="done, or not_offered (with a reason).")
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate_outcome(self, value: str) -> str:
        if value not in ("done", "not_offered"):
            raise serializers.ValidationError("Choose done or not_offered")
        return value

    def validate(self, attrs):
        if attrs["outcome"] == "not_offered" and not attrs.get("reason", "").strip():
            raise serializers.ValidationError(
                {"reason": ["Give the reason for deciding not to offer a return home interview"]}
            )
        return attrs


def _meeting_detail(user, meeting: PanelMeeting) -> dict:
    meeting.visible_agenda = list(queries.visible_agenda(user, meeting))
    meeting.visible_actions = list(queries.meeting_actions(user, meeting))
    lookups.note_read(user, meeting, shown=[item.child_id for item in meeting.visible_agenda if item.child_id])
    return PanelMeetingDetailSerializer(meeting, context={"user": user}).data


@extend_schema_view(
    list=extend_schema(summary="Panel meetings you may see", responses={200: PanelMeetingSerializer(many=True)}),
    create=extend_schema(
        summary="Record a panel meeting (you chair it)",
        request=PanelMeetingCreateSerializer,
        responses={201: PanelMeetingDetailSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
    ),
    retrieve=extend_schema(
        summary="A panel meeting, with the agenda items and actions you may see",
        responses={200: PanelMeetingDetailSerializer, 404: NOT_FOUND_RESPONSE},
    ),
)
class PanelMeetingViewSet(AccessViewSet):
    model = PanelMeeting
    serializer_class = PanelMeetingSerializer

    def get_queryset(self):
        return (
            queries.meetings_visible_to(self.request.user)
            .select_related("panel", "chair")
            .prefetch_related("agencies_present")
        )

    def lookup_queryset(self):
        return self.get_queryset()

    def list(self, request: Request) -> Response:
        page = self.page(self.get_queryset(), what="api panel meetings")
        return self.get_paginated_response(PanelMeetingSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        if not policy.can(request.user, "run_panel"):
            return forbidden("Only a manager or caseworker can run a panel meeting.")
        serializer = PanelMeetingCreateSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = dict(serializer.validated_data)
        meeting = services.create_meeting(
            request.user,
            data["panel"],
            held_on=data["held_on"],
            agencies_present=data.get("agencies_present", []),
            notes=data.get("notes", ""),
        )
        meeting = self.get_queryset().get(pk=meeting.pk)
        return created(
            meeting, _meeting_detail(request.user, meeting), reverse("api:panel-meeting-detail", args=[meeting.pk])
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        meeting = self.find(pk)
        return Response(_meeting_detail(request.user, meeting))

    def _runnable(self, pk):
        meeting = self.find(pk)
        if not policy.can(self.request.user, "run_panel", meeting):
            return None, forbidden("Only a manager or caseworker can change a panel meeting.")
        return meeting, None

    @extend_schema(
        summary="Add a young person or a context to the agenda",
        request=AgendaItemCreateSerializer,
        responses={201: AgendaItemSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def agenda(self, request: Request, pk: str) -> Response:
        meeting, refused = self._runnable(pk)
        if refused:
            return refused
        serializer = AgendaItemCreateSerializer(data=request.data, context={"user": request.user})
        if not serializer.is_valid():
            return self.invalid(serializer)
        item = services.add_agenda_item(request.user, meeting, **serializer.validated_data)
        return Response(AgendaItemSerializer(item).data, status=201)

    @extend_schema(
        summary="Assign an action (owner from an agency present; due today or later)",
        request=ActionCreateSerializer,
        responses={201: PanelActionSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def actions(self, request: Request, pk: str) -> Response:
        meeting, refused = self._runnable(pk)
        if refused:
            return refused
        serializer = ActionCreateSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        item = services.assign_action(request.user, meeting, **serializer.validated_data)
        return Response(PanelActionSerializer(item).data, status=201)


class ActionFilterSerializer(PlainQuerySerializer):
    overdue = serializers.BooleanField(required=False, default=False)


@extend_schema_view(
    list=extend_schema(
        summary="Your open panel actions",
        parameters=[ActionFilterSerializer],
        responses={200: PanelActionSerializer(many=True), 400: INVALID_RESPONSE},
    ),
)
class PanelActionViewSet(AccessViewSet):
    model = PanelAction
    serializer_class = PanelActionSerializer

    def get_queryset(self):
        return queries.my_open_actions(self.request.user).select_related("owner").order_by("due_on", "id")

    def list(self, request: Request) -> Response:
        filters = ActionFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        actions = self.get_queryset()
        if filters.validated_data["overdue"]:
            actions = actions.overdue()
        page = self.page(actions, what="api my panel actions")
        return self.get_paginated_response(PanelActionSerializer(page, many=True).data)

    @extend_schema(
        summary="Change an action's status (its owner, or a manager of the owning agency)",
        parameters=[path_id("id", "Id of the panel action.")],
        request=ActionStatusSerializer,
        responses={200: PanelActionSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str) -> Response:
        item = queries.action_or_404(request.user, pk)
        if not policy.can(request.user, "update_panel_action", item):
            return forbidden(services.UPDATE_ACTION_MESSAGE)
        serializer = ActionStatusSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        updated = services.update_action_status(request.user, item, serializer.validated_data["status"])
        return Response(PanelActionSerializer(updated).data)


@extend_schema_view(
    list=extend_schema(
        summary="Open tasks for you and your agency, overdue first", responses={200: TaskSerializer(many=True)}
    ),
)
class TaskViewSet(AccessViewSet):
    model = Task
    serializer_class = TaskSerializer

    def get_queryset(self):
        return queries.my_open_tasks(self.request.user)

    def list(self, request: Request) -> Response:
        page = self.page(self.get_queryset(), what="api my tasks")
        return self.get_paginated_response(TaskSerializer(page, many=True).data)

    @extend_schema(
        summary="Close a task: done, or a decision not to offer (reason required)",
        parameters=[path_id("id", "Id of the task.")],
        request=TaskCloseSerializer,
        responses={200: TaskSerializer, 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        task = queries.task_or_404(request.user, pk)
        serializer = TaskCloseSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        task_services.close_task(request.user, task, **serializer.validated_data)
        return Response(TaskSerializer(queries.task_or_404(request.user, task.pk)).data)


ROUTES = [
    ("panel-meetings", PanelMeetingViewSet, "panel-meeting"),
    ("panel-actions", PanelActionViewSet, "panel-action"),
    ("tasks", TaskViewSet, "task"),
]

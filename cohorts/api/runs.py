"""/api/v1/cohort/runs/ and /api/v1/cohort/suggestions/: recalculation runs (list, read, and request
one: managers only), and each child's current suggestion with the contributions that explain it
(/cohort/suggestions/<child id>/: children you may see, and for managers also the young people no
agency works with yet, for the cohort only; `take-on/` starts your agency's work with one of those).
Suggestions about a child you may not see answer 404; contexts you may not see are not named.

Like every cohort resource, both answer 404 to anyone signed in without a cohort role (view_cohort),
as if they did not exist; a cohort role that may not do something (request a run: run_cohort) gets
403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups, policy
from access.api import AccessViewSet, OpenPagination
from cases import queries as case_queries
from cases.models import Child
from cases.services import children as child_services
from cohorts.models import CohortRun, CohortSettings, CurrentSuggestion, RunKind, RunTrigger, Suggestion
from cohorts.services import runs as run_services
from safeguarding.api import (
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainSerializer,
    created,
    forbidden,
    not_in_future,
    parse_id,
    path_id,
)

RUN_MESSAGE = "Only managers can ask for a recalculation."


class RunSerializer(PlainModelSerializer):
    scoring_model_version = serializers.IntegerField(source="scoring_model.version", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    children_listed = serializers.SerializerMethodField(help_text="For an incremental run: how many children.")

    class Meta:
        model = CohortRun
        fields = [
            "id",
            "kind",
            "trigger",
            "status",
            "status_label",
            "as_of",
            "scoring_model_version",
            "suggestions_enabled",
            "base_run",
            "children_listed",
            "observation_high_water",
            "created_at",
            "started_at",
            "published_at",
            "duration_ms",
            "children_scored",
            "counts",
            "changes",
            "error",
        ]
        read_only_fields = fields

    def get_children_listed(self, run: CohortRun) -> int:
        return len(run.child_ids)


class RunRequestSerializer(PlainSerializer):
    as_of = serializers.DateField(
        required=False, validators=[not_in_future], help_text="Default today; must not be in the future."
    )


# A run's fields a suggestion never shows, and which can be large (every child an incremental run listed).
BIG = ("child_ids", "counts", "changes", "current_counts")


class ContributionSerializer(PlainSerializer):
    """An indicator (code, level, weight, count, last_observed_on) or a context link (context_id,
    context_name when you may see the context, reason, weight)."""

    code = serializers.CharField(required=False)
    level = serializers.CharField(required=False)
    weight = serializers.IntegerField()
    count = serializers.IntegerField(required=False)
    last_observed_on = serializers.DateField(required=False)
    context_id = serializers.IntegerField(required=False)
    context_name = serializers.CharField(required=False, allow_null=True)
    reason = serializers.ChoiceField(choices=["other_children", "harm"], required=False)


class SuggestionSerializer(PlainModelSerializer):
    run_as_of = serializers.DateField(source="run.as_of", read_only=True)
    scoring_model_version = serializers.IntegerField(source="run.scoring_model.version", read_only=True)
    contributions = serializers.SerializerMethodField()
    why_url = serializers.SerializerMethodField()

    class Meta:
        model = Suggestion
        fields = [
            "child",
            "run",
            "run_as_of",
            "scoring_model_version",
            "score",
            "individual_score",
            "family_score",
            "context_score",
            "tier",
            "previous_tier",
            "contributions",
            "why_url",
        ]
        read_only_fields = fields

    @extend_schema_field(ContributionSerializer(many=True))
    def get_contributions(self, suggestion: Suggestion) -> list:
        names = self.context.get("context_names", {})
        # A list expands each explanation once (for the context names too) and passes it here.
        expanded = self.context.get("contributions", {}).get(suggestion.pk)
        result = []
        for entry in suggestion.contributions if expanded is None else expanded:
            entry = dict(entry)
            if "context_id" in entry:
                entry["context_name"] = names.get(entry["context_id"])
            result.append(entry)
        return result

    def get_why_url(self, suggestion: Suggestion) -> str:
        return reverse("cohorts:suggestion_why", args=[suggestion.child_id])


TAKE_ON_MESSAGE = "Enter why your agency is starting to work with this young person"


class TakeOnSerializer(PlainSerializer):
    reason = serializers.CharField(
        max_length=child_services.TAKE_ON_REASON_MAX,
        error_messages={"required": TAKE_ON_MESSAGE, "blank": TAKE_ON_MESSAGE},
        help_text="Why your agency is starting to work with this young person; kept in the audit trail.",
    )


class TakenOnSerializer(PlainSerializer):
    child = serializers.IntegerField(source="child_id")
    agency = serializers.CharField(source="agency.name")
    started_on = serializers.DateField()


def _context_names(user, contributions: list[list[dict]]) -> dict[int, str]:
    ids = {e["context_id"] for entries in contributions for e in entries if "context_id" in e}
    if not ids:
        return {}
    return dict(case_queries.visible_contexts(user).filter(pk__in=ids).values_list("pk", "name"))


@extend_schema_view(
    list=extend_schema(
        summary="Recalculation runs, newest first",
        responses={200: RunSerializer(many=True), 404: NOT_FOUND_RESPONSE},
    ),
    retrieve=extend_schema(summary="A recalculation run", responses={200: RunSerializer, 404: NOT_FOUND_RESPONSE}),
    create=extend_schema(
        summary="Ask for a whole-city recalculation (managers); it runs in the background",
        request=RunRequestSerializer,
        responses={201: RunSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class CohortRunViewSet(AccessViewSet):
    model = CohortRun
    serializer_class = RunSerializer

    def get_queryset(self):
        return CohortRun.objects.select_related("scoring_model")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        lookups.require_or_404(request.user, "view_cohort")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        # Runs are not about a person: a missing run is simply not found (nothing to audit).
        run = get_object_or_404(self.get_queryset(), pk=parse_id(pk))
        return Response(RunSerializer(run).data)

    def create(self, request: Request) -> Response:
        if not policy.can(request.user, "run_cohort"):
            return forbidden(RUN_MESSAGE)
        serializer = RunRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return self.invalid(serializer)
        with transaction.atomic():
            run = run_services.request_run(
                kind=RunKind.FULL,
                trigger=RunTrigger.MANUAL,
                as_of=serializer.validated_data.get("as_of"),
                requested_by=request.user,
            )
        return created(run, RunSerializer(run).data, reverse("api:cohort-run-detail", args=[run.pk]))


@extend_schema_view(
    list=extend_schema(
        summary="Current suggestions of the children you may see, highest score first",
        responses={200: SuggestionSerializer(many=True), 404: NOT_FOUND_RESPONSE},
    ),
    retrieve=extend_schema(
        summary="A child's current suggestion and why (by child id)",
        parameters=[path_id("id", "The child's id.")],
        responses={200: SuggestionSerializer, 404: NOT_FOUND_RESPONSE},
    ),
)
class CohortSuggestionViewSet(AccessViewSet):
    model = Suggestion
    serializer_class = SuggestionSerializer
    pagination_class = OpenPagination  # up to every child of the city: no total counted

    def list(self, request: Request) -> Response:
        lookups.require_or_404(request.user, "view_cohort")
        # The page is walked in the stored current suggestions alone (score index, visibility by
        # child), then its rows are read by id: joining the suggestions, partitioned by run on
        # PostgreSQL, made the planner scan every partition (4-7 s on the benchmark city).
        walked = (
            CurrentSuggestion.objects.visible_to(request.user)
            .order_by("-score", "child_id")
            .values_list("suggestion_id", flat=True)
        )
        if not CohortSettings.load().suggestions_enabled:
            walked = walked.none()
        ids = self.paginate_queryset(walked)
        # The page's few runs once each, shared by its rows, without their lists of children
        # (select_related would decode every row's run and scoring model again).
        runs = Prefetch("run", queryset=CohortRun.objects.select_related("scoring_model").defer(*BIG))
        found = {s.pk: s for s in Suggestion.objects.filter(pk__in=ids).prefetch_related(runs)}
        page = [found[pk] for pk in ids if pk in found]
        lookups.shown(request.user, Child, [s.child_id for s in page], what="api cohort suggestions")
        contributions = {s.pk: s.contributions for s in page}
        context = {
            "context_names": _context_names(request.user, list(contributions.values())),
            "contributions": contributions,
        }
        return self.get_paginated_response(SuggestionSerializer(page, many=True, context=context).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        lookups.require_or_404(request.user, "view_cohort")
        child = case_queries.cohort_child_or_404(request.user, pk)
        lookups.note_read(request.user, child, basis=child.access_basis)
        suggestion = None
        if CohortSettings.load().suggestions_enabled:
            # One probe of the stored current suggestions by child.
            suggestion = Suggestion.objects.current_for(child).select_related("run", "run__scoring_model").first()
        if suggestion is None:
            raise Http404  # the child may be seen, and has no current suggestion: nothing refused
        context = {"context_names": _context_names(request.user, [suggestion.contributions])}
        return Response(SuggestionSerializer(suggestion, context=context).data)

    @extend_schema(
        summary="Take on a young person no agency works with yet, for your agency, saying why (managers)",
        description="For a young person known only from a data feed: your agency starts working with them, so "
        "its caseworkers can see their record. The reason is kept in the audit trail. 400 if an agency already "
        "works with them.",
        parameters=[path_id("id", "The child's id.")],
        request=TakeOnSerializer,
        responses={201: TakenOnSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"], url_path="take-on")
    def take_on(self, request: Request, pk=None) -> Response:
        lookups.require_or_404(request.user, "view_cohort")
        child = case_queries.cohort_child_or_404(request.user, pk)
        if not policy.can(request.user, "take_on_child", child):
            raise PermissionDenied("You cannot take on this young person.")
        body = TakeOnSerializer(data=request.data)
        if not body.is_valid():
            return self.invalid(body)
        involvement = child_services.take_on(request.user, child, body.validated_data["reason"])
        return Response(TakenOnSerializer(involvement).data, status=201)


ROUTES = [
    ("cohort/runs", CohortRunViewSet, "cohort-run"),
    ("cohort/suggestions", CohortSuggestionViewSet, "cohort-suggestion"),
]

"""/api/v1/cohort/nominations/, /cohort/tier-decisions/, /cohort/tiers/ and /cohort/fairness/.

Same policy as the pages: lists need the view_cohort role and hold only children the caller can
see (anyone else signed in gets 404, like the pages); creating goes through
cohorts.services.decisions, which checks nominate / decide_tier (403 when the role cannot) and
answers bad input with 400 and field errors, nothing saved. Fairness is a partnership-wide
aggregate for managers and the data protection officer."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access import lookups
from access.api import AccessViewSet, VisibleRecordField
from cases.models import Child
from cohorts.models import ChildTier, DecisionOutcome, Nomination, NominationStatus, Tier, TierDecision
from cohorts.services import decisions as services
from cohorts.services import fairness as fairness_service
from interventions.models import PanelMeeting
from safeguarding.api import (
    FORBIDDEN_RESPONSE,
    INVALID_RESPONSE,
    NOT_FOUND_RESPONSE,
    PlainModelSerializer,
    PlainQuerySerializer,
    PlainSerializer,
    UserSummarySerializer,
    id_field,
    parse_id,
)

CHILD_MESSAGE = "Choose a young person you can see"


def _child_cohort_scope(user):
    return Child.objects.visible_to(user).values("pk")


# Nominations ------------------------------------------------------------------------------------


class NominationSerializer(PlainModelSerializer):
    nominated_by = UserSummarySerializer(read_only=True)
    agency = serializers.CharField(source="agency.name", read_only=True)
    withdrawn_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Nomination
        fields = [
            "id",
            "child",
            "tier",
            "reason",
            "status",
            "nominated_by",
            "agency",
            "created_at",
            "withdrawn_by",
            "withdrawn_at",
            "withdrawal_reason",
        ]
        read_only_fields = [name for name in fields if name not in ("child", "tier", "reason")]


class NominationCreateSerializer(PlainSerializer):
    child = VisibleRecordField(Child, CHILD_MESSAGE)
    tier = serializers.ChoiceField(choices=Tier.choices, error_messages={"invalid_choice": "Choose a tier"})
    reason = serializers.CharField(max_length=services.REASON_MAX)


class WithdrawNominationSerializer(PlainSerializer):
    reason = serializers.CharField(
        max_length=services.REASON_MAX,
        error_messages={
            "required": services.WITHDRAW_REASON_MESSAGE,
            "blank": services.WITHDRAW_REASON_MESSAGE,
        },
        help_text="Why the nomination is withdrawn; kept with it in the history.",
    )


class NominationFilterSerializer(PlainQuerySerializer):
    status = serializers.ChoiceField(choices=NominationStatus.choices, required=False)
    child = id_field(required=False)


@extend_schema_view(
    list=extend_schema(
        summary="Nominations of the young people you can see (cohort roles only)",
        parameters=[NominationFilterSerializer],
        responses={200: NominationSerializer(many=True), 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
    create=extend_schema(
        summary="Nominate a young person you can see for a tier (one open nomination per young person)",
        request=NominationCreateSerializer,
        responses={201: NominationSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE},
    ),
)
class NominationViewSet(AccessViewSet):
    model = Nomination
    serializer_class = NominationSerializer

    def get_queryset(self):
        return (
            Nomination.objects.filter(child__in=_child_cohort_scope(self.request.user))
            .select_related("nominated_by", "agency", "withdrawn_by")
            .order_by("-created_at", "-id")
        )

    def list(self, request: Request) -> Response:
        lookups.require_or_404(request.user, "view_cohort")
        filters = NominationFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        nominations = self.get_queryset()
        for name in ("status", "child"):
            if name in filters.validated_data:
                nominations = nominations.filter(**{name: filters.validated_data[name]})
        page = self.paginate_queryset(nominations)
        lookups.shown(request.user, Child, [row.child_id for row in page], what="api cohort nominations")
        return self.get_paginated_response(NominationSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        serializer = NominationCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = serializer.validated_data
        nomination = services.nominate(request.user, data["child"], data["tier"], data["reason"])
        return Response(NominationSerializer(nomination).data, status=201)

    @extend_schema(
        summary="Withdraw an open nomination, saying why (the nominator, or someone who may decide the tier)",
        description="The nomination stays in the history with who withdrew it, when and why, and no longer counts "
        "as open. The young person's tier does not change. 400 if the panel has already decided it.",
        request=WithdrawNominationSerializer,
        responses={200: NominationSerializer, 400: INVALID_RESPONSE, 403: FORBIDDEN_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk=None) -> Response:
        # Seen through its child; refused like a missing one, and (as before) not audited.
        nomination = get_object_or_404(self.get_queryset(), pk=parse_id(pk))
        body = WithdrawNominationSerializer(data=request.data)
        if not body.is_valid():
            return self.invalid(body)
        withdrawn = services.withdraw_nomination(request.user, nomination, body.validated_data["reason"])
        return Response(NominationSerializer(self.get_queryset().get(pk=withdrawn.pk)).data)


# Tier decisions ---------------------------------------------------------------------------------


class TierDecisionSerializer(PlainModelSerializer):
    decided_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = TierDecision
        fields = [
            "id",
            "child",
            "outcome",
            "proposed_tier",
            "tier",
            "previous_tier",
            "suggestion",
            "nomination",
            "panel_meeting",
            "reason",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class TierDecisionCreateSerializer(PlainSerializer):
    child = VisibleRecordField(Child, CHILD_MESSAGE)
    outcome = serializers.ChoiceField(
        choices=DecisionOutcome.choices, error_messages={"invalid_choice": "Choose confirm, change or reject"}
    )
    tier = serializers.ChoiceField(
        choices=Tier.choices,
        required=False,
        allow_blank=True,
        help_text="Required to change; must match the proposal (or be left out) to confirm; ignored to reject.",
    )
    reason = serializers.CharField(max_length=services.REASON_MAX)
    panel_meeting = VisibleRecordField(
        PanelMeeting, "Choose a panel meeting you can see", required=False, allow_null=True
    )
    suggestion = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Optional: the suggestion id you decided on. 400 if it is no longer the current one.",
    )
    nomination = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Optional: the open nomination id you decided on. 400 if it is no longer open.",
    )


class TierDecisionFilterSerializer(PlainQuerySerializer):
    child = id_field(required=False)


CHANGED_MESSAGE = "This is no longer what is proposed for the young person: read it again, then decide"


@extend_schema_view(
    list=extend_schema(
        summary="Tier decisions (tier history) of the young people you can see (cohort roles only)",
        parameters=[TierDecisionFilterSerializer],
        responses={200: TierDecisionSerializer(many=True), 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
    create=extend_schema(
        summary="Record a panel decision: confirm, change or reject the proposed tier",
        description="The proposal is the young person's current suggestion (when it names a tier) and their open "
        "nomination. The decision sets the young person's current tier.",
        request=TierDecisionCreateSerializer,
        responses={
            201: TierDecisionSerializer,
            400: INVALID_RESPONSE,
            403: FORBIDDEN_RESPONSE,
            404: NOT_FOUND_RESPONSE,
        },
    ),
)
class TierDecisionViewSet(AccessViewSet):
    model = TierDecision
    serializer_class = TierDecisionSerializer

    def get_queryset(self):
        return (
            TierDecision.objects.filter(child__in=_child_cohort_scope(self.request.user))
            .select_related("decided_by")
            .order_by("-decided_at", "-id")
        )

    def list(self, request: Request) -> Response:
        lookups.require_or_404(request.user, "view_cohort")
        filters = TierDecisionFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        decisions = self.get_queryset()
        if "child" in filters.validated_data:
            decisions = decisions.filter(child=filters.validated_data["child"])
        page = self.paginate_queryset(decisions)
        lookups.shown(request.user, Child, [row.child_id for row in page], what="api cohort tier decisions")
        return self.get_paginated_response(TierDecisionSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        lookups.require_or_404(request.user, "view_cohort")
        serializer = TierDecisionCreateSerializer(data=request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            return self.invalid(serializer)
        data = serializer.validated_data
        child = data["child"]
        suggestion, nomination = services.proposal(child)
        errors = {}
        for key, current in (("suggestion", suggestion), ("nomination", nomination)):
            if data.get(key) is not None and data[key] != (current.pk if current else None):
                errors[key] = [CHANGED_MESSAGE]
        if errors:
            return Response(errors, status=400)
        decision = services.record_decision(
            request.user,
            child,
            outcome=data["outcome"],
            tier=data.get("tier") or "",
            reason=data["reason"],
            suggestion=suggestion,
            nomination=nomination,
            panel_meeting=data.get("panel_meeting"),
        )
        return Response(TierDecisionSerializer(decision).data, status=201)


# Current tiers ----------------------------------------------------------------------------------


class ChildTierSerializer(PlainModelSerializer):
    class Meta:
        model = ChildTier
        fields = ["child", "tier", "since", "decision"]
        read_only_fields = fields


class ChildTierFilterSerializer(PlainQuerySerializer):
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        summary="Current tiers of the young people you can see (cohort roles only)",
        parameters=[ChildTierFilterSerializer],
        responses={200: ChildTierSerializer(many=True), 400: INVALID_RESPONSE, 404: NOT_FOUND_RESPONSE},
    ),
)
class ChildTierViewSet(AccessViewSet):
    model = ChildTier
    serializer_class = ChildTierSerializer

    def get_queryset(self):
        return ChildTier.objects.filter(child__in=_child_cohort_scope(self.request.user)).order_by("tier", "child_id")

    def list(self, request: Request) -> Response:
        lookups.require_or_404(request.user, "view_cohort")
        filters = ChildTierFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return self.invalid(filters)
        tiers = self.get_queryset()
        if "tier" in filters.validated_data:
            tiers = tiers.filter(tier=filters.validated_data["tier"])
        page = self.paginate_queryset(tiers)
        lookups.shown(request.user, Child, [row.child_id for row in page], what="api cohort tiers")
        return self.get_paginated_response(ChildTierSerializer(page, many=True).data)


# Fairness ---------------------------------------------------------------------------------------


class MeasureSerializer(PlainSerializer):
    count = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Share of the group, 0 to 1.")
    ratio = serializers.FloatField(allow_null=True, help_text="Group rate / overall rate.")
    status = serializers.ChoiceField(
        choices=[
            (fairness_service.OK, "Within 0.8–1.25"),
            (fairness_service.OUTSIDE, "Outside 0.8–1.25"),
            (fairness_service.TOO_FEW, "Too few to judge"),
            (fairness_service.NO_RATE, "No overall rate"),
        ]
    )


class GroupSerializer(PlainSerializer):
    value = serializers.CharField()
    base = serializers.IntegerField()
    suggested = MeasureSerializer()
    tiered = MeasureSerializer()


class DimensionSerializer(PlainSerializer):
    key = serializers.CharField()
    label = serializers.CharField()
    groups = GroupSerializer(many=True)


class FairnessSerializer(PlainSerializer):
    as_of = serializers.DateField()
    base = serializers.IntegerField(help_text="Open young people's records in the partnership.")
    suggested = serializers.IntegerField()
    tiered = serializers.IntegerField()
    suggested_rate = serializers.FloatField(allow_null=True)
    tiered_rate = serializers.FloatField(allow_null=True)
    dimensions = DimensionSerializer(many=True)


def _measure(m: fairness_service.Measure) -> dict:
    return {
        "count": m.count,
        "rate": None if m.rate is None else float(m.rate),
        "ratio": None if m.ratio is None else float(m.ratio),
        "status": m.status,
    }


def report_data(report: fairness_service.FairnessReport) -> dict:
    return {
        "as_of": report.as_of,
        "base": report.base,
        "suggested": report.suggested,
        "tiered": report.tiered,
        "suggested_rate": None if report.suggested_rate is None else float(report.suggested_rate),
        "tiered_rate": None if report.tiered_rate is None else float(report.tiered_rate),
        "dimensions": [
            {
                "key": dimension.key,
                "label": dimension.label,
                "groups": [
                    {
                        "value": group.value,
                        "base": group.base,
                        "suggested": _measure(group.suggested),
                        "tiered": _measure(group.tiered),
                    }
                    for group in dimension.groups
                ],
            }
            for dimension in report.dimensions
        ],
    }


@extend_schema_view(
    list=extend_schema(
        summary="Suggestion and tier rates by ethnic group, gender, age band and neighbourhood (managers and DPO)",
        description="Partnership-wide aggregates, no names. See cohorts/services/fairness.py for the rules.",
        responses={200: FairnessSerializer, 404: NOT_FOUND_RESPONSE},
    ),
)
class FairnessViewSet(AccessViewSet):
    model = Child
    serializer_class = FairnessSerializer
    pagination_class = None
    answers_one_object = True  # the report, not a list of records (safeguarding.schema)

    def list(self, request: Request) -> Response:
        lookups.require_or_404(request.user, "view_fairness")
        report = fairness_service.fairness_report()
        # Aggregates only: recorded as a list view with no subjects.
        lookups.shown(request.user, Child, [], what="api cohort fairness")
        return Response(FairnessSerializer(report_data(report)).data)


ROUTES = [
    ("cohort/nominations", NominationViewSet, "cohort-nomination"),
    ("cohort/tier-decisions", TierDecisionViewSet, "cohort-tier-decision"),
    ("cohort/tiers", ChildTierViewSet, "cohort-tier"),
    ("cohort/fairness", FairnessViewSet, "cohort-fairness"),
]

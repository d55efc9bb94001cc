"""What every case-record API view shares: the access policy on lookups, 404s that keep their audit
row, the version check (ETag / If-Match), and the mapping of service errors to HTTP answers.

Rules of the road for the API (the same as the pages):
- Reads go through `Model.objects.visible_to(user)` or cases.queries; a record the user may not see
  answers 404 (never 403), and the refusal is audited. The 404 is *returned*, not raised: DRF's
  exception handler calls set_rollback(), which would roll back the audit row.
- Writes go through cases.services, which check the policy, write and audit. Their ValidationError
  becomes 400 with field errors, PermissionDenied 403 (the user can see the record but their role
  cannot do this), StaleVersion 412 with the record as it is now.
- A versioned record (child, family, context, referral, assessment, plan) carries an ETag `"<version>"`;
  PATCH needs `If-Match` with it (428 without, 412 when somebody saved in between).
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts import policy
from accounts.models import Agency, Membership, User
from audit import services as audit
from cases import queries
from cases.services import StaleVersion

ID_PATTERN = re.compile(r"[0-9]{1,18}")
IF_MATCH_PATTERN = re.compile(r'\s*(?:W/)?"([0-9]{1,9})"\s*')

NOT_FOUND = "Not found."
IF_MATCH_REQUIRED = (
    "Send an If-Match header holding the ETag from your last read of this record (for example "
    'If-Match: "3"), so that nobody\'s changes are overwritten without them knowing.'
)
IF_MATCH_MALFORMED = 'If-Match must hold exactly one ETag of this record, like "3".'
STALE = (
    "Someone else changed this record since you read it. Your changes have not been saved. "
    "Check the current record (in 'current'), then send your changes again with its ETag."
)


# Ids and lookups -------------------------------------------------------------------------------


def parse_id(value: Any) -> int | None:
    """A database id from a URL or query string; None for anything malformed (which answers 404)."""
    text = str(value)
    return int(text) if ID_PATTERN.fullmatch(text) else None


def not_found() -> Response:
    """404 for a record that does not exist or that the user may not see; the two look the same."""
    return Response({"detail": NOT_FOUND}, status=404)


def forbidden(message: str) -> Response:
    return Response({"detail": message}, status=403)


# Versions --------------------------------------------------------------------------------------


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, obj) -> Response:
    response["ETag"] = etag(obj.version)
    return response


def expected_version(request: Request) -> int | Response:
    """The version the client last read, from If-Match; or the 428/400 answer when it is missing."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return Response({"detail": IF_MATCH_REQUIRED}, status=428)
    match = IF_MATCH_PATTERN.fullmatch(header)
    if match is None:
        return Response({"detail": IF_MATCH_MALFORMED}, status=400)
    return int(match.group(1))


# Errors ----------------------------------------------------------------------------------------


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as the API's 400 body: {"field": ["message", ...]}."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
            for name, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


class CaseViewSet(viewsets.GenericViewSet):
    """Base for the case-record viewsets: policy-scoped querysets and the service error mapping."""

    model: type = None  # set by subclasses
    select_related: tuple[str, ...] = ()
    # Service error keys that the API names differently.
    error_renames: dict[str, str] = {}

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def visible(self, pk: Any):
        """The record if this user may see it, else None (refusals of real-looking ids are audited)."""
        object_id = parse_id(pk)
        if object_id is None:
            return None
        return queries.visible_object(self.request.user, self.model, object_id, select_related=self.select_related)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "user": self.request.user}

    def invalid(self, serializer: serializers.Serializer) -> Response:
        return Response(serializer.errors, status=400)

    def current_representation(self, obj) -> dict:
        """The record as it is now, for a 412 answer (subclasses with versions override)."""
        raise NotImplementedError

    def stale(self, pk: int) -> Response:
        current = self.visible(pk)
        if current is None:
            return not_found()
        audit.record_read(self.request.user, current, basis=getattr(current, "access_basis", ""))
        return with_etag(Response({"detail": STALE, "current": self.current_representation(current)}, 412), current)

    def handle_exception(self, exc):
        # Services run in their own atomic block, so whatever they wrote is already undone; answering
        # here (rather than through DRF's handler, which marks the whole request for rollback) keeps
        # the audit rows written earlier in the request.
        if isinstance(exc, StaleVersion):
            return self.stale(exc.current.pk)
        if isinstance(exc, DjangoValidationError):
            errors = field_errors(exc)
            return Response({self.error_renames.get(key, key): value for key, value in errors.items()}, status=400)
        if isinstance(exc, DjangoPermissionDenied):
            return forbidden(str(exc) or "You cannot do this.")
        return super().handle_exception(exc)


def optional_expected_version(request: Request) -> int | Response | None:
    """Like `expected_version`, for writes where If-Match is optional: None when it is absent."""
    if not request.headers.get("If-Match", "").strip():
        return None
    return expected_version(request)


def versioned_update(
    view: CaseViewSet,
    request: Request,
    pk: str,
    *,
    action: str,
    serializer_class,
    save,
    subject=lambda obj: obj,
    represent=None,
) -> Response:
    """PATCH for a versioned record: 404 unless visible, 403 unless the role may do `action` on
    `subject(obj)`, 428 without If-Match, 412 when stale, 400 on bad input, else
    `save(obj, changes, version)` (a service call) and the saved record (`represent`, or as
    `serializer_class` shows it) with its new ETag."""
    obj = view.visible(pk)
    if obj is None:
        return not_found()
    if not policy.can(request.user, action, subject(obj)):
        return forbidden("You cannot change this record.")
    version = expected_version(request)
    if isinstance(version, Response):
        return version
    if version != obj.version:
        return view.stale(obj.pk)
    serializer = serializer_class(obj, data=request.data, partial=True, context=view.get_serializer_context())
    if not serializer.is_valid():
        return view.invalid(serializer)
    updated = save(obj, dict(serializer.validated_data), version)
    data = represent(updated) if represent else serializer_class(updated, context=view.get_serializer_context()).data
    return with_etag(Response(data), updated)


def created(obj, data: dict, location: str) -> Response:
    response = Response(data, status=201, headers={"Location": location})
    if hasattr(obj, "version"):
        with_etag(response, obj)
    return response


# Fields ----------------------------------------------------------------------------------------


class VisibleRecordField(serializers.PrimaryKeyRelatedField):
    """An id of a record the user may see. A missing id and a hidden one get the same message, so
    the answer never says whether a record exists."""

    def __init__(self, model, message: str, *, extra_filter: dict | None = None, **kwargs):
        self.model = model
        self.extra_filter = extra_filter or {}
        kwargs.setdefault("queryset", model.objects.all())
        kwargs["error_messages"] = {
            "does_not_exist": message,
            "incorrect_type": message,
            **kwargs.get("error_messages", {}),
        }
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["user"]).filter(**self.extra_filter)


class ColleagueField(serializers.PrimaryKeyRelatedField):
    """An active user who records case information in one of the requesting user's agencies."""

    default_error_messages = {
        "does_not_exist": "Choose someone who works in one of your agencies",
        "incorrect_type": "Choose someone who works in one of your agencies",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        agencies = Membership.objects.active().filter(user=self.context["user"]).values("agency_id")
        colleagues = Membership.objects.active().filter(agency_id__in=agencies, role__in=policy.EDITOR_ROLES)
        return User.objects.filter(is_active=True, pk__in=colleagues.values("user_id"))


class AgencyField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "Choose an agency of the partnership",
        "incorrect_type": "Choose an agency of the partnership",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Agency.objects.filter(is_active=True))
        super().__init__(**kwargs)


def not_in_future(value: date | None) -> None:
    if value and value > timezone.localdate():
        raise serializers.ValidationError("The date must be today or in the past")


def check_date_range(attrs: dict, since: str = "since", until: str = "until", instance=None) -> None:
    start = attrs.get(since, getattr(instance, since, None))
    end = attrs.get(until, getattr(instance, until, None))
    if start and end and end < start:
        raise serializers.ValidationError({until: ["The end date must be the same as or after the start date"]})


# Shared read-only shapes -----------------------------------------------------------------------


class AgencySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class InvolvementSerializer(serializers.Serializer):
    agency = serializers.CharField(source="agency.name")
    is_lead_agency = serializers.BooleanField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    lead_professional = UserSummarySerializer(allow_null=True)


# Schema vocabulary -----------------------------------------------------------------------------

ErrorSerializer = inline_serializer("Error", {"detail": serializers.CharField()})
FieldErrorsSerializer = inline_serializer(
    "FieldErrors",
    {
        "field_name": serializers.ListField(
            child=serializers.CharField(), help_text="Each invalid field maps to a list of messages."
        ),
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
    },
)

NOT_FOUND_RESPONSE = OpenApiResponse(ErrorSerializer, description="No such record, or you may not see it.")
FORBIDDEN_RESPONSE = OpenApiResponse(
    ErrorSerializer, description="You may see the record but your role cannot do this (or not signed in)."
)
INVALID_RESPONSE = OpenApiResponse(FieldErrorsSerializer, description="Bad input: field errors; nothing saved.")
PRECONDITION_REQUIRED_RESPONSE = OpenApiResponse(
    ErrorSerializer, description="If-Match is missing: send the ETag from your last read of the record."
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201, 412],
    description='The record\'s version, like "3". Send it back in If-Match when you change the record.',
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag from your last read of the record, like "3". Required: 428 without it, '
    "412 (with the current record) when someone else saved since.",
)
OPTIONAL_IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='Optional: the ETag from your last read, like "3"; 412 (with the current record) when stale.',
)


@functools.cache
def stale_response(serializer_class) -> OpenApiResponse:
    return OpenApiResponse(
        inline_serializer(
            f"Stale{serializer_class.__name__.removesuffix('Serializer')}",
            {"detail": serializers.CharField(), "current": serializer_class()},
        ),
        description="Someone else saved the record since your If-Match version: nothing saved; the current record.",
    )


def path_id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=description)

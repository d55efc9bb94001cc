"""What every JSON API view shares, whatever its app: answers for records that are missing or
forbidden, versions (ETag / If-Match), service errors as field errors, and the schema vocabulary.

The access-aware base class (lookups through the policy, audited) is `access.api.AccessViewSet`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, MutableMapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    BaseValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
)
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from safeguarding.forms import subject_of

ID_PATTERN = re.compile(r"[0-9]{1,18}")
MAX_ID = 10**18 - 1  # ids of up to 18 digits, as ID_PATTERN: the database's 64-bit integers hold them all
IF_MATCH_PATTERN = re.compile(r'\s*(?:W/)?"([0-9]{1,9})"\s*')

IF_MATCH_REQUIRED = (
    "Send an If-Match header holding the ETag from your last read of this record (for example "
    'If-Match: "3"), so that nobody\'s changes are overwritten without them knowing.'
)
IF_MATCH_MALFORMED = 'If-Match must hold exactly one ETag of this record, like "3".'
STALE = (
    "Someone else changed this record since you read it. Your changes have not been saved. "
    "Check the current record (in 'current'), then send your changes again with its ETag."
)


# Ids and answers -------------------------------------------------------------------------------


def parse_id(value: Any) -> int | None:
    """A database id from a URL or query string; None for anything malformed (which answers 404)."""
    text = str(value)
    return int(text) if ID_PATTERN.fullmatch(text) else None


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


def optional_expected_version(request: Request) -> int | Response | None:
    """Like `expected_version`, for writes where If-Match is optional: None when it is absent."""
    if not request.headers.get("If-Match", "").strip():
        return None
    return expected_version(request)


def created(obj, data: dict, location: str) -> Response:
    response = Response(data, status=201, headers={"Location": location})
    if hasattr(obj, "version"):
        with_etag(response, obj)
    return response


# Errors ----------------------------------------------------------------------------------------


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django's refusals of a body (raised when a view reads request.data), which
    would otherwise reach Django as a bare 400."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = BodyTooLarge(f"The request body is too large: send at most {limit:,} bytes.")
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError("The request has too many fields or files.")
    return drf_exception_handler(exc, context)


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as the API's 400 body: {"field": ["message", ...]}."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
            for name, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


# Fields ----------------------------------------------------------------------------------------


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """A record's id in a filter or a body: 1 to MAX_ID, so a larger number is a 400 and never reaches
    the database (where it overflows the integer column: a server error)."""
    kwargs.setdefault("error_messages", {}).setdefault("max_value", "No record has an id this large")
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def not_in_future(value: date | None) -> None:
    if value and value > timezone.localdate():
        raise serializers.ValidationError("The date must be today or in the past")


def check_date_range(attrs: dict, since: str = "since", until: str = "until", instance=None) -> None:
    start = attrs.get(since, getattr(instance, since, None))
    end = attrs.get(until, getattr(instance, until, None))
    if start and end and end < start:
        raise serializers.ValidationError({until: ["The end date must be the same as or after the start date"]})


# Plain-English messages -----------------------------------------------------------------------


def _stock_serializer_messages(field: serializers.Field) -> dict[str, str]:
    """DRF's own defaults for this kind of field (not those a project field sets)."""
    messages: dict[str, str] = {}
    for klass in reversed(type(field).__mro__):
        if klass.__module__.startswith("rest_framework."):
            messages.update({code: str(text) for code, text in getattr(klass, "default_error_messages", {}).items()})
    return messages


def _limit_words(field: serializers.Field, code: str) -> str:
    listing = isinstance(field, serializers.ListField | serializers.MultipleChoiceField | serializers.ManyRelatedField)
    return {
        "max_length": "items or fewer" if listing else "characters or fewer",
        "min_length": "items or more" if listing else "characters or more",
        "max_value": "or less",
        "min_value": "or more",
    }[code]


LIMITS: dict[str, type[BaseValidator]] = {
    "max_length": MaxLengthValidator,
    "min_length": MinLengthValidator,
    "max_value": MaxValueValidator,
    "min_value": MinValueValidator,
}


def plain_serializer_messages(name: str, field: serializers.Field) -> None:
    """Replace DRF's stock messages ("This field is required.", "Ensure this field has no more than
    100 characters.", '"x" is not a valid choice.') with plain English naming the field, as
    safeguarding.forms.plain_error_messages does for forms. Messages a serializer sets are kept."""
    stock = _stock_serializer_messages(field)
    messages = field.error_messages
    subject = subject_of(field.label or name.replace("_", " "))
    sentence = subject[0].upper() + subject[1:]
    choosing = isinstance(
        field, serializers.ChoiceField | serializers.RelatedField | serializers.ManyRelatedField
    ) or getattr(field, "choices", None)
    plain = {
        "required": f"{'Choose' if choosing else 'Enter'} {subject}",
        "null": f"{'Choose' if choosing else 'Enter'} {subject}",
        "blank": f"Enter {subject}",
        "invalid_choice": f"Choose {subject} from the list",
        "does_not_exist": f"Choose {subject} from the list",
        "incorrect_type": f"Choose {subject} from the list",
        "not_a_list": f"Send {subject} as a list",
        "not_a_dict": f"Send {subject} as an object",
        "empty": f"Choose at least one {subject}",
        "max_string_length": f"{sentence} is too long",
        "max_digits": f"{sentence} has too many digits",
        "max_decimal_places": f"{sentence} has too many decimal places",
        "max_whole_digits": f"{sentence} has too many digits",
        "date": f"Enter {subject} as a date without a time, like 2026-03-27",
        "datetime": f"Enter {subject} as a date and time, like 2026-03-27T14:30:00Z",
        "make_aware": f"Enter {subject} as a real date and time",
        "overflow": f"Enter {subject} as a real date and time",
    }
    if isinstance(field, serializers.IntegerField | serializers.FloatField | serializers.DecimalField):
        plain["invalid"] = f"Enter {subject} as a number"
    elif isinstance(field, serializers.DateTimeField):
        plain["invalid"] = f"Enter {subject} as a date and time, like 2026-03-27T14:30:00Z"
    elif isinstance(field, serializers.DateField):
        plain["invalid"] = f"Enter {subject} as a real date, like 2026-03-27"
    elif isinstance(field, serializers.BooleanField):
        plain["invalid"] = f"Answer {subject} with true or false"
    elif isinstance(field, serializers.EmailField):
        plain["invalid"] = "Enter an email address in the correct format, like name@example.com"
    else:
        plain["invalid"] = f"Enter {subject} in the correct format"
    for code in LIMITS:
        value = getattr(field, code, None)
        if value is not None:
            shown = f"{value:,}" if isinstance(value, int) else str(value)
            plain[code] = f"{sentence} must be {shown} {_limit_words(field, code)}"
    for code, text in plain.items():
        if code in stock and str(messages.get(code, "")) == stock[code]:
            messages[code] = text
    # Length and size limits are validators made in the field's __init__ from the stock message.
    codes = {kind: code for code, kind in LIMITS.items() if code in plain and messages.get(code) == plain[code]}
    validators: list[Any] = []
    for validator in field.validators:
        if isinstance(validator, BaseValidator) and type(validator) in codes:
            validator = type(validator)(validator.limit_value, message=messages[codes[type(validator)]])
        validators.append(validator)
    field.validators = validators
    for inner in (getattr(field, "child", None), getattr(field, "child_relation", None)):
        if isinstance(inner, serializers.Field) and not isinstance(inner, serializers.BaseSerializer):
            plain_serializer_messages(name, inner)


class PlainMessages:
    """Mixed into every serializer (PlainSerializer, PlainModelSerializer): each field's messages in
    plain English (tests/test_form_messages.py walks them)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields: dict[str, serializers.Field] = super().get_fields()  # type: ignore[misc]
        for name, field in fields.items():
            if not field.read_only:
                plain_serializer_messages(name, field)
        return fields


# Who recorded or decided something, and the agency, tier, score or owner it belongs to: set by the
# services from the signed-in user and the rules, never by a request body.
PROTECTED_FIELD = re.compile(r"(?:[a-z_]+_)?(?:agency|tier|score)|owner|[a-z_]+_by|created_at|updated_at")
LEAVE_OUT = "Leave this out: the service sets it"


class RefusesProtectedFields:
    """Mixed into the serializers of request bodies: a protected field (PROTECTED_FIELD) that the
    serializer does not accept is refused with a 400 naming it, rather than silently ignored, so
    nobody believes they changed who recorded something or its agency, tier, score or owner. Other
    read-only fields (id, reference, version) are ignored, so a record read can be sent back changed."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            fields = self.fields  # type: ignore[attr-defined]
            writable = {name for name, field in fields.items() if not field.read_only}
            refused = sorted(str(key) for key in data if key not in writable and PROTECTED_FIELD.fullmatch(str(key)))
            if refused:
                raise serializers.ValidationError({key: [LEAVE_OUT] for key in refused})
        return super().to_internal_value(data)  # type: ignore[misc]


class PlainSerializer(RefusesProtectedFields, PlainMessages, serializers.Serializer):
    pass


class PlainQuerySerializer(PlainMessages, serializers.Serializer):
    """For query parameters (filters): other parameters (page, and whatever a client adds) are ignored."""


class PlainModelSerializer(RefusesProtectedFields, PlainMessages, serializers.ModelSerializer):
    def include_extra_kwargs(
        self, kwargs: MutableMapping[str, Any], extra_kwargs: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        # DRF drops allow_blank from read-only fields, so the schema of a read-only choice that may be
        # empty ("" for none chosen) would say it is always one of the choices.
        blank_choice = "choices" in kwargs and kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank_choice and kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        return kwargs


# Shared read-only shapes -----------------------------------------------------------------------


class UserSummarySerializer(PlainSerializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class InvolvementSerializer(PlainSerializer):
    agency = serializers.CharField(source="agency.name")
    is_lead_agency = serializers.BooleanField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    lead_professional = UserSummarySerializer(allow_null=True)


# Schema vocabulary -----------------------------------------------------------------------------

ErrorSerializer = inline_serializer("Error", {"detail": serializers.CharField()})


class FieldErrorsSerializer(PlainSerializer):
    """The body of a 400 answer: each invalid field maps to its messages (nested serializers map to
    their own field errors); `detail` instead when the body could not be read at all (not JSON, not
    a type the API reads). Its schema is `FieldErrorsSchema` below: serializers cannot say "any key"."""


class FieldErrorsSchema(OpenApiSerializerExtension):
    target_class = FieldErrorsSerializer

    def get_name(self, auto_schema: Any, direction: Any) -> str:
        return "FieldErrors"

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        messages = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}}
        return {
            "type": "object",
            "description": "Each invalid field (or non_field_errors) maps to a list of messages; a field "
            "holding a record or a list of them maps to the errors of each.",
            "properties": {
                "detail": {"type": "string", "description": "Why the body could not be read at all."},
                "non_field_errors": {"type": "array", "items": {"type": "string"}},
            },
            "additionalProperties": {"anyOf": [messages, {"type": "object"}]},
        }


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

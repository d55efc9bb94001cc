"""The access-aware base of the JSON API: querysets through `visible_to(user)`, lookups that
audit the read or the refusal and raise Http404 (DRF answers 404; the refusal's audit row stays,
as requests are not one transaction), and service errors mapped to HTTP answers:
ValidationError 400 with field errors, PermissionDenied 403 (the user can see the record but
their role cannot do this), StaleVersion 412 with the record as it is now.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from access import lookups, policy
from accounts.models import Membership, User
from safeguarding.api import STALE, expected_version, field_errors, forbidden, with_etag
from safeguarding.services import StaleVersion


class OpenPagination(PageNumberPagination):
    """Pages of a list that can hold a whole city, without counting it (as `lookups.open_page`):
    {"next", "previous", "results"}, "next" while there are more rows. Counting every current
    suggestion a manager may see cost about 440 ms an answer on the benchmark city (issue 14)."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.answering = request
        number = request.query_params.get(self.page_query_param)
        self.found = lookups.open_page(queryset, number, per_page=int(self.page_size or 50))
        return list(self.found.object_list)

    def get_next_link(self) -> str | None:
        if not self.found.has_next():
            return None
        return self._link(self.found.number + 1)

    def get_previous_link(self) -> str | None:
        if not self.found.has_previous():
            return None
        return self._link(self.found.number - 1)

    def _link(self, number: int) -> str:
        url = self.answering.build_absolute_uri()
        if number == 1:
            return str(remove_query_param(url, self.page_query_param))
        return str(replace_query_param(url, self.page_query_param, number))

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class AccessViewSet(viewsets.GenericViewSet[Any]):
    """Base for viewsets of records about people: policy-scoped querysets, audited lookups that
    raise Http404, and the service error mapping."""

    model: Any = None  # set by subclasses
    select_related: tuple[str, ...] = ()
    # Service error keys that the API names differently.
    error_renames: dict[str, str] = {}

    def get_queryset(self) -> Any:
        return self.model.objects.visible_to(self.request.user)

    def lookup_queryset(self) -> Any:
        """What a single record is looked up in (subclasses add what their answers show)."""
        return self.model.objects.visible_to(self.request.user).select_related(*self.select_related)

    def find(self, pk: Any) -> Any:
        """The record if this user may see it; otherwise the refusal is audited and 404 answered."""
        return lookups.get_or_404(self.request.user, self.lookup_queryset(), pk)

    def read(self, pk: Any) -> Any:
        """`find`, with the read recorded."""
        obj = self.find(pk)
        self.note_read(obj)
        return obj

    def note_read(self, obj: Any) -> None:
        lookups.note_read(self.request.user, obj, basis=getattr(obj, "access_basis", ""))

    def page(self, queryset: Any, *, what: str) -> Any:
        """One page of `queryset` (paginated answer data), with the records it showed recorded."""
        rows = self.paginate_queryset(queryset) or []
        lookups.shown(self.request.user, queryset.model, rows, what=what)
        return rows

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "user": self.request.user}

    def invalid(self, serializer: serializers.Serializer[Any]) -> Response:
        return Response(serializer.errors, status=400)

    def current_representation(self, obj: Any) -> dict[str, Any]:
        """The record as it is now, for a 412 answer (subclasses with versions override)."""
        raise NotImplementedError

    def stale(self, pk: int) -> Response:
        current = self.read(pk)
        return with_etag(Response({"detail": STALE, "current": self.current_representation(current)}, 412), current)

    def handle_exception(self, exc: Exception) -> Response:
        # Services run in their own atomic block, so whatever they wrote is already undone.
        if isinstance(exc, StaleVersion):
            return self.stale(exc.current.pk)
        if isinstance(exc, DjangoValidationError):
            errors = field_errors(exc)
            return Response({self.error_renames.get(key, key): value for key, value in errors.items()}, status=400)
        if isinstance(exc, DjangoPermissionDenied):
            return forbidden(str(exc) or "You cannot do this.")
        return super().handle_exception(exc)


def versioned_update(
    view: AccessViewSet,
    request: Request,
    pk: str,
    *,
    action: str = "",
    serializer_class: Any,
    save: Any,
    subject: Any = lambda obj: obj,
    allowed: Any = None,
    represent: Any = None,
) -> Response:
    """PATCH for a versioned record: 404 unless visible, 403 unless the role may do `action` on
    `subject(obj)` (or `allowed(obj)` says so), 428 without If-Match, 412 when stale, 400 on bad
    input, else `save(obj, changes, version)` (a service call) and the saved record (`represent`,
    or as `serializer_class` shows it) with its new ETag."""
    obj = view.find(pk)
    permitted = allowed(obj) if allowed is not None else policy.can(request.user, action, subject(obj))
    if not permitted:
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


class VisibleRecordField(serializers.PrimaryKeyRelatedField[Any]):
    """An id of a record the user may see. A missing id and a hidden one get the same message, so
    the answer never says whether a record exists."""

    def __init__(self, model: Any, message: str, *, extra_filter: dict[str, Any] | None = None, **kwargs: Any):
        self.model = model
        self.extra_filter = extra_filter or {}
        kwargs.setdefault("queryset", model.objects.all())
        kwargs["error_messages"] = {
            "does_not_exist": message,
            "incorrect_type": message,
            **kwargs.get("error_messages", {}),
        }
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return self.model.objects.visible_to(self.context["user"]).filter(**self.extra_filter)


class ColleagueField(serializers.PrimaryKeyRelatedField[User]):
    """An active user who records case information in one of the requesting user's agencies."""

    default_error_messages = {
        "does_not_exist": "Choose someone who works in one of your agencies",
        "incorrect_type": "Choose someone who works in one of your agencies",
    }

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("queryset", User.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[User]:
        agencies = Membership.objects.active().filter(user=self.context["user"]).values("agency_id")
        colleagues = Membership.objects.active().filter(agency_id__in=agencies, role__in=policy.EDITOR_ROLES)
        return User.objects.filter(is_active=True, pk__in=colleagues.values("user_id"))

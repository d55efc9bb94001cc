"""Writing the audit trail. Call these in the same transaction as the action they record."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.db import connection, models

from audit import context, shipping
from audit.models import AuditAction, AuditEvent, AuditSubject
from safeguarding.services import StaleVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

_M = TypeVar("_M", bound=models.Model)


def object_type_of(obj_or_model: models.Model | type[models.Model]) -> str:
    return obj_or_model._meta.label_lower


def _acting_membership(user: User | AnonymousUser | None) -> tuple[int, str] | None:
    """(agency id, role) the user acts as: their first active membership (the user model works it
    out; the access layer fills it in from its per-request query)."""
    if user is None or not user.is_authenticated:
        return None
    return user.acting_membership


def record(
    user: User | AnonymousUser | None,
    action: str,
    *,
    obj: Any = None,
    object_type: str = "",
    object_id: Any = "",
    subjects: Iterable[Any] = (),
    subject_type: str = "",
    other_subjects: Iterable[tuple[str, Any]] = (),
    detail: dict[str, Any] | None = None,
    reason: str = "",
    username: str = "",
) -> AuditEvent:
    """Append one event. `obj` is the record acted on; `subjects` are ids a list, search or export
    returned (of `subject_type`); `other_subjects` are (type, id) pairs of records of other types
    the same page showed. Request id, address and path come from the current request. Once it
    commits, a copy goes to the audit log stream (audit/shipping.py)."""
    request_context = context.current.get()
    membership = _acting_membership(user)
    if obj is not None:
        object_type, object_id = object_type_of(obj), obj.pk
    event = AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=(user.get_username() if user is not None and user.is_authenticated else username)[:150],
        agency_id=membership[0] if membership else None,
        role=membership[1] if membership else "",
        action=action,
        object_type=object_type,
        object_id="" if object_id in (None, "") else str(object_id),
        detail=detail or {},
        reason=reason,
        request_id=request_context.request_id if request_context else "",
        ip_address=request_context.ip_address if request_context else None,
        path=request_context.path if request_context else "",
    )
    pairs = [(subject_type, str(pk)) for pk in subjects]
    pairs.extend((kind, str(pk)) for kind, pk in other_subjects)
    if event.object_type and event.object_id:
        pairs.append((event.object_type, event.object_id))
    if len(pairs) > COPY_SUBJECTS_ABOVE and connection.vendor == "postgresql":
        _copy_subjects(event.pk, pairs)
    else:
        AuditSubject.objects.bulk_create(
            [AuditSubject(event=event, object_type=kind, object_id=pk) for kind, pk in pairs]
        )
    shipping.ship_on_commit(event, len(pairs))
    return event


# An event about many records (a feed's 100,000 new children) writes its subjects with COPY on
# PostgreSQL: a model object per subject cost seconds at that size.
COPY_SUBJECTS_ABOVE = 1_000


def _copy_subjects(event_id: int, pairs: list[tuple[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows((event_id, kind, pk) for kind, pk in pairs)
    table = AuditSubject._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {table} (event_id, object_type, object_id) FROM STDIN WITH (FORMAT csv, "
            "FORCE_NOT_NULL (object_type, object_id))"
        ) as copy,
    ):
        copy.write(buffer.getvalue())


def record_read(user: User | AnonymousUser | None, obj: Any, *, basis: str = "", reason: str = "") -> AuditEvent:
    return record(user, AuditAction.READ, obj=obj, detail={"basis": basis} if basis else None, reason=reason)


def record_list(
    user: User | AnonymousUser | None,
    model: type[models.Model],
    ids: Iterable[Any],
    *,
    what: str,
    other_subjects: Iterable[tuple[str, Any]] = (),
) -> AuditEvent:
    return record(
        user,
        AuditAction.LIST,
        subjects=ids,
        subject_type=object_type_of(model),
        other_subjects=other_subjects,
        detail={"view": what},
    )


def record_export(
    user: User | AnonymousUser | None, model: type[models.Model], ids: Iterable[Any], *, what: str
) -> AuditEvent:
    return record(user, AuditAction.EXPORT, subjects=ids, subject_type=object_type_of(model), detail={"export": what})


def search_digest(criteria: dict[str, Any]) -> str:
    """A keyed digest of what was searched: names are never stored in clear, but a DPO who is
    told the terms can confirm a search by recomputing it."""
    normalised = "|".join(f"{key}={str(criteria[key]).strip().casefold()}" for key in sorted(criteria))
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def record_search(
    user: User | AnonymousUser | None, model: type[models.Model], criteria: dict[str, Any], ids: Iterable[Any]
) -> AuditEvent:
    used = {key: value for key, value in criteria.items() if value not in (None, "")}
    return record(
        user,
        AuditAction.SEARCH,
        subjects=ids,
        subject_type=object_type_of(model),
        detail={"fields": sorted(used), "digest": search_digest(used)},
    )


def record_denied(user: User | AnonymousUser | None, model: type[models.Model], object_id: Any) -> AuditEvent:
    return record(user, AuditAction.DENIED, object_type=object_type_of(model), object_id=object_id)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


NEVER_SNAPSHOT = frozenset({"password"})


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Field values for before/after records (foreign keys as ids; never password hashes)."""
    return {
        field.attname: _plain(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.attname not in NEVER_SNAPSHOT
    }


def record_write(
    user: User | AnonymousUser | None,
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
) -> AuditEvent:
    after_values = after or {}
    changed = sorted(key for key in after_values if before is not None and before.get(key) != after_values[key])
    return record(
        user,
        action,
        obj=obj,
        detail={"before": before, "after": after, "changed": changed},
        reason=reason,
    )


# Audited writes, for every app's services (call them inside the service's transaction) ----------


def create_audited(user: User | AnonymousUser | None, model: type[_M], **fields: Any) -> _M:
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    record_write(user, AuditAction.CREATE, obj, before=None, after=snapshot(obj))
    return obj


def update_versioned(
    user: User | AnonymousUser | None,
    obj: _M,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
    fields: Iterable[str],
) -> _M:
    """Apply `changes` (only `fields`) to a locked copy if nobody saved since `expected_version`;
    StaleVersion (with the current record) if somebody did."""
    # Every model passed here has a `version` field and an `objects` manager; django-stubs types
    # neither on a model class in general, so the locked copy is handled as Any.
    model: Any = type(obj)
    current = model.objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    before = snapshot(current)
    for field in fields:
        if field in changes:
            setattr(current, field, changes[field])
    current.full_clean()
    current.version += 1
    current.save()
    record_write(user, AuditAction.UPDATE, current, before=before, after=snapshot(current))
    return cast(_M, current)


# Redaction: the one change the audit trail accepts (migration audit/0005 on PostgreSQL) ----------

# Detail keys that say what kind of thing happened, never what a record held: a redaction keeps
# these (field names changed, how access was granted, which page or export) and removes the rest
# (before and after values, search digests, usernames granted access), and empties the reason.
REDACTION_KEEPS = frozenset(
    {"changed", "basis", "view", "export", "fields", "subject_access", "retention", "disposal", "redaction"}
)
_CHUNK = 500  # ids per query (SQLite's limit on parameters)


def _redacted_detail(event: AuditEvent) -> dict[str, Any] | None:
    """The event's detail without its content, or None if it holds none."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    kept = {key: value for key, value in detail.items() if key in REDACTION_KEEPS}
    return None if kept == detail and not event.reason else kept


def _events_about(records: Mapping[str, Iterable[Any]]) -> list[AuditEvent]:
    event_ids: set[int] = set()
    for object_type, ids in records.items():
        keys = [str(pk) for pk in ids]
        for start in range(0, len(keys), _CHUNK):
            event_ids.update(
                AuditSubject.objects.filter(object_type=object_type, object_id__in=keys[start : start + _CHUNK])
                .values_list("event_id", flat=True)
                .distinct()
            )
    ordered = sorted(event_ids)
    events: list[AuditEvent] = []
    for start in range(0, len(ordered), _CHUNK):
        events.extend(AuditEvent.objects.filter(pk__in=ordered[start : start + _CHUNK]).order_by("pk"))
    return [event for event in events if "redacted" not in event.detail]


def redact(
    user: User | AnonymousUser | None,
    records: Mapping[str, Iterable[Any]],
    *,
    object_type: str,
    object_id: Any,
    cause: str,
) -> AuditEvent | None:
    """Remove the content (field values, free text, names) of every earlier event about `records`
    (type -> ids), keeping who, when, what kind and which record. Audited first as a "redact" event
    naming the record (`object_type`, `object_id`), why (`cause`) and how many events it changed;
    each changed event's detail then says `redacted`: that event's id. Call inside the transaction
    that deletes the records. None if no event held content."""
    events = [(event, kept) for event in _events_about(records) if (kept := _redacted_detail(event)) is not None]
    if not events:
        return None
    redaction = record(
        user,
        AuditAction.REDACT,
        object_type=object_type,
        object_id=object_id,
        detail={"redaction": {"cause": cause, "events": len(events)}},
    )
    groups: dict[str, list[int]] = {}
    for event, kept in events:
        groups.setdefault(json.dumps(kept, sort_keys=True), []).append(event.pk)
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:  # the trigger's permission, for this transaction only
            cursor.execute("SELECT set_config('audit.redaction', %s, true)", [str(redaction.pk)])
        try:
            for kept_json, ids in groups.items():
                for start in range(0, len(ids), _CHUNK):
                    # The append-only manager refuses update(); this is the one sanctioned change.
                    models.QuerySet.update(
                        AuditEvent.objects.filter(pk__in=ids[start : start + _CHUNK]),
                        detail={**json.loads(kept_json), "redacted": redaction.pk},
                        reason="",
                    )
        finally:
            if postgresql:
                cursor.execute("SELECT set_config('audit.redaction', '', true)")
    return redaction


def redaction_problems() -> list[str]:
    """Every redacted event names a newer "redact" event, and each redaction changed as many events
    as it says. Empty when the trail is whole (the restore drill checks the same on the copy)."""
    redactions = {
        event.pk: event.detail.get("redaction", {}).get("events")
        for event in AuditEvent.objects.filter(action=AuditAction.REDACT).only("pk", "detail")
    }
    found: dict[int, int] = {}
    problems = []
    for pk, detail in AuditEvent.objects.filter(detail__has_key="redacted").values_list("pk", "detail"):
        named = detail.get("redacted")
        if named not in redactions or named <= pk:
            problems.append(f"audit event {pk} is redacted without a recorded redaction")
        else:
            found[named] = found.get(named, 0) + 1
    for pk, expected in redactions.items():
        if found.get(pk, 0) != expected:
            problems.append(f"redaction {pk} says {expected} events were redacted; {found.get(pk, 0)} name it")
    return problems

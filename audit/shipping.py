"""A copy of the audit trail outside the database (ASVS 5.0 V16.4.3).

As each event commits, one JSON line goes to the `audit.trail` logger: the event's id, when, who (user,
username, agency, role), what (action), which record, how many records it names, the request, address
and path, and a keyed digest of its content (detail and reason). Never the content itself: a disposal
must be able to remove that, and the copy is meant for a store the application cannot change. The
operator sends these lines there (docs/audit-log.md).

`check_audit_log` compares such a copy with the database: an event changed, removed or added in the
database without going through the application shows, even to someone with the database owner's
rights, unless they can also change the copy. A recorded redaction (docs/data-protection.md) changes
an event's content on purpose, and is accepted as such.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from audit.models import AuditEvent, AuditSubject

logger = logging.getLogger("audit.trail")
KEY = "audit_event"  # every shipped line is a JSON object with this key: the event's id
# The fields compared with the database, besides the content digest and the number of subjects.
FIELDS = ("at", "user", "username", "agency", "role", "action", "object_type", "object_id", "request", "ip", "path")


def content_digest(detail: Any, reason: str) -> str:
    """HMAC-SHA256 of the event's detail and reason, keyed from SECRET_KEY: the same for the same
    content, and no use to whoever holds the copy for guessing what the content was."""
    key = hmac.new(settings.SECRET_KEY.encode(), b"audit-content", hashlib.sha256).digest()
    text = json.dumps(json.loads(json.dumps(detail or {})), sort_keys=True) + "\x00" + (reason or "")
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def entry_for(event: AuditEvent, subjects: int) -> dict[str, Any]:
    return {
        KEY: event.pk,
        "at": event.at.isoformat(),
        "user": event.user_id,
        "username": event.username,
        "agency": event.agency_id,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "subjects": subjects,
        "request": event.request_id,
        "ip": event.ip_address,
        "path": event.path,
        "content": content_digest(event.detail, event.reason),
    }


def ship_on_commit(event: AuditEvent, subjects: int) -> None:
    """Log the event's line once its transaction commits (an event rolled back is never shipped)."""
    line = json.dumps(entry_for(event, subjects), sort_keys=True)
    transaction.on_commit(lambda: logger.info(line))


@dataclass
class Comparison:
    checked: int = 0
    redacted: int = 0
    first: int | None = None
    last: int | None = None
    problems: list[str] = field(default_factory=list)


_BATCH = 500  # ids per query (SQLite's limit on parameters)
_LISTED = 20  # ids named in one problem line, at most


def _entry_in(line: str) -> dict[str, Any] | str | None:
    """The shipped entry on a log line; None for a line that is not one (other logs share the
    stream, with or without a prefix before the JSON); a string saying what is wrong with a line that
    looks like one but is not whole."""
    start = line.find("{")
    if start < 0 or f'"{KEY}"' not in line:
        return None
    try:
        entry = json.loads(line[start:])
    except ValueError:
        return "not a whole audit line"
    if not isinstance(entry, dict) or not isinstance(entry.get(KEY), int):
        return "not a whole audit line"
    missing = [name for name in (*FIELDS, "subjects", "content") if name not in entry]
    return f"audit line without {', '.join(missing)}" if missing else entry


def _check(entries: dict[int, dict[str, Any]], result: Comparison, redactions: dict[int, int]) -> None:
    ids = list(entries)
    events = AuditEvent.objects.in_bulk(ids)
    subjects = dict(
        AuditSubject.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(n=Count("id"))
        .values_list("event_id", "n")
    )
    for pk, entry in entries.items():
        result.checked += 1
        event = events.get(pk)
        if event is None:
            result.problems.append(f"event {pk} is in the log but not in the database")
            continue
        stored = entry_for(event, subjects.get(pk, 0))
        differ = [name for name in (*FIELDS, "subjects") if stored[name] != entry[name]]
        if differ:
            result.problems.append(f"event {pk} differs from the log: {', '.join(differ)}")
        if stored["content"] != entry["content"]:
            named = event.detail.get("redacted") if isinstance(event.detail, dict) else None
            if isinstance(named, int) and named > pk:
                result.redacted += 1
                redactions[pk] = named
            else:
                result.problems.append(f"event {pk}'s content differs from the log, and no redaction explains it")


def _listed(ids: list[int]) -> str:
    shown = ", ".join(str(pk) for pk in ids[:_LISTED])
    return shown + (f" and {len(ids) - _LISTED} more" if len(ids) > _LISTED else "")


def compare(lines: Iterable[str]) -> Comparison:
    """Compare shipped lines with the database: each event in the log must be in the database as
    shipped (its content changed only by a recorded redaction that is itself in the log), and every
    event in the database between the log's first and last must be in the log."""
    result = Comparison()
    shipped: list[int] = []
    redactions: dict[int, int] = {}
    batch: dict[int, dict[str, Any]] = {}
    for number, line in enumerate(lines, 1):
        entry = _entry_in(line)
        if entry is None:
            continue
        if isinstance(entry, str):
            result.problems.append(f"line {number}: {entry}")
            continue
        shipped.append(entry[KEY])
        batch[entry[KEY]] = entry
        if len(batch) >= _BATCH:
            _check(batch, result, redactions)
            batch = {}
    if batch:
        _check(batch, result, redactions)
    if not shipped:
        return result
    ordered = sorted(shipped)
    result.first, result.last = ordered[0], ordered[-1]
    twice = sorted({pk for pk, following in pairwise(ordered) if pk == following})
    if twice:
        result.problems.append(f"events in the log more than once: {_listed(twice)}")
    in_log = set(ordered)
    stored = AuditEvent.objects.filter(pk__gte=result.first, pk__lte=result.last).order_by("pk")
    missing = [pk for pk in stored.values_list("pk", flat=True).iterator(chunk_size=10_000) if pk not in in_log]
    if missing:
        result.problems.append(f"events in the database but not in the log: {_listed(missing)}")
    for pk, named in sorted(redactions.items()):
        if named <= result.last and named not in in_log:
            result.problems.append(f"event {pk} was redacted by event {named}, which is not in the log")
    return result

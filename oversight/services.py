"""Every write of the data protection operations: retention rules, the disposal review, subject
access exports. Each checks the access policy and is audited in the same transaction. A disposal
leaves in the audit trail only the record's type and id, the rule, who approved it and when, and in
the same transaction removes the content of earlier events about every row it deleted (a recorded
redaction, audit.services.redact)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone

from access import policy
from access.models import BreakGlassGrant
from audit import services as audit
from audit.models import AuditAction
from cases.models import Child
from feeds.models import FeedImport, FeedRow, MatchReview
from interventions.models import IntelligenceShare
from oversight import retention, subject_access
from oversight.models import (
    Decision,
    DisposalCandidate,
    DisposalStatus,
    ExportItem,
    ExportStatus,
    RecordType,
    RetentionRule,
    SubjectAccessExport,
)

# Retention rules ---------------------------------------------------------------------------------


def update_rule(
    user: Any, rule: RetentionRule, *, years: int, basis: str, authority: str, expected_version: int | None
) -> RetentionRule:
    policy.require(user, "manage_retention")
    if basis not in retention.bases_for(rule.record_type):
        raise ValidationError({"basis": "Choose a date this type of record has"})
    with transaction.atomic():
        return audit.update_versioned(
            user,
            rule,
            {"years": years, "basis": basis, "authority": authority, "updated_by_id": user.pk},
            expected_version=expected_version,
            fields=["years", "basis", "authority", "updated_by_id"],
        )


# Finding what is due -----------------------------------------------------------------------------


def find_due(today: date | None = None) -> int:
    """Add to the review queue every record past its retention period; take off it the ones that are
    no longer due (a rule lengthened, a case reopened) unless the DPO has held them. Returns how
    many were added. Run by Celery beat (oversight/tasks.py)."""
    today = today or timezone.localdate()
    added = 0
    for rule in RetentionRule.objects.all():
        kind = retention.KINDS[rule.record_type]
        found = {record.pk: record for record in retention.due(rule, today)}
        with transaction.atomic():
            unheld = DisposalCandidate.objects.filter(
                record_type=rule.record_type, status__in=[DisposalStatus.DUE, DisposalStatus.BLOCKED]
            ).values_list("object_id", "pk")
            stale = [pk for object_id, pk in unheld if object_id not in found]
            DisposalCandidate.objects.filter(pk__in=stale).delete()
            known = set(
                DisposalCandidate.objects.filter(record_type=rule.record_type).values_list("object_id", flat=True)
            )
            new = [
                DisposalCandidate(
                    record_type=rule.record_type,
                    object_id=pk,
                    reference=kind.reference(record)[:30],
                    rule=rule,
                    kept_from=record.kept_from,
                )
                for pk, record in found.items()
                if pk not in known
            ]
            DisposalCandidate.objects.bulk_create(new)
            added += len(new)
    return added


# The DPO's review --------------------------------------------------------------------------------


def _candidates(ids: Iterable[int], statuses: Iterable[str]) -> list[DisposalCandidate]:
    return list(
        DisposalCandidate.objects.select_for_update()
        .filter(pk__in=list(ids), status__in=list(statuses))
        .select_related("rule")
        .order_by("pk")
    )


def _record_by_type(user: Any, candidates: list[DisposalCandidate], detail: dict[str, Any], reason: str) -> None:
    by_type: dict[str, list[int]] = defaultdict(list)
    for candidate in candidates:
        by_type[retention.KINDS[candidate.record_type].label].append(candidate.object_id)
    for label, ids in sorted(by_type.items()):
        audit.record(user, AuditAction.UPDATE, subjects=ids, subject_type=label, detail=detail, reason=reason)


def hold(user: Any, ids: Iterable[int], *, reason: str) -> int:
    """Keep records past their retention period (a legal hold, a complaint, an inquiry), with the reason."""
    policy.require(user, "review_disposal")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why these records must be kept"})
    with transaction.atomic():
        candidates = _candidates(ids, [DisposalStatus.DUE, DisposalStatus.BLOCKED])
        now = timezone.now()
        for candidate in candidates:
            candidate.status, candidate.reason = DisposalStatus.HELD, reason
            candidate.decided_by, candidate.decided_at = user, now
            candidate.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        _record_by_type(user, candidates, {"retention": "held"}, reason)
    return len(candidates)


def release_hold(user: Any, ids: Iterable[int]) -> int:
    policy.require(user, "review_disposal")
    with transaction.atomic():
        candidates = _candidates(ids, [DisposalStatus.HELD])
        for candidate in candidates:
            candidate.status, candidate.reason = DisposalStatus.DUE, ""
            candidate.decided_by, candidate.decided_at = None, None
            candidate.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        _record_by_type(user, candidates, {"retention": "hold ended"}, "")
    return len(candidates)


def _parts(record_type: str, object_id: int) -> list[Any]:
    """Rows that belong to the record and go with it although they would otherwise protect it: an
    intelligence report's shares; the ended and reviewed uses of emergency access to a young
    person (their audit events stay)."""
    if record_type == RecordType.INTELLIGENCE:
        return [IntelligenceShare.objects.filter(report_id=object_id)]
    if record_type in (RecordType.CHILD, RecordType.CHILD_LOOKED_AFTER):
        return [
            BreakGlassGrant.objects.filter(
                child_id=object_id, reviewed_at__isnull=False, expires_at__lte=timezone.now()
            )
        ]
    return []


def _delete_staged_rows(record_type: str, object_id: int, gone: dict[str, set[Any]]) -> dict[str, int]:
    """A data feed's staged rows (a million for a big file) in one statement: no audit event names a
    staged row, so their ids are not needed. Its match reviews, and their links to the rows, first."""
    if record_type != RecordType.FEED:
        return {}
    removed = _delete(MatchReview.objects.filter(feed_id=object_id), gone)
    rows = FeedRow.objects.filter(feed_id=object_id)
    removed[FeedRow._meta.label] = rows._raw_delete(rows.db)
    return removed


def _stored_files(record_type: str, object_id: int) -> list[str]:
    """Uploaded files a record keeps outside the database (a data feed's file)."""
    if record_type == RecordType.FEED:
        return [name for name in FeedImport.objects.filter(pk=object_id).values_list("file", flat=True) if name]
    return []


def _blockers(error: ProtectedError | RestrictedError) -> str:
    names = sorted({str(obj._meta.verbose_name_plural) for obj in error.args[1]})
    return "Other records still refer to it: " + ", ".join(names)


def _delete(records: QuerySet[Any], gone: dict[str, set[Any]]) -> dict[str, int]:
    """Delete the records and everything that goes with them (as QuerySet.delete does), adding the
    ids of every row deleted, by type, to `gone`; the counts by model label."""
    collector = Collector(using=records.db, origin=records)
    collector.collect(records)  # type: ignore[arg-type]  # a queryset, as QuerySet.delete passes
    for model, instances in collector.data.items():
        gone[model._meta.label_lower].update(instance.pk for instance in instances)
    for batch in collector.fast_deletes:
        gone[batch.model._meta.label_lower].update(batch.values_list("pk", flat=True))
    return collector.delete()[1]


def dispose(user: Any, ids: Iterable[int], today: date | None = None) -> dict[str, int]:
    """Delete each record (and what belongs to it) if it is still due; one transaction per record, so
    one that other records still protect is marked blocked with the reason and the rest go ahead.
    Returns counts: disposed, blocked, no longer due."""
    policy.require(user, "review_disposal")
    today = today or timezone.localdate()
    counts = {"disposed": 0, "blocked": 0, "not_due": 0}
    for candidate_id in ids:
        with transaction.atomic():
            found = _candidates([candidate_id], [DisposalStatus.DUE, DisposalStatus.BLOCKED])
            if not found:
                continue
            candidate = found[0]
            outcome = _dispose_one(user, candidate, today)
        counts[outcome] += 1
    return counts


def _dispose_one(user: Any, candidate: DisposalCandidate, today: date) -> str:
    rule, kind = candidate.rule, retention.KINDS[candidate.record_type]
    if not retention.due(rule, today).filter(pk=candidate.object_id).exists():
        candidate.delete()  # reopened, changed or already gone: the next search finds it again if due
        return "not_due"
    removed: Counter[str] = Counter()  # rows deleted by model
    gone: dict[str, set[Any]] = defaultdict(set)
    files = _stored_files(candidate.record_type, candidate.object_id)
    try:
        with transaction.atomic():
            removed.update(_delete_staged_rows(candidate.record_type, candidate.object_id, gone))
            parts = _parts(candidate.record_type, candidate.object_id)
            for part in [*parts, kind.model.objects.filter(pk=candidate.object_id)]:  # type: ignore[attr-defined]
                removed.update(_delete(part, gone))
    except (ProtectedError, RestrictedError) as error:
        candidate.status, candidate.reason = DisposalStatus.BLOCKED, _blockers(error)[:500]
        candidate.save(update_fields=["status", "reason"])
        return "blocked"
    storage = FeedImport._meta.get_field("file").storage
    for name in files:  # once the deletion is committed; a file already gone is no error
        transaction.on_commit(partial(storage.delete, name))
    candidate.status, candidate.reference, candidate.reason = DisposalStatus.DISPOSED, "", ""
    candidate.decided_by, candidate.decided_at = user, timezone.now()
    candidate.save(update_fields=["status", "reference", "reason", "decided_by", "decided_at"])
    redaction = audit.redact(user, gone, object_type=kind.label, object_id=candidate.object_id, cause="disposal")
    audit.record(
        user,
        AuditAction.DELETE,
        object_type=kind.label,
        object_id=candidate.object_id,
        detail={
            "disposal": {
                "record_type": candidate.record_type,
                "rule": rule.pk,
                "basis": rule.basis,
                "years": rule.years,
                "kept_from": candidate.kept_from.isoformat(),
                "removed": {label.lower(): count for label, count in sorted(removed.items()) if count},
                "redaction": redaction.pk if redaction else None,
            }
        },
    )
    return "disposed"


# Subject access exports --------------------------------------------------------------------------


def _child_subject(export: SubjectAccessExport) -> list[tuple[str, Any]]:
    return [("cases.child", export.child_id)] if export.child_id else []


def prepare_export(user: Any, child: Child, *, request_note: str) -> SubjectAccessExport:
    """Start a young person's export: every item a reviewer must decide on is listed as undecided."""
    policy.require(user, "subject_access")
    with transaction.atomic():
        export = SubjectAccessExport(child=child, request_note=request_note, prepared_by=user)
        export.full_clean()
        export.save()
        items = _new_items(export, subject_access.flagged(subject_access.sections(child)))
        audit.record(
            user,
            AuditAction.CREATE,
            obj=export,
            other_subjects=_child_subject(export),
            detail={"subject_access": "prepared", "flagged_items": len(items)},
            reason=request_note,
        )
    return export


def _new_items(export: SubjectAccessExport, flagged: list[subject_access.Item]) -> list[ExportItem]:
    known = set(export.items.values_list("source", "object_id"))
    items = [
        ExportItem(export=export, source=item.source, object_id=item.object_id, title=item.title[:200], flag=item.flag)
        for item in flagged
        if item.key not in known
    ]
    return ExportItem.objects.bulk_create(items)


def decide_item(user: Any, item: ExportItem, *, decision: str, reason: str) -> ExportItem:
    policy.require(user, "subject_access")
    if decision not in (Decision.RELEASE, Decision.WITHHOLD, Decision.REDACT):
        raise ValidationError({"decision": "Choose whether to release, withhold or remove other people's details"})
    if decision != Decision.RELEASE and not reason.strip():
        raise ValidationError({"reason": "Enter the reason, for example the exemption that applies"})
    with transaction.atomic():
        locked = ExportItem.objects.select_for_update().select_related("export").get(pk=item.pk)
        if locked.export.status != ExportStatus.IN_REVIEW:
            raise ValidationError({"decision": "This export has been downloaded: prepare a new one to change it"})
        before = {"decision": locked.decision, "reason": locked.reason}
        locked.decision, locked.reason = decision, reason
        locked.decided_by, locked.decided_at = user, timezone.now()
        locked.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
        audit.record(
            user,
            AuditAction.UPDATE,
            object_type="oversight.subjectaccessexport",
            object_id=locked.export_id,
            other_subjects=[*_child_subject(locked.export), (locked.source, locked.object_id)],
            detail={"subject_access": "decided", "item": locked.pk, "before": before, "after": {"decision": decision}},
            reason=reason,
        )
    return locked


class NotReady(Exception):
    """The export cannot be released yet; the message says why, in plain English."""


def release(user: Any, export: SubjectAccessExport, *, file_format: str) -> list[subject_access.Section]:
    """The export's content as released, once every flagged item is decided; audited as an export of
    the young person's record. New flagged records since preparation are added undecided and the
    release refused, so nothing reaches the requester without a decision."""
    policy.require(user, "subject_access")
    if export.child is None:
        raise NotReady("The young person's record has been disposed of, so this export can no longer be downloaded")
    with transaction.atomic():
        locked = SubjectAccessExport.objects.select_for_update().get(pk=export.pk)
        found = subject_access.sections(export.child)
        added = _new_items(locked, subject_access.flagged(found))
        pending = locked.items.filter(decision=Decision.PENDING).count()
        if not pending:
            decisions = {(item.source, item.object_id): item.decision for item in locked.items.all()}
            locked.status = ExportStatus.RELEASED
            locked.save(update_fields=["status"])
            audit.record(
                user,
                AuditAction.EXPORT,
                subjects=[export.child.pk],
                subject_type="cases.child",
                other_subjects=[("oversight.subjectaccessexport", locked.pk)],
                detail={"export": f"subject access {file_format}", "subject_access": locked.pk},
            )
            return subject_access.released(found, decisions)
    # Refused; the items found since preparation are kept (undecided) so the reviewer sees them.
    if added:
        plural = "s" if len(added) > 1 else ""
        raise NotReady(f"{len(added)} new item{plural} recorded since you prepared this export: decide on them first")
    raise NotReady(f"Decide on every flagged item first: {pending} still to decide")

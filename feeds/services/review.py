"""The review queue: an uncertain match waits for a person to decide (`resolve_review`) whether the
feed's person is the candidate child, a different person, or not to apply the rows."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from audit.models import AuditAction
from cases.models import Child
from feeds.models import FEED_HEADER, FeedImport, FeedRow, MatchReview, ReviewStatus, RowStatus
from feeds.services.access import require_feeds_manager
from feeds.services.applying import Applier, group_people, request_recalculation
from feeds.services.matching import Outcome, Person

if TYPE_CHECKING:
    from accounts.models import User


class Decision:
    SAME = "same"
    DIFFERENT = "different"
    DISMISS = "dismiss"
    CHOICES = (
        (SAME, "The same person: add these rows to this young person's record"),
        (DIFFERENT, "A different person: create a new record for them"),
        (DISMISS, "Not sure, or wrong data: do not apply these rows"),
    )


def resolve_review(user: User, review: MatchReview, decision: str) -> MatchReview:
    """A person decides an uncertain match: the same person (apply the rows to the candidate), a
    different person (create a new record and apply), or dismiss (the rows are not applied)."""
    require_feeds_manager(user)
    if not MatchReview.objects.visible_to(user).filter(pk=review.pk).exists():
        raise PermissionDenied("This review belongs to another agency's feed.")
    if decision not in {choice for choice, _label in Decision.CHOICES}:
        raise ValidationError({"decision": ["Choose whether this is the same person"]})
    with transaction.atomic():
        review = MatchReview.objects.select_for_update().select_related("feed").get(pk=review.pk)
        if review.status != ReviewStatus.OPEN:
            raise ValidationError({"decision": ["Someone has already decided this match"]})
        feed = FeedImport.objects.select_for_update().get(pk=review.feed_id)
        staged = list(review.rows.filter(status=RowStatus.IN_REVIEW).order_by("line_number"))
        before = audit.snapshot(review)
        if decision == Decision.DISMISS:
            FeedRow.objects.filter(pk__in=[row.pk for row in staged]).update(status=RowStatus.SKIPPED)
            review.status = ReviewStatus.DISMISSED
        else:
            _apply_review(user, feed, review, staged, decision)
            review.status = ReviewStatus.MATCHED if decision == Decision.SAME else ReviewStatus.NEW_PERSON
        review.resolved_by = user
        review.resolved_at = timezone.now()
        review.save(update_fields=["status", "resolved_by", "resolved_at"])
        feed.rows_in_review = max(0, feed.rows_in_review - len(staged))
        feed.save(update_fields=["rows_in_review", "rows_applied", "people_matched", "people_created"])
        audit.record_write(
            user, AuditAction.UPDATE, review, before=before, after=audit.snapshot(review), reason=decision
        )
    return review


def _apply_review(user: User, feed: FeedImport, review: MatchReview, staged: list[FeedRow], decision: str) -> int:
    rows = [[getattr(row, column) for column in FEED_HEADER] for row in staged]
    dates: dict[str, date | None] = {}
    persons = list(group_people(rows, range(len(rows)), dates).values())
    today = timezone.localdate()
    applier = Applier(feed, today, suffix=f"R{review.pk}")
    if decision == Decision.SAME:
        child = Child.objects.select_for_update().get(pk=review.candidate_id)
        _copy_blank_identifiers(user, child, persons)
        for person in persons:
            person.child_id, person.outcome = child.pk, Outcome.MATCHED
        feed.people_matched += 1
    else:
        used: set[tuple[str, str]] = set()
        for kind in ("upn", "nhs_number", "police_id"):
            values = [getattr(p, kind) for p in persons if getattr(p, kind)]
            used.update(
                (kind, value) for value in Child.objects.filter(**{f"{kind}__in": values}).values_list(kind, flat=True)
            )
        first = persons[0]
        applier.create_children([first], used)
        for person in persons[1:]:
            person.child_id = first.child_id
        for person in persons:
            person.outcome = Outcome.NEW_CHILD
        feed.people_created += 1
        child = Child.objects.get(pk=cast(int, first.child_id))  # create_children gave it a child
        audit.record_write(user, AuditAction.CREATE, child, before=None, after=audit.snapshot(child))
    families = applier.families_for(persons)
    applier.link_members(persons, families)
    items = applier.observations(rows, persons, families, dates)
    for row in staged:
        row.status, row.child_id = RowStatus.APPLIED, child.pk
    FeedRow.objects.bulk_update(staged, ["status", "child"])
    feed.rows_applied += len(items)
    request_recalculation(feed, applier.affected_children(persons), requested_by=user)
    return child.pk


def _copy_blank_identifiers(user: User, child: Child, persons: list[Person]) -> None:
    before = audit.snapshot(child)
    changed = False
    for kind in ("upn", "nhs_number", "police_id"):
        if getattr(child, kind):
            continue
        value = next((getattr(p, kind) for p in persons if getattr(p, kind)), "")
        if value and not Child.objects.filter(**{kind: value}).exists():
            setattr(child, kind, value)
            changed = True
    if changed:
        child.version += 1
        child.save()
        audit.record_write(user, AuditAction.UPDATE, child, before=before, after=audit.snapshot(child))

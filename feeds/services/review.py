"""The review queue: an uncertain match waits for a person to decide (`resolve_review`) whether the
feed's person is the candidate (a child, or an adult), a different person, or not to apply the rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Q, Value, When
from django.utils import timezone

from audit import services as audit
from audit.models import AuditAction
from cases.models import Adult, Child
from feeds.models import FEED_HEADER, FeedImport, FeedRow, MatchReview, ReviewStatus, RowStatus
from feeds.services.access import require_feeds_manager
from feeds.services.applying import Applier, group_people, request_recalculation
from feeds.services.matching import KINDS, Outcome, Person, age_on

if TYPE_CHECKING:
    from accounts.models import User


class Decision:
    SAME = "same"
    DIFFERENT = "different"
    DISMISS = "dismiss"
    CHOICES = (
        (SAME, "The same person: add these rows to this person's record"),
        (DIFFERENT, "A different person: create a new record for them"),
        (DISMISS, "Not sure, or wrong data: do not apply these rows"),
    )


class ReviewKind:
    """What kind of doubt a review is, read from its reason (the wording of matching.py): the
    review queue groups and filters by it."""

    BIRTH = "birth"
    IDENTIFIER = "identifier"
    NAME_DIFFERS = "name_differs"
    LINKED = "linked"
    SOUND = "sound"
    NAME = "name"
    CHOICES = (
        (BIRTH, "An identifier matches but the date of birth does not"),
        (IDENTIFIER, "Two people may be claiming one identifier"),
        (NAME_DIFFERS, "An identifier matches but the name does not"),
        (LINKED, "Shares an identifier with a row in review"),
        (SOUND, "A name that sounds the same"),
        (NAME, "The same name and date of birth, nothing else to confirm"),
    )
    LABELS = dict(CHOICES)


def _contains(*texts: str) -> Q:
    condition = Q()
    for text in texts:
        condition |= Q(reason__contains=text)
    return condition


def review_kind() -> Case:
    """The ReviewKind of a MatchReview as an expression (annotate, filter, group by)."""
    return Case(
        When(_contains("date of birth is different", "check which date of birth"), then=Value(ReviewKind.BIRTH)),
        When(
            _contains(
                "a different unique pupil number",
                "a different NHS number",
                "a different police reference",
                "points at another young person",
                "another: check which one",
                "adults: check which one",
            ),
            then=Value(ReviewKind.IDENTIFIER),
        ),
        When(_contains("someone with a different name"), then=Value(ReviewKind.NAME_DIFFERS)),
        When(_contains("that is in review"), then=Value(ReviewKind.LINKED)),
        When(_contains("sounds the same"), then=Value(ReviewKind.SOUND)),
        default=Value(ReviewKind.NAME),
        output_field=CharField(),
    )


@dataclass
class BulkDecision:
    """What resolve_reviews did: how many were decided, and why the others were not."""

    decided: int = 0
    problems: list[str] = field(default_factory=list)


def resolve_reviews(user: User, review_ids: Iterable[int], decision: str) -> BulkDecision:
    """Decide many reviews at once ('accept as suggested': the same person; or a new record for
    each): each through the same decision as one review, in a transaction of its own and audited
    on its own; one recalculation per feed for all the children they touched. A review another
    manager decided meanwhile, or that this user may not see, is reported and left alone."""
    require_feeds_manager(user)
    if decision not in (Decision.SAME, Decision.DIFFERENT):
        raise ValidationError({"decision": ["Choose whether to accept the suggested matches or create new records"]})
    ids = sorted(set(review_ids))
    if not ids:
        raise ValidationError({"reviews": ["Select at least one match"]})
    outcome = BulkDecision()
    visible = {review.pk: review for review in MatchReview.objects.visible_to(user).filter(pk__in=ids)}
    affected: defaultdict[int, set[int]] = defaultdict(set)
    feeds: dict[int, FeedImport] = {}
    for pk in ids:
        review = visible.get(pk)
        if review is None:
            outcome.problems.append(f"Match {pk} was not found")
            continue
        try:
            review, feed, children = _resolve(user, review, decision)
        except ValidationError as error:
            outcome.problems.append(f"{review.given_name} {review.family_name}: {error.messages[0]}")
            continue
        outcome.decided += 1
        if feed is not None:
            feeds[feed.pk] = feed
            affected[feed.pk].update(children)
    with transaction.atomic():
        for feed_id, touched in affected.items():
            request_recalculation(feeds[feed_id], sorted(touched), requested_by=user)
    return outcome


def resolve_review(user: User, review: MatchReview, decision: str) -> MatchReview:
    """A person decides an uncertain match: the same person (apply the rows to the candidate), a
    different person (create a new record and apply), or dismiss (the rows are not applied)."""
    require_feeds_manager(user)
    with transaction.atomic():
        review, feed, children = _resolve(user, review, decision)
        if feed is not None:
            request_recalculation(feed, children, requested_by=user)
    return review


def _resolve(user: User, review: MatchReview, decision: str) -> tuple[MatchReview, FeedImport | None, list[int]]:
    """resolve_review without the recalculation: the review, and the feed and children whose rows
    were applied (None and [] when dismissed)."""
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
        children: list[int] = []
        if decision == Decision.DISMISS:
            FeedRow.objects.filter(pk__in=[row.pk for row in staged]).update(status=RowStatus.SKIPPED)
            review.status = ReviewStatus.DISMISSED
        else:
            children = _apply_review(user, feed, review, staged, decision)
            review.status = ReviewStatus.MATCHED if decision == Decision.SAME else ReviewStatus.NEW_PERSON
        review.resolved_by = user
        review.resolved_at = timezone.now()
        review.save(update_fields=["status", "resolved_by", "resolved_at"])
        feed.rows_in_review = max(0, feed.rows_in_review - len(staged))
        feed.save(update_fields=["rows_in_review", "rows_applied", "people_matched", "people_created"])
        audit.record_write(
            user, AuditAction.UPDATE, review, before=before, after=audit.snapshot(review), reason=decision
        )
    return review, (feed if children else None), children


def _apply_review(user: User, feed: FeedImport, review: MatchReview, staged: list[FeedRow], decision: str) -> list[int]:
    """Apply the review's rows to the candidate (a child or an adult) or to a new record (a child
    when the person is under 18 today, else an adult); the children to recalculate."""
    rows = [[getattr(row, column) for column in FEED_HEADER] for row in staged]
    dates: dict[str, date | None] = {}
    persons = list(group_people(rows, range(len(rows)), dates).values())
    today = timezone.localdate()
    applier = Applier(feed, today, suffix=f"R{review.pk}")
    record: Child | Adult
    if decision == Decision.SAME and review.is_adult:
        record = Adult.objects.select_for_update().get(pk=cast(int, review.candidate_adult_id))
        _copy_blank_identifiers(user, record, persons)
        feed.people_matched += 1
    elif decision == Decision.SAME:
        record = Child.objects.select_for_update().get(pk=cast(int, review.candidate_id))
        _copy_blank_identifiers(user, record, persons)
        feed.people_matched += 1
    elif age_on(persons[0].date_of_birth, today) >= 18:
        record = _new_adult(persons)
        feed.people_created += 1
        audit.record_write(user, AuditAction.CREATE, record, before=None, after=audit.snapshot(record))
    else:
        used: set[tuple[str, str]] = set()
        for kind in KINDS:
            values = [getattr(p, kind) for p in persons if getattr(p, kind)]
            used.update(
                (kind, value) for value in Child.objects.filter(**{f"{kind}__in": values}).values_list(kind, flat=True)
            )
        first = persons[0]
        for person in persons[1:]:  # one new record: the gender and ethnicity of all the rows
            first.genders |= person.genders
            first.ethnicities |= person.ethnicities
        applier.create_children([first], used)
        feed.people_created += 1
        record = Child.objects.get(pk=cast(int, first.child_id))  # create_children gave it a child
        audit.record_write(user, AuditAction.CREATE, record, before=None, after=audit.snapshot(record))
    is_adult = isinstance(record, Adult)
    for person in persons:
        if is_adult:
            person.child_id, person.adult_id, person.outcome = None, record.pk, Outcome.ADULT
        else:
            person.child_id, person.outcome = record.pk, Outcome.MATCHED
    families = applier.families_for(persons)
    applier.link_members(persons, families)
    items = applier.observations(rows, persons, families, dates)
    for row in staged:
        row.status = RowStatus.APPLIED
        row.child_id, row.adult_id = (None, record.pk) if is_adult else (record.pk, None)
    FeedRow.objects.bulk_update(staged, ["status", "child", "adult"])
    feed.rows_applied += len(items)
    return applier.affected_children(persons)


def _new_adult(persons: list[Person]) -> Adult:
    """A new adult for a review's rows, with every identifier they give (the first value of each
    kind; adults' identifiers are not unique)."""
    first = persons[0]
    identifiers: dict[str, str] = {}
    for person in persons:
        for kind, value in person.identifiers:
            identifiers.setdefault(kind, value)
    return Adult.objects.create(
        given_name=first.given_name.strip(),
        family_name=first.family_name.strip(),
        date_of_birth=first.date_of_birth,
        **identifiers,
    )


def _copy_blank_identifiers(user: User, record: Child | Adult, persons: list[Person]) -> None:
    """The identifiers the rows give and the record lacks, copied onto it (audited): a child's only
    if no other child holds them (they are unique among children), an adult's in any case."""
    before = audit.snapshot(record)
    changed = False
    for kind in KINDS:
        if getattr(record, kind):
            continue
        value = next((getattr(p, kind) for p in persons if getattr(p, kind)), "")
        if value and (isinstance(record, Adult) or not Child.objects.filter(**{kind: value}).exists()):
            setattr(record, kind, value)
            changed = True
    if changed:
        if isinstance(record, Child):
            record.version += 1
        record.save()
        audit.record_write(user, AuditAction.UPDATE, record, before=before, after=audit.snapshot(record))

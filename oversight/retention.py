"""How each record type a retention rule covers is found, and from which date its period runs.

A rule says "keep records of this type for N years from this date"; `due(rule, today)` is the
records whose period has ended, each annotated with `kept_from`. Only records that are finished
with can be due: a young person's case must be closed with no agency still involved, an adult must
no longer be linked to a family, a family must have nobody left in it, a context must be closed with
nobody linked, an establishment must have no engagement record or outreach event left, a mentor
must have left, a mentoring match must have ended, a data feed must have finished with no match
waiting for a decision, a group must have no sessions left."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import DateField, Exists, F, Max, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate

from cases.models import (
    Adult,
    Child,
    ChildStatus,
    ChronologyEvent,
    Context,
    ContextLink,
    ContextStatus,
    Family,
    FamilyFact,
    FamilyMember,
    Involvement,
    Referral,
)
from feeds.models import FeedImport, FeedStatus, MatchReview, ReviewStatus
from interventions.models import DisruptionAction, IntelligenceReport, IntelligenceShare, PersonOfConcern
from mentoring.models import Match, Mentor, MentoringSession, MentorStatus
from outreach.models import (
    DoorToDoorCampaign,
    EngagementRecord,
    Establishment,
    Group,
    GroupSession,
    OutreachEvent,
)
from oversight.models import RecordType, RetentionBasis, RetentionRule

Start = Callable[[], Any]  # builds the expression for the date a record's period runs from


def _max_of(model: type[Model], link: str, field: str) -> Subquery:
    return Subquery(
        model.objects.filter(**{link: OuterRef("pk")})  # type: ignore[attr-defined]
        .order_by()
        .values(link)
        .annotate(latest=Max(field))
        .values("latest")[:1],
        output_field=DateField(),
    )


def _day(field: str) -> TruncDate:
    return TruncDate(field, output_field=DateField())


def _latest(changed: Any, *others: Any) -> Greatest:
    # Each other date falls back to `changed`: SQLite's GREATEST (MAX) is NULL when any part is.
    return Greatest(changed, *(Coalesce(other, changed) for other in others), output_field=DateField())


def _child_case_closed() -> Any:
    # The last day an agency was involved; a closed case with no involvement runs from its last change.
    return Coalesce(_max_of(Involvement, "child", "ended_on"), _day("updated_at"), output_field=DateField())


def _finished_child() -> Q:
    still_involved = Involvement.objects.filter(child=OuterRef("pk"), ended_on__isnull=True)
    return Q(status=ChildStatus.CLOSED) & ~Q(Exists(still_involved))


def _intelligence_last_activity() -> Any:
    shared = Subquery(
        IntelligenceShare.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(latest=Max(TruncDate("shared_at")))
        .values("latest")[:1],
        output_field=DateField(),
    )
    return _latest("received_on", shared)


def _person_last_activity() -> Any:
    changed = _day("updated_at")
    disrupted = _max_of(DisruptionAction, "person", "taken_on")
    reported = Subquery(
        IntelligenceReport.objects.filter(persons=OuterRef("pk"))
        .order_by()
        .values("persons")
        .annotate(latest=Max("received_on"))
        .values("latest")[:1],
        output_field=DateField(),
    )
    return _latest(changed, disrupted, reported)


def _nobody_left_in_family() -> Q:
    members = FamilyMember.objects.filter(family=OuterRef("pk"))
    open_work = Involvement.objects.filter(family=OuterRef("pk"), ended_on__isnull=True)
    return ~Q(Exists(members)) & ~Q(Exists(open_work))


def _family_last_activity() -> Any:
    return _latest(
        _day("updated_at"),
        _max_of(ChronologyEvent, "family", "occurred_on"),
        _max_of(FamilyFact, "family", "noted_on"),
        _max_of(Involvement, "family", "ended_on"),
    )


def _nobody_left_in_context() -> Q:
    """A closed context with no young person linked, no agency still working there, and not named in
    any police record (police records keep their own periods; the context goes after them)."""
    links = ContextLink.objects.filter(context=OuterRef("pk"))
    open_work = Involvement.objects.filter(context=OuterRef("pk"), ended_on__isnull=True)
    named_by_police = (
        Exists(DisruptionAction.objects.filter(location=OuterRef("pk")))
        | Exists(PersonOfConcern.locations.through.objects.filter(context=OuterRef("pk")))
        | Exists(IntelligenceReport.contexts.through.objects.filter(context=OuterRef("pk")))
    )
    return Q(status=ContextStatus.CLOSED) & ~Q(Exists(links)) & ~Q(Exists(open_work)) & ~Q(named_by_police)


def _context_last_activity() -> Any:
    return _latest(
        _day("updated_at"),
        _max_of(ChronologyEvent, "context", "occurred_on"),
        _max_of(Involvement, "context", "ended_on"),
        _max_of(Referral, "context", "received_on"),
    )


def _match_last_activity() -> Any:
    return _latest("ended_on", _max_of(MentoringSession, "match", "held_on"))


def _finished_feed() -> Q:
    waiting = MatchReview.objects.filter(feed=OuterRef("pk"), status=ReviewStatus.OPEN)
    return Q(status__in=[FeedStatus.APPLIED, FeedStatus.REJECTED, FeedStatus.FAILED]) & ~Q(Exists(waiting))


@dataclass(frozen=True)
class Kind:
    record_type: RecordType
    model: type[Model]
    finished: Callable[[], Q]
    starts: dict[str, Start]  # basis -> start date expression
    reference: Callable[[Any], str]

    @property
    def label(self) -> str:
        """The record's type as the audit trail names it (e.g. cases.child)."""
        return self.model._meta.label_lower


def _reference(record: Any) -> str:
    return str(getattr(record, "reference", "") or f"#{record.pk}")


KINDS: dict[str, Kind] = {
    RecordType.CHILD: Kind(
        RecordType.CHILD,
        Child,
        lambda: _finished_child() & Q(looked_after=False),
        {RetentionBasis.BIRTH: lambda: F("date_of_birth"), RetentionBasis.CASE_CLOSED: _child_case_closed},
        _reference,
    ),
    RecordType.CHILD_LOOKED_AFTER: Kind(
        RecordType.CHILD_LOOKED_AFTER,
        Child,
        lambda: _finished_child() & Q(looked_after=True),
        {RetentionBasis.BIRTH: lambda: F("date_of_birth"), RetentionBasis.CASE_CLOSED: _child_case_closed},
        _reference,
    ),
    RecordType.ADULT: Kind(
        RecordType.ADULT,
        Adult,
        lambda: ~Q(Exists(FamilyMember.objects.filter(adult=OuterRef("pk")))),
        {RetentionBasis.LAST_ACTIVITY: lambda: _day("created_at")},
        _reference,
    ),
    RecordType.FAMILY: Kind(
        RecordType.FAMILY,
        Family,
        _nobody_left_in_family,
        {RetentionBasis.LAST_ACTIVITY: _family_last_activity},
        _reference,
    ),
    RecordType.CONTEXT: Kind(
        RecordType.CONTEXT,
        Context,
        _nobody_left_in_context,
        {RetentionBasis.LAST_ACTIVITY: _context_last_activity},
        _reference,
    ),
    RecordType.INTELLIGENCE: Kind(
        RecordType.INTELLIGENCE,
        IntelligenceReport,
        Q,
        {RetentionBasis.LAST_ACTIVITY: _intelligence_last_activity},
        _reference,
    ),
    RecordType.PERSON_OF_CONCERN: Kind(
        RecordType.PERSON_OF_CONCERN,
        PersonOfConcern,
        Q,
        {RetentionBasis.LAST_ACTIVITY: _person_last_activity},
        _reference,
    ),
    RecordType.DISRUPTION: Kind(
        RecordType.DISRUPTION,
        DisruptionAction,
        Q,
        {RetentionBasis.LAST_ACTIVITY: lambda: F("taken_on")},
        _reference,
    ),
    RecordType.MENTOR: Kind(
        RecordType.MENTOR,
        Mentor,
        lambda: Q(status=MentorStatus.LEFT),
        {RetentionBasis.LAST_ACTIVITY: lambda: F("status_changed_on")},
        _reference,
    ),
    RecordType.MENTORING_MATCH: Kind(
        RecordType.MENTORING_MATCH,
        Match,
        lambda: Q(ended_on__isnull=False),
        {RetentionBasis.LAST_ACTIVITY: _match_last_activity},
        _reference,
    ),
    RecordType.FEED: Kind(
        RecordType.FEED,
        FeedImport,
        _finished_feed,
        {
            RetentionBasis.LAST_ACTIVITY: lambda: TruncDate(
                Coalesce("finished_at", "created_at"), output_field=DateField()
            )
        },
        _reference,
    ),
    RecordType.OUTREACH_EVENT: Kind(
        RecordType.OUTREACH_EVENT,
        OutreachEvent,
        Q,
        {RetentionBasis.LAST_ACTIVITY: lambda: F("held_on")},
        _reference,
    ),
    RecordType.DOOR_TO_DOOR: Kind(
        RecordType.DOOR_TO_DOOR,
        DoorToDoorCampaign,
        Q,
        {RetentionBasis.LAST_ACTIVITY: lambda: F("ended_on")},
        _reference,
    ),
    RecordType.ENGAGEMENT: Kind(
        RecordType.ENGAGEMENT,
        EngagementRecord,
        Q,
        {RetentionBasis.LAST_ACTIVITY: lambda: _latest("occurred_on", "follow_up_on")},
        _reference,
    ),
    RecordType.ESTABLISHMENT: Kind(
        RecordType.ESTABLISHMENT,
        Establishment,
        lambda: (
            ~Q(Exists(EngagementRecord.objects.filter(establishment=OuterRef("pk"))))
            & ~Q(Exists(OutreachEvent.objects.filter(establishment=OuterRef("pk"))))
        ),
        {RetentionBasis.LAST_ACTIVITY: lambda: _day("created_at")},
        _reference,
    ),
    RecordType.GROUP_SESSION: Kind(
        RecordType.GROUP_SESSION,
        GroupSession,
        Q,
        {RetentionBasis.LAST_ACTIVITY: lambda: F("held_on")},
        _reference,
    ),
    RecordType.GROUP: Kind(
        RecordType.GROUP,
        Group,
        lambda: ~Q(Exists(GroupSession.objects.filter(group=OuterRef("pk")))),
        {RetentionBasis.LAST_ACTIVITY: lambda: _day("created_at")},
        _reference,
    ),
}


def bases_for(record_type: str) -> list[str]:
    return list(KINDS[record_type].starts)


def cutoff(today: date, years: int) -> date:
    """The date `years` before `today` (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def due(rule: RetentionRule, today: date) -> QuerySet[Any]:
    """The records of the rule's type whose retention period has ended by `today`, with `kept_from`."""
    kind = KINDS[rule.record_type]
    start = kind.starts.get(rule.basis)
    if start is None:
        return kind.model.objects.none()  # type: ignore[attr-defined]
    records: QuerySet[Any] = kind.model.objects.all()  # type: ignore[attr-defined]
    return (
        records.filter(kind.finished())
        .annotate(kept_from=start())
        .filter(kept_from__lte=cutoff(today, rule.years))
        .order_by("kept_from", "pk")
    )

"""What the data protection officer reads: who saw a record, and what a user looked at."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditAction, AuditEvent, AuditSubject


def events_about(object_type: str, object_id) -> QuerySet[AuditEvent]:
    """Every event that touched the record, including lists and searches it appeared in."""
    return (
        AuditEvent.objects.filter(subjects__object_type=object_type, subjects__object_id=str(object_id))
        .select_related("agency")
        .distinct()
        .order_by("-at", "-id")
    )


def events_by(user) -> QuerySet[AuditEvent]:
    """What the user did, and the access grants given to them or ended (someone else's actions
    that changed what this user may see)."""
    grants = AuditSubject.objects.filter(
        object_type="accounts.user",
        object_id=str(user.pk),
        event__action__in=[AuditAction.GRANT, AuditAction.GRANT_ENDED],
    ).values("event_id")
    return AuditEvent.objects.filter(Q(user=user) | Q(pk__in=grants)).select_related("agency").order_by("-at", "-id")


def within(events: QuerySet[AuditEvent], start: date | None, end: date | None) -> QuerySet[AuditEvent]:
    """The events from the start of `start` to the end of `end`, local time; either may be open."""
    if start:
        events = events.filter(at__gte=_midnight(start))
    if end:
        events = events.filter(at__lt=_midnight(end + timedelta(days=1)))
    return events


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))

"""What the data protection officer reads: who saw a record, and what a user looked at."""

from django.db.models import QuerySet

from audit.models import AuditEvent


def events_about(object_type: str, object_id) -> QuerySet[AuditEvent]:
    """Every event that touched the record, including lists and searches it appeared in."""
    return (
        AuditEvent.objects.filter(subjects__object_type=object_type, subjects__object_id=str(object_id))
        .select_related("agency")
        .distinct()
        .order_by("-at", "-id")
    )


def events_by(user) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(user=user).select_related("agency").order_by("-at", "-id")

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.policy import acting_agency, require
from audit.services import create_audited
from cases.models import Child, ChronologyEvent, Context, Family
from cases.signals import event_recorded

if TYPE_CHECKING:
    from accounts.models import User

SUBJECT_RULES = {
    Child: ("change_child", "child"),
    Family: ("change_family", "family"),
    Context: ("change_context", "context"),
}


@transaction.atomic
def add_event(user: User, subject: Child | Family | Context, **fields: Any) -> ChronologyEvent:
    """Add a dated entry to a child's, family's or context's chronology."""
    action, field = SUBJECT_RULES[type(subject)]
    require(user, action, subject, "You cannot add to this chronology.")
    occurred_on = fields.get("occurred_on")
    if occurred_on and occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "The date must be today or in the past"})
    if isinstance(subject, Child) and occurred_on and occurred_on < subject.date_of_birth:
        raise ValidationError({"occurred_on": "The date must be on or after the young person's date of birth"})
    fields["source_agency"] = acting_agency(user, fields.get("source_agency"))
    event = create_audited(user, ChronologyEvent, recorded_by=user, **{field: subject}, **fields)
    event_recorded.send(sender=ChronologyEvent, event=event, user=user)
    return event

"""Signals other apps listen to, so cases does not depend on them."""

from django.dispatch import Signal

# Sent by cases.services.chronology.add_event inside its transaction, with `event` and `user`.
event_recorded = Signal()

"""The one signal cases sends: `event_recorded`, so that an app above cases can act on a new
chronology entry without cases importing it.

Sent only by cases.services.chronology.add_event, inside its transaction, with `event` (the new
ChronologyEvent) and `user`; entries created any other way (the demo data, the benchmarks'
generated city) send nothing. No app receives it today: a missing episode is a record of its own
in `interventions` (interventions/services/missing.py), which raises the return home interview
task when the young person's return is recorded."""

from django.dispatch import Signal

event_recorded = Signal()

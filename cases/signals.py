"""The one signal cases sends: `event_recorded`, so that an app above cases can act on a new
chronology entry without cases importing it.

Sent only by cases.services.chronology.add_event, inside its transaction, with `event` (the new
ChronologyEvent) and `user`; entries created any other way (the demo data, the benchmarks'
generated city) send nothing. Today its only receiver is interventions' return home interview
task for a missing episode (interventions/signals_tasks.py, connected in InterventionsConfig.ready())."""

from django.dispatch import Signal

event_recorded = Signal()

"""Celery tasks that recalculate the cohort: one requested run, and the nightly whole-city run."""

from celery import shared_task
from django.utils import timezone

from cohorts.models import CohortRun, RunKind, RunTrigger
from cohorts.services import runs

BUSY_RETRY_SECONDS = 30
BUSY_MAX_RETRIES = 20  # about ten minutes of waiting for another run before recording this one as skipped


@shared_task(name="cohorts.recalculate", bind=True, max_retries=BUSY_MAX_RETRIES, acks_late=True)
def recalculate(self, run_id: int) -> str:
    """Execute run `run_id`. When another run holds the guard, wait and try again (runs never
    overlap); after BUSY_MAX_RETRIES the run is recorded as skipped. In eager mode (no broker) it is
    skipped at once: there is no later to retry in."""
    try:
        run = runs.execute_run(run_id, skip_if_busy=self.request.is_eager)
    except runs.RunBusy as busy:
        if self.request.retries >= BUSY_MAX_RETRIES:
            runs.mark_skipped(run_id)
            return "skipped"
        raise self.retry(exc=busy, countdown=BUSY_RETRY_SECONDS) from busy
    return run.status


@shared_task(name="cohorts.nightly_recalculation")
def nightly_recalculation() -> str:
    """Celery beat, every night at COHORT_NIGHTLY_HOUR: a whole-city run as of today. One run a day:
    the task delivered again after its worker died executes the same run again, so its attempts are
    counted (and a run that kills its worker every time is given up) like any run's."""
    today = timezone.localdate()
    run = CohortRun.objects.filter(trigger=RunTrigger.NIGHTLY, as_of=today).order_by("-id").first()
    if run is None:
        run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.NIGHTLY, as_of=today, enqueue=False)
    return runs.execute_run(run.pk).status


@shared_task(name="cohorts.recover_stalled_runs")
def recover_stalled_runs() -> list[int]:
    """Celery beat, every five minutes: runs whose worker died are queued again."""
    return runs.recover_stalled_runs()

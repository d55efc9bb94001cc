"""Recalculation pages and API, and the "why is this child suggested?" page."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from cases.models import ContextLink
from cohorts.models import CohortRun, CohortSettings, RunKind, RunStatus, RunTrigger, SourceSystem
from cohorts.services import runs
from tests.test_cohort_scoring import D, Data, days


@pytest.fixture(autouse=True)
def cohort_defaults(db):
    """The version-1 indicators of migration 0002 (a transactional test elsewhere may have flushed them)."""
    from cohorts.defaults import ensure_default_indicators

    ensure_default_indicators()


def full_run(as_of=D):
    run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=as_of, enqueue=False)
    return runs.execute_run(run.pk)


def form_date(value):
    return {"as_of_day": value.day, "as_of_month": value.month, "as_of_year": value.year}


@pytest.fixture
def scored(partnership):
    """council_child: weapon offence 5 + crime (twice) 3 = individual 8, plus 2 for the hotspot,
    where voluntary_child scores 5 (school exclusion 3 + not in education 2): 10, vulnerable cohort.
    voluntary_child: 5 + 2 for the hotspot = 7, cause for concern."""
    p = partnership
    data = Data(p)
    data.obs("weapon_offence", days(3), child=p.council_child, source="police-records")
    data.obs("crime", days(40), child=p.council_child)
    data.obs("crime", days(20), child=p.council_child)
    data.obs("school_exclusion", days(5), child=p.voluntary_child)
    data.obs("neet", days(6), child=p.voluntary_child)
    p.data = data
    return p


def test_run_list_shows_runs_and_the_form_to_managers_only(client_for, scored):
    full_run()
    page = client_for("caseworker").get(reverse("cohorts:run_list"))
    assert page.status_code == 200
    assert "Recalculate now" not in page.text and "Version 1" in page.text and "Published" in page.text
    page = client_for("manager").get(reverse("cohorts:run_list"))
    assert "Recalculate now" in page.text
    assert f'value="{timezone.localdate().year}"' in page.text
    assert client_for("voluntary").get(reverse("cohorts:run_list")).status_code == 404


def test_run_list_query_count_does_not_grow_with_runs(client_for, scored):
    client = client_for("manager")
    full_run()
    client.get(reverse("cohorts:run_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cohorts:run_list"))
    for _ in range(4):
        full_run()
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("cohorts:run_list"))
    assert page.text.count("Run ") >= 5
    assert len(many) == len(few)


def test_manager_requests_a_run_and_it_is_published(client_for, scored, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # run the task in-process, with or without REDIS_URL
    client = client_for("manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cohorts:run_request"), form_date(D))
    run = CohortRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cohorts:run_detail", args=[run.pk])
    assert (run.status, run.as_of, run.trigger, run.requested_by) == (
        RunStatus.PUBLISHED,
        D,
        RunTrigger.MANUAL,
        scored.users["manager"],
    )
    page = client.get(response["Location"])
    assert (
        'hx-trigger="every 2s"' not in page.text
        and "Published" in page.text
        and "Vulnerable cohort: 1" in page.text
        and "Cause for concern: 1" in page.text
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("future", "must be today or in the past"),
        ({"as_of_day": "31", "as_of_month": "2", "as_of_year": "2026"}, "Enter a real date"),
        ({"as_of_day": "", "as_of_month": "", "as_of_year": ""}, "Enter the date to recalculate as of"),
    ],
)
def test_bad_as_of_is_refused_and_nothing_is_queued(client_for, scored, data, message):
    if data == "future":
        data = form_date(timezone.localdate() + timedelta(days=1))
    response = client_for("manager").post(reverse("cohorts:run_request"), data)
    assert response.status_code == 400
    assert "There is a problem" in response.text and message in response.text
    assert not CohortRun.objects.exists()


def test_only_managers_may_request(client_for, scored):
    assert client_for("caseworker").post(reverse("cohorts:run_request"), form_date(D)).status_code == 403
    assert not CohortRun.objects.exists()


def test_run_detail_polls_while_queued(client_for, scored):
    run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False)
    page = client_for("police").get(reverse("cohorts:run_detail", args=[run.pk]))
    assert 'hx-trigger="every 2s"' in page.text and "Queued" in page.text


def test_why_page_explains_the_suggestion_and_is_audited(client_for, scored):
    p = scored
    run = full_run()
    client = client_for("caseworker")
    page = client.get(reverse("cohorts:suggestion_why", args=[p.council_child.pk]))
    assert page.status_code == 200
    text = page.text
    assert "Vulnerable cohort" in text
    assert "10: individual 8, family 0, places and groups 2" in text
    assert "Weapon-related offence: adds 5" in text and "Offending or arrest: adds 3" in text
    assert "2 records in the last 365 days" in text and "police-records" in text
    assert "Test bus station" in text and "Another child linked to it" in text
    assert f"scoring model version {run.scoring_model.version}" in text and "30 June 2026" in text
    read = AuditEvent.objects.filter(
        action=AuditAction.READ,
        object_type="cases.child",
        object_id=str(p.council_child.pk),
        user=p.users["caseworker"],
    )
    assert read.count() == 1


def test_why_page_names_source_systems_by_their_label(client_for, scored):
    SourceSystem.objects.create(code="police-records", label="Police records management system")
    full_run()
    page = client_for("caseworker").get(reverse("cohorts:suggestion_why", args=[scored.council_child.pk]))
    cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', page.text)
    assert "Police records management system" in cells and "police-records" not in cells


def test_why_page_does_not_name_a_context_the_reader_cannot_see(client_for, scored):
    p = scored
    full_run()
    ContextLink.objects.filter(child=p.council_child, context=p.hotspot).delete()  # after the run
    page = client_for("caseworker").get(reverse("cohorts:suggestion_why", args=[p.council_child.pk]))
    assert "Test bus station" not in page.text
    assert "A place or group you do not have access to" in page.text


def test_why_page_for_a_hidden_child_is_404(client_for, scored):
    full_run()
    response = client_for("police").get(reverse("cohorts:suggestion_why", args=[scored.council_child.pk]))
    assert response.status_code == 404 and scored.council_child.reference not in response.text
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(scored.council_child.pk)).exists()


def test_why_page_says_when_suggestions_are_off(client_for, scored):
    full_run()
    settings = CohortSettings.load()
    settings.suggestions_enabled = False
    settings.save()
    page = client_for("caseworker").get(reverse("cohorts:suggestion_why", args=[scored.council_child.pk]))
    assert "Suggestions are switched off" in page.text and "Weapon-related offence" not in page.text


def test_why_page_query_count_does_not_grow_with_the_evidence(client_for, scored):
    p = scored
    client = client_for("caseworker")
    url = reverse("cohorts:suggestion_why", args=[p.council_child.pk])
    # One record of each kind first (each kind of evidence is one query), then many more.
    p.data.obs("domestic_abuse", days(1), adult=p.adult, family=p.family)
    p.data.event("missing_episode", days(1), child=p.council_child)
    p.data.event("health", days(1), family=p.family)
    p.data.fact("financial_exclusion", days(1))
    full_run()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        p.data.obs("crime", days(50 + n), child=p.council_child)
        p.data.obs("domestic_abuse", days(n + 1), adult=p.adult, family=p.family)
        p.data.event("missing_episode", days(n + 1), child=p.council_child)
        p.data.fact("financial_exclusion", days(n + 1))
        p.data.event("health", days(n + 1), family=p.family)
    full_run()
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert "And 12 older records" in page.text  # 32 crimes, 20 listed
    assert len(many) == len(few)


def test_api_runs_list_detail_and_create(client_for, scored, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # run the task in-process, with or without REDIS_URL
    run = full_run()
    client = client_for("police")
    listing = client.get(reverse("api:cohort-run-list")).json()
    assert listing["results"][0]["id"] == run.pk and listing["results"][0]["scoring_model_version"] == 1
    detail = client.get(reverse("api:cohort-run-detail", args=[run.pk])).json()
    assert detail["counts"] == run.counts and detail["status"] == "published"
    assert client.post(reverse("api:cohort-run-list"), {}, content_type="application/json").status_code == 403
    # Without a cohort role, runs do not exist: 404 for reading and asking alike.
    outsider = client_for("voluntary")
    assert outsider.post(reverse("api:cohort-run-list"), {}, content_type="application/json").status_code == 404
    assert outsider.get(reverse("api:cohort-run-detail", args=[run.pk])).status_code == 404
    manager = client_for("manager")
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    bad = manager.post(reverse("api:cohort-run-list"), {"as_of": future}, content_type="application/json")
    assert bad.status_code == 400 and "as_of" in bad.json()
    bad = manager.post(reverse("api:cohort-run-list"), {"as_of": "2026-02-31"}, content_type="application/json")
    assert bad.status_code == 400 and "as_of" in bad.json()
    assert CohortRun.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        made = manager.post(reverse("api:cohort-run-list"), {"as_of": str(D)}, content_type="application/json")
    assert made.status_code == 201 and made.json()["as_of"] == str(D)
    assert CohortRun.objects.get(pk=made.json()["id"]).status == RunStatus.PUBLISHED


def test_api_current_suggestion_of_a_visible_child(client_for, scored):
    p = scored
    full_run()
    client = client_for("caseworker")
    data = client.get(reverse("api:cohort-suggestion-detail", args=[p.council_child.pk])).json()
    assert (data["score"], data["tier"], data["individual_score"], data["context_score"]) == (
        10,
        "vulnerable_cohort",
        8,
        2,
    )
    assert data["contributions"][-1] == {
        "context_id": p.hotspot.pk,
        "context_name": "Test bus station",
        "reason": "other_children",
        "weight": 2,
    }
    listing = client.get(reverse("api:cohort-suggestion-list")).json()
    assert [row["child"] for row in listing["results"]] == [p.council_child.pk]  # voluntary_child is not theirs
    assert (
        client_for("police").get(reverse("api:cohort-suggestion-detail", args=[p.council_child.pk])).status_code == 404
    )
    assert client_for("voluntary").get(reverse("api:cohort-suggestion-list")).status_code == 404


def test_every_recalculation_request_is_audited_from_the_page_and_the_api(client_for, scored):
    """Who asked for a recalculation, as of when: from the page, the API, and a refused request leaves none."""
    manager = client_for("manager")
    manager.post(reverse("cohorts:run_request"), form_date(D))
    manager.post(reverse("api:cohort-run-list"), {"as_of": str(D)}, content_type="application/json")
    client_for("caseworker").post(reverse("cohorts:run_request"), form_date(D))
    requests = AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="cohorts.cohortrun").order_by("id")
    assert [(event.username, event.object_id, event.detail) for event in requests] == [
        ("manager", str(run.pk), {"kind": "full", "trigger": "manual", "as_of": D.isoformat(), "children": 0})
        for run in CohortRun.objects.order_by("id")
    ]
    assert requests.count() == 2


def killed_while_running(minutes_ago: int) -> CohortRun:
    """A run whose worker marked it running `minutes_ago` and then died before publishing."""
    run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False)
    runs._start(run.pk)
    CohortRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=minutes_ago))
    return CohortRun.objects.get(pk=run.pk)


def test_a_run_whose_worker_died_is_queued_again_and_then_published(
    scored, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the queued task runs in-process, with or without REDIS_URL
    settings.COHORT_RUN_STALL_MINUTES = 10
    dead, recent = killed_while_running(25), killed_while_running(3)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.recover_stalled_runs() == [dead.pk]
    dead.refresh_from_db()
    recent.refresh_from_db()
    assert (dead.status, dead.counts) == (RunStatus.PUBLISHED, {"vulnerable_cohort": 1, "cause_for_concern": 1})
    assert recent.status == RunStatus.RUNNING  # too soon to call its worker dead
    event = AuditEvent.objects.get(object_type="cohorts.cohortrun", action=AuditAction.UPDATE)
    assert (event.object_id, event.user, event.detail) == (
        str(dead.pk),
        None,
        {"decision": "retry", "reason": "stalled"},
    )


def test_a_quiet_run_that_holds_the_guard_is_left_alone(scored, settings):
    """A run computing for longer than the stall limit still holds the recalculation guard (an
    advisory lock on PostgreSQL, held here by another connection; the lock row on SQLite)."""
    import threading

    from cohorts.models import RunLock

    settings.COHORT_RUN_STALL_MINUTES = 10
    run = killed_while_running(25)
    locked, release = threading.Event(), threading.Event()

    def computing_elsewhere():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [runs.ADVISORY_LOCK_KEY])
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        holder = threading.Thread(target=computing_elsewhere)
        holder.start()
        assert locked.wait(10)
    else:
        holder = None
        RunLock.objects.update_or_create(
            name=runs.RUN_LOCK_NAME, defaults={"held_by_run": run, "expires_at": timezone.now() + timedelta(minutes=30)}
        )
    try:
        assert runs.recover_stalled_runs() == []
    finally:
        release.set()
        if holder:
            holder.join()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING


def test_a_run_whose_worker_dies_every_time_is_given_up_after_three_attempts(scored, settings, client_for):
    """A poison run (it kills its worker each time: out of memory, say) is delivered again and again:
    each start is counted before any work, and the start after the third marks it failed, saying why
    on its page and in the API, logged and audited. Nothing of it was published."""
    settings.JOB_MAX_ATTEMPTS = 3
    published = full_run()
    run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False)
    for attempt in (1, 2, 3):
        assert runs._start(run.pk).attempts == attempt  # the worker then dies: nothing else happens
    assert runs.execute_run(run.pk).status == RunStatus.FAILED, "the fourth delivery gives it up"
    run.refresh_from_db()
    assert run.attempts == 3 and run.error.startswith("Stopped after 3 attempts: each time, the worker running it")
    assert CohortRun.objects.current_chain() == [published.pk]
    event = AuditEvent.objects.get(object_type="cohorts.cohortrun", object_id=str(run.pk), detail__decision="failed")
    assert (event.user, event.detail) == (None, {"decision": "failed", "reason": "attempts", "attempts": 3})
    assert runs.execute_run(run.pk).status == RunStatus.FAILED and AuditEvent.objects.filter(pk=event.pk).exists()
    assert AuditEvent.objects.filter(detail__decision="failed").count() == 1, "given up once"
    client = client_for("manager")
    assert "Stopped after 3 attempts" in client.get(reverse("cohorts:run_detail", args=[run.pk])).content.decode()
    detail = client.get(reverse("api:cohort-run-detail", args=[run.pk])).json()
    assert (detail["status"], detail["error"]) == (RunStatus.FAILED, run.error)


def test_beat_gives_up_a_stalled_run_that_has_used_its_attempts_rather_than_queue_it_again(scored, settings):
    settings.COHORT_RUN_STALL_MINUTES = 10
    settings.JOB_MAX_ATTEMPTS = 2
    run = killed_while_running(25)
    CohortRun.objects.filter(pk=run.pk).update(attempts=2)
    assert runs.recover_stalled_runs() == []
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "Stopped after 2 attempts" in run.error
    assert AuditEvent.objects.filter(object_id=str(run.pk), detail__reason="attempts").count() == 1


def test_waiting_for_another_run_is_not_an_attempt(scored, settings):
    import threading

    from cohorts.models import RunLock

    run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=D, enqueue=False)
    locked, release = threading.Event(), threading.Event()

    def another_run():  # PostgreSQL: another connection holds the guard
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [runs.ADVISORY_LOCK_KEY])
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=another_run) if connection.vendor == "postgresql" else None
    if holder:
        holder.start()
        assert locked.wait(10)
    else:
        RunLock.objects.update_or_create(
            name=runs.RUN_LOCK_NAME,
            defaults={"held_by_run": full_run(), "expires_at": timezone.now() + timedelta(minutes=30)},
        )
    try:
        for _ in range(5):
            with pytest.raises(runs.RunBusy):
                runs.execute_run(run.pk, skip_if_busy=False)
    finally:
        release.set()
        if holder:
            holder.join()
    assert CohortRun.objects.get(pk=run.pk).attempts == 0

"""The data feeds' interface: code outside the app (and the app's own API, forms and tasks) uses
these names from `feeds.services`, not the modules below. (The review page also borrows two
helpers of matching.py to compare identifiers; tests may reach inside.)

Uploading and importing a file
    upload_feed(user, file)             check and save an upload, queue its import (DuplicateFeed)
    import_feed(feed_id)                the import job: check every row, apply a file without errors
    choose_apply_valid(user, feed)      a file with errors: apply its valid rows (queues ...)
    apply_valid(feed_id)                ... the job that applies them
    reject_feed(user, feed)             a file with errors: do not apply it
    error_report_rows(feed), invalid_row_ids(feed)    the error report (CSV rows)
The review queue
    resolve_review(user, review, decision)            Decision.SAME, DIFFERENT or DISMISS
    resolve_reviews(user, review_ids, decision)       many at once (SAME or DIFFERENT), each audited
    ReviewKind, review_kind()                         what kind of doubt a review is (grouping, filters)
An import that stopped responding
    recover_stalled_imports()           Celery beat: queue again the jobs that died (and lost their message)
    is_stalled(feed), retry_feed(user, feed), abandon_feed(user, feed)
Who sees what
    require_feed(user, feed) (what a user may see is FeedImport/MatchReview.objects.visible_to)

The modules, top down:
    upload.py, decisions.py, review.py, recovery.py, report.py, access.py   what the names above do
    importing.py   the two jobs, start to end; the only module that moves a feed through its
                   statuses during an import. It calls one of the two paths:
    postgres.py    the PostgreSQL fast path (COPY, checks in SQL, INSERT ... SELECT), and
    generic.py     the generic path (Python, any database), with the same steps: check_file, then
                   CheckedFile.stage_invalid or CheckedFile.apply
    applying.py    what both paths and the review queue share to apply rows: the Applier (families,
                   children, adults, links, observations) and the recalculation request
    checks.py      the checks of a row's values, worded the same on both paths
    matching.py    identity matching of the people in a file to the children and adults recorded

The feeds sit above the cohort engine: they write its observations (cohorts.models.Observation),
check rows against its indicator codes, and ask it for a recalculation after applying rows
(cohorts.services.runs.request_run). The cohorts app imports nothing from here.
"""

from feeds.services.access import require_feed
from feeds.services.decisions import choose_apply_valid, reject_feed
from feeds.services.importing import APPLY_TASK, IMPORT_TASK, RUNNING, apply_valid, import_feed
from feeds.services.recovery import (
    NOT_RUNNING,
    STILL_WORKING,
    WAITING,
    abandon_feed,
    is_stalled,
    is_waiting_to_start,
    recover_stalled_imports,
    retry_feed,
    stall_limit,
)
from feeds.services.report import error_report_rows, invalid_row_ids
from feeds.services.review import BulkDecision, Decision, ReviewKind, resolve_review, resolve_reviews, review_kind
from feeds.services.upload import DuplicateFeed, upload_feed

__all__ = [
    "APPLY_TASK",
    "IMPORT_TASK",
    "NOT_RUNNING",
    "RUNNING",
    "STILL_WORKING",
    "WAITING",
    "BulkDecision",
    "Decision",
    "DuplicateFeed",
    "ReviewKind",
    "abandon_feed",
    "apply_valid",
    "choose_apply_valid",
    "error_report_rows",
    "import_feed",
    "invalid_row_ids",
    "is_stalled",
    "is_waiting_to_start",
    "recover_stalled_imports",
    "reject_feed",
    "require_feed",
    "resolve_review",
    "resolve_reviews",
    "retry_feed",
    "review_kind",
    "stall_limit",
    "upload_feed",
]

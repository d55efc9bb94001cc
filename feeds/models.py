"""Data feeds: CSV extracts from agency systems, staged, validated, matched and applied.

These models were first part of the cohorts app; they keep its tables (`db_table`), so moving them
here changed no table and no data (feeds/migrations/0001_initial.py)."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access import policy

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from cases.models import Adult, Child

FEED_HEADER = (
    "source_system",
    "source_record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "household_ref",
    "upn",
    "nhs_number",
    "police_id",
    "indicator_code",
    "observed_on",
    "note",
    "gender",
    "ethnicity",
)
# Files from before gender and ethnicity were columns: still accepted, as if both were blank.
HEADER_WITHOUT_DEMOGRAPHICS = FEED_HEADER[:13]


class FeedStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    STAGING = "staging", "Reading the file"
    VALIDATING = "validating", "Checking every row"
    NEEDS_DECISION = "needs_decision", "Some rows have errors"
    MATCHING = "matching", "Matching people"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Not applied"
    FAILED = "failed", "Failed"


class FeedImportQuerySet(models.QuerySet["FeedImport"]):
    def visible_to(self, user: "User | AnonymousUser") -> "FeedImportQuerySet":
        """Feeds uploaded for the agencies this user manages; nothing for anyone else."""
        if not policy.can(user, "manage_feeds"):
            return self.none()
        return self.filter(agency_id__in=policy.managed_agencies(user))


class FeedImport(models.Model):
    """One uploaded file and the job that imports it. `stage`, `rows_done` and `rows_total` are the
    progress the upload page polls."""

    file = models.FileField(upload_to="feeds/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=FeedStatus.choices, default=FeedStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_applied = models.PositiveIntegerField(default=0)
    rows_already_known = models.PositiveIntegerField(default=0, help_text="Rows imported before (same source id).")
    rows_in_review = models.PositiveIntegerField(default=0)
    people_matched = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    apply_valid_rows = models.BooleanField(default=False, help_text="The uploader chose to apply the valid rows.")
    message = models.CharField(max_length=1000, blank=True, help_text="What went wrong with the file as a whole.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # A running import whose job reports nothing for settings.FEED_STALL_MINUTES has stopped
    # responding (its worker died): feeds.services.recovery lets a manager retry or abandon it.
    progress_at = models.DateTimeField(default=timezone.now, help_text="When the import job last reported progress.")
    abandoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    abandoned_at = models.DateTimeField(null=True, blank=True)
    # Starts of the current job (the import, or the apply of the valid rows): a job that dies every
    # time is given up at settings.JOB_MAX_ATTEMPTS (feeds.services.importing).
    attempts = models.PositiveIntegerField(default=0, help_text="Times the current job has started.")

    objects = FeedImportQuerySet.as_manager()

    class Meta:
        db_table = "cohorts_feedimport"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A file counts as imported once; a rejected or failed attempt may be uploaded again.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=~Q(status__in=["rejected", "failed"]),
                name="unique_live_feed_file",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class RowStatus(models.TextChoices):
    INVALID = "invalid", "Has errors"
    VALID = "valid", "Valid"
    APPLIED = "applied", "Applied"
    ALREADY_KNOWN = "already_known", "Imported before"
    IN_REVIEW = "in_review", "Waiting for a match decision"
    SKIPPED = "skipped", "Not applied"


class FeedRow(models.Model):
    """A staged row, kept as text so a bad value can be reported exactly as it was sent."""

    # Staging holds a million rows per big file: no per-row foreign-key triggers (the import
    # writes them in bulk for a feed it has locked) and no index the unique (feed, line) one covers.
    feed = models.ForeignKey(
        FeedImport, on_delete=models.CASCADE, related_name="rows", db_index=False, db_constraint=False
    )
    line_number = models.PositiveIntegerField(help_text="Line in the file, counting the header as line 1.")
    source_system = models.CharField(max_length=100)
    source_record_id = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.CharField(max_length=30)
    postcode = models.CharField(max_length=10)
    household_ref = models.CharField(max_length=100)
    upn = models.CharField(max_length=20)
    nhs_number = models.CharField(max_length=20)
    police_id = models.CharField(max_length=30)
    indicator_code = models.CharField(max_length=50)
    observed_on = models.CharField(max_length=30)
    note = models.CharField(max_length=500)
    # As sent: feeds.services.checks maps them to areas.demographics' codes.
    gender = models.CharField(max_length=50, blank=True, default="")
    ethnicity = models.CharField(max_length=100, blank=True, default="")
    errors = models.TextField(blank=True, help_text="One message per line, naming the column at fault.")
    status = models.CharField(max_length=15, choices=RowStatus.choices, default=RowStatus.VALID)
    child = models.ForeignKey(
        "cases.Child",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    adult = models.ForeignKey(
        "cases.Adult",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        db_table = "cohorts_feedrow"
        ordering = ["feed", "line_number"]
        constraints = [models.UniqueConstraint(fields=["feed", "line_number"], name="unique_feed_line")]
        indexes = [
            models.Index(fields=["feed", "status"], name="feed_row_status_idx"),
            # Rows waiting in the review queue, by source id: a row sent again meanwhile is found
            # (not a second review item). Small: only rows in review.
            models.Index(
                fields=["source_system", "source_record_id"],
                condition=Q(status="in_review"),
                name="feed_row_in_review_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.line_number}"


class Household(models.Model):
    """A source system's household reference, linked to one family, so later feeds find it."""

    source_system = models.CharField(max_length=100)
    household_ref = models.CharField(max_length=100)
    family = models.ForeignKey("cases.Family", on_delete=models.CASCADE, related_name="source_households")

    class Meta:
        db_table = "cohorts_household"
        constraints = [
            models.UniqueConstraint(fields=["source_system", "household_ref"], name="unique_source_household")
        ]

    def __str__(self) -> str:
        return f"{self.source_system} {self.household_ref}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    MATCHED = "matched", "Same person"
    NEW_PERSON = "new_person", "A different person"
    DISMISSED = "dismissed", "Rows not applied"


class MatchReviewQuerySet(models.QuerySet["MatchReview"]):
    def visible_to(self, user: "User | AnonymousUser") -> "MatchReviewQuerySet":
        return self.filter(feed__in=FeedImport.objects.visible_to(user).values("pk"))


class MatchReview(models.Model):
    """An uncertain match, for a person to decide instead of the system guessing: the rows about
    one person in a feed and the existing child (`candidate`) or adult (`candidate_adult`) they
    may be; exactly one of the two."""

    feed = models.ForeignKey(FeedImport, on_delete=models.CASCADE, related_name="reviews")
    candidate = models.ForeignKey("cases.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    candidate_adult = models.ForeignKey(
        "cases.Adult", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=300, help_text="Why the match is uncertain, in plain words.")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    postcode = models.CharField(max_length=10, blank=True)
    rows = models.ManyToManyField(FeedRow, related_name="reviews")
    status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MatchReviewQuerySet.as_manager()

    class Meta:
        db_table = "cohorts_matchreview"  # and its rows: cohorts_matchreview_rows
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(candidate__isnull=False, candidate_adult__isnull=True)
                | Q(candidate__isnull=True, candidate_adult__isnull=False),
                name="match_review_one_candidate",
            )
        ]

    def __str__(self) -> str:
        return f"Possible match for {self.given_name} {self.family_name}"

    @property
    def is_adult(self) -> bool:
        return self.candidate_adult_id is not None

    @property
    def match(self) -> "Child | Adult":
        """The suggested person: the candidate child, or the candidate adult."""
        found = self.candidate_adult if self.is_adult else self.candidate
        assert found is not None  # match_review_one_candidate
        return found

"""Recalculation runs and the suggestions they publish."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from cohorts.models.fields import IntRowsField

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class Tier(models.TextChoices):
    MOST_VULNERABLE = "most_vulnerable", "Most vulnerable"
    VULNERABLE = "vulnerable_cohort", "Vulnerable cohort"
    CAUSE_FOR_CONCERN = "cause_for_concern", "Cause for concern"


class RunKind(models.TextChoices):
    FULL = "full", "Whole city"
    INCREMENTAL = "incremental", "Changed children only"


class RunTrigger(models.TextChoices):
    NIGHTLY = "nightly", "Nightly"
    FEED = "feed", "After a data feed"
    MANUAL = "manual", "Requested by a manager"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped: another run was in progress"


class CohortRunQuerySet(models.QuerySet["CohortRun"]):
    def current_full(self) -> "CohortRun | None":
        return self.filter(kind=RunKind.FULL, status=RunStatus.PUBLISHED).order_by("-published_at", "-id").first()

    def current_counts(self) -> dict[str, int]:
        """Suggested children per tier in the published state, partnership-wide (kept by the newest
        run of the chain at its publication: `current_counts`). One query."""
        newest = (
            self.filter(status=RunStatus.PUBLISHED)
            .filter(models.Q(kind=RunKind.FULL) | models.Q(base_run__isnull=False))
            .order_by("-published_at", "-id")
            .values_list("current_counts", flat=True)
            .first()
        )
        return dict(newest or {})

    def current_chain(self) -> list[int]:
        """Ids of the published runs readers see: the latest full run and the incremental runs
        published on top of it, oldest first. The newest run holding a child's row wins."""
        full = self.current_full()
        if full is None:
            return []
        later = self.filter(kind=RunKind.INCREMENTAL, status=RunStatus.PUBLISHED, base_run=full).order_by("id")
        return [full.pk, *later.values_list("pk", flat=True)]


class CohortRun(models.Model):
    """One recalculation. Rows it writes stay invisible until `status` becomes published, in one
    transaction, so readers always see a complete run."""

    kind = models.CharField(max_length=12, choices=RunKind.choices)
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    as_of = models.DateField()
    scoring_model = models.ForeignKey("cohorts.ScoringModel", on_delete=models.PROTECT, related_name="runs")
    base_run = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="incremental_runs"
    )
    child_ids = models.JSONField(default=list, blank=True, help_text="For an incremental run: the children to rescore.")
    observation_high_water = models.BigIntegerField(
        default=0, help_text="The highest observation id included, so a rerun sees the same inputs."
    )
    suggestions_enabled = models.BooleanField(default=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feed = models.ForeignKey("feeds.FeedImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    children_scored = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="Suggested children per tier.")
    changes = models.PositiveIntegerField(default=0, help_text="Children whose suggested tier changed.")
    current_counts = models.JSONField(
        default=dict,
        blank=True,
        help_text="Suggested children per tier in the whole published state this run left (its chain), "
        "kept at publication so pages need not count them.",
    )
    error = models.CharField(max_length=1000, blank=True)
    # Times a worker started computing it: a run that kills its worker every time is given up at
    # settings.JOB_MAX_ATTEMPTS (cohorts.services.runs).
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker started computing this run.")

    objects = CohortRunQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "status", "published_at"])]

    def __str__(self) -> str:
        return f"Cohort run {self.pk} ({self.get_status_display().lower()})"


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def current(self) -> "SuggestionQuerySet":
        """Each child's suggestion in the published chain: the row of the newest run that holds it."""
        chain = CohortRun.objects.current_chain()
        newer = Suggestion.objects.filter(child=OuterRef("child"), run__in=chain, run_id__gt=OuterRef("run_id"))
        return self.filter(run__in=chain).exclude(Exists(newer))

    def stored_current(self) -> "SuggestionQuerySet":
        """The same rows as `current()`, read from the stored state (CurrentSuggestion, kept by
        publication) instead of recomputed: a join, so order by `-current_row__score`,
        `current_row__child_id` to walk its index (`current_row__child` would sort by the
        child's own ordering, its names, and read every row) (for one child, use `current_for`)."""
        return self.filter(current_row__isnull=False)

    def current_for(self, child: Any) -> "SuggestionQuerySet":
        """A child's current suggestion (one primary-key probe of the stored state)."""
        return self.filter(pk__in=CurrentSuggestion.objects.filter(child=child).values("suggestion_id"))

    def visible_to(self, user: "User | AnonymousUser") -> "SuggestionQuerySet":
        """Suggestions about the children the user may see in the cohort pages, which for those who
        decide on unallocated young people includes the ones known only from a feed."""
        from cases.visibility import cohort_visible

        return self.filter(cohort_visible(user, "child"))


class Suggestion(models.Model):
    """A child's score in one run, its parts and the suggested tier (blank below the threshold).

    The explanation is stored compactly, as the scoring statement writes it for a whole city:
    `indicator_entries` holds one [slot, count, days] row per indicator present, where slot is the
    indicator's position in `scoring.explained_indicators(model)` (individual ones first, then by
    code), count the records counted and days how long before the run's as_of date the latest was;
    `context_entries` one [context_id, reason] row per counted context (CONTEXT_REASON_CODES).
    `contributions` expands both into readable entries."""

    # A run writes a row per child of the city in one statement, so the table keeps only what its
    # readers use: the unique (run, child) below (a run's rows, a child's row in a run) and the
    # primary key, and no database-level foreign keys (checked row by row at commit): the rows are
    # derived, written only by cohorts.services.scoring from existing children for an existing run,
    # and Django still cascades deletions. No index by child: a child's current row is found through
    # CurrentSuggestion (its primary key, then this table's), which is how pages and incremental runs
    # read it; a (child, run) index cost a full run 0.15-0.3 s of CPU and most of its write-ahead log
    # (an entry on every leaf page, issue 14). On PostgreSQL the table is partitioned by run (migration
    # 0013): each full run writes a new table, builds its indexes once and attaches it as its partition
    # (incremental runs' rows go to the default partition), and pruning drops an old run's partition
    # whole; the database's primary key is therefore (id, run), but ids come from one sequence, so `id`
    # still names one row and stays Django's primary key.
    run = models.ForeignKey(
        CohortRun, on_delete=models.CASCADE, related_name="suggestions", db_index=False, db_constraint=False
    )
    child = models.ForeignKey(
        "cases.Child",
        on_delete=models.CASCADE,
        related_name="cohort_suggestions",
        db_index=False,
        db_constraint=False,
    )
    score = models.PositiveIntegerField()
    individual_score = models.PositiveIntegerField(default=0)
    family_score = models.PositiveIntegerField(default=0)
    context_score = models.PositiveIntegerField(default=0)
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    previous_tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    indicator_entries = IntRowsField(blank=True, help_text="[slot, count, days before as_of] per indicator present.")
    context_entries = IntRowsField(blank=True, help_text="[context id, reason code] per context counted.")

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "child_id"]
        constraints = [models.UniqueConstraint(fields=["run", "child"], name="unique_suggestion_per_run")]

    def __str__(self) -> str:
        return f"{self.child_id}: {self.score}"

    @property
    def contributions(self) -> list[dict[str, Any]]:
        """The explanation as readable entries, in order: indicators as {code, level, weight, count,
        last_observed_on}, then contexts as {context_id, reason, weight}. Reads the run's scoring
        model (select_related("run__scoring_model") for lists)."""
        from cohorts.services.scoring import expand_contributions

        return expand_contributions(self)


class CurrentSuggestionQuerySet(models.QuerySet["CurrentSuggestion"]):
    def visible_to(self, user: "User | AnonymousUser") -> "CurrentSuggestionQuerySet":
        """As `SuggestionQuerySet.visible_to`."""
        from cases.visibility import cohort_visible

        return self.filter(cohort_visible(user, "child"))

    def in_tiers(self) -> "CurrentSuggestionQuerySet":
        return self.exclude(tier="")


class CurrentSuggestion(models.Model):
    """Each child's current suggestion: the row `Suggestion.objects.current()` computes (the newest
    run of the published chain holding the child), kept so pages read it instead of recomputing an
    anti-join over every suggestion. Written only by `cohorts.services.runs` in the transaction that
    publishes a run: a full run replaces every row, an incremental run upserts the rows it wrote.
    Score and tier are copied so lists walk (score desc, child) without touching the suggestions."""

    child = models.OneToOneField(
        "cases.Child",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="current_cohort_suggestion",
        db_constraint=False,
    )
    # No database constraint and no index: rows are derived (written set-based from the suggestions
    # table) and pruning never deletes a suggestion of the published chain.
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.DO_NOTHING, related_name="current_row", db_constraint=False, db_index=False
    )
    score = models.PositiveIntegerField()
    # What an incremental run's context check reads of another child's published suggestion (the
    # individual and family parts, without the context part), so it need not probe the suggestions,
    # which PostgreSQL keeps in one partition per full run.
    individual_family_score = models.PositiveIntegerField(db_default=0)
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)

    objects = CurrentSuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "child_id"]
        indexes = [models.Index(fields=["-score", "child"], name="current_suggestion_score_idx")]

    def __str__(self) -> str:
        return f"{self.child_id}: {self.score}"


class RunLock(models.Model):
    """One row per lock name. A run takes it with SELECT ... FOR UPDATE NOWAIT on PostgreSQL (or a
    conditional UPDATE on SQLite) so two runs can never overlap; a killed run's lock is released
    when its connection dies (PostgreSQL) or when `expires_at` passes."""

    name = models.CharField(max_length=50, primary_key=True)
    held_by_run = models.ForeignKey(CohortRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class NominationStatus(models.TextChoices):
    OPEN = "open", "Awaiting panel"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Nomination(models.Model):
    """A practitioner's professional judgement that a child belongs in the emerging cohort."""

    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="cohort_nominations")
    tier = models.CharField(max_length=20, choices=Tier.choices)
    reason = models.TextField(max_length=5000)
    status = models.CharField(max_length=10, choices=NominationStatus.choices, default=NominationStatus.OPEN)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # A withdrawn nomination stays in the history with who withdrew it, when and why.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(max_length=5000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["child"], condition=Q(status="open"), name="one_open_nomination_per_child")
        ]

    def __str__(self) -> str:
        return f"Nomination of {self.child_id} for {self.get_tier_display()}"


class DecisionOutcome(models.TextChoices):
    CONFIRM = "confirm", "Confirmed the proposed tier"
    CHANGE = "change", "Changed the tier"
    REJECT = "reject", "Not in a cohort tier"


class TierDecision(models.Model):
    """A panel's recorded decision. The only thing that changes a child's tier; these rows are the
    tier history."""

    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="tier_decisions")
    outcome = models.CharField(max_length=10, choices=DecisionOutcome.choices)
    proposed_tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True, help_text="Blank when rejected.")
    previous_tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    # No database constraint: pruning deletes 100,000 suggestion rows a night, and a constraint would
    # check each at commit (about a second) for rows it keeps anyway (pruning spares any row a
    # decision points at); Django still clears the link if a suggestion is deleted another way.
    suggestion = models.ForeignKey(
        Suggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    nomination = models.ForeignKey(
        Nomination, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    panel_meeting = models.ForeignKey(
        "interventions.PanelMeeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=5000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["child", "-decided_at"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} for {self.child_id}"


class ChildTier(models.Model):
    """A child's current tier, as last decided by a panel (absent: not in a tier)."""

    child = models.OneToOneField("cases.Child", on_delete=models.CASCADE, related_name="cohort_tier")
    tier = models.CharField(max_length=20, choices=Tier.choices)
    decision = models.ForeignKey(TierDecision, on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["tier"])]

    def __str__(self) -> str:
        return self.get_tier_display()

"""What the cohort engine counts: indicator definitions, observations and the scoring model."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Level(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    FAMILY = "family", "Family"


class Domain(models.TextChoices):
    CRIME = "crime", "Crime and justice"
    EDUCATION = "education", "Education"
    SOCIAL_CARE = "social_care", "Children's social care"
    FINANCE = "finance", "Money and work"
    FAMILY = "family", "Family and home"
    HEALTH = "health", "Health"
    EXPLOITATION = "exploitation", "Exploitation and harm outside the home"


class IndicatorDefinition(models.Model):
    """One named, weighted indicator at one level. The same code may be defined at both levels:
    observations about the child count at individual level, observations about the rest of the
    household (adults, the family itself) at family level."""

    code = models.SlugField(max_length=50)
    level = models.CharField(max_length=10, choices=Level.choices)
    label = models.CharField(max_length=200)
    domain = models.CharField(max_length=20, choices=Domain.choices)
    weight = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(100)])
    window_days = models.PositiveIntegerField(
        "look-back window in days", validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )
    source_systems = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated names of the systems that report it (for reference)."
    )
    event_kinds = models.CharField(
        max_length=300,
        blank=True,
        help_text="Comma-separated chronology event kinds that count as this indicator (e.g. missing_episode).",
    )
    description = models.CharField(max_length=1000, blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain", "code", "level"]
        constraints = [models.UniqueConstraint(fields=["code", "level"], name="unique_indicator_code_level")]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_level_display().lower()})"


class Observation(models.Model):
    """One dated fact from an agency system about one person (a child or an adult) or a household.

    Written only by feed imports; chronology events and family facts are read alongside at scoring
    time, not copied here. Never updated: a re-import of the same (source_system, source_record_id)
    is skipped, which is what makes imports idempotent."""

    source_system = models.CharField(max_length=100)
    source_record_id = models.CharField(max_length=100)
    indicator_code = models.SlugField(max_length=50, db_index=False)
    observed_on = models.DateField()
    # Imports write a million rows at a time, so the table keeps only the indexes its readers use
    # (the composite ones below lead with child, adult and family) and no per-row foreign-key
    # triggers: the feed import locks the people and families it links in one statement instead
    # (feeds.services.applying.lock_parents). Deleting a person still cascades (Django does it).
    child = models.ForeignKey(
        "cases.Child",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cohort_observations",
        db_index=False,
        db_constraint=False,
    )
    adult = models.ForeignKey(
        "cases.Adult",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cohort_observations",
        db_index=False,
        db_constraint=False,
    )
    family = models.ForeignKey(
        "cases.Family",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cohort_observations",
        db_index=False,
        db_constraint=False,
    )
    feed = models.ForeignKey(
        "feeds.FeedImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-observed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_system", "source_record_id"], name="unique_observation_source"),
            models.CheckConstraint(
                condition=Q(child__isnull=False, adult__isnull=True) | Q(child__isnull=True, adult__isnull=False),
                name="observation_about_child_or_adult",
            ),
        ]
        indexes = [
            # Partial: most rows are about a child, so the adult and family indexes would otherwise
            # hold millions of NULL keys that every import inserts into at random places.
            models.Index(
                fields=["child", "indicator_code", "observed_on"],
                name="observation_child_idx",
                condition=Q(child__isnull=False),
                # The id (for the run's high-water mark) makes scoring an index-only scan.
                include=["id"],
            ),
            models.Index(
                fields=["adult", "indicator_code", "observed_on"],
                name="observation_adult_idx",
                condition=Q(adult__isnull=False),
            ),
            models.Index(
                fields=["family", "indicator_code", "observed_on"],
                name="observation_family_idx",
                condition=Q(family__isnull=False),
                # Scoring reads (family, code, date, id, adult) from the index alone.
                include=["id", "adult"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} on {self.observed_on}"


class ScoringModel(models.Model):
    """A published version of the scoring: thresholds, the context contribution and a snapshot of
    the indicator weights. Each run stores the version it used, so any score can be explained later
    even after the indicators change."""

    version = models.PositiveIntegerField(unique=True)
    most_vulnerable_threshold = models.PositiveSmallIntegerField()
    vulnerable_threshold = models.PositiveSmallIntegerField()
    concern_threshold = models.PositiveSmallIntegerField()
    context_weight = models.PositiveSmallIntegerField(
        help_text="Added for each current link to a context where harm is recorded or another child scores."
    )
    context_max_links = models.PositiveSmallIntegerField(default=3)
    context_window_days = models.PositiveIntegerField(default=365)
    indicators = models.JSONField(
        default=list, help_text="Snapshot of the active indicator definitions: code, level, weight, window_days."
    )
    summary = models.TextField(max_length=5000, blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(most_vulnerable_threshold__gt=models.F("vulnerable_threshold"))
                & Q(vulnerable_threshold__gt=models.F("concern_threshold"))
                & Q(concern_threshold__gt=0),
                name="scoring_thresholds_descend",
            )
        ]

    def __str__(self) -> str:
        return f"Scoring model version {self.version}"


class CohortSettings(models.Model):
    """One row: the switch that turns automatic suggestions off. Nominations and decisions stay.

    Migration 0008 creates the row; only services.decisions.set_suggestions_enabled writes to it."""

    ROW_ID = 1

    suggestions_enabled = models.BooleanField(default=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name_plural = "cohort settings"

    def __str__(self) -> str:
        return "Suggestions on" if self.suggestions_enabled else "Suggestions off"

    @classmethod
    def load(cls) -> "CohortSettings":
        """The settings, read only: never writes. Without the row (a flushed test database) the
        defaults, unsaved."""
        try:
            return cls.objects.get(pk=cls.ROW_ID)
        except cls.DoesNotExist:
            return cls(pk=cls.ROW_ID)


class SourceSystem(models.Model):
    """A system that sends observations (named in a feed's rows by its code), with the name people
    know it by: the 'why' page shows the label, not the code."""

    code = models.CharField(max_length=100, unique=True, help_text="As the feeds name it, for example 'cms-police'.")
    label = models.CharField(max_length=200, help_text="What people call it, for example 'Police records system'.")

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

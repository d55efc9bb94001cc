"""Data protection operations: retention rules and the disposal review queue, and subject access
exports with a reviewer's decision on each flagged item. None of these rows keeps case content:
a disposal candidate names a record by type and id, an export item by type, id and a short title."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class RecordType(models.TextChoices):
    """The kinds of record a retention rule covers (oversight/retention.py says how each is found)."""

    CHILD = "child", "Young person's case record (not in care)"
    CHILD_LOOKED_AFTER = "child_looked_after", "Young person's case record (in care)"
    ADULT = "adult", "Adult named in a family, no longer linked to one"
    FAMILY = "family", "Family with nobody left in it"
    CONTEXT = "context", "Context (place, group or online space) closed with nobody linked"
    INTELLIGENCE = "intelligence", "Police intelligence report"
    PERSON_OF_CONCERN = "person_of_concern", "Police person of concern"
    DISRUPTION = "disruption", "Police disruption action"
    MENTOR = "mentor", "Volunteer mentor's vetting record (left)"
    MENTORING_MATCH = "mentoring_match", "Mentoring match and its sessions (ended)"
    FEED = "feed", "Data feed: the file, its rows and match reviews"
    OUTREACH_EVENT = "outreach_event", "Outreach event"
    DOOR_TO_DOOR = "door_to_door", "Door-to-door campaign"
    ENGAGEMENT = "engagement", "Establishment engagement record"
    ESTABLISHMENT = "establishment", "Establishment with no engagement or outreach event left"
    GROUP_SESSION = "group_session", "Group work session and its register"
    GROUP = "group", "Group work group (no sessions left)"


class RetentionBasis(models.TextChoices):
    CASE_CLOSED = "case_closed", "Case closed"
    BIRTH = "birth", "Date of birth"
    LAST_ACTIVITY = "last_activity", "Last activity"


class RetentionRule(models.Model):
    """Keep records of one type for `years` from the date `basis` names, then offer them for disposal."""

    record_type = models.CharField(max_length=30, choices=RecordType.choices, unique=True)
    years = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    basis = models.CharField(max_length=20, choices=RetentionBasis.choices)
    authority = models.CharField(
        "why this period", max_length=500, help_text="The guidance or decision behind the period."
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["record_type"]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}: {self.get_basis_display()} + {self.years} years"


class DisposalStatus(models.TextChoices):
    DUE = "due", "Due for disposal"
    HELD = "held", "Held"
    BLOCKED = "blocked", "Cannot be disposed of yet"
    DISPOSED = "disposed", "Disposed of"


class DisposalCandidate(models.Model):
    """A record found past its retention period, waiting for the DPO's review. Once disposed of, the
    row keeps only the type, the id, the rule and who approved it when (the audit trail says the same)."""

    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    object_id = models.PositiveBigIntegerField()
    reference = models.CharField(max_length=30, blank=True, help_text="Cleared when the record is disposed of.")
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="candidates")
    kept_from = models.DateField(help_text="The date the retention period runs from.")
    found_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=DisposalStatus.choices, default=DisposalStatus.DUE)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it is held, or what blocks its disposal.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["record_type", "kept_from", "id"]
        constraints = [models.UniqueConstraint(fields=["record_type", "object_id"], name="one_candidate_per_record")]
        indexes = [models.Index(fields=["status", "record_type"])]

    def __str__(self) -> str:
        return f"{self.record_type} {self.object_id} ({self.status})"


class ExportStatus(models.TextChoices):
    IN_REVIEW = "in_review", "In review"
    RELEASED = "released", "Downloaded"


class SubjectAccessExport(models.Model):
    """One child's subject access export, prepared by the DPO. The content is read from the records
    when it is downloaded; this keeps the reviewer's decisions."""

    # Emptied if the child's record is later disposed of: the export then can no longer be downloaded.
    child = models.ForeignKey("cases.Child", null=True, on_delete=models.SET_NULL, related_name="+")
    request_note = models.CharField(
        "request details", max_length=500, help_text="Who asked, when, and how they proved their identity."
    )
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.IN_REVIEW)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-prepared_at", "-id"]

    def __str__(self) -> str:
        return f"Subject access export {self.pk}"


class ItemFlag(models.TextChoices):
    POLICE = "police", "Police may withhold"
    THIRD_PARTY = "third_party", "Names other people"


class Decision(models.TextChoices):
    PENDING = "pending", "Not decided"
    RELEASE = "release", "Release"
    WITHHOLD = "withhold", "Withhold"
    REDACT = "redact", "Release with other people's details removed"


class ExportItem(models.Model):
    """An item of an export that needs a reviewer's decision before release: a police record, or one
    that names other people (family members, persons of concern, other children)."""

    export = models.ForeignKey(SubjectAccessExport, on_delete=models.CASCADE, related_name="items")
    source = models.CharField(max_length=50, help_text="The record's type, e.g. interventions.intelligencereport.")
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=200)
    flag = models.CharField(max_length=20, choices=ItemFlag.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["flag", "source", "object_id"]
        constraints = [models.UniqueConstraint(fields=["export", "source", "object_id"], name="one_item_per_record")]

    def __str__(self) -> str:
        return self.title

import re
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access.visibility import ActiveOn
from areas.demographics import Ethnicity, Gender
from cases import visibility
from cases.models.common import Reliability, VersionedModel
from cases.names import normalise, phonetic

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class ChildStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


def validate_nhs_number(value: str) -> None:
    """Ten digits with a valid modulus 11 check digit."""
    digits = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError("Enter an NHS number of 10 digits, like 943 476 5919")
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        raise ValidationError("Enter a real NHS number: the check digit is wrong")


def validate_upn(value: str) -> None:
    if not re.fullmatch(r"[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]", value.upper()):
        raise ValidationError("Enter a unique pupil number of 13 characters, like A123456789012")


EARLIEST_DATE_OF_BIRTH = date(1990, 1, 1)


def validate_date_of_birth(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError("Date of birth must be today or in the past")
    if value < EARLIEST_DATE_OF_BIRTH:
        raise ValidationError("Date of birth must be on or after 1 January 1990")


class Over18Reason(models.TextChoices):
    """Why someone aged 18 to 24 is recorded: the partnership works with young people under 18, and
    up to 25 with care leavers and young people with special educational needs and disabilities."""

    CARE_LEAVER = "care_leaver", "Care leaver (up to 25)"
    SEND = "send", "Special educational needs and disabilities (up to 25)"


ADULT_AGE = 18
UPPER_AGE = 25


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_age(date_of_birth: date, over_18_reason: str, today: date | None = None) -> None:
    """A young person is under 18, or under 25 with a reason (care leaver, special educational
    needs); anything else is refused in plain words."""
    age = age_on(date_of_birth, today or timezone.localdate())
    if age < ADULT_AGE:
        return
    if age >= UPPER_AGE:
        raise ValidationError(
            {
                "date_of_birth": f"This date of birth makes them {age}. Young people are recorded up to 18, "
                "or up to 25 for care leavers and young people with special educational needs"
            }
        )
    if over_18_reason not in Over18Reason.values:
        raise ValidationError(
            {
                "over_18_reason": f"They are {age}: someone aged 18 to 24 is recorded only as a care leaver "
                "or with special educational needs. Choose which applies"
            }
        )


class ChildQuerySet(models.QuerySet["Child"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ChildQuerySet":
        """The only way to read children: those the access policy lets this user see."""
        return self.filter(visibility.child_visible(user))

    def cohort_visible_to(self, user: "User | AnonymousUser") -> "ChildQuerySet":
        """For the cohort pages only: the children above, plus, for those who decide on the cohort's
        unallocated young people, the ones no agency works with yet (`visibility.cohort_visible`)."""
        return self.filter(visibility.cohort_visible(user))


class Child(VersionedModel):
    reference = models.CharField(
        max_length=20, unique=True, help_text="The partnership's own reference for this young person."
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_RECORDED)
    ethnicity = models.CharField(
        max_length=30,
        choices=Ethnicity.choices,
        default=Ethnicity.NOT_RECORDED,
        help_text="ONS 2021 census categories.",
    )
    neighbourhood = models.ForeignKey(
        "areas.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    status = models.CharField(max_length=10, choices=ChildStatus.choices, default=ChildStatus.OPEN)
    upn = models.CharField("unique pupil number", max_length=13, blank=True, validators=[validate_upn])
    nhs_number = models.CharField("NHS number", max_length=10, blank=True, validators=[validate_nhs_number])
    police_id = models.CharField("police reference", max_length=30, blank=True)
    school = models.ForeignKey(
        "cases.Context",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupils",
        limit_choices_to={"kind": "school"},
    )
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    looked_after = models.BooleanField("in care (looked after)", default=False)
    over_18_reason = models.CharField(
        "reason for recording someone aged 18 to 24", max_length=20, choices=Over18Reason.choices, blank=True
    )

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name_plural = "children"
        indexes = [models.Index(fields=["family_name", "given_name"]), models.Index(fields=["date_of_birth"])]
        constraints = [
            models.UniqueConstraint(fields=["upn"], condition=~Q(upn=""), name="unique_child_upn"),
            models.UniqueConstraint(fields=["nhs_number"], condition=~Q(nhs_number=""), name="unique_child_nhs"),
            models.UniqueConstraint(fields=["police_id"], condition=~Q(police_id=""), name="unique_child_police_id"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return str(self)


class ChildAlias(models.Model):
    """Another name the young person is known by (street name, previous surname, nickname)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "child aliases"

    def __str__(self) -> str:
        return self.name


class ChildName(models.Model):
    """Search index: every name of a child (given + family, and each alias), normalised, with a
    phonetic key so 'Smyth' finds 'Smith'. Kept in step by cases.services."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="search_names")
    alias = models.ForeignKey(ChildAlias, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    normalised = models.CharField(max_length=220)
    phonetic_keys = models.CharField(max_length=100, help_text="Space-separated phonetic keys, one per word.")

    class Meta:
        indexes = [models.Index(fields=["normalised"]), models.Index(fields=["phonetic_keys"])]

    def __str__(self) -> str:
        return self.normalised

    @classmethod
    def build(cls, child: Child, text: str, alias: ChildAlias | None = None) -> "ChildName":
        words = normalise(text).split()
        # Spaces either side so a key can be matched as a whole word: contains " s530 ".
        keys = f" {' '.join(phonetic(word) for word in words)} "
        return cls(child=child, alias=alias, normalised=" ".join(words), phonetic_keys=keys)


class InvolvementQuerySet(models.QuerySet["Involvement"]):
    def active(self, on: date | None = None) -> "InvolvementQuerySet":
        on = on or timezone.localdate()
        return self.filter(ActiveOn(on))  # the same rule as the access policy's SQL


class Involvement(models.Model):
    """An agency working with a child, a family or a context. This is what 'working with' means
    for access."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="involvements")
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.CASCADE, related_name="involvements")
    family = models.ForeignKey(
        "cases.Family", null=True, blank=True, on_delete=models.CASCADE, related_name="involvements"
    )
    context = models.ForeignKey(
        "cases.Context", null=True, blank=True, on_delete=models.CASCADE, related_name="involvements"
    )
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_lead_agency = models.BooleanField(default=False)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    objects = InvolvementQuerySet.as_manager()

    class Meta:
        ordering = ["started_on", "id"]
        indexes = [
            models.Index(fields=["child", "agency", "started_on", "ended_on"]),
            models.Index(fields=["context", "agency", "started_on", "ended_on"]),
            models.Index(fields=["family", "agency", "started_on", "ended_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="involvement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    Q(child__isnull=False, family__isnull=True, context__isnull=True)
                    | Q(child__isnull=True, family__isnull=False, context__isnull=True)
                    | Q(child__isnull=True, family__isnull=True, context__isnull=False)
                ),
                name="involvement_has_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} involvement"


class PeerRelationship(models.TextChoices):
    FRIEND = "friend", "Friend"
    ASSOCIATE = "associate", "Associate"
    PARTNER = "partner", "Boyfriend or girlfriend"
    SIBLING = "sibling", "Sibling"
    CONFLICT = "conflict", "In conflict with"
    HARMING = "harming", "Suspected of harming"


class PeerLink(models.Model):
    """A child-to-child relationship, recorded once (child_a -> child_b)."""

    child_a = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="peer_links_out")
    child_b = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="peer_links_in")
    relationship = models.CharField(max_length=20, choices=PeerRelationship.choices)
    since = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    source_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    reliability = models.CharField(max_length=20, choices=Reliability.choices, default=Reliability.UNVERIFIED)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(child_a=models.F("child_b")), name="peer_link_not_self"),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=models.F("since")),
                name="peer_link_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_a_id} {self.relationship} {self.child_b_id}"

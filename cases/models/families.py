from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases import visibility
from cases.models.common import Reliability, VersionedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class FamilyQuerySet(models.QuerySet["Family"]):
    def visible_to(self, user: "User | AnonymousUser") -> "FamilyQuerySet":
        return self.filter(visibility.family_visible(user))


class Family(VersionedModel):
    """A household. Family-level facts (domestic abuse, financial exclusion...) attach here."""

    reference = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200, help_text="How professionals refer to the household, e.g. 'Smith family'.")
    postcode = models.CharField(max_length=10, blank=True)
    neighbourhood = models.ForeignKey(
        "areas.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="families"
    )

    objects = FamilyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "families"

    def __str__(self) -> str:
        return self.name


class Adult(models.Model):
    """An adult household member (parent, carer, older sibling). Seen only through their family."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Relationship(models.TextChoices):
    CHILD = "child", "Child"
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    CARER = "carer", "Carer or guardian"
    SIBLING = "sibling", "Adult sibling"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER = "other", "Other household member"


class FamilyMember(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="members")
    child = models.ForeignKey(
        "cases.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="family_memberships"
    )
    adult = models.ForeignKey(Adult, null=True, blank=True, on_delete=models.CASCADE, related_name="family_memberships")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    lives_in_household = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(child__isnull=False, adult__isnull=True) | Q(child__isnull=True, adult__isnull=False),
                name="family_member_is_child_or_adult",
            ),
            models.UniqueConstraint(
                fields=["family", "child"], condition=Q(child__isnull=False), name="unique_family_child"
            ),
            models.UniqueConstraint(
                fields=["family", "adult"], condition=Q(adult__isnull=False), name="unique_family_adult"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_relationship_display()} in {self.family_id}"


class FamilyFactKind(models.TextChoices):
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    FINANCIAL_EXCLUSION = "financial_exclusion", "Financial exclusion"
    CRIME = "crime", "Crime in the household"
    HEALTH = "health", "Health (including mental health)"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    HOUSING = "housing", "Housing insecurity"
    CHILDREN_NEEDING_HELP = "children_needing_help", "Children needing help"
    OTHER = "other", "Other"


class FamilyFact(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="facts")
    kind = models.CharField(max_length=30, choices=FamilyFactKind.choices)
    noted_on = models.DateField()
    note = models.CharField(max_length=1000, blank=True)
    source_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    reliability = models.CharField(max_length=20, choices=Reliability.choices, default=Reliability.UNVERIFIED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-noted_on", "-id"]

    def __str__(self) -> str:
        return self.get_kind_display()

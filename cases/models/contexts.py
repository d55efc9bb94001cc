"""Contexts: the peer groups, places, schools, neighbourhoods and online spaces where harm happens.
Each is a case in its own right (Tier 2)."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cases import visibility
from cases.models.common import Reliability, VersionedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class ContextKind(models.TextChoices):
    PEER_GROUP = "peer_group", "Peer group"
    LOCATION = "location", "Location"
    SCHOOL = "school", "School or education provider"
    NEIGHBOURHOOD = "neighbourhood", "Neighbourhood"
    ONLINE = "online", "Online space"


class LocationType(models.TextChoices):
    PARK = "park", "Park or open space"
    TAKEAWAY = "takeaway", "Takeaway or café"
    TRANSPORT_HUB = "transport_hub", "Transport hub or route"
    HOTEL = "hotel", "Hotel or short-let"
    SHOP = "shop", "Shop"
    HOUSING = "housing", "Housing or address"
    LEISURE = "leisure", "Leisure venue"
    OTHER = "other", "Other"


class ContextStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ContextQuerySet(models.QuerySet["Context"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ContextQuerySet":
        return self.filter(visibility.context_visible(user))


class Context(VersionedModel):
    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=ContextKind.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=10, choices=ContextStatus.choices, default=ContextStatus.OPEN)
    neighbourhood = models.ForeignKey(
        "areas.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="contexts"
    )
    # Locations
    location_type = models.CharField(max_length=20, choices=LocationType.choices, blank=True)
    address = models.CharField(max_length=300, blank=True)
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # Peer groups
    known_names = models.CharField(max_length=300, blank=True, help_text="Names the group is known by.")
    dynamics = models.TextField(blank=True, max_length=5000)
    # Online spaces
    platform = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ContextQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name


class LinkRole(models.TextChoices):
    MEMBER = "member", "Member or regular presence"
    VICTIM = "victim", "Harmed here"
    WITNESS = "witness", "Witness"
    HARMING = "harming", "Suspected of harming others here"
    PUPIL = "pupil", "Pupil"


class ContextLinkQuerySet(models.QuerySet["ContextLink"]):
    def current(self) -> "ContextLinkQuerySet":
        from django.utils import timezone

        return self.filter(Q(until__isnull=True) | Q(until__gte=timezone.localdate()))


class ContextLink(models.Model):
    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="context_links")
    context = models.ForeignKey(Context, on_delete=models.CASCADE, related_name="links")
    role = models.CharField(max_length=20, choices=LinkRole.choices)
    since = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    source_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    reliability = models.CharField(max_length=20, choices=Reliability.choices, default=Reliability.UNVERIFIED)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContextLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["context", "child"]), models.Index(fields=["child", "context"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=models.F("since")),
                name="context_link_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.role} at {self.context_id}"

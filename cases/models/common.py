"""Vocabulary shared by the case records."""

from django.db import models


class Reliability(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    PROBABLE = "probable", "Probably true"
    POSSIBLE = "possible", "Possibly true"
    UNVERIFIED = "unverified", "Not verified"


class VersionedModel(models.Model):
    """A record two people may edit at once: saves say which version they started from."""

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

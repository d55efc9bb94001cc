"""Serializer fields and shapes for agencies, shared by every app's API."""

from rest_framework import serializers

from accounts.models import Agency
from safeguarding.api import PlainModelSerializer


class AgencyField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "Choose an agency of the partnership",
        "incorrect_type": "Choose an agency of the partnership",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Agency.objects.filter(is_active=True))
        super().__init__(**kwargs)


class AgencySummarySerializer(PlainModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]

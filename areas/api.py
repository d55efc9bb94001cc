"""API fields for the coded demographics and the managed areas, with plain-English errors."""

from typing import Any

from rest_framework import serializers

from areas.demographics import Gender
from areas.models import LocalAuthority, Neighbourhood, PoliceArea
from safeguarding.api import PlainQuerySerializer

CODE_FIELDS: dict[str, dict[str, Any]] = {
    "gender": {
        "error_messages": {"invalid_choice": "Choose a gender code: " + ", ".join(Gender.values)},
        "help_text": "A gender code.",
    },
    "ethnicity": {
        "error_messages": {"invalid_choice": "Choose an ethnicity code of the 2021 census (see the schema)"},
        "help_text": "An ethnicity code: the 2021 census categories, not_recorded or prefers_not_to_say.",
    },
}


def neighbourhood_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=Neighbourhood.objects.active(),
        required=False,
        allow_null=True,
        help_text="Id of a neighbourhood from the managed list kept by the system administrator.",
        error_messages={
            "does_not_exist": "Choose a neighbourhood from the managed list",
            "incorrect_type": "Give the neighbourhood's id, a whole number",
        },
        **kwargs,
    )


class AreaFilterSerializer(PlainQuerySerializer):
    """Filters by place: a neighbourhood, a local authority or a police area (ids)."""

    neighbourhood = serializers.PrimaryKeyRelatedField(
        queryset=Neighbourhood.objects.all(), required=False, error_messages={"does_not_exist": "Unknown neighbourhood"}
    )
    local_authority = serializers.PrimaryKeyRelatedField(
        queryset=LocalAuthority.objects.all(),
        required=False,
        error_messages={"does_not_exist": "Unknown local authority"},
    )
    police_area = serializers.PrimaryKeyRelatedField(
        queryset=PoliceArea.objects.all(), required=False, error_messages={"does_not_exist": "Unknown police area"}
    )

    def place_filter(self, prefix: str = "neighbourhood") -> dict[str, Any]:
        data = self.validated_data
        found = {}
        if data.get("neighbourhood"):
            found[prefix] = data["neighbourhood"]
        if data.get("local_authority"):
            found[f"{prefix}__local_authority"] = data["local_authority"]
        if data.get("police_area"):
            found[f"{prefix}__police_area"] = data["police_area"]
        return found

"""Forms for contexts (peer groups, locations, schools, neighbourhoods, online spaces) and their
chronology. The small helpers at the top are shared by the referral and assessment forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone

from areas.forms import NeighbourhoodChoiceField
from cases.models import ContextKind, ContextStatus, LocationType
from safeguarding.forms import GovukForm

EARLIEST_EVENT_DATE = date(1990, 1, 1)
COORDINATE_PLACES = Decimal("0.00001")
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}
COORDINATE_MESSAGES = {
    "latitude": "Enter a latitude between -90 and 90, for example 53.79648",
    "longitude": "Enter a longitude between -180 and 180, for example -1.54785",
}


class PlainEnglishForm(GovukForm):
    """GOV.UK-style messages: 'Enter a name', 'Name must be 200 characters or fewer'.

    `required_messages` maps a field name to its 'required' message; every character field with a
    maximum length gets a matching 'too long' message."""

    required_messages: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in self.required_messages:
                field.error_messages["required"] = self.required_messages[name]
            max_length = getattr(field, "max_length", None)
            if max_length:
                field.error_messages["max_length"] = f"{field.label} must be {max_length} characters or fewer"
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 4)


def text(label: str, max_length: int, *, required: bool = False, help_text: str = "", rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        **({"widget": widget} if widget else {}),
    )


def radios(label: str, choices, *, required: bool = True, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, required=required, help_text=help_text, widget=forms.RadioSelect
    )


def not_in_future(value: date, message: str = "The date must be today or in the past") -> date:
    if value > timezone.localdate():
        raise forms.ValidationError(message)
    if value < EARLIEST_EVENT_DATE:
        raise forms.ValidationError("The date must be on or after 1 January 1990")
    return value


def today_or_later(value: date, message: str = "The review date must be today or in the future") -> date:
    if value < timezone.localdate():
        raise forms.ValidationError(message)
    if value.year > timezone.localdate().year + 10:
        raise forms.ValidationError("The review date must be within the next 10 years")
    return value


# Contexts ---------------------------------------------------------------------------------------


class ContextKindForm(GovukForm):
    """Step one of adding a context: what kind of context it is."""

    kind = radios("What kind of context is it?", ContextKind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages.update(
            required="Choose what kind of context this is", invalid_choice="Choose what kind of context this is"
        )


KIND_FIELDS = {
    ContextKind.LOCATION: ("location_type", "address", "latitude", "longitude"),
    ContextKind.PEER_GROUP: ("known_names", "dynamics"),
    ContextKind.ONLINE: ("platform",),
    ContextKind.SCHOOL: ("address",),
    ContextKind.NEIGHBOURHOOD: (),
}
ALL_KIND_FIELDS = {name for names in KIND_FIELDS.values() for name in names}


class ContextForm(PlainEnglishForm):
    """Step two: the context's details. Only the fields for its kind are kept."""

    name = text("Name", 200, required=True, help_text="What partners call it, for example 'Riverton bus station'.")
    description = text("Description", 5000, rows=4)
    neighbourhood = NeighbourhoodChoiceField()
    status = radios("Status", ContextStatus.choices)
    location_type = radios("Type of location", LocationType.choices)
    address = text("Address or description of where it is", 300)
    latitude = forms.DecimalField(
        label="Latitude",
        required=False,
        help_text="Optional. In decimal degrees, for example 53.79648",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input govuk-input--width-10"}),
    )
    longitude = forms.DecimalField(
        label="Longitude",
        required=False,
        help_text="Optional. In decimal degrees, for example -1.54785",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input govuk-input--width-10"}),
    )
    known_names = text("Names the group is known by", 300, help_text="Separate names with commas.")
    dynamics = text("Group dynamics", 5000, rows=5, help_text="Who holds influence, how the group behaves, any harm.")
    platform = text("Platform or service", 100, help_text="For example, a messaging app or a gaming platform.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    required_messages = {
        "name": "Enter a name",
        "location_type": "Choose the type of location",
        "status": "Choose a status",
    }

    def __init__(self, *args, kind: str, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        keep = set(KIND_FIELDS.get(kind, ()))
        for name in ALL_KIND_FIELDS - keep:
            del self.fields[name]
        if not editing:
            del self.fields["status"]
            del self.fields["version"]
        else:
            self.fields["version"].required = True
        for name in COORDINATE_LIMITS:
            if name in self.fields:
                self.fields[name].error_messages["invalid"] = COORDINATE_MESSAGES[name]

    def _coordinate(self, name: str) -> Decimal | None:
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        if not -COORDINATE_LIMITS[name] <= value <= COORDINATE_LIMITS[name]:
            raise forms.ValidationError(COORDINATE_MESSAGES[name])
        return value.quantize(COORDINATE_PLACES)

    def clean_latitude(self):
        return self._coordinate("latitude")

    def clean_longitude(self):
        return self._coordinate("longitude")

    def clean(self):
        cleaned = super().clean()
        if "latitude" in self.fields and not self.has_error("latitude") and not self.has_error("longitude"):
            latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
            if latitude is None and longitude is not None:
                self.add_error("latitude", "Enter a latitude as well as a longitude, or leave both empty")
            elif longitude is None and latitude is not None:
                self.add_error("longitude", "Enter a longitude as well as a latitude, or leave both empty")
        return cleaned

    def changes(self) -> dict:
        """Cleaned values for the service: every editable field of this kind."""
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


CONTEXT_LIST_KINDS = [("", "All kinds"), *ContextKind.choices]

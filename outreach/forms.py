"""Forms for the outreach and group work pages (GOV.UK patterns; the services check everything again)."""

from django import forms
from django.utils import timezone

from access import policy
from areas.models import Neighbourhood
from cases.models import Child, Context
from interventions.models import IntelligenceReport
from outreach.models import (
    NO_AREA,
    Activity,
    AudienceType,
    EngagementOutcome,
    Establishment,
    EstablishmentKind,
    EventStatus,
    ProviderType,
)
from safeguarding.forms import GovukDateField, GovukForm

NUMERIC = {"inputmode": "numeric", "class": "govuk-input govuk-input--width-5", "spellcheck": "false"}


def area_field(*, filter_by: bool = False) -> forms.ModelChoiceField:
    """A record's area (optional: "No particular area"), or the area a report is filtered by."""
    return forms.ModelChoiceField(
        label="Area" if filter_by else "Area (optional)",
        queryset=Neighbourhood.objects.active(),
        required=False,
        empty_label="All areas" if filter_by else NO_AREA,
        help_text="" if filter_by else "If an area is missing, ask your system administrator to add it",
        error_messages={"invalid_choice": "Choose an area from the list"},
    )


def whole_number(label: str, what: str, *, minimum: int, maximum: int, required: bool = True, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        required=required,
        widget=forms.TextInput(attrs=NUMERIC),
        error_messages={
            "required": f"Enter the number of {what}",
            "invalid": f"Enter the number of {what} as a whole number, like 25",
            "min_value": f"The number of {what} must be {minimum} or more",
            "max_value": f"The number of {what} must be {maximum:,} or fewer",
        },
        **kwargs,
    )


def date_field(label: str, what: str, *, required: bool = True, hint: str = "For example, 27 3 2026"):
    return GovukDateField(
        label=label, required=required, help_text=hint, error_messages={"required": f"Enter the {what}"}
    )


def radios(label: str, choices, message: str, *, required: bool = True):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )


class EventForm(GovukForm):
    activity = radios("Activity", Activity.choices, "Choose training or awareness raising")
    audience = forms.ChoiceField(
        label="Audience type",
        choices=[("", "Choose the audience"), *AudienceType.choices],
        error_messages={"required": "Choose the audience type", "invalid_choice": "Choose the audience type"},
    )
    organisation = forms.CharField(
        label="Establishment or organisation",
        max_length=200,
        error_messages={"required": "Enter the establishment or organisation"},
    )
    establishment = forms.ModelChoiceField(
        label="Establishment on your list (optional)",
        queryset=Establishment.objects.none(),
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose one of your agency's establishments"},
    )
    area = area_field()
    held_on = date_field("Date", "date of the event")
    status = radios("Status", EventStatus.choices, "Choose whether the event is planned or delivered")
    headcount = whole_number(
        "Number of people", "people", minimum=1, maximum=100_000, help_text="Expected, if the event is planned"
    )
    delivered_by = forms.CharField(
        label="Delivered by", max_length=200, error_messages={"required": "Enter who delivered the event"}
    )
    intelligence_submitted = forms.BooleanField(label="Intelligence was submitted after this event", required=False)
    intelligence = forms.ModelChoiceField(
        label="Police intelligence record (optional)",
        queryset=IntelligenceReport.objects.none(),
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose an intelligence record you can see"},
    )
    referrals_made = whole_number("Referrals made (optional)", "referrals", minimum=0, maximum=100_000, required=False)
    notes = forms.CharField(
        label="Notes (optional)", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = Establishment.objects.visible_to(user).only("pk", "name")
        if policy.is_police(user):
            self.fields["intelligence"].queryset = IntelligenceReport.objects.visible_to(user).only("pk", "reference")
            self.fields["intelligence"].label_from_instance = lambda report: report.reference
        else:
            del self.fields["intelligence"]


class DeliveredForm(GovukForm):
    headcount = whole_number("Number of people who came", "people", minimum=1, maximum=100_000)
    referrals_made = whole_number("Referrals made (optional)", "referrals", minimum=0, maximum=100_000, required=False)
    intelligence_submitted = forms.BooleanField(label="Intelligence was submitted after this event", required=False)


class EstablishmentForm(GovukForm):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the establishment's name"})
    kind = radios("Kind of establishment", EstablishmentKind.choices, "Choose the kind of establishment")
    provider_type = radios(
        "Provider (children's homes only)",
        ProviderType.choices,
        "Choose local authority or independent",
        required=False,
    )
    area = area_field()
    address = forms.CharField(label="Address (optional)", max_length=300, required=False)


class EngagementForm(GovukForm):
    outcome = radios("What happened", EngagementOutcome.choices, "Choose what happened")
    occurred_on = date_field("Date", "date")
    follow_up_on = date_field("Follow up by (optional)", "follow-up date", required=False)
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


class CampaignForm(GovukForm):
    area = area_field()
    streets = forms.CharField(
        label="Streets or postcode sectors covered",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the streets or postcode sectors covered"},
    )
    started_on = date_field("Start date", "start date")
    ended_on = date_field("End date", "end date")
    households_reached = whole_number("Households reached", "households", minimum=0, maximum=100_000)
    concerns = forms.CharField(
        label="Concerns raised (optional)", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    actions = forms.CharField(
        label="What was done with them (optional)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContextChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Context) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class GroupForm(GovukForm):
    context = ContextChoice(
        label="Group or context",
        help_text="Only groups and contexts you can see are listed",
        queryset=Context.objects.none(),
        empty_label="Choose a group",
        error_messages={"required": "Choose a group", "invalid_choice": "Choose a group you can see"},
    )
    name = forms.CharField(label="Name for the group work (optional)", max_length=200, required=False)
    area = area_field()
    description = forms.CharField(
        label="Description (optional)", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["context"].queryset = Context.objects.visible_to(user).only("pk", "name", "kind").order_by("name")


class ChildChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Child) -> str:
        return f"{obj.given_name} {obj.family_name} ({obj.reference})"


class SessionForm(GovukForm):
    held_on = date_field("Date", "date of the session")
    activity = forms.CharField(
        label="Activity", max_length=200, error_messages={"required": "Enter what the group did"}
    )
    duration_minutes = whole_number("Duration in minutes", "minutes", minimum=1, maximum=720)
    children = ChildChoices(
        label="Register: young people present",
        help_text="Only the group's young people you work with are listed",
        queryset=Child.objects.none(),
        error_messages={
            "required": "Choose the young people who came",
            "invalid_choice": "Choose young people from the list",
        },
    )
    notes = forms.CharField(
        label="Notes (optional)", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["children"].queryset = members


class ReachForm(GovukForm):
    start = date_field("From", "start date", hint="For example, 1 1 2026")
    end = date_field("To", "end date", hint="For example, 4 9 2026")
    area = area_field(filter_by=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be the same as or after the start date")
        return data


def this_year(today=None) -> dict:
    today = today or timezone.localdate()
    return {"start": today.replace(month=1, day=1), "end": today}

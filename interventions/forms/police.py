"""Forms for the police pages: persons of concern, disruption, graded intelligence, sharing."""

from django import forms
from django.utils import timezone

from cases.models import Child, Context, ContextKind
from interventions.forms.pickers import (
    child_label,
    context_label,
    find_children,
    find_contexts,
    find_persons,
    person_label,
)
from interventions.models import (
    DisruptionKind,
    HandlingCode,
    IntelligenceAssessment,
    PersonOfConcern,
    SourceEvaluation,
)
from safeguarding.forms import GovukDateField, GovukForm
from safeguarding.pickers import Picker, PickerMixin

CHILDREN_PICKER = Picker(find_children, child_label, "a young person", "interventions:police_find_children")
PERSONS_PICKER = Picker(find_persons, person_label, "a person of concern", "interventions:police_find_persons")
LOCATIONS_PICKER = Picker(
    find_contexts, context_label, "a location", "interventions:police_find_contexts", kind=ContextKind.LOCATION
)


class ChildChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Child) -> str:
        return f"{obj.given_name} {obj.family_name} ({obj.reference})"


class ContextChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Context) -> str:
        return f"{obj.name} ({obj.reference})"


class PersonChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: PersonOfConcern) -> str:
        return f"{obj.given_name} {obj.family_name} ({obj.reference})"


class ChildChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Child) -> str:
        return f"{obj.given_name} {obj.family_name} ({obj.reference})"


class ContextChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Context) -> str:
        return f"{obj.name} ({obj.reference})"


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: PersonOfConcern) -> str:
        return f"{obj.given_name} {obj.family_name} ({obj.reference})"


def _children(user):
    return Child.objects.visible_to(user).only("pk", "given_name", "family_name", "reference")


def _locations(user):
    return (
        Context.objects.visible_to(user)
        .filter(kind=ContextKind.LOCATION)
        .only("pk", "name", "reference")
        .order_by("name")
    )


def not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("The date must be today or in the past")
    return value


class PersonForm(PickerMixin, GovukForm):
    pickers = {"children": CHILDREN_PICKER, "locations": LOCATIONS_PICKER}

    given_name = forms.CharField(label="Given name", max_length=100, error_messages={"required": "Enter a given name"})
    family_name = forms.CharField(
        label="Family name", max_length=100, error_messages={"required": "Enter a family name"}
    )
    known_as = forms.CharField(
        label="Also known as (optional)",
        help_text="Street names or other names, separated by commas",
        max_length=300,
        required=False,
    )
    date_of_birth = GovukDateField(label="Date of birth (optional)", required=False, help_text="For example, 27 3 1990")
    description = forms.CharField(
        label="Why they are of concern (optional)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    children = ChildChoices(
        label="Young people linked to this person (optional)",
        help_text="Find them by name or reference; only young people you can see are found",
        queryset=Child.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose young people from the list"},
    )
    locations = ContextChoices(
        label="Locations linked to this person (optional)",
        help_text="Find them by name or reference",
        queryset=Context.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose locations from the list"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["children"].queryset = _children(user)
            self.fields["locations"].queryset = _locations(user)
            self.narrow_pickers(user)

    def clean_date_of_birth(self):
        return not_in_future(self.cleaned_data["date_of_birth"])


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class DisruptionForm(PickerMixin, GovukForm):
    pickers = {"person": PERSONS_PICKER, "location": LOCATIONS_PICKER, "child": CHILDREN_PICKER}

    kind = forms.ChoiceField(
        label="What was done",
        choices=DisruptionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what was done", "invalid_choice": "Choose what was done from the list"},
    )
    taken_on = GovukDateField(
        label="Date", help_text="For example, 27 3 2026", error_messages={"required": "Enter the date of the action"}
    )
    person = PersonChoice(
        label="Person of concern",
        queryset=PersonOfConcern.objects.none(),
        required=False,
        empty_label="None",
        widget=forms.RadioSelect,
        help_text="Needed for a child abduction warning notice. Find them by name, street name or reference",
        error_messages={"invalid_choice": "Choose a person of concern from the list"},
    )
    location = ContextChoice(
        label="Location",
        queryset=Context.objects.none(),
        required=False,
        empty_label="None",
        widget=forms.RadioSelect,
        help_text="Find it by name or reference",
        error_messages={"invalid_choice": "Choose a location from the list"},
    )
    child = ChildChoice(
        label="Young person protected (child abduction warning notice only)",
        help_text="The young person must be under 16, or under 18 and in care, on the date of the notice",
        queryset=Child.objects.none(),
        required=False,
        empty_label="None",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a young person from the list"},
    )
    outcome = forms.CharField(
        label="Outcome (optional)", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["person"].queryset = PersonOfConcern.objects.visible_to(user).only(
                "pk", "given_name", "family_name", "reference"
            )
            self.fields["location"].queryset = _locations(user)
            self.fields["child"].queryset = _children(user)
            self.narrow_pickers(user)

    def clean_taken_on(self):
        return not_in_future(self.cleaned_data["taken_on"])

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("person") and not cleaned.get("location"):
            self.add_error("person", "Choose a person of concern or a location (or both)")
        return cleaned


class IntelligenceForm(PickerMixin, GovukForm):
    pickers = {
        "children": CHILDREN_PICKER,
        "persons": PERSONS_PICKER,
        "contexts": Picker(find_contexts, context_label, "a context", "interventions:police_find_contexts"),
    }

    received_on = GovukDateField(
        label="Date received",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date received"},
    )
    source_evaluation = forms.ChoiceField(
        label="Source evaluation",
        choices=SourceEvaluation.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a source evaluation",
            "invalid_choice": "Choose a source evaluation of 1, 2 or 3",
        },
    )
    assessment = forms.ChoiceField(
        label="Intelligence assessment",
        choices=IntelligenceAssessment.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose an intelligence assessment",
            "invalid_choice": "Choose an intelligence assessment from A to E",
        },
    )
    handling_code = forms.ChoiceField(
        label="Handling code",
        choices=HandlingCode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a handling code", "invalid_choice": "Choose handling code P or C"},
    )
    handling_conditions = forms.CharField(
        label="Handling conditions (code C only)",
        help_text="Who may receive it and on what terms",
        max_length=500,
        required=False,
    )
    text = forms.CharField(
        label="Intelligence",
        help_text="Police only. Partners never see this text.",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter the intelligence"},
    )
    children = ChildChoices(
        label="Young people (optional)",
        queryset=Child.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose young people from the list"},
    )
    persons = PersonChoices(
        label="Persons of concern (optional)",
        queryset=PersonOfConcern.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose persons of concern from the list"},
    )
    contexts = ContextChoices(
        label="Locations and other contexts (optional)",
        queryset=Context.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose contexts from the list"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["children"].queryset = _children(user)
            self.fields["persons"].queryset = PersonOfConcern.objects.visible_to(user).only(
                "pk", "given_name", "family_name", "reference"
            )
            self.fields["contexts"].queryset = (
                Context.objects.visible_to(user).only("pk", "name", "reference").order_by("name")
            )
            self.narrow_pickers(user)

    def clean_received_on(self):
        return not_in_future(self.cleaned_data["received_on"])

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("handling_code") == HandlingCode.CONDITIONS
            and not cleaned.get("handling_conditions", "").strip()
        ):
            self.add_error("handling_conditions", "State the handling conditions: code C needs them")
        return cleaned


class ShareForm(GovukForm):
    summary = forms.CharField(
        label="Summary for partners",
        help_text=(
            "Write in your own words only what partners need to know to keep the young person safe. "
            "Do not copy the report or name sources. Partners will see this on the young person's chronology."
        ),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write the summary partners will see",
            "max_length": "The summary must be 500 characters or fewer",
        },
    )

from django import forms
from django.utils import timezone

from areas.forms import NeighbourhoodChoiceField
from cases.models import FamilyFactKind, Relationship, Reliability
from safeguarding.forms import GovukDateField, GovukForm

ADULT_RELATIONSHIPS = [choice for choice in Relationship.choices if choice[0] != Relationship.CHILD]


class FamilyForm(GovukForm):
    name = forms.CharField(
        label="Family name",
        help_text="How professionals refer to the household, for example ‘Smith family’",
        max_length=200,
        error_messages={
            "required": "Enter a name for the family",
            "max_length": "Name must be 200 characters or fewer",
        },
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10", "autocomplete": "off"}),
        error_messages={"max_length": "Postcode must be 10 characters or fewer"},
    )
    neighbourhood = NeighbourhoodChoiceField()

    def clean_postcode(self):
        return " ".join(self.cleaned_data["postcode"].upper().split())


class FamilyEditForm(FamilyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class FamilyChildForm(GovukForm):
    reference = forms.CharField(
        label="Partnership reference of the young person",
        help_text="For example, CH-000123. You can only add young people your agencies work with.",
        max_length=20,
        error_messages={"required": "Enter the young person's reference"},
    )
    lives_in_household = forms.BooleanField(label="Lives in the household", required=False, initial=True)

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class AdultForm(GovukForm):
    given_name = forms.CharField(
        label="Given name", max_length=100, error_messages={"required": "Enter the adult's given name"}
    )
    family_name = forms.CharField(
        label="Family name", max_length=100, error_messages={"required": "Enter the adult's family name"}
    )
    date_of_birth = GovukDateField(label="Date of birth (optional)", required=False, help_text="For example, 27 3 1985")
    relationship = forms.ChoiceField(
        label="Relationship to the family",
        choices=[("", "Choose a relationship"), *ADULT_RELATIONSHIPS],
        error_messages={"required": "Choose the relationship", "invalid_choice": "Choose a relationship from the list"},
    )
    lives_in_household = forms.BooleanField(label="Lives in the household", required=False, initial=True)

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("Date of birth must be in the past")
        if value and value.year < 1900:
            raise forms.ValidationError("Date of birth must be after 1900")
        return value


class FamilyFactForm(GovukForm):
    kind = forms.ChoiceField(
        label="What is the fact?",
        choices=[("", "Choose a kind of fact"), *FamilyFactKind.choices],
        error_messages={"required": "Choose a kind of fact", "invalid_choice": "Choose a kind of fact from the list"},
    )
    noted_on = GovukDateField(
        label="Date noted", help_text="For example, 27 3 2024", error_messages={"required": "Enter the date noted"}
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Note must be 1,000 characters or fewer"},
    )
    reliability = forms.ChoiceField(
        label="How reliable is this information?", choices=Reliability.choices, initial=Reliability.UNVERIFIED
    )

    def clean_noted_on(self):
        value = self.cleaned_data["noted_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date noted must be today or in the past")
        return value

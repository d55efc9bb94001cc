from datetime import date

from django import forms
from django.utils import timezone

from cases.models import ChildStatus
from safeguarding.forms import GovukDateField, GovukForm

EARLIEST_DATE_OF_BIRTH = date(1990, 1, 1)


def validate_date_of_birth(value: date) -> None:
    if value > timezone.localdate():
        raise forms.ValidationError("Date of birth must be today or in the past")
    if value < EARLIEST_DATE_OF_BIRTH:
        raise forms.ValidationError("Date of birth must be on or after 1 January 1990")


class ChildForm(GovukForm):
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 2009")
    gender = forms.CharField(label="Gender (as recorded)", max_length=50, required=False)
    ethnicity = forms.CharField(label="Ethnicity (as recorded)", max_length=100, required=False)
    area = forms.CharField(label="Local police area or neighbourhood", max_length=100, required=False)
    status = forms.ChoiceField(label="Status", choices=ChildStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)

    error_messages_by_field = {
        "given_name": {"required": "Enter a given name"},
        "family_name": {"required": "Enter a family name"},
        "date_of_birth": {"required": "Enter a date of birth"},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, messages in self.error_messages_by_field.items():
            self.fields[name].error_messages.update(messages)

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        validate_date_of_birth(value)
        return value


class ChildSearchForm(GovukForm):
    name = forms.CharField(label="Name or part of a name", max_length=200, required=False)
    date_of_birth = GovukDateField(label="Date of birth", required=False, help_text="For example, 27 3 2009")
    identifier = forms.CharField(
        label="Reference or identifier",
        help_text="Partnership reference, unique pupil number, NHS number or police reference",
        max_length=30,
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(key) for key in ("name", "date_of_birth", "identifier")):
            raise forms.ValidationError("Enter a name, a date of birth or an identifier to search")
        return cleaned


class BreakGlassForm(GovukForm):
    reference = forms.CharField(label="Partnership reference", max_length=20)
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 2009")
    reason = forms.CharField(
        label="Why do you need to see this record now?",
        help_text="Your reason is recorded and sent to the data protection officer.",
        min_length=20,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"min_length": "Give a reason of at least 20 characters", "required": "Enter a reason"},
    )
    hours = forms.TypedChoiceField(
        label="How long do you need access?",
        coerce=int,
        choices=[(1, "1 hour"), (4, "4 hours"), (8, "8 hours"), (24, "24 hours")],
        initial=1,
    )

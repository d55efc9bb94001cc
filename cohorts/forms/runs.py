"""Form for requesting a recalculation."""

from django import forms
from django.utils import timezone

from safeguarding.forms import GovukDateField, GovukForm


class RunRequestForm(GovukForm):
    as_of = GovukDateField(
        label="Recalculate as of",
        help_text="Indicators are counted in their look-back windows up to this date. For example, 27 11 2026",
        error_messages={"required": "Enter the date to recalculate as of"},
    )

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError("The date to recalculate as of must be today or in the past")
        return as_of

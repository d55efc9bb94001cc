from datetime import date

from django import forms

from safeguarding.forms import GovukDateField, GovukForm


class ChildTrailForm(GovukForm):
    reference = forms.CharField(
        label="Partnership reference of the child",
        max_length=20,
        error_messages={"required": "Enter the child's partnership reference"},
    )


class UserTrailForm(GovukForm):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter a username"})


class TrailPeriodForm(GovukForm):
    """Narrows a trail to the days from `start` to `end`, both included; either may be left empty."""

    start = GovukDateField(label="From", required=False, help_text="For example, 1 4 2026")
    end = GovukDateField(label="To", required=False, help_text="For example, 30 6 2026")

    def clean(self):
        data = super().clean()
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day must be on or after the first day")
        return data


class BreakGlassReviewForm(GovukForm):
    note = forms.CharField(
        label="Review note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter a review note"},
    )
    revoke = forms.BooleanField(label="End this access now", required=False)

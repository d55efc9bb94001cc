from datetime import date
from typing import Any

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


# Data protection operations ---------------------------------------------------------------------


class RetentionRuleForm(GovukForm):
    years = forms.IntegerField(
        label="Years to keep the records",
        min_value=1,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    basis = forms.ChoiceField(label="Counted from", widget=forms.RadioSelect)
    authority = forms.CharField(
        label="Why this period",
        max_length=500,
        help_text="The guidance, law or decision behind it",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, bases: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        basis: Any = self.fields["basis"]
        basis.choices = bases


REVIEW_ACTIONS = {"dispose": "Dispose of", "hold": "Hold", "release": "End the hold on"}


class DisposalReviewForm(GovukForm):
    selected = forms.TypedMultipleChoiceField(
        label="Records",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one record"},
    )
    action = forms.CharField(required=False, widget=forms.HiddenInput)  # the button pressed
    reason = forms.CharField(
        label="Reason for holding",
        max_length=500,
        required=False,
        help_text="Needed to hold records, for example a legal hold or an open complaint",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, candidate_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        selected: Any = self.fields["selected"]
        selected.choices = [(pk, str(pk)) for pk in candidate_ids]
        selected.error_messages["invalid_choice"] = (
            "A record you selected is no longer in the review: look again and choose once more"
        )

    def clean(self):
        data = super().clean()
        if data.get("action") not in REVIEW_ACTIONS:
            self.add_error(None, "Choose whether to dispose of the records, hold them or end their hold")
        if data.get("action") == "hold" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter why these records must be kept")
        return data


class SubjectAccessForm(GovukForm):
    reference = forms.CharField(
        label="Partnership reference of the young person",
        max_length=20,
        error_messages={"required": "Enter the young person's partnership reference"},
    )
    request_note = forms.CharField(
        label="Request details",
        max_length=500,
        help_text="Who asked, on what date, and how their identity was checked",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter who asked, when, and how their identity was checked"},
    )


class ItemDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[
            ("release", "Release"),
            ("redact", "Release with other people's details removed"),
            ("withhold", "Withhold"),
        ],
        error_messages={"required": "Choose whether to release, remove other people's details or withhold"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        help_text="Needed to withhold or remove details, for example the exemption that applies",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("redact", "withhold") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter the reason, for example the exemption that applies")
        return data

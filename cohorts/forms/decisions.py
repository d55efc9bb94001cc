"""Forms for nominations, panel tier decisions and the suggestions switch (GOV.UK messages)."""

from __future__ import annotations

from django import forms

from cases.forms.contexts import PlainEnglishForm, radios, text
from cases.services.children import TAKE_ON_REASON_MAX
from cohorts.models import DecisionOutcome, Tier
from cohorts.services.decisions import REASON_MAX
from interventions.models import PanelMeeting

OUTCOME_CHOICES = [
    (DecisionOutcome.CONFIRM, "Confirm the proposed tier"),
    (DecisionOutcome.CHANGE, "Change the tier"),
    (DecisionOutcome.REJECT, "Reject: not in a cohort tier"),
]


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.panel.name}, {obj.held_on:%-d %B %Y}"


class NominationForm(PlainEnglishForm):
    tier = radios("Which tier do you think this young person belongs in?", Tier.choices)
    reason = text(
        "Why are you nominating this young person?",
        REASON_MAX,
        required=True,
        rows=6,
        help_text="Your professional judgement: what you have seen or been told, and by whom. The panel reads this.",
    )

    required_messages = {"tier": "Choose a tier", "reason": "Enter why you are nominating this young person"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].error_messages["invalid_choice"] = "Choose a tier"


class WithdrawNominationForm(PlainEnglishForm):
    reason = text(
        "Why are you withdrawing this nomination?",
        REASON_MAX,
        required=True,
        rows=5,
        help_text="For example, what has changed since it was made. This is kept with the nomination.",
    )

    required_messages = {"reason": "Enter why you are withdrawing this nomination"}


class DecisionForm(PlainEnglishForm):
    outcome = radios("What did the panel decide?", OUTCOME_CHOICES)
    tier = radios(
        "New tier",
        Tier.choices,
        required=False,
        help_text="Only when the panel changes the tier.",
    )
    reason = text("Reason for the decision", REASON_MAX, required=True, rows=6, help_text="Who agreed and why.")
    panel_meeting = MeetingChoiceField(
        label="Panel meeting (optional)",
        queryset=PanelMeeting.objects.none(),
        required=False,
        empty_label="Not decided at a recorded meeting",
    )
    suggestion = forms.IntegerField(widget=forms.HiddenInput, required=False)
    nomination = forms.IntegerField(widget=forms.HiddenInput, required=False)

    required_messages = {
        "outcome": "Choose confirm, change or reject",
        "reason": "Enter the reason for the decision",
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel_meeting"].queryset = (
            PanelMeeting.objects.visible_to(user).select_related("panel").order_by("-held_on", "-id")
        )
        self.fields["panel_meeting"].error_messages["invalid_choice"] = "Choose a panel meeting you can see"
        self.fields["outcome"].error_messages["invalid_choice"] = "Choose confirm, change or reject"
        self.fields["tier"].error_messages["invalid_choice"] = "Choose the tier the panel decided"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == DecisionOutcome.CHANGE and not cleaned.get("tier"):
            self.add_error("tier", "Choose the tier the panel decided")
        return cleaned


class SwitchForm(PlainEnglishForm):
    # What the page offered, so two people switching at once cannot undo each other by accident.
    switch_to = forms.ChoiceField(choices=[("off", "Off"), ("on", "On")], widget=forms.HiddenInput)
    reason = text("Reason", 1000, required=True, rows=4, help_text="This is recorded and shown on the model page.")

    required_messages = {"reason": "Enter the reason", "switch_to": "Reload the page and try again"}


class TakeOnForm(PlainEnglishForm):
    reason = text(
        "Why is your agency starting to work with this young person?",
        TAKE_ON_REASON_MAX,
        required=True,
        rows=5,
        help_text="For example, the panel allocated them to your agency. This is kept in the audit trail.",
    )

    required_messages = {"reason": "Enter why your agency is starting to work with this young person"}

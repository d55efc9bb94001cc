"""Forms for referrals about a child or a context, and for decisions on them."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from access import policy
from accounts.models import Agency, Membership
from cases.forms.contexts import PlainEnglishForm, not_in_future, radios, text
from cases.models import ConcernCategory, ReferralStatus
from safeguarding.forms import GovukDateField

DECISION_CHOICES = [(value, label) for value, label in ReferralStatus.choices if value != ReferralStatus.RECEIVED]
STATUS_FILTER_CHOICES = [("", "Any status"), *ReferralStatus.choices]


def editor_agencies(user):
    """The agencies this user may record on behalf of."""
    memberships = Membership.objects.active().filter(user=user, role__in=policy.EDITOR_ROLES)
    return Agency.objects.filter(pk__in=memberships.values("agency_id")).order_by("name")


class ReferralForm(PlainEnglishForm):
    received_on = GovukDateField(label="Date the referral was received", help_text="For example, 27 3 2025")
    category = radios("What is the main concern?", ConcernCategory.choices)
    concerns = text(
        "Concerns",
        10000,
        required=True,
        rows=8,
        help_text="What has happened, to whom, where and when, and what is known about risk.",
    )
    referrer_agency = forms.ModelChoiceField(
        label="Referring agency", queryset=Agency.objects.none(), empty_label=None, required=True
    )

    required_messages = {
        "received_on": "Enter the date the referral was received",
        "category": "Choose the main concern",
        "concerns": "Enter the concerns",
        "referrer_agency": "Choose the referring agency",
    }

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["category"].error_messages["invalid_choice"] = "Choose the main concern"
        agencies = editor_agencies(user)
        if len(agencies) > 1:
            self.fields["referrer_agency"].queryset = agencies
            self.fields["referrer_agency"].error_messages["invalid_choice"] = "Choose one of your own agencies"
        else:
            del self.fields["referrer_agency"]

    def clean_received_on(self):
        return not_in_future(self.cleaned_data["received_on"], "The date received must be today or in the past")


class DecisionForm(PlainEnglishForm):
    status = radios("Decision", DECISION_CHOICES)
    reason = text("Reason for the decision", 5000, required=True, rows=4)
    outcome = text("Outcome", 5000, rows=3, help_text="Optional. What will happen next, and who will do it.")
    version = forms.IntegerField(widget=forms.HiddenInput)

    required_messages = {"status": "Choose a decision", "reason": "Give the reason for the decision"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].error_messages["invalid_choice"] = "Choose a decision"

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if not reason.strip():
            raise forms.ValidationError("Give the reason for the decision")
        return reason


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=STATUS_FILTER_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "govuk-select"

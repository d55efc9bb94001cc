"""Forms for missing episodes: reported missing, found or returned, the return home interview.
Dates and times are GOV.UK date inputs with a time box; every message is plain English."""

from django import forms

from interventions.models import InterviewOutcome, RiskGrading
from safeguarding.forms import GovukDateTimeField, GovukForm

TIME_HINT = "For example, 27 3 2026 and 21:30 (24-hour clock)"


def long_text(label: str, limit: int, *, required: bool = False, missing: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": missing,
            "max_length": f"{label.removesuffix(' (optional)')} must be {limit:,} characters or fewer",
        },
    )


class MissingEpisodeForm(GovukForm):
    reported_missing_at = GovukDateTimeField(
        label="When were they reported missing?",
        help_text=TIME_HINT,
        error_messages={"required": "Enter the date and time they were reported missing"},
    )
    risk_grading = forms.ChoiceField(
        label="Police risk grading",
        choices=RiskGrading.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the risk grading", "invalid_choice": "Choose the risk grading"},
    )
    police_reference = forms.CharField(
        label="Police reference (optional)",
        required=False,
        max_length=50,
        error_messages={"max_length": "Police reference must be 50 characters or fewer"},
    )
    circumstances = long_text("Circumstances (optional)", 5000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "missing-%s")
        super().__init__(*args, **kwargs)
        self.fields["police_reference"].widget.attrs["class"] = "govuk-input govuk-input--width-20"


class ReturnForm(GovukForm):
    returned_at = GovukDateTimeField(
        label="When were they found or when did they return?",
        help_text=TIME_HINT,
        error_messages={"required": "Enter the date and time they were found or returned"},
    )
    where_found = forms.CharField(
        label="Where were they found, or where did they return to?",
        max_length=300,
        error_messages={
            "required": "Enter where they were found or where they returned to",
            "max_length": "Where they were found must be 300 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "return-%s")
        super().__init__(*args, **kwargs)


class InterviewForm(GovukForm):
    offered_at = GovukDateTimeField(
        label="When was the interview offered?",
        help_text=TIME_HINT,
        error_messages={"required": "Enter the date and time the interview was offered"},
    )
    conducted_by = forms.CharField(
        label="Who offered the interview?",
        help_text="Their name and organisation",
        max_length=200,
        error_messages={
            "required": "Enter who offered the interview (name and organisation)",
            "max_length": "Who offered the interview must be 200 characters or fewer",
        },
    )
    outcome = forms.ChoiceField(
        label="Did the young person accept the interview?",
        choices=InterviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the young person accepted or declined the interview",
            "invalid_choice": "Choose whether the young person accepted or declined the interview",
        },
    )
    held_at = GovukDateTimeField(
        label="When did the interview take place? (if accepted)", help_text=TIME_HINT, required=False
    )
    young_person_said = long_text("What the young person said (if accepted)", 10000)
    push_factors = long_text("Push factors (optional)", 5000)
    pull_factors = long_text("Pull factors (optional)", 5000)
    follow_up_actions = long_text("Follow-up actions (optional)", 5000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "interview-%s")
        super().__init__(*args, **kwargs)
        self.fields["push_factors"].help_text = "What made them leave: at home, at school, in care"
        self.fields["pull_factors"].help_text = "What drew them away: people, places, exploitation"

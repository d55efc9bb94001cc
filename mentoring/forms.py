"""Forms for community mentoring (GOV.UK patterns, plain-English messages). The services check
the rules; these only turn what was typed into values."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from accounts.models import Agency, Membership, Role
from cases.forms.contexts import PlainEnglishForm, radios, text
from mentoring.models import (
    DbsOutcome,
    EndReason,
    Mentor,
    MentorStatus,
    Mood,
    PlaceType,
    TrainingModule,
    UpdateServiceStatus,
)
from mentoring.services import MOVES, mentoring_agencies
from safeguarding.forms import GovukDateField

DATE_HINT = "For example, 27 3 2025"


def date_field(label: str, *, required: bool = True) -> GovukDateField:
    return GovukDateField(label=label, help_text=DATE_HINT, required=required)


class MentorProfileForm(PlainEnglishForm):
    area = text("Area", 100, help_text="Where they live or can meet young people, for example Northside.")
    gender = text("Gender", 50)
    languages = text("Languages", 200, help_text="Separate each with a comma, for example English, Somali.")
    interests = text("Interests", 300, help_text="Separate each with a comma, for example football, music.")
    availability = text("Availability", 200, help_text="For example, weekday evenings.")
    capacity = forms.IntegerField(
        label="Capacity", min_value=1, max_value=5, initial=1, help_text="How many young people at once (1 to 5)."
    )
    email = forms.EmailField(label="Email address", required=False, max_length=254)
    phone = text("Phone number", 30)

    required_messages = {"capacity": "Enter how many young people they can mentor at once"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capacity"].widget.attrs["class"] = "govuk-input govuk-input--width-2"
        self.fields["capacity"].error_messages.update(
            {
                "min_value": "Capacity must be at least 1",
                "max_value": "Capacity must be 5 or fewer",
                "invalid": "Enter capacity as a number, like 2",
            }
        )
        self.fields["email"].error_messages["invalid"] = "Enter an email address, like name@example.org"


class MentorCreateForm(MentorProfileForm):
    given_name = text("First name", 100, required=True)
    family_name = text("Last name", 100, required=True)

    required_messages = {
        **MentorProfileForm.required_messages,
        "given_name": "Enter their first name",
        "family_name": "Enter their last name",
    }
    field_order = ["given_name", "family_name"]


class SignInChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_full_name() or obj.get_username()} ({obj.get_username()})"


class SignInForm(PlainEnglishForm):
    user = SignInChoiceField(label="Mentor sign-in", queryset=get_user_model().objects.none(), empty_label="Choose")

    required_messages = {"user": "Choose their sign-in"}

    def __init__(self, *args, mentor: Mentor, **kwargs):
        super().__init__(*args, **kwargs)
        holders = Membership.objects.active().filter(agency_id=mentor.agency_id, role=Role.MENTOR).values("user_id")
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(pk__in=holders, is_active=True, mentor_record__isnull=True)
            .order_by("first_name", "last_name", "id")
        )


class StepForm(PlainEnglishForm):
    status = radios("Move to", [])
    moved_on = date_field("Date of this step")
    note = text("Note", 500, help_text="Optional.")

    required_messages = {"status": "Choose the step to move them to", "moved_on": "Enter the date of this step"}

    def __init__(self, *args, mentor: Mentor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (status, MentorStatus(status).label) for status, sources in MOVES.items() if mentor.status in sources
        ]


class DbsForm(PlainEnglishForm):
    checked_on = date_field("Date on the certificate")
    certificate_number = forms.CharField(
        label="Certificate number", max_length=20, help_text="12 digits, printed at the top right of the certificate."
    )
    outcome = radios("Outcome", DbsOutcome.choices)
    barred_list_checked = forms.BooleanField(
        label="The check was enhanced, with the children's barred list", required=False
    )
    update_service = radios("DBS Update Service", UpdateServiceStatus.choices)

    required_messages = {
        "checked_on": "Enter the date on the certificate",
        "certificate_number": "Enter the certificate number",
        "outcome": "Choose the outcome of the check",
        "update_service": "Choose whether they are registered with the DBS Update Service",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate_number"].widget.attrs.update(
            {"class": "govuk-input govuk-input--width-20", "inputmode": "numeric", "spellcheck": "false"}
        )


class ReferenceForm(PlainEnglishForm):
    referee_name = text("Referee's name", 200, required=True)
    relationship = text("How they know the applicant", 200)
    received_on = date_field("Date received")
    satisfactory = radios("Is the reference satisfactory?", [("yes", "Yes"), ("no", "No")])

    required_messages = {
        "referee_name": "Enter the name of the referee",
        "received_on": "Enter the date the reference was received",
        "satisfactory": "Say whether the reference is satisfactory",
    }


class InterviewForm(PlainEnglishForm):
    interviewed_on = date_field("Date of the interview")
    notes = text("Notes", 5000, rows=4)

    required_messages = {"interviewed_on": "Enter the date of the interview"}


class TrainingForm(PlainEnglishForm):
    module = forms.ModelChoiceField(label="Module", queryset=TrainingModule.objects.none(), empty_label="Choose")
    completed_on = date_field("Date completed")

    required_messages = {"module": "Choose a training module", "completed_on": "Enter the date it was completed"}

    def __init__(self, *args, mentor: Mentor, **kwargs):
        super().__init__(*args, **kwargs)
        done = mentor.training.values("module_id")
        self.fields["module"].queryset = TrainingModule.objects.filter(is_active=True).exclude(pk__in=done)


class SupervisionForm(PlainEnglishForm):
    held_on = date_field("Date of the supervision")
    note = text("What was discussed", 5000, required=True, rows=5)

    required_messages = {"held_on": "Enter the date of the supervision", "note": "Enter what was discussed"}


class ReferralForm(PlainEnglishForm):
    agency = forms.ModelChoiceField(label="Mentoring network", queryset=Agency.objects.none(), empty_label=None)
    reason = text("Why would mentoring help?", 3000, required=True, rows=4)
    goals = text("What does the young person hope to get from it?", 3000, required=True, rows=4)
    preferences = text(
        "Their preferences", 300, help_text="Optional. For example, a male role model, someone who plays football."
    )
    preferred_gender = text("Preferred gender of mentor", 50, help_text="Optional. Only if the young person asked.")
    area = text("Area", 100, help_text="Optional. Where they could meet a mentor.")
    interests = text("Interests", 300, help_text="Optional. Separate each with a comma.")
    languages = text("Languages", 200, help_text="Optional. Separate each with a comma.")
    preferred_name = text("Name they like to be called", 100, help_text="Optional.")

    required_messages = {
        "agency": "Choose a mentoring network",
        "reason": "Enter why mentoring would help this young person",
        "goals": "Enter what the young person hopes to get from mentoring",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = mentoring_agencies()
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=[agency.pk for agency in agencies])


class PreparationForm(PlainEnglishForm):
    preparing = radios(
        "Where is the young person now?",
        [
            ("waiting", "On the waiting list: ready to be matched"),
            ("preparation", "In preparation: not ready yet"),
            ("closed", "No longer waiting: close the referral"),
        ],
    )


class SharingForm(PlainEnglishForm):
    preferred_name = text("Name they like to be called", 100)
    shared_note = text(
        "What the mentor should know",
        3000,
        rows=5,
        help_text="The mentor sees only this, the young person's name, age and lead professional. "
        "Share what mentoring needs, nothing more.",
    )


class MatchForm(PlainEnglishForm):
    mentor = forms.ModelChoiceField(
        label="Mentor", queryset=Mentor.objects.none(), widget=forms.RadioSelect, empty_label=None
    )
    started_on = date_field("Start date")
    suitability_notes = text("Why this mentor suits this young person", 3000, required=True, rows=4)

    required_messages = {
        "mentor": "Choose a mentor",
        "started_on": "Enter the start date",
        "suitability_notes": "Enter why this mentor suits this young person",
    }

    def __init__(self, *args, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors
        self.fields["mentor"].error_messages["invalid_choice"] = "Choose one of the mentors listed"


class EndMatchForm(PlainEnglishForm):
    reason = radios("Why is the match ending?", EndReason.choices)
    note = text("More detail", 500, help_text="Needed if you chose Other.")
    ended_on = date_field("Date it ended")

    required_messages = {"reason": "Choose why the match is ending", "ended_on": "Enter the date it ended"}


class SessionForm(PlainEnglishForm):
    held_on = date_field("Date of the session")
    attended = radios("Did the young person come?", [("yes", "Yes"), ("no", "No, they did not come")])
    duration_minutes = forms.IntegerField(
        label="How long, in minutes", help_text="For example, 90 for an hour and a half."
    )
    activity = text("What you did", 200, required=True, help_text="For example, played football, went for food.")
    place_type = radios("Where", PlaceType.choices, help_text="The type of place, not the address.")
    mood = forms.TypedChoiceField(
        label="How did they seem?",
        choices=[(str(value), label) for value, label in Mood.choices],
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
        help_text="Optional.",
    )
    note = text("Short note", 1000, rows=3, help_text="Optional. No addresses or other people's names.")

    required_messages = {
        "held_on": "Enter the date of the session",
        "attended": "Say whether the young person came",
        "duration_minutes": "Enter how long the session lasted, in minutes",
        "activity": "Enter what you did",
        "place_type": "Choose the type of place",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["duration_minutes"]
        field.widget.attrs.update({"class": "govuk-input govuk-input--width-4", "inputmode": "numeric"})
        field.error_messages["invalid"] = "Enter the number of minutes, like 60"


class ConcernForm(PlainEnglishForm):
    what_happened = text(
        "What did you see or hear?",
        3000,
        required=True,
        rows=6,
        help_text="Use the young person's own words where you can. Say when it happened.",
    )

    required_messages = {"what_happened": "Enter what you saw or heard"}


class ConfirmForm(PlainEnglishForm):
    """A confirmation with nothing to fill in."""


class ReportForm(PlainEnglishForm):
    start = date_field("From")
    end = date_field("To")

    required_messages = {"start": "Enter the first day of the period", "end": "Enter the last day of the period"}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day must be on or after the first day")
        return data

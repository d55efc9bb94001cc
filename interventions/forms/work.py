"""Forms for interventions and family outcome plans (GOV.UK messages, lengths enforced)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from access import policy
from accounts.models import Agency, Membership
from cases.forms.contexts import PlainEnglishForm, radios, text
from interventions.models import GoalProgress, InterventionStatus, InterventionType
from interventions.services.work import lead_agencies
from safeguarding.forms import GovukDateField

OPEN_CHOICES = [(InterventionStatus.PLANNED, "Planned"), (InterventionStatus.ACTIVE, "Active")]
CLOSED_CHOICES = [(InterventionStatus.COMPLETED, "Completed"), (InterventionStatus.ENDED_EARLY, "Ended early")]
TYPE_MESSAGE = "Choose a type of intervention from the list"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def colleagues(user):
    """Active people with an editing role in one of the user's agencies."""
    agencies = Membership.objects.active().filter(user=user).values("agency_id")
    staff = Membership.objects.active().filter(
        user=OuterRef("pk"), agency_id__in=agencies, role__in=policy.EDITOR_ROLES
    )
    return get_user_model().objects.filter(Exists(staff), is_active=True).order_by("first_name", "last_name", "id")


class InterventionForm(PlainEnglishForm):
    intervention_type = forms.ModelChoiceField(
        label="Type of intervention", queryset=InterventionType.objects.none(), empty_label="Choose a type"
    )
    lead_agency = forms.ModelChoiceField(label="Lead agency", queryset=Agency.objects.none(), empty_label=None)
    lead_professional = PersonChoiceField(
        label="Lead professional",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Not yet assigned",
        help_text="Optional. Someone who works for the lead agency.",
    )
    started_on = GovukDateField(label="Start date", help_text="For example, 27 3 2025")
    planned_outcomes = text(
        "Planned outcomes",
        5000,
        required=True,
        rows=4,
        help_text="What should be different for the young person, family or context by the end.",
    )
    status = radios("Status", OPEN_CHOICES)
    ended_on = GovukDateField(label="End date", required=False, help_text="For example, 27 3 2025")
    outcome = text("Outcome", 5000, rows=4)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    required_messages = {
        "intervention_type": TYPE_MESSAGE,
        "lead_agency": "Choose the lead agency",
        "started_on": "Enter the start date",
        "planned_outcomes": "Enter the planned outcomes",
        "status": "Choose a status",
    }

    def __init__(self, *args, user, intervention=None, **kwargs):
        super().__init__(*args, **kwargs)
        types = InterventionType.objects.filter(is_active=True)
        agencies = Agency.objects.filter(pk__in=lead_agencies(user))
        people = colleagues(user)
        if intervention is not None:
            # Keep what the record already names even if it is no longer offered to new ones.
            types = InterventionType.objects.filter(pk=intervention.intervention_type_id) | types
            agencies = Agency.objects.filter(pk=intervention.lead_agency_id) | agencies
            if intervention.lead_professional_id:
                people = get_user_model().objects.filter(pk=intervention.lead_professional_id) | people
        self.fields["intervention_type"].queryset = types.distinct().order_by("label")
        self.fields["lead_agency"].queryset = agencies.distinct().order_by("name")
        self.fields["lead_professional"].queryset = people.distinct().order_by("first_name", "last_name", "id")
        self.fields["intervention_type"].error_messages["invalid_choice"] = TYPE_MESSAGE
        self.fields["lead_agency"].error_messages["invalid_choice"] = "Choose one of your own agencies"
        self.fields["lead_professional"].error_messages["invalid_choice"] = "Choose a person from the list"
        self.fields["status"].error_messages["invalid_choice"] = "Choose a status"
        self.closed = intervention is not None and intervention.status not in (
            InterventionStatus.PLANNED,
            InterventionStatus.ACTIVE,
        )
        if self.closed:
            self.fields["status"].choices = CLOSED_CHOICES
            self.fields["ended_on"].required = True
            self.fields["ended_on"].error_messages["required"] = "Enter the date the intervention ended"
            self.fields["outcome"].required = True
            self.fields["outcome"].error_messages["required"] = "Enter the outcome"
        else:
            del self.fields["ended_on"], self.fields["outcome"]
        if intervention is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True

    def clean(self):
        cleaned = super().clean()
        agency, person = cleaned.get("lead_agency"), cleaned.get("lead_professional")
        if agency and person and not Membership.objects.active().filter(user=person, agency=agency).exists():
            self.add_error("lead_professional", "Choose someone who works for the lead agency")
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", "The end date must be the same as or after the start date")
        return cleaned

    def changes(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class CloseInterventionForm(PlainEnglishForm):
    ended_on = GovukDateField(label="End date", help_text="For example, 27 3 2025")
    status = radios("How did it end?", CLOSED_CHOICES)
    outcome = text("Outcome", 5000, required=True, rows=5, help_text="What changed, and what happens next.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    required_messages = {
        "ended_on": "Enter the date the intervention ended",
        "status": "Choose completed or ended early",
        "outcome": "Enter the outcome",
    }

    def __init__(self, *args, started_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.started_on = started_on
        self.fields["status"].error_messages["invalid_choice"] = "Choose completed or ended early"

    def clean_ended_on(self):
        value = self.cleaned_data["ended_on"]
        if self.started_on and value < self.started_on:
            raise forms.ValidationError("The end date must be the same as or after the start date")
        return value


class InterventionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *InterventionStatus.choices], required=False
    )
    intervention_type = forms.ModelChoiceField(
        label="Type", queryset=InterventionType.objects.order_by("label"), required=False, empty_label="Any type"
    )
    date_from = GovukDateField(label="From", required=False, help_text="For example, 1 4 2025")
    date_to = GovukDateField(label="To", required=False, help_text="For example, 31 3 2026")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the period must be the same as or after its start")
        return cleaned


# Family outcome plans -----------------------------------------------------------------------------


class FamilyPlanForm(PlainEnglishForm):
    title = text("Title", 200, required=True, help_text="For example, 'A safer home and school for the Smiths'.")
    started_on = GovukDateField(label="Start date", help_text="For example, 27 3 2025")
    next_review_on = GovukDateField(label="Next review date", help_text="Today or later. For example, 27 6 2025")
    first_goal = text("First goal", 500, rows=3, help_text="Optional. You can add more goals on the plan's page.")

    required_messages = {
        "title": "Enter a title",
        "started_on": "Enter the start date",
        "next_review_on": "Enter the next review date",
    }


class FamilyGoalForm(PlainEnglishForm):
    description = text(
        "Goal", 500, required=True, rows=3, help_text="What should be different, for example 'Daily school attendance'."
    )

    required_messages = {"description": "Enter the goal"}


class FamilyReviewForm(PlainEnglishForm):
    reviewed_on = GovukDateField(label="Date of the review", help_text="For example, 27 3 2025")
    summary = text("Summary", 5000, required=True, rows=5, help_text="What the family and professionals agreed.")
    next_review_on = GovukDateField(
        label="Next review date", required=False, help_text="Optional. Today or later. For example, 27 6 2025"
    )

    required_messages = {"reviewed_on": "Enter the date of the review", "summary": "Enter a summary of the review"}

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for number, goal in enumerate(self.goals, start=1):
            name = f"goal_{goal.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"Progress on goal {number}: {goal.description}",
                choices=GoalProgress.choices,
                widget=forms.RadioSelect,
                initial=goal.progress,
                error_messages={
                    "required": f"Choose the progress made towards goal {number}",
                    "invalid_choice": f"Choose the progress made towards goal {number}",
                },
            )

    def goal_fields(self):
        return [self[f"goal_{goal.pk}"] for goal in self.goals]

    def progress(self) -> dict:
        return {goal.pk: self.cleaned_data[f"goal_{goal.pk}"] for goal in self.goals}

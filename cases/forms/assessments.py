"""Forms for context assessments and context plans (goals -> responses -> measures)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.formats import date_format

from access import policy
from accounts.models import Agency, Membership
from cases.forms.contexts import PlainEnglishForm, radios, text, today_or_later
from cases.models import ContextWeighting, PlanStatus, ResponseStatus
from safeguarding.forms import GovukDateField

# Structured sections of a context assessment, in the order they are shown.
ASSESSMENT_SECTIONS = (
    ("strengths", "Strengths", "What is working well here and keeps young people safe."),
    ("concerns", "Concerns", "What harm happens here, to whom, when, and what makes it possible."),
    ("guardianship", "Guardianship", "Who is looking out for young people here (staff, residents, others)."),
    ("physical_environment", "Physical environment", "Lighting, hidden spaces, routes in and out, CCTV."),
    ("policies", "Policies and practice", "How the organisations responsible for this place respond to harm."),
    ("young_peoples_views", "The young people's own views", "What young people say about this context."),
)


class AssessmentForm(PlainEnglishForm):
    strengths = text("Strengths", 10000, rows=5)
    concerns = text("Concerns", 10000, rows=5)
    guardianship = text("Guardianship", 10000, rows=5)
    physical_environment = text("Physical environment", 10000, rows=5)
    policies = text("Policies and practice", 10000, rows=5)
    young_peoples_views = text("The young people's own views", 10000, rows=5)
    weighting = radios(
        "How does harm in this context weigh against harm at home and in other contexts?",
        ContextWeighting.choices,
    )
    weighting_rationale = text("Why you weighed it this way", 5000, rows=4)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    required_messages = {"weighting": "Choose how this context weighs against home and other contexts"}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name, _label, hint in ASSESSMENT_SECTIONS:
            self.fields[name].help_text = hint
        self.fields["weighting"].error_messages["invalid_choice"] = self.required_messages["weighting"]
        if editing:
            self.fields["version"].required = True
        else:
            del self.fields["version"]

    def changes(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class ChildrenChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.given_name} {obj.family_name} ({obj.reference})"


CHILDREN_MESSAGE = "Choose young people linked to this context"


def children_field() -> ChildrenChoiceField:
    return ChildrenChoiceField(
        label="Young people this plan is for",
        help_text="Only young people linked to this context that you can see are listed. "
        "The plan will appear on their records.",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": CHILDREN_MESSAGE, "invalid_pk_value": CHILDREN_MESSAGE},
    )


class AssessmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        assessor = obj.assessor.get_full_name() or obj.assessor.get_username()
        return f"Started {date_format(obj.started_on, 'j F Y')} by {assessor} ({obj.get_status_display().lower()})"


class PlanForm(PlainEnglishForm):
    title = text("Title", 200, required=True, help_text="For example, 'Make the bus station safer after dark'.")
    review_on = GovukDateField(label="Review date", help_text="Today or later. For example, 27 6 2025")
    assessment = AssessmentChoiceField(
        label="Assessment this plan responds to", queryset=None, required=False, empty_label="No assessment"
    )
    children = children_field()

    required_messages = {"title": "Enter a title", "review_on": "Enter a review date"}

    def __init__(self, *args, assessments, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = assessments.select_related("assessor")
        self.fields["assessment"].error_messages["invalid_choice"] = "Choose an assessment of this context"
        self.fields["children"].queryset = children

    def clean_review_on(self):
        return today_or_later(self.cleaned_data["review_on"])


class PlanChildrenForm(PlainEnglishForm):
    children = children_field()

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = children


class PlanEditForm(PlainEnglishForm):
    title = text("Title", 200, required=True)
    status = radios("Status", PlanStatus.choices)
    review_on = GovukDateField(label="Review date", help_text="For example, 27 6 2025")
    version = forms.IntegerField(widget=forms.HiddenInput)

    required_messages = {"title": "Enter a title", "status": "Choose a status", "review_on": "Enter a review date"}

    def __init__(self, *args, current_review_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_review_on = current_review_on
        self.fields["status"].error_messages["invalid_choice"] = "Choose a status"

    def clean_review_on(self):
        value = self.cleaned_data["review_on"]
        # A plan whose review date has passed can still be closed without inventing a new date.
        if value != self.current_review_on:
            today_or_later(value)
        return value

    def changes(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class GoalForm(PlainEnglishForm):
    description = text(
        "Goal",
        500,
        required=True,
        rows=3,
        help_text="What should be different, for example 'No assaults on the route'.",
    )

    required_messages = {"description": "Enter the goal"}


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ResponseForm(PlainEnglishForm):
    action = text("Action", 500, required=True, rows=3, help_text="What will be done.")
    owner_agency = forms.ModelChoiceField(label="Agency responsible", queryset=Agency.objects.none())
    owner = OwnerChoiceField(
        label="Person responsible",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Not yet assigned",
        help_text="Optional. Someone who works for the agency responsible.",
    )
    measure = text("Measure", 500, required=True, rows=2, help_text="How we will know it has worked.")
    review_on = GovukDateField(label="Review date", help_text="Today or later. For example, 27 6 2025")

    required_messages = {
        "action": "Enter the action",
        "owner_agency": "Choose the agency responsible",
        "measure": "Enter how you will know it has worked",
        "review_on": "Enter a review date",
    }

    def __init__(self, *args, default_agency=None, **kwargs):
        if default_agency is not None:
            kwargs.setdefault("initial", {"owner_agency": default_agency})
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.filter(is_active=True).order_by("name")
        self.fields["owner_agency"].error_messages["invalid_choice"] = "Choose the agency responsible"
        staff = Membership.objects.active().filter(user=OuterRef("pk"), role__in=policy.EDITOR_ROLES)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(Exists(staff), is_active=True).order_by("first_name", "last_name", "id")
        )
        self.fields["owner"].error_messages["invalid_choice"] = "Choose a person from the list"

    def clean_review_on(self):
        return today_or_later(self.cleaned_data["review_on"])

    def clean(self):
        cleaned = super().clean()
        owner, agency = cleaned.get("owner"), cleaned.get("owner_agency")
        if owner and agency and not Membership.objects.active().filter(user=owner, agency=agency).exists():
            self.add_error("owner", "Choose someone who works for the agency responsible")
        return cleaned


class ResponseStatusForm(PlainEnglishForm):
    status = forms.ChoiceField(label="Status", choices=ResponseStatus.choices)

    required_messages = {"status": "Choose a status"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].error_messages["invalid_choice"] = "Choose a status"

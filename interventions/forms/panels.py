from django import forms
from django.utils import timezone

from accounts.models import Agency, User
from cases.models import Child, Context
from interventions.models import ActionStatus, AgendaItem
from safeguarding.forms import GovukDateField, GovukForm


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class ContextChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Context) -> str:
        return f"{obj.name} ({obj.reference})"


class AgendaItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AgendaItem) -> str:
        subject = obj.child or obj.context
        if obj.child_id:
            return f"{subject.given_name} {subject.family_name} ({subject.reference})"
        return f"{subject.name} ({subject.reference})"


class PeriodForm(GovukForm):
    start = GovukDateField(label="From", required=False, help_text="For example, 1 4 2026")
    end = GovukDateField(label="To", required=False, help_text="For example, 30 6 2026")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end of the period must be the same as or after the start")
        return data


class MeetingForm(GovukForm):
    held_on = GovukDateField(label="Date of the meeting", help_text="For example, 27 3 2026")
    agencies_present = forms.ModelMultipleChoiceField(
        label="Agencies present",
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(label="Notes (optional)", widget=forms.Textarea, max_length=20000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].error_messages["required"] = "Enter the date of the meeting"

    def clean_held_on(self):
        value = self.cleaned_data["held_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("The meeting date must be today or in the past")
        return value


class AgendaItemForm(GovukForm):
    child_reference = forms.CharField(
        label="Young person's reference",
        help_text="The reference on their record. Leave blank to add a context instead",
        max_length=30,
        required=False,
    )
    context = ContextChoiceField(
        label="Or a context", queryset=Context.objects.none(), required=False, empty_label="No context"
    )
    discussion = forms.CharField(label="Discussion", widget=forms.Textarea, max_length=10000, required=False)
    decision = forms.CharField(label="Decision", widget=forms.Textarea, max_length=5000, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["context"].queryset = Context.objects.visible_to(user).order_by("name")
        self.fields["context"].error_messages["invalid_choice"] = "Choose a context you can see"

    def clean(self):
        data = super().clean()
        reference = (data.get("child_reference") or "").strip().upper()
        context = data.get("context")
        data["child"] = None
        if reference and context:
            self.add_error("child_reference", "Enter a young person or choose a context, not both")
        elif reference:
            child = Child.objects.visible_to(self.user).filter(reference__iexact=reference).first()
            if child is None:
                self.add_error("child_reference", "Enter the reference of a young person you can see")
            data["child"] = child
        elif not context and "context" not in self.errors:
            self.add_error("child_reference", "Enter a young person's reference or choose a context")
        return data


class ActionForm(GovukForm):
    description = forms.CharField(label="Action", widget=forms.Textarea(attrs={"rows": 3}), max_length=500)
    owner = UserChoiceField(label="Owner", queryset=User.objects.none(), empty_label="Choose who owns it")
    owner_agency = forms.ModelChoiceField(
        label="Owning agency", queryset=Agency.objects.none(), empty_label="Choose an agency"
    )
    due_on = GovukDateField(label="Due date", help_text="For example, 27 3 2026")
    agenda_item = AgendaItemChoiceField(
        label="Agenda item (optional)", queryset=AgendaItem.objects.none(), required=False, empty_label="None"
    )

    def __init__(self, *args, owners=None, agencies=None, agenda=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self.fields["owner_agency"].queryset = agencies if agencies is not None else Agency.objects.none()
        self.fields["agenda_item"].queryset = agenda if agenda is not None else AgendaItem.objects.none()
        messages = {
            "description": {"required": "Describe the action"},
            "owner": {"required": "Choose who owns the action", "invalid_choice": "Choose who owns the action"},
            "owner_agency": {
                "required": "Choose the agency that owns the action",
                "invalid_choice": "Choose an agency present at the meeting",
            },
            "due_on": {"required": "Enter a due date"},
            "agenda_item": {"invalid_choice": "Choose an item on this meeting's agenda"},
        }
        for name, field_messages in messages.items():
            self.fields[name].error_messages.update(field_messages)

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if value and value < timezone.localdate():
            raise forms.ValidationError("The due date must be today or in the future")
        return value


STATUS_CHANGES = {
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
    ActionStatus.OPEN: "Open again",
}


def status_changes(current: str) -> list[tuple[str, str]]:
    """The statuses an action can move to from `current`, after an empty first choice: nothing is
    changed (and nothing closed) unless the user picks one."""
    return [
        ("", "Choose a new status"),
        *((value, label) for value, label in STATUS_CHANGES.items() if value != current),
    ]


class ActionStatusForm(GovukForm):
    status = forms.ChoiceField(label="New status")

    def __init__(self, *args, current: str = ActionStatus.OPEN, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = status_changes(current)
        self.fields["status"].error_messages.update(
            {"required": "Choose the new status", "invalid_choice": "Choose a new status from the list"}
        )


class TaskCloseForm(GovukForm):
    outcome = forms.ChoiceField(
        label="What happened",
        choices=[("done", "Mark done"), ("not_offered", "Record a decision not to offer")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason (required if not offered)", widget=forms.Textarea, max_length=5000, required=False
    )

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].error_messages.update(
            {"required": "Choose what happened", "invalid_choice": "Choose what happened"}
        )
        if task is not None and task.missing_episode_id:
            # Done means the interview is recorded, on the missing episode's page.
            self.fields["outcome"].choices = [("not_offered", "Record a decision not to offer")]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "not_offered" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for deciding not to offer a return home interview")
        return data

from django import forms
from django.utils import timezone

from access import policy
from accounts.models import Membership, User
from areas.forms import NeighbourhoodChoiceField, ethnicity_field, gender_field
from cases.models import ChildStatus, Context, ContextKind, LinkRole, PeerRelationship, Reliability
from cases.models.children import (
    Over18Reason,
    check_age,
    validate_date_of_birth,
    validate_nhs_number,
    validate_upn,
)
from safeguarding.forms import GovukDateField, GovukForm

IDENTIFIER_FIELDS = ("upn", "nhs_number", "police_id")
IDENTIFIER_LABELS = {"upn": "unique pupil number", "nhs_number": "NHS number", "police_id": "police reference"}


def identifier_taken_message(field: str) -> str:
    return (
        f"A young person with this {IDENTIFIER_LABELS[field]} is already recorded. "
        "Ask the partnership's data team or use emergency access"
    )


def compact(value: str) -> str:
    return "".join(value.split()).upper()


class ContextChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Context) -> str:
        return f"{obj.name} ({obj.reference})"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class ChildDetailsForm(GovukForm):
    """The fields a child's record shares between 'add' and 'change'."""

    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 2009")
    over_18_reason = forms.ChoiceField(
        label="If they are 18 or over, why are they recorded?",
        help_text="Young people are recorded up to 18, or up to 25 for care leavers and young people with "
        "special educational needs",
        choices=[("", "They are under 18"), *Over18Reason.choices],
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose a reason from the list"},
    )
    gender = gender_field()
    ethnicity = ethnicity_field()
    neighbourhood = NeighbourhoodChoiceField(label="Neighbourhood where they live (optional)")
    looked_after = forms.BooleanField(label="In care (looked after by the local authority)", required=False)
    upn = forms.CharField(
        label="Unique pupil number (optional)",
        help_text="13 characters, like A123456789012",
        max_length=20,
        required=False,
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)", help_text="10 digits, like 943 476 5919", max_length=14, required=False
    )
    police_id = forms.CharField(label="Police reference (optional)", max_length=30, required=False)
    school = ContextChoiceField(
        label="School or education provider (optional)",
        queryset=Context.objects.none(),
        required=False,
        empty_label="Not known or none",
        error_messages={"invalid_choice": "Choose a school from the list"},
    )

    error_messages_by_field = {
        "given_name": {"required": "Enter a given name"},
        "family_name": {"required": "Enter a family name"},
        "date_of_birth": {"required": "Enter a date of birth"},
    }

    def __init__(self, *args, user=None, child=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.child = child
        for name, messages in self.error_messages_by_field.items():
            self.fields[name].error_messages.update(messages)
        if user is not None:
            from cases import queries

            schools = queries.visible_contexts(user).filter(kind=ContextKind.SCHOOL)
            if child is not None and child.school_id:
                # Keep the school already recorded, even if this user's agencies do not work with it.
                schools = Context.objects.filter(pk__in=schools.values("pk")) | Context.objects.filter(
                    pk=child.school_id
                )
            self.fields["school"].queryset = schools.order_by("name", "id")

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        validate_date_of_birth(value)
        return value

    def clean(self):
        cleaned = super().clean()
        born, reason = cleaned.get("date_of_birth"), cleaned.get("over_18_reason", "")
        unchanged = self.child is not None and (born, reason) == (self.child.date_of_birth, self.child.over_18_reason)
        if born and "over_18_reason" in cleaned and not unchanged:
            try:
                check_age(cleaned["date_of_birth"], cleaned["over_18_reason"])
            except forms.ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return cleaned

    def clean_upn(self):
        value = compact(self.cleaned_data["upn"])
        if value:
            validate_upn(value)
        return value

    def clean_nhs_number(self):
        value = compact(self.cleaned_data["nhs_number"])
        if value:
            validate_nhs_number(value)
        return value

    def clean_police_id(self):
        return compact(self.cleaned_data["police_id"])

    def identifiers(self) -> dict:
        return {field: self.cleaned_data.get(field, "") for field in IDENTIFIER_FIELDS}


class ChildCreateForm(ChildDetailsForm):
    confirm_different = forms.BooleanField(
        label="This is a different young person from the records listed above", required=False
    )


class ChildForm(ChildDetailsForm):
    """Change a child's record. `version` is the one the user started from (the version check)."""

    status = forms.ChoiceField(label="Status", choices=ChildStatus.choices)
    lead_professional = UserChoiceField(
        label="Lead professional (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not assigned",
        error_messages={"invalid_choice": "Choose a lead professional from the list"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, user=None, child=None, **kwargs):
        super().__init__(*args, user=user, child=child, **kwargs)
        if user is not None:
            agencies = Membership.objects.active().filter(user=user).values("agency_id")
            colleagues = Membership.objects.active().filter(agency_id__in=agencies, role__in=policy.EDITOR_ROLES)
            people = User.objects.filter(is_active=True, pk__in=colleagues.values("user_id"))
            if child is not None and child.lead_professional_id:
                people = people | User.objects.filter(pk=child.lead_professional_id)
            self.fields["lead_professional"].queryset = people.order_by("first_name", "last_name", "username")


class ChildSearchForm(GovukForm):
    name = forms.CharField(label="Name or part of a name", max_length=200, required=False)
    date_of_birth = GovukDateField(label="Date of birth", required=False, help_text="For example, 27 3 2009")
    identifier = forms.CharField(
        label="Reference or identifier",
        help_text="Partnership reference, unique pupil number, NHS number or police reference",
        max_length=30,
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(key) for key in ("name", "date_of_birth", "identifier")):
            raise forms.ValidationError("Enter a name, a date of birth or an identifier to search")
        return cleaned


class BreakGlassForm(GovukForm):
    reference = forms.CharField(
        label="Partnership reference", max_length=20, error_messages={"required": "Enter the partnership reference"}
    )
    date_of_birth = GovukDateField(
        label="Date of birth", help_text="For example, 27 3 2009", error_messages={"required": "Enter a date of birth"}
    )
    reason = forms.CharField(
        label="Why do you need to see this record now?",
        help_text="Your reason is recorded and sent to the data protection officer.",
        min_length=20,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"min_length": "Give a reason of at least 20 characters", "required": "Enter a reason"},
    )
    hours = forms.TypedChoiceField(
        label="How long do you need access?",
        coerce=int,
        choices=[(1, "1 hour"), (4, "4 hours"), (8, "8 hours"), (24, "24 hours")],
        initial=1,
    )


class AliasForm(GovukForm):
    name = forms.CharField(
        label="Other name",
        help_text="A street name, nickname, previous surname or other spelling",
        max_length=200,
        error_messages={"required": "Enter the other name", "max_length": "Other name must be 200 characters or fewer"},
    )
    note = forms.CharField(
        label="Note (optional)",
        help_text="For example, who uses this name",
        max_length=200,
        required=False,
        error_messages={"max_length": "Note must be 200 characters or fewer"},
    )

    def clean_name(self):
        value = self.cleaned_data["name"].strip()
        if not value:
            raise forms.ValidationError("Enter the other name")
        return value


class DateRangeMixin:
    """`since` (not in the future) and an optional `until` on or after it."""

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and since > timezone.localdate():
            self.add_error("since", "The start date must be today or in the past")
        if since and until and until < since:
            self.add_error("until", "The end date must be the same as or after the start date")
        return cleaned


class ContextLinkForm(DateRangeMixin, GovukForm):
    """Link the child to a context they may see: a select grouped by kind of context."""

    context = forms.TypedChoiceField(
        label="Context",
        coerce=int,
        error_messages={"required": "Choose a context", "invalid_choice": "Choose a context from the list"},
    )
    role = forms.ChoiceField(
        label="How is the young person linked to it?",
        choices=[("", "Choose a role"), *LinkRole.choices],
        error_messages={"required": "Choose how the young person is linked", "invalid_choice": "Choose a role"},
    )
    since = GovukDateField(label="Since (optional)", required=False, help_text="For example, 1 9 2024")
    until = GovukDateField(label="Until (optional)", required=False, help_text="Leave empty if the link continues")
    reliability = forms.ChoiceField(label="How reliable is this information?", choices=Reliability.choices)
    note = forms.CharField(
        label="Note (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Note must be 500 characters or fewer"},
    )

    def __init__(self, *args, contexts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.contexts = {context.pk: context for context in contexts}
        groups: dict[str, list] = {}
        for context in contexts:
            groups.setdefault(context.get_kind_display(), []).append(
                (context.pk, f"{context.name} ({context.reference})")
            )
        self.fields["context"].choices = [("", "Choose a context"), *groups.items()]
        self.fields["reliability"].initial = Reliability.UNVERIFIED

    def clean_context(self):
        return self.contexts[self.cleaned_data["context"]]


class PeerLinkForm(DateRangeMixin, GovukForm):
    reference = forms.CharField(
        label="Partnership reference of the other young person",
        help_text="For example, CH-000123. You can only link young people your agencies work with.",
        max_length=20,
        error_messages={"required": "Enter the reference of the other young person"},
    )
    relationship = forms.ChoiceField(
        label="Relationship",
        choices=[("", "Choose a relationship"), *PeerRelationship.choices],
        error_messages={"required": "Choose the relationship", "invalid_choice": "Choose a relationship"},
    )
    since = GovukDateField(label="Since (optional)", required=False, help_text="For example, 1 9 2024")
    until = GovukDateField(label="Until (optional)", required=False, help_text="Leave empty if it continues")
    reliability = forms.ChoiceField(label="How reliable is this information?", choices=Reliability.choices)
    note = forms.CharField(
        label="Note (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Note must be 500 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reliability"].initial = Reliability.UNVERIFIED

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()

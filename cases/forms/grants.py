"""Forms of the access grant pages: grant a named user access to one young person, end it, and
filter the list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from cases.models import Child
from safeguarding.forms import GovukDateField, GovukForm
from safeguarding.pickers import MATCHES, SHORTEST_TERM, Picker, PickerMixin, clean_term

STATUS_CHOICES = [("current", "Current"), ("past", "Past (ended or expired)"), ("all", "All")]


def user_label(user: User) -> str:
    name = user.get_full_name()
    return f"{user.username} ({name})" if name else user.username


def find_users(_searcher: Any, term: str) -> list[User]:
    """Active users whose username or name holds every word of `term` (the staff a grant may be
    for; nothing about the young people, so nothing to audit). Nothing for a term under two characters."""
    term = clean_term(term)
    if len(term) < SHORTEST_TERM:
        return []
    every_word = Q()
    for word in term.split():
        every_word &= Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return list(User.objects.filter(is_active=True).filter(every_word).order_by("username")[:MATCHES])


class ActiveUserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return user_label(obj)


class GrantAccessForm(PickerMixin, GovukForm):
    # The user is found by username or name (an autocomplete with JavaScript), never chosen from a
    # list of every user; the answer's values are usernames.
    pickers = {"user": Picker(find_users, user_label, "a user", "cases:grant_find_users")}

    user = ActiveUserField(
        label="User",
        help_text="The person who needs to see the young person's record. Find them by username or name",
        queryset=User.objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the user who needs access",
            "invalid_choice": "Choose an active user from the list",
        },
    )
    reference = forms.CharField(
        label="Young person's reference",
        help_text="Their exact partnership reference, for example CH-000123.",
        max_length=20,
        error_messages={"required": "Enter the young person's reference"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Why this person needs to see the record, for example 'Seconded officer on the Topaz team'.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why this person needs to see this young person's record",
            "max_length": "The reason must be 2000 characters or fewer",
        },
    )
    ends_on = GovukDateField(
        label="Last day of access",
        help_text="Access stops at the end of this day: today or later, at most a year ahead. For example, 27 6 2026",
        error_messages={"required": "Enter the last day the access works"},
    )

    def __init__(self, *args: Any, searcher: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.narrow_pickers(searcher)

    def clean_reference(self) -> Child:
        reference = self.cleaned_data["reference"].strip()
        child = Child.objects.filter(reference__iexact=reference).only("pk", "reference").first() if reference else None
        if child is None:
            raise forms.ValidationError("No young person has that reference. Check it and try again")
        return child

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter why this person needs to see this young person's record")
        return reason

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        if ends_on is None:
            raise forms.ValidationError("Enter the last day the access works")
        if ends_on < timezone.localdate():
            raise forms.ValidationError("The last day must be today or in the future")
        return ends_on


class EndAccessForm(GovukForm):
    end_reason = forms.CharField(
        label="Why is this access ending?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the access is ending",
            "max_length": "The reason must be 2000 characters or fewer",
        },
    )

    def clean_end_reason(self) -> str:
        reason = self.cleaned_data["end_reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter why the access is ending")
        return reason


class GrantFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)

    def status_value(self) -> str:
        if self.is_valid() and self.cleaned_data["status"]:
            return self.cleaned_data["status"]
        return "current"

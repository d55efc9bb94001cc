"""Forms for any chronology (a child's, a family's or a context's): quick add and filter."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from access import policy
from accounts.models import Agency, Membership
from cases.models import EventKind, Reliability
from cases.queries import ChronologyFilter
from safeguarding.forms import GovukDateField, GovukForm


class ChronologyEventForm(GovukForm):
    """One short form: date, type, summary, optional detail, reliability. The source agency is the
    user's own (a choice appears only for people who work for more than one agency)."""

    occurred_on = GovukDateField(
        label="Date of the event",
        help_text="For example, 27 3 2024",
        error_messages={"required": "Enter the date of the event"},
    )
    kind = forms.ChoiceField(
        label="Type of event",
        help_text="A young person going missing: use ‘Record a missing episode’ on their page instead, "
        "which keeps the times, the return and the return home interview",
        choices=[("", "Choose a type of event"), *EventKind.choices],
        error_messages={
            "required": "Choose the type of event",
            "invalid_choice": "Choose a type of event from the list",
        },
    )
    summary = forms.CharField(
        label="Summary",
        help_text="One line, up to 300 characters",
        max_length=300,
        error_messages={
            "required": "Enter a summary of what happened",
            "max_length": "Summary must be 300 characters or fewer",
        },
    )
    detail = forms.CharField(
        label="More detail (optional)",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "More detail must be 10,000 characters or fewer"},
    )
    reliability = forms.ChoiceField(
        label="How reliable is this information?",
        choices=Reliability.choices,
        initial=Reliability.CONFIRMED,
        error_messages={"invalid_choice": "Choose how reliable the information is from the list"},
    )
    source_agency = forms.ModelChoiceField(
        label="Recorded for",
        queryset=Agency.objects.none(),
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of your own agencies"},
    )

    def __init__(self, user, *args, earliest: date | None = None, earliest_message: str = "", **kwargs):
        kwargs.setdefault("auto_id", "event-%s")
        super().__init__(*args, **kwargs)
        self.earliest = earliest
        self.earliest_message = earliest_message or "The date must be on or after the young person's date of birth"
        agencies = [
            membership.agency
            for membership in Membership.objects.active()
            .filter(user=user, role__in=policy.EDITOR_ROLES)
            .select_related("agency")
            .order_by("id")
        ]
        if len(agencies) > 1:
            self.fields["source_agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
            self.fields["source_agency"].initial = agencies[0].pk
        else:
            del self.fields["source_agency"]

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date of the event must be today or in the past")
        if self.earliest and value < self.earliest:
            raise forms.ValidationError(self.earliest_message)
        return value

    @property
    def shows_source_agency(self) -> bool:
        return "source_agency" in self.fields

    def event_fields(self) -> dict:
        """cleaned_data ready for cases.services.chronology.add_event."""
        fields = dict(self.cleaned_data)
        if not fields.get("source_agency"):
            fields.pop("source_agency", None)
        return fields


class ChronologyFilterForm(GovukForm):
    """Filters travel as GET parameters: kinds, an agency id and dates only (never names)."""

    kind = forms.MultipleChoiceField(
        label="Type of event",
        choices=EventKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "govuk-checkboxes__input"}),
    )
    agency = forms.ModelChoiceField(
        label="Source agency", queryset=Agency.objects.order_by("name"), required=False, empty_label="Any agency"
    )
    since = GovukDateField(label="From", required=False, help_text="For example, 1 1 2024")
    until = GovukDateField(label="To", required=False, help_text="For example, 31 12 2024")

    PARAMETERS = ("kind", "agency", "since_day", "since_month", "since_year", "until_day", "until_month", "until_year")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "chronology-filter-%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The ‘to’ date must be the same as or after the ‘from’ date")
        return cleaned

    def to_filter(self) -> ChronologyFilter:
        """The valid parts of the filter (an invalid part is shown as an error and ignored)."""
        if not self.is_bound:
            return ChronologyFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        agency = data.get("agency")
        return ChronologyFilter(
            kinds=list(data.get("kind") or []),
            agency_id=agency.pk if agency else None,
            since=data.get("since"),
            until=data.get("until") if "until" not in self.errors else None,
        )

    @property
    def is_active(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.PARAMETERS)

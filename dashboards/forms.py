"""The scope and group choosers of the dashboards (GOV.UK date inputs and selects, plain English)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from cohorts.models import IndicatorDefinition, Tier
from dashboards import filters
from dashboards.filters import Scope
from interventions.models.work import Panel
from safeguarding.forms import GovukDateField, GovukForm

LONGEST_PERIOD_DAYS = 3660


def _choice(label: str, what: str) -> forms.ChoiceField:
    message = f"Choose {what} from the list"
    return forms.ChoiceField(
        label=label, required=False, error_messages={"invalid_choice": message, "required": message}
    )


class ScopeForm(GovukForm):
    start = GovukDateField(
        label="From", help_text="For example, 1 4 2026", error_messages={"required": "Enter the start date"}
    )
    end = GovukDateField(
        label="To", help_text="For example, 30 9 2026", error_messages={"required": "Enter the end date"}
    )
    area = _choice("Police area", "a police area")
    local_authority = _choice("Local authority", "a local authority")
    shared = forms.BooleanField(
        label="For sharing outside the partnership (counts of 1 to 4 are hidden)", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("area", filters.area_choices())
        self._choices("local_authority", filters.local_authority_choices())

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be the same as or after the start date")
        elif start and end and (end - start).days > LONGEST_PERIOD_DAYS:
            self.add_error("end", "The period must be 10 years or shorter")
        elif end and end > timezone.localdate():
            self.add_error("end", "The end date must be today or in the past")
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(data["start"], data["end"], data.get("area") or "", data.get("local_authority") or "")


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve months, to today."""
    today = today or timezone.localdate()
    return today - timedelta(days=364), today


def scope_form(query: Any, form_class: type[ScopeForm] = ScopeForm) -> Any:
    """The form for a request's query string; the default period when nothing was asked."""
    if any(key.startswith(("start", "end")) for key in query):
        return form_class(query)
    start, end = default_period()
    initial = {
        f"{name}_{part}": getattr(value, part)
        for name, value in (("start", start), ("end", end))
        for part in ("day", "month", "year")
    }
    return form_class({**initial, **{key: query.get(key) for key in query}})


class GroupKind:
    TIER = "tier"
    PANEL = "panel"
    INDICATOR = "indicator"
    CHOICES = [
        (TIER, "Children in a tier at the end of the period"),
        (PANEL, "Children discussed by a panel in the period"),
        (INDICATOR, "Children with an indicator recorded in the period"),
    ]


class GroupForm(ScopeForm):
    group = forms.ChoiceField(
        label="Group of children",
        choices=GroupKind.CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a group of children", "invalid_choice": "Choose a group of children"},
    )
    tier = forms.ChoiceField(
        label="Tier",
        required=False,
        choices=[("", "Any tier"), *Tier.choices],
        error_messages={"invalid_choice": "Choose a tier from the list"},
    )
    panel = _choice("Panel", "a panel")
    indicator = _choice("Indicator", "an indicator")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices(
            "panel",
            [
                ("", "Choose a panel"),
                *((str(pk), name) for pk, name in Panel.objects.values_list("pk", "name")),
            ],
        )
        codes = IndicatorDefinition.objects.order_by("code").values_list("code", "label").distinct()
        seen: dict[str, str] = {}
        for code, label in codes:
            seen.setdefault(code, label)
        self._choices("indicator", [("", "Choose an indicator"), *seen.items()])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("group") == GroupKind.PANEL and not data.get("panel"):
            self.add_error("panel", "Choose a panel")
        if data.get("group") == GroupKind.INDICATOR and not data.get("indicator"):
            self.add_error("indicator", "Choose an indicator")
        return data

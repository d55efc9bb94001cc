"""Choosing one or more records without listing every record the user may see (GOV.UK's
accessible autocomplete over a search that works without JavaScript).

A picker is a choice field whose queryset (everything the user may see) still validates what is
posted, but whose page shows only what is already chosen and the matches for a search typed
beside it (`<field>_search`, sent with the "Find" button: name="find", value=<field>). It works
without JavaScript; with it, static/js/pickers.mjs makes the search box an `accessible-autocomplete`
over the picker's JSON endpoint (POST `q`; the answer's ids are the field's values). The template is
templates/includes/picker.html. The police forms' pickers are in interventions/forms/pickers.py, the
access grant form's user picker in cases/forms/grants.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.urls import reverse
from django.utils.http import urlencode

MATCHES = 10
SHORTEST_TERM = 2


def clean_term(term: Any) -> str:
    return " ".join(str(term or "").split())[:100]


class Picker:
    """How to find and label a picker's records; `url_name` names its JSON endpoint (POST `q`),
    which the autocomplete asks as the user types."""

    def __init__(
        self, find: Callable[..., list[Any]], label: Callable[[Any], str], noun: str, url_name: str, **filters: Any
    ):
        self.find, self.label, self.noun, self.url_name, self.filters = find, label, noun, url_name, filters


class PickerMixin:
    """For a form with pickers: `pickers` maps a field name to its Picker. Call
    `narrow_pickers(user)` at the end of __init__, once the fields' querysets are set."""

    pickers: dict[str, Picker] = {}
    fields: dict[str, Any]
    data: Any
    initial: dict[str, Any]
    is_bound: bool

    def narrow_pickers(self, user) -> None:
        self.finding = self.data.get("find", "") if self.is_bound else ""
        self.picker_matches: dict[str, list[Any]] = {}
        for name, picker in self.pickers.items():
            field = self.fields[name]
            search = self.fields[f"{name}_search"] = forms.CharField(
                label=f"Find {picker.noun}",
                help_text="A name or a reference",
                required=False,
                max_length=100,
                widget=forms.TextInput(attrs={"class": "govuk-input govuk-!-width-two-thirds", "type": "search"}),
            )
            query = f"?{urlencode(picker.filters)}" if picker.filters else ""
            search.find_url = reverse(picker.url_name) + query  # type: ignore[attr-defined]  # for the template
            key = getattr(field, "to_field_name", None) or "pk"
            chosen_values = self._chosen_values(name, key)
            chosen = list(field.queryset.filter(**{f"{key}__in": chosen_values})) if chosen_values else []
            matches = []
            if self.finding == name:
                matches = picker.find(user, self.data.get(f"{name}_search", ""), **picker.filters)
            self.picker_matches[name] = matches
            shown: dict[Any, str] = {}
            for record in [*chosen, *matches]:
                shown.setdefault(getattr(record, key), picker.label(record))
            single = isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField)
            empty = [("", field.empty_label)] if single and field.empty_label is not None else []
            field.widget.choices = [*empty, *shown.items()]

    def _chosen_values(self, name: str, key: str) -> list[Any]:
        """The values chosen (posted, or the initial ones): ids, or the field's `to_field_name`."""
        if self.is_bound:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]
        else:
            initial = self.initial.get(name, self.fields[name].initial)
            values = initial if isinstance(initial, list | tuple) else [initial]
        if key != "pk":
            return [str(value)[:200] for value in values if value]
        return [int(value) for value in values if str(value or "").isdigit() and len(str(value)) <= 18]

    @property
    def is_finding(self) -> bool:
        """The user pressed a "Find" button: show the matches, save nothing, and no errors yet."""
        return bool(getattr(self, "finding", "")) and self.finding in self.pickers

    def hold_errors(self) -> None:
        self._errors = ErrorDict()

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # a mixin for a Django form
        for name in self.pickers:
            self.cleaned_data.pop(f"{name}_search", None)  # type: ignore[attr-defined]

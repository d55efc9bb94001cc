"""Choosing young people, contexts and persons of concern without listing every record the user may see.

A picker is a choice field whose queryset (everything the user may see) still validates what is
posted, but whose page shows only what is already chosen and the matches for a search typed
beside it (`<field>_search`, sent with the "Find" button: name="find", value=<field>). It works
without JavaScript; with it, static/js/pickers.mjs makes the search box an `accessible-autocomplete`
over the picker's JSON endpoint (interventions.views.police.find_*: the same search, audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.urls import reverse
from django.utils.http import urlencode

from access import lookups
from cases.models import Child, Context
from cases.queries import ChildSearch, search_children
from interventions.models import PersonOfConcern

MATCHES = 10
SHORTEST_TERM = 2


def child_label(child: Child) -> str:
    return f"{child.given_name} {child.family_name} ({child.reference})"


def context_label(context: Context) -> str:
    return f"{context.name} ({context.reference})"


def clean_term(term: Any) -> str:
    return " ".join(str(term or "").split())[:100]


def find_children(user, term: str) -> list[Child]:
    """Young people the user may see whose name (or other name) or any identifier matches; the
    search is audited (cases.queries.search_children). Nothing for a term under two characters."""
    term = clean_term(term)
    if len(term) < SHORTEST_TERM:
        return []
    if any(char.isdigit() for char in term) and " " not in term:
        by_identifier = search_children(user, ChildSearch(identifier=term), limit=MATCHES)
        if by_identifier:
            return by_identifier
    return search_children(user, ChildSearch(name=term), limit=MATCHES)


def find_contexts(user, term: str, **filters: Any) -> list[Context]:
    term = clean_term(term)
    if len(term) < SHORTEST_TERM:
        return []
    contexts = Context.objects.visible_to(user).filter(**filters)
    results = list(
        contexts.filter(Q(name__icontains=term) | Q(reference__iexact=term)).order_by("name", "id")[:MATCHES]
    )
    lookups.searched(user, Context, {"name": term}, results)
    return results


def person_label(person: PersonOfConcern) -> str:
    return f"{person.given_name} {person.family_name} ({person.reference})"


def find_persons(user, term: str) -> list[PersonOfConcern]:
    """Persons of concern the user may see (police only) by name, street name or reference; audited."""
    term = clean_term(term)
    if len(term) < SHORTEST_TERM:
        return []
    every_word = Q()
    for word in term.split():
        every_word &= Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(known_as__icontains=word)
    persons = PersonOfConcern.objects.visible_to(user).filter(Q(reference__iexact=term) | every_word)
    results = list(persons.order_by("family_name", "given_name", "id")[:MATCHES])
    lookups.searched(user, PersonOfConcern, {"name": term}, results)
    return results


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
            chosen_ids = self._chosen_ids(name)
            chosen = list(field.queryset.filter(pk__in=chosen_ids)) if chosen_ids else []
            matches = []
            if self.finding == name:
                matches = picker.find(user, self.data.get(f"{name}_search", ""), **picker.filters)
            self.picker_matches[name] = matches
            shown: dict[int, str] = {}
            for record in [*chosen, *matches]:
                shown.setdefault(record.pk, picker.label(record))
            empty = (
                [("", field.empty_label)]
                if isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField)
                else []
            )
            field.widget.choices = [*empty, *shown.items()]

    def _chosen_ids(self, name: str) -> list[int]:
        if self.is_bound:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]
        else:
            initial = self.initial.get(name, self.fields[name].initial)
            values = initial if isinstance(initial, list | tuple) else [initial]
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

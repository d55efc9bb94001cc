"""What the police forms' pickers (safeguarding/pickers.py) find and how they label it: young
people, contexts and persons of concern the officer may see, each search audited; the JSON
endpoints are interventions.views.police.find_*."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from access import lookups
from cases.models import Child, Context
from cases.queries import ChildSearch, search_children
from interventions.models import PersonOfConcern
from safeguarding.pickers import MATCHES, SHORTEST_TERM, clean_term


def child_label(child: Child) -> str:
    return f"{child.given_name} {child.family_name} ({child.reference})"


def context_label(context: Context) -> str:
    return f"{context.name} ({context.reference})"


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

"""Matching the people in a data feed to the children and adults already recorded.

Set-based: the people of a whole file are matched at once against indexes (Python dicts) built
from a handful of queries, never one query per row. The rules, in order:

1. Identifiers (UPN, NHS number, police reference) that point at one existing child: the same
   person when the date of birth agrees, otherwise a review. Identifiers pointing at two different
   children: a review.
2. Normalised given + family name, date of birth and postcode (of one of the child's families)
   equal to exactly one child: the same person (unless that child holds a different identifier of
   a kind the row gives, which is a review).
3. Uncertain, so a review for a person to decide: the same name and date of birth at a different
   postcode; the same date of birth with given and family names that sound the same (Soundex of
   every word); several candidate children.
4. No candidate: a new person, a child when under 18 on the upload date, otherwise an adult.

Adults are matched by normalised name + date of birth among the adults of the row's household
family; without a household, to the only adult in the city with that name and date of birth.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.db import connection
from django.db.models import QuerySet

from cases.models import Adult, Child, ChildName, FamilyMember
from cases.names import normalise, phonetic

# Above this many values, loading a whole index in one query beats chunked IN lists.
LOAD_ALL_ABOVE = 3_000
CHUNK = 500


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_T = TypeVar("_T")

# A person's key: normalised "given family", date of birth, normalised postcode and the cleaned
# UPN, NHS number and police reference (person_key).
PersonKey = tuple[str, date, str, str, str, str]
# What the child index keeps of a child: (upn, nhs_number, police_id, date_of_birth).
ChildFacts = tuple[str, str, str, date]


def fast_normalise(text: str) -> str:
    """cases.names.normalise, with a quick path for plain ASCII (the same result)."""
    if text.isascii():
        lowered = text.lower()
        words = lowered.split()
        if "".join(words).isalnum():
            return " ".join(words)
        return " ".join(_NOT_ALNUM.sub(" ", lowered).split())
    return normalise(text)


def normalise_postcode(value: str) -> str:
    return "".join(value.split()).upper() if value else ""


def clean_identifier(value: str) -> str:
    """As cases.services stores them: no spaces, upper case."""
    return "".join(value.split()).upper() if value else ""


def phonetic_keys(normalised_name: str) -> str:
    return f" {' '.join(phonetic(word) for word in normalised_name.split())} "


def age_on(date_of_birth: date, on: date) -> int:
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


class Outcome:
    MATCHED = "matched"
    REVIEW = "review"
    NEW_CHILD = "new_child"
    ADULT = "adult"  # matched or created by the adult rules when households are known


@dataclass
class Person:
    """The rows of one file about one person (same names, date of birth, postcode and identifiers)."""

    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    upn: str
    nhs_number: str
    police_id: str
    name_key: str  # normalised "given family"
    rows: list[int] = field(default_factory=list)  # indexes into the caller's row list
    # (source_system, household_ref) -> postcode
    households: dict[tuple[str, str], str] = field(default_factory=dict)
    outcome: str = ""
    child_id: int | None = None
    adult_id: int | None = None
    candidate_id: int | None = None
    reason: str = ""
    # The postcode as sent, stripped: set by the PostgreSQL path (postgres.prepare_people) for its
    # reviews; absent otherwise (no default, not in __init__, repr or comparisons).
    raw_postcode: str = field(init=False, repr=False, compare=False)

    @property
    def identifiers(self) -> tuple[tuple[str, str], ...]:
        return tuple(
            (kind, value)
            for kind, value in (("upn", self.upn), ("nhs_number", self.nhs_number), ("police_id", self.police_id))
            if value
        )


IDENTIFIER_LABELS = {"upn": "unique pupil number", "nhs_number": "NHS number", "police_id": "police reference"}


def person_key(
    given_name: str,
    family_name: str,
    date_of_birth: date,
    postcode: str,
    upn: str,
    nhs_number: str,
    police_id: str,
) -> PersonKey:
    return (
        fast_normalise(f"{given_name} {family_name}"),
        date_of_birth,
        normalise_postcode(postcode),
        clean_identifier(upn),
        clean_identifier(nhs_number),
        clean_identifier(police_id),
    )


def _chunks(values: list[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# What the querysets in build_child_index select when they load everything, as plain SQL: on
# PostgreSQL a city's 100,000+ rows of each come back about twice as fast without the ORM's
# per-row work (the values are the same: ids, text and dates).
ALL_CHILDREN = "SELECT id, upn, nhs_number, police_id, date_of_birth FROM cases_child"
ALL_NAMES = (
    "SELECT n.child_id, n.normalised, n.phonetic_keys, c.date_of_birth FROM cases_childname n "
    "JOIN cases_child c ON c.id = n.child_id WHERE n.alias_id IS NULL"
)
ALL_MEMBERS = (
    "SELECT m.child_id, f.postcode FROM cases_familymember m JOIN cases_family f ON f.id = m.family_id "
    "WHERE m.child_id IS NOT NULL"
)


def _load_all(queryset: QuerySet[Any, tuple[Any, ...]], sql: str) -> Iterable[tuple[Any, ...]]:
    """Every row of a values_list queryset: by the equivalent SQL on PostgreSQL (dates come back as
    dates), through the ORM elsewhere (SQLite needs its converters)."""
    if connection.vendor != "postgresql":
        return queryset.iterator(chunk_size=20_000)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        fetched: list[tuple[Any, ...]] = cursor.fetchall()
        return fetched


@dataclass
class ChildIndex:
    by_identifier: dict[tuple[str, str], int]  # (kind, value) -> child id
    by_name_dob: dict[tuple[str, date], dict[int, set[str]]]  # (name_key, dob) -> {child id: set(postcodes)}
    by_sound_dob: dict[tuple[str, date], set[int]]  # (phonetic keys, dob) -> set(child ids)
    facts: dict[int, ChildFacts]  # child id -> (upn, nhs, police_id, dob)


@dataclass
class ChildRows:
    """What the child index is built from, as read from the database."""

    children: dict[int, tuple[int, str, str, str, date]]  # child id -> (id, upn, nhs, police_id, dob)
    names: list[tuple[int, str, str, date]]  # (child id, normalised name, phonetic keys, dob)
    members: list[tuple[int, str]]  # (child id, family postcode)


def build_child_index(persons: list[Person]) -> ChildIndex:
    """The children the file's people could be: by identifier, by name + date of birth (with their
    families' postcodes) and by sound + date of birth. A few queries whatever the file's size."""
    identifiers = {kind: {getattr(p, kind) for p in persons if getattr(p, kind)} for kind in IDENTIFIER_LABELS}
    dobs = {p.date_of_birth for p in persons}
    return index_children(load_children(identifiers, dobs), dobs)


def load_children(identifiers: dict[str, set[str]], dobs: set[date]) -> ChildRows:
    """The database part of build_child_index: the children with these identifiers (cleaned) or
    born on these dates, their names and their families' postcodes (everything, for a big file)."""
    sorted_identifiers = {kind: sorted(values) for kind, values in identifiers.items()}
    sorted_dobs = sorted(dobs)
    children = Child.objects.values_list("id", "upn", "nhs_number", "police_id", "date_of_birth")
    rows: dict[int, tuple[int, str, str, str, date]] = {}
    if sum(len(values) for values in sorted_identifiers.values()) + len(sorted_dobs) > LOAD_ALL_ABOVE:
        rows = {row[0]: row for row in _load_all(children, ALL_CHILDREN)}
    else:
        for kind, values in sorted_identifiers.items():
            for chunk in _chunks(values):
                rows.update((row[0], row) for row in children.filter(**{f"{kind}__in": chunk}))
        for dob_chunk in _chunks(sorted_dobs):
            rows.update((row[0], row) for row in children.filter(date_of_birth__in=dob_chunk))
    names = ChildName.objects.filter(alias__isnull=True).values_list(
        "child_id", "normalised", "phonetic_keys", "child__date_of_birth"
    )
    members = FamilyMember.objects.filter(child__isnull=False).values_list("child_id", "family__postcode")
    name_rows: list[tuple[int, str, str, date]]
    member_rows: list[tuple[int, str]]
    if len(sorted_dobs) > LOAD_ALL_ABOVE // 3:
        name_rows = list(_load_all(names, ALL_NAMES))
        member_rows = list(_load_all(members, ALL_MEMBERS))
    else:
        name_rows = [row for chunk in _chunks(sorted_dobs) for row in names.filter(child__date_of_birth__in=chunk)]
        ids = sorted({row[0] for row in name_rows})
        member_rows = [row for chunk in _chunks(ids) for row in members.filter(child_id__in=chunk)]
    # Children found by name alone (born on a wanted date) need their identifiers too.
    wanted_dobs = set(sorted_dobs)
    missing = sorted({row[0] for row in name_rows if row[3] in wanted_dobs} - rows.keys())
    for id_chunk in _chunks(missing):
        rows.update((row[0], row) for row in children.filter(id__in=id_chunk))
    return ChildRows(rows, name_rows, member_rows)


def index_children(loaded: ChildRows, dobs: set[date]) -> ChildIndex:
    """The Python part of build_child_index (no queries): safe to run beside a database statement."""
    by_identifier: dict[tuple[str, str], int]
    facts: dict[int, ChildFacts]
    by_identifier, facts = {}, {}
    for child_id, upn, nhs, police_id, dob in loaded.children.values():
        facts[child_id] = (upn, nhs, police_id, dob)
        if upn:
            by_identifier[("upn", clean_identifier(upn))] = child_id
        if nhs:
            by_identifier[("nhs_number", clean_identifier(nhs))] = child_id
        if police_id:
            by_identifier[("police_id", clean_identifier(police_id))] = child_id
    postcodes: defaultdict[int, set[str]] = defaultdict(set)
    for child_id, postcode in loaded.members:
        if postcode:
            postcodes[child_id].add(normalise_postcode(postcode))
    by_name_dob: defaultdict[tuple[str, date], dict[int, set[str]]] = defaultdict(dict)
    by_sound_dob: defaultdict[tuple[str, date], set[int]] = defaultdict(set)
    for child_id, normalised, keys, dob in loaded.names:
        if dob not in dobs or child_id not in facts:
            continue
        by_name_dob[(normalised, dob)][child_id] = postcodes.get(child_id, set())
        by_sound_dob[(keys, dob)].add(child_id)
    return ChildIndex(by_identifier, by_name_dob, by_sound_dob, facts)


def match_child(person: Person, index: ChildIndex, *, is_child: bool) -> None:
    """Set person.outcome (and child_id / candidate_id / reason) by rules 1-3; '' when no child
    candidate exists (the caller creates a child or treats the person as an adult)."""
    found: dict[int, list[str]] = {}
    for kind, value in person.identifiers:
        child_id = index.by_identifier.get((kind, value))
        if child_id is not None:
            found.setdefault(child_id, []).append(kind)
    if len(found) > 1:
        (first, kinds), (_second, other) = list(found.items())[:2]
        person.outcome, person.candidate_id = Outcome.REVIEW, first
        person.reason = (
            f"The {IDENTIFIER_LABELS[kinds[0]]} matches one young person and the "
            f"{IDENTIFIER_LABELS[other[0]]} another: check which one this is"
        )
        return
    if found:
        child_id, kinds = next(iter(found.items()))
        if index.facts[child_id][3] == person.date_of_birth:
            person.outcome, person.child_id = Outcome.MATCHED, child_id
        else:
            person.outcome, person.candidate_id = Outcome.REVIEW, child_id
            person.reason = f"The {IDENTIFIER_LABELS[kinds[0]]} matches but the date of birth is different"
        return
    if not is_child:
        return
    same_name = index.by_name_dob.get((person.name_key, person.date_of_birth), {})
    here = [child_id for child_id, postcodes in same_name.items() if person.postcode and person.postcode in postcodes]
    if len(here) == 1:
        child_id = here[0]
        conflict = _conflicting_identifier(person, index.facts[child_id])
        if conflict:
            person.outcome, person.candidate_id = Outcome.REVIEW, child_id
            person.reason = f"Same name, date of birth and postcode, but a different {IDENTIFIER_LABELS[conflict]}"
        else:
            person.outcome, person.child_id = Outcome.MATCHED, child_id
        return
    if len(here) > 1:
        person.outcome, person.candidate_id = Outcome.REVIEW, min(here)
        person.reason = f"{len(here)} young people have this name, date of birth and postcode"
        return
    if same_name:
        person.outcome, person.candidate_id = Outcome.REVIEW, min(same_name)
        person.reason = (
            "Same name and date of birth at a different postcode"
            if len(same_name) == 1
            else f"{len(same_name)} young people have this name and date of birth, at other postcodes"
        )
        return
    sounds = index.by_sound_dob.get((phonetic_keys(person.name_key), person.date_of_birth))
    if sounds:
        person.outcome, person.candidate_id = Outcome.REVIEW, min(sounds)
        person.reason = "Same date of birth and a name that sounds the same"
        return
    person.outcome = Outcome.NEW_CHILD


def _conflicting_identifier(person: Person, facts: ChildFacts) -> str:
    upn, nhs, police_id, _dob = facts
    for kind, theirs in (("upn", upn), ("nhs_number", nhs), ("police_id", police_id)):
        theirs = clean_identifier(theirs)
        ours = getattr(person, kind)
        if ours and theirs and ours != theirs:
            return kind
    return ""


def adult_index(
    family_ids: set[int], dobs: set[date]
) -> tuple[dict[tuple[int, str, date | None], int], dict[tuple[str, date | None], set[int]]]:
    """(family id, name key, dob) -> adult id for the adults of these families, and
    (name key, dob) -> set(adult ids) for adults anywhere born on these dates."""
    in_family: dict[tuple[int, str, date | None], int] = {}
    ids = sorted(family_ids)
    # (family id, adult id, given name, family name, date of birth); (adult id, given, family, dob)
    member_rows: Iterable[tuple[int, int, str, str, date | None]]
    adult_rows: Iterable[tuple[int, str, str, date | None]]
    if connection.vendor == "postgresql":
        # One statement each, with the ids and dates as arrays (the querysets below, chunked for
        # SQLite's limit on parameters, take a query per 2,000 families on a city-sized file).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT m.family_id, m.adult_id, a.given_name, a.family_name, a.date_of_birth "
                "FROM cases_familymember m JOIN cases_adult a ON a.id = m.adult_id WHERE m.family_id = ANY(%s)",
                [ids],
            )
            member_rows = cursor.fetchall()
            cursor.execute(
                "SELECT id, given_name, family_name, date_of_birth FROM cases_adult WHERE date_of_birth = ANY(%s)",
                [sorted(dobs)],
            )
            adult_rows = cursor.fetchall()
    else:
        members = FamilyMember.objects.filter(adult__isnull=False).values_list(
            "family_id", "adult_id", "adult__given_name", "adult__family_name", "adult__date_of_birth"
        )
        member_rows = (row for chunk in _chunks(ids, 2_000) for row in members.filter(family_id__in=chunk))
        adults = Adult.objects.values_list("id", "given_name", "family_name", "date_of_birth")
        if len(dobs) > LOAD_ALL_ABOVE // 3:
            adult_rows = (row for row in adults.iterator(chunk_size=20_000) if row[3] in dobs)
        else:
            adult_rows = (row for chunk in _chunks(sorted(dobs)) for row in adults.filter(date_of_birth__in=chunk))
    names: dict[tuple[str, str], str] = {}

    def name_key(given: str, family: str) -> str:
        key = names.get((given, family))
        if key is None:
            key = names[(given, family)] = fast_normalise(f"{given} {family}")
        return key

    for family_id, adult_id, given, family, dob in member_rows:
        in_family.setdefault((family_id, name_key(given, family), dob), adult_id)
    anywhere: defaultdict[tuple[str, date | None], set[int]] = defaultdict(set)
    for adult_id, given, family, dob in adult_rows:
        anywhere[(name_key(given, family), dob)].add(adult_id)
    return in_family, anywhere

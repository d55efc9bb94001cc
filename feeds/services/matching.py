"""Matching the people in a data feed to the children and adults already recorded, and to each
other (docs/feeds.md, "How people are matched").

Set-based: the people of a whole file are matched at once against indexes (Python dicts) built
from a handful of queries, never one query per row; `resolve_people` is the entry point of both
import paths. Against the children held (match_child):

1. Identifiers (UPN, NHS number, police reference) that point at one existing child: the same
   person when the date of birth agrees and the child holds no other value of a kind the row gives,
   otherwise a review. Identifiers pointing at two different children: a review.
2. Normalised given + family name, date of birth and postcode (of one of the child's families)
   equal to exactly one child: the same person (unless that child holds a different identifier of
   a kind the row gives, which is a review).
3. Uncertain, so a review for a person to decide: the same name and date of birth at a different
   postcode; the same date of birth with given and family names that sound the same (Soundex of
   every word); several candidate children.

Within the file (resolve_people), by dictionary look-ups on blocking keys only:

4. People sharing an identifier are one group: one person when their dates of birth, their other
   identifiers and (at least one of) their names agree; the others go to review.
5. New people with the same name, date of birth and postcode are one person unless their
   identifiers differ; a near match (same name and date of birth elsewhere, a name that sounds the
   same, a given name that sounds the same with the same date of birth at the same postcode or in
   the same household) goes to review against the first.
6. No identifier dropped: a new child gets its group's identifiers, a child held those it lacks
   (one value per kind, or a review).
7. No candidate: a new person, a child when under 18 on the upload date, otherwise an adult.

Adults (applying.Applier.resolve_adults) are matched by identifier (the only adult holding it, with
the same date of birth), then by normalised name + date of birth among the adults of the row's
household family; without a household, to the only adult in the city with that name and date of
birth; never to an adult holding another value of an identifier the row gives. What is uncertain
(an identifier with another date of birth or held by several adults, a clash of identifiers, several
or a sound-alike candidate) goes to review against the adult, as a child's does. They keep their
identifiers (adult_index loads what the adults hold).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar, cast

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


@lru_cache(maxsize=200_000)
def sound(word: str) -> str:
    """cases.names.phonetic, remembered (a file repeats its names)."""
    return phonetic(word)


def phonetic_keys(normalised_name: str) -> str:
    return f" {' '.join(sound(word) for word in normalised_name.split())} "


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
    candidate_id: int | None = None  # a review's candidate child
    candidate_adult_id: int | None = None  # or its candidate adult (exactly one of the two)
    reason: str = ""
    # The postcode as sent, stripped: set by the PostgreSQL path (postgres.prepare_people) for its
    # reviews; absent otherwise (no default, not in __init__, repr or comparisons).
    raw_postcode: str = field(init=False, repr=False, compare=False)
    # How many rows of the file are about this person: set by the PostgreSQL path (which keeps no
    # row list); len(rows) otherwise. See size().
    count: int = field(default=0, repr=False, compare=False)
    # Set by resolve_people. same_as: the person of this file this one was found to be (their rows
    # go to the same record). identity: on the person a group of rows resolves to, the identifiers
    # to store on the record (every one for a new child; those it lacks for a child held already).
    # candidate: for a review, the person of this file whose new record is the candidate.
    same_as: Person | None = field(default=None, repr=False, compare=False)
    identity: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    candidate: Person | None = field(default=None, repr=False, compare=False)
    # In review by name alone (no identifier of the row is held): see resolve_people.
    name_doubt: bool = field(default=False, repr=False, compare=False)
    # The gender and ethnicity codes the person's rows give (areas.demographics; "not recorded"
    # left out): a new child gets the one its rows agree on (applying.demographics_of).
    genders: set[str] = field(default_factory=set, repr=False, compare=False)
    ethnicities: set[str] = field(default_factory=set, repr=False, compare=False)

    def size(self) -> int:
        return self.count or len(self.rows)

    def root(self) -> Person:
        """The person this one resolves to (itself unless resolve_people found it the same as another)."""
        person = self
        while person.same_as is not None:
            person = person.same_as
        return person

    @property
    def identifiers(self) -> tuple[tuple[str, str], ...]:
        upn, nhs, police_id = self.upn, self.nhs_number, self.police_id
        if upn and not nhs and not police_id:  # the usual cases first: one identifier, or none
            return (("upn", upn),)
        if not upn and not nhs:
            return (("police_id", police_id),) if police_id else ()
        found: list[tuple[str, str]] = []
        if upn:
            found.append(("upn", upn))
        if nhs:
            found.append(("nhs_number", nhs))
        if police_id:
            found.append(("police_id", police_id))
        return tuple(found)


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
    # Every child born on a wanted date was read above, so each name index_children keeps has its
    # child's row (one added between the two reads is left out there).
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
    identifiers = person.identifiers
    for kind, value in identifiers:
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
        # Only an identifier of another kind than those that matched can differ.
        conflict = _conflicting_identifier(person, index.facts[child_id]) if len(identifiers) > len(kinds) else ""
        if index.facts[child_id][3] != person.date_of_birth:
            person.outcome, person.candidate_id = Outcome.REVIEW, child_id
            person.reason = f"The {IDENTIFIER_LABELS[kinds[0]]} matches but the date of birth is different"
        elif conflict:
            person.outcome, person.candidate_id = Outcome.REVIEW, child_id
            person.reason = (
                f"The {IDENTIFIER_LABELS[kinds[0]]} matches but the young person already has a different "
                f"{IDENTIFIER_LABELS[conflict]}"
            )
        else:
            person.outcome, person.child_id = Outcome.MATCHED, child_id
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
        person.outcome, person.candidate_id, person.name_doubt = Outcome.REVIEW, min(here), True
        person.reason = f"{len(here)} young people have this name, date of birth and postcode"
        return
    if same_name:
        person.outcome, person.candidate_id, person.name_doubt = Outcome.REVIEW, min(same_name), True
        person.reason = (
            "Same name and date of birth at a different postcode"
            if len(same_name) == 1
            else f"{len(same_name)} young people have this name and date of birth, at other postcodes"
        )
        return
    sounds = index.by_sound_dob.get((phonetic_keys(person.name_key), person.date_of_birth))
    if sounds:
        person.outcome, person.candidate_id, person.name_doubt = Outcome.REVIEW, min(sounds), True
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


# Resolving the people of one file against each other ---------------------------------------------

KINDS = ("upn", "nhs_number", "police_id")


def resolve_people(persons: list[Person], index: ChildIndex, apply_date: date) -> None:
    """Match every person of a file against the children held (match_child), then against each
    other, so a file never makes two records of one person nor drops an identifier. Sets each
    person's outcome (MATCHED, NEW_CHILD, ADULT or REVIEW), same_as, identity and candidate.

    Linear in the number of people: every comparison is a dictionary look-up on a blocking key
    (an identifier; a name or sound key with the date of birth; a postcode or household with the
    date of birth and the given name's sound), and a person is compared with the first person of
    each of its blocks only, never with every other member of a block.

    Both import paths call it with the same people (grouped by the same PersonKey), and it orders
    them itself, so both paths reach the same outcomes."""
    for person in persons:
        match_child(person, index, is_child=age_on(person.date_of_birth, apply_date) < 18)
    # Only the people who share identifiers, and the new children, are compared with others; they
    # alone are put in order (most people of a big file are neither). A group's outcome depends on
    # its own people only, so the groups are resolved in any order. Each group's people who
    # resolve to its anchor (the anchor first), for the near matches:
    groups: dict[int, list[Person]] = {}
    for cluster in _identifier_clusters(persons, index):
        members = _by_agreement(cluster)
        anchor = _resolve_cluster(members, index)
        groups[id(anchor)] = [anchor, *(p for p in members if p.same_as is anchor)]
    # New children by name, the groups with the most rows first (then in resolve order).
    new = sorted(
        (p for p in persons if p.outcome == Outcome.NEW_CHILD and p.same_as is None),
        key=lambda p: (-sum(m.size() for m in groups.get(id(p), (p,))), resolve_order(p)),
    )
    _near_matches(new, groups)
    _fill_identifiers(persons, groups, index)
    for person in persons:
        if not person.outcome:
            person.outcome = Outcome.ADULT


def _by_agreement(members: list[Person]) -> list[Person]:
    """The people of a group of shared identifiers, the most likely spelling first: the one whose
    given and family names most of the group's rows agree on (a misspelt row rarely repeats its
    slip), then in resolve order. Counted per word, so linear in the group's size."""
    given: defaultdict[str, int] = defaultdict(int)
    family: defaultdict[str, int] = defaultdict(int)
    for person in members:
        first, last = _name_words(person)
        given[first] += person.size()
        family[last] += person.size()

    def agreement(person: Person) -> int:
        first, last = _name_words(person)
        return given[first] + family[last]

    return sorted(members, key=lambda person: (-agreement(person), resolve_order(person)))


def resolve_order(person: Person) -> tuple[int, str, date, str, str, str, str]:
    """The person with the most rows first (most likely spelt right), then by PersonKey: a fixed
    order whatever the import path."""
    return (
        -person.size(),
        person.name_key,
        person.date_of_birth,
        person.postcode,
        person.upn,
        person.nhs_number,
        person.police_id,
    )


def _identifier_clusters(persons: list[Person], index: ChildIndex) -> list[list[Person]]:
    """The groups of two or more people linked by sharing an identifier (directly or through
    others). Union-find over positions, with the first person of each identifier.

    An identifier a child held already has links nobody: every person giving it was matched to
    that child or put in review by match_child (and _fill_identifiers keeps the values the file
    gives that child consistent), so people giving only such identifiers are skipped."""
    held = index.by_identifier
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.get(i, i) != i:
            parent[i] = parent.get(parent[i], parent[i])
            i = parent[i]
        return i

    first_with: dict[tuple[str, str], int] = {}
    for i, person in enumerate(persons):
        if not (person.upn or person.nhs_number or person.police_id):
            continue
        for identifier in person.identifiers:
            if identifier in held:
                continue
            j = first_with.setdefault(identifier, i)
            if j != i:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
                    parent.setdefault(min(a, b), min(a, b))
    # Only people joined to another are in parent, so every group has two or more.
    grouped: dict[int, list[Person]] = {}
    for i in parent:
        grouped.setdefault(find(i), []).append(persons[i])
    return list(grouped.values())


def _to_review(person: Person, anchor: Person, reason: str) -> None:
    """person goes to review against anchor's record (held, or new from this file)."""
    person.outcome, person.reason, person.same_as = Outcome.REVIEW, reason, None
    if anchor.outcome == Outcome.MATCHED:
        person.candidate_id, person.candidate = anchor.child_id, None
    else:
        person.candidate_id, person.candidate = None, anchor
    person.child_id = None


def _shared_label(person: Person, identity: dict[str, str]) -> str:
    for kind, value in person.identifiers:
        if identity.get(kind) == value:
            return IDENTIFIER_LABELS[kind]
    return IDENTIFIER_LABELS[person.identifiers[0][0]] if person.identifiers else "identifier"


def _conflict(person: Person, identity: dict[str, str]) -> str:
    """The first kind of identifier person gives with another value than identity's; ''."""
    return identifier_clash(dict(person.identifiers), identity)


def identifier_clash(ours: dict[str, str], theirs: dict[str, str]) -> str:
    """The first kind of identifier with a value on both sides that differs; ''."""
    for kind, value in ours.items():
        other = theirs.get(kind)
        if other and other != value:
            return kind
    return ""


def _name_words(person: Person) -> tuple[str, str]:
    words = person.name_key.split()
    return (words[0], words[-1]) if words else ("", "")


class _GroupNames:
    """The given and family names (and their sounds) of the people of a group found the same."""

    def __init__(self, first: Person) -> None:
        self.words: tuple[set[str], set[str]] = (set(), set())
        self.sounds: tuple[set[str], set[str]] = (set(), set())
        self.add(first)

    def add(self, person: Person) -> None:
        for position, word in enumerate(_name_words(person)):
            self.words[position].add(word)
            self.sounds[position].add(sound(word))

    def differ(self, person: Person) -> bool:
        """Neither the given nor the family name agrees with anyone's of the group, spelt or sounded."""
        return not any(
            word in self.words[position] or sound(word) in self.sounds[position]
            for position, word in enumerate(_name_words(person))
        )


def _resolve_cluster(members: list[Person], index: ChildIndex) -> Person:
    """The people of a file who share identifiers: one person when the dates of birth, the other
    identifiers and the names are consistent; the inconsistent ones go to review. Returns the
    person the group resolves to."""
    anchor = members[0]
    held = {p.child_id for p in members if p.outcome == Outcome.MATCHED}
    if len(held) == 1:
        # A row of the group is matched to a child held: a doubt about another row by its name
        # alone gives way to the identifier they share (checked below like any other row).
        for person in members:
            if person.outcome == Outcome.REVIEW and person.name_doubt:
                person.outcome, person.candidate_id, person.reason = Outcome.NEW_CHILD, None, ""
    if len(held) > 1 or any(p.outcome == Outcome.REVIEW for p in members):
        # Someone of the group is uncertain against the children held, or the group's identifiers
        # lead to two of them: the whole group waits for a person to decide, nothing is guessed.
        source = next((p for p in members if p.outcome == Outcome.REVIEW), None)
        for person in members:
            if person.outcome == Outcome.REVIEW:
                continue
            if person.outcome == Outcome.MATCHED:
                person.candidate_id = person.child_id
            else:
                person.candidate_id = source.candidate_id if source is not None else min(cast(set[int], held))
            person.reason = (
                "Shares an identifier with another row of this file that points at another young person"
                if len(held) > 1
                else "Shares an identifier with another row of this file that is in review"
            )
            person.outcome, person.child_id = Outcome.REVIEW, None
        return anchor
    if held:
        anchor = next(p for p in members if p.outcome == Outcome.MATCHED)
    elif any(p.outcome == Outcome.NEW_CHILD for p in members):
        anchor = next(p for p in members if p.outcome == Outcome.NEW_CHILD)
    identity = dict(anchor.identifiers)
    if anchor.outcome == Outcome.MATCHED:
        upn, nhs, police_id, _dob = index.facts[cast(int, anchor.child_id)]
        for kind, value in zip(KINDS, (upn, nhs, police_id), strict=True):
            if value:
                identity.setdefault(kind, clean_identifier(value))
    # The names of the people found the same so far: a person whose given or family name agrees
    # with any of them (spelt or by sound) may join, so "Leslie Jekins" joins "Leslie Jenkins" and
    # "Lelie Jenkins" whatever order they come in.
    names = _GroupNames(anchor)
    for person in members:
        if person is anchor:
            continue
        label = _shared_label(person, identity)
        conflict = _conflict(person, identity)
        if person.date_of_birth != anchor.date_of_birth:
            reason = (
                f"The {label} is also given in this file to someone born on {anchor.date_of_birth:%d/%m/%Y}: "
                "check which date of birth is right"
            )
        elif conflict:
            reason = (
                f"The {label} is also given in this file to someone with a different "
                f"{IDENTIFIER_LABELS[conflict]}: two people may be claiming one identifier"
            )
        elif names.differ(person):
            reason = f"The {label} is also given in this file to someone with a different name"
        else:
            reason = ""
        if reason:
            # Against the anchor's record: a child held or new, or (a group of adults' rows) the
            # adult the anchor's rows find or create (applying.Applier.resolve_adults).
            _to_review(person, anchor, reason)
            continue
        for kind, value in person.identifiers:
            identity.setdefault(kind, value)
        names.add(person)
        person.same_as = anchor
        person.outcome = anchor.outcome
        person.child_id = anchor.child_id if anchor.outcome == Outcome.MATCHED else None
    anchor.identity = identity
    return anchor


def _near_matches(new: list[Person], groups: dict[int, list[Person]]) -> None:
    """People new in this file (children) against each other by name: the same name, date of
    birth and postcode is the same person unless their identifiers disagree; a near match (the
    same name and date of birth elsewhere, a name that sounds the same, or the same given name's
    sound with the same date of birth at the same postcode or in the same household) without an
    identifier that tells them apart goes to review against the first."""
    exact: dict[tuple[str, date, str], Person] = {}
    first_of: dict[tuple[object, ...], Person] = {}
    for person in new:
        if not person.identity:
            person.identity = dict(person.identifiers)
        dob = person.date_of_birth
        same = exact.get((person.name_key, dob, person.postcode))
        if same is not None:
            conflict = identifier_clash(person.identity, same.identity)
            if conflict:
                for member in groups.get(id(person), [person]):
                    _to_review(
                        member,
                        same,
                        "Same name, date of birth and postcode as another person in this file, but a different "
                        f"{IDENTIFIER_LABELS[conflict]}",
                    )
            else:
                for kind, value in person.identity.items():
                    same.identity.setdefault(kind, value)
                person.same_as, person.identity = same, {}
            continue
        given_sound = sound(_name_words(person)[0])
        blocks: list[tuple[tuple[object, ...], str]] = [
            (("name", person.name_key, dob), "Same name and date of birth as another person in this file"),
            (
                ("sound", phonetic_keys(person.name_key), dob),
                "Same date of birth and a name that sounds the same as another person in this file",
            ),
        ]
        if person.postcode:
            blocks.append(
                (
                    ("postcode", person.postcode, given_sound, dob),
                    "Same date of birth and postcode, and a given name that sounds the same, as another person "
                    "in this file",
                )
            )
        blocks.extend(
            (
                ("household", system, ref, given_sound, dob),
                "Same date of birth and household, and a given name that sounds the same, as another person "
                "in this file",
            )
            for system, ref in sorted(person.households)
        )
        for key, reason in blocks:
            other = first_of.get(key)
            if other is not None and not identifier_clash(person.identity, other.identity):
                for member in groups.get(id(person), [person]):
                    _to_review(member, other, reason)
                break
        else:
            exact[(person.name_key, dob, person.postcode)] = person
            for key, _reason in blocks:
                first_of.setdefault(key, person)


def _fill_identifiers(persons: list[Person], groups: dict[int, list[Person]], index: ChildIndex) -> None:
    """A child held who is matched gets the identifiers the file gives and it lacks (identity),
    one value per kind: a group of rows giving it another value goes to review."""
    wanted: list[tuple[Person, dict[str, str]]] = []  # (anchor, identifiers its child lacks)
    for person in persons:
        if person.outcome != Outcome.MATCHED or person.same_as is not None:
            continue
        identity, upn, nhs, police_id = person.identity, person.upn, person.nhs_number, person.police_id
        if not (identity or upn or nhs or police_id):
            continue
        # Values the child holds were compared already (match_child, _resolve_cluster): only
        # whether it holds one matters here.
        facts = index.facts[cast(int, person.child_id)]
        if identity:
            missing = {kind: value for kind, value in identity.items() if not facts[KINDS.index(kind)]}
        else:
            missing = {}
            if upn and not facts[0]:
                missing["upn"] = upn
            if nhs and not facts[1]:
                missing["nhs_number"] = nhs
            if police_id and not facts[2]:
                missing["police_id"] = police_id
        person.identity = missing
        if missing:
            wanted.append((person, missing))
    wanted.sort(key=lambda pair: resolve_order(pair[0]))
    given: dict[tuple[int, str], str] = {}
    for anchor, missing in wanted:
        child_id = cast(int, anchor.child_id)
        clash = next((kind for kind, value in missing.items() if given.get((child_id, kind), value) != value), "")
        if clash:
            for person in groups.get(id(anchor), [anchor]):
                if person.outcome == Outcome.MATCHED:
                    _to_review(
                        person,
                        anchor,
                        f"Another row of this file gives this young person a different {IDENTIFIER_LABELS[clash]}",
                    )
                    person.candidate_id = child_id
            continue
        for kind, value in missing.items():
            given[(child_id, kind)] = value


def settle_candidates(reviews: list[Person]) -> None:
    """Once the new children and adults are created: a review against a person new in this file
    names that person's new record as its candidate (a child, or an adult); against a person who
    is in review too, that person's candidate."""
    for person in reviews:
        _settle(person, len(reviews))


def _settle(person: Person, depth: int) -> None:
    if person.candidate_id is not None or person.candidate_adult_id is not None or person.candidate is None:
        return
    found = person.candidate.root()
    if found.outcome == Outcome.REVIEW and depth > 0:
        _settle(found, depth - 1)
        person.candidate_id, person.candidate_adult_id = found.candidate_id, found.candidate_adult_id
    elif found.child_id is not None:
        person.candidate_id = found.child_id
    else:
        person.candidate_adult_id = found.adult_id


# What the adult index keeps of an adult: (upn, nhs_number, police_id, date_of_birth).
AdultFacts = tuple[str, str, str, date | None]


@dataclass
class AdultIndex:
    in_family: dict[tuple[int, str, date | None], int]  # (family id, name key, dob) -> adult id
    anywhere: dict[tuple[str, date | None], set[int]]  # (name key, dob) -> adult ids
    by_identifier: dict[tuple[str, str], set[int]]  # (kind, cleaned value) -> adult ids
    facts: dict[int, AdultFacts]  # adult id -> its identifiers and date of birth

    def held(self, adult_id: int) -> dict[str, str]:
        """The identifiers an adult of the index holds, by kind."""
        upn, nhs, police_id, _dob = self.facts[adult_id]
        held = {"upn": upn, "nhs_number": nhs, "police_id": police_id} if upn or nhs or police_id else {}
        return {kind: value for kind, value in held.items() if value}


def adult_index(family_ids: set[int], dobs: set[date], identifiers: dict[str, set[str]]) -> AdultIndex:
    """The adults the file's adult people could be: those of these families (by name and date of
    birth), those born on these dates anywhere (by name), and those holding these identifiers
    (cleaned, by kind). A few queries whatever the file's size."""
    ids = sorted(family_ids)
    wanted = {kind: sorted(values) for kind, values in identifiers.items() if values}
    # (family id, adult id, given, family, dob) and (adult id, upn, nhs, police id, dob) rows
    member_rows: Iterable[tuple[int, int, str, str, date | None]]
    adult_rows: Iterable[tuple[int, str, str, date | None]]
    fact_rows: list[tuple[int, str, str, str, date | None]] = []  # adults found by family or date
    id_rows: list[tuple[int, str, str, str, date | None]] = []  # adults found by identifier (all, on PostgreSQL)
    if connection.vendor == "postgresql":
        # Two statements, with the ids, dates and identifiers as arrays (the querysets below, chunked
        # for SQLite's limit on parameters, take a query per 2,000 families on a city-sized file):
        # the families' adults, then every adult wanted (of these families, born on these dates, or
        # holding these identifiers) once.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT family_id, adult_id FROM cases_familymember WHERE family_id = ANY(%s) AND adult_id IS NOT NULL",
                [ids],
            )
            pairs = cursor.fetchall()
            conditions = [
                "a.id IN (SELECT adult_id FROM cases_familymember WHERE family_id = ANY(%s))",
                "a.date_of_birth = ANY(%s)",
                *(f"(a.{kind} <> '' AND a.{kind} = ANY(%s))" for kind in wanted),
            ]
            cursor.execute(
                "SELECT a.id, a.given_name, a.family_name, a.upn, a.nhs_number, a.police_id, a.date_of_birth "  # noqa: S608
                f"FROM cases_adult a WHERE {' OR '.join(conditions)}",
                [ids, sorted(dobs), *wanted.values()],
            )
            wanted_adults = {row[0]: row for row in cursor.fetchall()}
        member_rows = [
            (family_id, adult_id, *wanted_adults[adult_id][1:3], wanted_adults[adult_id][6])
            for family_id, adult_id in pairs
            if adult_id in wanted_adults  # a member removed between the two statements is not wanted
        ]
        adult_rows = [(row[0], row[1], row[2], row[6]) for row in wanted_adults.values() if row[6] in dobs]
        id_rows = [(row[0], *row[3:]) for row in wanted_adults.values()]
    else:
        columns = ("id", "upn", "nhs_number", "police_id", "date_of_birth")
        members = FamilyMember.objects.filter(adult__isnull=False).values_list(
            "family_id", "adult_id", "adult__given_name", "adult__family_name", "adult__date_of_birth"
        )
        member_rows = [row for chunk in _chunks(ids, 2_000) for row in members.filter(family_id__in=chunk)]
        adults = Adult.objects.values_list("id", "given_name", "family_name", "date_of_birth")
        if len(dobs) > LOAD_ALL_ABOVE // 3:
            adult_rows = [row for row in adults.iterator(chunk_size=20_000) if row[3] in dobs]
        else:
            adult_rows = [row for chunk in _chunks(sorted(dobs)) for row in adults.filter(date_of_birth__in=chunk)]
        known = sorted({row[1] for row in member_rows} | {row[0] for row in adult_rows})
        with_facts = Adult.objects.values_list(*columns)
        fact_rows.extend(row for chunk in _chunks(known) for row in with_facts.filter(id__in=chunk))
        for kind, values in wanted.items():
            id_rows.extend(row for chunk in _chunks(values) for row in with_facts.filter(**{f"{kind}__in": chunk}))
    names: dict[tuple[str, str], str] = {}

    def name_key(given: str, family: str) -> str:
        key = names.get((given, family))
        if key is None:
            key = names[(given, family)] = fast_normalise(f"{given} {family}")
        return key

    in_family: dict[tuple[int, str, date | None], int] = {}
    for family_id, adult_id, given, family, dob in member_rows:
        in_family.setdefault((family_id, name_key(given, family), dob), adult_id)
    anywhere: defaultdict[tuple[str, date | None], set[int]] = defaultdict(set)
    for adult_id, given, family, dob in adult_rows:
        anywhere[(name_key(given, family), dob)].add(adult_id)
    # Adults' identifiers are set by the import alone, cleaned (clean_identifier): compared as stored.
    facts: dict[int, AdultFacts] = {row[0]: row[1:] for row in fact_rows}
    by_identifier: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for adult_id, upn, nhs, police_id, dob in id_rows:
        facts[adult_id] = (upn, nhs, police_id, dob)
        if upn:
            by_identifier[("upn", upn)].add(adult_id)
        if nhs:
            by_identifier[("nhs_number", nhs)].add(adult_id)
        if police_id:
            by_identifier[("police_id", police_id)].add(adult_id)
    return AdultIndex(in_family, anywhere, by_identifier, facts)

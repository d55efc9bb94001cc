"""Applying matched rows, shared by both import paths and by the review queue: the families for
households, new children and adults, family links, the observations themselves (what the cohort
engine scores), and the recalculation that follows.

The generic path (generic.py) and the PostgreSQL path (postgres.py) each group and match a file's
people their own way, then hand the people to one `Applier`; a resolved review (review.py) does the
same for the rows of one person.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, models
from django.db.models import F
from django.utils import timezone

from areas.demographics import Ethnicity, Gender
from cases.models import Adult, Child, ChildName, Family, FamilyMember
from cases.services.children import child_reference
from cohorts.models import CohortRun, Observation, RunKind, RunTrigger
from cohorts.services.runs import request_run
from feeds.models import FeedImport, Household
from feeds.services.checks import DateCache, demographic_codes, parse_date
from feeds.services.matching import (
    IDENTIFIER_LABELS,
    KINDS,
    ChildIndex,
    Outcome,
    Person,
    PersonKey,
    adult_index,
    fast_normalise,
    identifier_clash,
    person_key,
    phonetic_keys,
    resolve_order,
)

if TYPE_CHECKING:
    from accounts.models import User

# The positions of the columns in a row of FEED_HEADER.
(SOURCE, RECORD, GIVEN, FAMILY, DOB, POSTCODE, HOUSEHOLD, UPN, NHS, POLICE, CODE, OBSERVED, NOTE) = range(13)
GENDER, ETHNICITY = 13, 14
COPY_CHUNK = 100_000
# An observation to write: (source_system, source_record_id, indicator code, observed_on, child id,
# adult id, family id, note).
ObservationItem = tuple[str, str, str, date | None, int | None, int | None, int | None, str]
# The family id of each (source system, household reference).
Families = dict[tuple[str, str], int]
# The adult a person of a file is: ("held", adult id) or ("new", position among the adults created).
AdultChoice = tuple[str, int]


def _give_references(child_ids: list[int]) -> None:
    """SQLite: new young people get the partnership's one reference format (from their id, as any
    young person added by hand): they were inserted with a placeholder unique within the feed.
    PostgreSQL knows the ids before it writes (new_ids), so its rows are written with theirs."""
    Child.objects.bulk_update(
        [Child(pk=pk, reference=child_reference(pk)) for pk in child_ids], ["reference"], batch_size=2_000
    )


@dataclass
class Applied:
    """What applying a file did: the people applied and those left for review, and the row counts."""

    applied: list[Person]
    reviews: list[Person]
    rows_total: int
    rows_invalid: int
    rows_applied: int
    rows_already_known: int
    rows_in_review: int


def group_people(rows: list[list[str]], indexes: Iterable[int], dates: DateCache) -> dict[PersonKey, Person]:
    """The people of these rows, keyed by normalised names, date of birth, postcode and identifiers.
    Each distinct spelling is normalised once."""
    persons: dict[PersonKey, Person] = {}
    keys: dict[tuple[str, ...], PersonKey] = {}
    for i in indexes:
        row = rows[i]
        raw = (row[GIVEN], row[FAMILY], row[DOB], row[POSTCODE], row[UPN], row[NHS], row[POLICE])
        key = keys.get(raw)
        if key is None:
            born = cast(date, parse_date(row[DOB], dates))  # valid rows only: a date
            key = keys[raw] = person_key(row[GIVEN], row[FAMILY], born, row[POSTCODE], row[UPN], row[NHS], row[POLICE])
        person = persons.get(key)
        if person is None:
            person = persons[key] = Person(
                given_name=row[GIVEN],
                family_name=row[FAMILY],
                date_of_birth=key[1],
                postcode=key[2],
                upn=key[3],
                nhs_number=key[4],
                police_id=key[5],
                name_key=key[0],
            )
        person.rows.append(i)
        if row[HOUSEHOLD]:
            person.households.setdefault((row[SOURCE], row[HOUSEHOLD]), row[POSTCODE])
        if row[GENDER] or row[ETHNICITY]:
            add_demographics(person, row[GENDER], row[ETHNICITY])
    return persons


def add_demographics(person: Person, gender: str, ethnicity: str) -> None:
    """Remember the codes a (valid) row gives about its person."""
    gender_found, ethnicity_found = demographic_codes(gender, ethnicity)
    if gender_found:
        person.genders.add(gender_found)
    if ethnicity_found:
        person.ethnicities.add(ethnicity_found)


def demographics_of(people: Iterable[Person]) -> tuple[str, str]:
    """The gender and ethnicity of a new child from the rows of the people it is made of: the code
    they all give (rows that say nothing aside), or "not recorded" when none is given or the rows
    disagree (nothing is guessed)."""
    genders: set[str] = set()
    ethnicities: set[str] = set()
    for person in people:
        genders |= person.genders
        ethnicities |= person.ethnicities
    return (
        next(iter(genders)) if len(genders) == 1 else Gender.NOT_RECORDED,
        next(iter(ethnicities)) if len(ethnicities) == 1 else Ethnicity.NOT_RECORDED,
    )


def copy_rows(table: str, columns: list[str], rows: Iterable[Iterable[Any]], not_null: list[str]) -> None:
    """PostgreSQL: COPY rows (iterables of values; None is NULL) into a table, in chunks."""
    force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{force})"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    with connection.cursor() as cursor:
        for row in rows:
            writer.writerow(row)
            count += 1
            if count % COPY_CHUNK == 0:
                with cursor.copy(statement) as copy:
                    copy.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            with cursor.copy(statement) as copy:
                copy.write(buffer.getvalue())


def new_ids(model: type[models.Model], count: int) -> list[int]:
    """PostgreSQL: `count` ids from the table's sequence, in one query."""
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row_id for (row_id,) in cursor.fetchall()]


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]], ids: list[int] | None = None
) -> list[int]:
    """PostgreSQL: new rows of `model` with these fields' values (by name or attname, in the order
    of `fields`), every other column its model default (now for auto_now fields), written with one
    COPY straight into the table, with `ids` (from new_ids) or new ones. Returns the new rows' ids,
    in the order of `rows`.

    What creating people, families and links costs at a city's scale: about 880,000 objects through
    `bulk_create` took half of a first load; the ids come from the table's sequence in one query,
    so the caller knows them without reading anything back."""
    if not rows:
        return []
    meta = model._meta
    table = meta.db_table
    wanted = {name: position for position, name in enumerate(fields)}
    given: list[tuple[str, int]] = []  # (column, position in a row)
    fixed: list[tuple[str, Any]] = []  # (column, the value of every row)
    not_null: list[str] = []
    now = timezone.now()
    for field in meta.concrete_fields:
        if field.primary_key:
            continue
        position = wanted.get(field.name, wanted.get(field.attname))
        if position is not None:
            given.append((field.column, position))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fixed.append((field.column, now))
        else:
            # As the ORM fills a field it is not given: its default, '' for text, else NULL.
            default = field.get_default()
            if default is None and not field.null:
                raise ValueError(f"{table}.{field.column} has no default: give it a value")
            fixed.append((field.column, json.dumps(default) if isinstance(default, (dict, list)) else default))
        if field.get_internal_type() in ("CharField", "TextField") and not field.null:
            not_null.append(field.column)
    if len(given) != len(fields):
        raise ValueError(f"{table} lacks one of the fields {sorted(fields)}")
    positions = [position for _column, position in given]
    values = [value for _column, value in fixed]
    if ids is None:
        ids = new_ids(model, len(rows))
    copy_rows(
        table,
        [meta.pk.column, *(column for column, _position in given), *(column for column, _value in fixed)],
        ((row_id, *(row[p] for p in positions), *values) for row_id, row in zip(ids, rows, strict=True)),
        not_null,
    )
    return ids


def lock_parents(items: list[ObservationItem]) -> None:
    """What the foreign keys of Observation would check row by row, done in one statement per
    table: every child, adult and family the rows name exists, and is locked (FOR KEY SHARE on
    PostgreSQL) so it cannot be deleted before this transaction commits."""
    for model, position in ((Child, 4), (Adult, 5), (Family, 6)):
        # Positions 4 to 6 of an item are ids (once per table, not per item).
        ids = sorted(cast(set[int], {item[position] for item in items if item[position] is not None}))
        if not ids:
            continue
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s) FOR KEY SHARE) AS locked",  # noqa: S608
                    [ids],
                )
                found = cursor.fetchone()[0]
            else:
                found = sum(model.objects.filter(pk__in=ids[i : i + 500]).count() for i in range(0, len(ids), 500))
        if found != len(ids):
            raise RuntimeError(f"{len(ids) - found} {model._meta.verbose_name_plural} were deleted during the import")


def _write_observations(feed: FeedImport, items: list[ObservationItem]) -> None:
    """items: (source_system, source_record_id, code, observed_on, child_id, adult_id, family_id, note)."""
    if connection.vendor == "postgresql":
        copy_rows(
            Observation._meta.db_table,
            [
                "source_system",
                "source_record_id",
                "indicator_code",
                "observed_on",
                "child_id",
                "adult_id",
                "family_id",
                "note",
                "feed_id",
            ],
            ((*item, feed.pk) for item in items),
            ["source_system", "source_record_id", "indicator_code", "note"],
        )
        return
    fields = ("source_system", "source_record_id", "indicator_code", "observed_on", "child_id", "adult_id")
    Observation.objects.bulk_create(
        [
            Observation(**dict(zip(fields, item[:6], strict=True)), family_id=item[6], note=item[7], feed=feed)
            for item in items
        ],
        batch_size=2_000,
    )


class Applier:
    """Creates what the matched rows need (families for households, adults, children, family
    links) and the observations themselves. Used for a whole file and for one resolved review."""

    def __init__(self, feed: FeedImport, today: date, suffix: str = "") -> None:
        self.feed = feed
        self.suffix = suffix  # keeps references unique when a review adds records to a feed later
        self.today = today
        self.created_children: list[int] = []
        self.created_adults = 0
        self.created_families = 0
        self.touched_families: set[int] = set()
        self.identified_children: set[int] = set()  # children held who got identifiers from the file
        self.identified_adults: set[int] = set()  # adults held who got identifiers from the file
        self.timings: dict[str, float] = {}  # seconds since create_people began, at each step's end

    def create_people(self, persons: list[Person], index: ChildIndex) -> Families:
        """Everything the matched people of a file need before their observations: families for
        their households, the new children, the adults (found or new) and the family links.
        Returns the family id of each (source system, household reference). Adults whose match is
        uncertain are left in review (resolve_adults): the caller reads the outcomes after this."""
        mark = time.monotonic()
        families = self.families_for(persons)
        self.timings["families"] = time.monotonic() - mark
        self.create_children(
            [p for p in persons if p.outcome == Outcome.NEW_CHILD], used_identifiers=set(index.by_identifier)
        )
        self.timings["children"] = time.monotonic() - mark
        self.fill_identifiers([p for p in persons if p.outcome == Outcome.MATCHED and p.same_as is None])
        self.resolve_adults([p for p in persons if p.outcome == Outcome.ADULT], families)
        self.timings["adults"] = time.monotonic() - mark
        self.link_members([p for p in persons if p.outcome != Outcome.REVIEW], families)
        self.timings["links"] = time.monotonic() - mark
        return families

    def fill_identifiers(self, persons: list[Person]) -> None:
        """Store on the children held the identifiers the file gives them and they lack (the
        identity matching.resolve_people left on the person each group of rows resolved to). An
        identifier that another child took meanwhile, or a field filled meanwhile, fails the
        import as a whole (nothing half-applied) rather than dropping the identifier."""
        updates: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
        for person in persons:
            for kind, value in person.identity.items():
                updates[kind].append((cast(int, person.child_id), value))
        for kind, pairs in updates.items():
            pairs.sort()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE cases_child AS c SET {kind} = v.value, version = c.version + 1 "  # noqa: S608
                        "FROM unnest(%s::bigint[], %s::text[]) AS v(id, value) "
                        f"WHERE c.id = v.id AND c.{kind} = ''",
                        [[child_id for child_id, _value in pairs], [value for _child_id, value in pairs]],
                    )
                    changed = cursor.rowcount
            else:
                changed = sum(
                    Child.objects.filter(pk=child_id, **{kind: ""}).update(**{kind: value}, version=F("version") + 1)
                    for child_id, value in pairs
                )
            if changed != len(pairs):
                raise RuntimeError(f"{len(pairs) - changed} young people got a {kind} during the import")
            self.identified_children.update(child_id for child_id, _value in pairs)

    # Households -> families
    def families_for(self, persons: list[Person]) -> Families:
        wanted: dict[tuple[str, str], tuple[str, str]] = {}  # -> (family name, postcode)
        for person in persons:
            for key, postcode in person.households.items():
                wanted.setdefault(key, (person.family_name, postcode))
        found: Families = {}
        by_system: defaultdict[str, list[str]] = defaultdict(list)
        for system, ref in wanted:
            by_system[system].append(ref)
        for system, refs in by_system.items():
            if connection.vendor == "postgresql":
                # The references as one array parameter: for a city's 50,000 households the ORM
                # takes longer to build an IN list than PostgreSQL takes to answer it.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT household_ref, family_id FROM cohorts_household "
                        "WHERE source_system = %s AND household_ref = ANY(%s)",
                        [system, refs],
                    )
                    found.update(((system, ref), family_id) for ref, family_id in cursor.fetchall())
                continue
            for start in range(0, len(refs), 500):
                for ref, family_id in Household.objects.filter(
                    source_system=system, household_ref__in=refs[start : start + 500]
                ).values_list("household_ref", "family_id"):
                    found[(system, ref)] = family_id
        missing = [key for key in wanted if key not in found]
        self.new_families = set()
        if not missing:
            return found
        references = [f"HH{self.feed.pk}{self.suffix}-{n}" for n in range(1, len(missing) + 1)]
        names = [f"{wanted[key][0].strip()} household"[:200] for key in missing]
        postcodes = [wanted[key][1].strip().upper()[:10] for key in missing]
        if connection.vendor == "postgresql":
            family_ids = insert_rows(
                Family, ("reference", "name", "postcode"), list(zip(references, names, postcodes, strict=True))
            )
            insert_rows(
                Household,
                ("source_system", "household_ref", "family_id"),
                [(system, ref, family_id) for (system, ref), family_id in zip(missing, family_ids, strict=True)],
            )
        else:
            families = [
                Family(reference=reference, name=name, postcode=postcode)
                for reference, name, postcode in zip(references, names, postcodes, strict=True)
            ]
            Family.objects.bulk_create(families, batch_size=2_000)
            Household.objects.bulk_create(
                [
                    Household(source_system=key[0], household_ref=key[1], family=family)
                    for key, family in zip(missing, families, strict=True)
                ],
                batch_size=2_000,
            )
            family_ids = [family.pk for family in families]
        found.update(zip(missing, family_ids, strict=True))
        self.created_families += len(family_ids)
        self.new_families = set(family_ids)
        return found

    def create_children(self, persons: list[Person], used_identifiers: set[tuple[str, str]]) -> None:
        """One new child per person the people resolve to (Person.root: matching.resolve_people
        found the others the same person), with the identifiers of the group (its identity, or the
        person's own identifiers when nothing resolved it) unless another child holds them."""
        made: dict[int, int] = {}  # id(root) -> its position in new
        new: list[tuple[Person, dict[str, str]]] = []  # (root, the identifiers its record gets)
        made_of: defaultdict[int, list[Person]] = defaultdict(list)  # id(root) -> the people it is made of
        for person in persons:
            root = person.root()
            made_of[id(root)].append(person)
            if id(root) in made:
                continue
            fields: dict[str, str] = {}
            for kind, value in (root.identity or dict(root.identifiers)).items():
                if (kind, value) not in used_identifiers:
                    used_identifiers.add((kind, value))
                    fields[kind] = value
            made[id(root)] = len(new)
            new.append((root, fields))
        if not new:
            return
        # A new child is known only from the feed: no agency involvement (being named in an
        # extract is not working with the child; need to know stays as it was).
        demographics = [demographics_of(made_of[id(root)]) for root, _fields in new]
        if connection.vendor == "postgresql":
            # The ids first, so each row is written once with its reference (an UPDATE of the
            # references afterwards rewrote every new row and its indexes: 3.6 s of a first load).
            child_ids = new_ids(Child, len(new))
            references = [child_reference(child_id) for child_id in child_ids]
            insert_rows(
                Child,
                (
                    "reference",
                    "given_name",
                    "family_name",
                    "date_of_birth",
                    "upn",
                    "nhs_number",
                    "police_id",
                    "gender",
                    "ethnicity",
                ),
                [
                    (
                        reference,
                        root.given_name.strip(),
                        root.family_name.strip(),
                        root.date_of_birth,
                        fields.get("upn", ""),
                        fields.get("nhs_number", ""),
                        fields.get("police_id", ""),
                        gender,
                        ethnicity,
                    )
                    for reference, (root, fields), (gender, ethnicity) in zip(
                        references, new, demographics, strict=True
                    )
                ],
                ids=child_ids,
            )
            names = []
            for child_id, (root, _fields) in zip(child_ids, new, strict=True):
                normalised = fast_normalise(f"{root.given_name.strip()} {root.family_name.strip()}")
                names.append((child_id, normalised, phonetic_keys(normalised)))
            insert_rows(ChildName, ("child_id", "normalised", "phonetic_keys"), names)
        else:
            references = [f"FD{self.feed.pk}{self.suffix}-{n}" for n in range(1, len(new) + 1)]
            children = [
                Child(
                    reference=reference,
                    given_name=root.given_name.strip(),
                    family_name=root.family_name.strip(),
                    date_of_birth=root.date_of_birth,
                    gender=gender,
                    ethnicity=ethnicity,
                    **fields,
                )
                for reference, (root, fields), (gender, ethnicity) in zip(references, new, demographics, strict=True)
            ]
            Child.objects.bulk_create(children, batch_size=2_000)
            ChildName.objects.bulk_create(
                [ChildName.build(child, f"{child.given_name} {child.family_name}") for child in children],
                batch_size=2_000,
            )
            child_ids = [child.pk for child in children]
            _give_references(child_ids)
        for (root, _fields), child_id in zip(new, child_ids, strict=True):
            root.child_id = child_id
        for person in persons:
            if person.child_id is None:
                person.child_id = child_ids[made[id(person.root())]]
        self.created_children.extend(child_ids)

    def resolve_adults(self, persons: list[Person], families: Families) -> None:
        """The adult each adult person of the file is (docs/feeds.md, "Adults"): the only adult
        held who holds one of its identifiers, with the same date of birth; else one held or made
        from this file by name and date of birth in one of the person's households' families, or by
        sound there; without a household, the only adult of the city or of this file with that name
        and date of birth; else a new one. The people with households are resolved first, so an
        adult's rows from a system without household references (health, police) reach the adult
        its housing rows found or created. No identifier is dropped: a new adult gets every
        identifier of its rows, an adult held those it lacks (matching rule 6, as for children).

        What is uncertain goes to review (outcome REVIEW, with the candidate adult), never to a new
        adult: an identifier held by an adult born on another date, or by several adults; an adult
        found who holds another value of a kind the person gives (another NHS number); several
        adults with the name and date of birth, or one elsewhere than the person's households; a
        name that only sounds the same, without a household."""
        family_ids = {families[key] for person in persons for key in person.households}
        dobs = {person.date_of_birth for person in persons}
        existing_families = family_ids - getattr(self, "new_families", set())
        roots = [p for p in persons if p.same_as is None]
        identities = {
            id(p): p.identity or (dict(p.identifiers) if p.upn or p.nhs_number or p.police_id else {}) for p in roots
        }
        wanted: defaultdict[str, set[str]] = defaultdict(set)
        for identity in identities.values():
            for kind, value in identity.items():
                wanted[kind].add(value)
        index = adult_index(existing_families, dobs, wanted)
        in_family, anywhere = index.in_family, index.anywhere
        # Adults by family, sound of the name and date of birth: a misspelt name in the same
        # household, on the same date of birth, is the same adult.
        by_sound: dict[tuple[int, str, date | None], int] = {}
        for (family_id, name_key, dob), adult_id in in_family.items():
            by_sound.setdefault((family_id, phonetic_keys(name_key), dob), adult_id)
        sound_anywhere: defaultdict[tuple[str, date | None], set[int]] = defaultdict(set)
        for (name_key, dob), adult_ids in anywhere.items():
            sound_anywhere[(phonetic_keys(name_key), dob)].update(adult_ids)
        made_in: dict[tuple[int, str, date | None], AdultChoice] = {}
        made_sound: dict[tuple[int, str, date | None], AdultChoice] = {}
        made_anywhere: defaultdict[tuple[str, date | None], list[AdultChoice]] = defaultdict(list)
        made_sound_anywhere: defaultdict[tuple[str, date | None], list[AdultChoice]] = defaultdict(list)
        new: list[Person] = []
        chosen: dict[int, AdultChoice] = {}  # id(person) -> adult
        # The identifiers each adult holds or is given by this file so far (one value per kind).
        held_by: dict[AdultChoice, dict[str, str]] = {}

        def holds(choice: AdultChoice) -> dict[str, str]:
            found = held_by.get(choice)
            if found is None:
                found = held_by[choice] = index.held(choice[1]) if choice[0] == "held" else {}
            return found

        def clash(identity: dict[str, str], choice: AdultChoice) -> str:
            return identifier_clash(identity, holds(choice)) if identity else ""

        order = sorted(roots, key=lambda p: (not p.households, *resolve_order(p)))
        for person in order:
            identity = identities[id(person)]
            person_families = sorted({families[key] for key in person.households})
            sound_key = phonetic_keys(person.name_key)
            dob = person.date_of_birth
            found: AdultChoice | None = None
            doubt: tuple[str, AdultChoice] | None = None  # (reason, the candidate adult)
            if identity:
                holders = sorted({a for item in identity.items() for a in index.by_identifier.get(item, ())})
                born_so = [adult_id for adult_id in holders if index.facts[adult_id][3] == dob]
                label = _label(identity, index.held((born_so or holders)[0])) if holders else ""
                if len(born_so) == 1:
                    other = clash(identity, ("held", born_so[0]))
                    if other:
                        reason = f"The {label} matches but the adult already has a different {IDENTIFIER_LABELS[other]}"
                        doubt = (reason, ("held", born_so[0]))
                    else:
                        found = ("held", born_so[0])
                elif born_so:
                    reason = f"The {label} is held by {len(born_so)} adults: check which one this is"
                    doubt = (reason, ("held", born_so[0]))
                elif holders:
                    doubt = (f"The {label} matches but the date of birth is different", ("held", holders[0]))
            for family_id in person_families if found is None and doubt is None else ():
                held = in_family.get((family_id, person.name_key, dob))
                candidate = ("held", held) if held else made_in.get((family_id, person.name_key, dob))
                if candidate is None:
                    held = by_sound.get((family_id, sound_key, dob))
                    candidate = ("held", held) if held else made_sound.get((family_id, sound_key, dob))
                if candidate is None:
                    continue
                other = clash(identity, candidate)
                if not other:
                    found, doubt = candidate, None
                    break
                if doubt is None:
                    reason = f"Same name, date of birth and household, but a different {IDENTIFIER_LABELS[other]}"
                    doubt = (reason, candidate)
            if found is None and doubt is None:
                # The same name and date of birth elsewhere: for a person without a household, the
                # only one is the same adult; in another household than the person's, maybe.
                candidates = [("held", adult_id) for adult_id in sorted(anywhere.get((person.name_key, dob), ()))]
                candidates += made_anywhere.get((person.name_key, dob), [])
                if len(candidates) == 1 and not person_families:
                    other = clash(identity, candidates[0])
                    if other:
                        reason = f"Same name and date of birth, but a different {IDENTIFIER_LABELS[other]}"
                        doubt = (reason, candidates[0])
                    else:
                        found = candidates[0]
                elif len(candidates) > 1:
                    doubt = (f"{len(candidates)} adults have this name and date of birth", candidates[0])
                elif candidates and not clash(identity, candidates[0]):
                    doubt = ("Same name and date of birth in another household", candidates[0])
                elif not person_families:
                    sounds = [("held", adult_id) for adult_id in sorted(sound_anywhere.get((sound_key, dob), ()))]
                    sounds += made_sound_anywhere.get((sound_key, dob), [])
                    sounds = [choice for choice in sounds if not clash(identity, choice)]
                    if sounds:
                        doubt = ("Same date of birth and a name that sounds the same", sounds[0])
            if doubt is not None:
                reason, (source, number) = doubt
                person.outcome, person.reason = Outcome.REVIEW, reason
                if source == "held":
                    person.candidate_id, person.candidate_adult_id, person.candidate = None, number, None
                else:
                    person.candidate_id, person.candidate_adult_id, person.candidate = None, None, new[number]
                continue
            if found is None:
                found = ("new", len(new))
                new.append(person)
                made_anywhere[(person.name_key, dob)].append(found)
                made_sound_anywhere[(sound_key, dob)].append(found)
            if identity:
                given = holds(found)
                for kind, value in identity.items():
                    given.setdefault(kind, value)
            for family_id in person_families:
                made_in.setdefault((family_id, person.name_key, dob), found)
                made_sound.setdefault((family_id, sound_key, dob), found)
            chosen[id(person)] = found
        fields = ("given_name", "family_name", "date_of_birth", *KINDS)
        values = []
        for n, p in enumerate(new):
            given = held_by.get(("new", n), {})
            values.append(
                (p.given_name.strip(), p.family_name.strip(), p.date_of_birth, *(given.get(kind, "") for kind in KINDS))
            )
        if connection.vendor == "postgresql":
            new_ids = insert_rows(Adult, fields, values)
        else:
            adults = [Adult(**dict(zip(fields, value, strict=True))) for value in values]
            Adult.objects.bulk_create(adults, batch_size=2_000)
            new_ids = [adult.pk for adult in adults]
        self.created_adults += len(new_ids)
        self._fill_adult_identifiers(
            {
                choice[1]: added
                for choice, identity in held_by.items()
                if choice[0] == "held"
                and (added := {k: v for k, v in identity.items() if not index.facts[choice[1]][KINDS.index(k)]})
            }
        )
        for person in order:
            if person.outcome == Outcome.REVIEW:
                continue
            source, number = chosen[id(person)]
            person.adult_id = number if source == "held" else new_ids[number]
        for person in persons:
            if person.same_as is None:
                continue
            root = person.root()
            if root.outcome == Outcome.REVIEW:
                # The rows found the same as a person in review wait with them, for the same reason.
                person.outcome, person.reason, person.same_as = Outcome.REVIEW, root.reason, None
                person.candidate_adult_id, person.candidate = root.candidate_adult_id, root.candidate
            else:
                person.adult_id = root.adult_id

    def _fill_adult_identifiers(self, added: dict[int, dict[str, str]]) -> None:
        """Store on the adults held the identifiers the file gives them and they lack; a field
        filled meanwhile fails the import as a whole rather than dropping the identifier."""
        updates: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
        for adult_id, identity in sorted(added.items()):
            for kind, value in identity.items():
                updates[kind].append((adult_id, value))
        for kind, pairs in updates.items():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE cases_adult AS a SET {kind} = v.value "  # noqa: S608
                        "FROM unnest(%s::bigint[], %s::text[]) AS v(id, value) "
                        f"WHERE a.id = v.id AND a.{kind} = ''",
                        [[adult_id for adult_id, _value in pairs], [value for _adult_id, value in pairs]],
                    )
                    changed = cursor.rowcount
            else:
                changed = sum(
                    Adult.objects.filter(pk=adult_id, **{kind: ""}).update(**{kind: value}) for adult_id, value in pairs
                )
            if changed != len(pairs):
                raise RuntimeError(f"{len(pairs) - changed} adults got a {kind} during the import")
            self.identified_adults.update(adult_id for adult_id, _value in pairs)

    def link_members(self, persons: list[Person], families: Families) -> None:
        wanted: set[tuple[int, int | None, int | None]] = set()  # (family id, child id, adult id)
        for person in persons:
            for key in person.households:
                family_id = families[key]
                wanted.add(
                    (family_id, person.child_id, None) if person.child_id else (family_id, None, person.adult_id)
                )
        if not wanted:
            return
        existing_families = sorted({w[0] for w in wanted} - getattr(self, "new_families", set()))
        have: set[tuple[int, int | None, int | None]] = set()
        if connection.vendor == "postgresql":
            have.update(_members_of(existing_families, "family_id, child_id, adult_id", ""))
        else:
            for start in range(0, len(existing_families), 2_000):
                have.update(
                    FamilyMember.objects.filter(family_id__in=existing_families[start : start + 2_000]).values_list(
                        "family_id", "child_id", "adult_id"
                    )
                )
        new = sorted(wanted - have, key=lambda w: (w[0], w[1] or 0, w[2] or 0))
        if connection.vendor == "postgresql":
            insert_rows(
                FamilyMember,
                ("family_id", "child_id", "adult_id", "relationship"),
                [(f, c, a, "child" if c else "other") for f, c, a in new],
            )
        else:
            FamilyMember.objects.bulk_create(
                [
                    FamilyMember(
                        family_id=family_id,
                        child_id=child_id,
                        adult_id=adult_id,
                        relationship="child" if child_id else "other",
                    )
                    for family_id, child_id, adult_id in new
                ],
                batch_size=2_000,
            )
        self.touched_families.update(w[0] for w in new)

    def observations(
        self, rows: list[list[str]], persons: list[Person], families: Families, dates: DateCache
    ) -> list[ObservationItem]:
        items: list[ObservationItem] = []
        for person in persons:
            for i in person.rows:
                row = rows[i]
                family_id = families.get((row[SOURCE], row[HOUSEHOLD])) if row[HOUSEHOLD] else None
                if person.adult_id and family_id:
                    self.touched_families.add(family_id)
                items.append(
                    (
                        row[SOURCE],
                        row[RECORD],
                        row[CODE],
                        parse_date(row[OBSERVED], dates),
                        person.child_id,
                        person.adult_id if not person.child_id else None,
                        family_id,
                        row[NOTE],
                    )
                )
        lock_parents(items)
        # In index order: each leaf of the (child, indicator, date) index is then written once.
        items.sort(key=lambda item: (item[4] or 0, item[5] or 0))
        _write_observations(self.feed, items)
        return items

    def affected_children(self, persons: list[Person]) -> list[int]:
        ids = {person.child_id for person in persons if person.child_id}
        families = sorted(self.touched_families)
        if connection.vendor == "postgresql":
            ids.update(child_id for (child_id,) in _members_of(families, "child_id", "AND child_id IS NOT NULL"))
        else:
            for start in range(0, len(families), 2_000):
                ids.update(
                    FamilyMember.objects.filter(
                        family_id__in=families[start : start + 2_000], child__isnull=False
                    ).values_list("child_id", flat=True)
                )
        return sorted(ids)


def _label(identity: dict[str, str], held: dict[str, str]) -> str:
    """The label of the first kind of identifier a person gives with the value an adult holds."""
    kind = next((kind for kind, value in identity.items() if held.get(kind) == value), next(iter(identity)))
    return IDENTIFIER_LABELS[kind]


def _members_of(family_ids: list[int], columns: str, condition: str) -> list[tuple[Any, ...]]:
    """PostgreSQL: the family members of these families in one statement, the ids as one array
    (the ORM takes longer to build an IN list of a city's families than the query takes)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM cases_familymember WHERE family_id = ANY(%s) {condition}",  # noqa: S608
            [family_ids],
        )
        members: list[tuple[Any, ...]] = cursor.fetchall()
        return members


def request_recalculation(feed: FeedImport, child_ids: list[int], requested_by: User | None = None) -> None:
    """Ask the cohort engine to rescore the children rows were applied about: an incremental run,
    or a whole-city run when no full run has been published yet."""
    if CohortRun.objects.current_full() is None:
        request_run(kind=RunKind.FULL, trigger=RunTrigger.FEED, feed=feed, requested_by=requested_by)
    else:
        request_run(
            kind=RunKind.INCREMENTAL,
            trigger=RunTrigger.FEED,
            child_ids=child_ids,
            feed=feed,
            requested_by=requested_by,
        )

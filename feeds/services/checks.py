"""The checks of a feed row's values, shared by the generic path (feeds.services.generic) and the
PostgreSQL path (feeds.services.postgres), so both word every problem the same way."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from enum import Enum
from functools import lru_cache
from typing import Final, TypeGuard

from django.core.exceptions import ValidationError
from django.db import models

from areas.demographics import Ethnicity, Gender, ethnicity_code, gender_code
from cases.models.children import validate_nhs_number, validate_upn
from cohorts.models import IndicatorDefinition
from feeds.models import FEED_HEADER, FeedRow
from feeds.services.matching import clean_identifier


def _max_length(name: str) -> int:
    field = FeedRow._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None  # every column is text
    return field.max_length


MAX_LENGTHS = tuple(_max_length(name) for name in FEED_HEADER)
LIMITS = dict(zip(FEED_HEADER, MAX_LENGTHS, strict=True))
EARLIEST_BIRTH = date(1900, 1, 1)
PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode", "upn", "nhs_number", "police_id")
_GIVEN, _FAMILY, _DOB, _POSTCODE, _UPN, _NHS, _POLICE = (LIMITS[column] for column in PERSON_FIELDS)


class _Missing(Enum):
    """Not in a date cache yet (a cache holds None for a value that is not a date)."""

    MISSING = "missing"


_MISSING: Final = _Missing.MISSING
# The parsed dates of a file, by their text (None: not a date).
DateCache = dict[str, date | None]


def active_codes() -> set[str]:
    """The indicator codes a row may name: those of the cohort engine's active indicators."""
    return set(IndicatorDefinition.objects.filter(is_active=True).values_list("code", flat=True))


def _parse_date(value: str) -> date | None:
    value = value.strip()
    try:
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return date.fromisoformat(value)
        day, month, year = value.split("/")
        if len(year) == 4:
            return date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None


def parse_date(value: str, cache: DateCache) -> date | None:
    parsed = cache.get(value, _MISSING)
    if parsed is _MISSING:
        parsed = cache[value] = _parse_date(value)
    return parsed


def check_birth(dob: str, today: date, dates: DateCache) -> tuple[str, date | None]:
    """(problem or '', the date of birth when it is usable)."""
    if not dob.strip():
        return "date_of_birth: must not be blank", None
    born = parse_date(dob, dates)
    if born is None:
        return f"date_of_birth: '{dob}' is not a date; use YYYY-MM-DD, like 2011-03-27", None
    if born > today:
        return f"date_of_birth: {born:%Y-%m-%d} is in the future", None
    if born < EARLIEST_BIRTH:
        return "date_of_birth: must be on or after 1900-01-01", None
    return "", born


def check_person(
    given: str,
    family: str,
    dob: str,
    postcode: str,
    upn: str,
    nhs: str,
    police_id: str,
    today: date,
    dates: DateCache,
) -> tuple[tuple[str, ...], date | None]:
    """The checks of the columns about the person, done once per distinct person in a file."""
    problems: list[str] = []
    if not given.strip():
        problems.append("given_name: must not be blank")
    if not family.strip():
        problems.append("family_name: must not be blank")
    for column, value in (
        ("given_name", given),
        ("family_name", family),
        ("date_of_birth", dob),
        ("postcode", postcode),
        ("upn", upn),
        ("nhs_number", nhs),
        ("police_id", police_id),
    ):
        limit = LIMITS[column]
        if len(value) > limit:
            problems.append(f"{column}: longer than {limit} characters")
    problem, born = check_birth(dob, today, dates)
    if problem:
        problems.append(problem)
    if upn:
        try:
            validate_upn(clean_identifier(upn))
        except ValidationError as error:
            problems.append(f"upn: {error.messages[0]}")
    if nhs:
        try:
            validate_nhs_number(nhs)
        except ValidationError as error:
            problems.append(f"nhs_number: {error.messages[0]}")
    return tuple(problems), born


def person_is_valid(
    born: date | None, given: str, family: str, dob: str, postcode: str, upn: str, nhs: str, police_id: str
) -> TypeGuard[date]:
    """True exactly when check_person finds nothing, `born` being check_birth's date for `dob`: the
    quick test for each person of a big file; check_person then words the others' problems. (`born`
    comes first so that a true answer tells the type checker it is a date.)"""
    return (
        born is not None
        and len(given) <= _GIVEN
        and len(family) <= _FAMILY
        and len(dob) <= _DOB
        and len(postcode) <= _POSTCODE
        and len(upn) <= _UPN
        and len(nhs) <= _NHS
        and len(police_id) <= _POLICE
        and given.strip() != ""
        and family.strip() != ""
        and (not upn or _passes(validate_upn, clean_identifier(upn)))
        and (not nhs or _passes(validate_nhs_number, nhs))
    )


# A file gives each person's identifier on many rows (one system's rows, misspelt names, other
# postcodes): each value is checked once. Bounded, as the job runs in a long-lived worker.
@lru_cache(maxsize=500_000)
def _passes(validator: Callable[[str], None], value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


# The plain words of the codes a row may give (docs/feeds.md): named in the message for a value
# that cannot be mapped.
_GENDERS = ", ".join(Gender.values)


def _label_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


# Besides the codes and the spellings areas.demographics maps, a row may give a category's label
# as the census words it ("White: English, Welsh, Scottish, Northern Irish or British").
_GENDER_LABELS = {_label_key(str(label)): code for code, label in Gender.choices}
_ETHNICITY_LABELS = {_label_key(str(label)): code for code, label in Ethnicity.choices}


def feed_gender(value: str) -> str | None:
    return gender_code(value) or _GENDER_LABELS.get(_label_key(value))


def feed_ethnicity(value: str) -> str | None:
    return ethnicity_code(value) or _ETHNICITY_LABELS.get(_label_key(value))


# The row-level errors for a value that cannot be mapped, with %s for the value as sent: the
# generic path fills them in Python, the PostgreSQL path with SQL's format().
GENDER_PROBLEM = f"gender: '%s' is not a gender we can record; use one of {_GENDERS}, or leave it blank"
ETHNICITY_PROBLEM = (
    "ethnicity: '%s' is not an ethnicity we can record; use an ONS 2021 census category "
    "(for example white_british, or White: Irish), or leave it blank"
)


@lru_cache(maxsize=10_000)
def gender_problem(value: str) -> str:
    """'' when a row's gender is blank (not recorded) or maps to a code (areas.demographics), else
    the row-level error. A file repeats a handful of spellings: each is checked once."""
    return "" if feed_gender(value) is not None else GENDER_PROBLEM % value


@lru_cache(maxsize=10_000)
def ethnicity_problem(value: str) -> str:
    """'' when a row's ethnicity is blank (not recorded) or maps to an ONS 2021 category (its code,
    its label, or a common spelling such as the school census's WBRI), else the row-level error."""
    return "" if feed_ethnicity(value) is not None else ETHNICITY_PROBLEM % value


def demographic_codes(gender: str, ethnicity: str) -> tuple[str, str]:
    """The codes of a valid row's gender and ethnicity ('' for blank or not recorded)."""
    found_gender = feed_gender(gender) or ""
    found_ethnicity = feed_ethnicity(ethnicity) or ""
    return (
        "" if found_gender == Gender.NOT_RECORDED else found_gender,
        "" if found_ethnicity == Ethnicity.NOT_RECORDED else found_ethnicity,
    )

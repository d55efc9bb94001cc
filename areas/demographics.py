"""Coded demographics: gender, and ethnicity as the ONS 2021 census categories (England and Wales),
plus "Not recorded" and "Prefers not to say". Free text from older records, feeds and other systems
is mapped to the codes by `gender_code` and `ethnicity_code`; what they cannot map is listed for an
administrator's review (`areas.models.UnmappedValue`)."""

import re
from datetime import date

from django.db import models


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary or another gender"
    NOT_RECORDED = "not_recorded", "Not recorded"
    PREFERS_NOT_TO_SAY = "prefers_not_to_say", "Prefers not to say"


class Ethnicity(models.TextChoices):
    """The 19 detailed categories of the 2021 census, in its five high-level groups (ETHNIC_GROUPS)."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
    ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
    ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "black_african", "Black or Black British: African"
    BLACK_CARIBBEAN = "black_caribbean", "Black or Black British: Caribbean"
    BLACK_OTHER = "black_other", "Black or Black British: any other Black, Black British or Caribbean background"
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african", "Mixed: White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "Mixed: White and Black Caribbean"
    MIXED_OTHER = "mixed_other", "Mixed: any other Mixed or multiple ethnic background"
    WHITE_BRITISH = "white_british", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER_ANY = "other_any", "Other ethnic group: any other ethnic group"
    NOT_RECORDED = "not_recorded", "Not recorded"
    PREFERS_NOT_TO_SAY = "prefers_not_to_say", "Prefers not to say"


class EthnicGroup(models.TextChoices):
    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    NOT_RECORDED = "not_recorded", "Not recorded"
    PREFERS_NOT_TO_SAY = "prefers_not_to_say", "Prefers not to say"


def ethnic_group(code: str) -> str:
    """The high-level group of a detailed code (the code's prefix)."""
    if code in (Ethnicity.NOT_RECORDED, Ethnicity.PREFERS_NOT_TO_SAY):
        return code
    return code.split("_", 1)[0] if code in Ethnicity.values else EthnicGroup.NOT_RECORDED


# The detailed categories of each group, in the census's order (radios and tables use it).
ETHNIC_GROUPS: dict[str, list[str]] = {
    group: [code for code in Ethnicity.values if ethnic_group(code) == group] for group in EthnicGroup.values
}


class AgeBand(models.TextChoices):
    UNDER_10 = "0-9", "Under 10"
    AGE_10_13 = "10-13", "10 to 13"
    AGE_14_15 = "14-15", "14 to 15"
    AGE_16_17 = "16-17", "16 to 17"
    AGE_18_24 = "18-24", "18 to 24"


def age_band(born: date, on: date) -> str:
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for band in AgeBand.values:
        low, high = (int(part) for part in band.split("-"))
        if low <= age <= high:
            return band
    return AgeBand.AGE_18_24 if age > 24 else AgeBand.UNDER_10


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


_GENDER_WORDS = {
    Gender.FEMALE: ("f", "female", "girl", "woman", "femme", "feminine"),
    Gender.MALE: ("m", "male", "boy", "man", "masculine"),
    Gender.NON_BINARY: ("non binary", "nonbinary", "nb", "x", "other", "another gender", "gender fluid", "genderfluid"),
    Gender.NOT_RECORDED: ("", "not recorded", "unknown", "u", "not known", "not stated", "nk", "blank"),
    Gender.PREFERS_NOT_TO_SAY: ("prefers not to say", "prefer not to say", "refused", "declined", "withheld"),
}
GENDER_SYNONYMS = {_key(word): code for code, words in _GENDER_WORDS.items() for word in words}

_ETHNICITY_WORDS = {
    Ethnicity.ASIAN_BANGLADESHI: ("asian bangladeshi", "bangladeshi", "asian or asian british bangladeshi", "abng"),
    Ethnicity.ASIAN_CHINESE: ("chinese", "asian chinese", "chne"),
    Ethnicity.ASIAN_INDIAN: ("asian indian", "indian", "asian or asian british indian", "aind"),
    Ethnicity.ASIAN_PAKISTANI: ("asian pakistani", "pakistani", "asian or asian british pakistani", "apkn"),
    Ethnicity.ASIAN_OTHER: ("asian other", "other asian", "any other asian background", "aoth"),
    Ethnicity.BLACK_AFRICAN: ("black african", "african", "black or black british african", "bafr"),
    Ethnicity.BLACK_CARIBBEAN: ("black caribbean", "caribbean", "black or black british caribbean", "bcrb"),
    Ethnicity.BLACK_OTHER: ("black other", "other black", "any other black background", "both"),
    Ethnicity.MIXED_WHITE_ASIAN: ("mixed white and asian", "white and asian", "mwas"),
    Ethnicity.MIXED_WHITE_BLACK_AFRICAN: ("mixed white and black african", "white and black african", "mwba"),
    Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN: ("mixed white and black caribbean", "white and black caribbean", "mwbc"),
    Ethnicity.MIXED_OTHER: ("mixed other", "other mixed", "any other mixed background", "moth"),
    Ethnicity.WHITE_BRITISH: ("white british", "british", "white english", "white scottish", "white welsh", "wbri"),
    Ethnicity.WHITE_IRISH: ("white irish", "irish", "wiri"),
    Ethnicity.WHITE_GYPSY_TRAVELLER: (
        "gypsy or irish traveller",
        "irish traveller",
        "gypsy",
        "traveller of irish heritage",
        "wirt",
    ),
    Ethnicity.WHITE_ROMA: ("roma", "white roma", "wrom"),
    Ethnicity.WHITE_OTHER: ("white other", "other white", "any other white background", "woth"),
    Ethnicity.OTHER_ARAB: ("arab", "other arab"),
    Ethnicity.OTHER_ANY: ("any other ethnic group", "other ethnic group", "ooth"),
    Ethnicity.NOT_RECORDED: ("", "not recorded", "unknown", "not known", "not stated", "not obtained", "nobt"),
    Ethnicity.PREFERS_NOT_TO_SAY: ("prefers not to say", "prefer not to say", "refused", "declined", "refu"),
}
ETHNICITY_SYNONYMS = {_key(word): code for code, words in _ETHNICITY_WORDS.items() for word in words}


def gender_code(text: str | None) -> str | None:
    """The code for recorded gender text (a code itself or a common spelling); None if unknown."""
    key = _key(text or "")
    return key.replace(" ", "_") if key.replace(" ", "_") in Gender.values else GENDER_SYNONYMS.get(key)


def ethnicity_code(text: str | None) -> str | None:
    """The code for recorded ethnicity text (a code, a census label or a common spelling, such as
    the school census's four-letter codes); None if it cannot be told (for example "Other", or
    "Gypsy, Roma or Traveller", which the census splits in two)."""
    key = _key(text or "")
    if key.replace(" ", "_") in Ethnicity.values:
        return key.replace(" ", "_")
    return ETHNICITY_SYNONYMS.get(key)

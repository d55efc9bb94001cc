"""Demo places: two local authorities, their neighbourhoods and the local police areas, one of which
works across the boundary between them (synthetic names)."""

from areas.demographics import AgeBand, Ethnicity, Gender
from areas.models import BasePopulation, LocalAuthority, Neighbourhood, PoliceArea

RIVERTON = "Riverton City Council"
WESTMOOR = "Westmoor District Council"
# neighbourhood, local authority, police area
PLACES = (
    ("Riverton Central", RIVERTON, "Riverton City Centre"),
    ("Harbourside", RIVERTON, "Riverton City Centre"),
    ("Riverton North", RIVERTON, "Riverton North and East"),
    ("Riverton East", RIVERTON, "Riverton North and East"),
    ("Riverton South", RIVERTON, "Riverton South and Westmoor"),
    ("Westmoor", WESTMOOR, "Riverton South and Westmoor"),
    ("Millbrook", WESTMOOR, "Westmoor Rural"),
    ("Ashford Vale", WESTMOOR, "Westmoor Rural"),
)
# How the demo's young people are spread over the neighbourhoods (relative weights).
CHILD_SHARE = {
    "Riverton Central": 16,
    "Harbourside": 12,
    "Riverton North": 16,
    "Riverton East": 18,
    "Riverton South": 14,
    "Westmoor": 12,
    "Millbrook": 6,
    "Ashford Vale": 6,
}
AUTHORITY_CODES = {RIVERTON: "E06009901", WESTMOOR: "E07009902"}


def seed_areas() -> dict[str, Neighbourhood]:
    """The demo's neighbourhoods by name (made once)."""
    authorities = {
        name: LocalAuthority.objects.get_or_create(name=name, defaults={"code": code})[0]
        for name, code in AUTHORITY_CODES.items()
    }
    police = {name: PoliceArea.objects.get_or_create(name=name)[0] for name in {place[2] for place in PLACES}}
    return {
        name: Neighbourhood.objects.get_or_create(
            local_authority=authorities[authority], name=name, defaults={"police_area": police[police_area]}
        )[0]
        for name, authority, police_area in PLACES
    }


# Residents aged 0 to 24 per neighbourhood (made up), split by age band, gender and ethnicity below.
RESIDENTS = {
    "Riverton Central": 6200,
    "Harbourside": 4800,
    "Riverton North": 7100,
    "Riverton East": 7800,
    "Riverton South": 6400,
    "Westmoor": 5200,
    "Millbrook": 3900,
    "Ashford Vale": 3600,
}
AGE_SHARES = {
    AgeBand.UNDER_10: 0.40,
    AgeBand.AGE_10_13: 0.16,
    AgeBand.AGE_14_15: 0.08,
    AgeBand.AGE_16_17: 0.08,
    AgeBand.AGE_18_24: 0.28,
}
GENDER_SHARES = {Gender.FEMALE: 0.49, Gender.MALE: 0.50, Gender.NON_BINARY: 0.01}
ETHNICITY_SHARES = {
    Ethnicity.WHITE_BRITISH: 0.66,
    Ethnicity.WHITE_OTHER: 0.06,
    Ethnicity.WHITE_IRISH: 0.01,
    Ethnicity.WHITE_GYPSY_TRAVELLER: 0.005,
    Ethnicity.WHITE_ROMA: 0.005,
    Ethnicity.BLACK_AFRICAN: 0.05,
    Ethnicity.BLACK_CARIBBEAN: 0.03,
    Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN: 0.04,
    Ethnicity.MIXED_OTHER: 0.02,
    Ethnicity.ASIAN_PAKISTANI: 0.04,
    Ethnicity.ASIAN_BANGLADESHI: 0.015,
    Ethnicity.ASIAN_INDIAN: 0.02,
    Ethnicity.OTHER_ANY: 0.01,
}


def seed_base_population(places: dict[str, Neighbourhood]) -> int:
    """The base population table (editable in the administration site), made once."""
    if BasePopulation.objects.exists():
        return 0
    rows = [
        BasePopulation(
            neighbourhood=places[name],
            age_band=band,
            gender=gender,
            ethnicity=ethnicity,
            count=round(total * age * sex * share),
        )
        for name, total in RESIDENTS.items()
        for band, age in AGE_SHARES.items()
        for gender, sex in GENDER_SHARES.items()
        for ethnicity, share in ETHNICITY_SHARES.items()
    ]
    BasePopulation.objects.bulk_create(rows, batch_size=500)
    return len(rows)

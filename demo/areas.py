"""Demo places: two local authorities, their neighbourhoods and the local police areas, one of which
works across the boundary between them (synthetic names)."""

from areas.models import LocalAuthority, Neighbourhood, PoliceArea

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

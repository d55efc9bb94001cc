"""Generate a synthetic city for the benchmarks: 100,000 children, 50,000 families, 2,000 contexts and
2,000,000 chronology events, bulk-loaded into PostgreSQL with COPY.

    python -m benchmarks.generate_city [--force] [--scale 0.1] [--database-url postgres://.../safeguarding_bench]

Everything is synthetic (Faker en_GB name pools and a fixed seed), never real people. The database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/safeguarding_bench) is created and
migrated if needed. Idempotent: when the city is already there (same counts) it does nothing;
--force drops the database and builds it again. ANALYZE (with VACUUM) runs after loading.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import psycopg
from psycopg import sql

from benchmarks import env

SEED = 20_260_301
REFERENCE_PREFIX = "BC-"
DEFAULT_PASSWORD = "correct horse battery"  # noqa: S105 (synthetic benchmark personas only)

# Full size, as the issue asks. --scale multiplies the row counts of children, families, contexts, links,
# events and referrals (agencies and users stay) for a quick try-out.
CHILDREN = 100_000
FAMILIES = 50_000
CONTEXTS = 2_000
CONTEXT_LINKS = 60_000
EVENTS = 2_000_000
FAMILY_EVENTS_SHARE = 0.05
CONTEXT_EVENTS_SHARE = 0.025
ALIAS_SHARE = 0.10
PEER_LINKS = 20_000
CHILD_REFERRALS = 6_000
CONTEXT_REFERRALS = 400
ASSESSMENTS = 300
PLANS = 200

COUNCIL = "Bench City Council Children's Services"
YOUTH_JUSTICE = "Bench City Youth Justice Service"
POLICE = "Bench Police (Operation Compass)"
SAFER_STREETS = "Safer Streets Trust (Bench City)"
MENTORING = "Bench City Community Mentoring Network"
YOUTH_VOICE = "Youth Voice Project"
SCHOOLS = ("Northgate Academy", "St Anne's Catholic High School", "Riverside Pupil Referral Unit")

# name: (kind, share of children with an involvement, of which ended, staff users, persona role for staff)
AGENCIES = {
    COUNCIL: ("council", 0.36, 0.15, 60, "caseworker"),  # ~30,000 children with an active involvement
    YOUTH_JUSTICE: ("council", 0.13, 0.15, 25, "caseworker"),
    POLICE: ("police", 0.42, 0.10, 60, "police_officer"),
    SAFER_STREETS: ("voluntary", 0.045, 0.10, 12, "voluntary_worker"),
    MENTORING: ("voluntary", 0.02, 0.10, 8, "mentoring_coordinator"),
    YOUTH_VOICE: ("voluntary", 0.03, 0.10, 8, "voluntary_worker"),
    SCHOOLS[0]: ("education", 0.14, 0.10, 6, "caseworker"),
    SCHOOLS[1]: ("education", 0.14, 0.10, 6, "caseworker"),
    SCHOOLS[2]: ("education", 0.05, 0.10, 4, "caseworker"),
}
# Signed-in users the benchmark (or a person at runserver) uses.
PERSONAS = (
    ("caseworker", COUNCIL, "caseworker"),
    ("police", POLICE, "police_officer"),
    ("voluntary", SAFER_STREETS, "voluntary_worker"),
    ("manager", YOUTH_JUSTICE, "manager"),
    ("mentor", MENTORING, "mentor"),
)

_QUARTERS = ("Central", "North", "North East", "East", "South East", "South", "South West", "West", "North West")
AREAS = (
    *(f"Bench City {name}" for name in (*_QUARTERS, "Docklands", "Old Town", "University Quarter")),
    *("Millbrook", "Ashford Vale", "Kingsmoor", "Harbourside", "Westmoor", "Fenwick", "Oakley", "Stanton"),
)
# The city's local authorities: Bench City's own neighbourhoods, then those of the district around it.
CITY_COUNCIL, DISTRICT_COUNCIL = "Bench City Council", "Bench Shire District Council"
# Local police areas, each a run of AREAS in order (the centre's takes in Millbrook, in the district).
POLICE_AREAS = (("Bench City North", 4), ("Bench City South", 5), ("Bench City Centre", 4), ("Bench Shire", 7))
ETHNICITIES = (
    ("white_british", 50),
    ("white_other", 7),
    ("white_irish", 2),
    ("black_caribbean", 7),
    ("black_african", 9),
    ("mixed_white_black_caribbean", 7),
    ("mixed_other", 3),
    ("asian_pakistani", 5),
    ("asian_bangladeshi", 3),
    ("asian_indian", 3),
    ("white_gypsy_traveller", 1),
    ("other_any", 2),
    ("not_recorded", 4),
)
GENDERS = (("male", 57), ("female", 41), ("not_recorded", 2))
AGE_BANDS = (("0-9", 0.40), ("10-13", 0.16), ("14-15", 0.08), ("16-17", 0.08), ("18-24", 0.28))
# Locales whose Faker name lists give the city its names, with the share of children from each.
NAME_LOCALES = (
    ("en_GB", 66),
    ("en_IE", 9),
    ("en_IN", 8),
    ("yo_NG", 5),
    ("tw_GH", 4),
    ("tr_TR", 3),
    ("pt_PT", 3),
    ("ro_RO", 2),
)
NICKNAMES = (
    "Ace", "Bex", "Blaze", "Bugsy", "Chip", "Dee", "Dre", "Flash", "Frosty", "Ghost", "Jay", "Jojo", "Kay",
    "Kiki", "Lil T", "Lucky", "Milly", "Nino", "Pip", "Red", "Rio", "Shorty", "Skinny", "Smokey", "Sonny",
    "Spider", "Tiny", "Trey", "Vee", "Whizz", "Zed", "Ziggy", "Big M", "Little J", "Youngster", "Scratch",
)  # fmt: skip
EVENT_KINDS = (
    ("contact", 25),
    ("meeting", 12),
    ("missing_episode", 8),
    ("found", 7),
    ("school_attendance", 8),
    ("exclusion", 4),
    ("incident", 10),
    ("arrest", 4),
    ("weapon_offence", 1.5),
    ("disclosure", 3),
    ("referral", 4),
    ("assessment", 4),
    ("health", 5),
    ("other", 4.5),
)
EVENT_SUMMARIES = {
    "contact": ("Home visit; spoke with {who}", "Phone call with {who}", "Met young person at {place}"),
    "meeting": ("Strategy meeting held", "Team around the child meeting", "Multi-agency meeting about {place}"),
    "missing_episode": ("Reported missing from home overnight", "Missing after school; last seen near {place}"),
    "found": ("Found at {place} by police", "Returned home; return interview offered"),
    "school_attendance": ("Attendance below 80% this half term", "Absent without explanation for three days"),
    "exclusion": ("Fixed-term exclusion for five days", "Internal exclusion after an incident at school"),
    "incident": ("Seen with older males at {place}", "Assault reported near {place}", "Concern raised by {who}"),
    "arrest": ("Arrested on suspicion of possession with intent to supply", "Arrested after disturbance at {place}"),
    "weapon_offence": ("Found carrying a knife near {place}", "Stop and search: bladed article recovered"),
    "disclosure": ("Disclosure to {who} about pressure to carry drugs", "Disclosed being threatened online"),
    "referral": ("Referral received from {who}", "Referral to the exploitation panel"),
    "assessment": ("Child and family assessment started", "Return home interview completed"),
    "health": ("A&E attendance with a hand injury", "Sexual health clinic appointment"),
    "other": ("Information shared by {who}", "Note added after case review"),
}
WHO = ("mum", "dad", "grandmother", "the school's safeguarding lead", "a youth worker", "a neighbour", "police")
RELIABILITY = (("confirmed", 55), ("probable", 20), ("possible", 15), ("unverified", 10))
LINK_ROLES = (("member", 55), ("victim", 15), ("witness", 10), ("harming", 10), ("pupil", 10))
PEER_RELATIONSHIPS = ("associate", "friend", "sibling", "partner", "harming")
CONTEXT_KINDS = (("location", 0.45), ("peer_group", 0.30), ("online", 0.15), ("school", 0.06), ("neighbourhood", 0.04))
LOCATION_TYPES = ("park", "takeaway", "transport_hub", "hotel", "shop", "housing", "leisure", "other")
LOCATION_WORDS = {
    "park": ("Park", "Recreation Ground", "Playing Fields"),
    "takeaway": ("Chicken Shop", "Kebab House", "Café"),
    "transport_hub": ("Bus Station", "Railway Station", "Number 42 bus route"),
    "hotel": ("Hotel", "Inn", "Short-let flats"),
    "shop": ("Convenience Store", "Vape Shop", "Off-licence"),
    "housing": ("House", "Flats", "Estate stairwell"),
    "leisure": ("Leisure Centre", "Arcade", "Skate Park"),
    "other": ("Car park", "Underpass", "Canal towpath"),
}
PLATFORMS = ("Snapchat", "Instagram", "TikTok", "WhatsApp", "Telegram", "Discord")
CONCERNS = (
    "criminal_exploitation",
    "sexual_exploitation",
    "youth_violence",
    "trafficking",
    "radicalisation",
    "peer_abuse",
    "online_abuse",
    "other",
)
REFERRAL_STATUSES = ("received", "screening", "accepted", "signposted", "no_further_action", "closed")

# Tables this generator fills, in load order (foreign keys point backwards).
TABLES = (
    "areas_localauthority",
    "areas_policearea",
    "areas_neighbourhood",
    "areas_basepopulation",
    "cases_context",
    "cases_child",
    "cases_childalias",
    "cases_childname",
    "cases_family",
    "cases_adult",
    "cases_familymember",
    "cases_involvement",
    "cases_contextlink",
    "cases_peerlink",
    "cases_chronologyevent",
    "cases_referral",
    "cases_referraldecision",
    "cases_contextassessment",
    "cases_contextplan",
    "cases_contextplan_children",
    "cases_plangoal",
    "cases_planresponse",
    "access_accessgrant",
)


# Bulk loading ---------------------------------------------------------------------------------


def text(value: str) -> str:
    """A string as a COPY text-format field."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def field(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return text(value)
    return str(value)


def model_for(table: str):
    from django.apps import apps

    return next((model for model in apps.get_models(include_auto_created=True) if model._meta.db_table == table), None)


def model_defaults(table: str, columns: tuple[str, ...]) -> dict:
    """Model fields this generator does not know about (added since it was written): their defaults."""
    model = model_for(table)
    if model is None:
        return {}
    return {
        model_field.column: model_field.get_default()
        for model_field in model._meta.concrete_fields
        if model_field.column not in columns and not model_field.primary_key
    }


def schema_drift() -> list[str]:
    """Model columns missing from the database: a migration was changed after this database was built."""
    from django.db import connection

    missing = []
    with connection.cursor() as cursor:
        for table in TABLES:
            model = model_for(table)
            present = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            missing += [f"{table}.{f.column}" for f in model._meta.concrete_fields if f.column not in present]
    return missing


class Loader:
    """COPY rows into a table in chunks. Rows are tuples of values, or ready-made COPY lines."""

    CHUNK = 100_000

    def __init__(self, cursor):
        self.cursor = cursor
        self.counts: dict[str, int] = {}

    def copy(self, table: str, columns: tuple[str, ...], rows, *, lines: bool = False) -> int:
        defaults = model_defaults(table, columns)
        suffix = "".join("\t" + field(value) for value in defaults.values()) + "\n"
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, (*columns, *defaults)))
        )
        buffer, pending, total = io.StringIO(), 0, 0
        for row in rows:
            buffer.write(row[:-1] + suffix if lines else "\t".join(map(field, row)) + suffix)
            pending += 1
            if pending == self.CHUNK:
                self._flush(statement, buffer)
                total += pending
                buffer, pending = io.StringIO(), 0
        if pending:
            self._flush(statement, buffer)
            total += pending
        self.counts[table] = self.counts.get(table, 0) + total
        return total

    def _flush(self, statement, buffer: io.StringIO) -> None:
        with self.cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())


# Names ----------------------------------------------------------------------------------------


@dataclass
class NamePools:
    male: list[tuple[list[str], list[float]]]
    female: list[tuple[list[str], list[float]]]
    family: list[tuple[list[str], list[float]]]
    locale_weights: list[float]

    @classmethod
    def load(cls) -> NamePools:
        import importlib

        male, female, family, weights = [], [], [], []
        for locale, weight in NAME_LOCALES:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
            male.append(cls._pool(provider.first_names_male))
            female.append(cls._pool(provider.first_names_female))
            family.append(cls._pool(provider.last_names))
            weights.append(weight)
        return cls(male, female, family, weights)

    @staticmethod
    def _pool(names) -> tuple[list[str], list[float]]:
        if isinstance(names, dict):  # Faker's weighted lists: name -> frequency
            return list(names), [float(weight) for weight in names.values()]
        return list(names), [1.0] * len(names)

    def draw(self, rng: random.Random, pools, count: int) -> list[str]:
        """`count` names: a locale per name, then a name from that locale's (weighted) list."""
        locales = rng.choices(range(len(pools)), weights=self.locale_weights, k=count)
        by_locale: dict[int, int] = defaultdict(int)
        for locale in locales:
            by_locale[locale] += 1
        drawn = {
            locale: iter(rng.choices(pools[locale][0], weights=pools[locale][1], k=n))
            for locale, n in by_locale.items()
        }
        return [next(drawn[locale]) for locale in locales]


# The city -------------------------------------------------------------------------------------


def nhs_number(seed: int) -> str:
    """A ten-digit number with a valid modulus 11 check digit, or '' if this seed has none."""
    digits = f"{400_000_000 + seed:09d}"
    total = sum(int(digit) * weight for digit, weight in zip(digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return "" if check == 10 else digits + str(check)


def skewed_counts(rng: random.Random, people: int, total: int) -> list[int]:
    """Events per child: most have a handful, some dozens, about 1% between 150 and 600; sums to `total`."""
    counts = []
    for _ in range(people):
        tier = rng.random()
        if tier < 0.56:
            counts.append(rng.randint(0, 8))
        elif tier < 0.90:
            counts.append(rng.randint(8, 35))
        elif tier < 0.99:
            counts.append(rng.randint(35, 90))
        else:
            counts.append(rng.randint(150, 600))
    # Nudge to the exact total, one event at a time, on random ordinary children.
    difference = total - sum(counts)
    step = 1 if difference > 0 else -1
    while difference:
        index = rng.randrange(people)
        if counts[index] + step >= 0 and counts[index] < 150:
            counts[index] += step
            difference -= step
    return counts


class City:
    def __init__(self, loader: Loader, scale: float, today: date):
        self.load = loader
        self.scale = scale
        self.today = today
        self.rng = random.Random(SEED)
        self.children = max(200, round(CHILDREN * scale))
        self.families = max(100, round(FAMILIES * scale))
        self.contexts = max(50, round(CONTEXTS * scale))
        self.events = max(2_000, round(EVENTS * scale))
        self.days = [(today - timedelta(days=offset)).isoformat() for offset in range(0, 80 * 366)]

    # Helpers -----------------------------------------------------------------------------------

    def day(self, days_ago: int) -> str:
        return self.days[days_ago]

    def stamp(self, days_ago: int) -> str:
        return f"{self.days[days_ago]} {self.rng.randint(7, 21):02d}:{self.rng.randint(0, 59):02d}:00+00"

    def weighted(self, options, k: int) -> list[str]:
        return self.rng.choices([name for name, _ in options], weights=[weight for _, weight in options], k=k)

    def staff_of(self, agency_id: int) -> int:
        return self.rng.choice(self.staff[agency_id])

    # Agencies and people -----------------------------------------------------------------------

    def people(self) -> None:
        from django.contrib.auth.hashers import make_password

        from accounts.models import Agency, Membership, User

        self.agency_ids = {}
        for name, (kind, *_rest) in AGENCIES.items():
            self.agency_ids[name] = Agency.objects.get_or_create(name=name, defaults={"kind": kind})[0].pk
        password = make_password(DEFAULT_PASSWORD)
        fake = _faker(SEED)
        users, memberships = [], []
        for username, agency, role in PERSONAS:
            users.append(User(username=username, first_name=fake.first_name(), last_name=fake.last_name()))
            memberships.append((username, agency, role))
        number = 0
        for agency, (_kind, _share, _ended, staff, role) in AGENCIES.items():
            for _ in range(staff):
                number += 1
                username = f"staff{number:04d}"
                users.append(User(username=username, first_name=fake.first_name(), last_name=fake.last_name()))
                memberships.append((username, agency, role))
        for user in users:
            user.password = password
            user.email = f"{user.username}@bench.example.org"
        User.objects.bulk_create(users)
        by_name = dict(User.objects.values_list("username", "pk"))
        Membership.objects.bulk_create(
            Membership(user_id=by_name[username], agency_id=self.agency_ids[agency], role=role)
            for username, agency, role in memberships
        )
        self.user_ids = by_name
        self.staff = defaultdict(list)
        for username, agency, _role in memberships:
            if username.startswith("staff"):
                self.staff[self.agency_ids[agency]].append(by_name[username])
        self.all_agencies = list(self.agency_ids.values())
        self.all_staff = [user for agency in self.all_agencies for user in self.staff[agency]]

    # Areas -------------------------------------------------------------------------------------

    def areas_(self) -> None:
        """Two local authorities, four police areas and AREAS as neighbourhoods (ids 1..n in order),
        with a base population per neighbourhood, age band, gender and ethnicity."""
        self.load.copy("areas_localauthority", ("id", "name", "code", "is_active"),
                       [(1, CITY_COUNCIL, "E06009990", True), (2, DISTRICT_COUNCIL, "E07009991", True)])  # fmt: skip
        self.load.copy("areas_policearea", ("id", "name", "is_active"),
                       [(pk, name, True) for pk, (name, _size) in enumerate(POLICE_AREAS, start=1)])  # fmt: skip
        police = [pk for pk, (_name, size) in enumerate(POLICE_AREAS, start=1) for _ in range(size)]
        self.load.copy(
            "areas_neighbourhood", ("id", "name", "local_authority_id", "police_area_id", "is_active"),
            [(pk, name, 1 if name.startswith("Bench City") else 2, police[pk - 1], True)
             for pk, name in enumerate(AREAS, start=1)],
        )  # fmt: skip
        ethnic_total = sum(weight for _code, weight in ETHNICITIES)
        per_area = round(self.children * 1.6 / len(AREAS))  # residents aged 0 to 24 per neighbourhood
        rows = [
            (neighbourhood, band, gender, ethnicity, round(per_area * age * sex / 100 * weight / ethnic_total))
            for neighbourhood in range(1, len(AREAS) + 1)
            for band, age in AGE_BANDS
            for gender, sex in (("female", 49), ("male", 50), ("non_binary", 1))
            for ethnicity, weight in ETHNICITIES
        ]
        self.load.copy(
            "areas_basepopulation", ("id", "neighbourhood_id", "age_band", "gender", "ethnicity", "count"),
            [(pk, *row) for pk, row in enumerate(rows, start=1)],
        )  # fmt: skip

    def neighbourhood(self) -> int:
        return self.rng.randrange(len(AREAS)) + 1

    # Contexts ----------------------------------------------------------------------------------

    def contexts_(self) -> None:
        fake = _faker(SEED + 1)
        rng = self.rng
        kinds = []
        for kind, share in CONTEXT_KINDS:
            kinds += [kind] * round(self.contexts * share)
        kinds = (kinds + ["location"] * self.contexts)[: self.contexts]
        rng.shuffle(kinds)
        self.context_kind = {}
        rows = []
        for pk, kind in enumerate(kinds, start=1):
            self.context_kind[pk] = kind
            neighbourhood = self.neighbourhood()
            area = AREAS[neighbourhood - 1]
            location_type = address = known_names = dynamics = platform = description = ""
            latitude = longitude = None
            if kind == "location":
                location_type = rng.choice(LOCATION_TYPES)
                street = fake.street_name()
                name = f"{street} {rng.choice(LOCATION_WORDS[location_type])}"
                address = f"{rng.randint(1, 250)} {street}, {area}"
                latitude, longitude = f"{52 + rng.random():.5f}", f"{-1.5 + rng.random():.5f}"
            elif kind == "peer_group":
                tag = fake.last_name()
                name = f"{tag} Road group ({area})"
                known_names = f"{tag[:3].upper()} Boys, the {tag} lot"
                dynamics = "Older members recruit younger ones; rivalry with a group from the next estate."
            elif kind == "online":
                platform = rng.choice(PLATFORMS)
                name = f"{platform} group '{fake.word()} {fake.word()}'"
            elif kind == "school":
                name = f"{fake.last_name()} {rng.choice(('Academy', 'High School', 'College', 'Primary School'))}"
            else:
                name = f"{fake.street_name()} estate"
            description = fake.sentence(nb_words=12)
            days_ago = rng.randint(30, 2000)
            rows.append(
                (pk, 1, self.stamp(days_ago), self.stamp(days_ago - 10), f"CX-{pk:05d}", kind, name, description,
                 "open" if rng.random() < 0.85 else "closed", neighbourhood, location_type, address, latitude,
                 longitude, known_names, dynamics, platform, rng.choice(self.all_staff))
            )  # fmt: skip
        self.load.copy(
            "cases_context",
            ("id", "version", "created_at", "updated_at", "reference", "kind", "name", "description", "status",
             "neighbourhood_id", "location_type", "address", "latitude", "longitude", "known_names", "dynamics",
             "platform",
             "created_by_id"),
            rows,
        )  # fmt: skip
        self.schools = [pk for pk, kind in self.context_kind.items() if kind == "school"]

    # Children ----------------------------------------------------------------------------------

    def children_(self, pools: NamePools) -> None:
        from cases.names import normalise, phonetic

        rng, count = self.rng, self.children
        genders = self.weighted(GENDERS, count)
        male = iter(pools.draw(rng, pools.male, count))
        female = iter(pools.draw(rng, pools.female, count))
        family_names = pools.draw(rng, pools.family, count)
        ethnicities = self.weighted(ETHNICITIES, count)
        self.child_birth_days_ago: list[int] = [0]  # index = child id
        self.child_names: list[tuple[str, str]] = [("", "")]
        rows, names, aliases = [], [], []
        alias_pk = 0

        def index_row(child_pk: int, text_value: str, alias: int | None):
            words = normalise(text_value).split()
            keys = f" {' '.join(phonetic(word) for word in words)} "
            return (len(names) + 1, " ".join(words), keys, alias, child_pk)

        for pk in range(1, count + 1):
            gender = genders[pk - 1]
            given = next(male) if gender == "male" else next(female) if gender == "female" else next(male)
            family = family_names[pk - 1]
            born = rng.randint(9 * 365 + 3, 18 * 365 - 10)
            self.child_birth_days_ago.append(born)
            self.child_names.append((given, family))
            created = rng.randint(0, min(born - 1, 3000))
            rows.append(
                (pk, 1, self.stamp(created), self.stamp(max(0, created - rng.randint(0, 200))),
                 f"{REFERENCE_PREFIX}{pk:06d}", given, family, self.day(born), gender, ethnicities[pk - 1],
                 self.neighbourhood(), "open" if rng.random() < 0.85 else "closed",
                 f"H{pk:011d}{pk % 10}" if rng.random() < 0.8 else "",
                 nhs_number(pk) if rng.random() < 0.7 else "",
                 f"WP{pk:08d}" if rng.random() < 0.25 else "",
                 None, rng.choice(self.schools) if self.schools and rng.random() < 0.85 else None)
            )  # fmt: skip
            names.append(index_row(pk, f"{given} {family}", None))
            if rng.random() < ALIAS_SHARE:
                alias_pk += 1
                style = rng.random()
                if style < 0.45:  # a previous or other family name
                    alias, note = f"{given} {rng.choice(family_names)}", "Previous family name"
                elif style < 0.8:  # a street name or nickname
                    alias, note = rng.choice(NICKNAMES), "Street name"
                else:  # known by a shortened or different given name
                    alias, note = f"{rng.choice(NICKNAMES)} {family}", "Known as"
                aliases.append((alias_pk, alias, note, self.stamp(rng.randint(0, 1500)), pk))
                names.append(index_row(pk, alias, alias_pk))
        self.load.copy(
            "cases_child",
            ("id", "version", "created_at", "updated_at", "reference", "given_name", "family_name", "date_of_birth",
             "gender", "ethnicity", "neighbourhood_id", "status", "upn", "nhs_number", "police_id",
             "lead_professional_id", "school_id"),
            rows,
        )  # fmt: skip
        self.load.copy("cases_childalias", ("id", "name", "note", "created_at", "child_id"), aliases)
        self.load.copy("cases_childname", ("id", "normalised", "phonetic_keys", "alias_id", "child_id"), names)

    # Families ----------------------------------------------------------------------------------

    def families_(self, pools: NamePools) -> None:
        rng, count = self.rng, self.families
        fake = _faker(SEED + 2)
        postcodes = [fake.postcode() for _ in range(2_000)]
        in_families = list(range(1, self.children + 1))
        rng.shuffle(in_families)
        in_families = in_families[: round(self.children * 0.85)]
        households: list[list[int]] = [[child] for child in in_families[:count]]
        for child in in_families[count:]:
            rng.choice(households).append(child)
        adult_count = 0
        families, adults, members = [], [], []
        women = iter(pools.draw(rng, pools.female, count * 2))
        men = iter(pools.draw(rng, pools.male, count * 2))
        self.family_children: list[list[int]] = [[]]
        for pk, household in enumerate(households, start=1):
            surname = self.child_names[household[0]][1]
            days_ago = rng.randint(0, 3000)
            families.append(
                (pk, 1, self.stamp(days_ago), self.stamp(max(0, days_ago - 30)), f"FA-{pk:06d}", f"{surname} family",
                 rng.choice(postcodes), self.neighbourhood())
            )  # fmt: skip
            self.family_children.append(household)
            for child in household:
                members.append((len(members) + 1, "child", rng.random() < 0.95, None, child, pk))
            for relationship in rng.choice(
                (("mother",), ("mother", "father"), ("mother", "step_parent"), ("father",), ("grandparent",),
                 ("carer",), ("mother", "sibling"), ("mother", "father", "grandparent"))
            ):  # fmt: skip
                adult_count += 1
                born = rng.randint(50 * 365, 75 * 365) if relationship == "grandparent" else rng.randint(20, 55) * 365
                given = next(men) if relationship in ("father", "step_parent") else next(women)
                adults.append(
                    (adult_count, given, surname if rng.random() < 0.8 else rng.choice(pools.family[0][0]),
                     self.day(born) if rng.random() < 0.9 else None, self.stamp(days_ago))
                )  # fmt: skip
                members.append((len(members) + 1, relationship, True, adult_count, None, pk))
        self.load.copy(
            "cases_family", ("id", "version", "created_at", "updated_at", "reference", "name", "postcode",
                             "neighbourhood_id"),
            families,
        )  # fmt: skip
        self.load.copy("cases_adult", ("id", "given_name", "family_name", "date_of_birth", "created_at"), adults)
        self.load.copy(
            "cases_familymember", ("id", "relationship", "lives_in_household", "adult_id", "child_id", "family_id"),
            members,
        )  # fmt: skip

    # Involvements: who works with whom ---------------------------------------------------------

    def involvements(self) -> None:
        rng = self.rng
        rows = []
        self.involved: dict[int, set[int]] = {}  # agency -> children with an active involvement
        everyone = range(1, self.children + 1)
        for name, (_kind, share, ended_share, *_rest) in AGENCIES.items():
            agency = self.agency_ids[name]
            chosen = rng.sample(everyone, round(self.children * share))
            active = set()
            for child in chosen:
                started = rng.randint(1, min(self.child_birth_days_ago[child] - 1, 2500))
                ended = None
                if rng.random() < ended_share:
                    ended = rng.randint(0, started - 1) if started > 1 else None
                if ended is None or ended == 0:
                    active.add(child)
                rows.append(
                    (len(rows) + 1, rng.random() < 0.3, self.day(started), None if ended is None else self.day(ended),
                     agency, child, None, None, self.staff_of(agency) if rng.random() < 0.8 else None)
                )  # fmt: skip
            self.involved[agency] = active
        for name, share in ((COUNCIL, 0.15), (POLICE, 0.03), (SAFER_STREETS, 0.02), (YOUTH_JUSTICE, 0.03)):
            agency = self.agency_ids[name]
            for family in rng.sample(range(1, self.families + 1), round(self.families * share)):
                started = rng.randint(1, 2000)
                rows.append(
                    (len(rows) + 1, False, self.day(started), None, agency, None, None, family, self.staff_of(agency))
                )
        for name, share in ((COUNCIL, 0.4), (POLICE, 0.5), (SAFER_STREETS, 0.15), (YOUTH_VOICE, 0.1)):
            agency = self.agency_ids[name]
            for context in rng.sample(range(1, self.contexts + 1), round(self.contexts * share)):
                started = rng.randint(1, 2000)
                rows.append(
                    (len(rows) + 1, False, self.day(started), None, agency, None, context, None, self.staff_of(agency))
                )
        self.load.copy(
            "cases_involvement",
            ("id", "is_lead_agency", "started_on", "ended_on", "agency_id", "child_id", "context_id", "family_id",
             "lead_professional_id"),
            rows,
        )  # fmt: skip

    # Links -------------------------------------------------------------------------------------

    def links(self) -> None:
        rng = self.rng
        # Some contexts are hotspots: weights fall off like 1/rank, so the busiest have a few hundred.
        contexts = list(range(1, self.contexts + 1))
        rng.shuffle(contexts)
        weights = [1 / (rank + 50) for rank in range(len(contexts))]
        target = round(CONTEXT_LINKS * self.scale)
        chosen_contexts = rng.choices(contexts, weights=weights, k=target)
        seen, rows = set(), []
        self.context_children: dict[int, list[int]] = defaultdict(list)
        roles = self.weighted(LINK_ROLES, target)
        reliabilities = self.weighted(RELIABILITY, target)
        for index, context in enumerate(chosen_contexts):
            child = rng.randint(1, self.children)
            if (child, context) in seen:
                continue
            seen.add((child, context))
            self.context_children[context].append(child)
            agency = rng.choice(self.all_agencies)
            since = rng.randint(30, 1500)
            until = rng.randint(0, since - 1) if rng.random() < 0.2 else None
            rows.append(
                (len(rows) + 1, roles[index], self.day(since), None if until is None else self.day(until),
                 reliabilities[index], "", self.stamp(since), child, context, self.staff_of(agency), agency)
            )  # fmt: skip
        self.load.copy(
            "cases_contextlink",
            ("id", "role", "since", "until", "reliability", "note", "created_at", "child_id", "context_id",
             "recorded_by_id", "source_agency_id"),
            rows,
        )  # fmt: skip
        peers, seen = [], set()
        groups = [children for children in self.context_children.values() if len(children) >= 2]
        while len(peers) < round(PEER_LINKS * self.scale) and groups:
            a, b = rng.sample(rng.choice(groups), 2)
            if (a, b) in seen or (b, a) in seen:
                continue
            seen.add((a, b))
            agency = rng.choice(self.all_agencies)
            since = rng.randint(30, 1500)
            peers.append(
                (len(peers) + 1, rng.choice(PEER_RELATIONSHIPS), self.day(since), None,
                 self.weighted(RELIABILITY, 1)[0], "", self.stamp(since), a, b, self.staff_of(agency), agency)
            )  # fmt: skip
        self.load.copy(
            "cases_peerlink",
            ("id", "relationship", "since", "until", "reliability", "note", "created_at", "child_a_id", "child_b_id",
             "recorded_by_id", "source_agency_id"),
            peers,
        )  # fmt: skip

    # Chronology --------------------------------------------------------------------------------

    def chronology(self) -> None:
        rng = self.rng
        fake = _faker(SEED + 3)
        places = [f"{fake.street_name()} {rng.choice(('Park', 'shops', 'bus station', 'estate'))}" for _ in range(60)]
        summaries = {
            kind: [text(template.format(who=rng.choice(WHO), place=rng.choice(places))) for template in templates
                   for _ in range(8)]
            for kind, templates in EVENT_SUMMARIES.items()
        }  # fmt: skip
        details = [text(fake.paragraph(nb_sentences=4)) for _ in range(300)]
        family_events = round(self.events * FAMILY_EVENTS_SHARE)
        context_events = round(self.events * CONTEXT_EVENTS_SHARE)
        child_events = self.events - family_events - context_events
        counts = skewed_counts(rng, self.children, child_events)
        self.event_counts = counts
        # Subjects, as (column index 0 child / 1 family / 2 context, id, earliest day offset).
        subjects: list[tuple[int, int, int]] = []
        window = 6 * 365
        for child, count in enumerate(counts, start=1):
            earliest = min(window, self.child_birth_days_ago[child] - 8 * 365)
            subjects += [(0, child, earliest)] * count
        subjects += [(1, rng.randint(1, self.families), window) for _ in range(family_events)]
        subjects += [(2, rng.randint(1, self.contexts), window) for _ in range(context_events)]
        total = len(subjects)
        kinds = self.weighted(EVENT_KINDS, total)
        reliabilities = self.weighted(RELIABILITY, total)
        agencies = rng.choices(self.all_agencies, k=total)
        rand = rng.random
        # Oldest first, so ids grow with time as they would in a live system.
        offsets = [int(rand() * earliest) for _, _, earliest in subjects]
        order = sorted(range(total), key=offsets.__getitem__, reverse=True)
        times = [f" {hour:02d}:{minute:02d}:00+00" for hour in range(7, 22) for minute in range(60)]
        staff, days = self.staff, self.days
        no_detail = len(details) * 3  # one event in four has a detail paragraph

        def lines():
            for pk, index in enumerate(order, start=1):
                column, subject, _ = subjects[index]
                offset, agency = offsets[index], agencies[index]
                pool = summaries[kinds[index]]
                users = staff[agency]
                ids = ["\\N", "\\N", "\\N"]
                ids[column] = str(subject)
                detail = int(rand() * (no_detail + len(details)))
                yield (
                    f"{pk}\t{days[offset]}\t{kinds[index]}\t{pool[int(rand() * len(pool))]}\t"
                    f"{details[detail - no_detail] if detail >= no_detail else ''}\t{reliabilities[index]}\t"
                    f"{days[max(0, offset - int(rand() * 3))]}{times[int(rand() * 900)]}\t"
                    f"{ids[0]}\t{users[int(rand() * len(users))]}\t{agency}\t{ids[2]}\t{ids[1]}\n"
                )

        self.load.copy(
            "cases_chronologyevent",
            ("id", "occurred_on", "kind", "summary", "detail", "reliability", "recorded_at", "child_id",
             "recorded_by_id", "source_agency_id", "context_id", "family_id"),
            lines(),
            lines=True,
        )  # fmt: skip

    # Referrals, assessments, plans, grants -----------------------------------------------------

    def referrals(self) -> None:
        rng = self.rng
        fake = _faker(SEED + 4)
        concerns_text = [fake.paragraph(nb_sentences=5) for _ in range(200)]
        rows, decisions = [], []
        for pk in range(1, round(CHILD_REFERRALS * self.scale) + round(CONTEXT_REFERRALS * self.scale) + 1):
            about_child = pk <= round(CHILD_REFERRALS * self.scale)
            agency = rng.choice(self.all_agencies)
            user = self.staff_of(agency)
            received = rng.randint(1, 1500)
            status = rng.choice(REFERRAL_STATUSES)
            rows.append(
                (pk, 1, self.stamp(received), self.stamp(max(0, received - 5)), self.day(received),
                 rng.choice(CONCERNS), rng.choice(concerns_text), status,
                 "" if status in ("received", "screening") else "Outcome recorded at screening.",
                 rng.randint(1, self.children) if about_child else None,
                 None if about_child else rng.randint(1, self.contexts), user, agency)
            )  # fmt: skip
            if status != "received":
                decider = self.staff_of(self.agency_ids[COUNCIL])
                decisions.append(
                    (len(decisions) + 1, "screening", "Screening started.", self.stamp(max(0, received - 1)), decider,
                     pk)
                )  # fmt: skip
                if status != "screening":
                    decisions.append(
                        (len(decisions) + 1, status, "Decision after screening.", self.stamp(max(0, received - 4)),
                         decider, pk)
                    )  # fmt: skip
        self.load.copy(
            "cases_referral",
            ("id", "version", "created_at", "updated_at", "received_on", "category", "concerns", "status", "outcome",
             "child_id", "context_id", "referred_by_id", "referrer_agency_id"),
            rows,
        )  # fmt: skip
        self.load.copy(
            "cases_referraldecision",
            ("id", "status", "reason", "decided_at", "decided_by_id", "referral_id"),
            decisions,
        )

    def assessments(self) -> None:
        rng = self.rng
        council = self.agency_ids[COUNCIL]
        eligible = [pk for pk, kind in self.context_kind.items() if kind in ("location", "peer_group", "school")]
        assessed = rng.sample(eligible, min(len(eligible), max(5, round(ASSESSMENTS * self.scale))))
        rows, plans, plan_children, goals, responses = [], [], [], [], []
        for pk, context in enumerate(assessed, start=1):
            started = rng.randint(10, 900)
            done = rng.random() < 0.6
            rows.append(
                (pk, 1, self.stamp(started), self.stamp(max(0, started - 5)), "completed" if done else "draft",
                 self.day(started), self.day(max(0, started - 30)) if done else None,
                 "Local youth club open three evenings a week.", "Older males seen supplying cannabis.",
                 "Shop staff and a park warden are present until 6pm.", "Poor lighting; no CCTV on the path.",
                 "Transport operator has no safeguarding policy.", "Young people say they feel unsafe after dark.",
                 rng.choice(("context_greater", "balanced", "family_greater", "not_known")), "",
                 self.staff_of(council), context)
            )  # fmt: skip
            if len(plans) < max(3, round(PLANS * self.scale)):
                plan = len(plans) + 1
                plans.append(
                    (plan, 1, self.stamp(started), self.stamp(started), f"Safety plan for context CX-{context:05d}",
                     "active", self.day(max(0, started - 90)), pk, context, self.staff_of(council))
                )  # fmt: skip
                linked = self.context_children.get(context, [])
                for child in rng.sample(linked, min(len(linked), rng.randint(2, 10))):
                    plan_children.append((len(plan_children) + 1, plan, child))
                for _ in range(rng.randint(2, 3)):
                    goal = len(goals) + 1
                    goals.append((goal, "Young people feel safe using this place", self.stamp(started), plan))
                    for _ in range(rng.randint(1, 2)):
                        agency = rng.choice(self.all_agencies)
                        responses.append(
                            (len(responses) + 1, "Detached youth work on Friday evenings",
                             "Fewer incidents reported", self.day(max(0, started - 60)),
                             rng.choice(("not_started", "in_progress", "done")), goal, self.staff_of(agency), agency)
                        )  # fmt: skip
        self.load.copy(
            "cases_contextassessment",
            ("id", "version", "created_at", "updated_at", "status", "started_on", "completed_on", "strengths",
             "concerns", "guardianship", "physical_environment", "policies", "young_peoples_views", "weighting",
             "weighting_rationale", "assessor_id", "context_id"),
            rows,
        )  # fmt: skip
        self.load.copy(
            "cases_contextplan",
            ("id", "version", "created_at", "updated_at", "title", "status", "review_on", "assessment_id",
             "context_id", "owner_id"),
            plans,
        )  # fmt: skip
        self.load.copy("cases_contextplan_children", ("id", "contextplan_id", "child_id"), plan_children)
        self.load.copy("cases_plangoal", ("id", "description", "created_at", "plan_id"), goals)
        self.load.copy(
            "cases_planresponse",
            ("id", "action", "measure", "review_on", "status", "goal_id", "owner_id", "owner_agency_id"),
            responses,
        )

    def grants(self) -> None:
        """The mentor persona holds access grants to a few mentees, for a year from today."""
        from datetime import timedelta

        from django.utils import timezone

        today = timezone.localdate()
        mentor = self.user_ids["mentor"]
        mentees = self.rng.sample(range(1, self.children + 1), 12)
        self.load.copy(
            "access_accessgrant",
            ("id", "user_id", "child_id", "reason", "starts_on", "ends_on", "created_at", "end_reason"),
            [
                (pk, mentor, child, "Named mentor", today, today + timedelta(days=365), timezone.now(), "")
                for pk, child in enumerate(mentees, start=1)
            ],
        )


def _faker(seed: int):
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    return fake


# Database set-up and checks -------------------------------------------------------------------


def _maintenance_connection(url: str):
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    connection = psycopg.connect(urlunsplit(parts._replace(path="/postgres")))
    connection.autocommit = True
    return connection


def ensure_database(url: str, *, drop: bool) -> None:
    name = env.database_name(url)
    connection = _maintenance_connection(url)
    with connection.cursor() as cursor:
        if drop:
            print(f"Dropping database {name}")
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            print(f"Creating database {name}")
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def expected_counts(scale: float) -> dict[str, int]:
    return {
        "children": max(200, round(CHILDREN * scale)),
        "families": max(100, round(FAMILIES * scale)),
        "contexts": max(50, round(CONTEXTS * scale)),
        "chronology events": max(2_000, round(EVENTS * scale)),
    }


def dataset_counts() -> dict[str, int]:
    from django.db import connection

    tables = {
        "children": "cases_child",
        "child names": "cases_childname",
        "aliases": "cases_childalias",
        "families": "cases_family",
        "family members": "cases_familymember",
        "contexts": "cases_context",
        "context links": "cases_contextlink",
        "peer links": "cases_peerlink",
        "involvements": "cases_involvement",
        "chronology events": "cases_chronologyevent",
        "referrals": "cases_referral",
    }
    counts = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)).as_string(cursor.cursor))
            counts[label] = cursor.fetchone()[0]
    return counts


def is_generated(scale: float) -> bool | None:
    """True: this city is there. False: empty. None: something else is in the database."""
    from cases.models import Child

    counts = dataset_counts()
    if not any(counts.values()):
        return False
    wanted = expected_counts(scale)
    generated = Child.objects.filter(reference=f"{REFERENCE_PREFIX}{1:06d}").exists()
    if generated and all(counts[label] == number for label, number in wanted.items()):
        return True
    return None


INTEGRITY_CHECKS = (
    ("areas_neighbourhood", "local_authority_id", "areas_localauthority"),
    ("areas_neighbourhood", "police_area_id", "areas_policearea"),
    ("cases_child", "neighbourhood_id", "areas_neighbourhood"),
    ("cases_family", "neighbourhood_id", "areas_neighbourhood"),
    ("cases_context", "neighbourhood_id", "areas_neighbourhood"),
    ("cases_child", "school_id", "cases_context"),
    ("cases_childname", "child_id", "cases_child"),
    ("cases_childname", "alias_id", "cases_childalias"),
    ("cases_familymember", "child_id", "cases_child"),
    ("cases_familymember", "adult_id", "cases_adult"),
    ("cases_familymember", "family_id", "cases_family"),
    ("cases_involvement", "child_id", "cases_child"),
    ("cases_involvement", "family_id", "cases_family"),
    ("cases_involvement", "context_id", "cases_context"),
    ("cases_involvement", "agency_id", "accounts_agency"),
    ("cases_involvement", "lead_professional_id", "accounts_user"),
    ("cases_contextlink", "child_id", "cases_child"),
    ("cases_contextlink", "context_id", "cases_context"),
    ("cases_contextlink", "recorded_by_id", "accounts_user"),
    ("cases_peerlink", "child_a_id", "cases_child"),
    ("cases_peerlink", "child_b_id", "cases_child"),
    ("cases_chronologyevent", "child_id", "cases_child"),
    ("cases_chronologyevent", "family_id", "cases_family"),
    ("cases_chronologyevent", "context_id", "cases_context"),
    ("cases_chronologyevent", "source_agency_id", "accounts_agency"),
    ("cases_chronologyevent", "recorded_by_id", "accounts_user"),
    ("cases_referral", "child_id", "cases_child"),
    ("cases_referral", "context_id", "cases_context"),
    ("cases_referraldecision", "referral_id", "cases_referral"),
    ("cases_contextplan", "assessment_id", "cases_contextassessment"),
    ("cases_contextplan_children", "child_id", "cases_child"),
    ("cases_planresponse", "goal_id", "cases_plangoal"),
)


def check_integrity(cursor) -> None:
    """Foreign-key triggers are off while loading (session_replication_role = replica), so check every
    reference the generator wrote before committing."""
    for table, column, target in INTEGRITY_CHECKS:
        cursor.execute(
            sql.SQL(
                "SELECT count(*) FROM {t} x "
                "WHERE x.{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {r} y WHERE y.id = x.{c})"
            ).format(t=sql.Identifier(table), c=sql.Identifier(column), r=sql.Identifier(target))
        )
        dangling = cursor.fetchone()[0]
        if dangling:
            raise RuntimeError(f"{dangling} rows of {table}.{column} point at no {target}")


def drop_indexes(cursor, tables) -> list[str]:
    """Drop the plain (non-constraint) indexes of `tables` and return the statements that rebuild them:
    building an index once after loading is much faster than keeping it up to date row by row."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [list(tables)],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return [definition for _name, definition in rows]


def generate(scale: float) -> dict[str, float]:
    from django.db import connection, transaction

    timings = {}
    started = time.perf_counter()
    pools = NamePools.load()
    with transaction.atomic():
        cursor = connection.cursor().cursor  # the psycopg cursor itself
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        rebuild = drop_indexes(cursor, TABLES)
        city = City(Loader(cursor), scale, date.today())
        steps = (
            ("people", city.people),
            ("areas", city.areas_),
            ("contexts", city.contexts_),
            ("children", lambda: city.children_(pools)),
            ("families", lambda: city.families_(pools)),
            ("involvements", city.involvements),
            ("links", city.links),
            ("chronology", city.chronology),
            ("referrals", city.referrals),
            ("assessments", city.assessments),
            ("grants", city.grants),
        )
        for name, step in steps:
            step_started = time.perf_counter()
            step()
            timings[name] = time.perf_counter() - step_started
            print(f"  {name:<14} {timings[name]:6.1f} s", flush=True)
        step_started = time.perf_counter()
        for statement in rebuild:
            cursor.execute(statement)
        timings["indexes"] = time.perf_counter() - step_started
        print(f"  {'indexes':<14} {timings['indexes']:6.1f} s", flush=True)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        step_started = time.perf_counter()
        check_integrity(cursor)
        for table in (*TABLES, "accounts_user", "accounts_membership", "accounts_agency"):
            cursor.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM {}"
                ).format(sql.Identifier(table)),
                [table],
            )
        timings["integrity"] = time.perf_counter() - step_started
        print(f"  {'integrity':<14} {timings['integrity']:6.1f} s", flush=True)
    step_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    timings["vacuum analyze"] = time.perf_counter() - step_started
    print(f"  {'vacuum analyze':<14} {timings['vacuum analyze']:6.1f} s", flush=True)
    timings["total"] = time.perf_counter() - started
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="drop the benchmark database and generate it again")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full city (default 1.0)")
    parser.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or " + env.DEFAULT_BENCH_DATABASE_URL)
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")

    url = env.bench_database_url(args.database_url)
    ensure_database(url, drop=args.force)
    env.configure(url)

    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    missing = schema_drift()
    if missing:
        # The database is only ever generated, so build it again rather than measure a stale schema.
        print(f"The database lacks model columns ({', '.join(missing)}): building it again.")
        from django.db import connections

        connections.close_all()
        ensure_database(url, drop=True)
        call_command("migrate", interactive=False, verbosity=0)
    state = is_generated(args.scale)
    if state is True:
        print(f"City already generated in {env.database_name(url)}; nothing to do (--force to regenerate).")
    elif state is None:
        print(
            f"Database {env.database_name(url)} holds other or partial data; run with --force to drop it and "
            "generate the city again.",
            file=sys.stderr,
        )
        return 2
    else:
        print(f"Generating the city (scale {args.scale:g}) in {env.database_name(url)}")
        timings = generate(args.scale)
        print(f"generate_seconds {timings['total']:.1f} s")
    for label, count in dataset_counts().items():
        print(f"dataset_{label.replace(' ', '_')} {count} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

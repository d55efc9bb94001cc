"""Benchmark a first load (issue 14): a city's whole extract imported into an empty system.

    python -m benchmarks.bench_first_load [--scale 1] [--no-check] [--keep] [--no-cohort] [--cohort-only]
        [--cohort-repeat 3] [--database-url ...]

The database (BENCH_FIRST_LOAD_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/safeguarding_first_load; its name must contain "first_load" or
"firstload") is dropped, created and migrated first, so every run starts from an empty city: no
children, no adults, no families, one agency and its manager.

The feed (seeded, synthetic: Faker en_GB names, made-up identifiers) has 1,000,000 rows (x --scale)
about 150,000 real people: 100,000 children and 50,000 adults, the adults and 85% of the children
in 40,000 households. Five source systems, each giving what such a system knows:

- schools: a child's unique pupil number; health: the NHS number; police: the police reference
  (only for the 20% of children and 15% of adults who have one); social care: every identifier the
  child has; housing: the household reference and no identifier.

2% of the people are variants: half appear with a misspelt given or family name on about 40% of
their rows (a letter doubled, dropped, swapped or a vowel changed; the identifier the system gives
is kept), half with the identifier left out on about half of their rows. The people's true
identities are kept in memory (every row's source_record_id names its person), so after the import
the benchmark knows which records each real person ended up in.

The import runs in-process through the real services (feeds.services.upload_feed, then
import_feed: the PostgreSQL path) with the recalculation queued, not run. Then the same rows are
imported again (another file: CRLF line ends, so another SHA-256) and must change nothing.

Prints one `name value unit` line per figure, among them:
- first_load_rows_per_second: rows / seconds from the upload to the end of the import job (its
  audit rows and commit included);
- first_load_people_created against first_load_people_true, first_load_people_off_percent;
- first_load_rows_in_review, first_load_reviews;
- first_load_split_people (real people whose rows went to more than one record) and
  first_load_split_sharing_identifier (of those, records that share an identifier and date of
  birth: must be 0); first_load_merged_people (records holding rows of two real people);
- first_load_rows_unaccounted: rows neither applied nor in review (must be 0);
- reimport_*: people, observations and reviews added by the second import (all 0);
- cohort_full_recalculation_seconds, cohort_floor_durable_seconds, cohort_full_to_floor_ratio on the
  first-load city (whole-city runs after the import against bench_cohort's durable floor, medians of
  --cohort-repeat; CPU ratios and the compute-only floor for information), unless --no-cohort.
  --cohort-only times only those, on the first-load city the last run left (the database stays).

Targets: >= 25,000 rows/s, people within 0.5% of the true number, no split person sharing an
identifier and date of birth, no row unaccounted for, a re-import adding nothing. Exit 1 when one is
missed unless --no-check.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

import psycopg

from benchmarks import env

SEED = 14_014
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/safeguarding_first_load"
TARGET_ROWS_PER_SECOND = 25_000
TARGET_PEOPLE_OFF = 0.005
ROWS, CHILDREN, ADULTS, HOUSEHOLDS = 1_000_000, 100_000, 50_000, 40_000
SCHOOLS, HEALTH, POLICE, SOCIAL_CARE, HOUSING = "fl-schools", "fl-health", "fl-police", "fl-social-care", "fl-housing"
VOWELS = "aeiou"


def emit(name: str, value, unit: str = "") -> None:
    print(f"{name} {value:.2f} {unit}" if isinstance(value, float) else f"{name} {value} {unit}", flush=True)


def database_url(url: str | None) -> str:
    url = url or os.environ.get("BENCH_FIRST_LOAD_DATABASE_URL") or DEFAULT_URL
    name = env.database_name(url)
    if "first_load" not in name and "firstload" not in name:
        sys.exit(f"Refusing database {name!r}: the first-load benchmark drops it, so its name must say first_load.")
    return url


def recreate(url: str) -> None:
    """An empty city: the database dropped and created again (then migrated by main)."""
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    connection = psycopg.connect(admin)
    connection.autocommit = True
    name = env.database_name(url)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


# The real people -------------------------------------------------------------------------------


def nhs_numbers():
    """Valid NHS numbers (modulus 11 check digit), one after another."""
    stem = 400_000_000
    while True:
        stem += 1
        digits = str(stem)
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            yield f"{digits}{check}"


def misspell(rng: random.Random, name: str) -> str:
    """One typing slip, never in the first letter: a letter doubled or dropped, two swapped, a vowel changed."""
    if len(name) < 3:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return name[: i + 1] + name[i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    if kind == 2:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    vowels = [j for j in range(1, len(name)) if name[j] in VOWELS]
    if not vowels:
        return name[:i] + name[i + 1 :]
    j = rng.choice(vowels)
    return name[:j] + rng.choice([v for v in VOWELS if v != name[j]]) + name[j + 1 :]


def make_people(scale: float, today: date) -> list[dict]:
    from faker import Faker

    rng = random.Random(SEED)
    fake = Faker("en_GB")
    fake.seed_instance(SEED)
    first_names = sorted(set(fake.first_name() for _ in range(3_000)))
    last_names = sorted(set(fake.last_name() for _ in range(3_000)))
    households = [
        {"ref": f"HSG{n:06d}", "family": rng.choice(last_names), "postcode": fake.postcode()}
        for n in range(max(1, int(HOUSEHOLDS * scale)))
    ]
    nhs = nhs_numbers()
    people: list[dict] = []
    for n in range(int(CHILDREN * scale)):
        household = rng.choice(households) if rng.random() < 0.85 else None
        people.append(
            {
                "child": True,
                "given": rng.choice(first_names),
                "family": household["family"] if household and rng.random() < 0.8 else rng.choice(last_names),
                "born": today - timedelta(days=rng.randrange(4 * 365, 17 * 365)),
                "household": household,
                "postcode": household["postcode"] if household else fake.postcode(),
                "upn": f"A{n:011d}{n % 10}" if rng.random() < 0.9 else "",
                "nhs_number": next(nhs) if rng.random() < 0.8 else "",
                "police_id": f"PC{n:07d}" if rng.random() < 0.2 else "",
            }
        )
    for n in range(int(ADULTS * scale)):
        household = households[n] if n < len(households) else rng.choice(households)
        people.append(
            {
                "child": False,
                "given": rng.choice(first_names),
                "family": household["family"] if rng.random() < 0.7 else rng.choice(last_names),
                "born": today - timedelta(days=rng.randrange(20 * 365, 70 * 365)),
                "household": household,
                "postcode": household["postcode"],
                "upn": "",
                "nhs_number": next(nhs) if rng.random() < 0.7 else "",
                "police_id": f"PA{n:07d}" if rng.random() < 0.15 else "",
            }
        )
    # 2% variants: half misspelt on some rows, half missing an identifier on some rows.
    for person in rng.sample(people, int(len(people) * 0.02)):
        person["variant"] = "misspelt" if rng.random() < 0.5 else "missing"
    return people


def systems_of(person: dict) -> list[tuple[str, float]]:
    """The source systems that hold this person, with their share of the person's rows."""
    if person["child"]:
        found = [(SCHOOLS, 0.35), (HEALTH, 0.2), (SOCIAL_CARE, 0.15)]
        if person["police_id"]:
            found.append((POLICE, 0.15))
        if person["household"]:
            found.append((HOUSING, 0.15))
        return found
    found = [(HEALTH, 0.35), (HOUSING, 0.45)]
    if person["police_id"]:
        found.append((POLICE, 0.2))
    return found


def write_feed(path: str, people: list[dict], total: int, today: date, codes: list[str]) -> tuple[list[int], list]:
    """The extract, rows in a shuffled order. Returns each row's person and the identifiers it gives."""
    from feeds.models import HEADER_WITHOUT_DEMOGRAPHICS

    rng = random.Random(SEED + 1)
    # Rows per person: 1 to 13 (7 on average), then topped up or cut to the total.
    per_person = [rng.randint(1, 13) for _ in people]
    missing = total - sum(per_person)
    while missing > 0:
        per_person[rng.randrange(len(people))] += 1
        missing -= 1
    while missing < 0:
        i = rng.randrange(len(people))
        if per_person[i] > 1:
            per_person[i] -= 1
            missing += 1
    order = [p for p, count in enumerate(per_person) for _ in range(count)]
    rng.shuffle(order)
    systems = [systems_of(person) for person in people]
    row_person: list[int] = []
    row_identifiers: list = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER_WITHOUT_DEMOGRAPHICS)
        for n, p in enumerate(order):
            person = people[p]
            names, weights = zip(*systems[p], strict=True)
            system = rng.choices(names, weights)[0]
            upn = person["upn"] if system in (SCHOOLS, SOCIAL_CARE) else ""
            nhs = person["nhs_number"] if system in (HEALTH, SOCIAL_CARE) else ""
            police_id = person["police_id"] if system in (POLICE, SOCIAL_CARE) else ""
            given, family = person["given"], person["family"]
            variant = person.get("variant")
            if variant == "missing" and rng.random() < 0.5:
                upn = nhs = police_id = ""
            elif variant == "misspelt" and rng.random() < 0.4:
                if rng.random() < 0.5:
                    given = misspell(rng, given)
                else:
                    family = misspell(rng, family)
            household = person["household"]["ref"] if system == HOUSING and person["household"] else ""
            born = person["born"]
            earliest = max(born, today - timedelta(days=700))
            observed = earliest + timedelta(days=rng.randrange(max(1, (today - earliest).days)))
            writer.writerow(
                [
                    system,
                    f"P{p:07d}-{n:08d}",
                    given,
                    family,
                    born.isoformat(),
                    person["postcode"],
                    household,
                    upn,
                    nhs,
                    police_id,
                    rng.choice(codes),
                    observed.isoformat(),
                    "Synthetic first-load row",
                ]
            )
            row_person.append(p)
            row_identifiers.append(tuple(v for v in (upn, nhs, police_id) if v))
    return row_person, row_identifiers


def crlf_copy(path: str, copy: str) -> None:
    """The same rows with other line ends: another file (another SHA-256), nothing new in it."""
    with open(path, encoding="utf-8", newline="") as source, open(copy, "w", encoding="utf-8", newline="") as target:
        for line in source:
            target.write(line.rstrip("\n") + "\r\n")


# The outcome, person by person -------------------------------------------------------------------


def outcome(row_person: list[int], row_identifiers: list, feed_id: int) -> dict:
    """Where each real person's rows went: the records they were applied to, or review."""
    from django.db import connection

    records: defaultdict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    holders: defaultdict[str, set[int]] = defaultdict(set)
    applied = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT source_record_id, child_id, adult_id FROM cohorts_observation WHERE feed_id = %s", [feed_id]
        )
        for record_id, child_id, adult_id in cursor.fetchall():
            applied += 1
            n = int(record_id.split("-")[1])
            record = f"c{child_id}" if child_id else f"a{adult_id}"
            records[row_person[n]][record].update(row_identifiers[n])
            holders[record].add(row_person[n])
        cursor.execute(
            "SELECT count(*) FROM cohorts_feedrow WHERE feed_id = %s AND status = 'in_review'",
            [feed_id],
        )
        in_review = cursor.fetchone()[0]
    split = sharing = 0
    examples: list[str] = []
    for person, by_record in records.items():
        if len(by_record) < 2:
            continue
        split += 1
        seen: set[str] = set()
        for identifiers in by_record.values():
            if seen & identifiers:
                sharing += 1
                examples.append(f"P{person:07d}:{'/'.join(sorted(by_record))}")
                break
            seen |= identifiers
    return {
        "applied": applied,
        "in_review": in_review,
        "unaccounted": len(row_person) - applied - in_review,
        "split": split,
        "sharing": sharing,
        "merged": sum(1 for people in holders.values() if len(people) > 1),
        "people_reached": len(records),
        "examples": examples[:5],
    }


def backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (None when the server is elsewhere)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        with open(f"/proc/{backend}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counts() -> dict[str, int]:
    from cases.models import Adult, Child, Family, FamilyMember
    from cohorts.models import Observation
    from feeds.models import MatchReview

    return {
        "children": Child.objects.count(),
        "adults": Adult.objects.count(),
        "families": Family.objects.count(),
        "members": FamilyMember.objects.count(),
        "observations": Observation.objects.count(),
        "reviews": MatchReview.objects.count(),
    }


def cohort_ratio(repeat: int = 3) -> None:
    """Whole-city runs on the first-load city against bench_cohort's floors on the same rows: after
    an untimed run, `repeat` times a full run then each floor (medians; CPU of this process and its
    PostgreSQL backend too, which moves far less than wall time on a shared machine)."""
    from django.db import connection

    from benchmarks.bench_cohort import FLOORS, floor_statements, time_floor
    from cohorts.models import RunKind, RunTrigger
    from cohorts.services import runs

    def cpu_seconds() -> float | None:
        backend = backend_cpu()
        return backend + time.process_time() if backend is not None else None

    as_of = date.today()
    runs.execute_run(runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=as_of, enqueue=False).pk)
    full: list[float] = []
    full_cpu: list[float] = []
    floor: dict[str, list[float]] = {name: [] for name in FLOORS}
    floor_cpu: dict[str, list[float]] = {name: [] for name in FLOORS}
    for _ in range(repeat):
        with connection.cursor() as cursor:
            cursor.execute("VACUUM cohorts_suggestion")  # as bench_cohort: autovacuum's work, untimed
        cpu, started = cpu_seconds(), time.perf_counter()
        run = runs.request_run(kind=RunKind.FULL, trigger=RunTrigger.MANUAL, as_of=as_of, enqueue=False)
        run = runs.execute_run(run.pk, skip_if_busy=False)
        full.append(time.perf_counter() - started)
        after = cpu_seconds()
        if cpu is not None and after is not None:
            full_cpu.append(after - cpu)
        with connection.cursor() as cursor:
            floors = floor_statements(cursor, as_of, run.observation_high_water, prefix="bench_first_load_floor")
            for name, statement in floors.items():
                seconds, used = time_floor(cursor, statement, cpu_seconds)
                floor[name].append(seconds)
                if used is not None:
                    floor_cpu[name].append(used)
            for table, _create, _insert in floors.values():
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
    median = statistics.median
    emit("cohort_full_recalculation_seconds", median(full), "s")
    # the reference: the same scores, tiers and explanations kept durably (logged, unique (run, child))
    emit("cohort_floor_durable_seconds", median(floor["durable"]), "s")
    emit("cohort_full_to_floor_ratio", median(full) / median(floor["durable"]), "ratio")
    emit("cohort_full_recalculation_runs", " ".join(f"{t:.2f}" for t in full), "s")
    emit("cohort_floor_durable_runs", " ".join(f"{t:.2f}" for t in floor["durable"]), "s")
    # for information: the computing alone (unlogged scratch table, no index)
    emit("cohort_floor_compute_only_seconds", median(floor["compute"]), "s")
    emit("cohort_full_to_compute_only_floor_ratio", median(full) / median(floor["compute"]), "ratio")
    if full_cpu and floor_cpu["durable"]:
        emit("cohort_full_cpu_seconds", median(full_cpu), "s")
        emit("cohort_floor_durable_cpu_seconds", median(floor_cpu["durable"]), "s")
        emit("cohort_full_to_floor_cpu_ratio", median(full_cpu) / median(floor_cpu["durable"]), "ratio")
        emit("cohort_full_to_compute_only_floor_cpu_ratio", median(full_cpu) / median(floor_cpu["compute"]), "ratio")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="0.1: 100,000 rows about 15,000 people")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the feed files afterwards")
    parser.add_argument("--no-cohort", action="store_true", help="skip the full runs against the floor")
    parser.add_argument(
        "--cohort-only",
        action="store_true",
        help="only the full runs against the floor, on the first-load city an earlier run left",
    )
    parser.add_argument("--cohort-repeat", type=int, default=3, help="timed full runs and floors (median)")
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)

    url = database_url(args.database_url)
    load_start = os.getloadavg()
    if args.cohort_only:
        _configure(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        cohort_ratio(args.cohort_repeat)
        emit("load_average_start", load_start[0])
        emit("load_average_end", os.getloadavg()[0])
        return 0
    recreate(url)
    media = tempfile.mkdtemp(prefix="bench-first-load-")
    os.environ["MEDIA_ROOT"] = media
    os.environ["BENCH_DATABASE_URL"] = url  # env.configure's check: this one is checked above
    os.environ["DATABASE_URL"] = url
    _configure(url)

    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Agency, AgencyKind, Membership, Role, User
    from cohorts.models import IndicatorDefinition
    from feeds import services
    from feeds.models import FeedImport

    mark = time.monotonic()
    call_command("migrate", verbosity=0)
    emit("first_load_migrate_seconds", time.monotonic() - mark, "s")
    settings.CELERY_TASK_ALWAYS_EAGER = False  # queue the recalculation (memory broker); do not run it here
    settings.FEED_MAX_BYTES = 1024 * 1024 * 1024
    agency = Agency.objects.create(name="Youth justice service", kind=AgencyKind.COUNCIL)
    manager = User.objects.create_user("manager")  # never signs in: the import runs in-process
    Membership.objects.create(user=manager, agency=agency, role=Role.MANAGER)

    today = timezone.localdate()
    mark = time.monotonic()
    people = make_people(args.scale, today)
    total = int(ROWS * args.scale)
    codes = sorted(IndicatorDefinition.objects.filter(is_active=True).values_list("code", flat=True))
    path = os.path.join(media, "first-load.csv")
    row_person, row_identifiers = write_feed(path, people, total, today, codes)
    emit("first_load_generate_seconds", time.monotonic() - mark, "s")
    true_children = sum(1 for person in people if person["child"])
    emit("first_load_rows", total, "rows")
    emit("first_load_people_true", len(people), "people")
    emit("first_load_children_true", true_children, "people")
    emit("first_load_adults_true", len(people) - true_children, "people")
    emit("first_load_variants", sum(1 for person in people if person.get("variant")), "people")
    emit("first_load_file_megabytes", os.path.getsize(path) / 1e6, "MB")

    timings: dict[str, float] = {}
    database_cpu = backend_cpu()
    python_cpu = time.process_time()
    started = time.monotonic()
    with open(path, "rb") as handle:
        feed = services.upload_feed(manager, File(handle, name="first-load.csv"))
    timings["upload"] = time.monotonic() - started
    services.import_feed(feed.pk, timings=timings)
    elapsed = time.monotonic() - started
    python_cpu = time.process_time() - python_cpu
    database_cpu = backend_cpu() - database_cpu if database_cpu is not None else None
    feed = FeedImport.objects.get(pk=feed.pk)
    after = counts()
    rate = total / elapsed
    created = after["children"] + after["adults"]
    off = (created - len(people)) / len(people)
    emit("first_load_rows_per_second", round(rate), "rows/s")
    emit("first_load_seconds", elapsed, "s")
    emit("first_load_job_duration_seconds", (feed.duration_ms or 0) / 1000, "s")
    # CPU time moves much less than wall time when other work shares the machine's two cores.
    emit("first_load_python_cpu_seconds", python_cpu, "s")
    if database_cpu is not None:
        emit("first_load_database_cpu_seconds", database_cpu, "s")
    for stage, seconds in timings.items():
        emit(f"first_load_stage_{stage}_seconds", seconds, "s")
    emit("first_load_status", feed.status)
    emit("first_load_people_created", created, "people")
    emit("first_load_children_created", after["children"], "people")
    emit("first_load_adults_created", after["adults"], "people")
    emit("first_load_people_off_percent", 100 * off, "%")
    emit("first_load_families_created", after["families"], "families")
    emit("first_load_rows_applied", feed.rows_applied, "rows")
    emit("first_load_rows_in_review", feed.rows_in_review, "rows")
    emit("first_load_reviews", after["reviews"], "reviews")
    found = outcome(row_person, row_identifiers, feed.pk)
    emit("first_load_rows_unaccounted", found["unaccounted"], "rows")
    emit("first_load_split_people", found["split"], "people")
    emit("first_load_split_sharing_identifier", found["sharing"], "people")
    for example in found["examples"]:
        emit("first_load_split_sharing_example", example)
    emit("first_load_merged_records", found["merged"], "records")

    again = os.path.join(media, "first-load-again.csv")
    crlf_copy(path, again)
    mark = time.monotonic()
    with open(again, "rb") as handle:
        second = services.upload_feed(manager, File(handle, name="first-load-again.csv"))
    services.import_feed(second.pk)
    second = FeedImport.objects.get(pk=second.pk)
    reimported = counts()
    emit("reimport_seconds", time.monotonic() - mark, "s")
    emit("reimport_status", second.status)
    emit("reimport_rows_already_known", second.rows_already_known, "rows")
    emit("reimport_people_added", reimported["children"] + reimported["adults"] - created, "people")
    emit("reimport_observations_added", reimported["observations"] - after["observations"], "rows")
    emit("reimport_reviews_added", reimported["reviews"] - after["reviews"], "reviews")
    reimport_clean = second.status == "applied" and all(
        reimported[key] == after[key] for key in ("children", "adults", "families", "observations", "reviews")
    )
    if not args.no_cohort:
        cohort_ratio(args.cohort_repeat)
    load_end = os.getloadavg()
    emit("load_average_start", load_start[0])
    emit("load_average_end", load_end[0])
    if not args.keep:
        shutil.rmtree(media, ignore_errors=True)
    checks = {
        "rate": rate >= TARGET_ROWS_PER_SECOND and feed.status == "applied",
        "people": abs(off) <= TARGET_PEOPLE_OFF,
        "no_split_identifier": found["sharing"] == 0,
        "every_row_accounted": found["unaccounted"] == 0 and feed.status == "applied",
        "reimport_changes_nothing": reimport_clean,
    }
    for name, met in checks.items():
        emit(f"first_load_{name}_target_met", int(met), "bool")
    met = all(checks.values())
    emit("bench_first_load_targets_met", int(met), "bool")
    return 0 if met or args.no_check else 1


def _configure(url: str) -> None:
    """benchmarks.env.configure without its 'bench' name rule (database_url has its own)."""
    original = env.bench_database_url
    env.bench_database_url = lambda _url=None: url  # type: ignore[assignment]
    try:
        env.configure(url)
    finally:
        env.bench_database_url = original


if __name__ == "__main__":
    sys.exit(main())

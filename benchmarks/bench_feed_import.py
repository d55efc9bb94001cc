"""Benchmark the data feed import end to end on the benchmark city: a 1,000,000-row file.

    python -m benchmarks.bench_feed_import [--rows 1000000] [--no-check] [--keep] [--database-url ...]

Never touches the city itself: it copies it to a scratch database (`<name>_feed`, made with
CREATE DATABASE ... TEMPLATE, dropped first if present) and imports there. In the scratch copy the
households of a "council housing" system are first linked to the city's families (as an earlier
import would have done), so adult rows can be matched within their household.

The feed (seeded, synthetic: Faker en_GB names for the new people) is about the city's people:
- 62% of rows about existing children who carry an identifier (UPN, NHS number or police reference);
- 20% about existing children by name + date of birth + postcode only (no identifiers);
- 12% about adults of existing households (household_ref of the council housing system);
- 5% about new people (children and adults, some in new households);
- about 0.5% uncertain: an existing child's name and date of birth at another postcode (a review).

Then the real path runs in-process, as the Celery worker would run it: the upload checks (size,
UTF-8, header, SHA-256) and saving the file (feeds.services.upload_feed), then the import job
(feeds.services.import_feed, which takes the PostgreSQL path, feeds/services/postgres.py: read,
validate every row, match, apply in one transaction: people, families, links, observations, the
staged rows in review, the review queue). Celery is not eager here: the recalculation the import
asks for is queued, not run (bench_cohort measures recalculation).

Prints `name value unit` lines: feed_import_rows_per_second, feed_import_seconds, each stage, the
counts, and the load average. Exits 1 below 25,000 rows/s unless --no-check.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

import psycopg

from benchmarks import env

SEED = 5_005
TARGET_ROWS_PER_SECOND = 25_000
HOUSING = "feed-council-housing"
SYSTEMS = ("feed-schools", "feed-police", "feed-health", "feed-social-care")


def emit(name: str, value, unit: str) -> None:
    print(f"{name} {value:.2f} {unit}" if isinstance(value, float) else f"{name} {value} {unit}", flush=True)


def scratch_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{env.database_name(url)}_feed"))


def make_scratch(url: str, scratch: str, *, base: bool) -> None:
    """CREATE DATABASE scratch TEMPLATE city (retried while something is connected to the city).

    With --base, the city is first copied once to <scratch>_base, and each run copies that instead:
    nothing else connects to it, so a long query on the city (another benchmark) does not block."""
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    connection = psycopg.connect(admin)
    connection.autocommit = True
    name, template = env.database_name(scratch), env.database_name(url)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if base:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [f"{name}_base"])
            if cursor.fetchone() is None:
                _create_copy(cursor, f"{name}_base", template)
            template = f"{name}_base"
        _create_copy(cursor, name, template)
    connection.close()


def _create_copy(cursor, name: str, template: str) -> None:
    for attempt in range(120):
        try:
            # FILE_COPY (PostgreSQL 15+): copy the files, not a write-ahead log record of every page
            # of a 3 GB database, which would leave checkpoints running into the timed import.
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY = FILE_COPY')
            return
        except psycopg.errors.ObjectInUse:
            if attempt == 119:
                raise
            time.sleep(5)


def drop_scratch(url: str, scratch: str) -> None:
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    connection = psycopg.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{env.database_name(scratch)}" WITH (FORCE)')
    connection.close()


def link_households() -> int:
    """The council housing system's household references, linked to the city's families."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cohorts_household (source_system, household_ref, family_id) "
            "SELECT %s, 'HSG' || id, id FROM cases_family ON CONFLICT DO NOTHING",
            [HOUSING],
        )
        linked = cursor.rowcount
        cursor.execute("ANALYZE cohorts_household")
        return linked


def make_feed(path: str, total: int, today: date) -> dict:
    """Write the synthetic feed; return how many rows of each kind."""
    from faker import Faker

    from cases.models import Adult, Child, FamilyMember
    from cohorts.models import IndicatorDefinition

    rng = random.Random(SEED)
    fake = Faker("en_GB")
    fake.seed_instance(SEED)
    codes = sorted(set(IndicatorDefinition.objects.filter(is_active=True).values_list("code", flat=True)))
    family_codes = [c for c in codes if c in {"crime", "domestic_abuse", "financial_exclusion", "health"}]
    postcode_of = dict(FamilyMember.objects.filter(child__isnull=False).values_list("child_id", "family__postcode"))
    children = list(
        Child.objects.values_list("id", "given_name", "family_name", "date_of_birth", "upn", "nhs_number", "police_id")
    )
    with_ids = [c for c in children if c[4] or c[5] or c[6]]
    by_postcode = [c for c in children if c[0] in postcode_of]
    adults = list(
        FamilyMember.objects.filter(adult__isnull=False, adult__date_of_birth__isnull=False).values_list(
            "adult__given_name", "adult__family_name", "adult__date_of_birth", "family_id", "family__postcode"
        )
    )
    assert Adult.objects.exists()

    def observed_after(born: date) -> str:
        earliest = max(born, today - timedelta(days=700))
        return (earliest + timedelta(days=rng.randrange(max(1, (today - earliest).days)))).isoformat()

    new_people = []
    for n in range(int(total * 0.05 / 4) + 1):
        is_child = n % 2 == 0
        born = today - timedelta(
            days=rng.randrange(9 * 365, 17 * 365) if is_child else rng.randrange(20 * 365, 60 * 365)
        )
        household = f"NEW{n // 3}" if n % 3 else ""
        new_people.append((fake.first_name(), fake.last_name(), born, fake.postcode(), household))

    counts = {"identifier": 0, "name_dob_postcode": 0, "adult": 0, "new": 0, "uncertain": 0}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        # A file of the 13 columns from before gender and ethnicity: the figures stay comparable.
        from feeds.models import HEADER_WITHOUT_DEMOGRAPHICS

        writer.writerow(HEADER_WITHOUT_DEMOGRAPHICS)
        for n in range(total):
            roll = rng.random()
            system = SYSTEMS[n % len(SYSTEMS)]
            record = f"R{n:08d}"
            note = "Synthetic benchmark row"
            if roll < 0.62:
                child_id, given, family, born, upn, nhs, police = rng.choice(with_ids)
                held = [index for index, value in enumerate((upn, nhs, police)) if value]
                one = rng.choice(held)  # one identifier, as most source systems hold only their own
                upn, nhs, police = (value if index == one else "" for index, value in enumerate((upn, nhs, police)))
                row = [
                    system,
                    record,
                    given,
                    family,
                    born.isoformat(),
                    postcode_of.get(child_id, ""),
                    "",
                    upn,
                    nhs,
                    police,
                ]
                code = rng.choice(codes)
                counts["identifier"] += 1
            elif roll < 0.82:
                child_id, given, family, born, *_ids = rng.choice(by_postcode)
                row = [system, record, given, family, born.isoformat(), postcode_of[child_id], "", "", "", ""]
                code = rng.choice(codes)
                counts["name_dob_postcode"] += 1
            elif roll < 0.94:
                given, family, born, family_id, postcode = rng.choice(adults)
                row = [HOUSING, record, given, family, born.isoformat(), postcode, f"HSG{family_id}", "", "", ""]
                code = rng.choice(family_codes)
                counts["adult"] += 1
            elif roll < 0.995:
                given, family, born, postcode, household = rng.choice(new_people)
                row = [
                    HOUSING if household else system,
                    record,
                    given,
                    family,
                    born.isoformat(),
                    postcode,
                    household,
                    "",
                    "",
                    "",
                ]
                code = rng.choice(codes)
                counts["new"] += 1
            else:
                child_id, given, family, born, *_ids = rng.choice(by_postcode)
                row = [system, record, given, family, born.isoformat(), "ZZ99 9ZZ", "", "", "", ""]
                code = rng.choice(codes)
                counts["uncertain"] += 1
            writer.writerow([*row, code, observed_after(born), note])
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and the feed file afterwards")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--base",
        action="store_true",
        help="copy the city once to <name>_feed_base and each run from that (when the city is busy)",
    )
    args = parser.parse_args(argv)

    city = env.bench_database_url(args.database_url)
    scratch = scratch_url(city)
    load_start = os.getloadavg()
    mark = time.monotonic()
    make_scratch(city, scratch, base=args.base)
    emit("scratch_copy_seconds", time.monotonic() - mark, "s")
    media = tempfile.mkdtemp(prefix="bench-feed-media-")
    os.environ["MEDIA_ROOT"] = media
    env.configure(scratch)

    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from cohorts.models import Observation
    from feeds import services
    from feeds.models import FeedImport, MatchReview

    call_command("migrate", verbosity=0)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # queue the recalculation (memory broker); do not run it here
    settings.FEED_MAX_BYTES = 1024 * 1024 * 1024
    emit("households_linked", link_households(), "rows")

    path = os.path.join(media, "bench-feed.csv")
    mark = time.monotonic()
    counts = make_feed(path, args.rows, timezone.localdate())
    emit("feed_generate_seconds", time.monotonic() - mark, "s")
    for kind, count in counts.items():
        emit(f"feed_rows_{kind}", count, "rows")
    emit("feed_file_megabytes", os.path.getsize(path) / 1e6, "MB")

    manager = User.objects.get(username="manager")
    observations_before = Observation.objects.count()
    timings: dict = {}
    started = time.monotonic()
    with open(path, "rb") as handle:
        upload = File(handle, name="bench-feed.csv")
        feed = services.upload_feed(manager, upload)
    timings["upload"] = time.monotonic() - started
    services.import_feed(feed.pk, timings=timings)
    elapsed = time.monotonic() - started
    feed = FeedImport.objects.get(pk=feed.pk)
    load_end = os.getloadavg()

    rate = args.rows / elapsed
    emit("feed_import_rows_per_second", round(rate), "rows/s")
    emit("feed_import_seconds", elapsed, "s")
    for stage in ("upload", "read", "validate", "group", "match", "people", "observations", "stage"):
        if stage in timings:
            emit(f"feed_stage_{stage}_seconds", timings[stage], "s")
    emit("feed_status", feed.status, "")
    emit("feed_rows_total", feed.rows_total, "rows")
    emit("feed_rows_invalid", feed.rows_invalid, "rows")
    emit("feed_rows_applied", feed.rows_applied, "rows")
    emit("feed_rows_in_review", feed.rows_in_review, "rows")
    emit("feed_reviews", MatchReview.objects.filter(feed=feed).count(), "reviews")
    emit("feed_people_matched", feed.people_matched, "people")
    emit("feed_people_created", feed.people_created, "people")
    emit("observations_added", Observation.objects.count() - observations_before, "rows")
    emit("load_average_start", load_start[0], "")
    emit("load_average_end", load_end[0], "")
    from django.db import connections

    connections.close_all()
    if not args.keep:
        drop_scratch(city, scratch)
        shutil.rmtree(media, ignore_errors=True)  # the 120 MB feed and the uploaded copy
    met = feed.status == "applied" and rate >= TARGET_ROWS_PER_SECOND
    emit("bench_targets_met", int(met), "bool")
    return 0 if met or args.no_check else 1


if __name__ == "__main__":
    sys.exit(main())

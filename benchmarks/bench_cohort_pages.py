"""Benchmark the cohort pages against the generated city, in-process (issue 14, items 6 and 7).

    python -m benchmarks.bench_cohort_pages [--iterations 100] [--no-check] [--trace] [--database-url ...]

Times, with Django's test client (DEBUG off, sessions in the database, audit rows written, like
`benchmarks.bench_cases`), as the manager and as the caseworker: the cohort home (`/cohort/`, decided
tiers with the summary table), the suggestions list (`/cohort/?show=suggestions`, its first page and
page 40, reached through "Next" as a user would, and by its number alone for information), the
suggestions API (`/api/v1/cohort/suggestions/`, first page, for information) and, for the
caseworker, the home page with the caseload (`/`). The pages read the stored current suggestions that each run keeps
at publication (`cohorts.CurrentSuggestion`); when the database has a published run but no stored
rows (made before migration 0010 with no migration since), it stops and says so.

Prints one `name value unit` line per figure: median, p95 and queries per page. Exits 1 when a cohort
page's median is 50 ms or more (the issue's target) unless --no-check.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import sys

from benchmarks import env
from benchmarks.bench_cases import count_queries, emit, percentile, timed, trace

TARGET_MEDIAN_MS = 50.0
LATER_PAGE = 40


def later_page(client, url: str) -> str:
    """The URL of page LATER_PAGE reached by following "Next" from `url`."""
    for _ in range(LATER_PAGE - 1):
        found = re.search(r'href="\?([^"]*page=\d+[^"]*)" rel="next"', client.get(url).content.decode())
        if found is None:
            raise SystemExit(f"fewer than {LATER_PAGE} pages of suggestions")
        url = url.split("?")[0] + "?" + html.unescape(found.group(1))
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=100, help="requests per page (default 100)")
    parser.add_argument("--warm-up", type=int, default=10, help="untimed requests per page first (default 10)")
    parser.add_argument("--no-check", action="store_true", help="exit 0 even when a target is missed")
    parser.add_argument("--trace", action="store_true", help="print the slowest SQL of one request per page")
    parser.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or " + env.DEFAULT_BENCH_DATABASE_URL)
    args = parser.parse_args(argv)
    env.configure(args.database_url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from accounts.models import User
    from cohorts.models import CohortRun, CurrentSuggestion

    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()

    if not CohortRun.objects.current_chain():
        print("No published cohort run: run `make bench-cohort` (benchmarks.bench_cohort) first.", file=sys.stderr)
        return 2
    stored = CurrentSuggestion.objects.count()
    if not stored:
        print("The stored current suggestions are empty: migrate (cohorts 0010) or publish a run.", file=sys.stderr)
        return 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"# {cursor.fetchone()[0].split(',')[0]}; Django DEBUG off; in-process test client")
    emit("dataset_current_suggestions", stored, "rows")
    emit("machine_cpus", os.cpu_count(), "cpus")
    emit("load_average_start", round(os.getloadavg()[0], 2), "(1 min)")

    cohort = reverse("cohorts:cohort_home")
    medians: dict[str, float] = {}
    for persona in ("manager", "caseworker"):
        client = env.signed_in_client(User.objects.get(username=persona))
        later = later_page(client, cohort + "?show=suggestions")
        persona_pages = [
            ("cohort_home", cohort, True),
            ("cohort_suggestions_first", cohort + "?show=suggestions", True),
            # Page 40 as a user reaches it, through "Next" (which starts after the last row shown) ...
            ("cohort_suggestions_later", later, True),
            # ... and by its number alone (an offset: for information).
            ("cohort_suggestions_later_by_number", cohort + f"?show=suggestions&page={LATER_PAGE}", False),
            ("api_suggestions_first", "/api/v1/cohort/suggestions/", False),
        ]
        if persona == "caseworker":
            persona_pages.append(("home", reverse("home"), False))
        for label, url, checked in persona_pages:

            def get(url: str = url, client: Client = client, persona: str = persona):
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code} to the {persona}")
                return response

            for _ in range(args.warm_up):
                get()
            times = [timed(get)[0] for _ in range(args.iterations)]
            name = f"{label}_{persona}"
            median = statistics.median(times)
            emit(f"{name}_median", median, "ms")
            emit(f"{name}_p95", percentile(times, 0.95), "ms")
            emit(f"{name}_queries", count_queries(get), "queries")
            if checked:
                medians[name] = median
                emit(f"{name}_target_met", int(median < TARGET_MEDIAN_MS), f"bool (median < {TARGET_MEDIAN_MS:.0f} ms)")
            if args.trace:
                trace(name, get)

    missed = [
        f"{name} {value:.1f} ms >= {TARGET_MEDIAN_MS:.0f} ms"
        for name, value in medians.items()
        if value >= TARGET_MEDIAN_MS
    ]
    emit("load_average_end", round(os.getloadavg()[0], 2), "(1 min)")
    emit("bench_cohort_pages_targets_met", 0 if missed else 1, "bool")
    for line in missed:
        print(f"# target missed: {line}", file=sys.stderr)
    return 1 if missed and not args.no_check else 0


if __name__ == "__main__":
    sys.exit(main())

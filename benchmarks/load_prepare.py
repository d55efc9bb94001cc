"""Get a database ready for the load test and write down what the simulated people will ask for.

    python -m benchmarks.load_prepare --database-url URL [--template-url URL | --no-copy] --sessions N --out FILE

1. Unless --no-copy: drop the load database and create it again as a copy of the benchmark city
   (`CREATE DATABASE ... TEMPLATE`), so the interventions the load test records never reach the city
   other benchmarks read, and every run starts from the same data.
2. Signed-in sessions, N per persona (caseworker, police, mentor, manager), made on the server as
   two-factor sign-in leaves them (`benchmarks.env.signed_in_client`: the session, the user's
   confirmed authenticator and the session's two-factor mark). The load test sends their cookies;
   DEMO stays off, so every request passes the same two-factor and idle checks a real one does.
3. For each persona, children it may see (child pages), names to search for, and for the caseworker
   children it may record interventions for, with a type and lead agency to choose.

Writes one JSON file, read by benchmarks/bench_load.py. Sign-in itself (a password hashed with
Argon2 and a one-time code) is not part of the load.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from urllib.parse import urlsplit

from benchmarks import env

SEED = 1_919
PERSONAS = ("caseworker", "police", "mentor", "manager")
CHILDREN_PER_PERSONA = 300
SEARCHES_PER_PERSONA = 150


def copy_database(template_url: str, copy_url: str) -> float:
    """Drop the copy and create it from the template; returns seconds taken. Retries while someone else
    is connected to the template (PostgreSQL refuses to copy a database in use)."""
    import psycopg
    from psycopg import errors, sql

    template, copy = env.database_name(template_url), env.database_name(copy_url)
    if template == copy:
        sys.exit(f"The load test writes: give it a copy, not the city itself ({copy!r}).")
    started = time.perf_counter()
    connection = psycopg.connect(urlsplit(copy_url)._replace(path="/postgres").geturl())
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
            for attempt in range(20):
                try:
                    cursor.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(template))
                    )
                    break
                except errors.ObjectInUse:
                    if attempt == 19:
                        raise
                    print(f"# {template} is in use by another connection; trying again", file=sys.stderr)
                    time.sleep(3)
    finally:
        connection.close()
    return time.perf_counter() - started


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    connection = psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl())
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            name = sql.Identifier(env.database_name(url))
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    finally:
        connection.close()


def sessions_for(user, count: int) -> list[str]:
    from django.conf import settings

    return [env.signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value for _ in range(count)]


def searches_for(children: list, rng: random.Random) -> list[str]:
    """Half surnames, half full names, of children the persona may see (what a worker types)."""
    names = []
    for child in children[:SEARCHES_PER_PERSONA]:
        full = rng.random() < 0.5
        names.append(f"{child.given_name} {child.family_name}" if full else child.family_name)
    return names


def interventions_for(user, children: list) -> dict:
    from access import policy
    from interventions.models import InterventionType
    from interventions.services import work

    allowed = [child.pk for child in children if policy.can(user, work.CHANGE_ACTIONS["child"], child)]
    kind = InterventionType.objects.filter(is_active=True).order_by("label").values_list("pk", flat=True).first()
    agency = work.lead_agencies(user).order_by("agency_id").values_list("agency_id", flat=True).first()
    if not allowed or kind is None or agency is None:
        sys.exit(f"{user.username} cannot record interventions in this city (children, types or agency missing)")
    return {"children": allowed, "intervention_type": kind, "lead_agency": agency}


def plan(sessions: int) -> dict:
    from django.conf import settings

    from accounts.models import User
    from benchmarks.bench_cases import visible_sample
    from benchmarks.generate_city import dataset_counts
    from cases.models import Child

    if not dataset_counts()["children"]:
        sys.exit("No city in the load database: run `python -m benchmarks.generate_city` first.")
    rng = random.Random(SEED)
    personas = {}
    for username in PERSONAS:
        user = User.objects.get(username=username)
        # A random draw finds the children of a big caseload; the mentor's few granted mentees need asking for.
        children = visible_sample(user, rng, CHILDREN_PER_PERSONA)
        if len(children) < CHILDREN_PER_PERSONA // 10:
            children = list(Child.objects.visible_to(user).order_by("pk")[:CHILDREN_PER_PERSONA])
        if not children:
            sys.exit(f"{username} sees no child in this city")
        personas[username] = {
            "sessions": sessions_for(user, sessions),
            "children": [child.pk for child in children],
            "searches": searches_for(children, rng),
        }
        if username == "caseworker":
            personas[username]["record"] = interventions_for(user, children)
    return {"personas": personas, "session_cookie": settings.SESSION_COOKIE_NAME}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", required=True, help="the load test's database (its name must contain 'bench')"
    )
    parser.add_argument("--template-url", help="the city to copy (default: $BENCH_DATABASE_URL)")
    parser.add_argument("--no-copy", action="store_true", help="use --database-url as it is (the run writes into it)")
    parser.add_argument("--sessions", type=int, default=50, help="signed-in sessions per persona")
    parser.add_argument("--out", required=True, help="where to write the plan (JSON)")
    args = parser.parse_args(argv)
    copy_url = env.bench_database_url(args.database_url)
    if not args.no_copy:
        seconds = copy_database(env.bench_database_url(args.template_url), copy_url)
        print(f"load_database_copy {seconds:.1f} s", flush=True)
    env.configure(copy_url)
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(plan(args.sessions), file)
    return 0


if __name__ == "__main__":
    sys.exit(main())

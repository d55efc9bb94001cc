"""The test database of a mutation run (`make mutate`, tests/mutation/run.py).

mutmut runs the tests once per mutant, a pytest session each in a forked process. Building the test
database from the migrations costs 15-40 s, so the first session builds it once as a template and every
session starts from a copy of its own (so parallel mutants, and tests that flush tables, never share
one): on SQLite a copy of the template file, on PostgreSQL `CREATE DATABASE … TEMPLATE …` (about half
a second), dropped when the session ends.

mutmut stops a session at the first failure, so the order of its tests decides what a killed mutant
costs. A session writes the test that killed its mutant to var/kills.log, and the next sessions run
first the tests that killed mutants of the same function, then those that killed any, then the fastest
(the clean run's times, which mutmut keeps in its state). Each session also writes the CPU seconds it
took (this process only, not the database server's) to MUTATION_CPU_LOG, for run.py's figure.
"""

import os
import resource
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

TEMPLATE = Path(os.environ["MUTATION_DB_TEMPLATE"]) if "MUTATION_DB_TEMPLATE" in os.environ else None
KILLS = TEMPLATE.with_name("kills.log") if TEMPLATE else None  # function, tab, the test that killed a mutant
DROP = """
import sys, psycopg
from psycopg import sql
link = psycopg.connect(dbname="postgres")
link.autocommit = True
link.cursor().execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(sys.argv[1])))
"""
DROPPING: list[subprocess.Popen[bytes]] = []
BUILD_LOCK = 20_201  # pg_advisory_lock key: one session builds the PostgreSQL template, the others wait


def _function(mutant: str) -> str:
    return mutant.rpartition("__mutmut_")[0]


def pytest_collection_modifyitems(items):
    """Tests that killed mutants of this function before go first, then tests that killed any, then the
    fastest (the clean run's times). Tests on a transactional database stay last, where pytest-django
    puts them: each ends by emptying every table, the migrations' rows included, which the tests after
    it would miss."""
    try:
        from mutmut import state
    except ImportError:
        return
    durations = state().duration_by_test
    function = _function(os.environ.get("MUTANT_UNDER_TEST", ""))
    here, anywhere = Counter(), Counter()
    if KILLS and KILLS.exists():
        for line in KILLS.read_text().splitlines():
            killed_in, _, test = line.partition("\t")
            anywhere[test] += 1
            if killed_in == function:
                here[test] += 1
    if durations or anywhere:
        items.sort(
            key=lambda item: (
                _transactional(item),
                -here[item.nodeid],
                -anywhere[item.nodeid],
                durations.get(item.nodeid, 0.0),
            )
        )


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return "transactional_db" in getattr(item, "fixturenames", ()) or bool(marker and marker.kwargs.get("transaction"))


def record_kill(report):
    """conftest.py's pytest_runtest_logreport: the test that failed (killed the mutant), by function."""
    function = _function(os.environ.get("MUTANT_UNDER_TEST", ""))
    if KILLS and function and report.failed:
        with KILLS.open("a") as kills:
            kills.write(f"{function}\t{report.nodeid}\n")


def pytest_unconfigure(config):
    mutant, log = os.environ.get("MUTANT_UNDER_TEST", ""), os.environ.get("MUTATION_CPU_LOG")
    if log and "__mutmut_" in mutant:  # a forked session starts its rusage at zero
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open(log, "a") as cpu:
            cpu.write(f"{mutant} {usage.ru_utime + usage.ru_stime:.3f}\n")


def _sqlite(connection):
    if not TEMPLATE.exists():
        building = TEMPLATE.with_name(f"{TEMPLATE.name}.{os.getpid()}")
        connection.settings_dict["TEST"]["NAME"] = str(building)
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        connection.close()
        os.replace(building, TEMPLATE)
    own = TEMPLATE.with_name(f"run-{os.getpid()}.sqlite3")
    shutil.copyfile(TEMPLATE, own)
    connection.close()
    connection.settings_dict["NAME"] = str(own)

    def drop():
        for path in own.parent.glob(f"{own.name}*"):
            path.unlink()

    return drop


def _postgres(connection):
    """The template is `test_<name>_template`; the session's copy `test_<name>_<pid>`."""
    import psycopg
    from psycopg import sql

    base = f"test_{connection.settings_dict['NAME']}"
    template_name, own_name = f"{base}_template", f"{base}_{os.getpid()}"
    template, own = sql.Identifier(template_name), sql.Identifier(own_name)
    server = {key.lower(): connection.settings_dict[key] for key in ("HOST", "PORT", "USER", "PASSWORD")}

    def on_server(work):
        link = psycopg.connect(dbname="postgres", **server)
        link.autocommit = True
        try:
            with link.cursor() as cursor:
                work(cursor)
        finally:
            link.close()

    def copy(cursor):
        cursor.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK])  # released when the link closes
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template_name])
        if cursor.fetchone() is None:
            connection.settings_dict["TEST"]["NAME"] = template_name
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            connection.close()
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(own))
        cursor.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(own, template))

    named, test_named = connection.settings_dict["NAME"], connection.settings_dict["TEST"]["NAME"]
    on_server(copy)  # create_test_db renames the connection's database: named and test_named put it back
    connection.close()
    connection.settings_dict["NAME"] = own_name

    def drop():
        # DROP DATABASE makes PostgreSQL checkpoint (2 s on a busy server): a process of its own drops the
        # copy, so the session, and mutmut's next mutant, need not wait for it.
        dropping = subprocess.Popen(
            [sys.executable, "-c", DROP, own_name],
            env={**os.environ, **{f"PG{key.upper()}": str(value) for key, value in server.items() if value}},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        DROPPING.append(dropping)  # kept: a Popen collected while its process runs warns
        if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
            # A session in mutmut's own process (its stats and clean runs): its children are mutmut's,
            # whose os.wait() for its mutants' sessions must never reap this one (a KeyError ends the run).
            dropping.wait()
        # mutmut runs more than one session in its own process (its stats and clean runs)
        connection.settings_dict["NAME"], connection.settings_dict["TEST"]["NAME"] = named, test_named

    return drop


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    from django.db import connection

    assert TEMPLATE is not None and connection.vendor in {"sqlite", "postgresql"}
    with django_db_blocker.unblock():
        drop = _sqlite(connection) if connection.vendor == "sqlite" else _postgres(connection)
    yield
    with django_db_blocker.unblock():
        connection.close()
    drop()

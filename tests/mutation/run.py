"""Mutation testing (`make mutate`, docs/testing.md): mutmut over the access layer, the audit service and
the feed apply, one area at a time.

    python -m tests.mutation.run [area ...]        # default: every area
    python -m tests.mutation.run --max-children 1 access
    python -m tests.mutation.run feeds --only 'feeds.services.matching.x_match_child*'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mutation python -m tests.mutation.run feeds

Each area runs in its own scratch copy of the working tree (var/mutation/<area>/) with its own mutmut
settings: the files to mutate and the tests that may kill them. An area with PostgreSQL-only paths runs
on PostgreSQL when DATABASE_URL names a PostgreSQL database (its tests' databases are named after it),
then its survivors again on SQLite (var/mutation/<area>-sqlite/), for their SQLite
branches; every other area, and that one without it, runs on SQLite. Prints the score per area and every
surviving mutant that docs/testing.md does not explain as equivalent. Exits non-zero when an area is
under its target or has an unexplained survivor.
"""

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = ROOT / "var" / "mutation"
MUTMUT = Path(sys.executable).with_name("mutmut")
# Copied into each scratch tree (mutmut copies the mutated packages and tests itself): every app the
# architecture contract names, so a new app is copied without being listed here.
APPS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
TREE = ["manage.py", "conftest.py", "pyproject.toml", *APPS, "templates", "static", "tests", "docs"]


@dataclass
class Area:
    files: list[str]
    tests: list[str]
    target: float  # the least share of mutants killed, in per cent
    postgres: bool = False  # has PostgreSQL-only paths: runs on PostgreSQL when DATABASE_URL names one
    keyword: str = ""  # pytest -k: tests of the area that test only code outside the mutated files


AREAS = {
    "access": Area(
        files=[
            "access/policy.py",
            "access/visibility.py",
            "access/principal.py",
            "access/lookups.py",
            "access/services.py",
        ],
        tests=[
            "tests/test_policy.py",
            "tests/test_policy_cases.py",
            "tests/test_policy_panels.py",
            "tests/test_involvement_dates.py",
            "tests/test_access_layer.py",
            "tests/test_access_grants.py",
            "tests/test_password_reset.py",
        ],
        target=90.0,
    ),
    # The policy and its SQL alone, on the same tests: for a CI machine too slow for the whole layer.
    "access-core": Area(
        files=["access/policy.py", "access/visibility.py"],
        tests=[],  # filled in below: the access area's tests
        target=90.0,
    ),
    "audit": Area(
        files=["audit/services.py"],
        tests=["tests/test_audit.py", "tests/test_admin_audit.py", "tests/test_audit_services.py"],
        target=80.0,
    ),
    "feeds": Area(
        files=["feeds/services/applying.py", "feeds/services/matching.py"],
        tests=[
            "tests/test_feeds_import.py",
            "tests/test_feeds_matching.py",
            "tests/test_feeds_identity.py",
            "tests/test_feeds_atomicity.py",
            "tests/test_feeds_review_queue.py",
            "tests/test_feeds_demographics.py",
            "tests/test_feeds_parents.py",
            "tests/test_feeds_adult_reviews.py",
            "tests/test_feeds_insert_rows.py",
        ],
        target=90.0,
        postgres=True,
        # Each identity test runs twice, the file as sent and with a blank line added: the blank line
        # tests the reading (feeds/services/generic.py), and the rows the apply gets are the same.
        keyword="not with_blank_line",
    ),
}
AREAS["access-core"].tests = AREAS["access"].tests


def mutmut_settings(area: Area, postgres: bool) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f"'{item}'" for item in items) + "]"  # TOML literal strings: no escapes

    packages = sorted({path.split("/")[0] for path in area.files})
    also_copy = [path for path in TREE if path not in packages and path != "tests"]
    markers = "not browser and not celery_worker" + ("" if postgres else " and not postgres")
    return (
        "\n[tool.mutmut]\n"
        f"source_paths = {toml_list(packages)}\n"
        f"only_mutate = {toml_list(area.files)}\n"
        f"also_copy = {toml_list(also_copy)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(area.tests)}\n"
        f'pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "{markers}"'
        + (f', "-k", "{area.keyword}"' if area.keyword else "")
        + "]\n"
        "use_git_change_detection = false\n"
        "timeout_multiplier = 5.0\n"
        "timeout_constant = 20.0\n"
    )


def prepare(name: str, area: Area, postgres: bool, scratch: Path) -> Path:
    tree = scratch / name
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for entry in TREE:
        source = ROOT / entry
        if source.is_dir():
            shutil.copytree(source, tree / entry, ignore=ignore)
        else:
            shutil.copy2(source, tree / entry)
    (tree / "node_modules").symlink_to(ROOT / "node_modules")
    (tree / "var").mkdir()
    with (tree / "pyproject.toml").open("a") as pyproject:
        pyproject.write(mutmut_settings(area, postgres))
    return tree


def restore_verdicts(state: Path, name: str, tree: Path) -> None:
    """Put the verdicts an earlier run saved (`--state`) where mutmut keeps them, before it runs: mutmut
    keeps a mutant's verdict while its function's hash is unchanged and runs the others (and, when not
    given names, only those without a verdict)."""
    saved = state / f"{name}.json"
    if not saved.exists():
        return
    for path, verdicts in json.loads(saved.read_text()).items():
        meta = tree / "mutants" / f"{path}.meta"
        meta.parent.mkdir(parents=True, exist_ok=True)
        unknown: dict[str, dict[str, object]] = {
            "type_check_error_by_key": {},
            "durations_by_key": {},
            "estimated_durations_by_key": {},
        }
        meta.write_text(json.dumps({**verdicts, **unknown}))


# mutmut's exit codes for a timeout: on a busy machine a mutant's tests can time out without being
# caught, so a timeout is not kept from run to run (the next run tries the mutant again).
TIMEOUTS = {36, 24, -24, 152, 255}


def saved_verdicts(tree: Path, area: Area) -> dict[str, dict[str, dict[str, object]]]:
    """Each mutated file's function hashes and the verdicts (exit codes) of its settled mutants, timeouts
    left out."""
    verdicts = {}
    for path in area.files:
        meta = tree / "mutants" / f"{path}.meta"
        if meta.exists():
            data = json.loads(meta.read_text())
            codes = sorted(data["exit_code_by_key"].items())
            settled = {key: code for key, code in codes if code is not None and code not in TIMEOUTS}
            verdicts[path] = {"hash_by_function_name": data["hash_by_function_name"], "exit_code_by_key": settled}
    return verdicts


def save_verdicts(state: Path, name: str, tree: Path, area: Area) -> None:
    """Write the scratch tree's verdicts to DIR/<name>.json; a tree holding none (never run) changes nothing."""
    verdicts = saved_verdicts(tree, area)
    if verdicts:
        state.mkdir(parents=True, exist_ok=True)
        (state / f"{name}.json").write_text(json.dumps(verdicts, indent=1, sort_keys=True) + "\n")


def still_settled(mutants: list[str], earlier: Path, current: Path, area: Area) -> set[str]:
    """The mutants with a verdict in the `earlier` tree whose function has the same hash in the `current`
    tree (the run's first tree, whose mutants mutmut has just made from today's code)."""
    before, now = saved_verdicts(earlier, area), saved_verdicts(current, area)
    settled = set()
    for path, verdicts in before.items():
        hashes = now.get(path, {}).get("hash_by_function_name", {})
        for mutant in mutants:
            function = mutant.partition("__mutmut_")[0].rpartition(".")[2]
            earlier_hash = verdicts["hash_by_function_name"].get(function)
            if mutant in verdicts["exit_code_by_key"] and hashes.get(function) == earlier_hash:
                settled.add(mutant)
    return settled


def mutmut(tree: Path, *args: str, env: dict[str, str], capture: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MUTMUT), *args], cwd=tree, env=env, text=True, capture_output=capture, check=False)


def equivalent_mutants(databases: set[str]) -> list[str]:
    """Mutant names docs/testing.md explains (a table row starting with the name in backticks), or
    every mutant of one function (`<function>__mutmut_*`: a function the run cannot reach at all). A
    row whose reason starts "PostgreSQL only" explains a survivor of a run on SQLite alone, and "SQLite
    only" one of a run on PostgreSQL alone: a run on that database reaches the code, so there the row
    explains nothing."""
    text = (ROOT / "docs" / "testing.md").read_text()
    rows = re.findall(r"^\| `([\w.]+__mutmut_(?:\d+|\*))` \| (.*)$", text, flags=re.MULTILINE)
    return [name for name, reason in rows if not any(reason.startswith(f"{db} only") for db in databases)]


def explained(mutant: str, explanations: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(mutant, name) for name in explanations)


def postgres_url(area: Area) -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if area.postgres and url.startswith(("postgres://", "postgresql://")) else None


def drop_test_databases(url: str) -> None:
    """Drop the template and session copies a previous run left (tests/mutation/database.py names them
    `test_<name>_template` and `test_<name>_<pid>`), so the template is built from today's migrations."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"test_{parts.path.lstrip('/')}"
    admin = psycopg.connect(parts._replace(path="/postgres").geturl())
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            query = "SELECT datname FROM pg_database WHERE datname = %s OR datname ~ %s"
            cursor.execute(query, [f"{name}_template", f"^{name}_[0-9]+$"])
            for (database,) in cursor.fetchall():
                cursor.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
    finally:
        admin.close()


def settle(
    tree: Path,
    url: str | None,
    only: list[str],
    options: argparse.Namespace,
    *,
    run_it: bool,
    run_only: list[str] | None = None,
) -> tuple[int, float, dict[str, list[str]]]:
    """Run mutmut in a scratch tree (unless `run_it` is false: its last results as they are) on the
    mutants `run_only` names (default: `only`), and read the outcome of each mutant `only` names (every
    mutant when empty). Returns mutmut's exit status, the seconds it ran and the mutants by outcome."""
    env = {
        **os.environ,
        "MUTATION_DB_TEMPLATE": str(tree / "var" / "template.sqlite3"),
        "MUTATION_CPU_LOG": str(tree / "var" / "cpu.log"),
        "DJANGO_SETTINGS_MODULE": "safeguarding.settings_test",
    }
    for variable in ("DATABASE_URL", "REDIS_URL"):
        env.pop(variable, None)
    if url:
        env["DATABASE_URL"] = url
    started = time.monotonic()
    status = 0
    if run_it:
        if url:
            drop_test_databases(url)
        names = only if run_only is None else run_only
        status = mutmut(tree, "run", "--max-children", str(options.max_children), *names, env=env).returncode
    seconds = time.monotonic() - started
    results = mutmut(tree, "results", "--all", "true", env=env, capture=True)
    statuses: dict[str, list[str]] = {}
    for line in results.stdout.splitlines():
        mutant, _, outcome = line.strip().rpartition(": ")
        if mutant and (not only or explained(mutant, only)):
            statuses.setdefault(outcome, []).append(mutant)
    return status, seconds, statuses


def cpu_seconds(tree: Path) -> list[float]:
    cpu_log = tree / "var" / "cpu.log"
    return [float(line.split()[1]) for line in cpu_log.read_text().splitlines()] if cpu_log.exists() else []


def run_area(name: str, area: Area, options: argparse.Namespace) -> tuple[bool, str]:
    """An area on one database; an area with PostgreSQL-only paths run on PostgreSQL then, for the
    survivors, on SQLite: its code has a branch per database and CI runs the tests on both, so a mutant
    either run kills is killed. The SQLite pass runs the survivors alone, by name (mutmut gives each the
    tests of its function, from its own clean run)."""
    url = postgres_url(area)
    only: list[str] = options.only
    scratch = options.scratch.resolve()
    reuse = options.report or options.resume_sqlite
    tree = scratch / name if reuse else prepare(name, area, postgres=url is not None, scratch=scratch)
    if options.state and not reuse:
        restore_verdicts(options.state, name, tree)
    status, seconds, statuses = settle(tree, url, only, options, run_it=not reuse)
    if options.state:
        save_verdicts(options.state, name, tree, area)
    survivors = sorted(statuses.get("survived", []) + statuses.get("no tests", []))
    killed = statuses.get("killed", []) + statuses.get("timeout", [])
    cpu = cpu_seconds(tree)
    second = ""
    if url and survivors:
        second_tree = scratch / f"{name}-sqlite"
        if options.report:
            ran = second_tree.exists()
            second_status, second_seconds, second_statuses = (
                settle(second_tree, None, survivors, options, run_it=False) if ran else (0, 0.0, {})
            )
        else:
            prepare(f"{name}-sqlite", area, postgres=False, scratch=scratch)
            to_run = survivors
            if options.state:
                restore_verdicts(options.state, f"{name}-sqlite", second_tree)
            if options.state and not only:
                # Mutants named with --only run again whatever their verdict, as in mutmut.
                settled_before = still_settled(survivors, second_tree, tree, area)
                to_run = [mutant for mutant in survivors if mutant not in settled_before]
            second_status, second_seconds, second_statuses = settle(
                second_tree, None, survivors, options, run_it=bool(to_run), run_only=to_run
            )
            ran = True
        if ran and options.state:
            save_verdicts(options.state, f"{name}-sqlite", second_tree, area)
        killed_there = set(second_statuses.get("killed", []) + second_statuses.get("timeout", []))
        also_killed = [mutant for mutant in survivors if mutant in killed_there]
        killed += also_killed
        survivors = [mutant for mutant in survivors if mutant not in killed_there]
        status = status or second_status
        seconds += second_seconds
        cpu += cpu_seconds(second_tree)
        second = (
            f"  then on SQLite, its {len(survivors) + len(also_killed)} survivors: {len(also_killed)} more killed"
            + ("" if options.report else f" in {second_seconds:.0f} s")
            if ran
            else "  not yet run on SQLite: its survivors count as survivors"
        )
    tested = len(killed) + len(survivors)
    score = 100.0 * len(killed) / tested if tested else 0.0
    explanations = equivalent_mutants(databases={"PostgreSQL", "SQLite"} if url else {"SQLite"})
    unexplained = [mutant for mutant in survivors if not explained(mutant, explanations)]
    other = {
        outcome: len(names)
        for outcome, names in statuses.items()
        if outcome not in {"killed", "timeout", "survived", "no tests", "skipped"}
    }
    pace = f", {sum(cpu) / len(cpu):.1f} s of CPU a mutant run ({len(cpu)} run)" if cpu else ""
    lines = [
        f"{name} on {'PostgreSQL and SQLite' if url else 'SQLite'}: {score:.1f}% killed ({len(killed)} of {tested};"
        f" target {area.target:.0f}%){'' if options.report else f' in {seconds:.0f} s'}{pace}",
        *([second] if second else []),
        f"  survivors: {len(survivors)} ({len(survivors) - len(unexplained)} explained in docs/testing.md)",
    ]
    if tested and len(unexplained) < len(survivors):
        # The score as the literature states it: over the mutants a test could tell from the code. The target
        # above is on the whole count.
        rest = tested - (len(survivors) - len(unexplained))
        lines.append(
            f"  leaving out the explained survivors: {100.0 * len(killed) / rest:.1f}% killed ({len(killed)} of {rest})"
        )
    if other:
        lines.append(f"  other outcomes (not scored): {other}")
    lines += [f"  unexplained survivor: {mutant}" for mutant in unexplained]
    ok = status == 0 and tested > 0 and score >= area.target and not unexplained and not other
    if status != 0:
        lines.append(f"  mutmut run failed (exit status {status})")
    if unexplained:
        lines.append(f"  show one: (cd {tree} && {MUTMUT} show <name>)")
    return ok, "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="*", help=f"default: {' '.join(AREAS)}")
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only the mutants matching this glob (repeatable), e.g. 'feeds.services.matching.x_match_child*':"
        " end it with * so it also names the function (mutmut picks the clean run's tests by function name)",
    )
    parser.add_argument(
        "--scratch", type=Path, default=SCRATCH, help="where the scratch trees go (default: var/mutation)"
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="score the last run in the scratch tree again, without running (a run stopped part way, or"
        " survivors explained since); its unsettled mutants show as 'not checked'",
    )
    parser.add_argument(
        "--resume-sqlite",
        action="store_true",
        help="an area run on PostgreSQL: keep the PostgreSQL run's results in the scratch tree as they are and"
        " run only the SQLite pass over its survivors",
    )
    parser.add_argument(
        "--state",
        type=Path,
        metavar="DIR",
        help="keep verdicts between runs (e.g. tests/mutation/state, committed): restore DIR/<tree>.json into"
        " each scratch tree before mutmut runs, and save the verdicts there after; mutmut keeps a verdict"
        " while its function is unchanged, so a long area can be run a part at a time (docs/testing.md)",
    )
    options = parser.parse_args()
    reports = []
    ok = True
    unknown = set(options.areas) - set(AREAS)
    if unknown:
        parser.error(f"unknown area: {', '.join(sorted(unknown))} (areas: {', '.join(AREAS)})")
    for name in options.areas or AREAS:
        area_ok, report = run_area(name, AREAS[name], options)
        print(report, flush=True)
        reports.append(report)
        ok = ok and area_ok
    print("\n==================== mutation scores ====================")
    print("\n".join(reports))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

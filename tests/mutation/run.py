"""Mutation testing (`make mutate`, docs/testing.md): mutmut over the access layer, the audit service and
the feed apply, one area at a time.

    python -m tests.mutation.run [area ...]        # default: every area
    python -m tests.mutation.run --max-children 1 access
    python -m tests.mutation.run feeds --only 'feeds.services.matching.x_match_child*'

Each area runs in its own scratch copy of the working tree (var/mutation/<area>/) with its own mutmut
settings: the files to mutate and the tests that may kill them. Prints the score per area and every
surviving mutant that docs/testing.md does not explain as equivalent. Exits non-zero when an area is
under its target or has an unexplained survivor.
"""

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

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
        ],
        target=90.0,
    ),
}
AREAS["access-core"].tests = AREAS["access"].tests


def mutmut_settings(area: Area) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f"'{item}'" for item in items) + "]"  # TOML literal strings: no escapes

    packages = sorted({path.split("/")[0] for path in area.files})
    also_copy = [path for path in TREE if path not in packages and path != "tests"]
    return (
        "\n[tool.mutmut]\n"
        f"source_paths = {toml_list(packages)}\n"
        f"only_mutate = {toml_list(area.files)}\n"
        f"also_copy = {toml_list(also_copy)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(area.tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not browser and not celery_worker and not postgres"]\n'
        "use_git_change_detection = false\n"
        "timeout_multiplier = 5.0\n"
        "timeout_constant = 20.0\n"
    )


def prepare(name: str, area: Area) -> Path:
    tree = SCRATCH / name
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
        pyproject.write(mutmut_settings(area))
    return tree


def mutmut(tree: Path, *args: str, env: dict[str, str], capture: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MUTMUT), *args], cwd=tree, env=env, text=True, capture_output=capture, check=False)


def equivalent_mutants() -> list[str]:
    """Mutant names docs/testing.md explains (a table row starting with the name in backticks), or
    every mutant of one function (`<function>__mutmut_*`: a function the run cannot reach at all)."""
    text = (ROOT / "docs" / "testing.md").read_text()
    return re.findall(r"^\| `([\w.]+__mutmut_(?:\d+|\*))` \|", text, flags=re.MULTILINE)


def explained(mutant: str, explanations: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(mutant, name) for name in explanations)


def run_area(name: str, area: Area, max_children: int, only: list[str]) -> tuple[bool, str]:
    tree = prepare(name, area)
    env = {
        **os.environ,
        "MUTATION_DB_TEMPLATE": str(tree / "var" / "template.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "safeguarding.settings_test",
    }
    for variable in ("DATABASE_URL", "REDIS_URL"):
        env.pop(variable, None)
    started = time.monotonic()
    run = mutmut(tree, "run", "--max-children", str(max_children), *only, env=env)
    seconds = time.monotonic() - started
    results = mutmut(tree, "results", "--all", "true", env=env, capture=True)
    statuses: dict[str, list[str]] = {}
    for line in results.stdout.splitlines():
        mutant, _, status = line.strip().rpartition(": ")
        if mutant and (not only or explained(mutant, only)):
            statuses.setdefault(status, []).append(mutant)
    killed = len(statuses.get("killed", [])) + len(statuses.get("timeout", []))
    survivors = sorted(statuses.get("survived", []) + statuses.get("no tests", []))
    tested = killed + len(survivors)
    score = 100.0 * killed / tested if tested else 0.0
    explanations = equivalent_mutants()
    unexplained = [mutant for mutant in survivors if not explained(mutant, explanations)]
    other = {
        status: len(names)
        for status, names in statuses.items()
        if status not in {"killed", "timeout", "survived", "no tests", "skipped"}
    }
    lines = [
        f"{name}: {score:.1f}% killed ({killed} of {tested}; target {area.target:.0f}%) in {seconds:.0f} s",
        f"  survivors: {len(survivors)} ({len(survivors) - len(unexplained)} explained in docs/testing.md)",
    ]
    if other:
        lines.append(f"  other outcomes (not scored): {other}")
    lines += [f"  unexplained survivor: {mutant}" for mutant in unexplained]
    ok = run.returncode == 0 and tested > 0 and score >= area.target and not unexplained and not other
    if run.returncode != 0:
        lines.append(f"  mutmut run failed (exit status {run.returncode})")
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
    options = parser.parse_args()
    reports = []
    ok = True
    unknown = set(options.areas) - set(AREAS)
    if unknown:
        parser.error(f"unknown area: {', '.join(sorted(unknown))} (areas: {', '.join(AREAS)})")
    for name in options.areas or AREAS:
        area_ok, report = run_area(name, AREAS[name], options.max_children, options.only)
        print(report, flush=True)
        reports.append(report)
        ok = ok and area_ok
    print("\n==================== mutation scores ====================")
    print("\n".join(reports))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Dependencies between the feeds and the cohort engine point one way: the feeds sit above the
cohort engine (they write its observations and ask it for recalculations), so no module of the
cohorts app imports the feeds app, not even inside a function."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_cohorts_app_imports_nothing_from_feeds():
    offending = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "cohorts").rglob("*.py")
        for module in imported_modules(path)
        if module == "feeds" or module.startswith("feeds.")
    )
    assert not offending, offending


def test_the_feeds_app_uses_the_cohort_engine():
    """The other direction exists (so the test above guards the real boundary)."""
    modules = set().union(*(imported_modules(path) for path in (ROOT / "feeds").rglob("*.py")))
    assert {"cohorts.models", "cohorts.services.runs"} <= modules

"""The demo data is the top layer: only demo/ itself, the tests and the benchmarks import it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {"demo", "tests", "benchmarks"}
SKIPPED = {".venv", "node_modules", "var", "staticfiles", ".git"}


def imports_demo(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "demo" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "demo":
            return True
    return False


def test_nothing_below_the_demo_imports_it():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not SKIPPED.intersection(path.relative_to(ROOT).parts)
        and path.relative_to(ROOT).parts[0] not in ALLOWED
        and imports_demo(path)
    ]
    assert offenders == []


def test_the_demo_modules_live_only_in_demo():
    strays = [
        str(path.relative_to(ROOT))
        for path in [*ROOT.rglob("demo.py"), *ROOT.rglob("demo_*.py")]
        if not SKIPPED.intersection(path.relative_to(ROOT).parts) and path.relative_to(ROOT).parts[0] not in ALLOWED
    ]
    assert strays == []

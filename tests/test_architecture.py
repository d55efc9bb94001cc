"""The shapes docs/architecture.md promises, checked in the source: pages and endpoints get
records through the access layer's audited lookups (access/lookups.py), which record the read or
the refusal and raise 404, so none records a read by hand or answers a missing record itself."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "access",
    "areas",
    "audit",
    "cases",
    "interventions",
    "cohorts",
    "feeds",
    "mentoring",
    "outreach",
    "dashboards",
    "oversight",
)
READ_RECORDERS = {"record_read", "record_list", "record_search", "record_export", "record_denied"}
READ_ACTIONS = {"READ", "LIST", "SEARCH", "EXPORT", "DENIED"}


def page_modules() -> list[Path]:
    """Every module that answers requests: views and api modules or packages of each app."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT / app).parts
            if parts[0].removesuffix(".py") in {"views", "api", "admin"}:
                found.append(path)
    return found


MODULES = page_modules()


def _is_none_test(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.Is)
        and isinstance(node.comparators[0], ast.Constant)
        and node.comparators[0].value is None
    )


def _returns_not_found(body: list[ast.stmt]) -> bool:
    first = body[0]
    return (
        isinstance(first, ast.Return)
        and isinstance(first.value, ast.Call)
        and getattr(first.value.func, "id", getattr(first.value.func, "attr", "")) == "not_found"
    )


def hand_written_reads(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr in READ_RECORDERS or (
            node.func.attr == "record"
            and any(isinstance(arg, ast.Attribute) and arg.attr in READ_ACTIONS for arg in node.args)
        ):
            lines.append(node.lineno)
    return lines


def none_then_not_found(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_none_test(node.test) and _returns_not_found(node.body)
    ]


def test_the_checks_see_the_page_modules():
    names = {path.relative_to(ROOT).as_posix() for path in MODULES}
    assert {"cases/views/children.py", "cases/api/children.py", "feeds/views.py", "feeds/api.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_page_or_endpoint_records_a_read_by_hand(path):
    lines = hand_written_reads(ast.parse(path.read_text()))
    assert not lines, f"{path.name}: use access.lookups (read_or_404, note_read, shown, ...) at lines {lines}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_page_or_endpoint_answers_a_missing_record_itself(path):
    lines = none_then_not_found(ast.parse(path.read_text()))
    assert not lines, f"{path.name}: look the record up with access.lookups.get_or_404 (lines {lines})"


def test_the_checks_catch_what_they_forbid():
    source = (
        "def view(request, pk):\n"
        "    child = queries.visible_child(request.user, pk)\n"
        "    if child is None:\n"
        "        return not_found(request)\n"
        "    audit.record_read(request.user, child)\n"
        "    audit.record(request.user, AuditAction.READ, obj=child)\n"
    )
    tree = ast.parse(source)
    assert none_then_not_found(tree) == [3]
    assert hand_written_reads(tree) == [5, 6]

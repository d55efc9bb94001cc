"""The browser journeys cannot pass by skipping: without a browser they fail, and CI's browser check
fails (and counts a failure) when any journey was skipped."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = "tests/journeys/test_journeys.py::test_caseworker_signs_in_sees_their_children_and_opens_a_record"


def test_a_journey_without_chromium_fails_instead_of_skipping(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env["CHROMIUM_PATH"] = str(tmp_path / "no-chromium-here")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "browser", "-p", "no:cacheprovider", "-q", JOURNEY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0, result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]
    assert "1 error" in result.stdout.splitlines()[-1]
    assert "Chromium could not be launched" in result.stdout


def test_the_chromium_finder_fails_with_how_to_install_when_it_cannot_install(tmp_path):
    if os.geteuid() == 0:
        # As root it would install Debian's package; run it as a user that cannot (no apt-get on PATH).
        env = {"PATH": str(tmp_path), "CHROMIUM_PATH": str(tmp_path / "missing")}
        bash = "/bin/bash"
        (tmp_path / "id").write_text("#!/bin/bash\necho 1000\n")
        (tmp_path / "id").chmod(0o755)
    else:
        env = {"PATH": os.environ["PATH"], "CHROMIUM_PATH": str(tmp_path / "missing")}
        bash = "bash"
    result = subprocess.run([bash, ".ci/chromium"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "apt-get install chromium" in result.stderr


def ci_functions() -> str:
    """count_pytest, check_skips and pytest_run from .ci/run, without running the whole CI."""
    source = (ROOT / ".ci" / "run").read_text()
    wanted = []
    for name in ("count_pytest", "check_skips", "pytest_run"):
        start = source.index(f"{name}() {{")
        end = source.index("\n}\n", start) + 3
        wanted.append(source[start:end])
    return "\n".join(wanted)


def run_browser_check(tmp_path, summary: str, skipped: list[str]) -> subprocess.CompletedProcess:
    """The browser check of .ci/run, with a `make` that prints `summary` and reports `skipped`
    (test ids) the way conftest.py does, in CI_SKIPPED_TESTS."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    make = fake_bin / "make"
    lines = "".join(f"echo '{test_id}' >> \"$CI_SKIPPED_TESTS\"\n" for test_id in skipped)
    make.write_text(f"#!/bin/bash\n{lines}echo '{summary}'\nexit 0\n")
    make.chmod(0o755)
    script = textwrap.dedent(
        """
        set -euo pipefail
        LOG_DIR="$1"; TOTAL_PASSED=0; TOTAL_FAILED=0; TOTAL_SKIPPED=0
        BROWSER_ALLOWED_SKIPS=()
        {functions}
        status=0
        pytest_run test-browser test-browser BROWSER_ALLOWED_SKIPS || status=$?
        echo "RESULT $status $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
        """
    ).format(functions=ci_functions())
    env = {**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", script, "ci", str(tmp_path)], env=env, capture_output=True, text=True, timeout=30
    )


def test_ci_fails_the_browser_check_when_a_journey_was_skipped(tmp_path):
    skipped = [JOURNEY, "tests/journeys/test_journeys.py::test_dpo_sees_who_read_a_child_record"]
    result = run_browser_check(tmp_path, "===== 20 passed, 2 skipped in 31.0s =====", skipped)
    assert "RESULT 1 20 passed, 2 failed, 0 skipped" in result.stdout, result.stdout + result.stderr
    assert f"Skipped, and not on the allow-list in .ci/run: {JOURNEY}" in result.stdout


def test_ci_passes_the_browser_check_when_every_journey_ran(tmp_path):
    result = run_browser_check(tmp_path, "===== 22 passed in 31.0s =====", [])
    assert "RESULT 0 22 passed, 0 failed, 0 skipped" in result.stdout, result.stdout + result.stderr

"""Settings come from the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DEMO", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="safeguarding.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deploy_checklist():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k" * 20 + "-production-like-secret-" + "z" * 30,
        ALLOWED_HOSTS="cases.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_run_starts_without_a_secret_key():
    assert run_manage("check", DEBUG="1").returncode == 0


def test_single_sign_on_refuses_to_start_half_configured():
    result = run_manage("check", DEBUG="1", OIDC_ENABLED="1", OIDC_RP_CLIENT_ID="safer-options")
    assert result.returncode != 0
    assert "OIDC_ENABLED is on but these are not set: OIDC_OP_ISSUER" in result.stderr
    assert "OIDC_RP_CLIENT_SECRET" in result.stderr and "OIDC_RP_CLIENT_ID," not in result.stderr

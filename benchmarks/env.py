"""Environment shared by the generator and the benchmark: which database, and production-like settings.

Both always use a dedicated benchmark database (BENCH_DATABASE_URL, default below), never an inherited
DATABASE_URL, and refuse a database whose name does not contain "bench": the generator may drop it.
"""

from __future__ import annotations

import os
import secrets
import sys
from urllib.parse import urlsplit

DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/safeguarding_bench"


def bench_database_url(url: str | None = None) -> str:
    url = url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_BENCH_DATABASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"The benchmark needs PostgreSQL; got {parts.scheme}://")
    if "bench" not in parts.path.lstrip("/"):
        sys.exit(f"Refusing database {parts.path.lstrip('/')!r}: a benchmark database's name must contain 'bench'.")
    return url


def configure(url: str | None = None) -> str:
    """Point Django at the benchmark database with production-like settings (DEBUG off), then set it up."""
    url = bench_database_url(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "safeguarding.settings"
    os.environ["DEBUG"] = "0"
    os.environ["DEMO"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    # In-process requests are plain HTTP: no redirect to HTTPS, cookies not HTTPS-only.
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["SECURE_COOKIES"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Celery tasks, if any, run in-process.
    os.environ.pop("REDIS_URL", None)

    import warnings

    import django

    # WhiteNoise warns that STATIC_ROOT (collectstatic's output) does not exist: static files are not measured.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")

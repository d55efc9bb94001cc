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


def signed_in_client(user):
    """A test client signed in as `user` as if through two-factor sign-in (required with DEMO off):
    a confirmed authenticator device and the session mark the sign-in pages set."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(user=user, name="Benchmark", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client

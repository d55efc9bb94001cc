"""Test overrides on top of the environment-driven settings.

The database still comes from DATABASE_URL (SQLite by default, PostgreSQL in CI) and the broker
from REDIS_URL, so the suite runs against the same real parts as production.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("DEMO", "1")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from .settings import *  # noqa: F403

# Hashing a password properly costs ~0.5 s; tests create hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests only (tests/test_cohort_worker.py): a cohort run sleeps this long between writing its
# suggestions and publishing them, so a test can kill the worker half-way. Never set in production.
COHORT_RUN_PAUSE_SECONDS = float(os.environ.get("COHORT_RUN_PAUSE_SECONDS", "0"))

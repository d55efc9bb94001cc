"""Settings for `make bench-load` only: the product's settings, with the benchmark's URLconf (the product's
pages plus a minimal signed-in view, the framework's floor) and plain static file names (the pages ask
for static URLs but the load test does not fetch them, so no collectstatic manifest is needed).

Never used by the product or the test suite; gunicorn is started with it by benchmarks/bench_load.py.
"""

from safeguarding.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load_urls"
# Each worker keeps its database connection for the run (the product reconnects after 60 s), so that the
# CPU of the PostgreSQL backends serving the pages can be read from /proc and none is lost with a backend.
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

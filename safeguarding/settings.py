"""All settings, read from the environment in this one module.

See `.env.example` for every variable. The defaults give the embedded set-up used by
`make run`: SQLite under `var/`, Celery running tasks eagerly, no other services.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
DEMO = env_bool("DEMO", False)
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "safer-options-demo")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "Only a DEBUG=1 development run may start without one."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-runs-never-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG or DEMO else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Addresses of reverse proxies whose X-Forwarded-For we believe. Empty: trust none, and
# record the connecting address as the client's.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
    "access",
    "areas",
    "cases",
    "jobs",
    "interventions",
    "cohorts",
    "feeds",
    "mentoring",
    "outreach",
    "dashboards",
    "oversight",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "safeguarding.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "mentoring.middleware.MentorsStayInMentoringMiddleware",
]

ROOT_URLCONF = "safeguarding.urls"
WSGI_APPLICATION = "safeguarding.wsgi.application"
# Widgets render from our templates too (GOV.UK date input).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "access.context_processors.service",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
# Connections are kept for a minute and checked before a request reuses one, so a request after
# PostgreSQL restarted (or dropped the connection) reconnects instead of failing on the dead one:
# requests fail only while the server is down (tests/test_faults.py).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a write is in progress; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The policy's OR-of-EXISTS filters inflate cost estimates past the JIT threshold, and JIT
    # compilation then costs seconds per query (benchmarks/README.md). A backend whose client died
    # (a killed worker) notices within 5 s, even while it waits for a lock, and ends, releasing its
    # locks, rather than when its statement finishes (docs/faults.md).
    # psycopg 3 binds parameters on the server and, after a statement has run PREPARE_THRESHOLD
    # times on a connection, prepares it: PostgreSQL plans it once per connection instead of on
    # every request (planning was most of a page's database time, benchmarks/README.md). Behind
    # a pooler in transaction mode (PgBouncer before 1.21) set DATABASE_PREPARE_THRESHOLD empty.
    threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "2").strip()
    DATABASES["default"]["OPTIONS"] = {
        "options": "-c jit=off -c client_connection_check_interval=5000",
        "server_side_binding": env_bool("DATABASE_SERVER_SIDE_BINDING", True),
        "prepare_threshold": int(threshold) if threshold else None,
    }
# Requests are not one transaction: each service is atomic (its audit rows commit or roll back
# with its write), and a read's or refusal's audit row commits at once, so it survives the 404
# that follows (docs/architecture.md).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first; the others stay so older hashes still check, and are rehashed with Argon2 at sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Django's checks with plain-English messages (accounts/passwords.py): at least 12 characters, not on
# the list of 20,000 common passwords, not all numbers, not like the person's name or username.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.NotLikePersonalDetails"},
    {"NAME": "accounts.passwords.LongEnough", "OPTIONS": {"min_length": 12}},
    {"NAME": "accounts.passwords.NotCommon"},
    {"NAME": "accounts.passwords.NotOnlyNumbers"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Failed sign-ins allowed per username (and per address) before a pause, checked before hashing.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
# Two-factor sign-in (an authenticator app's 6-digit code, TOTP) for every account; only the demo
# (DEMO=1, made-up people) signs in with a password alone. Not an environment switch of its own.
TWO_FACTOR_REQUIRED = not DEMO
# Minutes between the password and the code (or enrolment) before the person must start again.
TWO_FACTOR_PENDING_SECONDS = 10 * 60
# A "forgotten your password?" link works once, for this many minutes (and stops when the person
# signs in). Setting a new password with it does not sign anyone in: the code is still asked for.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_MINUTES", "60")) * 60
GUARDIAN_RAISE_403 = False

# Single sign-on through an agency's own identity provider (OpenID Connect, accounts/oidc.py and
# docs/sign-in.md). Off unless OIDC_ENABLED: then the sign-in page offers it beside the password and
# its two routes exist. The provider's endpoints are given one by one (no discovery at start-up).
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "") or "your organisation's account"
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "") or "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10  # seconds for each call to the provider
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
# Nobody gets an account by signing in unless this is on: then a new account has no membership, so
# it sees nothing until an administrator gives it one.
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", False)
# The provider's second factor counts instead of ours when its ID token carries one of these `amr`
# values (RFC 8176) or `acr` values; otherwise the person also enters a code from their app here.
OIDC_MFA_AMR_VALUES = env_list("OIDC_MFA_AMR_VALUES", "mfa")
OIDC_MFA_ACR_VALUES = env_list("OIDC_MFA_ACR_VALUES")
_OIDC_REQUIRED = [
    *("OIDC_OP_ISSUER", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT"),
    *("OIDC_OP_JWKS_ENDPOINT", "OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET"),
]
if OIDC_ENABLED and not all(globals()[name] for name in _OIDC_REQUIRED):
    raise ImproperlyConfigured(
        "OIDC_ENABLED is on but these are not set: "
        + ", ".join(name for name in _OIDC_REQUIRED if not globals()[name])
        + ". Set them from your identity provider's details, or turn OIDC_ENABLED off."
    )

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("cytoscape", BASE_DIR / "node_modules" / "cytoscape" / "dist"),
    ("autocomplete", BASE_DIR / "node_modules" / "accessible-autocomplete" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploaded data feeds. Never served over HTTP: the error report is the only thing downloaded.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "") or VAR_DIR / "media")
FEED_MAX_BYTES = int(os.environ.get("FEED_MAX_BYTES", str(200 * 1024 * 1024)))
# Minutes a running feed import may go without reporting progress before its page says it has
# stopped responding and offers to try again or abandon it (its worker probably died).
FEED_STALL_MINUTES = int(os.environ.get("FEED_STALL_MINUTES", "30"))
# Minutes a cohort recalculation may stay running before Celery beat takes its worker for dead and
# queues it again (a full run of a city takes seconds).
COHORT_RUN_STALL_MINUTES = int(os.environ.get("COHORT_RUN_STALL_MINUTES", "10"))
# Times a feed import or a cohort recalculation may start before it is given up as failed: a job that
# kills its worker every time it runs (it runs out of memory, say) is delivered again and again; at
# this limit its page and the API say so, and the failure is logged and audited (docs/faults.md).
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "3"))
# Minutes a running feed import may go without progress, and without a live job holding it, before
# Celery beat queues it again (a backstop: the broker normally delivers a dead job's message again
# within BROKER_VISIBILITY_TIMEOUT, and that delivery starts the import again).
FEED_RECOVER_MINUTES = int(os.environ.get("FEED_RECOVER_MINUTES", "10"))
# Hour (local time) of the nightly whole-city cohort recalculation.
COHORT_NIGHTLY_HOUR = int(os.environ.get("COHORT_NIGHTLY_HOUR", "2"))

# Alert emails (accounts/notifications.py): printed to the console in development and the demo,
# sent by SMTP otherwise. They never name a young person: a subject, a sentence and a link.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG or DEMO else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "alerts@localhost")
# The address the service is reached at, for the links in alert emails.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
# Hour (local time, 0-23) of the daily alert digest; overdue checks run every hour.
EMAIL_DIGEST_HOUR = int(os.environ.get("EMAIL_DIGEST_HOUR", "7"))

# Celery: Redis when configured; otherwise tasks run in-process so nothing else is needed.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it finishes, so the work of a worker that dies is delivered again:
# at once when a pool process dies (reject on worker lost), and after the visibility timeout below
# when the whole worker goes (Redis keeps its unacknowledged messages). Every task is safe to run
# twice (docs/faults.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
# A web request must never hang on an unreachable broker: fail fast, the outbox retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Redis hands an unacknowledged message to another worker BROKER_VISIBILITY_TIMEOUT seconds after it
# was delivered (Redis's default is an hour). It must be longer than the longest task (a feed import
# of FEED_MAX_BYTES, a few minutes at most; a recalculation takes seconds) and than the 30-second
# countdown of a recalculation waiting for another: a task still running when it expires is
# delivered twice, and the second copy finds the work claimed and does nothing. Workers look for
# expired messages every 30 seconds, so a killed job restarts within about timeout + 30 s.
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("BROKER_VISIBILITY_TIMEOUT", "300"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 30,
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULE = {
    "publish-pending-outbox": {"task": "jobs.tasks.publish_pending", "schedule": 60.0},
    "cohort-recover-stalled-runs": {"task": "cohorts.recover_stalled_runs", "schedule": 300.0},
    "feeds-recover-stalled-imports": {"task": "feeds.recover_stalled_imports", "schedule": 300.0},
    "cohort-nightly-recalculation": {
        "task": "cohorts.nightly_recalculation",
        "schedule": crontab(hour=COHORT_NIGHTLY_HOUR, minute=0),
    },
    "dashboards-nightly-refresh": {
        "task": "dashboards.refresh_aggregates",
        "schedule": crontab(hour=(COHORT_NIGHTLY_HOUR + 1) % 24, minute=0),
    },
    # Records past their retention period join the DPO's disposal review (nothing is deleted unreviewed).
    "retention-find-due": {
        "task": "oversight.find_due_for_disposal",
        "schedule": crontab(hour=(COHORT_NIGHTLY_HOUR + 2) % 24, minute=30),
    },
    "alert-overdue-work": {"task": "interventions.tasks.alert_overdue", "schedule": crontab(minute=5)},
    "alert-daily-digest": {
        "task": "accounts.tasks.send_daily_digests",
        "schedule": crontab(hour=EMAIL_DIGEST_HOUR, minute=0),
    },
    # Expired sessions, and the records behind "Where you are signed in" of sessions that have gone.
    "clear-ended-sessions": {
        "task": "accounts.tasks.clear_ended_sessions",
        "schedule": crontab(hour=(COHORT_NIGHTLY_HOUR + 3) % 24, minute=0),
    },
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "safeguarding.schema.ApiSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Django's refusals of a body it will not read (too large, too many fields) as API answers (413, 400).
    "EXCEPTION_HANDLER": "safeguarding.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safer Options case management API",
    "DESCRIPTION": "Multi-agency contextual safeguarding. Every endpoint applies the same access policy as the pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a `status`, `kind` or `relationship` with different choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "accounts.models.AgencyKind",
        "RecordStatusEnum": "cases.models.ChildStatus",  # children and contexts: open / closed
        "ReferralStatusEnum": "cases.models.ReferralStatus",
        "AssessmentStatusEnum": "cases.models.AssessmentStatus",
        "PlanStatusEnum": "cases.models.PlanStatus",
        "ResponseStatusEnum": "cases.models.ResponseStatus",
        "ContextKindEnum": "cases.models.ContextKind",
        "EventKindEnum": "cases.models.EventKind",
        "FamilyFactKindEnum": "cases.models.FamilyFactKind",
        "RelationshipEnum": "cases.models.Relationship",
        "PeerRelationshipEnum": "cases.models.PeerRelationship",
        "DisruptionKindEnum": "interventions.models.DisruptionKind",
        "InterviewOutcomeEnum": "interventions.models.InterviewOutcome",
        "RiskGradingEnum": "interventions.models.RiskGrading",
        "DecisionOutcomeEnum": "cohorts.models.DecisionOutcome",
        "CohortTierEnum": "cohorts.models.Tier",  # suggested, nominated, proposed, decided tiers
        "EstablishmentKindEnum": "outreach.models.EstablishmentKind",
        "EngagementOutcomeEnum": "outreach.models.EngagementOutcome",
        "OutreachEventStatusEnum": "outreach.models.EventStatus",
    },
}

# Security. Production (DEBUG off) gets HTTPS-only cookies, HSTS and redirects by default.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A session ends after SESSION_IDLE_SECONDS without a request and SESSION_COOKIE_AGE after sign-in,
# however active (accounts/middleware.py); the cookie also goes when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SERVICE_NAME = os.environ.get("SERVICE_NAME", "Safer Options case management")
OTP_TOTP_ISSUER = SERVICE_NAME  # the account's name in people's authenticator apps

# The audit log stream (audit/shipping.py, docs/audit-log.md): a JSON line per audit event as it
# commits, for the operator to send to a store the application cannot change. With the other logs on
# standard error unless AUDIT_LOG_FILE names a file (reopened after rotation). Always on, whatever
# LOG_LEVEL says.
AUDIT_LOG_FILE = os.environ.get("AUDIT_LOG_FILE", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "audit": (
            {"class": "logging.handlers.WatchedFileHandler", "filename": AUDIT_LOG_FILE}
            if AUDIT_LOG_FILE
            else {"class": "logging.StreamHandler"}
        ),
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "audit.trail": {"handlers": ["audit"], "level": "INFO", "propagate": False},
    },
}

# Community mentoring: how many years an enhanced DBS check counts for before it must be renewed.
MENTORING_DBS_RENEWAL_YEARS = int(os.environ.get("MENTORING_DBS_RENEWAL_YEARS", "3"))

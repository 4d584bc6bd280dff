"""Prompt Contest settings: one file, every deploy knob an environment variable.

Defaults are for one machine with no setup (SQLite, Celery's filesystem broker, the
offline `echo` model). Production sets `DJANGO_DEBUG=0`, `DATABASE_URL`,
`CELERY_BROKER_URL` and a key; the README documents every variable.
"""

import json
import math
import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Generic Django classes (`ModelAdmin[User]`, `ModelForm[Contest]`) for strict typing.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


# Every variable is read through these helpers: a value they cannot read stops start-up
# with the variable's name, rather than quietly becoming a default (`DJANGO_DEBUG=flase`
# must not mean "off"). An empty value counts as unset.
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _env_value(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def env_bool(name: str, default: bool) -> bool:
    value = _env_value(name)
    if value is None:
        return default
    if value.lower() in _TRUE_WORDS:
        return True
    if value.lower() in _FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use 1 or 0 (true/false, yes/no, on/off)."
    )


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _env_value(name)
    if value is None:
        number = default
    else:
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is too small: it must be at least {minimum}.")
    return number


def env_float(name: str, default: float) -> float:
    value = _env_value(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name}={value!r} is not a finite number.")
    return number


def env_url(name: str, default: str | None) -> str | None:
    """An http(s) address with a host and nothing after the path (`https://x.jp/contest`),
    without its trailing slash."""
    value = _env_value(name)
    if value is None:
        return default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not the address of a site: use the form "
            "https://contest.city.example.jp (http or https, a host, optionally a path)."
        )
    return value.rstrip("/")


# --- Core -------------------------------------------------------------------------------

# Off unless asked for: `make run` and the test suite (tests/settings.py) turn it on.
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (the default). Set it to a "
            "long random string, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or set DJANGO_DEBUG=1 on a development machine."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "contest",
    "judging",
    "gallery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The profile step first, then two-factor set-up (see ProfileRequiredMiddleware).
    "accounts.middleware.ProfileRequiredMiddleware",
    "accounts.middleware.MFARequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# SQLite keeps the covering index on a contest's runs without its carried columns (only
# PostgreSQL has INCLUDE); it still narrows by contest and status there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One machine, many processes (web, worker, beat): WAL lets readers and one writer
    # work together, and IMMEDIATE + a busy timeout queue writers instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so a worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------
# Shared by all workers in production (the requests-per-minute throttle lives here).

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    # Django's Redis cache with one client object per pool (config/cache.py says why).
    CACHES: dict[str, dict[str, object]] = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    # Room for every person's rate-limit counters (contest/limits.py) before any is culled.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# --- Accounts and authentication --------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"add_email": "accounts.forms.AddEmailForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Prompt Contest")
# Organisers, judges and admin users always need an authenticator app before they reach
# their pages (accounts/mfa.py); this asks it of everyone, on every signed-in page.
MFA_REQUIRED_FOR_EVERYONE = env_bool("MFA_REQUIRED_FOR_EVERYONE", False)

# A signed-in session ends after this many minutes without a request
# (accounts.middleware.IdleSessionMiddleware keeps it alive while it is used).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60

# Sign-up is limited to these e-mail domains (exact match after the last "@").
ALLOWED_EMAIL_DOMAINS = [d.lower() for d in env_list("ALLOWED_EMAIL_DOMAINS")]

# Who staff should contact when something goes wrong (a division and extension, an
# address); the error pages name it.
SUPPORT_CONTACT = os.environ.get("SUPPORT_CONTACT", "").strip()

# How the site names itself (header, page titles, e-mails) and the address people reach it
# at. E-mails build every link from SITE_URL, never from the request: behind a proxy the
# request's host is the proxy's view (127.0.0.1:8000), not the address staff can open.
SITE_NAME = _env_value("SITE_NAME") or _("Prompt Contest")
_site_url = env_url("SITE_URL", "http://127.0.0.1:8000" if DEBUG else None)
if _site_url is None:
    raise ImproperlyConfigured(
        "SITE_URL must be set when DJANGO_DEBUG is off: the address staff open the site at, "
        "e.g. https://contest.city.example.jp. E-mails link to it."
    )
SITE_URL: str = _site_url

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "prompt-contest@localhost")

# --- Language and time ------------------------------------------------------------------

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
# Japanese pages write years in the era (令和7年6月30日（月）) instead of 2025年.
JAPANESE_ERA_DATES = env_bool("JAPANESE_ERA_DATES", False)
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# The text fields of one post; files are not counted here but by the first upload handler,
# which stops reading a body once its files pass the view's limit (contest/uploads.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "contest.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Security ---------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Browser features no page uses are switched off; pages copy prompts to the clipboard.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
    "clipboard-write": ["self"],
}
# Behind a reverse proxy every request comes from the proxy's address: the sign-in rate
# limits (allauth, per client address) then count the client from the X-Forwarded-For
# entry the outermost trusted proxy wrote (the Nth from the right for N proxies).
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1, minimum=1)
elif _env_value("DJANGO_TRUSTED_PROXY_COUNT"):
    raise ImproperlyConfigured(
        "DJANGO_TRUSTED_PROXY_COUNT is set but DJANGO_BEHIND_PROXY is not: set "
        "DJANGO_BEHIND_PROXY=1 too, or X-Forwarded-For stays ignored."
    )
else:
    ALLAUTH_TRUSTED_PROXY_COUNT = 0
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # A load balancer's health check speaks plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Celery -----------------------------------------------------------------------------
# The database is the truth; the broker only rings the bell (see DESIGN.md "Runs").

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
CELERY_BROKER_POLLING_INTERVAL = env_float("CELERY_BROKER_POLLING_INTERVAL", 0.01)
# The embedded broker's folders (created by config/celery.py); a test points it elsewhere.
CELERY_BROKER_FOLDER = Path(os.environ.get("CELERY_BROKER_FOLDER") or VAR_DIR / "broker")


FILESYSTEM_BROKER_TRANSPORT = "config.broker:Transport"
REDIS_BROKER_TRANSPORT = "config.broker:RedisTransport"


def filesystem_broker_options(folder: Path) -> dict[str, object]:
    """Kombu's filesystem transport: one folder both ways, so every process shares it."""
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
        # Seconds between looks at an empty (or, for a busy worker, full) queue. A worker
        # whose slots are all busy also waits this long before taking the next message
        # once one frees, so each run waited half of it on average: 0.1 s cost a third of
        # the throughput at a 100 ms model latency (bench/runs.py). A look at an empty
        # folder costs some microseconds; kombu's 1 s default would cap a worker at about
        # `concurrency` runs a second.
        "polling_interval": CELERY_BROKER_POLLING_INTERVAL,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    # Kombu's transport, with a message written whole before a worker can see it.
    CELERY_BROKER_TRANSPORT = FILESYSTEM_BROKER_TRANSPORT
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = filesystem_broker_options(
        CELERY_BROKER_FOLDER
    )
else:
    if CELERY_BROKER_URL.startswith("redis://"):
        # Kombu's transport, acknowledging through one client object (config/broker.py).
        CELERY_BROKER_TRANSPORT = REDIS_BROKER_TRANSPORT
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any countdown we schedule, so a delayed retry is not redelivered early.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
# Late acks + reject on worker lost: a message is gone only once its task has returned;
# a run whose worker died mid-call is found by the reconciler through its lease.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes Django's connections around every task unless told to reuse them; a new
# connection per model call cost more than the call's own work (see bench/runs.py).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# A task whose message can no longer be acknowledged (the broker connection dropped) will
# be delivered again; stop it rather than let it run twice. Celery 6's default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Two queues: `celery` (the reconciler, quick) and `llm` (model calls; its workers'
# total concurrency is the global throttle on calls in flight).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"contest.tasks.execute_run": {"queue": "llm"}}
# With the lease below, a dead worker's runs go back to the queue within
# RUN_LEASE_SECONDS + RUN_RECONCILE_EVERY_SECONDS (45 s by default).
RUN_RECONCILE_EVERY_SECONDS = env_float("RUN_RECONCILE_EVERY_SECONDS", 15.0)
CELERY_BEAT_SCHEDULE = {
    "reconcile-runs": {
        "task": "contest.tasks.reconcile_runs",
        "schedule": RUN_RECONCILE_EVERY_SECONDS,
        # Beat keeps ticking while workers are down; stale reconcile messages are useless.
        "options": {"expires": RUN_RECONCILE_EVERY_SECONDS},
    },
    # Images kept for entry forms nobody came back to.
    "purge-pending-images": {"task": "contest.tasks.purge_pending_images", "schedule": 3600.0},
    # Preview runs ("try it") older than PREVIEW_RETENTION_DAYS.
    "purge-previews": {"task": "contest.tasks.purge_previews", "schedule": 3600.0},
}
# A restarted broker comes back: keep trying, at start and while running.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None

# --- LLM gateway ------------------------------------------------------------------------

LLM_PROVIDER = os.environ.get("LLM_PROVIDER") or (
    "openai" if os.environ.get("OPENAI_API_KEY") else "echo"
)
LLM_MODEL = os.environ.get("LLM_MODEL", "gpt-4o-mini")
LLM_CONNECT_TIMEOUT = env_float("LLM_CONNECT_TIMEOUT", 5.0)
# Long enough for a slow model's 90-second answer: a dead worker is found by its lease's
# heartbeat, not by this timeout, so a generous one no longer delays recovery.
LLM_READ_TIMEOUT = env_float("LLM_READ_TIMEOUT", 120.0)
# Attempts per run before it fails; retries back off exponentially with jitter. A 429 does
# not count: a rate-limited run waits until LLM_RETRY_DEADLINE_SECONDS after its first
# failed call, which also ends the retries of server errors and timeouts.
LLM_MAX_ATTEMPTS = env_int("LLM_MAX_ATTEMPTS", 5)
LLM_RETRY_DEADLINE_SECONDS = env_float("LLM_RETRY_DEADLINE_SECONDS", 1800.0)
LLM_RETRY_BASE_SECONDS = env_float("LLM_RETRY_BASE_SECONDS", 2.0)
LLM_RETRY_MAX_SECONDS = env_float("LLM_RETRY_MAX_SECONDS", 120.0)
# Requests and tokens per minute per provider across all workers; 0 means no limit. The
# rate in force adapts below them (contest/runs/throttle.py); the "minute" is
# LLM_RATE_WINDOW_SECONDS long, which only tests change.
LLM_REQUESTS_PER_MINUTE = env_int("LLM_REQUESTS_PER_MINUTE", 0)
LLM_TOKENS_PER_MINUTE = env_int("LLM_TOKENS_PER_MINUTE", 0)
LLM_RATE_WINDOW_SECONDS = env_float("LLM_RATE_WINDOW_SECONDS", 60.0)
LLM_RESPONSE_CACHE = env_bool("LLM_RESPONSE_CACHE", True)
AZURE_OPENAI_DEPLOYMENT = os.environ.get("AZURE_OPENAI_DEPLOYMENT", "")
# Yen per million tokens (input, output); override with LLM_PRICES_JSON.
LLM_PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o-mini": (Decimal("23"), Decimal("90")),
    "gpt-4o": (Decimal("375"), Decimal("1500")),
    "gpt-4.1-mini": (Decimal("60"), Decimal("240")),
    "gpt-4.1": (Decimal("300"), Decimal("1200")),
}
if _env_value("LLM_PRICES_JSON"):
    try:
        LLM_PRICES = {
            model: (Decimal(str(input_yen)), Decimal(str(output_yen)))
            for model, (input_yen, output_yen) in json.loads(os.environ["LLM_PRICES_JSON"]).items()
        }
    except (ValueError, TypeError, AttributeError, ArithmeticError) as error:
        raise ImproperlyConfigured(
            'LLM_PRICES_JSON must look like {"model": [yen per 1M input tokens, '
            f"yen per 1M output tokens]}}: {error}"
        ) from None

# Reconciler: re-enqueue a run queued longer than this. A running run's lease is short and
# renewed every RUN_HEARTBEAT_SECONDS by the worker holding it while its call is in
# flight (contest/runs/lease.py), up to the task's hard time limit; a dead worker stops
# renewing, and its runs are taken back once the lease passes.
RUN_REQUEUE_AFTER_SECONDS = env_int("RUN_REQUEUE_AFTER_SECONDS", 120)
RUN_LEASE_SECONDS = env_float("RUN_LEASE_SECONDS", 30.0)
RUN_HEARTBEAT_SECONDS = env_float("RUN_HEARTBEAT_SECONDS", RUN_LEASE_SECONDS / 3)
if not 0 < RUN_HEARTBEAT_SECONDS < RUN_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "RUN_HEARTBEAT_SECONDS must be above 0 and below RUN_LEASE_SECONDS (a third of it "
        "lets two renewals fail before a live worker's run is taken back)."
    )
CELERY_TASK_SOFT_TIME_LIMIT = int(LLM_READ_TIMEOUT) + 15
CELERY_TASK_TIME_LIMIT = int(LLM_READ_TIMEOUT) + 30

# --- Cost and abuse limits ---------------------------------------------------------------
# Per person and hour, over every contest (contest/limits.py); 0 means no limit. A draft
# is never limited, nor an organiser's re-run.
ENTRY_SUBMITS_PER_HOUR = env_int("ENTRY_SUBMITS_PER_HOUR", 10)
RUN_RETRIES_PER_HOUR = env_int("RUN_RETRIES_PER_HOUR", 5)
# "Try it" (preview runs of text that is not submitted): tries per person and hour, and
# how long their runs are kept.
PREVIEWS_PER_HOUR = env_int("PREVIEWS_PER_HOUR", 20)
PREVIEW_RETENTION_DAYS = env_int("PREVIEW_RETENTION_DAYS", 7)
# The yen budget a new contest starts with (organiser form, import_contest); 0 means none.
CONTEST_DEFAULT_YEN_BUDGET = env_int("CONTEST_DEFAULT_YEN_BUDGET", 5000)
# The part of a contest's budget one entrant's runs may spend; past it only their runs are
# held. 0 or 100 means no share.
ENTRANT_BUDGET_SHARE_PERCENT = env_int("ENTRANT_BUDGET_SHARE_PERCENT", 10)
for _name, _value in (
    ("ENTRY_SUBMITS_PER_HOUR", ENTRY_SUBMITS_PER_HOUR),
    ("RUN_RETRIES_PER_HOUR", RUN_RETRIES_PER_HOUR),
    ("PREVIEWS_PER_HOUR", PREVIEWS_PER_HOUR),
    ("PREVIEW_RETENTION_DAYS", PREVIEW_RETENTION_DAYS),
    ("CONTEST_DEFAULT_YEN_BUDGET", CONTEST_DEFAULT_YEN_BUDGET),
):
    if _value < 0:
        raise ImproperlyConfigured(f"{_name}={_value} cannot be negative (0 means none).")
if not 0 <= ENTRANT_BUDGET_SHARE_PERCENT <= 100:
    raise ImproperlyConfigured("ENTRANT_BUDGET_SHARE_PERCENT must be between 0 and 100.")

# --- Gallery ----------------------------------------------------------------------------
# On: the gallery, its feed and its export are readable without signing in.
GALLERY_PUBLIC = env_bool("GALLERY_PUBLIC", False)
# This organisation's name, credited on its own prompts and in its export; empty: SITE_NAME.
GALLERY_ORGANISATION_NAME = os.environ.get("GALLERY_ORGANISATION_NAME", "")

# --- Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx2 logs every request at INFO: noise in worker logs.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx2": {"level": "WARNING"}},
}

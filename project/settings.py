"""Settings for Agir Ensemble, read from the environment only.

Defaults give the embedded set-up (SQLite, in-memory channel layer,
local-memory cache). ``DATABASE_URL`` and ``REDIS_URL`` switch to the
scale-out set-up (PostgreSQL, channels_redis, Redis cache). ``DEBUG`` is off
unless asked for; with it off, the secure defaults hold (HSTS, secure
cookies, SSL redirect), each overridable for a reverse-proxy set-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from project.env import envbool, envint, envlist, envstr
from project.redis import layer_hosts, parse_sentinels

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", False)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# daphne only for `manage.py runserver` (it makes runserver speak ASGI and WebSocket):
# it loads Twisted, 27 MB of every server process that uvicorn does not need.
_RUNSERVER = ["daphne"] if sys.argv[1:2] == ["runserver"] else []

INSTALLED_APPS = [
    *_RUNSERVER,
    "modeltranslation",  # before the admin, which it extends with both languages' fields
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "proposals",
    "workshops",
    "votes",
    "decisions",
    "summaries",
    "realtime",
    "outbox",
    "opinions",
    "project",  # deployment checks and check_production (project.checks)
    "django_tasks",
    "django_tasks_db",
    "ops",
]

MIDDLEWARE = [
    "ops.middleware.RequestIdMiddleware",  # first: the id and the latency cover everything
    "django.middleware.security.SecurityMiddleware",
    "project.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (its static files are pre-compressed), above everything that writes
    # the body: pages and API answers gzipped.
    "project.middleware.CompressionMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "project.middleware.LanguageMiddleware",  # French first; English from the FR/EN switch
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "project.context_processors.platform",
                "decisions.context_processors.notifications",
            ],
            "builtins": ["project.typography_tags"],
        },
    }
]

# --- Database: SQLite file by default, DATABASE_URL otherwise (postgres:// uses psycopg 3).
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 0))
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": envstr("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets the live room read while a write commits.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
# DATABASE_POOLER=pgbouncer: DATABASE_URL points at PgBouncer in transaction pooling mode
# (docs/high-availability.md). Each transaction may run on another server connection, so
# nothing may outlive a transaction on the server: no server-side cursors (Django's
# ``.iterator()`` would DECLARE one WITH HOLD outside a transaction), no prepared statements
# (Django's default with psycopg 3), no session SET/advisory lock/LISTEN (there are none).
DATABASE_POOLER = envstr("DATABASE_POOLER").strip().lower()
if DATABASE_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer'.")
if DATABASE_POOLER and DATABASE_URL:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if DATABASES["default"].get("OPTIONS", {}).get("server_side_binding"):
        raise ImproperlyConfigured("server_side_binding prepares statements: not with PgBouncer.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache. Without REDIS_URL, in-memory layer and local-memory cache.
REDIS_URL = envstr("REDIS_URL")
# Redis Sentinel (docs/high-availability.md): the sentinels' addresses and the name of the
# primary they monitor; REDIS_URL then gives only the database number and the credentials.
# Every Redis client comes from project.redis, which reads these.
REDIS_SENTINELS = parse_sentinels(envstr("REDIS_SENTINELS"))
REDIS_SENTINEL_MASTER = envstr("REDIS_SENTINEL_MASTER")
if REDIS_SENTINELS and not (REDIS_URL and REDIS_SENTINEL_MASTER):
    raise ImproperlyConfigured(
        "REDIS_SENTINELS needs REDIS_SENTINEL_MASTER and REDIS_URL (redis://[:password@]name/db)."
    )
if REDIS_URL:
    _layer_hosts = layer_hosts(REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER)
    # CHANNEL_LAYER=core (default) or pubsub: the two channels_redis layers, measured side
    # by side by bench/run_all.py. The room fan-out uses one group member per process and
    # room (realtime.hub), so either layer carries one message per process per event.
    CHANNEL_LAYER = envstr("CHANNEL_LAYER", "core")
    if CHANNEL_LAYER not in {"core", "pubsub"}:
        raise ImproperlyConfigured("CHANNEL_LAYER must be 'core' or 'pubsub'.")
    if CHANNEL_LAYER == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": _layer_hosts},
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                # channels_redis' core layer, without its receive_buffer leak.
                "BACKEND": "realtime.layers.RedisChannelLayer",
                "CONFIG": {"hosts": _layer_hosts, "capacity": 1000, "expiry": 60},
            }
        }
    CACHES = {
        "default": {
            # Django's RedisCache that behaves as an empty cache while Redis is away
            # (rate limits fail open) instead of turning every request into a 500.
            "BACKEND": "project.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("CACHE_KEY_PREFIX", "agir"),
            # A dead Redis must cost a request a second, not a hang.
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 2,
                "sentinels": REDIS_SENTINELS,
                "sentinel_master": REDIS_SENTINEL_MASTER,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "realtime.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts and allauth
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address from the sign-up's browser signs the person in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Agir Ensemble] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "request_login_code": "20/m/ip,3/m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = envint("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
# The platform's other limits (project.ratelimit, docs/security.md): "<amount>/<period>".
# A venue's wifi (or a carrier's NAT) puts a whole plenary behind one address: the
# per-address limits let 300 people join within ten minutes (typos included: 100 wrong codes
# in ten minutes). Guessing a code (6 of 31 signs, ~887 million) at 100 tries per ten
# minutes stays hopeless; the per-workshop limit caps what one code can bring in.
RATE_LIMITS = {
    "join": "600/m",  # join attempts per client address (right or wrong code)
    "join_failed": "100/10m",  # unknown (or private) codes per client address
    "guest_create": "300/10m,1000/h",  # new guests per client address
    "guest_create_workshop": "600/h",  # new guests per workshop, all addresses together
    "claim": "10/h",  # guest claims per client address
    "claim_email": "3/h",  # claims per e-mail address typed (mails to one inbox)
}
# Similar ideas and suggested groups (proposals.similarity): the local method by default;
# an OpenAI-compatible embedding service when its URL and model are set (any error of the
# service falls back to the local method). Thresholds: see proposals.similarity.DEFAULTS.
SIMILARITY = {
    "EMBEDDING_URL": envstr("SIMILARITY_EMBEDDING_URL"),
    "EMBEDDING_MODEL": envstr("SIMILARITY_EMBEDDING_MODEL"),
    "EMBEDDING_API_KEY": envstr("SIMILARITY_EMBEDDING_API_KEY"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Agir Ensemble"

# --- E-mail: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = envstr("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
    # Seconds before a silent SMTP server fails the send (Django's default waits forever,
    # holding the outbox sender).
    EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
else:
    EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The outbox (outbox.services): attempts before giving up on an e-mail, how long a sender's
# claim on one lasts, days sent or abandoned e-mails are kept before send_outbox deletes them.
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_LEASE_SECONDS = envint("OUTBOX_LEASE_SECONDS", 600)
OUTBOX_KEEP_DAYS = envint("OUTBOX_KEEP_DAYS", 30)
DEFAULT_FROM_EMAIL = envstr(
    "DEFAULT_FROM_EMAIL", "Agir Ensemble <ne-pas-repondre@agir-ensemble.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation: French first, English second.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The FR/EN switch is remembered a year (Django's default cookie ends with the browser session:
# the next visit would be back in French).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Content the platform defines (axes, themes, indicators, recommendations' and workshops' titles)
# has a French and an English column (django-modeltranslation, `<app>/translation.py`): pages
# read the column of their language, French when the English one is empty. What participants
# write stays in one column, as written (marked lang="fr" on English pages).
MODELTRANSLATION_DEFAULT_LANGUAGE = "fr"
MODELTRANSLATION_LANGUAGES = ("fr", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fr",)
# A create() with the plain field name (`title=`) also fills the French column, whatever the
# active language: a row is never without its French text.
MODELTRANSLATION_AUTO_POPULATE = "default"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG:
    # `make run` serves static files from their source folders (whitenoise's finders):
    # staticfiles/ exists only after collectstatic, and whitenoise warned on every start
    # that it is missing. Without DEBUG it must exist: the warning stays.
    import warnings

    warnings.filterwarnings("ignore", r"No directory at: ", UserWarning)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security. Secure by default when DEBUG is off; each overridable behind a proxy.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
if envbool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions in the database, read through the cache (Redis in production): a room filling up
# authenticates hundreds of sockets per second. Revocations delete both copies
# (accounts.privacy); with Redis down the cache is empty and the database answers.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp 4): nonces for scripts, no inline scripts.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF, "ws:", "wss:"] if DEBUG else [SELF, "wss:"],
        "font-src": [SELF],
        "frame-src": envlist("CSP_FRAME_SRC", ["https:"]),
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Platform
PLATFORM_NAME = "Agir Ensemble"
CODEV_NAME = "Conseil de développement du Pays de Montbéliard Agglomération"
CODEV_ADDRESS = "8, avenue des Alliés – BP 98407 – 25208 Montbéliard cedex"
GUEST_RETENTION_DAYS = envint("GUEST_RETENTION_DAYS", 365)
# In CI, tests that need a service that is missing fail instead of skipping.
REQUIRE_SERVICES = envbool("REQUIRE_SERVICES", False)

# --- Background tasks (docs/operations.md): Django's tasks API through django-tasks
# (built into Django 6), stored in the database by django-tasks-db; `manage.py run_worker`
# runs them and the periodic jobs of ops/schedule.py. TASKS_BACKEND=immediate runs them
# in the caller (tests, a one-process demo).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[envstr("TASKS_BACKEND", "database")],
        "QUEUES": ["default"],
    }
}
TASK_MAX_ATTEMPTS = envint("TASK_MAX_ATTEMPTS", 5)
# Nightly open-data files (summaries/management/commands/opendata_snapshot.py).
OPENDATA_SNAPSHOT_DIR = envstr("OPENDATA_SNAPSHOT_DIR")
OPENDATA_SNAPSHOT_KEEP = envint("OPENDATA_SNAPSHOT_KEEP", 30)
# Render a summary's PDF in a task when it is published (the page links it once rendered).
SUMMARY_PDF_ON_PUBLISH = envbool("SUMMARY_PDF_ON_PUBLISH", True)

# --- Metrics (/metrics, Prometheus text format): a bearer token and/or an allow-list of
# client addresses; with neither, the endpoint answers 404. PROMETHEUS_MULTIPROC_DIR (set
# for every process: web workers and task worker) aggregates the processes' metrics.
METRICS_TOKEN = envstr("METRICS_TOKEN")
METRICS_ALLOWED_IPS = envlist("METRICS_ALLOWED_IPS")

# LOG_FORMAT=json: one JSON object per line, with the request id (X-Request-ID) that the
# request's tasks and socket actions carry too.
LOG_FORMAT = envstr("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "ops.logs.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # Every PDF: WeasyPrint's « Step 1…6 » progress and fontTools' subsetting notes.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"

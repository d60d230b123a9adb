"""Leadline settings.

Everything a deployment changes comes from the environment (listed in the
README); the defaults are safe for a developer's machine.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("LEADLINE_DEBUG", True)
# The development key is only acceptable while DEBUG is on; production must set one.
SECRET_KEY = os.environ.get("LEADLINE_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("LEADLINE_SECRET_KEY must be set when LEADLINE_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("LEADLINE_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("LEADLINE_CSRF_TRUSTED_ORIGINS", "")
# Reverse proxies (addresses or CIDRs) whose X-Forwarded-For is believed; from
# anyone else it is ignored (core.net.client_ip). Empty: REMOTE_ADDR is the client.
LEADLINE_TRUSTED_PROXIES = env_list("LEADLINE_TRUSTED_PROXIES", "")

INSTALLED_APPS = [
    "config.apps.LeadlineAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django Ninja's own templates and static files: the API docs (Swagger UI)
    # are served by Leadline, not from a CDN, so they work offline and under the CSP.
    "ninja",
    "csp",
    "django_tasks",
    # Before django_tasks_db: its `db_worker` command (the package's worker
    # with a heartbeat, per-task logs and outage retries) replaces the package's.
    "ops",
    "django_tasks_db",
    "axes",
    "core",
    "accounts",
    "notifications",
    "catalog",
    "hours",
    "scheduling",
    "customers",
    "jobs",
    "leads",
    "calls",
    "bookings",
    "assignment",
    "reports",
    "messaging",
    "telephony",
    "formdrafts",
    "demo",
]

MIDDLEWARE = [
    # Outermost: a request id and one log line for every request (ops.logs).
    "ops.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A request that failed on an unreachable database answers 503, not 500.
    "ops.outage.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.KeyOwnerIdempotencyMiddleware",
    # Turns a locked-out sign-in into the login page with the lockout message (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # The site's display filters (phone, money, when, clock, day, elapsed) in every template.
            "builtins": ["core.templatetags.leadline"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.employee",
                "notifications.context_processors.bell",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    # Parameters go to the server beside the statement (server-side binding)
    # rather than quoted into its text. The statements core.prepared sends —
    # a row by its id, a key by its hash, a new row's INSERT: the intake
    # paths' — are prepared on the server the first time a connection sends
    # them, so PostgreSQL stops parsing and planning them on every request
    # (bench/README.md "Server-side binding"). Nothing else is: psycopg would
    # prepare any statement sent five times, and a prepared search (LIKE) or
    # report (a date range) may get a generic plan that ignores its values
    # (a Follow Up search went from 13 to 190 ms that way). A threshold no
    # statement reaches keeps psycopg from choosing; None would refuse even
    # the statements core.prepared asks for.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": 2**31 - 1,
    }
    # Behind a pooler in transaction mode (PgBouncer's pool_mode = transaction)
    # a connection's server session may change between transactions, so the
    # server-side cursors QuerySet.iterator() opens outside a transaction (WITH
    # HOLD, read in several round trips: the leads CSV export) could be looked
    # for on another session. Everything else Leadline keeps on a connection
    # lasts one transaction, but for the prepared statements (README "What a
    # bigger company does next").
    if env_bool("LEADLINE_DB_TRANSACTION_POOLING", False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        # A prepared statement lives in one server session, which a pooler in
        # transaction mode hands to someone else after each transaction
        # (PgBouncer before 1.21 cannot track them): bind on the server, but
        # never prepare.
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
else:
    SQLITE_PATH = os.environ.get("LEADLINE_SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Kept open between requests, as on PostgreSQL: closing the last
            # connection to a WAL database checkpoints and deletes the WAL, and
            # the next request reopens it and runs the PRAGMAs again. That cost
            # an intake request about 2 ms (bench/README.md).
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                # WAL lets the screens read while an intake request writes; the
                # busy timeout makes a second writer wait instead of failing.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
    # The dashboard's covering indexes (Index(include=...)) let PostgreSQL count
    # from the index alone; SQLite builds them on their key columns and says so
    # at every migrate and runserver (models.W040). That is the intended fallback.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("LEADLINE_TIME_ZONE", "America/Chicago")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Password guessing is throttled by django-axes: after LEADLINE_LOGIN_FAILURE_LIMIT
# wrong passwords for one username from one address (core.net.client_ip, so
# behind a proxy too), that pair is locked out for LEADLINE_LOGIN_COOLOFF_MINUTES;
# a success resets the count. Admins unlock in Settings → People → Login lockouts.
# API keys are not passwords: the API never goes through this.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LEADLINE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LEADLINE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.backends.login_client_ip"
AXES_USERNAME_CALLABLE = "accounts.backends.login_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
AXES_RESET_ON_SUCCESS = True
# Settings lists lockouts through its own admin (accounts.admin), not axes' Django-permission one.
AXES_ENABLE_ADMIN = False
# One row per successful sign-in is not needed; failures and lockouts are kept.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("LEADLINE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS. A deployment behind a TLS-terminating reverse proxy (deploy/nginx.conf)
# turns these on (deploy/production.env.example); off by default so the
# development server works over plain HTTP.
# Plain-HTTP requests are redirected to https:// (except /healthz, which load
# balancers probe over HTTP).
SECURE_SSL_REDIRECT = env_bool("LEADLINE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
# Strict-Transport-Security: browsers use only HTTPS for this long (seconds; 0 = no header).
SECURE_HSTS_SECONDS = int(os.environ.get("LEADLINE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LEADLINE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("LEADLINE_HSTS_PRELOAD", False)
# The proxy says whether the browser's connection was HTTPS in X-Forwarded-Proto.
# Trust it only when every request passes through that proxy (Leadline bound to
# the loopback or a socket), or any client could claim HTTPS.
if env_bool("LEADLINE_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles, images and connections
# only from Leadline itself; no inline script and no eval (htmx runs with
# allowEval off, templates/base.html), no plugins, no <base> hijack, forms post
# only here. Inline *styles* are allowed: templates, the SVG charts and Swagger
# UI set style attributes (they cannot run code). Framing is governed by
# X-Frame-Options (DENY, except the embeddable booking form), not frame-ancestors.
LEADLINE_CSP_REPORT_ONLY = env_bool("LEADLINE_CSP_REPORT_ONLY", False)
_csp_directives: dict[str, list[str] | str] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
}
if os.environ.get("LEADLINE_CSP_REPORT_URI"):
    _csp_directives["report-uri"] = os.environ["LEADLINE_CSP_REPORT_URI"]
if LEADLINE_CSP_REPORT_ONLY:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}

# Phone numbers typed without a country code are read in this region.
PHONE_DEFAULT_REGION = os.environ.get("LEADLINE_PHONE_REGION", "US")

# A request body larger than this is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("LEADLINE_MAX_BODY_BYTES", str(1024 * 1024)))

# Background work (webhook delivery) is rows in this same database, run by
# `python manage.py db_worker`: no broker to operate, and a task enqueued inside
# a transaction is written (or rolled back) with it.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Telephony and texting (API.md v1.1). Providers sign the URL they call, so
# behind a proxy Leadline checks signatures against this public base URL
# (e.g. https://leads.example.com); unset, the request's own host is used.
LEADLINE_PUBLIC_BASE_URL = os.environ.get("LEADLINE_PUBLIC_BASE_URL", "").rstrip("/")
# How texts leave: console (logged, marked sent), locmem (tests), twilio.
LEADLINE_SMS_BACKEND = os.environ.get("LEADLINE_SMS_BACKEND", "console")
# Twilio's REST API (tests point it at a local fake; never change it in production).
LEADLINE_TWILIO_API_BASE = os.environ.get("LEADLINE_TWILIO_API_BASE", "https://api.twilio.com").rstrip("/")
# The company's name in text templates ({company}).
LEADLINE_COMPANY_NAME = os.environ.get("LEADLINE_COMPANY_NAME", "our office")
# A caller texted back is not texted back again for this many hours.
LEADLINE_TEXT_BACK_COOLDOWN_HOURS = int(os.environ.get("LEADLINE_TEXT_BACK_COOLDOWN_HOURS", "12"))
# A public booking form left this long after the visitor's last keystroke (with a phone
# or an email typed) becomes a marketing lead (formdrafts). Minutes; fractions allowed.
LEADLINE_FORM_ABANDON_MINUTES = float(os.environ.get("LEADLINE_FORM_ABANDON_MINUTES", "5"))

# First-response SLAs and escalation (assignment/). A lead's clock says "due soon"
# this many minutes before its due time.
LEADLINE_SLA_DUE_SOON_MINUTES = int(os.environ.get("LEADLINE_SLA_DUE_SOON_MINUTES", "15"))
# The worker looks for breached SLAs (and Away CSRs' waiting leads) this often; 0: never.
LEADLINE_SLA_SWEEP_SECONDS = int(os.environ.get("LEADLINE_SLA_SWEEP_SECONDS", "30"))
# How often the worker folds the latest changes into the reports' daily rollups
# (reports.tasks); 0 leaves it to the next report read.
LEADLINE_ROLLUP_REFRESH_SECONDS = int(os.environ.get("LEADLINE_ROLLUP_REFRESH_SECONDS", "60"))
# A lead unanswered with someone Away this long is offered back to its rule; 0: never.
LEADLINE_AWAY_REASSIGN_MINUTES = int(os.environ.get("LEADLINE_AWAY_REASSIGN_MINUTES", "30"))

# The navigation's bell asks for the unread notification count this often (seconds).
LEADLINE_NOTIFY_POLL_SECONDS = int(os.environ.get("LEADLINE_NOTIFY_POLL_SECONDS", "15"))

# /healthz and the worker (ops): a worker not seen for this long is "stale";
# tasks it left running go back to the queue. LEADLINE_VERSION is what
# /healthz reports as the version (e.g. the deployed git commit).
LEADLINE_WORKER_STALE_SECONDS = int(os.environ.get("LEADLINE_WORKER_STALE_SECONDS", "60"))
LEADLINE_VERSION = os.environ.get("LEADLINE_VERSION", "")

# Logs (ops.logs): one line per request (request id, method, path, status, ms)
# and per background task, as text or as JSON lines (LEADLINE_LOG_FORMAT=json).
LEADLINE_LOG_FORMAT = os.environ.get("LEADLINE_LOG_FORMAT", "text").strip().lower()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ops.logs.RequestIdFilter"},
        "quiet": {"()": "ops.logs.QuietFilter"},
    },
    "formatters": {
        "text": {"()": "ops.logs.TextFormatter"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LEADLINE_LOG_FORMAT == "json" else "text",
            "filters": ["request_id", "quiet"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LEADLINE_LOG_LEVEL", "INFO")},
    "loggers": {
        # The task framework's own start/finish lines repeat the worker's line;
        # a failed task still logs its traceback (ERROR).
        "django_tasks": {"level": "WARNING"},
        # django-axes says "AXES: ..." four times per sign-in; lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # Django's default config gives "django" handlers of its own (a console one
        # while DEBUG is on, so `make run` printed the reloader's lines and "Not
        # Found: /x" a second time, unfiltered): none here, its records reach ours
        # through the root. The development server's access line has its own handler
        # in Django's config too; routed through ours, the quiet filter drops it.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

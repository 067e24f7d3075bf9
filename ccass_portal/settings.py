"""Settings for the CCASS/CCMS portal, read from the environment only.

Embedded default (nothing set): SQLite file, Celery tasks run eagerly, mail to the console.
Production: ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` (Celery broker), ``EMAIL_HOST`` (SMTP),
``SECRET_KEY`` and ``ALLOWED_HOSTS``; see ``.env.example`` for every variable.
"""

import logging
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ccass_portal import logs

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Tests run under pytest with production-like settings; they only need a throwaway key.
TESTING = "pytest" in sys.modules
# A local .env (made by scripts/serve, never committed) fills in what the environment lacks;
# tests ignore it so they run the same on a developer's machine as in CI.
if (BASE_DIR / ".env").is_file() and not TESTING:
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "dms",
    "terminal",
    "eservices",
]

MIDDLEWARE = [
    # Issue 11: /healthz answers before everything else: no session, no login, no host or
    # HTTPS redirect in the load balancer's way, no generic outage page (ccass_portal/health.py).
    "ccass_portal.health.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Issue 11: request latency, then the one log line per request (static files are above).
    "ccass_portal.metrics.RequestMetricsMiddleware",
    "ccass_portal.request_log.RequestLogMiddleware",
    "csp.middleware.CSPMiddleware",
    "ccass_portal.no_store.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.session_store.SessionRefreshMiddleware",
    "ccass_portal.i18n.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A database or Redis outage answers 503 "temporarily unavailable" (issue 10).
    "ccass_portal.middleware.OutageMiddleware",
]

ROOT_URLCONF = "ccass_portal.urls"
WSGI_APPLICATION = "ccass_portal.wsgi.application"

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
                "terminal.context_processors.arrangement",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep a worker's connection between requests (a new one per request cost a login more than
# its SQL, issue 10); checked before reuse, so a database restart costs one failed check.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing with "database is locked" (SQLite has no row locks;
    # transactions take the whole-database write lock).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# SPEC A1: Argon2id first; the others only verify hashes made before a change of hasher.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.password_validation.MaximumLengthValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 16},
    },
    {"NAME": "accounts.password_validation.NumberValidator"},
    {"NAME": "accounts.password_validation.LowercaseValidator"},
    {"NAME": "accounts.password_validation.SpecialCharacterValidator"},
    {"NAME": "accounts.password_validation.UppercaseValidator"},
    {"NAME": "accounts.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.password_validation.NotCurrentPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
#: Issue 11: English (which prevails, as in the exchange's own documents) and Traditional Chinese
#: in Hong Kong usage. The browser's Accept-Language picks on the first visit (zh-HK and zh-TW
#: fall back to zh-Hant); the switch "English | 繁體中文" keeps the choice in a cookie for the
#: browser session. The admin stays English (ccass_portal.i18n).
LANGUAGES = [("en-gb", "English"), ("zh-hant", "繁體中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = None  # the browser session
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Hong_Kong"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
#: SPEC T2: the overnight report files, in a folder (default var/reports; a relative path is
#: taken from the project folder). Another storage backend (e.g. S3-like) may replace
#: STORAGES["overnight_reports"]; the code reaches the files only through Django's storage API.
CCASS_REPORTS_STORAGE_DIR = Path(env.str("CCASS_REPORTS_STORAGE_DIR", default="var/reports"))
if not CCASS_REPORTS_STORAGE_DIR.is_absolute():
    CCASS_REPORTS_STORAGE_DIR = BASE_DIR / CCASS_REPORTS_STORAGE_DIR
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "overnight_reports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": CCASS_REPORTS_STORAGE_DIR},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Issue 10: request bodies are capped. The largest form (a DMS profile with its limits, an
# eService with its rows) is a few KB; a bigger body is refused with the portal's 400 page
# (Django raises RequestDataTooBig / TooManyFieldsSent before any view runs).
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# Sessions: short inactivity timeout (SPEC L9), cookie only over HTTPS outside development.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=15 * 60)
# Issue 10: one statement per session write; the 15-minute inactivity deadline is pushed forward
# when it is over a minute old (accounts.session_store), not by a save on every request.
SESSION_ENGINE = "accounts.session_store"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Issue 10: flashed messages travel in a signed cookie, never in a session row: an anonymous
# visitor (a wrong password, a lapsed page) creates no session. Messages are short; the cookie
# storage drops ones over 4 KB rather than falling back to the session.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Issue 10: a strict Content-Security-Policy (django-csp 4): scripts and styles only from our
# own static files (no inline script, event handler or style attribute in any template), the
# REGISTER DEVICE QR code as a data: image, nothing framed, no plugins. The Django admin ships
# no inline script or style attribute since 4.x, so it runs under the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Mail: SMTP when EMAIL_HOST is set, else the console.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
#: Issue 11: every message goes through the metered backend (emails sent, send errors), which
#: hands it to the real one.
EMAIL_BACKEND = "ccass_portal.metrics.MeteredEmailBackend"
CCASS_EMAIL_DELIVERY_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply_pt@hkex.com.hk")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
#: SPEC E5: the sender of Client Connect eService notifications.
CCASS_CONNECT_FROM_EMAIL = env.str("CCASS_CONNECT_FROM_EMAIL",
                                   default="noreply_connect@hkex.com.hk")

# Celery: a Redis broker when REDIS_URL is set; otherwise tasks run eagerly in-process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_IGNORE_RESULT = True  # tasks that report a result say so themselves
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # A broker that is down must never hang a request: fail fast, the caller reports it.
    CELERY_BROKER_CONNECTION_TIMEOUT = 2
    # Only the worker (and beat) read these: a worker whose Redis drops reconnects, for ever,
    # instead of shutting down for good (issue 10). Publishing from a page does not retry
    # (CELERY_TASK_PUBLISH_RETRY, the transport's max_retries below).
    CELERY_BROKER_CONNECTION_RETRY = True
    CELERY_BROKER_CONNECTION_MAX_RETRIES = None
    # Said explicitly (Celery 6 stops deriving it from BROKER_CONNECTION_RETRY): a worker that
    # starts while Redis is down exits at once and its supervisor (docker-compose
    # "restart: unless-stopped") starts it again.
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = False
    # When the connection drops, tasks still running are cancelled (Celery 6's default, said now):
    # they are late-acknowledged, so Redis gives them out again; otherwise a mail could go twice.
    CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
        "max_retries": 0,
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
    CELERY_REDIS_SOCKET_TIMEOUT = 2
    CELERY_TASK_PUBLISH_RETRY = False
    # Publishing a task that keeps its result first subscribes on the result backend, with
    # Celery's default 20 retries: a Redis outage would stall the page for 20-60 s.
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 0}}
else:
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

# SPEC A3 / A2 / S2: the rules that protect people, named here once.
CCASS_LOCKOUT_THRESHOLD = 5
CCASS_LOCKOUT_WINDOW_MINUTES = 30
CCASS_OTP_FAILURES_PER_LOGIN_FAILURE = 3
CCASS_PASSWORD_MAX_AGE_DAYS = 90
#: Issue 10: 128 characters, as the login and every other password field (forms) accept; a
#: longer password is refused with 400 before any hashing (docs/decisions.md, password policy).
CCASS_PASSWORD_MAX_LENGTH = 128
CCASS_EMAIL_OTP_VALIDITY_SECONDS = 5 * 60
CCASS_EMAIL_OTP_DIGITS = 8
#: A half-finished login or reset (password given, OTP not yet) lapses after this long.
CCASS_JOURNEY_STAGE_SECONDS = 5 * 60
#: SPEC L9: a session ends 12 hours after login, however active (inactivity: SESSION_COOKIE_AGE).
CCASS_SESSION_MAX_SECONDS = env.int("CCASS_SESSION_MAX_SECONDS", default=12 * 60 * 60)
#: SPEC S2: the terminal and DMS keep their operation hours (terminal/schedule.py); 0 switches
#: them off for development and tests. Connectivity test windows (S3) apply either way.
CCASS_ENFORCE_OPERATION_HOURS = env.bool("CCASS_ENFORCE_OPERATION_HOURS", default=True)


def _totp_issuer(device):
    """SPEC L5: the authenticator shows CCASS or CCMS by the user's clearing house."""
    return device.user.system_name


OTP_TOTP_ISSUER = _totp_issuer
# SPEC A3's lockout (3 wrong OTPs = 1 failed login, 5 lock) is the throttle; django-otp's own
# exponential delay would refuse a *correct* code after a typo and is therefore off.
OTP_TOTP_THROTTLE_FACTOR = 0

#: Issue 11: "json" (one JSON object per line; the default in production) or "console"
#: (readable; the default with DEBUG on). See ccass_portal/logs.py and README "Logs".
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = logs.configure(fmt=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
# django-structlog (ccass_portal.request_log): one line per request, when it ends; the client
# address is the one the audit records use (not a proxy header).
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False

#: Issue 11: /metrics answers only "Authorization: Bearer <METRICS_TOKEN>"; unset, it is off
#: (404). Several processes share their numbers through PROMETHEUS_MULTIPROC_DIR (read by
#: prometheus_client itself); the Celery worker serves its own on CELERY_METRICS_PORT.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)

AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutBackend"]

CELERY_BEAT_SCHEDULE = {
    "verify-audit-chain-nightly": {
        "task": "accounts.verify_audit_chain",
        "schedule": crontab(hour=2, minute=30),  # HKT, after the business day
    },
    "expire-pending-dms-requests": {
        "task": "dms.expire_pending_requests",
        "schedule": crontab(minute="*/15"),
    },
    "clear-expired-sessions-daily": {
        # Issue 10: what `manage.py clearsessions` does, so the session table only holds live
        # sessions (HKT, outside the operation hours).
        "task": "accounts.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "write-overnight-reports": {
        "task": "terminal.write_overnight_reports",
        # SPEC T2: each business night, after the terminal closes (21:30 HKT); the task skips
        # Hong Kong public holidays.
        "schedule": crontab(hour=22, minute=0, day_of_week="mon-fri"),
    },
}

"""CoachLoop settings: everything comes from the environment.

Defaults are safe for development (SQLite, console email, DEBUG on);
``DEBUG=false`` switches on the strict production settings and then
``SECRET_KEY`` and ``ALLOWED_HOSTS`` must be given.
"""

import datetime as dt
import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def mailer_from_url(url: str) -> dict:
    """Turn EMAIL_URL (``smtp://user:pass@host:port``, ``console:``) into a MAILERS entry."""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"BACKEND": "common.mail.ConsoleEmailBackend"}
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in {"smtp", "smtps", "submission"}:
        query = parse_qs(parts.query)
        options = {
            "host": parts.hostname or "localhost",
            "port": parts.port or {"smtp": 25, "smtps": 465, "submission": 587}[parts.scheme],
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": parts.scheme == "submission" or query.get("tls") == ["true"],
            # A hung mail server must not hang a worker.
            "timeout": env_int("EMAIL_TIMEOUT", 10),
        }
        return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    raise ImproperlyConfigured(f"EMAIL_URL scheme {parts.scheme!r} is not supported")


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# scripts/run writes the address it serves on to var/site_url, so that
# `manage.py send_reminders` run by hand links to the same running app.
RUN_SITE_URL = BASE_DIR / "var" / "site_url"
SITE_URL = env_str(
    "SITE_URL",
    (RUN_SITE_URL.read_text().strip() if RUN_SITE_URL.exists() else "http://127.0.0.1:8000")
    if DEBUG
    else "",
).rstrip("/")
if not SITE_URL:
    # Every email links here: a silent localhost default would break them all.
    raise ImproperlyConfigured(
        "SITE_URL must be set when DEBUG is off, e.g. https://coach.example.com"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "axes",
    "django_ratelimit",
    "reps",
    "commitments",
    "reminders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "common.middleware.LoopPagesMiddleware",
    "reps.middleware.PersonTimezoneMiddleware",
    # Last: turns a locked-out sign-in into the "try again in N minutes" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coachloop.urls"
WSGI_APPLICATION = "coachloop.wsgi.application"
FORM_RENDERER = "common.forms.FormRenderer"

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
                "django.template.context_processors.csp",
                "reps.context_processors.signup",
            ],
        },
    },
]

PROCESS_NAME = env_str("PROCESS_NAME", "web")
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 0), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = f"coachloop-{PROCESS_NAME}"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs web, worker and beat on one file: wait for
    # the write lock instead of failing, and take it at BEGIN.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "reps.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "commitments:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)

# django-axes first: a locked-out sign-in is refused before any password is hashed.
AUTHENTICATION_BACKENDS = [
    "reps.ratelimits.SignInGuard",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_URL = env_str("EMAIL_URL", "console:")
MAILERS = {"default": mailer_from_url(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CoachLoop <coach@coachloop.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
REMINDER_SWEEP_SECONDS = env_int("REMINDER_SWEEP_SECONDS", 60)
# An invitation or a reset starts a sweep at once instead of waiting for the tick.
REMINDERS_SWEEP_ON_REQUEST = env_bool("REMINDERS_SWEEP_ON_REQUEST", True)
# How many sweeps one beat tick may start: one per worker process.
REMINDER_SWEEPS = env_int("REMINDER_SWEEPS", 2)

# The loop: misses in a row, each with skill, time and the why ruled out,
# before a rep is flagged "beyond coaching" (commitments.models.beyond_coaching_misses).
BEYOND_COACHING_MISSES = env_int("BEYOND_COACHING_MISSES", 3)
# Two checkouts (or deployments) sharing one Redis never take each other's
# tasks: the queue is named after the database the tasks are about.
CELERY_TASK_DEFAULT_QUEUE = (
    "coachloop-"
    + hashlib.sha256(
        f"{DATABASES['default'].get('HOST', '')}:{DATABASES['default'].get('PORT', '')}:"
        f"{DATABASES['default']['NAME']}".encode()
    ).hexdigest()[:12]
)
CELERY_BEAT_SCHEDULE = {
    "reminders-tick": {
        "task": "reminders.tasks.tick",
        "schedule": float(REMINDER_SWEEP_SECONDS),
        # A tick that waited longer than its period is stale: the next one covers it.
        "options": {"expires": REMINDER_SWEEP_SECONDS * 0.9},
    },
    # Sign-ups never verified (reps/signup.py): deleted a week on.
    "sign-ups-purge": {
        "task": "reps.tasks.purge_unverified_sign_ups",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
}

# --- rate limits (reps/ratelimits.py) ---------------------------------------------
# The cache holds django-ratelimit's counters. Production runs several web
# processes, so they must share them: Redis. Development serves every request
# from one runserver process, whose memory is then the shared state.
if DEBUG:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "coachloop",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "coachloop",
        }
    }
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit 4.1 lists django-redis but not Django's own RedisCache,
    # whose add() and incr() are just as atomic.
    "django_ratelimit.W001",
]
if DEBUG:
    # LocMemCache is not shared between processes: fine for one runserver.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Behind N reverse proxies the client's address is the N-th entry from the
# right of X-Forwarded-For; 0 (no proxy) uses the connection's address. Too
# high a number lets clients choose their own address, too low makes every
# client look like the proxy: set it to the proxies you run.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
RATELIMIT_IP_META_KEY = "reps.ratelimits.client_ip"
# Per window of the given length, counted per client address and per account.
RATE_LIMITS = {
    "password-reset:address": "10/h",
    "password-reset:email": "3/h",
    "invite:address": "60/h",
    "invite:person": "20/h",
    "signup:address": "10/h",
    "signup:email": "3/h",
}

# Companies sign up on their own at /signup/. Off (404, no link on the sign-in
# page) for invitation-only deployments, where an operator runs
# ``manage.py create_organisation``. Default: on in development, off with DEBUG=false.
SIGNUP_ENABLED = env_bool("SIGNUP_ENABLED", DEBUG)

# --- delivery beyond email (reminders/outbound.py) -------------------------------
# Reminders can also go to a person's Slack incoming webhook, and every check
# and new commitment to the organisation's own webhook. Slack addresses must be
# https on one of these hosts.
SLACK_WEBHOOK_HOSTS = env_list("SLACK_WEBHOOK_HOSTS", "hooks.slack.com")
# Seconds before a Slack or webhook POST is given up (and retried later).
DELIVERY_HTTP_TIMEOUT = env_int("DELIVERY_HTTP_TIMEOUT", 5)
# Allow plain http and private, loopback or link-local addresses (a local
# receiver in tests or development). Off by default; never with DEBUG=false:
# it would let anyone who can save a webhook make the worker call internal
# services (SSRF).
DELIVERY_ALLOW_LOCAL_URLS = env_bool("DELIVERY_ALLOW_LOCAL_URLS", False)
if DELIVERY_ALLOW_LOCAL_URLS and not DEBUG:
    raise ImproperlyConfigured("DELIVERY_ALLOW_LOCAL_URLS must not be on with DEBUG=false")

# Sign-in, ours and the admin's: 10 failures within 15 minutes from one
# address, or for one account, pause signing in there for 15 minutes after
# the last of them. Attempts while paused neither hash a password nor
# extend the pause, so the real person gets in once it has passed.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success must not wipe the failures from its address: an attacker with an
# account of their own could otherwise sign in between guesses at others.
AXES_RESET_ON_SUCCESS = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "reps.ratelimits.sign_in_name"
AXES_CLIENT_IP_CALLABLE = "reps.ratelimits.client_ip"
AXES_LOCKOUT_CALLABLE = "reps.ratelimits.locked_out"
# Failed attempts are kept until their cool-off ends; successful sign-ins are not logged.
AXES_DISABLE_ACCESS_LOG = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from us (htmx and app.js, with the per-request nonce). Inline
# style attributes draw the bars; htmx adds its own small indicator style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

"""Mailroom settings, every one read here from the environment (through ``env.Env``); only the
demo and local stacks hand their own child processes a few variables besides."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from botocore.config import Config as BotoConfig

from project.settings.env import Env, EnvError

# Django's generic classes (ModelAdmin, QuerySet, forms, lookups) subscriptable at run time, as
# the type annotations write them (ModelAdmin[Campaign]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = Env()

# --- Django core -------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="dev-only-insecure-key-set-SECRET_KEY-in-production" if DEBUG else None,
    hint="set SECRET_KEY to a long random string (or DEBUG=1 for local development)",
)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=("localhost", "127.0.0.1", "[::1]") if DEBUG else ()
)
if not DEBUG and not ALLOWED_HOSTS:
    raise EnvError("ALLOWED_HOSTS", "is not set", "list the site's host names, comma-separated")

INSTALLED_APPS = [
    # Before django.contrib.admin: its admin/base_site.html adds the reputation guard's banner.
    "mailer.reputation",
    "project.admin.MailroomAdminConfig",  # django.contrib.admin, as Mailroom's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "post_office",
    "mailer",
    "mailer.campaigns",
    "mailer.replies",
    "bouncy",
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
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env.str(
                "DATABASE_URL",
                # The SQLite file is for development (DEBUG=1) only: production must name one.
                default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}" if DEBUG else None,
                hint="set DATABASE_URL to the production database, e.g. "
                "postgres://user:pass@host:5432/db (the SQLite default is for DEBUG=1 only)",
            ),
            conn_max_age=60,
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise EnvError(
        "DATABASE_URL", f"cannot be read ({exc})", "use e.g. postgres://user:pass@host:5432/db"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: let a worker's sender threads and the web server share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "media"

# --- Redis: Celery broker, shared rate limiter, Django cache ----------------------------------
REDIS_URL = env.url(
    "REDIS_URL", default="redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "unix")
)
if REDIS_URL.startswith("rediss://") and "ssl_cert_reqs=" not in REDIS_URL:
    # Heroku Key-Value Store serves TLS with a self-signed certificate; redis-py, kombu and
    # Django's cache all read this query parameter from the URL.
    REDIS_URL += ("&" if "?" in REDIS_URL else "?") + "ssl_cert_reqs=none"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "mailroom",
    }
}

# --- Email: every message is queued by post_office; Mailroom's workers send it -------------------
# Queues every message as Django built it (mailer.queue; post_office stores the Email row).
EMAIL_BACKEND = "mailer.queue.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Mailroom <mailroom@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
POST_OFFICE = {
    # Used by post_office's own dispatch() (priority "now" and its send_queued_mail command).
    "BACKENDS": {"default": "mailer.sending.backend.SESBackend"},
    "DEFAULT_PRIORITY": "medium",
    "MESSAGE_ID_ENABLED": True,
    "LOG_LEVEL": 1,
    "CELERY_ENABLED": False,
}

# --- Amazon SES (django-ses reads these names) -------------------------------------------------
AWS_ACCESS_KEY_ID = env.optional("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = env.optional("AWS_SECRET_ACCESS_KEY")
AWS_SES_REGION_NAME = env.str("AWS_SES_REGION_NAME", default="us-east-1")
AWS_SES_ENDPOINT_URL = env.url("AWS_SES_ENDPOINT_URL", default=None, schemes=("http", "https"))
AWS_SES_REGION_ENDPOINT = f"email.{AWS_SES_REGION_NAME}.amazonaws.com"
AWS_SES_REGION_ENDPOINT_URL = AWS_SES_ENDPOINT_URL or f"https://{AWS_SES_REGION_ENDPOINT}"
AWS_SES_CONFIGURATION_SET = env.optional("AWS_SES_CONFIGURATION_SET")
# Mailroom's shared limiter paces sends; django-ses's per-process throttle would only sleep.
AWS_SES_AUTO_THROTTLE = 0
# No silent boto3 retries: every throttle is seen, counted and requeued by Mailroom.
# One SES call lasts at most connect + read timeout: the lease keeps that much in hand
# (mailer.E012), and an answer that never came is an ambiguous outcome (possible duplicate).
AWS_SES_CONFIG = BotoConfig(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=env.float("MAILROOM_SES_CONNECT_TIMEOUT", default=5.0),
    read_timeout=env.float("MAILROOM_SES_READ_TIMEOUT", default=30.0),
    max_pool_connections=32,
)

# --- Mailroom ----------------------------------------------------------------------------------
MAILROOM_MAX_SEND_RATE = env.float("MAILROOM_MAX_SEND_RATE", default=None)
MAILROOM_RATE_HEADROOM = env.float("MAILROOM_RATE_HEADROOM", default=1.0)
MAILROOM_LEASE_SECONDS = env.int("MAILROOM_LEASE_SECONDS", default=300, minimum=10)
MAILROOM_BATCH_SIZE = env.int("MAILROOM_BATCH_SIZE", default=50, minimum=1)
MAILROOM_SEND_THREADS = env.int("MAILROOM_SEND_THREADS", default=8, minimum=1)
# Transient SES errors (5xx, connection errors, unknown outcomes) are retried with exponential
# backoff for this long, then the email fails with its last error (mailer/retry.py).
MAILROOM_RETRY_FOR = env.duration("MAILROOM_RETRY_FOR", default=timedelta(hours=24))
# Deprecated: never had an effect; mailer.W010 says so when it is set (README, Configuration).
MAILROOM_MAX_RETRIES = env.optional("MAILROOM_MAX_RETRIES")
# Suppression: one-click unsubscribe links and the soft-bounce rule (mailer/conf.py validates).
# Links default to http://localhost:8000 with DEBUG, else to https://<first ALLOWED_HOSTS name>.
_SITE_HOST = next((h for h in ALLOWED_HOSTS[:1] if not h.startswith((".", "*"))), None)
MAILROOM_BASE_URL = env.url(
    "MAILROOM_BASE_URL",
    default="http://localhost:8000" if DEBUG else _SITE_HOST and f"https://{_SITE_HOST}",
    schemes=("http", "https"),
)
MAILROOM_UNSUBSCRIBE_MAILTO = env.optional("MAILROOM_UNSUBSCRIBE_MAILTO")
MAILROOM_SOFT_BOUNCE_LIMIT = env.int("MAILROOM_SOFT_BOUNCE_LIMIT", default=3, minimum=1)
MAILROOM_SOFT_BOUNCE_WINDOW_DAYS = env.int("MAILROOM_SOFT_BOUNCE_WINDOW_DAYS", default=7, minimum=1)
MAILROOM_SOFT_BOUNCE_GRACE_DAYS = env.int("MAILROOM_SOFT_BOUNCE_GRACE_DAYS", default=14, minimum=1)
if MAILROOM_SOFT_BOUNCE_GRACE_DAYS > 30:
    raise EnvError("MAILROOM_SOFT_BOUNCE_GRACE_DAYS", "is over 30 days", "set 30 at most")
# SES's account-level suppression list: beat syncs it this often (0: never); push adds
# Mailroom's own suppressions to it.
MAILROOM_SES_SUPPRESSION_SYNC_SECONDS = env.float(
    "MAILROOM_SES_SUPPRESSION_SYNC_SECONDS", default=300.0
)
MAILROOM_SES_SUPPRESSION_PUSH = env.bool("MAILROOM_SES_SUPPRESSION_PUSH", default=False)
# Share of the account rate kept for transactional mail while it is busy (range checked in
# mailer.conf, which allows 0: hence the open minimum here).
MAILROOM_TRANSACTIONAL_SHARE = env.float("MAILROOM_TRANSACTIONAL_SHARE", default=0.2, minimum=-1.0)
# How long sending pauses when SES's 24-hour quota is used up (a quota refresh may end it sooner).
MAILROOM_QUOTA_PAUSE_SECONDS = env.float("MAILROOM_QUOTA_PAUSE_SECONDS", default=600.0)
MAILROOM_QUOTA_REFRESH_SECONDS = env.float("MAILROOM_QUOTA_REFRESH_SECONDS", default=60.0)
# How long feedback that came before its send was recorded is retried for a link to its Email.
MAILROOM_FEEDBACK_LINK_MINUTES = env.int("MAILROOM_FEEDBACK_LINK_MINUTES", default=60, minimum=1)
# Stored SES notifications one mailer.apply_feedback task applies at a time.
MAILROOM_FEEDBACK_BATCH_SIZE = env.int("MAILROOM_FEEDBACK_BATCH_SIZE", default=500, minimum=1)
# How long sending pauses after SES refused the account (credentials, sending paused, sender
# not verified, …); when it ends, the next send is the probe: it resumes, or pauses again.
MAILROOM_ACCOUNT_PROBE_SECONDS = env.float("MAILROOM_ACCOUNT_PROBE_SECONDS", default=15.0)

# --- Reputation guard (mailer/reputation/conf.py validates; rates in percent) -------------------
_REP = "MAILROOM_REPUTATION_"
# The rolling window is the last WINDOW_SENDS sends or WINDOW_DAYS days, whichever is smaller.
MAILROOM_REPUTATION_WINDOW_SENDS = env.int(_REP + "WINDOW_SENDS", default=10000, minimum=1)
MAILROOM_REPUTATION_WINDOW_DAYS = env.int(_REP + "WINDOW_DAYS", default=7, minimum=1)
MAILROOM_REPUTATION_WARN_BOUNCE_PERCENT = env.float(_REP + "WARN_BOUNCE_PERCENT", default=2.0)
MAILROOM_REPUTATION_WARN_COMPLAINT_PERCENT = env.float(
    _REP + "WARN_COMPLAINT_PERCENT", default=0.05
)
MAILROOM_REPUTATION_PAUSE_BOUNCE_PERCENT = env.float(_REP + "PAUSE_BOUNCE_PERCENT", default=4.0)
MAILROOM_REPUTATION_PAUSE_COMPLAINT_PERCENT = env.float(
    _REP + "PAUSE_COMPLAINT_PERCENT", default=0.08
)
# Recipients in the window before the guard acts on the account's rates.
MAILROOM_REPUTATION_MIN_SAMPLE = env.int(_REP + "MIN_SAMPLE", default=1000, minimum=1)
# A campaign is paused alone once it has this many recipients and a bounce rate FACTOR times the
# account's (and at least the warning threshold).
MAILROOM_REPUTATION_CAMPAIGN_MIN_SAMPLE = env.int(
    _REP + "CAMPAIGN_MIN_SAMPLE", default=200, minimum=1
)
MAILROOM_REPUTATION_CAMPAIGN_FACTOR = env.float(_REP + "CAMPAIGN_FACTOR", default=3.0)
MAILROOM_REPUTATION_NOTIFY_ADMINS = env.bool(_REP + "NOTIFY_ADMINS", default=True)
MAILROOM_REPUTATION_REFRESH_SECONDS = env.float(_REP + "REFRESH_SECONDS", default=60.0)
MAILROOM_REPUTATION_SNAPSHOT_DAYS = env.int(_REP + "SNAPSHOT_DAYS", default=7, minimum=1)

# --- Replies to the no-reply addresses (mailer/replies/conf.py validates) ---------------------
# Addresses whose received replies get the friendly automatic answer (empty: none answer).
MAILROOM_REPLY_ADDRESSES = [a.lower() for a in env.list("MAILROOM_REPLY_ADDRESSES")]
# Forward every received reply to this support address too (a new message, original attached).
MAILROOM_REPLIES_FORWARD_TO = env.optional("MAILROOM_REPLIES_FORWARD_TO")
if MAILROOM_REPLIES_FORWARD_TO and MAILROOM_REPLIES_FORWARD_TO.lower() in MAILROOM_REPLY_ADDRESSES:
    raise EnvError(
        "MAILROOM_REPLIES_FORWARD_TO", "is one of MAILROOM_REPLY_ADDRESSES (a loop)",
        "forward to a support mailbox that is not a reply address",
    )
# The answer: a post_office EmailTemplate of this name if set, else MAILROOM_REPLY_TEXT.
MAILROOM_REPLY_TEMPLATE = env.optional("MAILROOM_REPLY_TEMPLATE")
MAILROOM_REPLY_TEXT = env.str(
    "MAILROOM_REPLY_TEXT",
    default="Hello,\n\nthis address does not receive mail, so your message was not read by"
    " anyone. Please reply on the site instead.\n\nThank you.",
)
MAILROOM_REPLY_WINDOW_HOURS = env.int("MAILROOM_REPLY_WINDOW_HOURS", default=24, minimum=1)

# --- bouncy ------------------------------------------------------------------------------------
BOUNCY_TOPIC_ARN = env.list("BOUNCY_TOPIC_ARN")
BOUNCY_AUTO_SUBSCRIBE = env.bool("BOUNCY_AUTO_SUBSCRIBE", default=False)
# Regex for SigningCertURL; unset = the exact SNS pattern in bouncy/conf.py (keep it exact).
BOUNCY_CERT_URL_PATTERN = env.optional("BOUNCY_CERT_URL_PATTERN")
# host:port pairs allowed to serve certificates / SubscribeURLs over http, only while DEBUG is on.
BOUNCY_DEV_CERT_HOSTS = env.list("BOUNCY_DEV_CERT_HOSTS")
BOUNCY_MAX_BODY_BYTES = env.int("BOUNCY_MAX_BODY_BYTES", default=384 * 1024, minimum=1024)
# Oldest webhook notification accepted, in seconds (SNS stops retrying well within an hour);
# bouncy_replay and the SQS poller accept older ones.
BOUNCY_MAX_AGE = env.int("BOUNCY_MAX_AGE", default=3600, minimum=60)

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "mailroom"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Heroku sends SIGTERM and waits 30 s: finish the batch in hand, then stop.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 25.0
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": MAILROOM_LEASE_SECONDS * 2}
CELERY_TIMEZONE = TIME_ZONE
# Control tasks have their own queue, consumed by the beat dyno (Procfile: its worker runs
# beat embedded and reads only this queue), so drains can never starve them (docs/decisions.md).
CELERY_TASK_ROUTES = {
    name: {"queue": "mailroom.control"}
    for name in ("mailer.sweep", "mailer.refresh_quota", "reputation.refresh", "campaigns.tick")
}

# --- Security (check --deploy clean when DEBUG is off) -----------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO").upper()},
    "loggers": {"botocore": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}},
}

CELERY_BEAT_SCHEDULE = {
    "mailer-sweep": {
        "task": "mailer.sweep",
        "schedule": env.float("MAILROOM_SWEEP_SECONDS", default=15.0),
    },
    "mailer-refresh-quota": {
        "task": "mailer.refresh_quota",
        "schedule": MAILROOM_QUOTA_REFRESH_SECONDS,
    },
    "reputation-refresh": {
        "task": "reputation.refresh",
        "schedule": MAILROOM_REPUTATION_REFRESH_SECONDS,
    },
}
if MAILROOM_SES_SUPPRESSION_SYNC_SECONDS:
    CELERY_BEAT_SCHEDULE["mailer-ses-suppressions"] = {
        "task": "mailer.ses_suppressions_sync",
        "schedule": MAILROOM_SES_SUPPRESSION_SYNC_SECONDS,
    }

# --- Campaigns (mailer.campaigns) ---------------------------------------------------------------
# Recipients rendered and queued per fan-out step (one transaction each).
MAILROOM_CAMPAIGN_CHUNK_SIZE = env.int("MAILROOM_CAMPAIGN_CHUNK_SIZE", default=5000, minimum=1)
# Steps per fan-out task: the next chunk is composed while one is written, within a task.
MAILROOM_CAMPAIGN_STEPS_PER_TASK = env.int(
    "MAILROOM_CAMPAIGN_STEPS_PER_TASK", default=8, minimum=1
)
# How long fan-out waits before looking again when the 24-hour quota has no room left.
MAILROOM_CAMPAIGN_QUOTA_RECHECK_SECONDS = env.float(
    "MAILROOM_CAMPAIGN_QUOTA_RECHECK_SECONDS", default=300.0
)
CELERY_BEAT_SCHEDULE["campaigns-tick"] = {
    "task": "campaigns.tick",
    "schedule": env.float("MAILROOM_CAMPAIGN_TICK_SECONDS", default=5.0),
}

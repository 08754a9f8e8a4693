"""Mailroom settings: the only module that reads the environment (through ``env.Env``)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from botocore.config import Config as BotoConfig

from project.settings.env import Env, EnvError

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = Env()

# --- Django core -------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="dev-only-insecure-key-set-SECRET_KEY-in-production" if DEBUG else None,
    hint="set SECRET_KEY to a long random string (or DEBUG=1 for local development)",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=("localhost", "127.0.0.1", "[::1]") if DEBUG else ())
if not DEBUG and not ALLOWED_HOSTS:
    raise EnvError("ALLOWED_HOSTS", "is not set", "list the site's host names, comma-separated")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "post_office",
    "mailer",
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
            env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
            conn_max_age=60,
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise EnvError("DATABASE_URL", f"cannot be read ({exc})", "use e.g. postgres://user:pass@host:5432/db") from None
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
REDIS_URL = env.url("REDIS_URL", default="redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "unix"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "mailroom",
    }
}

# --- Email: every message is queued by post_office; Mailroom's workers send it -------------------
EMAIL_BACKEND = "post_office.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Mailroom <mailroom@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
POST_OFFICE = {
    # Used by post_office's own dispatch() (priority "now" and its send_queued_mail command).
    "BACKENDS": {"default": "mailer.backends.SESBackend"},
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
AWS_SES_CONFIG = BotoConfig(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=32,
)

# --- Mailroom ----------------------------------------------------------------------------------
MAILROOM_MAX_SEND_RATE = env.float("MAILROOM_MAX_SEND_RATE", default=None)
MAILROOM_RATE_HEADROOM = env.float("MAILROOM_RATE_HEADROOM", default=1.0)
MAILROOM_LEASE_SECONDS = env.int("MAILROOM_LEASE_SECONDS", default=300, minimum=10)
MAILROOM_BATCH_SIZE = env.int("MAILROOM_BATCH_SIZE", default=50, minimum=1)
MAILROOM_SEND_THREADS = env.int("MAILROOM_SEND_THREADS", default=8, minimum=1)
MAILROOM_MAX_RETRIES = env.int("MAILROOM_MAX_RETRIES", default=3, minimum=0)

# --- bouncy ------------------------------------------------------------------------------------
BOUNCY_TOPIC_ARN = env.list("BOUNCY_TOPIC_ARN")
BOUNCY_AUTO_SUBSCRIBE = env.bool("BOUNCY_AUTO_SUBSCRIBE", default=False)

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
    "mailer-sweep": {"task": "mailer.sweep", "schedule": env.float("MAILROOM_SWEEP_SECONDS", default=15.0)},
}

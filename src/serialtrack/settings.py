"""Django settings. Configuration comes from the environment (see README: Configuration)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from serialtrack.database import database_settings

BASE_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    """SERIALTRACK_SECRET_KEY, else a random key kept in `.serialtrack-secret` beside the
    database (so sessions survive a restart and every worker of one server agrees)."""
    key = os.environ.get("SERIALTRACK_SECRET_KEY")
    if key:
        return key
    path = Path(os.environ.get("SERIALTRACK_SECRET_FILE", ".serialtrack-secret"))
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        except OSError:
            return key  # read-only folder: this process only
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("SERIALTRACK_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("SERIALTRACK_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("SERIALTRACK_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "serialtrack.inventory",
    "serialtrack.accounts",
    "serialtrack.api",
    "serialtrack.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # static files (whitenoise), sessions, CSRF, the signed-in user and htmx, as one layer that
    # API requests with a bearer token go around (serialtrack/fastpath.py)
    "serialtrack.fastpath.BrowserMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",  # no page of ours inside a frame
    "serialtrack.api.guards.RefuseNulMiddleware",
    "serialtrack.api.idempotency.IdempotencyMiddleware",
]

# `check --deploy` looks for CsrfViewMiddleware in MIDDLEWARE; it runs inside BrowserMiddleware.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

ROOT_URLCONF = "serialtrack.urls"
WSGI_APPLICATION = "serialtrack.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                           "django.contrib.auth.context_processors.auth"]},
    }
]

DATABASES = {"default": database_settings(os.environ.get("SERIALTRACK_DATABASE_URL"))}
# Persistent connections: a request does not open one of its own (docs/benchmarks.md, section
# "Timing claims moved out of the source").
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SERIALTRACK_CONN_MAX_AGE", "60"))

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# Request bodies: a 1,000,000-serial receipt is ~20 MB of JSON; larger lists go in chunks
# to a draft. Documented in the README (REST API).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("SERIALTRACK_MAX_BODY_BYTES", str(32 * 1024 * 1024)))

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("SERIALTRACK_STATIC_ROOT") or None  # only for collectstatic
# Files kept for good (service cases' photos), through Django's default storage; never served
# as static files: the case page hands them to signed-in users only.
MEDIA_ROOT = os.path.abspath(os.environ.get("SERIALTRACK_MEDIA_DIR") or "serialtrack-media")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Background work (web imports) through Django's tasks API (the django-tasks backport), queued
# in the database and run by `serialtrack worker` (`serialtrack serve` starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# The public genuineness check (/genuine/, GET /api/genuine): off unless switched on; requests
# per client address per minute.
GENUINE_CHECK = os.environ.get("SERIALTRACK_GENUINE_CHECK", "") == "1"
GENUINE_CHECK_PER_MINUTE = int(os.environ.get("SERIALTRACK_GENUINE_CHECK_PER_MINUTE", "30"))
TIME_ZONE = os.environ.get("SERIALTRACK_TIME_ZONE", "UTC")
LANGUAGE_CODE = "en-us"
WHITENOISE_USE_FINDERS = True  # serve app static files (API docs) without collectstatic

# The business's one currency (ISO 4217 code): every cost, value and amount is in it, exact
# decimals (README: Configuration).
CURRENCY = os.environ.get("SERIALTRACK_CURRENCY", "EUR").strip().upper() or "EUR"

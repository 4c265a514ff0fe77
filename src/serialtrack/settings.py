"""Django settings. Configuration comes from the environment (see README: Configuration)."""

from __future__ import annotations

import os
from pathlib import Path

from serialtrack.database import database_settings

BASE_DIR = Path(__file__).resolve().parent

# Only signs sessions (web, later); set SERIALTRACK_SECRET_KEY in production.
SECRET_KEY = os.environ.get("SERIALTRACK_SECRET_KEY", "serialtrack-dev-only-set-SERIALTRACK_SECRET_KEY")
DEBUG = os.environ.get("SERIALTRACK_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("SERIALTRACK_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "serialtrack.inventory",
]

DATABASES = {"default": database_settings(os.environ.get("SERIALTRACK_DATABASE_URL"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = os.environ.get("SERIALTRACK_TIME_ZONE", "UTC")
LANGUAGE_CODE = "en-us"

"""Settings of the example project: everything from the environment, no database."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "")
if not UPSTREAM_URL:
    raise ImproperlyConfigured("set UPSTREAM_URL to an OpenAI-compatible chat completions URL")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY") or None
MODEL = os.environ.get("MODEL", "gpt-4o-mini")

# The project signs nothing (no sessions, no forms), but Django wants a key.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

ROOT_URLCONF = "chat_site.urls"
WSGI_APPLICATION = "chat_site.wsgi.application"
INSTALLED_APPS: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
# No GZipMiddleware: it would hold the frames back to compress them together.
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
USE_TZ = True
TIME_ZONE = "UTC"  # Django sets the process time zone (TZ) to this

"""Settings for the test suite: the real settings with a few test-only overrides.

The database and Redis still come from ``DATABASE_URL`` and ``REDIS_URL``, so the same suite
runs on the embedded default (SQLite, in-process tasks) and on PostgreSQL with Redis.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from coo_portal.settings import *  # noqa: F403
from coo_portal.settings import REDIS_URL

# Tasks run in-process by default so that a test sees their effects; the worker tests switch
# this off for themselves and talk to a real Celery worker through Redis.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
# Each test run uses its own cache key space, so parallel CI runs on one Redis never meet.
CACHES["default"]["KEY_PREFIX"] = f"coo-test-{os.getpid()}"  # noqa: F405

"""Strict readers for environment variables.

django-environ does the parsing; these wrappers make a missing or malformed value stop start-up
with a message that names the variable, instead of a traceback from deep inside a library or,
worse, a silently wrong default (``DEBUG=yes please`` must not quietly mean ``False``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def read_env_file(base_dir: Path) -> None:
    """Load ``.env`` from the project folder when there is one (real variables win)."""
    path = base_dir / ".env"
    if path.is_file():
        environ.Env.read_env(str(path), overwrite=False)


def is_set(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


def get_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required but not set.")
        return default
    return value.strip()


def get_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"The environment variable {name} must be a boolean (1/0, true/false, yes/no, on/off); "
        f"got {value!r}."
    )


def get_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a whole number; got {value!r}."
        ) from None


def get_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def get_db(name: str, default: str) -> dict[str, Any]:
    url = get_str(name, default)
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:  # environ raises several types for bad URLs
        raise ImproperlyConfigured(
            f"The environment variable {name} is not a valid database URL ({exc}); "
            "expected for example postgres://user:password@host:5432/name or sqlite:///path.db"
        ) from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"The environment variable {name} names no known database.")
    return config


def get_email(name: str, default: str) -> dict[str, Any]:
    url = get_str(name, default)
    try:
        config = environ.Env.email_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"The environment variable {name} is not a valid e-mail URL ({exc}); "
            "expected for example smtp+tls://user:password@mail.example.com:587 or consolemail://"
        ) from None
    if not config.get("EMAIL_BACKEND"):
        raise ImproperlyConfigured(f"The environment variable {name} names no known mail backend.")
    return config


def get_redis_url(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a Redis URL such as "
            f"redis://127.0.0.1:6379/0; got {value!r}."
        )
    return value

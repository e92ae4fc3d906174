"""The settings read from the environment: bad values stop start-up naming the variable.

Each check starts a fresh Python process with ``coo_portal.settings`` (not the test settings)
and an environment built here, since settings are read once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

#: Variables the settings read (and two more): none leaks in from the test run, whose own
#: settings module puts SECRET_KEY, DEBUG and ALLOWED_HOSTS into os.environ.
SETTINGS_VARIABLES = {
    "ALLOWED_HOSTS",
    "API_TOKEN_THROTTLE_RATE",
    "AXES_COOLOFF_MINUTES",
    "AXES_FAILURE_LIMIT",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_CONN_MAX_AGE",
    "DATABASE_URL",
    "DEBUG",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_URL",
    "JOB_RUN_RETENTION_DAYS",
    "LOG_LEVEL",
    "MEDIA_ROOT",
    "NOTIFICATION_RETENTION_DAYS",
    "PORTAL_BASE_URL",
    "PORTAL_NAME",
    "PROXY_COUNT",
    "REDIS_URL",
    "SECRET_KEY",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_AGE",
    "TIME_ZONE",
    "DJANGO_SETTINGS_MODULE",
    # Set for the browser tests; `check --deploy` rightly refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}

#: A real-looking secret: 60 characters, not a 'django-insecure' key.
REAL_SECRET = "r3al-Secret_" + "kQ7vX2mP9sL4wZ8n" * 3

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print("SETTINGS=" + json.dumps({
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "backend": settings.CELERY_RESULT_BACKEND,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "redis_url": settings.REDIS_URL,
    "debug": settings.DEBUG,
}))
"""


PROBE_HTTPS = """
import json, django
django.setup()
from django.test import Client
client = Client()
plain_health = client.get("/healthz")
plain_home = client.get("/")
secure_home = client.get("/", headers={"X-Forwarded-Proto": "https"})
print("PROBE=" + json.dumps({
    "plain_health": [plain_health.status_code, plain_health.content.decode()],
    "plain_home": [plain_home.status_code, plain_home.get("Location")],
    "secure_home": [secure_home.status_code, secure_home.get("Location")],
    "hsts": secure_home.get("Strict-Transport-Security"),
}))
"""


def _env(**variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "coo_portal.settings"
    env.update(variables)
    return env


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    assert "DEBUG" in variables, "set DEBUG explicitly: the project's .env sets DEBUG=1"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    assert "DEBUG" in variables, "set DEBUG explicitly: the project's .env sets DEBUG=1"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def setup_fails(**variables: str) -> str:
    """Start Django with ``variables``; assert it fails with ImproperlyConfigured, return stderr."""
    result = run_python("import django; django.setup()", **variables)
    assert result.returncode != 0, f"start-up should have failed; stdout: {result.stdout}"
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr


def loaded_settings(**variables: str) -> dict:
    result = run_python(PRINT_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    line = next(li for li in result.stdout.splitlines() if li.startswith("SETTINGS="))
    return json.loads(line.removeprefix("SETTINGS="))


def test_without_secret_key_and_debug_off_start_up_fails_naming_it():
    stderr = setup_fails(DEBUG="0")
    assert "SECRET_KEY" in stderr


def test_an_empty_secret_key_counts_as_missing():
    stderr = setup_fails(DEBUG="0", SECRET_KEY="   ")
    assert "SECRET_KEY" in stderr


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-" + "a" * 60,
        "short-but-not-insecure",
    ],
    ids=["django-insecure", "too-short"],
)
def test_an_insecure_secret_key_is_refused_when_debug_is_off(key):
    stderr = setup_fails(DEBUG="0", SECRET_KEY=key)
    assert "SECRET_KEY" in stderr


def test_with_debug_on_a_development_key_is_used():
    values = loaded_settings(DEBUG="1")
    assert values["debug"] is True


@pytest.mark.parametrize("value", ["maybe", "yes please", "2"])
def test_a_debug_value_that_is_not_a_boolean_fails_naming_debug(value):
    stderr = setup_fails(DEBUG=value, SECRET_KEY=REAL_SECRET)
    assert "DEBUG" in stderr
    assert repr(value) in stderr


def test_a_bad_database_url_fails_naming_it():
    stderr = setup_fails(DEBUG="1", DATABASE_URL="nonsense")
    assert "DATABASE_URL" in stderr


def test_a_redis_url_that_is_not_redis_fails_naming_it():
    stderr = setup_fails(DEBUG="1", REDIS_URL="http://x")
    assert "REDIS_URL" in stderr


def test_a_bad_email_url_fails_naming_it():
    stderr = setup_fails(DEBUG="1", EMAIL_URL="nonsense-mail://x")
    assert "EMAIL_URL" in stderr


def test_a_whole_number_setting_with_letters_fails_naming_it():
    stderr = setup_fails(DEBUG="1", SESSION_COOKIE_AGE="twelve hours")
    assert "SESSION_COOKIE_AGE" in stderr


def test_production_settings_pass_the_deployment_checks():
    result = run_manage(
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="portal.example.com",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


def test_without_redis_tasks_run_in_process_and_the_cache_is_local_memory():
    values = loaded_settings(DEBUG="0", SECRET_KEY=REAL_SECRET)
    assert values["redis_url"] is None
    assert values["eager"] is True
    assert values["broker"].startswith("memory://")
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_with_redis_the_broker_results_and_cache_use_it():
    url = "redis://127.0.0.1:6379/9"
    values = loaded_settings(DEBUG="0", SECRET_KEY=REAL_SECRET, REDIS_URL=url)
    assert values["eager"] is False
    assert values["broker"] == url
    assert values["backend"] == url
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache_location"] == url


def test_in_production_plain_http_is_redirected_except_the_health_check(tmp_path):
    """Behind the TLS proxy: http goes to https, but the load balancer's probe gets its 200."""
    result = run_python(
        PROBE_HTTPS,
        DEBUG="0",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    line = next(li for li in result.stdout.splitlines() if li.startswith("PROBE="))
    probe = json.loads(line.removeprefix("PROBE="))

    assert probe["plain_health"] == [200, '{"status": "ok"}']
    assert probe["plain_home"] == [301, "https://testserver/"]
    # Over https (as the proxy says) the home page asks for a login instead.
    assert probe["secure_home"][0] == 302
    assert probe["secure_home"][1].startswith("/accounts/login/")
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"

"""Logging in (through django-axes), lockout, preferences and the language switcher."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation

from organization.models import Notification, User
from organization.services.notifications import notification_send
from organization.services.people import person_update
from organization.tests.helpers import drop_expired_cookies

PASSWORD = "demo-pass-2026"  # the demo cast's password (organization.demo.DEFAULT_PASSWORD)
LOGIN = "/accounts/login/"


def html_lang(response) -> str:
    html = response.content.decode()
    start = html.index("<html lang=") + len('<html lang="')
    return html[start : html.index('"', start)]


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# --------------------------------------------------------------------------------------------
# Logging in
# --------------------------------------------------------------------------------------------


def test_logging_in_with_the_login_page(client, cast):
    user = cast["head.ops"]

    response = client.post(LOGIN, {"username": "head.ops", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == str(user.pk)
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["user"] == user


def test_logging_in_goes_on_to_the_page_asked_for(client, cast):
    asked = client.get("/org/people/")
    assert asked.status_code == 302

    response = client.post(LOGIN, {"username": "coo", "password": PASSWORD, "next": "/org/people/"})

    assert response.status_code == 302
    assert response["Location"] == "/org/people/"


def test_logging_out(client, cast):
    client.post(LOGIN, {"username": "coo", "password": PASSWORD})

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert logged_in_user_id(client) is None


def test_a_deactivated_person_is_logged_out_and_cannot_log_in(client, cast):
    user = cast["head.fin"]
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert client.get("/").status_code == 200

    person_update(person=user.person, active=False)

    assert client.get("/").status_code == 302
    again = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert again.status_code == 200
    assert again.context["form"].errors
    assert client.get("/").status_code == 302


def test_a_wrong_password_gets_a_generic_error(client, cast):
    wrong_password = client.post(LOGIN, {"username": "coo", "password": "not-the-password"})
    unknown_user = client.post(LOGIN, {"username": "no.such.user", "password": "whatever-1"})

    assert wrong_password.status_code == unknown_user.status_code == 200
    errors = wrong_password.context["form"].non_field_errors()
    assert errors
    assert errors == unknown_user.context["form"].non_field_errors(), (
        "the same message whether the account exists or not"
    )
    message = " ".join(errors).lower()
    assert "username and password" in message
    assert "no such" not in message and "does not exist" not in message
    assert errors[0] in wrong_password.content.decode().replace("&#x27;", "'")
    assert logged_in_user_id(client) is None


def test_the_account_locks_after_the_failure_limit(client, cast):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        client.post(LOGIN, {"username": "head.log", "password": "guess"})

    response = client.post(LOGIN, {"username": "head.log", "password": PASSWORD})

    assert response.status_code == 429
    assert logged_in_user_id(client) is None
    html = response.content.decode()
    assert 'data-testid="lockout-message"' in html
    assert f"After {limit} failed attempts" in html
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Try again in {minutes} minutes." in html


def test_failures_below_the_limit_do_not_lock(client, cast):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "head.log", "password": "guess"})

    response = client.post(LOGIN, {"username": "head.log", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(cast["head.log"].pk)


# --------------------------------------------------------------------------------------------
# Preferences: language and time zone
# --------------------------------------------------------------------------------------------

MOMENT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def shown_at(moment: datetime, zone: str) -> str:
    """How a notification's time reads in ``zone`` on an English page."""
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo(zone)):
        return date_filter(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def test_preferences_save_the_time_zone_and_pages_use_it(client, cast):
    user = cast["coo"]
    (n,) = notification_send(recipients=[user], title="Timed", email=False)
    Notification.objects.filter(pk=n.pk).update(created_at=MOMENT)
    in_new_york, in_madrid = (
        shown_at(MOMENT, "America/New_York"),
        shown_at(MOMENT, settings.TIME_ZONE),
    )
    assert in_new_york != in_madrid
    client.force_login(user)
    before = client.get("/org/notifications/").content.decode()
    assert in_madrid in before

    response = client.post(
        "/accounts/preferences/", {"language": "en", "time_zone": "America/New_York"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("en", "America/New_York")
    after = client.get("/org/notifications/").content.decode()
    assert in_new_york in after
    assert in_madrid not in after
    assert "America/New_York" in after


def test_preferences_refuse_an_unknown_time_zone(client, cast):
    user = cast["coo"]
    client.force_login(user)

    response = client.post("/accounts/preferences/", {"language": "es", "time_zone": "Mars/Base"})

    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("en", "")


def test_preferences_save_the_language_and_pages_speak_it(client, cast):
    user = cast["coo"]
    client.force_login(user)
    assert html_lang(client.get("/")) == "en"

    client.post("/accounts/preferences/", {"language": "es", "time_zone": ""})
    drop_expired_cookies(client)

    user.refresh_from_db()
    assert user.language == "es"
    assert html_lang(client.get("/")) == "es"


# --------------------------------------------------------------------------------------------
# The language switcher
# --------------------------------------------------------------------------------------------


def test_the_language_switcher_sets_the_cookie_and_the_users_language(client, cast):
    user = cast["coo"]
    client.force_login(user)

    response = client.post("/accounts/language/", {"language": "es", "next": "/org/people/"})

    assert response.status_code == 302
    assert response["Location"] == "/org/people/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    user.refresh_from_db()
    assert user.language == "es"
    assert html_lang(client.get("/")) == "es"


def test_the_language_switcher_works_before_logging_in(client, cast):
    response = client.post("/accounts/language/", {"language": "es", "next": LOGIN})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert html_lang(client.get(LOGIN)) == "es"


def test_the_language_switcher_ignores_an_unknown_language(client, cast):
    user = cast["coo"]
    client.force_login(user)

    client.post("/accounts/language/", {"language": "xx", "next": "/"})

    user.refresh_from_db()
    assert user.language == "en"
    assert html_lang(client.get("/")) == "en"


def test_saved_preferences_win_over_an_earlier_switch(client, cast):
    user = cast["coo"]
    client.force_login(user)
    client.post("/accounts/language/", {"language": "es", "next": "/"})
    assert html_lang(client.get("/")) == "es"

    response = client.post("/accounts/preferences/", {"language": "en", "time_zone": ""})
    drop_expired_cookies(client)

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 0
    assert User.objects.get(pk=user.pk).language == "en"
    assert html_lang(client.get("/")) == "en"


@pytest.mark.parametrize("key", ["ceo", "head.fin"])
def test_users_see_pages_in_their_stored_language(client, who, key):
    user = who(key)
    client.force_login(user)

    assert html_lang(client.get("/")) == user.language

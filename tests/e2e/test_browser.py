"""End to end in a real browser: log in, switch language, log out; a wrong password."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from organization.demo import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

LOGIN_PATH = "/accounts/login/"


def login_url(site: str) -> re.Pattern:
    return re.compile(re.escape(site + LOGIN_PATH) + r"(\?.*)?$")


def log_in(page: Page, username: str, password: str) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_test_id("login-submit").click()


def test_log_in_switch_to_spanish_and_log_out(page: Page, site):
    page.set_default_timeout(15_000)

    # Every page needs a login: the home page sends an anonymous visitor to the login page.
    page.goto(site + "/")
    expect(page).to_have_url(re.compile(re.escape(site + LOGIN_PATH) + r"\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    log_in(page, "coo", DEFAULT_PASSWORD)

    expect(page).to_have_url(site + "/")
    heading = page.get_by_test_id("home-heading")
    expect(heading).to_contain_text("Welcome")
    expect(heading).to_contain_text("Daniel")
    # The COO sees the job-runs item in the navigation.
    expect(page.get_by_role("link", name=re.compile("Job runs"))).to_be_visible()

    # The language switcher in the navigation bar.
    page.locator("select#language-select").select_option("es")
    page.get_by_test_id("language-submit").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(site + "/")
    # Whether the heading is already translated depends on the compiled catalogue; the page
    # is still the home page, for the same user.
    expect(page.get_by_test_id("home-heading")).to_contain_text("Daniel")
    expect(page.locator("select#language-select")).to_have_value("es")

    # The choice is kept: another page is in Spanish too.
    page.goto(site + "/jobs/")
    expect(page.locator("html")).to_have_attribute("lang", "es")

    # Log out through the user menu (a Bootstrap dropdown: the script must work).
    page.get_by_test_id("user-menu").click()
    logout = page.get_by_test_id("logout")
    expect(logout).to_be_visible()
    logout.click()

    expect(page).to_have_url(login_url(site))
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)

    # Logged out for real: the home page asks for a login again.
    page.goto(site + "/")
    expect(page).to_have_url(login_url(site))


def test_a_wrong_password_shows_an_error_and_stays_on_the_login_page(page: Page, site):
    page.set_default_timeout(15_000)
    page.goto(site + LOGIN_PATH)

    log_in(page, "coo", "not-the-password")

    expect(page).to_have_url(login_url(site))
    error = page.locator(".alert-danger")
    expect(error).to_be_visible()
    expect(error).to_contain_text("username and password")
    expect(page.get_by_test_id("home-heading")).to_have_count(0)
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    # What the user typed stays; the password does not.
    expect(page.locator("#id_username")).to_have_value("coo")
    expect(page.locator("#id_password")).to_have_value("")

"""End to end in a real browser: the COO drafts a company-wide regulation and submits it, the
CEO approves and publishes it from the inbox, and a staff member acknowledges it.

Each person works in their own browser context (their own cookies), in their own language:
the steps find things by ``data-testid`` where the pages have one, by English labels on the
COO's (English) form, and by address for navigation links.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from approvals.models import State
from operations.models import Acknowledgement, Regulation
from organization.demo import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

LOGIN_PATH = "/accounts/login/"
TITLE = "Visitor safety regulation"
BODY = "# Visitors\n\nEvery visitor wears a **badge** at all times.\n\n| Area | Escort |\n| --- | --- |\n| Warehouse | Always |\n"


def log_in(page: Page, site: str, username: str) -> None:
    page.goto(site + LOGIN_PATH)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("home-heading")).to_be_visible()


def nav_link(page: Page, url_name: str):
    return page.locator(f'nav a.nav-link[href="{reverse(url_name)}"]')


def test_coo_drafts_ceo_approves_and_publishes_staff_acknowledges(
    page: Page, browser, browser_context_args, site, cast
):
    page.set_default_timeout(15_000)

    # -- The COO drafts the regulation and submits it. -----------------------------------------
    log_in(page, site, "coo")
    nav_link(page, "operations:regulation_list").click()
    page.get_by_test_id("regulation-create").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Kind").select_option("regulation")
    expect(page.get_by_label("Department")).to_have_value("")  # company-wide
    page.get_by_label("Category").fill("Safety")
    expect(page.get_by_label("For everyone")).to_be_checked()
    page.get_by_label("Text", exact=False).first.fill(BODY)
    page.get_by_test_id("save").click()

    expect(page.get_by_test_id("regulation-title")).to_have_text(TITLE)
    expect(page.get_by_test_id("working-version")).to_contain_text("badge at all times")
    detail_url = page.url
    page.get_by_test_id("action-submit").click()
    expect(page).to_have_url(detail_url)  # back on the page, which says it was submitted
    expect(page.locator(".alert-success")).to_contain_text("Submitted for approval.")
    expect(page.get_by_test_id("approval-status").first).to_have_text("Submitted")
    expect(page.get_by_test_id("action-approve")).to_have_count(0)  # not the COO's to approve
    regulation = Regulation.objects.get(title=TITLE)
    assert regulation.department is None
    assert regulation.latest_version.status == State.SUBMITTED

    # -- The CEO approves and publishes it, from the inbox. ------------------------------------
    ceo_context = browser.new_context(**browser_context_args)
    try:
        ceo = ceo_context.new_page()
        ceo.set_default_timeout(15_000)
        log_in(ceo, site, "ceo")
        inbox_link = nav_link(ceo, "approvals:inbox")
        expect(inbox_link.locator(".badge")).to_have_text("1")
        inbox_link.click()
        ceo.get_by_test_id("inbox").get_by_role("link", name=f"{TITLE} (v1)").click()
        expect(ceo.get_by_test_id("regulation-title")).to_have_text(TITLE)

        ceo.get_by_test_id("action-approve").click()
        expect(ceo.get_by_test_id("action-approve")).to_have_count(0)
        ceo.get_by_test_id("action-publish").click()
        expect(ceo.get_by_test_id("action-publish")).to_have_count(0)
        expect(ceo.get_by_test_id("working-version")).to_have_count(0)
        in_force = ceo.get_by_test_id("version-in-force")
        body = in_force.get_by_test_id("version-body")
        expect(body.locator("strong")).to_have_text("badge")  # the Markdown, rendered
        expect(body.locator("table td").first).to_have_text("Warehouse")
        expect(nav_link(ceo, "approvals:inbox").locator(".badge")).to_have_count(0)
    finally:
        ceo_context.close()
    regulation.refresh_from_db()
    assert regulation.current_version.status == State.PUBLISHED
    assert regulation.current_version.decided_by == cast["ceo"]

    # -- A staff member finds it to acknowledge, and acknowledges it. ---------------------------
    staff = cast.staff("LOG")
    staff_context = browser.new_context(**browser_context_args)
    try:
        reader = staff_context.new_page()
        reader.set_default_timeout(15_000)
        log_in(reader, site, staff.username)
        to_acknowledge = nav_link(reader, "operations:regulation_to_acknowledge")
        expect(to_acknowledge.locator(".badge")).to_have_text("1")
        to_acknowledge.click()
        reader.get_by_test_id("to-acknowledge").get_by_role("link", name=TITLE).click()

        expect(reader.get_by_test_id("regulation-title")).to_have_text(TITLE)
        expect(reader.get_by_test_id("acknowledge-box")).to_be_visible()
        reader.get_by_test_id("acknowledge-box").get_by_test_id("acknowledge").click()

        expect(reader.get_by_test_id("acknowledged")).to_be_visible()
        expect(reader.get_by_test_id("acknowledge-box")).to_have_count(0)
        expect(reader.locator(".alert-success")).to_contain_text(TITLE)
        expect(nav_link(reader, "operations:regulation_to_acknowledge")).to_have_count(0)

        reader.goto(site + reverse("operations:regulation_to_acknowledge"))
        expect(reader.get_by_test_id("empty")).to_be_visible()
        expect(reader).to_have_url(re.compile(re.escape(site) + r"/operations/regulations/"))
    finally:
        staff_context.close()
    acknowledgement = Acknowledgement.objects.get(user=staff)
    assert acknowledgement.version == regulation.current_version

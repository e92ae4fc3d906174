"""End to end in a real browser: the head of Operations asks Finance for something; the head of
Finance finds it waiting on the home page, accepts it and resolves it with a resolution; the head
of Operations confirms and closes it.

Each person works in their own browser context (their own cookies). Steps find things by
``data-testid`` where the pages have one, by field id on the forms, and by address for
navigation links.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from operations.models import CoordinationRequest
from organization.demo import DEFAULT_PASSWORD
from organization.models import User

pytestmark = pytest.mark.browser

LOGIN_PATH = "/accounts/login/"
SUBJECT = "Cost figures for the new docks"


def log_in(page: Page, site: str, username: str) -> None:
    page.goto(site + LOGIN_PATH)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("home-heading")).to_be_visible()


def nav_link(page: Page, url_name: str):
    return page.locator(f'nav a.nav-link[href="{reverse(url_name)}"]')


def test_request_from_one_head_to_another(page: Page, browser, browser_context_args, site, cast):
    User.objects.update(language="en")
    page.set_default_timeout(15_000)
    needed_by = timezone.localdate() + dt.timedelta(days=10)

    # -- The head of Operations asks Finance. --------------------------------------------------
    log_in(page, site, "head.ops")
    nav_link(page, "operations:coordination_list").click()
    page.get_by_test_id("coordination-create").click()
    expect(page.locator("#id_from_department")).to_have_value("OPS")
    page.locator("#id_to_department").select_option("FIN")
    page.locator("#id_subject").fill(SUBJECT)
    page.locator("#id_details").fill("We need the quotes and the budget line by next week.")
    page.locator("#id_needed_by").fill(needed_by.isoformat())
    page.locator("#id_priority").select_option("high")
    page.get_by_test_id("save").click()

    expect(page.get_by_test_id("coordination-subject")).to_have_text(SUBJECT)
    expect(page.get_by_test_id("status")).to_have_text("Open")
    expect(page.get_by_test_id("sla-response")).to_contain_text("pending")
    expect(page.get_by_test_id("move-close")).to_have_count(0)
    request_url = page.url
    item = CoordinationRequest.objects.get()
    assert (item.from_department.code, item.to_department.code) == ("OPS", "FIN")
    assert item.requested_by == cast["head.ops"] and item.needed_by == needed_by

    # -- The head of Finance finds it waiting, accepts it and resolves it. ----------------------
    fin_context = browser.new_context(**browser_context_args)
    try:
        fin = fin_context.new_page()
        fin.set_default_timeout(15_000)
        log_in(fin, site, "head.fin")
        panel = fin.get_by_test_id("panel-coordination-to-answer")
        expect(panel).to_contain_text(SUBJECT)
        panel.get_by_role("link", name=SUBJECT).click()
        fin.get_by_test_id("move-accept").click()
        expect(fin.locator(".alert-success")).to_contain_text("Request accepted.")
        expect(fin.get_by_test_id("status")).to_have_text("Accepted")
        expect(fin.get_by_test_id("sla-response")).to_contain_text("met")
        expect(fin.get_by_test_id("handler")).to_contain_text(cast["head.fin"].display_name)
        # Resolving without saying how is refused, with the reason on the form.
        fin.get_by_test_id("move-resolve").click()
        expect(fin.get_by_test_id("resolve")).to_contain_text("Say how it was resolved.")
        expect(fin.get_by_test_id("status")).to_have_text("Accepted")
        fin.locator("#id_resolve-resolution").fill("Quotes and budget line sent by mail.")
        fin.get_by_test_id("move-resolve").click()
        expect(fin.get_by_test_id("status")).to_have_text("Resolved")
        expect(fin.get_by_test_id("resolution")).to_contain_text("Quotes and budget line sent")
        expect(fin.get_by_test_id("move-close")).to_have_count(0)
    finally:
        fin_context.close()
    item.refresh_from_db()
    assert item.status == CoordinationRequest.Status.RESOLVED
    assert item.handler == cast["head.fin"]

    # -- The head of Operations confirms and closes it. -----------------------------------------
    page.goto(site + "/")
    expect(page.get_by_test_id("panel-coordination-to-confirm")).to_contain_text(SUBJECT)
    page.goto(request_url)
    page.get_by_test_id("move-close").click()
    expect(page.locator(".alert-success")).to_contain_text("Request closed.")
    expect(page.get_by_test_id("status")).to_have_text("Closed")
    expect(page.get_by_test_id("comment-form")).to_have_count(0)
    expect(page.get_by_test_id("updates").get_by_test_id("update")).to_have_count(
        4
    )  # made, accepted, resolved, closed
    item.refresh_from_db()
    assert item.status == CoordinationRequest.Status.CLOSED and item.closed_at is not None

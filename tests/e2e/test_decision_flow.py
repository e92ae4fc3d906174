"""End to end in a real browser: the COO escalates a problem from scratch with two options; the
CEO sees it on the home page and in the queue, and decides with the second option, instructions
and one follow-up assignment; the COO finds it decided in the log.

Each person works in their own browser context (their own cookies). Steps find things by
``data-testid`` where the pages have one, and by field id on the forms.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from operations.models import Assignment, DecisionRequest
from organization.demo import DEFAULT_PASSWORD
from organization.models import User

pytestmark = pytest.mark.browser

LOGIN_PATH = "/accounts/login/"
TITLE = "Open a second warehouse"


def log_in(page: Page, site: str, username: str) -> None:
    page.goto(site + LOGIN_PATH)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("home-heading")).to_be_visible()


def nav_link(page: Page, url_name: str):
    return page.locator(f'nav a.nav-link[href="{reverse(url_name)}"]')


def test_coo_escalates_ceo_decides(page: Page, browser, browser_context_args, site, cast):
    User.objects.update(language="en")
    page.set_default_timeout(15_000)
    deadline = timezone.localdate() + dt.timedelta(days=10)
    follow_up_due = timezone.localdate() + dt.timedelta(days=20)
    staff = cast.staff("LOG")

    # -- The COO escalates from scratch, with two options. --------------------------------------
    log_in(page, site, "coo")
    nav_link(page, "operations:decision_queue").click()
    page.get_by_test_id("decision-create").click()
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_context").fill("The main warehouse is full three days a week.")
    page.locator("#id_options-0-title").fill("Extend the current warehouse")
    page.locator("#id_options-0-pros").fill("One site")
    page.locator("#id_options-0-cons").fill("Building works for a year")
    page.locator("#id_options-1-title").fill("Rent a second warehouse")
    page.locator("#id_options-1-pros").fill("Ready next month")
    page.locator("#id_options-1-cons").fill("Two sites to run")
    page.locator("#id_recommendation").fill("Rent: it is quicker.")
    page.locator("#id_deadline").fill(deadline.isoformat())
    page.locator("#id_department").select_option("LOG")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("decision-title")).to_have_text(TITLE)
    expect(page.get_by_test_id("status")).to_have_text("Open")
    expect(page.get_by_test_id("option")).to_have_count(2)
    expect(page.get_by_test_id("decide-form")).to_have_count(0)
    decision = DecisionRequest.objects.get()
    assert decision.requested_by == cast["coo"] and decision.department.code == "LOG"

    # -- The CEO sees it on the home page and in the queue, and decides. ------------------------
    ceo_context = browser.new_context(**browser_context_args)
    try:
        ceo = ceo_context.new_page()
        ceo.set_default_timeout(15_000)
        log_in(ceo, site, "ceo")
        expect(ceo.get_by_test_id("panel-decisions-pending")).to_contain_text(TITLE)
        nav_link(ceo, "operations:decision_queue").click()
        expect(ceo.get_by_test_id("count-pending")).to_have_text("1")
        ceo.get_by_test_id("queue").get_by_role("link", name=TITLE).click()
        expect(ceo.get_by_test_id("decide-form")).to_be_visible()
        ceo.get_by_label("Rent a second warehouse").check()
        ceo.locator("#id_instructions").fill("Sign for one year, with an option to extend.")
        ceo.locator("#id_followups-0-title").fill("Negotiate the lease")
        ceo.locator("#id_followups-0-assignee").select_option(staff.username)
        ceo.locator("#id_followups-0-due_date").fill(follow_up_due.isoformat())
        ceo.locator("#id_followups-0-priority").select_option("high")
        ceo.get_by_test_id("move-decide").click()
        expect(ceo.locator(".alert-success")).to_contain_text("Decision recorded")
        expect(ceo.get_by_test_id("status")).to_have_text("Decided")
        expect(ceo.get_by_test_id("chosen-option")).to_have_text("Rent a second warehouse")
        expect(ceo.get_by_test_id("follow-up")).to_contain_text("Negotiate the lease")
        expect(ceo.get_by_test_id("decide-form")).to_have_count(0)
    finally:
        ceo_context.close()
    decision.refresh_from_db()
    assert decision.status == DecisionRequest.Status.DECIDED
    assert decision.chosen_option.title == "Rent a second warehouse"
    assert decision.decided_by == cast["ceo"]
    follow_up = Assignment.objects.get(decision=decision)
    assert follow_up.assignee == staff and follow_up.due_date == follow_up_due

    # -- The COO finds it decided in the log. ---------------------------------------------------
    nav_link(page, "operations:decision_queue").click()
    page.get_by_test_id("tab-log").click()
    row = page.get_by_test_id("log-row").filter(has_text=TITLE)
    expect(row.get_by_test_id("status")).to_have_text("Decided")
    expect(row).to_contain_text("Rent a second warehouse")
    row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("instructions")).to_contain_text("option to extend")
    expect(page.get_by_test_id("events")).to_contain_text("Decided")

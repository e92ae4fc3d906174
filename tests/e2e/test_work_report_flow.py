"""End to end in a real browser: a department head writes last week's report with a KPI row and
submits it; the COO finds it among the reports to review and rates it; the head sees it
reviewed.

Each person works in their own browser context (their own cookies). Steps find things by
``data-testid`` where the pages have one, by field id on the report form, and by address for
navigation links.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from operations.models import WorkReport
from organization.demo import DEFAULT_PASSWORD
from organization.models import User

pytestmark = pytest.mark.browser

LOGIN_PATH = "/accounts/login/"


def log_in(page: Page, site: str, username: str) -> None:
    page.goto(site + LOGIN_PATH)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("home-heading")).to_be_visible()


def nav_link(page: Page, url_name: str):
    return page.locator(f'nav a.nav-link[href="{reverse(url_name)}"]')


def test_head_writes_and_submits_coo_reviews(page: Page, browser, browser_context_args, site, cast):
    User.objects.update(language="en")
    page.set_default_timeout(15_000)

    # -- The head of Operations writes last week's report and submits it. ----------------------
    log_in(page, site, "head.ops")
    nav_link(page, "operations:report_list").click()
    page.get_by_test_id("report-create").click()
    expect(page.locator("#id_kind")).to_have_value("weekly")
    expect(page.locator("#id_department")).to_have_value("OPS")
    page.get_by_label("A department report", exact=False).check()
    page.locator("#id_summary").fill("A steady week in the warehouse.")
    page.locator("#id_accomplishments").fill("Shipped 42 orders.")
    page.locator("#id_problems").fill("The forklift broke down twice.")
    page.locator("#id_next_steps").fill("Repair the forklift.")
    page.locator("#id_kpis-0-name").fill("Orders shipped")
    page.locator("#id_kpis-0-value").fill("42")
    page.locator("#id_kpis-0-unit").fill("orders")
    page.locator("#id_kpis-0-target").fill("40")
    page.get_by_test_id("save").click()

    expect(page.get_by_test_id("status")).to_have_text("Draft")
    expect(page.get_by_test_id("kpis")).to_contain_text("Orders shipped")
    expect(page.get_by_test_id("kpi-met")).to_be_visible()
    report_url = page.url
    page.get_by_test_id("move-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("submitted for review")
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    expect(page.get_by_test_id("move-submit")).to_have_count(0)
    expect(page.get_by_test_id("timeliness")).to_be_visible()
    report = WorkReport.objects.get()
    assert report.status == WorkReport.Status.SUBMITTED
    assert report.department.code == "OPS" and not report.individual
    assert [(k.name, k.value) for k in report.kpis.all()] == [("Orders shipped", 42)]

    # -- The COO finds it to review, and rates it. ----------------------------------------------
    coo_context = browser.new_context(**browser_context_args)
    try:
        coo = coo_context.new_page()
        coo.set_default_timeout(15_000)
        log_in(coo, site, "coo")
        expect(coo.get_by_test_id("panel-reports-to-review")).to_contain_text("Operations")
        nav_link(coo, "operations:report_list").click()
        coo.get_by_test_id("scope-to_review").click()
        coo.get_by_test_id("reports").get_by_test_id("report-link").click()
        expect(coo.get_by_test_id("report-title")).to_have_text("Operations")
        expect(coo.get_by_test_id("time-to-review")).to_be_visible()
        coo.locator("#id_review_rating").select_option("4")
        coo.locator("#id_review_comment").fill("Clear and complete.")
        coo.get_by_test_id("move-review").click()
        expect(coo.get_by_test_id("status")).to_have_text("Reviewed")
        expect(coo.get_by_test_id("review-rating")).to_have_text("4/5")
        expect(coo.get_by_test_id("move-review")).to_have_count(0)
    finally:
        coo_context.close()
    report.refresh_from_db()
    assert report.status == WorkReport.Status.REVIEWED and report.rating == 4
    assert report.reviewed_by == cast["coo"]

    # -- The head sees it reviewed. --------------------------------------------------------------
    page.goto(report_url)
    expect(page.get_by_test_id("status")).to_have_text("Reviewed")
    expect(page.get_by_test_id("review-rating")).to_have_text("4/5")
    expect(page.get_by_test_id("review-comment")).to_have_text("Clear and complete.")

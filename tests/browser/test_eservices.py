"""Client Connect eService DA3 in a real browser (Debian's Chromium driven by Playwright).

A Client Connect maker of ABC SECURITIES opens "Partnership Management" > "User Maintenance" >
the DA3 form, fills an "Add" request, SAVE, PREVIEW, SUBMIT, "PLEASE CONFIRM", CONFIRM; a
checker finds it under "Tasks", CLAIM, CONFIRM, "PLEASE CONFIRM TO PROCEED", CONFIRM, and the
record is "Sent to HKEX" (SPEC E1-E4). Every step clicks or fills the label a person sees, and
the DA role and request fields appear by type without a page load (CSS only).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from eservices.models import EService, Status
from tests.browser import test_first_time_login as first_login
from tests.browser.axe import assert_accessible
from tests.conftest import STRONG_PASSWORD
from tests.eservices.conftest import cc_checker, cc_maker, das  # noqa: F401  (fixtures)
from tests.helpers import app_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The same Chromium page (live_server, insecure cookies, DJANGO_ALLOW_ASYNC_UNSAFE).
page = first_login.page
TITLE = "DA 3 CCASS/ CCMS DELEGATED ADMINISTRATOR APPLICATION/ MAINTENANCE FORM"
FUNCTION = "CCASS/ CCMS Delegated Administrator Application/ Maintenance Form"


def shot(page: Page, name: str) -> None:
    first_login.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(first_login.ARTIFACTS / f"eservices_{name}.png"), full_page=True)


def connect_log_in(page: Page, user) -> None:
    """/connect/login/: "Email" and "Password", "LOG IN", then the app code."""
    page.goto("/connect/login/")
    assert_accessible(page)
    page.get_by_label("Email", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="LOG IN", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Enter OTP", exact=True).fill(app_code(user))
    page.get_by_role("button", name="SUBMIT", exact=True).click()
    expect(page.get_by_role("navigation", name="Client Connect")).to_be_visible()
    assert_accessible(page)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Logout", exact=True).click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()


def fill_da3_add(page: Page) -> None:
    request = page.locator("#request-1")
    # The Draft opens as "Change" (as in the documents); the Add fields are not shown yet.
    expect(request.get_by_label("User ID", exact=True)).to_be_visible()
    expect(request.get_by_label("Surname", exact=True)).to_be_hidden()
    page.get_by_label("Add", exact=True).check()
    page.get_by_label("Change", exact=True).uncheck()
    request.get_by_label("Type of Request", exact=True).select_option(label="Add")
    expect(request.get_by_label("User ID", exact=True)).to_be_hidden()
    request.get_by_label("Surname", exact=True).fill("Lee")
    request.get_by_label("Other Names", exact=True).fill("Ka Ho")
    request.get_by_label("Email Address", exact=True).fill("kh.lee@abc-securities.example")
    request.get_by_label("DA checker", exact=True).check()
    page.get_by_label("We confirm that we understand and accept the above.",
                      exact=True).check()
    contact = page.locator("#contact-1")
    contact.get_by_label("Name of Contact Person", exact=True).fill("AAA")
    contact.get_by_label("Email Address", exact=True).fill("aaa@abc-securities.example")
    contact.get_by_label("Telephone Number", exact=True).fill("29797111")


def test_maker_submits_and_checker_sends_a_da3_add(page, das, cc_maker, cc_checker):  # noqa: F811
    connect_log_in(page, cc_maker)
    page.get_by_text("Partnership Management", exact=True).click()
    page.get_by_role("link", name="User Maintenance", exact=True).click()
    page.get_by_role("button", name=FUNCTION, exact=True).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert_accessible(page)

    fill_da3_add(page)
    page.get_by_role("button", name="SAVE", exact=True).first.click()
    expect(page.get_by_text("The draft has been saved.")).to_be_visible()
    expect(page.locator("#request-1").get_by_label("Surname", exact=True)).to_have_value("Lee")
    assert_accessible(page)
    shot(page, "1_draft")

    page.get_by_role("button", name="PREVIEW", exact=True).first.click()
    expect(page.get_by_role("link", name="EDIT", exact=True)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)  # nothing to correct, no D5 warning
    assert_accessible(page)
    page.get_by_role("button", name="SUBMIT", exact=True).click()

    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="PLEASE CONFIRM")).to_be_visible()
    expect(dialog.get_by_text("The record will be ready to send to HKEX.")).to_be_visible()
    dialog.get_by_label("Any message to the next step? (optional)").fill("New DA checker")
    assert_accessible(page)
    shot(page, "2_please_confirm")
    dialog.get_by_role("button", name="CONFIRM", exact=True).click()

    expect(page.get_by_text(re.compile(
        r"Reference Number: DA3_00000001 Status: \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d HKT "
        r"Ready to Send to HKEX"))).to_be_visible()
    expect(page.get_by_role("button", name="RECLAIM", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="CLONE", exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, "3_ready_to_send")
    log_out(page)

    connect_log_in(page, cc_checker)
    page.get_by_role("link", name="Tasks", exact=True).click()
    row = page.locator("#tasks").get_by_role("row").filter(has_text="DA3_00000001")
    expect(row).to_contain_text("ABC SECURITIES B01234")
    expect(row).to_contain_text("Ready to Send to HKEX")
    assert_accessible(page)
    shot(page, "4_tasks")
    row.get_by_role("link", name=f"DA3_00000001 - {FUNCTION}", exact=True).click()

    page.get_by_role("button", name="CLAIM", exact=True).click()
    expect(page.get_by_text(re.compile(r"Claimed By CHECKER1 Demo on \d\d-[A-Z][a-z]{2}-\d{4} "
                                       r"\d\d:\d\d HKT"))).to_be_visible()
    assert_accessible(page)
    shot(page, "5_claimed")
    page.get_by_role("button", name="CONFIRM", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="PLEASE CONFIRM TO PROCEED")).to_be_visible()
    expect(dialog.get_by_text("The record will be sent to HKEX.")).to_be_visible()
    dialog.get_by_label("Any message to the record user? (optional)").fill("Checked")
    dialog.get_by_role("button", name="CONFIRM", exact=True).click()

    expect(page.get_by_text(re.compile(r"HKT Sent to HKEX"))).to_be_visible()
    expect(page.locator("#history")).to_contain_text("New DA checker")
    assert_accessible(page)
    shot(page, "6_sent")
    record = EService.objects.get()
    assert (record.status, record.submitted_by, record.confirmed_by) == (
        Status.SENT, cc_maker, cc_checker)
    assert record.submitted["requests"] == [{
        "type": "ADD", "surname": "Lee", "other_names": "Ka Ho",
        "email": "kh.lee@abc-securities.example", "role": "CHECKER"}]


def test_maker_sees_the_da4_fee_before_submit(page, das, cc_maker):  # noqa: F811
    connect_log_in(page, cc_maker)
    page.get_by_text("Partnership Management", exact=True).click()
    page.get_by_role("link", name="User Maintenance", exact=True).click()
    page.get_by_role("button", name="CCASS / CCMS User Account Application Form",
                     exact=True).click()
    expect(page.get_by_role("heading", name="DA 4 CCASS / CCMS USER ACCOUNT APPLICATION FORM")
           ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Number of additional user accounts", exact=True).fill("2")
    expect(page.locator("#fee-total")).to_have_text("HK$500.00")  # as typed (a little JS)
    page.get_by_label("We confirm that we understand and accept the above.",
                      exact=True).check()
    contact = page.locator("#contact-1")
    contact.get_by_label("Name of Contact Person", exact=True).fill("AAA")
    contact.get_by_label("Email Address", exact=True).fill("aaa@abc-securities.example")
    contact.get_by_label("Telephone Number", exact=True).fill("29797111")
    page.get_by_role("button", name="PREVIEW", exact=True).first.click()
    expect(page.locator("#fee-total")).to_have_text("HK$500.00")  # from the server
    page.get_by_role("button", name="SUBMIT", exact=True).click()
    expect(page.get_by_role("dialog").get_by_role("heading", name="PLEASE CONFIRM")
           ).to_be_visible()
    expect(page.locator("#fee-total")).to_have_text("HK$500.00")
    assert_accessible(page)
    shot(page, "7_da4_please_confirm")

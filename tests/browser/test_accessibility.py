"""axe-core on the pages the journey tests do not pass through (issue 11 item 2, WCAG 2.2 AA).

The journeys (first-time login, account settings, DMS create, eServices) run
``assert_accessible`` on each of their pages; here: the login pages of the terminal, DMS and
Client Connect, the reset pages, forms shown with their errors, the terminal menu, the DMS
listing / pending / enquire pages, the DA3 and DA4 forms with their problems, and the error
pages. Each test fails on any serious or critical violation, naming the rule and the elements.
"""

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Locator, Page, expect

from accounts.models import BusinessUserGroup, ClearingHouse, DARole
from terminal.models import MenuGroup, TerminalFunction
from tests.browser import test_account_settings as settings_journey
from tests.browser import test_dms_create as dms
from tests.browser import test_eservices as connect
from tests.browser import test_first_time_login as first_login
from tests.browser.axe import assert_accessible, axe_violations
from tests.conftest import make_user
from tests.dms.conftest import initialised
from tests.eservices.conftest import cc_maker, das  # noqa: F401  (fixtures)
from tests.helpers import last_email_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The same Chromium page (live_server, insecure cookies, DJANGO_ALLOW_ASYNC_UNSAFE).
page = first_login.page


def check(page: Page, url: str | None = None) -> None:
    if url is not None:
        page.goto(url)
    assert_accessible(page)


def expect_field_error(page_or_field: Page | Locator, label: str = "") -> None:
    """The field is marked invalid and its message is tied to it (read with the field)."""
    if isinstance(page_or_field, Locator):
        field, page = page_or_field, page_or_field.page
    else:
        page, field = page_or_field, page_or_field.get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby") or ""
    assert described, f"{field} has errors but no aria-describedby"
    for ref in described.split():
        expect(page.locator(f"[id='{ref}']")).not_to_be_empty()


def test_it_checks_the_checker(page):
    """The helper itself: an unlabelled input is a critical violation and fails the test."""
    page.goto("/login/")
    page.evaluate("() => document.querySelector('label[for=id_user_id]').remove()")
    ids = [v["id"] for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert "label" in ids
    with pytest.raises(AssertionError, match=r"label \(critical\)"):
        assert_accessible(page)


def test_it_passes_the_login_pages_of_each_part(page, participant):
    for url in ("/", "/login/", "/login/smartcard/", "/dms/", "/dms/login/",
                "/dms/login/smartcard/", "/connect/login/"):
        check(page, url)


def test_it_follows_the_procedure_with_the_keyboard(page, participant):
    """Skip link first, then the language switch, then the login in the order of the steps."""
    page.goto("/login/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content", exact=True)
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    first_login.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(first_login.ARTIFACTS / "a11y_skip_link.png"))
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate(
            "() => document.activeElement.labels?.[0]?.textContent.trim()"
            " || document.activeElement.textContent.trim()"))
    assert order == ["User ID", "Password", "LOG IN", "Forgot/Reset your password?"]


def test_it_passes_the_login_form_with_its_errors(page, participant):
    page.goto("/login/")
    page.get_by_role("button", name="LOG IN", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="User ID", exact=True).click()
    expect(page.get_by_label("User ID", exact=True)).to_be_focused()
    expect_field_error(page, "User ID")
    expect_field_error(page, "Password")
    check(page)
    page.screenshot(path=str(first_login.ARTIFACTS / "a11y_login_errors.png"), full_page=True)

    page.goto("/login/smartcard/")
    page.get_by_label("PASSWORD", exact=True).fill("12")
    page.get_by_role("button", name="Logon", exact=True).click()
    expect_field_error(page, "PASSWORD")
    check(page)


def test_it_passes_the_reset_pages_with_their_errors(page, participant, mailoutbox):
    make_user(participant, first_login.USER_ID, password=None)
    page.goto("/login/reset/")
    check(page)
    page.get_by_role("button", name="SUBMIT", exact=True).click()
    expect_field_error(page, "Input User ID")
    check(page)

    page.get_by_label("Input User ID", exact=True).fill(first_login.USER_ID)
    page.get_by_role("button", name="SUBMIT", exact=True).click()
    otp = page.get_by_label("Enter OTP", exact=True)
    expect(otp).to_have_attribute("autocomplete", "one-time-code")
    expect(otp).to_have_attribute("inputmode", "numeric")
    check(page)
    otp.fill("abc")
    page.get_by_role("button", name="SUBMIT OTP", exact=True).click()
    expect_field_error(page, "Enter OTP")
    check(page)

    page.get_by_label("Enter OTP", exact=True).fill(last_email_code(mailoutbox))
    page.get_by_role("button", name="SUBMIT OTP", exact=True).click()
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password", exact=True).fill("short")
    page.get_by_role("button", name="SUBMIT", exact=True).click()
    expect_field_error(page, "Password")
    check(page)


def test_it_passes_the_terminal_menu_and_functions(page, participant):
    balance = TerminalFunction.objects.create(
        code="STK-BAL", name="Stock Balance Enquiry", menu_group=MenuGroup.ENQUIRY,
        description="Shows the balances of each stock.")
    groups = BusinessUserGroup.objects.create(code="ST", name="Settlement",
                                              clearing_house=ClearingHouse.HKSCC)
    balance.user_groups.set([groups])
    user = initialised(participant, first_login.USER_ID)
    user.business_user_groups.set([groups])
    settings_journey.terminal_log_in(page, user)
    check(page)
    page.get_by_role("link", name="Stock Balance Enquiry", exact=True).click()
    check(page)
    check(page, "/account/password/")
    page.get_by_role("button", name="Update", exact=True).click()
    expect_field_error(page, "New password")
    check(page)
    check(page, "/account/authentication/")
    page.get_by_label("More actions", exact=True).click()
    page.get_by_text("x Delete", exact=True).click()
    check(page)


def test_it_passes_the_dms_pages(page, participant):
    maker = initialised(participant, "B01234X1", DARole.MAKER)
    initialised(participant, "B01234X2", DARole.CHECKER)
    initialised(participant, "B01234X3", DARole.CHECKER)
    dms.dms_log_in(page, maker)
    check(page)
    for url in ("/dms/sitemap/", "/dms/listing/", "/dms/pending/", "/dms/reports/",
                "/dms/profiles/enquire/", "/dms/profiles/enquire/B01234X2/",
                "/dms/profiles/change/B01234X2/", "/dms/profiles/delete/B01234X2/"):
        check(page, url)

    page.goto("/dms/profiles/enquire/")
    page.get_by_role("textbox", name="User ID", exact=True).fill("ZZZ")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect_field_error(page.get_by_role("textbox", name="User ID", exact=True))
    check(page)

    page.goto("/dms/profiles/create/")
    page.get_by_role("button", name="Create", exact=True).click()
    expect_field_error(page, "Surname")
    check(page)

    dms.make_create_request(page)
    check(page)
    dms.confirm_as(page, "B01234X1", "wrong")
    check(page)
    check(page, "/dms/pending/")


def test_it_passes_the_client_connect_forms(page, das, cc_maker):  # noqa: F811
    connect.connect_log_in(page, cc_maker)
    check(page)
    page.get_by_text("Partnership Management", exact=True).click()
    page.get_by_role("link", name="User Maintenance", exact=True).click()
    page.get_by_role("button", name=connect.FUNCTION, exact=True).click()
    check(page)
    page.get_by_role("button", name="PREVIEW", exact=True).first.click()
    expect(page.get_by_role("alert").first).to_be_visible()  # the problems to correct
    check(page)

    page.goto("/connect/")
    page.get_by_text("Partnership Management", exact=True).click()
    page.get_by_role("link", name="User Maintenance", exact=True).click()
    page.get_by_role("button", name="CCASS / CCMS User Account Application Form",
                     exact=True).click()
    check(page)
    page.get_by_role("button", name="PREVIEW", exact=True).first.click()
    check(page)


def test_it_passes_the_error_pages(page, participant):
    check(page, "/no-such-page/")  # 404
    check(page, "/dms/home/")  # not logged in: back to a login page

    page.goto("/login/")
    page.get_by_label("User ID", exact=True).fill(first_login.USER_ID)
    password = page.get_by_label("Password", exact=True)
    password.evaluate("input => input.removeAttribute('maxlength')")
    password.fill("x" * 200)
    page.get_by_role("button", name="LOG IN", exact=True).click()  # too long: refused
    expect(page.get_by_role("alert")).to_contain_text("128 characters")
    check(page)

    page.goto("/login/")
    page.context.clear_cookies()
    page.get_by_role("button", name="LOG IN", exact=True).click()  # no CSRF cookie: 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check(page)

    # The other error pages as their handlers render them (500 and 503 without a request).
    for name in ("400.html", "403.html", "500.html", "503.html"):
        page.goto("/")
        page.set_content(render_to_string(name))
        expect(page.get_by_role("alert")).to_be_visible()
        check(page)

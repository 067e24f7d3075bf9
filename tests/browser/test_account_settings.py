"""Change Password and AUTHENTICATION SETTINGS in a real browser (SPEC L8).

The documents' two steps ("New password", "Confirm new password", "Update"; then the current
password, "Update"), the registered device's "⋮" menu ("x Delete", "Settings") opened by mouse,
by keyboard and without JavaScript, and the DMS frame around both pages. Screenshots go to
test-artifacts/.
"""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import DARole, User
from tests.browser import test_dms_create as dms
from tests.browser import test_first_time_login as first_login
from tests.browser.axe import assert_accessible
from tests.conftest import STRONG_PASSWORD
from tests.dms.conftest import initialised
from tests.helpers import app_code, last_email_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The same Chromium page (live_server, insecure cookies, DJANGO_ALLOW_ASYNC_UNSAFE).
page = first_login.page

NEW = "Another-Strong9Password!"


def shot(page: Page, name: str) -> None:
    first_login.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(first_login.ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def app_user(participant):
    return initialised(participant, first_login.USER_ID)


def terminal_log_in(page: Page, user) -> None:
    page.goto("/")
    page.get_by_role("link", name="Login with OTP - Online Functions", exact=True).click()
    first_login.log_in(page)
    page.get_by_label("Enter OTP", exact=True).fill(app_code(user))
    page.get_by_role("button", name="SUBMIT", exact=True).click()
    first_login.expect_logged_in(page)


def test_change_password_in_two_steps(page, app_user):
    terminal_log_in(page, app_user)
    page.get_by_role("link", name="Change Password", exact=True).click()

    expect(page.get_by_text("Enter new password twice, then click Update.")).to_be_visible()
    expect(page.get_by_role("link", name="AUTHENTICATION SETTINGS", exact=True)).to_be_visible()
    expect(page.get_by_label("Current password", exact=True)).to_have_count(0)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("Confirm new password", exact=True).fill(NEW)
    assert_accessible(page)
    shot(page, "change_password_step1")
    page.get_by_role("button", name="Update", exact=True).click()

    expect(page.get_by_text("Enter the current password, then click Update.")).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_count(0)
    page.get_by_label("Current password", exact=True).fill("Wrong-Password99!")
    page.get_by_role("button", name="Update", exact=True).click()
    expect(page.get_by_text("The current password is incorrect.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Current password", exact=True).fill(STRONG_PASSWORD)
    assert_accessible(page)
    shot(page, "change_password_step2")
    page.get_by_role("button", name="Update", exact=True).click()

    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    expect(page.get_by_text("Login Success", exact=True)).to_be_visible()
    assert User.objects.get(pk=app_user.pk).check_password(NEW)


def test_oath_off_from_the_menu_then_email_otp(page, app_user, mailoutbox):
    terminal_log_in(page, app_user)
    page.get_by_role("link", name="Change Password", exact=True).click()
    page.get_by_role("link", name="AUTHENTICATION SETTINGS", exact=True).click()
    expect(page.get_by_text("ForgeRock Authenticator (OATH)", exact=True)).to_be_visible()

    more = page.get_by_label("More actions", exact=True)
    expect(page.get_by_text("x Delete", exact=True)).to_be_hidden()
    more.click()
    expect(page.get_by_text("x Delete", exact=True)).to_be_visible()
    page.get_by_text("Settings", exact=True).click()
    switch = page.get_by_label("Multi-factor authentication using OATH enable", exact=True)
    expect(switch).to_be_checked()
    assert_accessible(page)
    shot(page, "authentication_settings_menu")

    switch.uncheck()
    page.locator("#settings_current_password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("your OTP is now sent to your registered email address")
           ).to_be_visible()
    first_login.log_in(page)
    expect(page.get_by_role("button", name="SUBMIT OTP", exact=True)).to_be_visible()
    page.get_by_label("Enter OTP", exact=True).fill(last_email_code(mailoutbox))
    page.get_by_role("button", name="SUBMIT OTP", exact=True).click()
    first_login.expect_logged_in(page)


def test_the_menu_works_by_keyboard_and_without_javascript(page, app_user, live_server):
    terminal_log_in(page, app_user)
    page.goto("/account/authentication/")
    more = page.get_by_label("More actions", exact=True)
    more.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("x Delete", exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#delete_current_password")).to_be_visible()
    assert_accessible(page)

    # The same session without JavaScript: the menu is a plain <details>.
    context = page.context.browser.new_context(base_url=live_server.url,
                                               java_script_enabled=False)
    try:
        context.add_cookies(page.context.cookies())
        nojs = context.new_page()
        nojs.goto("/account/authentication/")
        nojs.get_by_label("More actions", exact=True).click()
        nojs.get_by_text("x Delete", exact=True).click()
        nojs.locator("#delete_current_password").fill(STRONG_PASSWORD)
        nojs.get_by_role("button", name="Delete", exact=True).click()
        expect(nojs.get_by_text("Please log in again and set up your OTP channel")
               ).to_be_visible()
    finally:
        context.close()
    assert not app_user.totpdevice_set.exists()


def test_dms_change_password_keeps_the_dms_menu(page, participant):
    da = initialised(participant, "B01234X1", DARole.MAKER)
    dms.dms_log_in(page, da)
    page.get_by_role("link", name="Change Password", exact=True).click()
    expect(page.get_by_text("Maintain User Profile", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Create User Profile", exact=True)).to_be_visible()
    expect(page.get_by_text("Enter new password twice, then click Update.")).to_be_visible()
    assert_accessible(page)
    shot(page, "dms_change_password_step1")
    page.get_by_role("link", name="AUTHENTICATION SETTINGS", exact=True).click()
    expect(page.get_by_text("Maintain User Profile", exact=True)).to_be_visible()
    page.get_by_label("More actions", exact=True).click()
    assert_accessible(page)
    shot(page, "dms_authentication_settings_menu")

"""First-time login in a real browser (Debian's Chromium driven by Playwright).

A launch-day user (no password yet) sets one with "Forgot/Reset your password?", logs in and
sets up the OTP channel, once with REGISTER DEVICE and once with SKIP THIS STEP. Every step is
taken by clicking or filling the label a person sees, so these tests also prove the labels.
"""

from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.axe import assert_accessible
from tests.conftest import CHROMIUM, STRONG_PASSWORD, make_user
from tests.helpers import app_code, last_email_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USER_ID = "B0123401"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(live_server, settings, monkeypatch):
    """A fresh Chromium page; the live server speaks plain http, so cookies may not be Secure."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # from a thread with a running loop unless told it is safe (here: one test, one thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(base_url=live_server.url)
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
            context.close()
        finally:
            browser.close()
            # Inside sync_playwright the test runs in a greenlet with its own context, so the
            # database connection it opened is not the main thread's: close it here, or the
            # test database cannot be dropped at the end of the run.
            connections.close_all()


@pytest.fixture
def launch_day_user(participant):
    return make_user(participant, USER_ID, password=None)


def set_first_password(page: Page, mailoutbox) -> None:
    """Terminal landing page -> "Forgot/Reset your password?" -> email OTP -> new password."""
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Login with OTP - Online Functions", exact=True).click()
    expect(page.get_by_role("heading", name="User Login")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Forgot/Reset your password?", exact=True).click()

    assert_accessible(page)
    page.get_by_label("Input User ID", exact=True).fill(USER_ID)
    page.get_by_role("button", name="SUBMIT", exact=True).click()

    expect(page.get_by_role("button", name="SUBMIT OTP", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Enter OTP", exact=True).fill(last_email_code(mailoutbox))
    page.get_by_role("button", name="SUBMIT OTP", exact=True).click()

    expect(page.get_by_text("Please enter your new password below.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Confirm password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="SUBMIT", exact=True).click()

    expect(page.get_by_text("Your password has been successfully reset.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Close", exact=True).click()


def log_in(page: Page) -> None:
    expect(page.get_by_role("heading", name="User Login")).to_be_visible()
    page.get_by_label("User ID", exact=True).fill(USER_ID)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="LOG IN", exact=True).click()


def expect_logged_in(page: Page) -> None:
    expect(page.get_by_text("Login Success", exact=True)).to_be_visible()
    expect(page.get_by_text(f"User ID: {USER_ID}")).to_be_visible()
    expect(page.get_by_role("button", name="Logout", exact=True)).to_be_visible()
    assert_accessible(page)


def test_first_login_with_register_device(page, launch_day_user, mailoutbox):
    set_first_password(page, mailoutbox)
    log_in(page)

    assert_accessible(page)  # the OTP channel set-up
    page.get_by_role("link", name="REGISTER DEVICE", exact=True).click()
    expect(page.get_by_role("img", name="QR code to register your device")).to_be_visible()
    assert_accessible(page)
    key = page.locator("#totp-key").get_attribute("data-key")
    assert key
    page.get_by_role("link", name="LOGIN USING VERIFICATION CODE", exact=True).click()

    assert_accessible(page)
    page.get_by_label("Enter OTP", exact=True).fill(app_code(None, key_b32=key))
    page.get_by_role("button", name="SUBMIT", exact=True).click()

    expect_logged_in(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "first_login_register_device.png"), full_page=True)


def test_first_login_with_skip_this_step(page, launch_day_user, mailoutbox):
    set_first_password(page, mailoutbox)
    log_in(page)

    page.get_by_role("link", name="SKIP THIS STEP", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Warning: if you skip registering a device, your OTP will be sent to your registered "
        "email address"
    )
    assert_accessible(page)
    emails_before = len(mailoutbox)
    page.get_by_role("button", name="ACCEPT", exact=True).click()

    expect(page.get_by_role("button", name="SUBMIT OTP", exact=True)).to_be_visible()
    assert len(mailoutbox) > emails_before, "ACCEPT sent no OTP email"
    assert_accessible(page)
    page.get_by_label("Enter OTP", exact=True).fill(last_email_code(mailoutbox))
    page.get_by_role("button", name="SUBMIT OTP", exact=True).click()

    expect_logged_in(page)

"""A first login in Traditional Chinese in a real browser (issue 11; SPEC L2, L5, L6, A2).

The person chooses 繁體中文 with the switch on the login page and goes through every step by the
Chinese labels a Hong Kong user reads: LOG IN (登入), the password change their expired initial
password calls for (更改密碼), REGISTER DEVICE (登記裝置), the authenticator's code (提交), the
terminal's page after login. A second journey sets a first password with "Forgot/Reset your
password?" (忘記／重設密碼？), whose OTP email arrives in Chinese too.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.browser.axe import assert_accessible
from tests.browser.test_first_time_login import page  # noqa: F401  (the Chromium page fixture)
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import app_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USER_ID = "B0123401"
NEW = "Another-Strong9Password!"
ZH_OTP_EMAIL = re.compile(r"CCASS一次性密碼（OTP）：(\d{8})")


def no_english(tab: Page, *labels: str) -> None:
    body = tab.locator("main, body").first.inner_text()
    for label in labels:
        assert label not in body, f"English left on a Chinese page: {label!r}"


def to_chinese_login(tab: Page) -> None:
    tab.goto("/login/?function=online")
    expect(tab.get_by_role("heading", name="User Login")).to_be_visible()
    tab.get_by_role("button", name="繁體中文", exact=True).click()
    expect(tab.get_by_role("heading", name="用戶登入")).to_be_visible()
    expect(tab.locator("html")).to_have_attribute("lang", "zh-Hant-HK")
    no_english(tab, "User Login", "LOG IN", "Forgot/Reset your password?", "Unauthorized")
    assert_accessible(tab)


def log_in(tab: Page, password: str) -> None:
    tab.get_by_label("用戶編號", exact=True).fill(USER_ID)
    tab.get_by_label("密碼", exact=True).fill(password)
    tab.get_by_role("button", name="登入", exact=True).click()


def test_a_first_login_in_traditional_chinese(page, participant):  # noqa: F811
    user = make_user(participant, USER_ID)
    User.objects.filter(pk=user.pk).update(password_set_at=timezone.now() - timedelta(days=91))
    to_chinese_login(page)
    log_in(page, STRONG_PASSWORD)

    # The expired initial password: 更改密碼 with the three fields and the policy.
    expect(page.get_by_role("heading", name="更改密碼")).to_be_visible()
    expect(page.get_by_text("閣下的密碼已過期")).to_be_visible()
    expect(page.get_by_text("密碼必須包含：")).to_be_visible()
    no_english(page, "Change Password", "New password", "The password must have")
    page.get_by_label("新密碼", exact=True).fill(NEW)
    page.get_by_label("確認新密碼", exact=True).fill("Not-The-Same9Password!")
    page.get_by_label("現有密碼", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="更新", exact=True).click()
    # The error, in Chinese.
    expect(page.get_by_text("兩次輸入的密碼不相符。").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("新密碼", exact=True).fill(NEW)
    page.get_by_label("確認新密碼", exact=True).fill(NEW)
    page.get_by_label("現有密碼", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="更新", exact=True).click()

    # Set up OTP Channel: 登記裝置 or 略過此步驟.
    expect(page.get_by_role("link", name="略過此步驟", exact=True)).to_be_visible()
    no_english(page, "REGISTER DEVICE", "SKIP THIS STEP", "Register a mobile device")
    assert_accessible(page)
    page.get_by_role("link", name="登記裝置", exact=True).click()

    expect(page.get_by_role("img", name="用以登記裝置的二維碼")).to_be_visible()
    expect(page.get_by_text("如無法掃描二維碼，請在應用程式中輸入以下密鑰：")).to_be_visible()
    no_english(page, "On your mobile", "If you cannot scan", "LOGIN USING VERIFICATION CODE")
    assert_accessible(page)
    key = page.locator("#totp-key").get_attribute("data-key")
    assert key
    page.get_by_role("link", name="使用驗證碼登入", exact=True).click()

    page.get_by_label("輸入一次性密碼", exact=True).fill("12345x")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("一次性密碼只由數字組成。").first).to_be_visible()
    no_english(page, "Enter OTP", "SUBMIT", "Enter the code shown")
    assert_accessible(page)
    page.get_by_label("輸入一次性密碼", exact=True).fill(app_code(None, key_b32=key))
    page.get_by_role("button", name="提交", exact=True).click()

    # The terminal's page after login, still in Chinese.
    expect(page.get_by_text("登入成功", exact=True)).to_be_visible()
    expect(page.get_by_text(f"用戶編號：{USER_ID}")).to_be_visible()
    expect(page.get_by_role("button", name="登出", exact=True)).to_be_visible()
    assert_accessible(page)
    assert User.objects.get(pk=user.pk).language == "zh-hant"  # later emails in Chinese


def test_a_first_password_set_by_reset_in_traditional_chinese(page, participant, mailoutbox):  # noqa: F811
    make_user(participant, USER_ID, password=None)
    to_chinese_login(page)
    page.get_by_role("link", name="忘記／重設密碼？", exact=True).click()

    expect(page.get_by_role("heading", name="忘記／重設密碼？")).to_be_visible()
    page.get_by_label("輸入用戶編號", exact=True).fill(USER_ID)
    page.get_by_role("button", name="提交", exact=True).click()

    expect(page.get_by_role("button", name="提交一次性密碼", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="要求一次性密碼", exact=True)).to_be_visible()
    no_english(page, "SUBMIT OTP", "REQUEST OTP", "If this User ID may set")
    assert_accessible(page)
    codes = [m for mail in mailoutbox for m in ZH_OTP_EMAIL.findall(mail.body)]
    assert codes, [mail.body for mail in mailoutbox]
    page.get_by_label("輸入一次性密碼", exact=True).fill(codes[-1])
    page.get_by_role("button", name="提交一次性密碼", exact=True).click()

    expect(page.get_by_text("請在下方輸入新密碼。")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("密碼", exact=True).fill(NEW)
    page.get_by_label("確認密碼", exact=True).fill(NEW)
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("閣下的密碼已成功重設。")).to_be_visible()
    no_english(page, "Reset Password", "successfully reset", "Close")
    assert_accessible(page)
    page.get_by_role("link", name="關閉", exact=True).click()
    expect(page.get_by_role("heading", name="用戶登入")).to_be_visible()

"""Issue 11: the login sequence's pages, messages and emails in English and Traditional Chinese.

English is word for word as before (the other tests of this folder assert it); a Chinese page
has the Chinese labels and none of the English ones; emails are in the recipient's language;
what is stored (audit reasons) stays English.
"""

import pytest
from django.conf import settings
from django.utils import translation

from accounts import emails
from accounts.audit import Event
from accounts.forms import NewPasswordForm
from accounts.models import AuditRecord, DARole, User, UserStatus
from accounts.otp import reset_email_send
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import choose_email

pytestmark = pytest.mark.django_db

ZH = "zh-hant"


@pytest.fixture
def zh_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    return client


def _in_zh(user):
    User.objects.filter(pk=user.pk).update(language=ZH)
    user.refresh_from_db()
    return user


LOGIN_ENGLISH = ["User Login", ">LOG IN<", "Forgot/Reset your password?", "By clicking the LOG IN",
                 "Unauthorized access and use are prohibited", ">User ID<", ">Password<"]


def test_it_shows_the_login_page_in_traditional_chinese(zh_client):
    page = zh_client.get("/login/?function=online").text
    for label in ["歡迎使用CCASS", "用戶登入", ">用戶編號<", ">密碼<", ">登入<", "忘記／重設密碼？",
                  "按下「登入」按鈕", "嚴禁未經授權存取及使用"]:
        assert label in page, label
    for english in LOGIN_ENGLISH:
        assert english not in page, english


def test_it_keeps_the_english_login_page_word_for_word(client):
    page = client.get("/login/?function=online").text
    for label in LOGIN_ENGLISH + ["WELCOME TO CCASS"]:
        assert label in page, label
    for chinese in ["用戶登入", "用戶編號", "忘記／重設密碼？", "嚴禁"]:
        assert chinese not in page, chinese


def test_the_browser_language_chooses_the_dms_login_page(client):
    page = client.get("/dms/login/", HTTP_ACCEPT_LANGUAGE="zh-HK,zh;q=0.9,en;q=0.5").text
    assert "歡迎使用CCASS保安管理功能" in page
    assert "WELCOME TO" not in page and "SECURITY MANAGEMENT FUNCTIONS" not in page


def test_it_shows_the_client_connect_login_in_chinese(zh_client):
    page = zh_client.get("/connect/login/").text
    assert "香港交易所存取管理平台 - Client Connect" in page
    assert ">電郵<" in page and ">Email<" not in page


def test_it_answers_a_wrong_password_in_the_language_of_the_page(zh_client, end_user):
    page = zh_client.post("/login/", {"user_id": "B0123401", "password": "wrong"}).text
    assert "用戶編號或密碼無效。請再試。" in page
    assert "Invalid User ID or Password" not in page


def test_it_records_a_refusal_in_english_whatever_the_page(zh_client, end_user):
    User.objects.filter(pk=end_user.pk).update(status=UserStatus.DISABLED)
    page = zh_client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD}).text
    assert "此用戶編號已停用。請聯絡閣下的授權管理員。" in page
    record = AuditRecord.objects.filter(event=Event.LOGIN_FAILURE).latest("pk")
    assert record.reason == ("not eligible: This User ID is disabled. Please contact your "
                             "Delegated Administrator.")


def test_it_walks_the_otp_page_and_its_errors_in_chinese(zh_client, end_user):
    choose_email(end_user)
    page = zh_client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD},
                          follow=True).text
    for label in ["請輸入一次性密碼，或要求發送新的一次性密碼", ">輸入一次性密碼<",
                  ">提交一次性密碼<", ">要求一次性密碼<"]:
        assert label in page, label
    assert "SUBMIT OTP" not in page and "Enter OTP" not in page
    page = zh_client.post("/login/otp/", {"otp": "abc"}).text
    assert "一次性密碼只由數字組成。" in page
    page = zh_client.post("/login/otp/", {"otp": "00000000"}).text
    assert "一次性密碼不正確或已過期。請再試。" in page
    page = zh_client.post("/login/otp/request/", follow=True).text
    assert "上一個一次性密碼發出5分鐘後，方可要求新的一次性密碼" in page


def test_the_password_rules_read_in_chinese(end_user):
    with translation.override(ZH):
        form = NewPasswordForm({"password": "b0123401", "confirm_password": "b0123401"},
                               user=end_user)
        assert not form.is_valid()
        errors = list(form.errors["password"])  # rendered in the page's language
    assert "密碼太短，必須至少 16 個字元。" in errors  # Django's own text
    assert "密碼必須包含最少1個大楷字母。" in errors
    assert "密碼必須包含最少1個以下特殊字元：!@#$%^&*()" in errors
    assert "這個密碼與用戶編號太相近。" in errors  # the attribute named in Chinese too
    assert not any("User ID" in e or "password" in e.lower() for e in errors)


def test_the_password_rules_stay_english_on_an_english_page(end_user):
    with translation.override(settings.LANGUAGE_CODE):
        form = NewPasswordForm({"password": "b0123401", "confirm_password": "b0123401"},
                               user=end_user)
        assert not form.is_valid()
        errors = list(form.errors["password"])  # rendered in the page's language
    assert "The password must contain at least 1 capital letter." in errors
    assert "The password is too similar to the User ID." in errors


# --- emails ------------------------------------------------------------------------------------


def test_it_mails_the_otp_in_the_language_of_the_login_page(zh_client, end_user, mailoutbox):
    choose_email(end_user)
    zh_client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD})
    assert User.objects.get(pk=end_user.pk).language == ZH
    (mail,) = mailoutbox
    assert mail.subject == "CCASS：一次性密碼"
    assert mail.body.startswith("CCASS一次性密碼（OTP）：")
    assert "One Time Password" not in mail.body


def test_it_mails_the_otp_in_english_to_an_english_user(end_user, mailoutbox):
    emails.send_otp(user=end_user, token="12345678")
    (mail,) = mailoutbox
    assert mail.subject == "CCASS: One Time Password"
    assert mail.body.strip() == "One Time Password (OTP) for CCASS: 12345678"


def test_it_writes_a_security_notice_in_the_users_language(end_user, mailoutbox):
    emails.send_security_notice(user=_in_zh(end_user), kind="password_changed")
    emails.send_security_notice(user=make_user(end_user.participant, "B0123402"),
                                kind="password_changed")
    chinese, english = mailoutbox
    assert chinese.subject == "CCASS：密碼已更改"
    assert "閣下的CCASS帳戶：密碼已更改（" in chinese.body and "年" in chinese.body
    assert "香港時間" in chinese.body and "請勿回覆" in chinese.body
    assert "Dear" not in chinese.body and "Hong Kong time" not in chinese.body
    assert english.subject == "CCASS: Your password has been changed"
    assert "Your password has been changed for your CCASS account on " in english.body
    assert "(Hong Kong time)" in english.body and "年" not in english.body


def test_it_sends_one_da_notice_per_language(participant, end_user, mailoutbox):
    maker = _in_zh(make_user(participant, "B01234X1", role=DARole.MAKER))
    checker = make_user(participant, "B01234X2", role=DARole.CHECKER)
    emails.send_da_notice(user=end_user, kind="locked")
    by_recipients = {tuple(m.to): m for m in mailoutbox}
    assert set(by_recipients) == {(maker.email,), (checker.email,)}
    chinese, english = by_recipients[(maker.email,)], by_recipients[(checker.email,)]
    assert chinese.subject == "CCASS：用戶資料B0123401已因登入失敗次數過多而被鎖定"
    assert "授權管理員您好：" in chinese.body
    assert "CCASS用戶資料B0123401（" in chinese.body
    assert "因登入失敗次數過多而被鎖定。" in chinese.body
    assert english.subject == ("CCASS: user profile B0123401 has been locked after too many "
                               "unsuccessful login attempts")
    assert english.body.startswith("Dear Delegated Administrator,")


def test_it_mails_a_reset_code_in_the_users_language(end_user, mailoutbox):
    # A profile that has not set up its OTP channel sets its password by email (SPEC L7).
    _in_zh(end_user)
    assert reset_email_send(username="B0123401", connect=False) == "SENT"
    (mail,) = mailoutbox
    assert mail.subject == "CCASS：一次性密碼"
    assert "CCASS一次性密碼（OTP）：" in mail.body


def test_it_tells_an_email_otp_user_in_their_language_that_reset_is_not_available(
        end_user, mailoutbox, django_capture_on_commit_callbacks):
    choose_email(_in_zh(end_user))
    with django_capture_on_commit_callbacks(execute=True):
        assert reset_email_send(username="B0123401", connect=False) == "notice"
    (mail,) = mailoutbox
    assert mail.subject == "CCASS：不能自助重設密碼"
    assert "閣下以電郵接收一次性密碼，因此不能自助重設密碼。" in mail.body
    assert "解鎖／重設一次性密碼裝置登記" in mail.body
    assert "Forgot/Reset" not in mail.body


def test_it_mails_a_first_time_reset_code_in_the_language_of_the_page(
        zh_client, participant, mailoutbox):
    """A profile that never logged in has no language yet: the reset page's is used."""
    user = make_user(participant, "B0123409", password=None)
    page = zh_client.post("/login/reset/", {"user_id": "B0123409", "portal": "terminal"},
                          follow=True).text
    assert "如此用戶編號可透過電郵設定或重設密碼" in page
    (mail,) = mailoutbox
    assert mail.to == [user.email] and mail.subject == "CCASS：一次性密碼"
    assert User.objects.get(pk=user.pk).language == ZH

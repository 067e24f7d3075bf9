"""SPEC A3 through the pages: what a person at LOG IN and at the OTP page sees, and what is kept.

5 consecutive unsuccessful attempts within 30 minutes lock; 3 consecutive wrong OTP entries
count as 1 unsuccessful attempt; a successful login resets; from the attempt after the one that
locks, the locked message shows whatever is typed. An unknown User ID is answered exactly like a
wrong password.
"""

import re

import pytest
from django.utils.html import escape

from accounts.audit import Event
from accounts.journey import SESSION_KEY
from accounts.login import OTP_ENDED, OTP_WRONG
from accounts.models import AuditRecord, LoginFailure, User
from accounts.services import INVALID_CREDENTIALS_MESSAGE, LOCKED_MESSAGE
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import app_code, choose_email, last_email_code, otp_emails, register_app

pytestmark = pytest.mark.django_db

WRONG = "Wrong-Password99!"
LOGIN_URL = "/login/"
OTP_URL = "/login/otp/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def log_in(client, password, user_id="B0123401"):
    return client.post(
        LOGIN_URL, {"user_id": user_id, "password": password, "function": "online"}
    )


def text(response) -> str:
    return response.content.decode()


def shows(response, message) -> bool:
    return escape(message) in text(response)


def reload(user) -> User:
    return User.objects.get(pk=user.pk)


def failures(user) -> list[str]:
    return sorted(LoginFailure.objects.filter(user=user).values_list("reason", flat=True))


def locked_records(user) -> int:
    return AuditRecord.objects.filter(event=Event.ACCOUNT_LOCKED, subject=user).count()


def wrong_email_code(mailbox) -> str:
    """An 8-digit code that is certainly not the live one."""
    right = last_email_code(mailbox)
    return "1" * 8 if right != "1" * 8 else "2" * 8


def wrong_app_code(user) -> str:
    """A 6-digit code no step the device accepts now (or soon) would show."""
    near = {app_code(user, steps_ahead=s) for s in range(-3, 4)}
    return next(c for c in (f"{d}" * 6 for d in range(10)) if c not in near)


def assert_locked_page(response):
    """The locked message, on the login page the refused step redirected to."""
    assert response.status_code == 200
    assert response.redirect_chain == [(LOGIN_URL, 302)]
    assert "accounts/login.html" in [t.name for t in response.templates]
    assert shows(response, LOCKED_MESSAGE)
    assert not shows(response, INVALID_CREDENTIALS_MESSAGE)
    assert not shows(response, OTP_WRONG)


# --- wrong passwords --------------------------------------------------------------------------


def test_it_locks_after_five_wrong_passwords_and_then_shows_the_locked_message(client, end_user):
    for attempt in range(1, 6):
        response = log_in(client, WRONG)
        # The 5th, the one that locks, still reads as a wrong password.
        assert response.status_code == 200, attempt
        assert shows(response, INVALID_CREDENTIALS_MESSAGE), attempt
        assert not shows(response, LOCKED_MESSAGE), attempt
        assert SESSION_KEY not in client.session
    assert reload(end_user).is_locked
    assert failures(end_user) == ["PASSWORD"] * 5
    assert locked_records(end_user) == 1

    # The 6th attempt, with the right password, sees the locked message and goes nowhere.
    response = log_in(client, STRONG_PASSWORD)
    assert response.status_code == 200
    assert shows(response, LOCKED_MESSAGE)
    assert not shows(response, INVALID_CREDENTIALS_MESSAGE)
    assert SESSION_KEY not in client.session
    assert "_auth_user_id" not in client.session
    # ... and so does a 7th with a wrong one; a locked account is not counted further.
    response = log_in(client, WRONG)
    assert shows(response, LOCKED_MESSAGE)
    user = reload(end_user)
    assert user.is_locked
    assert failures(end_user) == ["PASSWORD"] * 5
    assert locked_records(end_user) == 1
    assert AuditRecord.objects.filter(
        event=Event.LOGIN_FAILURE, subject=end_user, reason="refused: locked"
    ).count() == 2
    assert not AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS).exists()


# --- wrong OTPs ------------------------------------------------------------------------------


def _two_wrong_passwords_then_nine_wrong_otps(client, user, wrong_code, otp_template):
    for _ in range(2):
        assert shows(log_in(client, WRONG), INVALID_CREDENTIALS_MESSAGE)

    # SPEC A3: every third wrong OTP counts once and ends that half-login ("LOG IN" again).
    for triple in range(1, 4):
        response = log_in(client, STRONG_PASSWORD)
        assert response.status_code == 302
        assert response.url == OTP_URL
        page = client.get(OTP_URL)
        assert page.status_code == 200
        assert otp_template in [t.name for t in page.templates]
        code = wrong_code()
        for entry in range(1, 3):
            response = client.post(OTP_URL, {"otp": code})
            assert response.status_code == 200, (triple, entry)
            assert shows(response, OTP_WRONG), (triple, entry)
            assert not reload(user).is_locked, (triple, entry)
        if triple == 3:
            break
        response = client.post(OTP_URL, {"otp": code}, follow=True)
        assert shows(response, OTP_ENDED), triple
        assert not shows(response, LOCKED_MESSAGE), triple
        assert SESSION_KEY not in client.session
        # The half-login is over: even the right code is not evaluated any more.
        assert client.post(OTP_URL, {"otp": code}).url == "/login/"
    # 2 passwords + 2 full triples of wrong OTPs = 4 counted; the 2 of the third do not count.
    assert failures(user) == ["OTP", "OTP", "PASSWORD", "PASSWORD"]
    assert reload(user).otp_failure_streak == 2

    # The 9th wrong OTP completes the third triple: 5 counted, locked.
    response = client.post(OTP_URL, {"otp": code}, follow=True)
    assert_locked_page(response)
    assert SESSION_KEY not in client.session
    assert "_auth_user_id" not in client.session

    user = reload(user)
    assert user.is_locked
    assert failures(user) == ["OTP", "OTP", "OTP", "PASSWORD", "PASSWORD"]
    assert locked_records(user) == 1
    assert AuditRecord.objects.filter(event=Event.OTP_FAILURE, subject=user).count() == 9
    assert not AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS).exists()

    # The next attempt, right password and all, sees the locked message.
    response = log_in(client, STRONG_PASSWORD)
    assert response.status_code == 200
    assert shows(response, LOCKED_MESSAGE)
    assert SESSION_KEY not in client.session
    assert failures(user) == ["OTP", "OTP", "OTP", "PASSWORD", "PASSWORD"]


def test_it_locks_after_two_wrong_passwords_and_nine_wrong_email_otps(
    client, end_user, mailoutbox
):
    choose_email(end_user)
    _two_wrong_passwords_then_nine_wrong_otps(
        client, end_user, lambda: wrong_email_code(mailoutbox), "accounts/otp_email.html"
    )
    # Each right password at LOG IN sent one code; the locked attempt sent none.
    assert len(mailoutbox) == 3


def test_it_locks_after_two_wrong_passwords_and_nine_wrong_app_codes(client, end_user):
    register_app(end_user)
    _two_wrong_passwords_then_nine_wrong_otps(
        client, end_user, lambda: wrong_app_code(end_user), "accounts/otp_app.html"
    )


def test_it_shows_the_locked_message_at_the_otp_page_once_locked_elsewhere(
    client, end_user, mailoutbox
):
    """Locked by wrong passwords from elsewhere while this person waits at the OTP page."""
    choose_email(end_user)
    assert log_in(client, STRONG_PASSWORD).url == OTP_URL
    other = type(client)()
    for _ in range(5):
        log_in(other, WRONG)
    assert reload(end_user).is_locked
    # Even the right code now only shows the locked message (and logs nobody in).
    response = client.post(OTP_URL, {"otp": last_email_code(mailoutbox)}, follow=True)
    assert_locked_page(response)
    assert "_auth_user_id" not in client.session
    assert not AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS).exists()


# --- a successful login resets ---------------------------------------------------------------


def test_it_resets_the_count_after_a_successful_login_in_between(client, end_user, mailoutbox):
    choose_email(end_user)
    for _ in range(4):
        assert shows(log_in(client, WRONG), INVALID_CREDENTIALS_MESSAGE)
    assert not reload(end_user).is_locked

    assert log_in(client, STRONG_PASSWORD).url == OTP_URL
    response = client.post(OTP_URL, {"otp": last_email_code(mailoutbox)})
    assert response.status_code == 302
    assert response.url == "/home/"
    assert client.get("/home/").status_code == 200
    assert AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS, subject=end_user).count() == 1

    response = client.post("/logout/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/home/").status_code == 302

    for attempt in range(4):
        response = log_in(client, WRONG)
        assert shows(response, INVALID_CREDENTIALS_MESSAGE), attempt
    user = reload(end_user)
    assert not user.is_locked
    assert locked_records(end_user) == 0
    # All 8 wrong passwords are kept for the audit, but only the 4 after the login count.
    assert failures(end_user) == ["PASSWORD"] * 8
    assert LoginFailure.objects.filter(user=user, at__gt=user.failures_reset_at).count() == 4
    # The count restarted at 0, not at "never lock": one more wrong password locks.
    assert shows(log_in(client, WRONG), INVALID_CREDENTIALS_MESSAGE)
    assert reload(end_user).is_locked
    assert shows(log_in(client, STRONG_PASSWORD), LOCKED_MESSAGE)


# --- an unknown User ID reads like a wrong password ------------------------------------------


def normalised(response, typed_user_id) -> str:
    """The page with its CSRF token, and the User ID echoed back in the input, taken out.

    Only the input's own value is neutralised: the ID appearing anywhere else still differs.
    """
    page = CSRF.sub('name="csrfmiddlewaretoken" value="-"', text(response))
    echoed = f'name="user_id" value="{typed_user_id}"'
    assert page.count(echoed) <= 1
    return page.replace(echoed, 'name="user_id" value="-"')


def test_it_answers_an_unknown_user_id_like_a_wrong_password_at_log_in(client, end_user):
    known = log_in(client, WRONG, user_id="B0123401")
    unknown = log_in(type(client)(), WRONG, user_id="B0123499")

    assert known.status_code == unknown.status_code == 200
    assert shows(known, INVALID_CREDENTIALS_MESSAGE)
    assert shows(unknown, INVALID_CREDENTIALS_MESSAGE)
    assert normalised(known, "B0123401") == normalised(unknown, "B0123499")
    # Behind the same page: the known User ID is counted, the unknown one only audited.
    assert failures(end_user) == ["PASSWORD"]
    assert AuditRecord.objects.filter(
        event=Event.LOGIN_FAILURE, subject=None, reason="unknown User ID"
    ).count() == 1


@pytest.mark.parametrize("channel", ["first_time", "email", "app"])
def test_it_answers_an_unknown_user_id_like_a_known_one_at_input_user_id(
    client, participant, mailoutbox, channel
):
    user = make_user(participant, "B0123402", password=None if channel == "first_time" else
                     STRONG_PASSWORD)
    if channel == "email":
        choose_email(user)
    elif channel == "app":
        register_app(user)
    before = reload(user).password

    known = client.post("/login/reset/", {"user_id": "B0123402"})
    other = type(client)()
    unknown = other.post("/login/reset/", {"user_id": "B0123499"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == "/login/reset/otp/"
    known_page, unknown_page = client.get(known.url), other.get(unknown.url)
    assert known_page.status_code == unknown_page.status_code == 200
    assert "B0123402" not in text(known_page)
    if channel == "app":
        # The documents impose the app's own page for a User ID with an app device (L7).
        assert "ForgeRock Authenticator (OATH)" in text(known_page)
    else:
        assert normalised(known_page, "B0123402") == normalised(unknown_page, "B0123499")

    # Only a first-time user (no OTP channel yet) is mailed a code; nothing else changes.
    codes = otp_emails(mailoutbox)
    assert len(codes) == (1 if channel == "first_time" else 0)
    if codes:
        assert codes[0].to == [user.email]
    assert reload(user).password == before
    assert not reload(user).is_locked
    assert not LoginFailure.objects.exists()

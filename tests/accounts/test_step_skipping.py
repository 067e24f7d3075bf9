"""No step of a login or reset can be skipped by posting to a later URL (STYLE 5, SPEC L2-L7).

The half-finished journey is a stage marker in the session; each page accepts only its own
stage, and a marker older than 5 minutes is void.
"""

import base64
import time

import pytest
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from accounts.audit import Event
from accounts.journey import SESSION_KEY, Stage
from accounts.login import SESSION_EXPIRED
from accounts.models import AuditRecord, EmailOTPDevice, LoginFailure, User
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import app_code, choose_email, last_email_code, register_app

pytestmark = pytest.mark.django_db

LOGIN_URL = "/login/"
NEW_PASSWORD = "Another-Horse7Battery?"


def shows(response, message) -> bool:
    return escape(message) in response.content.decode()


def reload(user) -> User:
    return User.objects.get(pk=user.pk)


def assert_refused(client, response):
    """Sent back to LOG IN with the expired-session message, logged in nowhere, no journey."""
    assert response.status_code == 302
    assert response.url == LOGIN_URL
    page = client.get(response.url)
    assert page.status_code == 200
    assert shows(page, SESSION_EXPIRED)
    assert SESSION_KEY not in client.session
    assert "_auth_user_id" not in client.session


def pending_device_code(user) -> tuple[TOTPDevice, str]:
    """The device REGISTER DEVICE would show, and the code the app shows for it now."""
    device = otp.totp_device_pending(user=user)
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return device, app_code(user, key_b32=key)


# --- no journey at all -----------------------------------------------------------------------

SKIPPED_STEPS = {
    "/login/otp/": lambda code: {"otp": code},
    "/login/setup/verify/": lambda code: {"otp": code},
    "/login/setup/skip/": lambda code: {},
    "/login/reset/otp/": lambda code: {"otp": code},
    "/login/reset/password/": lambda code: {
        "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
    },
    "/login/password-expired/": lambda code: {
        "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
        "current_password": STRONG_PASSWORD,
    },
}


@pytest.mark.parametrize("url", list(SKIPPED_STEPS))
def test_it_refuses_a_post_to_a_later_step_without_a_journey(client, end_user, mailoutbox, url):
    # A first-time user with a device waiting for its first code: the most to lose.
    device, code = pending_device_code(end_user)
    password_before = reload(end_user).password

    response = client.post(url, SKIPPED_STEPS[url](code))

    assert_refused(client, response)
    user = reload(end_user)
    assert user.password == password_before
    assert user.check_password(STRONG_PASSWORD)
    assert not user.check_password(NEW_PASSWORD)
    device.refresh_from_db()
    assert not device.confirmed
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert otp.otp_channel(user) is None
    assert not EmailOTPDevice.objects.exists()
    assert mailoutbox == []
    assert user.otp_failure_streak == 0
    assert not LoginFailure.objects.exists()
    assert not AuditRecord.objects.exists()


@pytest.mark.parametrize("url", list(SKIPPED_STEPS))
def test_it_refuses_a_get_of_a_later_step_without_a_journey(client, end_user, url):
    response = client.get(url)
    assert_refused(client, response)
    assert not AuditRecord.objects.exists()


# --- a journey at an earlier stage -----------------------------------------------------------


def test_it_refuses_the_new_password_page_right_after_input_user_id(
    client, participant, mailoutbox
):
    first_timer = make_user(participant, "B0123402", password=None)
    response = client.post("/login/reset/", {"user_id": "B0123402"})
    assert response.url == "/login/reset/otp/"
    assert client.session[SESSION_KEY]["stage"] == Stage.RESET_OTP
    assert len(mailoutbox) == 1

    response = client.post(
        "/login/reset/password/", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )

    assert_refused(client, response)
    user = reload(first_timer)
    assert not user.has_usable_password()
    assert not user.check_password(NEW_PASSWORD)
    assert user.password_set_at is None
    assert not AuditRecord.objects.filter(
        event__in=[Event.PASSWORD_RESET, Event.PASSWORD_SET, Event.PASSWORD_CHANGED]
    ).exists()
    # The emailed code was not spent by the refused post.
    assert EmailOTPDevice.objects.get(user=user).token == last_email_code(mailoutbox)


@pytest.mark.parametrize(
    "url", ["/login/setup/verify/", "/login/setup/skip/", "/login/reset/otp/",
            "/login/reset/password/", "/login/password-expired/"],
)
def test_it_refuses_other_steps_while_the_login_otp_is_awaited(client, end_user, url):
    register_app(end_user)
    assert client.post(LOGIN_URL, {"user_id": "B0123401", "password": STRONG_PASSWORD,
                                   "function": "online"}).url == "/login/otp/"
    assert client.session[SESSION_KEY]["stage"] == Stage.LOGIN_OTP
    password_before = reload(end_user).password

    response = client.post(url, {
        "otp": app_code(end_user), "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
        "current_password": STRONG_PASSWORD,
    })

    assert_refused(client, response)
    assert reload(end_user).password == password_before
    assert TOTPDevice.objects.filter(user=end_user).count() == 1
    assert not EmailOTPDevice.objects.exists()
    assert not AuditRecord.objects.filter(
        event__in=[Event.LOGIN_SUCCESS, Event.PASSWORD_CHANGED, Event.PASSWORD_RESET,
                   Event.DEVICE_REGISTERED, Event.OTP_FAILURE]
    ).exists()


def test_it_is_not_logged_in_after_the_password_alone(client, end_user, mailoutbox):
    choose_email(end_user)
    response = client.post(
        LOGIN_URL, {"user_id": "B0123401", "password": STRONG_PASSWORD, "function": "online"}
    )
    assert response.url == "/login/otp/"
    assert client.session[SESSION_KEY]["stage"] == Stage.LOGIN_OTP

    home = client.get("/home/")

    assert home.status_code == 302
    assert home.url.startswith(LOGIN_URL)
    assert "_auth_user_id" not in client.session
    assert client.get(home.url).status_code == 200
    assert not AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS).exists()
    assert reload(end_user).last_login is None


# --- a stage marker older than 5 minutes -----------------------------------------------------


def age_journey(client, seconds):
    session = client.session
    journey = session[SESSION_KEY]
    journey["at"] = time.time() - seconds
    session[SESSION_KEY] = journey
    session.save()


def test_it_voids_a_stage_marker_older_than_five_minutes(client, end_user, mailoutbox):
    choose_email(end_user)
    assert client.post(LOGIN_URL, {"user_id": "B0123401", "password": STRONG_PASSWORD,
                                   "function": "online"}).url == "/login/otp/"
    code = last_email_code(mailoutbox)
    age_journey(client, 301)

    response = client.post("/login/otp/", {"otp": code})

    assert_refused(client, response)
    assert client.get("/home/").status_code == 302
    assert not AuditRecord.objects.filter(
        event__in=[Event.LOGIN_SUCCESS, Event.OTP_FAILURE]
    ).exists()
    user = reload(end_user)
    assert user.last_login is None
    assert user.otp_failure_streak == 0
    # The refused post neither spent the code nor counted anything.
    assert EmailOTPDevice.objects.get(user=user).token == code
    assert not LoginFailure.objects.exists()


def test_it_still_accepts_a_stage_marker_younger_than_five_minutes(client, end_user, mailoutbox):
    """The control for the test above: the same post 4 min 50 s in logs in."""
    choose_email(end_user)
    client.post(LOGIN_URL, {"user_id": "B0123401", "password": STRONG_PASSWORD,
                            "function": "online"})
    age_journey(client, 290)

    response = client.post("/login/otp/", {"otp": last_email_code(mailoutbox)})

    assert response.status_code == 302
    assert response.url == "/home/"
    assert client.get("/home/").status_code == 200
    assert AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS, subject=end_user).count() == 1

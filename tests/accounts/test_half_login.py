"""The half-login between password and OTP (SPEC A3, L9): the third wrong OTP ends it, parallel
posts are evaluated one at a time, and the session key rotates at every step."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.audit import Event
from accounts.login import OTP_ENDED, OTP_WRONG
from accounts.models import AuditRecord, LoginChallenge, LoginFailure, User
from tests.conftest import STRONG_PASSWORD
from tests.helpers import app_code, register_app, run_at_once


def a_wrong_code(user) -> str:
    """A 6-digit code that is certainly not one the app accepts now (no chance collision)."""
    valid = {app_code(user, steps_ahead=step) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in valid)


def log_in(client):
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD,
                                       "function": "online"})
    assert response.status_code == 302 and response.url == "/login/otp/", response
    return response


@pytest.mark.django_db
def test_it_ends_the_half_login_at_the_third_wrong_otp(client, end_user):
    register_app(end_user)
    log_in(client)
    wrong = a_wrong_code(end_user)
    for _ in range(2):
        assert OTP_WRONG in client.post("/login/otp/", {"otp": wrong}).text
    response = client.post("/login/otp/", {"otp": wrong}, follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert OTP_ENDED in response.text
    # The right code on the same half-login no longer logs in: start again at LOG IN.
    response = client.post("/login/otp/", {"otp": app_code(end_user)})
    assert response.status_code == 302 and response.url == "/login/"
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(user=end_user, reason="OTP").count() == 1
    assert LoginChallenge.objects.get().ended_at is not None
    # A new LOG IN gives a new half-login, and the right code then logs in.
    log_in(client)
    response = client.post("/login/otp/", {"otp": app_code(end_user)})
    assert response.status_code == 302 and response.url == "/home/"


@pytest.mark.django_db
def test_it_rotates_the_session_key_after_the_password_the_otp_and_at_logout(client, end_user):
    register_app(end_user)
    client.get("/login/")
    client.session.save()
    keys = [client.session.session_key]
    log_in(client)
    keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    client.post("/login/otp/", {"otp": app_code(end_user)})
    keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    client.post("/logout/")
    keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert len(set(keys)) == 4, keys


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_otps_on_one_half_login_are_evaluated_at_most_three_times(end_user):
    register_app(end_user)
    first = Client()
    log_in(first)
    cookie = first.cookies[settings.SESSION_COOKIE_NAME].value
    browsers = [Client() for _ in range(30)]
    for browser in browsers:
        browser.cookies[settings.SESSION_COOKIE_NAME] = cookie
    wrong = a_wrong_code(end_user)

    responses = run_at_once(30, lambda i: browsers[i].post("/login/otp/", {"otp": wrong}))

    assert all(r.status_code in (200, 302) for r in responses)
    user = User.objects.get(pk=end_user.pk)
    assert AuditRecord.objects.filter(event=Event.OTP_FAILURE, subject=user).count() == 3
    assert LoginFailure.objects.filter(user=user).count() == 1
    assert not user.is_locked
    # The half-login is over: the right code on that cookie logs nobody in.
    response = first.post("/login/otp/", {"otp": app_code(end_user)})
    assert response.status_code == 302 and response.url == "/login/"
    assert not AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS).exists()


@pytest.mark.django_db
def test_a_session_ends_12_hours_after_login_however_active(client, end_user, monkeypatch):
    """SPEC L9: 15 minutes of inactivity (the cookie) and 12 hours after login at the most."""
    import time

    register_app(end_user)
    log_in(client)
    client.post("/login/otp/", {"otp": app_code(end_user)})
    assert client.get("/home/").status_code == 200
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started + 12 * 3600 - 60)
    assert client.get("/home/").status_code == 200
    monkeypatch.setattr(time, "time", lambda: started + 12 * 3600 + 60)
    response = client.get("/home/", follow=True)
    assert "Your session has ended 12 hours after login. Please log in again." in response.text
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(event=Event.LOGOUT, reason="12 hours after login").exists()

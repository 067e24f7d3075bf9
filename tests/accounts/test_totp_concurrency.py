"""SPEC L6 under concurrent requests: an authenticator code is accepted once, on PostgreSQL.

Two submissions of the same code racing each other must not both log in (replay refusal holds
under ``select_for_update``, not only one request after the other).
"""


import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from accounts.audit import Event
from accounts.login import OTP_WRONG
from accounts.models import AuditRecord, LoginFailure, User
from tests.conftest import STRONG_PASSWORD
from tests.helpers import app_code, register_app, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_it_accepts_the_same_app_code_only_once_when_submitted_twice_at_once(end_user):
    device = register_app(end_user)
    code = app_code(end_user)

    results = run_at_once(2, lambda i: otp.totp_verify(user=end_user, token=code,
                                                       source_ip=f"10.0.0.{i + 1}"))

    assert sorted(results) == [False, True]
    device.refresh_from_db()
    assert device.last_t >= 0  # the accepted step is remembered, so a replay is refused
    # The refused replay counts as one wrong OTP, nothing more.
    user = User.objects.get(pk=end_user.pk)
    assert user.otp_failure_streak == 1
    assert not LoginFailure.objects.filter(user=user).exists()
    assert AuditRecord.objects.filter(event=Event.OTP_FAILURE, subject=user).count() == 1
    # ... and the same code later is refused as well.
    assert otp.totp_verify(user=end_user, token=code) is False


def test_it_lets_exactly_one_of_two_browsers_in_with_the_same_app_code(end_user):
    register_app(end_user)
    browsers = [Client(), Client()]
    for browser in browsers:
        response = browser.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD,
                                            "function": "online"})
        assert response.status_code == 302
        assert response.url == "/login/otp/"
    code = app_code(end_user)

    responses = run_at_once(2, lambda i: browsers[i].post("/login/otp/", {"otp": code}))

    home = [r for r in responses if r.status_code == 302 and r.url == "/home/"]
    assert len(home) == 1, [(r.status_code, getattr(r, "url", None)) for r in responses]
    refused = next(r for r in responses if r not in home)
    assert refused.status_code == 200
    assert OTP_WRONG in refused.content.decode()

    winner = browsers[responses.index(home[0])]
    loser = browsers[1 - responses.index(home[0])]
    assert winner.get("/home/").status_code == 200
    assert loser.get("/home/").status_code == 302
    assert "_auth_user_id" not in loser.session
    assert AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS, subject=end_user).count() == 1
    assert AuditRecord.objects.filter(event=Event.OTP_FAILURE, subject=end_user).count() == 1
    assert TOTPDevice.objects.get(user=end_user).last_t >= 0

"""SPEC L6, L1, L9: on-going login by app or email OTP; DMS for DAs only; logout."""

from datetime import timedelta

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Event
from accounts.models import AuditRecord, EmailOTPDevice, User
from tests.conftest import STRONG_PASSWORD
from tests.helpers import app_code, choose_email, last_email_code, otp_emails, register_app

pytestmark = pytest.mark.django_db


def log_in(client, user_id="B0123401", url="/login/", function="online"):
    return client.post(url, {"user_id": user_id, "password": STRONG_PASSWORD,
                             "function": function}, follow=True)


def test_an_app_user_logs_in_with_the_app_code(client, end_user):
    register_app(end_user)
    response = log_in(client)
    assert "ForgeRock Authenticator (OATH)" in response.text and "SUBMIT" in response.text
    old_key = client.session.session_key
    response = client.post("/login/otp/", {"otp": app_code(end_user)}, follow=True)
    assert response.redirect_chain[-1][0] == "/home/"
    assert "Login Success" in response.text and "Online Functions" in response.text
    assert client.session.session_key != old_key  # rotated at login
    record = AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS, subject=end_user).get()
    assert record.details == {"channel": "APP"}


def test_an_accepted_app_code_cannot_be_used_again(client, end_user):
    register_app(end_user)
    log_in(client)
    code = app_code(end_user)
    assert client.post("/login/otp/", {"otp": code}).status_code == 302
    client.post("/logout/")
    log_in(client)
    response = client.post("/login/otp/", {"otp": code})
    assert "The OTP is incorrect or has expired. Please try again." in response.text
    assert "_auth_user_id" not in client.session
    # The next code of the app is accepted.
    assert client.post("/login/otp/", {"otp": app_code(end_user, steps_ahead=1)}).status_code == 302


def test_an_email_user_gets_a_code_at_once_and_logs_in(client, end_user, mailoutbox):
    choose_email(end_user)
    response = log_in(client, function="overnight")
    assert "Please Enter Your One Time Password, Or Request A New One" in response.text
    assert len(otp_emails(mailoutbox)) == 1
    response = client.post("/login/otp/", {"otp": last_email_code(mailoutbox)}, follow=True)
    assert "Login Success" in response.text
    assert "Overnight Report Download" in response.text


def test_a_new_password_step_voids_the_earlier_email_code(
    client, end_user, mailoutbox, monkeypatch
):
    # Distinct codes from the generator (the random edge), so the "void" check always runs.
    codes = iter(f"{n:08d}" for n in range(10000001, 10000100))
    monkeypatch.setattr("django_otp.models.random_number_token", lambda length=6: next(codes))
    choose_email(end_user)
    log_in(client)
    first = last_email_code(mailoutbox)
    log_in(client)
    second = last_email_code(mailoutbox)
    assert len(otp_emails(mailoutbox)) == 2
    assert first != second
    assert "incorrect" in client.post("/login/otp/", {"otp": first}).text
    assert client.post("/login/otp/", {"otp": second}).status_code == 302


def test_an_email_code_is_single_use(client, end_user, mailoutbox):
    choose_email(end_user)
    log_in(client)
    code = last_email_code(mailoutbox)
    client.post("/login/otp/", {"otp": code})
    assert EmailOTPDevice.objects.get(user=end_user).token is None


def test_an_otp_with_letters_gets_a_clear_message(client, end_user):
    register_app(end_user)
    log_in(client)
    response = client.post("/login/otp/", {"otp": "12ab56"})
    assert "An OTP is made of digits only." in response.text


def test_a_da_enters_dms(client, maker):
    register_app(maker)
    response = log_in(client, "B01234X1", url="/dms/login/")
    assert "ForgeRock Authenticator (OATH)" in response.text
    response = client.post("/login/otp/", {"otp": app_code(maker)}, follow=True)
    assert response.redirect_chain[-1][0] == "/dms/home/"
    assert "Logon Success" in response.text


def test_a_da_may_use_the_terminal_too(client, maker):
    register_app(maker)
    log_in(client, "B01234X1")
    response = client.post("/login/otp/", {"otp": app_code(maker)}, follow=True)
    assert "Login Success" in response.text


def test_an_end_user_is_refused_at_dms_after_login(client, end_user):
    register_app(end_user)
    log_in(client, url="/dms/login/")
    response = client.post("/login/otp/", {"otp": app_code(end_user)}, follow=True)
    assert "The Security Management Functions are for Delegated Administrators only." in (
        response.text
    )
    assert "_auth_user_id" not in client.session
    assert client.get("/dms/home/").status_code == 302


def test_logout_ends_the_session(client, end_user):
    register_app(end_user)
    log_in(client)
    client.post("/login/otp/", {"otp": app_code(end_user)})
    response = client.post("/logout/")
    assert "You have logged out." in response.text
    assert client.get("/home/").status_code == 302
    assert AuditRecord.objects.filter(event=Event.LOGOUT, subject=end_user).exists()


def test_a_password_only_session_is_not_a_login(client, end_user):
    register_app(end_user)
    log_in(client)
    assert client.get("/home/").status_code == 302
    assert client.get("/account/password/").status_code == 302


def test_a_disabled_user_is_told_after_the_right_password(client, end_user):
    end_user.status = "DISABLED"
    end_user.save(update_fields=["status"])
    response = log_in(client)
    assert "This User ID is disabled." in response.text
    assert not TOTPDevice.objects.filter(user=end_user).exists()
    assert User.objects.get(pk=end_user.pk).last_login is None


def test_a_session_ends_when_the_profile_is_locked_meanwhile(client, end_user):
    register_app(end_user)
    log_in(client)
    client.post("/login/otp/", {"otp": app_code(end_user)})
    assert client.get("/home/").status_code == 200
    User.objects.filter(pk=end_user.pk).update(is_locked=True)
    response = client.get("/home/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "Your account has been locked" in response.text
    assert "_auth_user_id" not in client.session


def test_a_session_ends_when_the_profile_is_disabled_meanwhile(client, end_user):
    register_app(end_user)
    log_in(client)
    client.post("/login/otp/", {"otp": app_code(end_user)})
    User.objects.filter(pk=end_user.pk).update(status="DISABLED")
    response = client.get("/home/", follow=True)
    assert "This User ID is disabled." in response.text


def test_sessions_expire_after_inactivity(client, end_user, clock):
    """SPEC L9 / issue 10: 15 minutes without a request end the session; each request (saved
    at most once a minute, accounts.session_store) keeps it alive."""
    register_app(end_user)
    log_in(client)
    client.post("/login/otp/", {"otp": app_code(end_user)})
    assert client.get("/home/").status_code == 200
    assert client.session.get_expire_at_browser_close()
    clock.advance(minutes=14)
    assert client.get("/home/").status_code == 200  # active: the deadline moves on
    clock.advance(minutes=14)
    assert client.get("/home/").status_code == 200
    clock.advance(minutes=15, seconds=1)
    ended = client.get("/home/")
    assert ended.status_code == 302 and ended["Location"].startswith("/login/")


def test_a_session_is_saved_at_most_once_a_minute_when_nothing_changes(client, end_user,
                                                                       clock):
    """Issue 10: a page view does not rewrite the session row, until its deadline is a minute
    old; the deadline is then 15 minutes from that request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    register_app(end_user)
    log_in(client)
    client.post("/login/otp/", {"otp": app_code(end_user)})

    def session_writes():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/home/").status_code == 200
        return [q["sql"] for q in queries.captured_queries
                if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]

    clock.advance(seconds=30)
    assert session_writes() == []
    clock.advance(seconds=31)
    assert len(session_writes()) == 1
    assert client.session.get_expiry_date() == clock.now + timedelta(minutes=15)

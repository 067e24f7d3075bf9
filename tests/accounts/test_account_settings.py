"""SPEC L8, A2, L9: Change Password, AUTHENTICATION SETTINGS, expired passwords, sessions."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Event
from accounts.models import AuditRecord, EmailOTPDevice, LoginFailure, User
from tests.conftest import STRONG_PASSWORD
from tests.helpers import app_code, last_email_code, register_app

pytestmark = pytest.mark.django_db

NEW = "Another-Strong9Password!"


def logged_in(client, user, steps_ahead=0):
    client.post("/login/", {"user_id": user.username, "password": STRONG_PASSWORD,
                            "function": "online"})
    response = client.post("/login/otp/", {"otp": app_code(user, steps_ahead=steps_ahead)})
    assert response.status_code == 302 and response.url == "/home/", response
    return client


@pytest.fixture
def app_user(end_user):
    register_app(end_user)
    return end_user


def test_change_password_page_has_the_labels(client, app_user):
    page = logged_in(client, app_user).get("/account/password/").text
    for label in ["Change Password", "New password", "Confirm new password",
                  "Current password", "Update", "AUTHENTICATION SETTINGS"]:
        assert label in page, label


def test_it_changes_the_password_and_ends_other_sessions(
    client, app_user, django_capture_on_commit_callbacks, mailoutbox
):
    other = logged_in(type(client)(), app_user)
    logged_in(client, app_user, steps_ahead=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/password/", {
            "password": NEW, "confirm_password": NEW, "current_password": STRONG_PASSWORD,
        }, follow=True)
    assert "Your password has been changed." in response.text
    assert User.objects.get(pk=app_user.pk).check_password(NEW)
    assert client.get("/home/").status_code == 200  # this session stays
    assert other.get("/home/").status_code == 302  # the other one ended
    assert AuditRecord.objects.filter(event=Event.PASSWORD_CHANGED, subject=app_user).exists()
    [notice] = [m for m in mailoutbox if "Your password has been changed" in m.subject]
    assert "http" not in notice.body


def test_a_wrong_current_password_changes_nothing_and_counts(client, app_user):
    logged_in(client, app_user)
    response = client.post("/account/password/", {
        "password": NEW, "confirm_password": NEW, "current_password": "Wrong-Password99!",
    })
    assert "The current password is incorrect." in response.text
    assert User.objects.get(pk=app_user.pk).check_password(STRONG_PASSWORD)
    assert LoginFailure.objects.filter(user=app_user).count() == 1


def test_a_weak_new_password_is_refused_with_each_rule(client, app_user):
    logged_in(client, app_user)
    response = client.post("/account/password/", {
        "password": "weakpassword", "confirm_password": "weakpassword",
        "current_password": STRONG_PASSWORD,
    })
    assert "The password must contain at least 1 number." in response.text
    assert "The password must contain at least 1 capital letter." in response.text
    assert User.objects.get(pk=app_user.pk).check_password(STRONG_PASSWORD)


def test_an_expired_password_must_be_changed_before_anything_else(client, app_user):
    app_user.password_set_at = timezone.now() - timedelta(days=91)
    app_user.save(update_fields=["password_set_at"])
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == "/login/password-expired/"
    assert "Your password has expired" in response.text
    # The OTP step cannot be reached before the change.
    assert client.post("/login/otp/", {"otp": app_code(app_user)}).status_code == 302
    assert "_auth_user_id" not in client.session
    # Reusing the old password is refused.
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD},
                           follow=True)
    same = client.post("/login/password-expired/", {
        "password": STRONG_PASSWORD, "confirm_password": STRONG_PASSWORD,
        "current_password": STRONG_PASSWORD,
    })
    assert "The new password must be different from the current password." in same.text
    response = client.post("/login/password-expired/", {
        "password": NEW, "confirm_password": NEW, "current_password": STRONG_PASSWORD,
    }, follow=True)
    assert "ForgeRock Authenticator (OATH)" in response.text
    response = client.post("/login/otp/", {"otp": app_code(app_user)}, follow=True)
    assert "Login Success" in response.text
    assert not User.objects.get(pk=app_user.pk).password_expired()


def test_deleting_the_device_means_registering_again_next_login(
    client, app_user, django_capture_on_commit_callbacks, mailoutbox
):
    logged_in(client, app_user)
    page = client.get("/account/authentication/").text
    assert "AUTHENTICATION SETTINGS" in page
    assert "Turn off Multi-factor authentication using OATH" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/authentication/delete-device/",
                               {"current_password": STRONG_PASSWORD}, follow=True)
    assert "Your authentication settings have been updated." in response.text
    assert not TOTPDevice.objects.filter(user=app_user).exists()
    assert AuditRecord.objects.filter(event=Event.DEVICE_REMOVED, subject=app_user).exists()
    assert any("Your OTP device registration has been removed" in m.subject for m in mailoutbox)
    client.post("/logout/")
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD},
                           follow=True)
    assert "REGISTER DEVICE" in response.text and "SKIP THIS STEP" in response.text


def test_turning_oath_off_switches_to_email_otp(client, app_user, mailoutbox):
    logged_in(client, app_user)
    client.post("/account/authentication/oath-off/", {"current_password": STRONG_PASSWORD})
    assert EmailOTPDevice.objects.get(user=app_user).confirmed
    client.post("/logout/")
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD},
                           follow=True)
    assert "Please Enter Your One Time Password, Or Request A New One" in response.text
    response = client.post("/login/otp/", {"otp": last_email_code(mailoutbox)}, follow=True)
    assert "Login Success" in response.text


def test_settings_need_the_current_password(client, app_user):
    logged_in(client, app_user)
    response = client.post("/account/authentication/delete-device/",
                           {"current_password": "Wrong-Password99!"})
    assert response.status_code == 400
    assert "The current password is incorrect." in response.text
    assert TOTPDevice.objects.filter(user=app_user, confirmed=True).exists()

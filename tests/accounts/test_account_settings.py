"""SPEC L8, A2, L9: Change Password, AUTHENTICATION SETTINGS, expired passwords, sessions."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Event
from accounts.models import AuditRecord, DARole, EmailOTPDevice, LoginFailure, User
from accounts.services import LOCKED_MESSAGE
from tests.conftest import STRONG_PASSWORD
from tests.dms.conftest import dms_login, initialised
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


def step_one(client, new=NEW, confirm=None):
    """"Change Password", step 1: "New password", "Confirm new password", "Update"."""
    return client.post("/account/password/", {
        "password": new, "confirm_password": new if confirm is None else confirm,
    })


def step_two(client, current, new=NEW, **kwargs):
    """Step 2: the pair step 1 sent back as hidden inputs, and the current password."""
    return client.post("/account/password/update/", {
        "password": new, "confirm_password": new, "current_password": current,
    }, **kwargs)


def test_step_one_asks_for_the_new_password_twice(client, app_user):
    page = logged_in(client, app_user).get("/account/password/").text
    for label in ["Change Password", "Enter new password twice, then click Update.",
                  ">New password<", ">Confirm new password<", ">Reset<", ">Update<",
                  "AUTHENTICATION SETTINGS"]:
        assert label in page, label
    assert "Current password" not in page


def test_step_two_asks_for_the_current_password(client, app_user):
    logged_in(client, app_user)
    response = step_one(client)
    page = response.text
    for label in ["Enter the current password, then click Update.", ">Current password<",
                  ">Update<", 'action="/account/password/update/"']:
        assert label in page, label
    assert ">New password<" not in page  # the pair rides along hidden, not asked again
    assert page.count('type="hidden" name="password"') == 1
    assert "no-store" in response["Cache-Control"]  # a page holding the password
    assert User.objects.get(pk=app_user.pk).check_password(STRONG_PASSWORD)  # nothing yet


def test_the_new_password_never_enters_the_session(client, app_user):
    logged_in(client, app_user)
    step_one(client)
    assert not any(NEW in str(value) for value in client.session.values())
    step_two(client, "Wrong-Password99!")
    assert not any(NEW in str(value) for value in client.session.values())
    step_two(client, STRONG_PASSWORD)
    assert User.objects.get(pk=app_user.pk).check_password(NEW)
    assert not any(NEW in str(value) for value in client.session.values())


def test_it_changes_the_password_and_ends_other_sessions(
    client, app_user, django_capture_on_commit_callbacks, mailoutbox
):
    other = logged_in(type(client)(), app_user)
    logged_in(client, app_user, steps_ahead=1)
    step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = step_two(client, STRONG_PASSWORD, follow=True)
    assert "Your password has been changed." in response.text
    assert User.objects.get(pk=app_user.pk).check_password(NEW)
    assert client.get("/home/").status_code == 200  # this session stays
    assert other.get("/home/").status_code == 302  # the other one ended
    assert AuditRecord.objects.filter(event=Event.PASSWORD_CHANGED, subject=app_user).exists()
    [notice] = [m for m in mailoutbox if "Your password has been changed" in m.subject]
    assert "http" not in notice.body


def test_a_wrong_current_password_changes_nothing_and_counts(client, app_user):
    logged_in(client, app_user)
    response = step_two(client, "Wrong-Password99!")
    assert "The current password is incorrect." in response.text
    assert "Enter the current password, then click Update." in response.text  # still step 2
    assert f'name="password" value="{NEW}"' in response.text
    assert "no-store" in response["Cache-Control"]
    assert User.objects.get(pk=app_user.pk).check_password(STRONG_PASSWORD)
    assert LoginFailure.objects.filter(user=app_user).count() == 1


def test_a_wrong_current_password_that_locks_ends_the_session(client, app_user):
    logged_in(client, app_user)
    for _ in range(4):
        assert step_two(client, "Wrong-Password99!").status_code == 200
    response = step_two(client, "Wrong-Password99!", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert LOCKED_MESSAGE in response.text
    assert "_auth_user_id" not in client.session
    assert client.get("/home/").status_code == 302


def test_a_weak_new_password_is_refused_at_step_one_with_each_rule(client, app_user):
    logged_in(client, app_user)
    page = step_one(client, "weakpassword").text
    for rule in ["This password is too short. It must contain at least 16 characters.",
                 "The password must contain at least 1 number.",
                 "The password must contain at least 1 special character from !@#$%^&amp;*()",
                 "The password must contain at least 1 capital letter."]:
        assert rule in page, rule
    assert "Current password" not in page  # no step 2 for a refused password
    assert "The two passwords do not match." in step_one(client, NEW, "Other-Strong9Password!").text


def test_a_new_password_altered_after_step_one_goes_back_to_step_one(client, app_user):
    logged_in(client, app_user)
    page = step_two(client, STRONG_PASSWORD, new="weakpassword").text
    assert "The password must contain at least 1 number." in page
    assert "Enter new password twice, then click Update." in page
    assert User.objects.get(pk=app_user.pk).check_password(STRONG_PASSWORD)
    assert LoginFailure.objects.filter(user=app_user).count() == 0


def test_dms_change_password_keeps_the_dms_menu(client, participant):
    da = initialised(participant, "B01234X1", DARole.MAKER)
    dms_login(client, da)
    for url in ["/account/password/", "/account/authentication/"]:
        page = client.get(url).text
        assert "Security Management Functions" in page, url
        assert "Maintain User Profile" in page and "Create User Profile" in page, url
    page = step_one(client).text
    assert "Maintain User Profile" in page and ">Current password<" in page
    response = step_two(client, STRONG_PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == "/dms/home/"
    response = client.post("/account/authentication/delete-device/",
                           {"current_password": NEW}, follow=True)
    assert response.redirect_chain[-1][0] == "/dms/login/"  # back to the DMS "LOG IN"


def test_terminal_change_password_has_no_dms_menu(client, app_user):
    page = logged_in(client, app_user).get("/account/password/").text
    assert "Maintain User Profile" not in page


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


def test_authentication_settings_show_the_device_and_its_menu(client, app_user):
    page = logged_in(client, app_user).get("/account/authentication/").text
    for label in ["AUTHENTICATION SETTINGS", "ForgeRock Authenticator (OATH)", "Registered on",
                  "<summary", ">⋮</summary>", 'aria-label="More actions"', ">x Delete<",
                  ">Settings<", ">Multi-factor authentication using OATH enable<", ">Save<",
                  ">Current password<"]:
        assert label in page, label
    # The switch shows the current state: on.
    assert 'type="checkbox" name="oath_enabled"' in page and " checked" in page
    # Two forms, one field name, distinct ids.
    assert 'id="delete_current_password"' in page and 'id="settings_current_password"' in page


def test_deleting_the_device_means_registering_again_next_login(
    client, app_user, django_capture_on_commit_callbacks, mailoutbox
):
    logged_in(client, app_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/authentication/delete-device/",
                               {"current_password": STRONG_PASSWORD}, follow=True)
    # The session was verified with the deleted device: it ends, and says so.
    assert response.redirect_chain[-1][0] == "/login/"
    assert "Your authentication settings have been updated." in response.text
    assert "Please log in again and set up your OTP channel" in response.text
    assert "_auth_user_id" not in client.session
    assert not TOTPDevice.objects.filter(user=app_user).exists()
    assert AuditRecord.objects.filter(event=Event.DEVICE_REMOVED, subject=app_user).exists()
    assert any("Your OTP device registration has been removed" in m.subject for m in mailoutbox)
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD},
                           follow=True)
    assert "REGISTER DEVICE" in response.text and "SKIP THIS STEP" in response.text


def test_turning_oath_off_switches_to_email_otp(client, app_user, mailoutbox):
    logged_in(client, app_user)
    # The switch unticked (an unticked checkbox is not sent), the current password, "Save".
    response = client.post("/account/authentication/oath-off/",
                           {"current_password": STRONG_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "your OTP is now sent to your registered email address" in response.text
    assert EmailOTPDevice.objects.get(user=app_user).confirmed
    assert not TOTPDevice.objects.filter(user=app_user).exists()
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD},
                           follow=True)
    assert "Please Enter Your One Time Password, Or Request A New One" in response.text
    assert "SUBMIT OTP" in response.text
    response = client.post("/login/otp/", {"otp": last_email_code(mailoutbox)}, follow=True)
    assert "Login Success" in response.text
    page = client.get("/account/authentication/").text
    assert "You receive your OTP by email." in page and "eService DA3" in page
    assert "⋮" not in page


def test_saving_with_oath_still_enabled_changes_nothing(client, app_user):
    logged_in(client, app_user)
    response = client.post("/account/authentication/oath-off/", {"oath_enabled": "on"},
                           follow=True)
    assert "Nothing was changed" in response.text
    assert TOTPDevice.objects.filter(user=app_user, confirmed=True).exists()
    assert LoginFailure.objects.filter(user=app_user).count() == 0


def test_settings_need_the_current_password(client, app_user):
    logged_in(client, app_user)
    response = client.post("/account/authentication/delete-device/",
                           {"current_password": "Wrong-Password99!"})
    assert response.status_code == 400
    assert "The current password is incorrect." in response.text
    assert '<details class="menu" open' in response.text  # the menu stays open on the error
    response = client.post("/account/authentication/oath-off/", {})
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert TOTPDevice.objects.filter(user=app_user, confirmed=True).exists()
    assert LoginFailure.objects.filter(user=app_user).count() == 1

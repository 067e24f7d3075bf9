"""SPEC L3, L4, L5 (Appendix C): the launch-day user sets a password, then an OTP channel."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Event
from accounts.models import AuditRecord, EmailOTPDevice, User
from tests.conftest import make_user
from tests.helpers import app_code, last_email_code, otp_emails

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brand-New9Password!"


@pytest.fixture
def newcomer(participant):
    """As on the 2FA launch day: email registered, smartcard, no regular password yet."""
    return make_user(participant, "B0123401", password=None, smartcard_srn="0101101200012AB2")


def set_up_password(client, mailoutbox, user_id="B0123401", password=NEW_PASSWORD):
    page = client.get("/login/reset/")
    assert "Input User ID" in page.text and "SUBMIT" in page.text
    response = client.post("/login/reset/", {"user_id": user_id, "portal": "terminal"},
                           follow=True)
    assert "Please Enter Your One Time Password, Or Request A New One" in response.text
    response = client.post("/login/reset/otp/", {"otp": last_email_code(mailoutbox)},
                           follow=True)
    assert "Reset Password" in response.text
    assert "Please enter your new password below." in response.text
    assert "Confirm password" in response.text
    response = client.post("/login/reset/password/",
                           {"password": password, "confirm_password": password})
    assert "Your password has been successfully reset." in response.text
    assert "Close" in response.text
    return response


def log_in(client, user_id="B0123401", password=NEW_PASSWORD, function="online"):
    return client.post("/login/", {"user_id": user_id, "password": password,
                                   "function": function}, follow=True)


def test_the_otp_email_is_as_the_documents_show(client, newcomer, mailoutbox):
    client.post("/login/reset/", {"user_id": "B0123401"})
    [message] = otp_emails(mailoutbox)
    assert message.subject == "CCASS: One Time Password"
    assert message.from_email == "noreply_pt@hkex.com.hk"
    assert message.to == ["b0123401@abc-securities.example"]
    assert re.fullmatch(r"One Time Password \(OTP\) for CCASS: \d{8}\s*", message.body)
    assert "http" not in message.body and "B0123401" not in message.body


def test_setting_up_the_password_does_not_log_in(
    client, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_up_password(client, mailoutbox)
    user = User.objects.get(pk=newcomer.pk)
    assert user.check_password(NEW_PASSWORD)
    assert user.password_set_at is not None
    assert "_auth_user_id" not in client.session
    assert client.get("/home/").status_code == 302
    assert AuditRecord.objects.filter(event=Event.PASSWORD_RESET, subject=user).exists()
    notice = [m for m in mailoutbox if "Your password has been reset" in m.subject]
    assert notice and "http" not in notice[0].body


def test_the_new_password_is_checked_against_the_policy(client, newcomer, mailoutbox):
    client.post("/login/reset/", {"user_id": "B0123401"})
    client.post("/login/reset/otp/", {"otp": last_email_code(mailoutbox)})
    response = client.post("/login/reset/password/",
                           {"password": "tooshort", "confirm_password": "tooshort"})
    assert "This password is too short. It must contain at least 16 characters." in response.text
    assert "The password must contain at least 1 capital letter." in response.text
    mismatch = client.post("/login/reset/password/",
                           {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"})
    assert "The two passwords do not match." in mismatch.text
    assert not User.objects.get(pk=newcomer.pk).has_usable_password()


def test_register_device_journey_ends_in_login_success(
    client, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    set_up_password(client, mailoutbox)
    response = log_in(client)
    assert "ForgeRock Authenticator (OATH)" in response.text
    assert "REGISTER DEVICE" in response.text and "SKIP THIS STEP" in response.text
    page = client.get("/login/setup/register/").text
    key = re.search(r'data-key="([A-Z2-7]+)"', page).group(1)
    assert 'src="data:image/svg+xml;base64,' in page
    assert "LOGIN USING VERIFICATION CODE" in page
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    uri = device.config_url
    assert uri.startswith("otpauth://totp/CCASS%3AB0123401?")
    for part in ["algorithm=SHA1", "digits=6", "period=30", "issuer=CCASS", f"secret={key}"]:
        assert part in uri
    # Refreshing the page shows the same key (the user may have scanned it already).
    assert key in client.get("/login/setup/register/").text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/login/setup/verify/", {"otp": app_code(None, key_b32=key)},
                               follow=True)
    assert response.redirect_chain[-1][0] == "/home/"
    assert "Login Success" in response.text
    assert TOTPDevice.objects.get(user=newcomer).confirmed
    assert AuditRecord.objects.filter(event=Event.DEVICE_REGISTERED, subject=newcomer).exists()
    assert AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS, subject=newcomer).exists()
    assert any("An OTP device has been registered" in m.subject for m in mailoutbox)


def test_a_wrong_verification_code_does_not_register(client, newcomer, mailoutbox):
    set_up_password(client, mailoutbox)
    log_in(client)
    client.get("/login/setup/register/")
    response = client.post("/login/setup/verify/", {"otp": "000000"})
    assert "The OTP is incorrect or has expired. Please try again." in response.text
    assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()


def test_skip_this_step_journey_ends_in_login_success(client, newcomer, mailoutbox):
    set_up_password(client, mailoutbox)
    log_in(client)
    warning = client.get("/login/setup/skip/").text
    assert "you will not be able to reset your password by self-service" in warning
    assert "ACCEPT" in warning
    before = len(otp_emails(mailoutbox))
    response = client.post("/login/setup/skip/", follow=True)
    assert len(otp_emails(mailoutbox)) == before + 1
    assert "SUBMIT OTP" in response.text and "REQUEST OTP" in response.text
    response = client.post("/login/otp/", {"otp": last_email_code(mailoutbox)}, follow=True)
    assert "Login Success" in response.text
    assert EmailOTPDevice.objects.get(user=newcomer).confirmed
    # From now on the on-going login asks for an email OTP.
    client.post("/logout/")
    response = log_in(client)
    assert "Please Enter Your One Time Password, Or Request A New One" in response.text


def test_the_reset_code_is_not_accepted_at_the_login_otp_step(client, newcomer, mailoutbox):
    """A code is bound to the journey it was sent for."""
    set_up_password(client, mailoutbox)
    log_in(client)
    client.post("/login/setup/skip/")
    setup_code = last_email_code(mailoutbox)
    device = EmailOTPDevice.objects.get(user=newcomer)
    device.purpose = "RESET"
    device.save(update_fields=["purpose"])
    response = client.post("/login/otp/", {"otp": setup_code})
    assert "The OTP is incorrect or has expired. Please try again." in response.text


def test_request_otp_is_refused_within_five_minutes(client, newcomer, mailoutbox):
    set_up_password(client, mailoutbox)
    log_in(client)
    client.post("/login/setup/skip/")
    sent = len(otp_emails(mailoutbox))
    response = client.post("/login/otp/request/", follow=True)
    assert "A new OTP can only be requested 5 minutes after the last one." in response.text
    assert len(otp_emails(mailoutbox)) == sent


def test_request_otp_after_five_minutes_sends_a_new_code(
    client, newcomer, mailoutbox, monkeypatch
):
    # Distinct codes from the generator (the random edge), so the "void" check always runs.
    codes = iter(f"{n:08d}" for n in range(10000001, 10000100))
    monkeypatch.setattr("django_otp.models.random_number_token", lambda length=6: next(codes))
    set_up_password(client, mailoutbox)
    log_in(client)
    client.post("/login/setup/skip/")
    first = last_email_code(mailoutbox)
    session = client.session
    session["ccass_journey"]["last_code_at"] -= 301
    session.save()
    device = EmailOTPDevice.objects.get(user=newcomer)
    device.last_generated_timestamp -= __import__("datetime").timedelta(seconds=301)
    device.save(update_fields=["last_generated_timestamp"])
    response = client.post("/login/otp/request/", follow=True)
    assert "A new OTP has been sent to your registered email address." in response.text
    second = last_email_code(mailoutbox)
    # The first code is void once a new one is sent.
    assert first != second
    assert "incorrect" in client.post("/login/otp/", {"otp": first}).text
    assert "Login Success" in client.post("/login/otp/", {"otp": second}, follow=True).text


def test_input_user_id_sends_at_most_one_code_per_five_minutes(client, newcomer, mailoutbox):
    client.post("/login/reset/", {"user_id": "B0123401"})
    first = last_email_code(mailoutbox)
    other = type(client)()
    response = other.post("/login/reset/", {"user_id": "B0123401"}, follow=True)
    assert "use the OTP already sent" in response.text
    assert len(otp_emails(mailoutbox)) == 1
    # The code already sent still works in the second journey.
    assert other.post("/login/reset/otp/", {"otp": first}).status_code == 302


def test_a_first_time_user_without_password_cannot_log_in(client, newcomer):
    response = log_in(client, password="anything-at-all")
    assert "Invalid User ID or Password. Please try again." in response.text

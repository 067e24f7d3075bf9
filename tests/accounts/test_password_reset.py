"""SPEC L7: self-service reset for app users only; nothing revealed about User IDs."""

import pytest

from accounts.models import User
from tests.conftest import STRONG_PASSWORD
from tests.helpers import app_code, choose_email, otp_emails, register_app

pytestmark = pytest.mark.django_db

NEW = "Another-Strong9Password!"


def start_reset(client, user_id):
    return client.post("/login/reset/", {"user_id": user_id, "portal": "terminal"}, follow=True)


def test_an_app_user_resets_with_the_app_code(client, end_user, mailoutbox):
    register_app(end_user)
    response = start_reset(client, "B0123401")
    assert "SUBMIT OTP" in response.text
    assert otp_emails(mailoutbox) == []  # app users get no email code
    response = client.post("/login/reset/otp/", {"otp": app_code(end_user)}, follow=True)
    assert "Reset Password" in response.text
    response = client.post("/login/reset/password/", {"password": NEW, "confirm_password": NEW})
    assert "Your password has been successfully reset." in response.text
    user = User.objects.get(pk=end_user.pk)
    assert user.check_password(NEW)
    assert "_auth_user_id" not in client.session  # a reset never logs in


def test_the_current_password_cannot_be_reused(client, end_user):
    register_app(end_user)
    start_reset(client, "B0123401")
    client.post("/login/reset/otp/", {"otp": app_code(end_user)})
    response = client.post("/login/reset/password/",
                           {"password": STRONG_PASSWORD, "confirm_password": STRONG_PASSWORD})
    assert "The new password must be different from the current password." in response.text


def test_an_email_otp_user_is_told_to_ask_their_da(client, end_user, mailoutbox):
    choose_email(end_user)
    response = start_reset(client, "B0123401")
    assert "Unlock/Reset OTP Device Registration" in response.text
    assert "eService DA3" in response.text
    assert otp_emails(mailoutbox) == []
    response = client.post("/login/reset/otp/", {"otp": "12345678"})
    assert "The OTP is incorrect or has expired. Please try again." in response.text
    assert User.objects.get(pk=end_user.pk).check_password(STRONG_PASSWORD)


def test_input_user_id_answers_alike_for_unknown_and_known_ids(client, end_user, mailoutbox):
    register_app(end_user)
    known = start_reset(client, "B0123401")
    unknown = start_reset(type(client)(), "B0123499")
    strip = lambda html: __import__("re").sub(r'value="[^"]{40,}"', "", html)  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert strip(known.text) == strip(unknown.text)


def test_an_unknown_user_id_never_passes_the_otp_step(client, participant):
    start_reset(client, "B0123499")
    response = client.post("/login/reset/otp/", {"otp": "12345678"})
    assert "The OTP is incorrect or has expired. Please try again." in response.text
    assert client.post("/login/reset/password/", {"password": NEW, "confirm_password": NEW}
                       ).status_code == 302

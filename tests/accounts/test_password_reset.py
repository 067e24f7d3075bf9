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
    # Appendix D b: the app's page, its code field and "SUBMIT".
    assert "ForgeRock Authenticator (OATH)" in response.text
    assert "SUBMIT OTP" not in response.text and ">SUBMIT<" in response.text
    assert mailoutbox == []  # app users get no email
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


def test_an_email_otp_user_is_told_to_ask_their_da(
        client, end_user, mailoutbox, django_capture_on_commit_callbacks):
    choose_email(end_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = start_reset(client, "B0123401")
    assert "Unlock/Reset OTP Device Registration" in response.text
    assert "eService DA3" in response.text
    assert otp_emails(mailoutbox) == []
    # The email says what applies to this user: ask the DA.
    [mail] = mailoutbox
    assert mail.to == [end_user.email]
    assert "not available" in mail.subject
    assert 'ask your Delegated Administrator to "Unlock/Reset OTP Device Registration"' in \
        " ".join(mail.body.split())
    assert "B0123401" not in mail.body and "http" not in mail.body
    response = client.post("/login/reset/otp/", {"otp": "12345678"})
    assert "The OTP is incorrect or has expired. Please try again." in response.text
    assert User.objects.get(pk=end_user.pk).check_password(STRONG_PASSWORD)


def test_an_email_otp_da_is_told_to_have_the_firm_submit_da3(
        client, maker, mailoutbox, django_capture_on_commit_callbacks):
    choose_email(maker)
    with django_capture_on_commit_callbacks(execute=True):
        start_reset(client, "B01234X1")
    [mail] = mailoutbox
    assert "have your firm submit eService DA3" in " ".join(mail.body.split())
    # At most one such email per User ID per 5 minutes (SPEC L4).
    with django_capture_on_commit_callbacks(execute=True):
        start_reset(type(client)(), "B01234X1")
    assert len(mailoutbox) == 1


def test_input_user_id_answers_alike_for_every_id_without_an_app_device(
        client, end_user, participant, mailoutbox, django_capture_on_commit_callbacks):
    """SPEC L7: never initialised, on email OTP, or unknown: one and the same answer."""
    from tests.conftest import make_user

    choose_email(end_user)
    make_user(participant, "B0123402", password=None)  # launch day: no password yet
    strip = lambda html: __import__("re").sub(r'value="[^"]{40,}"', "", html)  # noqa: E731
    with django_capture_on_commit_callbacks(execute=True):
        answers = [start_reset(type(client)(), user_id) for user_id in
                   ("B0123401", "B0123402", "B0123499")]
    assert {a.status_code for a in answers} == {200}
    assert len({tuple(a.redirect_chain) for a in answers}) == 1
    assert len({strip(a.text) for a in answers}) == 1
    # Only the emails differ: the newcomer's OTP, the email-OTP user's notice, nothing else.
    assert sorted(m.to[0] for m in mailoutbox) == [
        "b0123401@abc-securities.example", "b0123402@abc-securities.example"]
    assert len(otp_emails(mailoutbox)) == 1


def test_an_unknown_user_id_never_passes_the_otp_step(client, participant):
    start_reset(client, "B0123499")
    response = client.post("/login/reset/otp/", {"otp": "12345678"})
    assert "The OTP is incorrect or has expired. Please try again." in response.text
    assert client.post("/login/reset/password/", {"password": NEW, "confirm_password": NEW}
                       ).status_code == 302


def test_a_reset_started_from_dms_closes_back_to_the_dms_login(client, maker):
    """Appendix D b: a DA who resets from DMS is sent back to DMS's "LOG IN"."""
    register_app(maker)
    login_page = client.get("/dms/login/").text
    assert 'href="/login/reset/?portal=dms"' in login_page
    reset_page = client.get("/login/reset/?portal=dms").text
    assert 'name="portal" value="dms"' in reset_page
    client.post("/login/reset/", {"user_id": "B01234X1", "portal": "dms"})
    client.post("/login/reset/otp/", {"otp": app_code(maker)})
    done = client.post("/login/reset/password/", {"password": NEW, "confirm_password": NEW})
    assert "Your password has been successfully reset." in done.text
    assert 'href="/dms/login/">Close</a>' in done.text

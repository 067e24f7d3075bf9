"""SPEC E1: Client Connect users log in at /connect/ with their email as User ID, with the same
password, lockout and OTP rules as the terminal; the two kinds of account never cross."""

import pytest

from accounts.models import LoginFailure
from tests.conftest import STRONG_PASSWORD
from tests.eservices.conftest import connect_login, connect_user
from tests.helpers import app_code

pytestmark = pytest.mark.django_db


def test_the_login_page_asks_for_email_and_password(client):
    page = client.get("/connect/login/").text
    assert ">Email<" in page and ">Password<" in page and "LOG IN" in page
    assert "Forgot/Reset your password?" in page


def test_a_client_connect_user_logs_in_with_email_password_and_otp(client, cc_maker):
    connect_login(client, cc_maker)
    assert client.get("/connect/").status_code == 200


def test_a_terminal_user_cannot_log_in_at_client_connect_nor_the_reverse(
        client, cc_maker, end_user):
    response = client.post("/connect/login/", {"user_id": "B0123401",
                                               "password": STRONG_PASSWORD})
    assert "Invalid User ID or Password" in response.text
    response = client.post("/login/", {"user_id": cc_maker.username,
                                       "password": STRONG_PASSWORD})
    assert "Invalid User ID or Password" in response.text
    assert not LoginFailure.objects.exists()  # unknown IDs where they were typed


def test_five_wrong_passwords_lock_a_client_connect_user(client, cc_maker):
    for _ in range(5):
        client.post("/connect/login/", {"user_id": cc_maker.username.upper(),
                                        "password": "Wrong-Password99!"})
    response = client.post("/connect/login/", {"user_id": cc_maker.username,
                                                "password": STRONG_PASSWORD})
    assert "Please contact HKEX Client Connect support to unlock it." in response.text


def test_a_terminal_session_does_not_open_client_connect(client, end_user):
    from tests.helpers import register_app

    register_app(end_user)
    client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD})
    client.post("/login/otp/", {"otp": app_code(end_user)})
    response = client.get("/connect/")
    assert response.status_code == 302 and response.url.startswith("/connect/login/")


def test_first_time_set_up_through_forgot_reset(client, participant, mailoutbox):
    from accounts.models import ConnectRole
    from tests.helpers import last_email_code

    user = connect_user(participant, "cc.new@abc-securities.example", ConnectRole.MAKER,
                        password=False)
    page = client.get("/connect/login/").text
    assert 'href="/login/reset/?portal=connect"' in page
    client.post("/login/reset/", {"user_id": user.username, "portal": "connect"})
    client.post("/login/reset/otp/", {"otp": last_email_code(mailoutbox)})
    new = "Another-Strong9Password!"
    done = client.post("/login/reset/password/", {"password": new, "confirm_password": new})
    assert 'href="/connect/login/">Close</a>' in done.text
    response = client.post("/connect/login/", {"user_id": user.username, "password": new})
    assert response.status_code == 302 and response.url == "/login/setup/"

"""SPEC L1, L2: landing pages and the login page, with the documents' labels word for word."""

import pytest

from accounts.models import Participant, ParticipantKind
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

CONSENT = (
    "By clicking the LOG IN button, I confirm that the individual(s) whose personal data is "
    "disclosed in my use of this application consent to the processing of their personal data."
)
WARNING = (
    "Unauthorized access and use are prohibited. HKEX reserves the right to take actions "
    "against offenders."
)


def test_the_terminal_landing_page_offers_both_otp_logins(client):
    page = client.get("/").text
    assert "Login with OTP - Online Functions" in page
    assert "Login with OTP - Overnight Report Download" in page
    assert 'href="/login/?function=online"' in page
    assert 'href="/login/?function=overnight"' in page


def test_the_dms_landing_page_offers_the_security_management_login(client):
    page = client.get("/dms/").text
    assert "Login with OTP - Security Management Function" in page
    assert 'href="/dms/login/"' in page


def test_the_login_page_has_the_labels_and_both_notices(client):
    page = client.get("/login/?function=online").text
    for label in ["WELCOME TO CCASS", "User ID", "Password", "LOG IN",
                  "Forgot/Reset your password?", CONSENT, WARNING]:
        assert label in page, label
    assert 'name="function" value="online"' in page


def test_the_overnight_button_is_remembered(client):
    assert 'name="function" value="overnight"' in client.get("/login/?function=overnight").text


def test_the_dms_login_page_says_security_management_functions(client):
    page = client.get("/dms/login/").text
    assert "WELCOME TO CCASS SECURITY MANAGEMENT FUNCTIONS" in page
    assert CONSENT in page and WARNING in page
    assert "Forgot/Reset your password?" in page


def test_an_empty_form_gets_a_clear_message(client):
    response = client.post("/login/", {"user_id": "", "password": ""})
    assert response.status_code == 200
    assert "Please enter your User ID and Password." in response.text


def test_ccms_users_see_ccms_once_known(client):
    from tests.helpers import choose_email, last_email_code  # noqa: F401

    futures = Participant.objects.create(
        kind=ParticipantKind.HKCC_CP, participant_id="HKABC1", name="ABC FUTURES",
        user_id_prefix="HKABC1", max_users=20,
    )
    user = make_user(futures, "HKABC101")
    from tests.helpers import register_app

    register_app(user)
    response = client.post("/login/", {"user_id": "HKABC101", "password":
                                       "Correct-Horse9Battery!", "function": "online"},
                           follow=True)
    assert "ForgeRock Authenticator (OATH)" in response.text
    assert "your CCMS User ID" in response.text

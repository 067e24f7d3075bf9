"""SPEC S1 and L10: the landing pages follow the authentication arrangement; the simulated
smartcard logon works only while smartcards are kept, and counts towards the same lockout."""

import datetime as dt

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.audit import Event
from accounts.models import AuditRecord, DARole, LoginFailure, User
from terminal.models import AuthenticationArrangement
from tests.conftest import STRONG_PASSWORD, make_user

pytestmark = pytest.mark.django_db

SRN = "0101101200012AB2"
PIN = "12345678"
OTP_BUTTON = "Login with OTP - Online Functions"
CARD_BUTTON = "Login with Smartcard - Online Functions and Overnight Report Download"
DMS_CARD_BUTTON = "Login with Smartcard - Security Management Functions"


def arrangement(launch_in_days, decommission_in_days):
    today = timezone.localdate()
    return AuthenticationArrangement.objects.create(
        launch_date=today + dt.timedelta(days=launch_in_days),
        decommission_date=today + dt.timedelta(days=decommission_in_days))


@pytest.fixture
def parallel_run(db):
    return arrangement(-10, 10)


@pytest.fixture
def card_holder(participant):
    return make_user(participant, "B0123401", smartcard_srn=SRN,
                     smartcard_password=make_password(PIN))


def logon(client, srn=SRN, pin=PIN, url="/login/smartcard/"):
    return client.post(url, {"srn": srn, "password": pin})


def test_before_the_launch_only_smartcard_buttons_show(client):
    arrangement(5, 60)
    terminal, dms = client.get("/").text, client.get("/dms/").text
    assert CARD_BUTTON in terminal and OTP_BUTTON not in terminal
    assert DMS_CARD_BUTTON in dms and "Login with OTP - Security Management Function" not in dms


def test_in_the_parallel_run_both_show(client, parallel_run):
    terminal, dms = client.get("/").text, client.get("/dms/").text
    assert CARD_BUTTON in terminal and OTP_BUTTON in terminal
    assert "Login with OTP - Overnight Report Download" in terminal
    assert DMS_CARD_BUTTON in dms and "Login with OTP - Security Management Function" in dms


def test_from_decommissioning_on_only_otp_shows(client):
    arrangement(-90, -1)
    terminal, dms = client.get("/").text, client.get("/dms/").text
    assert OTP_BUTTON in terminal and "Smartcard" not in terminal
    assert "Smartcard" not in dms


def test_otp_login_is_refused_before_the_launch(client, end_user):
    arrangement(5, 60)
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD})
    assert "Login with OTP is available from" in response.text
    assert not AuditRecord.objects.filter(event=Event.LOGIN_FAILURE).exists()


def test_the_smartcard_page_has_the_documents_labels(client, parallel_run):
    page = client.get("/login/smartcard/").text
    for label in ("Please insert your smartcard and enter your password", "PASSWORD", "Logon",
                  "Refresh", "Smartcard"):
        assert label in page


def test_a_smartcard_logon_leads_to_the_terminal(client, parallel_run, card_holder):
    response = logon(client)
    assert response.status_code == 302 and response.url == "/home/"
    assert client.get("/home/").status_code == 200
    record = AuditRecord.objects.get(event=Event.LOGIN_SUCCESS)
    assert record.details == {"channel": "SMARTCARD"}


def test_a_da_logs_on_to_dms_with_the_smartcard(client, parallel_run, participant):
    make_user(participant, "B01234X1", role=DARole.MAKER, smartcard_srn="0101101200099XX1",
              smartcard_password=make_password(PIN))
    response = logon(client, srn="0101101200099XX1", url="/dms/login/smartcard/")
    assert response.status_code == 302 and response.url == "/dms/home/"
    assert "Logon Success" in client.get("/dms/home/").text


def test_wrong_smartcard_passwords_count_towards_the_same_lockout(client, parallel_run,
                                                                  card_holder):
    for _ in range(4):
        assert "Invalid smartcard or password" in logon(client, pin="87654321").text
    # The fifth failure may come from the 2FA login: one count for both ways in (SPEC A3).
    client.post("/login/", {"user_id": "B0123401", "password": "Wrong-Password99!"})
    assert User.objects.get(pk=card_holder.pk).is_locked
    assert LoginFailure.objects.filter(user=card_holder, reason="SMARTCARD").count() == 4
    response = logon(client)
    assert "Your account has been locked" in response.text
    assert "_auth_user_id" not in client.session


def test_an_unknown_card_is_answered_like_a_wrong_password(client, parallel_run, card_holder):
    unknown = logon(client, srn="0101101200000ZZ9").text
    wrong = logon(type(client)(), pin="87654321").text
    assert "Invalid smartcard or password" in unknown and "Invalid smartcard or password" in wrong


def test_after_decommissioning_the_smartcard_is_refused(client, card_holder):
    arrangement(-90, -1)
    response = logon(client)
    assert "the smartcard has been decommissioned" in response.text
    assert "_auth_user_id" not in client.session
    assert not LoginFailure.objects.exists()


def test_a_profile_created_after_the_launch_has_no_smartcard(client, parallel_run, end_user):
    response = logon(client, srn="")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_disabled_profile_cannot_log_on(client, parallel_run, card_holder):
    User.objects.filter(pk=card_holder.pk).update(status="DISABLED")
    response = logon(client)
    assert "This User ID is disabled" in response.text
    assert "_auth_user_id" not in client.session

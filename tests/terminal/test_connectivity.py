"""SPEC S3 (Appendix B): connectivity test windows scheduled by HKEX staff. Open whatever the
operation hours: logins work and 2FA set up then is kept; terminal functions, overnight reports
and DMS maintenance do not."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import DARole, LoginFailure
from dms import services as dms
from dms.models import MaintenanceRequest
from terminal.models import ConnectivityTestWindow
from terminal.schedule import CONNECTIVITY_TEST_NOTICE, connectivity_test_now
from tests.conftest import STRONG_PASSWORD, make_user
from tests.dms.conftest import PROFILE
from tests.helpers import app_code, last_email_code, register_app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hours_on", "windows")]

HKT = ZoneInfo("Asia/Hong_Kong")
NEW_PASSWORD = "Brand-New9Password!"
REFUSED = "During the connectivity test, security management functions are not available."


@pytest.fixture
def hours_on(settings):
    settings.CCASS_ENFORCE_OPERATION_HOURS = True


def at(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=HKT)


def frozen(*when):
    return time_machine.travel(at(*when), tick=False)


@pytest.fixture
def windows(db):
    """As on Saturday 10 June 2023, two days before the 2FA launch (the default arrangement)."""
    return [ConnectivityTestWindow.objects.create(starts_at=at(2023, 6, 10, 18),
                                                  ends_at=at(2023, 6, 10, 20), note="Session 1"),
            ConnectivityTestWindow.objects.create(starts_at=at(2023, 6, 10, 22),
                                                  ends_at=at(2023, 6, 10, 23), note="Session 2")]


def log_in(client, user_id="B0123401", password=STRONG_PASSWORD, url="/login/"):
    return client.post(url, {"user_id": user_id, "password": password, "function": "online"},
                       follow=True)


def test_it_knows_when_a_window_is_on():
    for when, on in [((18, 0), True), ((19, 59), True), ((20, 0), False), ((21, 0), False),
                     ((22, 0), True), ((23, 0), False)]:
        with frozen(2023, 6, 10, *when):
            assert connectivity_test_now() is on, when


def test_in_a_window_on_a_saturday_evening_the_landing_page_offers_the_otp_login(client):
    with frozen(2023, 6, 10, 18, 30):
        page = client.get("/").text
    assert "is closed" not in page
    assert "Login with OTP - Online Functions" in page  # before the launch, for the test
    with frozen(2023, 6, 10, 20, 30):
        page = client.get("/").text
    assert "CCASS/CCMS Terminal is closed. It opens on Saturday 10-Jun-2023 at 22:00 HKT." in page


def test_a_first_time_set_up_in_the_window_still_works_the_next_business_day(
        client, participant, mailoutbox):
    with frozen(2023, 6, 10, 18, 30) as traveller:
        newcomer = make_user(participant, "B0123401", password=None,
                             smartcard_srn="0101101200012AB2")
        client.post("/login/reset/", {"user_id": "B0123401", "portal": "terminal"})
        client.post("/login/reset/otp/", {"otp": last_email_code(mailoutbox)})
        response = client.post("/login/reset/password/",
                               {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
        assert "Your password has been successfully reset." in response.text
        assert log_in(client, password=NEW_PASSWORD).redirect_chain[-1][0] == "/login/setup/"
        page = client.get("/login/setup/register/").text
        key = re.search(r'data-key="([A-Z2-7]+)"', page).group(1)
        response = client.post("/login/setup/verify/", {"otp": app_code(None, key_b32=key)},
                               follow=True)
        assert response.redirect_chain[-1][0] == "/home/"
        assert CONNECTIVITY_TEST_NOTICE in response.text
        client.post("/logout/")
        # Monday 12 June 2023, the launch day: the password and the device are kept.
        traveller.move_to(at(2023, 6, 12, 9, 0))
        assert log_in(client, password=NEW_PASSWORD).redirect_chain[-1][0] == "/login/otp/"
        response = client.post("/login/otp/", {"otp": app_code(newcomer)}, follow=True)
    assert response.redirect_chain[-1][0] == "/home/"
    assert "Login Success" in response.text
    assert CONNECTIVITY_TEST_NOTICE not in response.text


def test_the_terminal_home_shows_the_connectivity_notice(client, participant):
    with frozen(2023, 6, 10, 22, 15):
        user = make_user(participant, "B0123401")
        register_app(user)
        log_in(client)
        response = client.post("/login/otp/", {"otp": app_code(user)}, follow=True)
    assert response.redirect_chain[-1][0] == "/home/"
    assert CONNECTIVITY_TEST_NOTICE in response.text
    assert "Function not available" in response.text


def test_the_session_ends_with_the_window_when_the_terminal_is_closed(client, participant):
    with frozen(2023, 6, 10, 19, 59) as traveller:
        user = make_user(participant, "B0123401")
        register_app(user)
        log_in(client)
        assert client.post("/login/otp/", {"otp": app_code(user)}).url == "/home/"
        traveller.move_to(at(2023, 6, 10, 20, 1))
        response = client.get("/home/", follow=True)
    assert response.redirect_chain[0][0] == "/login/"
    assert "The operation hours have ended and you have been logged out." in response.text


def test_dms_maintenance_is_refused_in_the_window(client, participant):
    with frozen(2023, 6, 10, 18, 30):
        maker = make_user(participant, "B01234X1", role=DARole.MAKER)
        register_app(maker)
        log_in(client, "B01234X1", url="/dms/login/")
        assert client.post("/login/otp/", {"otp": app_code(maker)}).url == "/dms/home/"
        assert client.get("/dms/home/").status_code == 200  # the login itself works
        response = client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123405"})
    assert REFUSED in response.text
    assert not MaintenanceRequest.objects.exists()


def test_a_checker_cannot_authorise_in_the_window_and_is_not_counted(participant):
    maker = make_user(participant, "B01234X1", role=DARole.MAKER,
                      clearing_house_options=[participant.clearing_house])
    checker = make_user(participant, "B01234X2", role=DARole.CHECKER)
    register_app(checker)
    with frozen(2023, 6, 10, 12, 0) as traveller:  # Saturday morning, before the test
        req = dms.request_create(maker=maker, username="B0123405", values=PROFILE)
        traveller.move_to(at(2023, 6, 10, 18, 30))
        with pytest.raises(dms.DmsRefused, match=REFUSED):
            dms.request_approve(req_id=req.pk, checker_id="B01234X2",
                                authorisation_code="Wrong-Password99!")
        with pytest.raises(dms.DmsRefused, match=REFUSED):
            dms.request_delete(maker=maker, subject=checker)
    assert not LoginFailure.objects.exists()
    req.refresh_from_db()
    assert req.status == "PENDING"

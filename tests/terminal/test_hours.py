"""SPEC S2: operation hours (HKT) of the terminal and DMS, Hong Kong public holidays, special
closures and openings; outside the hours the pages say so and no login step works."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.audit import Event
from accounts.models import AuditRecord, DARole, LoginChallenge, LoginFailure
from terminal.models import ScheduledService, SpecialHours
from terminal.schedule import closed_notice, is_public_holiday, service_state
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import app_code, register_app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hours_on")]

HKT = ZoneInfo("Asia/Hong_Kong")
TERMINAL, DMS, BOTH = ScheduledService.TERMINAL, ScheduledService.DMS, ScheduledService.BOTH
TERMINAL_CLOSED = "CCASS/CCMS Terminal is closed."
DMS_CLOSED = "Security Management Functions (DMS) are closed."
LOGGED_OUT = "The operation hours have ended and you have been logged out."


@pytest.fixture
def hours_on(settings):
    settings.CCASS_ENFORCE_OPERATION_HOURS = True


def at(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=HKT)


def frozen(*when):
    return time_machine.travel(at(*when), tick=False)


def state(service, *when):
    with frozen(*when):
        return service_state(service)


def special(kind, service, start, end, reason="Typhoon signal No. 8"):
    return SpecialHours.objects.create(kind=kind, service=service, starts_at=at(*start),
                                       ends_at=at(*end), reason=reason)


# --- the weekly hours ---------------------------------------------------------------------------


def test_it_opens_the_terminal_at_07_00_on_a_weekday(client):
    # Tuesday 1 December 2026
    assert state(TERMINAL, 2026, 12, 1, 6, 59) == (False, at(2026, 12, 1, 7), False)
    with frozen(2026, 12, 1, 6, 59):
        page = client.get("/").text
    assert f"{TERMINAL_CLOSED} It opens on Tuesday 01-Dec-2026 at 07:00 HKT." in page
    assert state(TERMINAL, 2026, 12, 1, 7, 0) == (True, None, False)
    with frozen(2026, 12, 1, 7, 0):
        assert TERMINAL_CLOSED not in client.get("/").text


def test_it_closes_the_terminal_at_21_30():
    assert state(TERMINAL, 2026, 12, 1, 21, 29).open
    assert state(TERMINAL, 2026, 12, 1, 21, 30) == (False, at(2026, 12, 2, 7), False)


def test_it_keeps_dms_open_07_00_to_19_00_on_a_weekday():
    assert not state(DMS, 2026, 12, 1, 6, 59).open
    assert state(DMS, 2026, 12, 1, 7, 0).open
    assert state(DMS, 2026, 12, 1, 18, 59).open
    assert state(DMS, 2026, 12, 1, 19, 0) == (False, at(2026, 12, 2, 7), False)


def test_on_a_saturday_only_dms_opens_09_00_to_13_00(client):
    # Saturday 5 December 2026
    assert state(DMS, 2026, 12, 5, 8, 59) == (False, at(2026, 12, 5, 9), False)
    assert state(DMS, 2026, 12, 5, 9, 0).open
    assert state(DMS, 2026, 12, 5, 12, 59).open
    assert state(DMS, 2026, 12, 5, 13, 0) == (False, at(2026, 12, 7, 7), False)
    assert state(TERMINAL, 2026, 12, 5, 10, 0) == (False, at(2026, 12, 7, 7), False)
    with frozen(2026, 12, 5, 10, 0):
        terminal, dms = client.get("/").text, client.get("/dms/").text
    assert f"{TERMINAL_CLOSED} It opens on Monday 07-Dec-2026 at 07:00 HKT." in terminal
    assert DMS_CLOSED not in dms


def test_on_a_sunday_both_are_closed(client):
    # Sunday 6 December 2026
    assert state(TERMINAL, 2026, 12, 6, 12, 0) == (False, at(2026, 12, 7, 7), False)
    assert state(DMS, 2026, 12, 6, 12, 0) == (False, at(2026, 12, 7, 7), False)
    with frozen(2026, 12, 6, 12, 0):
        page = client.get("/dms/").text
    assert f"{DMS_CLOSED} They open on Monday 07-Dec-2026 at 07:00 HKT." in page


# --- Hong Kong public holidays ------------------------------------------------------------------


def test_christmas_day_is_closed_and_the_next_opening_skips_the_holidays_and_the_weekend():
    # Friday 25 December 2026 (Christmas Day), Saturday 26 (the first weekday after Christmas).
    assert is_public_holiday(dt.date(2026, 12, 25)) and is_public_holiday(dt.date(2026, 12, 26))
    assert not state(TERMINAL, 2026, 12, 25, 10, 0).open
    assert state(DMS, 2026, 12, 26, 10, 0) == (False, at(2026, 12, 28, 7), False)
    with frozen(2026, 12, 24, 21, 30):  # Thursday evening
        assert closed_notice(TERMINAL) == (
            f"{TERMINAL_CLOSED} It opens on Monday 28-Dec-2026 at 07:00 HKT.")


def test_lunar_new_year_2027_is_closed():
    # Saturday 6 February 2027 (the first day) to Tuesday 9 (the fourth day, in lieu).
    assert not state(DMS, 2027, 2, 6, 10, 0).open
    assert not state(TERMINAL, 2027, 2, 8, 10, 0).open
    assert state(TERMINAL, 2027, 2, 5, 21, 30) == (False, at(2027, 2, 10, 7), False)
    assert state(DMS, 2027, 2, 5, 19, 0) == (False, at(2027, 2, 10, 7), False)
    assert state(TERMINAL, 2027, 2, 10, 7, 0).open


# --- special closures and openings --------------------------------------------------------------


def test_a_special_closure_closes_a_weekday_afternoon():
    special(SpecialHours.Kind.CLOSURE, BOTH, (2026, 12, 1, 14, 0), (2026, 12, 2, 0, 0))
    assert state(TERMINAL, 2026, 12, 1, 13, 59).open
    assert state(TERMINAL, 2026, 12, 1, 14, 0) == (False, at(2026, 12, 2, 7), False)
    assert not state(DMS, 2026, 12, 1, 15, 0).open


def test_the_service_reopens_when_a_closure_ends_within_its_hours():
    special(SpecialHours.Kind.CLOSURE, TERMINAL, (2026, 12, 1, 6, 0), (2026, 12, 1, 12, 30))
    assert state(TERMINAL, 2026, 12, 1, 9, 0) == (False, at(2026, 12, 1, 12, 30), False)
    assert state(TERMINAL, 2026, 12, 1, 12, 30).open
    assert state(DMS, 2026, 12, 1, 9, 0).open  # the closure is the terminal's only


def test_a_special_opening_opens_a_saturday_and_is_the_next_opening():
    special(SpecialHours.Kind.OPENING, TERMINAL, (2026, 12, 5, 9, 0), (2026, 12, 5, 17, 0),
            reason="Special Saturday opening")
    assert state(TERMINAL, 2026, 12, 4, 21, 30) == (False, at(2026, 12, 5, 9), False)
    assert state(TERMINAL, 2026, 12, 5, 16, 59).open
    assert not state(TERMINAL, 2026, 12, 5, 17, 0).open
    assert not state(DMS, 2026, 12, 5, 14, 0).open  # DMS keeps its 09:00-13:00


def test_a_closure_wins_over_an_opening():
    special(SpecialHours.Kind.OPENING, BOTH, (2026, 12, 6, 9, 0), (2026, 12, 6, 17, 0))
    special(SpecialHours.Kind.CLOSURE, BOTH, (2026, 12, 6, 12, 0), (2026, 12, 6, 14, 0))
    assert state(TERMINAL, 2026, 12, 6, 11, 0).open
    assert state(TERMINAL, 2026, 12, 6, 12, 0) == (False, at(2026, 12, 6, 14), False)


def test_the_switch_turns_the_hours_off(settings, client):
    settings.CCASS_ENFORCE_OPERATION_HOURS = False
    with frozen(2026, 12, 6, 3, 0):
        assert closed_notice(TERMINAL) is None
        assert TERMINAL_CLOSED not in client.get("/login/").text


# --- no login step works outside the hours -------------------------------------------------------


def log_in(client, user_id="B0123401", password=STRONG_PASSWORD, url="/login/"):
    return client.post(url, {"user_id": user_id, "password": password, "function": "online"},
                       follow=True)


def test_a_login_outside_hours_is_refused_before_the_password_is_checked(
        client, participant, mailoutbox):
    with frozen(2026, 12, 6, 12, 0):
        make_user(participant, "B0123401")
        page = client.get("/login/").text
        assert "It opens on Monday 07-Dec-2026 at 07:00 HKT." in page
        assert 'name="password"' not in page  # no step is offered
        for password in (STRONG_PASSWORD, "Wrong-Password99!"):
            response = log_in(client, password=password)
            assert response.redirect_chain[-1][0] == "/login/"
            assert f"{TERMINAL_CLOSED} It opens on Monday 07-Dec-2026 at 07:00 HKT." in (
                response.text)
        reset = client.post("/login/reset/", {"user_id": "B0123401", "portal": "terminal"},
                            follow=True)
        assert TERMINAL_CLOSED in reset.text
    assert not AuditRecord.objects.exists()  # no password check, no reset recorded
    assert not LoginFailure.objects.exists() and not LoginChallenge.objects.exists()
    assert not mailoutbox
    assert "_auth_user_id" not in client.session


def test_a_half_login_at_closing_time_goes_no_further(client, participant):
    with frozen(2026, 12, 1, 21, 29) as traveller:
        user = make_user(participant, "B0123401")
        register_app(user)
        assert log_in(client).redirect_chain[-1][0] == "/login/otp/"
        traveller.move_to(at(2026, 12, 1, 21, 30))
        response = client.post("/login/otp/", {"otp": app_code(user)}, follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert TERMINAL_CLOSED in response.text
    assert "_auth_user_id" not in client.session
    assert not AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS).exists()


def test_dms_login_follows_the_dms_hours(client, participant):
    with frozen(2026, 12, 5, 10, 0) as traveller:  # Saturday morning: DMS open
        maker = make_user(participant, "B01234X1", role=DARole.MAKER)
        register_app(maker)
        assert log_in(client, "B01234X1", url="/dms/login/").redirect_chain[-1][0] == (
            "/login/otp/")
        traveller.move_to(at(2026, 12, 5, 13, 0))
        response = log_in(client, "B01234X1", url="/dms/login/")
    assert response.redirect_chain[-1][0] == "/dms/login/"
    assert f"{DMS_CLOSED} They open on Monday 07-Dec-2026 at 07:00 HKT." in response.text


def test_a_session_still_open_at_closing_time_ends_at_its_next_request(client, participant):
    with frozen(2026, 12, 1, 21, 29) as traveller:
        user = make_user(participant, "B0123401")
        register_app(user)
        log_in(client)
        assert client.post("/login/otp/", {"otp": app_code(user)}).url == "/home/"
        assert client.get("/home/").status_code == 200
        traveller.move_to(at(2026, 12, 1, 21, 31))
        response = client.get("/home/", follow=True)
    assert response.redirect_chain[0][0] == "/login/"
    assert LOGGED_OUT in response.text
    assert f"{TERMINAL_CLOSED} It opens on Wednesday 02-Dec-2026 at 07:00 HKT." in response.text
    assert "_auth_user_id" not in client.session
    record = AuditRecord.objects.filter(event=Event.LOGOUT, subject=user).get()
    assert record.reason == "operation hours ended"


def test_a_dms_session_ends_at_19_00(client, participant):
    with frozen(2026, 12, 1, 18, 59) as traveller:
        maker = make_user(participant, "B01234X1", role=DARole.MAKER)
        register_app(maker)
        log_in(client, "B01234X1", url="/dms/login/")
        assert client.post("/login/otp/", {"otp": app_code(maker)}).url == "/dms/home/"
        traveller.move_to(at(2026, 12, 1, 19, 0))
        response = client.get("/dms/home/", follow=True)
    assert response.redirect_chain[0][0] == "/dms/login/"
    assert LOGGED_OUT in response.text and DMS_CLOSED in response.text


# --- not bound by the hours ---------------------------------------------------------------------


def test_client_connect_is_not_bound_by_the_hours(client, participant):
    from tests.eservices.conftest import connect_user

    with frozen(2026, 12, 6, 3, 0):  # Sunday night
        connect_user(participant, "cc.maker@abc-securities.example", "MAKER")
        page = client.get("/connect/login/").text
        assert "is closed" not in page and 'name="password"' in page
        response = log_in(client, "cc.maker@abc-securities.example", url="/connect/login/")
    # The password was checked and the login goes on to its OTP step, as at any hour.
    assert response.redirect_chain[-1][0] == "/login/setup/"


def test_the_admin_is_not_bound_by_the_hours(client, admin_user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with frozen(2026, 12, 25, 3, 0):  # Christmas Day, at night
        device = TOTPDevice.objects.create(user=admin_user, name="staff", confirmed=True)
        client.force_login(admin_user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        assert client.get("/admin/").status_code == 200
        response = client.post("/admin/terminal/specialhours/add/", {
            "kind": "CLOSURE", "service": "BOTH", "starts_at_0": "2026-12-28",
            "starts_at_1": "14:00", "ends_at_0": "2026-12-28", "ends_at_1": "23:59",
            "reason": "Typhoon signal No. 8",
        })
    assert response.status_code == 302, response.text
    closure = SpecialHours.objects.get()
    assert closure.starts_at == at(2026, 12, 28, 14, 0)  # entered as Hong Kong time
    record = AuditRecord.objects.get(event=Event.ADMIN_ACTION)
    assert record.outcome == "ADDED" and "Special closure" in record.reason
    with frozen(2026, 12, 25, 3, 5):
        response = client.post(f"/admin/terminal/specialhours/{closure.pk}/delete/",
                               {"post": "yes"})
    assert response.status_code == 302 and not SpecialHours.objects.exists()
    deleted = AuditRecord.objects.get(event=Event.ADMIN_ACTION, outcome="DELETED")
    assert deleted.before["reason"] == "Typhoon signal No. 8"


def test_a_smartcard_logon_outside_hours_is_refused(client, participant):
    from django.contrib.auth.hashers import make_password

    with frozen(2023, 8, 6, 12, 0):  # a Sunday of the parallel run (SPEC S1, L10)
        make_user(participant, "B0123401", smartcard_srn="0101101200012AB2",
                  smartcard_password=make_password("12345678"))
        assert "is closed" in client.get("/login/smartcard/").text
        response = client.post("/login/smartcard/", {"srn": "0101101200012AB2",
                                                     "password": "12345678"}, follow=True)
    assert TERMINAL_CLOSED in response.text
    assert "_auth_user_id" not in client.session
    assert not AuditRecord.objects.exists()

"""SPEC A4: User Status and the Enable From / Disable After window decide who may log in."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.audit import Event
from accounts.models import AuditRecord, LoginFailure, UserStatus
from accounts.services import PasswordOutcome, authenticate_password, login_eligibility_problem
from tests.conftest import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def hk(y, m, d, hh=12, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo("Asia/Hong_Kong"))


def test_an_enabled_user_inside_the_window_may_log_in(end_user):
    end_user.enable_from, end_user.disable_after = date(2026, 1, 1), date(2026, 12, 31)
    assert login_eligibility_problem(end_user, now=hk(2026, 1, 1, 0, 1)) is None
    assert login_eligibility_problem(end_user, now=hk(2026, 12, 31, 23, 59)) is None


def test_the_window_is_read_in_hong_kong_dates(end_user):
    end_user.disable_after = date(2026, 12, 31)
    # 2026-12-31 17:00 UTC is already 1 January 2027 in Hong Kong.
    utc_evening = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert "disabled after 31-Dec-2026" in login_eligibility_problem(end_user, now=utc_evening)


def test_before_enable_from_the_user_cannot_log_in(end_user):
    end_user.enable_from = date(2026, 12, 1)
    assert "enabled from 01-Dec-2026" in login_eligibility_problem(end_user, now=hk(2026, 11, 30))


def test_a_disabled_user_cannot_log_in(end_user):
    end_user.status = UserStatus.DISABLED
    end_user.save(update_fields=["status"])
    result = authenticate_password(username="B0123401", password=STRONG_PASSWORD)
    assert result.outcome is PasswordOutcome.NOT_ELIGIBLE
    assert "disabled" in result.message
    assert AuditRecord.objects.filter(event=Event.LOGIN_FAILURE, subject=end_user).exists()
    # A right password on a disabled profile is not a wrong password: nothing is counted.
    assert not LoginFailure.objects.filter(user=end_user).exists()


def test_a_disabled_user_with_a_wrong_password_gets_the_wrong_password_answer(end_user):
    end_user.status = UserStatus.DISABLED
    end_user.save(update_fields=["status"])
    result = authenticate_password(username="B0123401", password="Wrong-Password99!")
    assert result.outcome is PasswordOutcome.INVALID
    assert LoginFailure.objects.filter(user=end_user).count() == 1


def test_a_deleted_profile_reads_as_unknown(end_user):
    end_user.is_active = False
    end_user.save(update_fields=["is_active"])
    result = authenticate_password(username="B0123401", password=STRONG_PASSWORD)
    assert result.outcome is PasswordOutcome.INVALID
    assert result.user is None

"""SPEC A3: 5 counted failures within 30 minutes lock; 3 wrong OTPs count as 1; success resets."""

import pytest

from accounts.audit import Event
from accounts.models import AuditRecord, LoginFailure, User
from accounts.services import (
    INVALID_CREDENTIALS_MESSAGE,
    LOCKED_MESSAGE,
    LOCKED_MESSAGE_DA,
    PasswordOutcome,
    authenticate_password,
    login_success_record,
    otp_failure_record,
    user_unlock,
)
from tests.conftest import STRONG_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Wrong-Password99!"


def wrong_password(user, times=1):
    for _ in range(times):
        result = authenticate_password(username=user.username, password=WRONG, source_ip="10.0.0.1")
    return result


def reload(user):
    return User.objects.get(pk=user.pk)


def test_it_locks_on_the_fifth_wrong_password(end_user, clock):
    result = wrong_password(end_user, 4)
    assert result.outcome is PasswordOutcome.INVALID
    assert not reload(end_user).is_locked

    result = wrong_password(end_user)
    # The attempt that locks still reads as a wrong password ...
    assert result.message == INVALID_CREDENTIALS_MESSAGE
    assert reload(end_user).is_locked
    # ... and from the next attempt on, whatever is typed, the locked message shows.
    result = authenticate_password(username="B0123401", password=STRONG_PASSWORD)
    assert result.outcome is PasswordOutcome.LOCKED
    assert result.message == LOCKED_MESSAGE
    assert AuditRecord.objects.filter(event=Event.ACCOUNT_LOCKED, subject=end_user).count() == 1


def test_it_resets_the_count_after_a_successful_login(end_user, clock):
    wrong_password(end_user, 4)
    result = authenticate_password(username="B0123401", password=STRONG_PASSWORD)
    assert result.ok
    assert login_success_record(user=result.user, channel="TOTP")
    clock.advance(seconds=1)
    wrong_password(end_user, 4)
    assert not reload(end_user).is_locked
    wrong_password(end_user)
    assert reload(end_user).is_locked


def test_a_correct_password_alone_does_not_reset_the_count(end_user, clock):
    wrong_password(end_user, 4)
    assert authenticate_password(username="B0123401", password=STRONG_PASSWORD).ok
    wrong_password(end_user)
    assert reload(end_user).is_locked


def test_three_wrong_otps_count_as_one_failure(end_user, clock):
    wrong_password(end_user, 2)
    for _ in range(8):
        otp_failure_record(user=end_user)
    # 2 passwords + 2 full OTP triples = 4 counted; the 2 OTPs of the third triple do not count.
    assert LoginFailure.objects.filter(user=end_user).count() == 4
    assert not reload(end_user).is_locked
    assert otp_failure_record(user=end_user) is True
    assert reload(end_user).is_locked
    reasons = list(LoginFailure.objects.filter(user=end_user).values_list("reason", flat=True))
    assert sorted(reasons) == ["OTP", "OTP", "OTP", "PASSWORD", "PASSWORD"]


def test_a_successful_login_resets_the_otp_streak(end_user, clock):
    otp_failure_record(user=end_user)
    otp_failure_record(user=end_user)
    login_success_record(user=end_user)
    otp_failure_record(user=end_user)
    otp_failure_record(user=end_user)
    assert LoginFailure.objects.filter(user=end_user).count() == 0


def test_failures_older_than_30_minutes_do_not_count(end_user, clock):
    wrong_password(end_user, 4)
    clock.advance(minutes=30, seconds=1)
    wrong_password(end_user, 4)
    assert not reload(end_user).is_locked
    wrong_password(end_user)
    assert reload(end_user).is_locked


def test_five_failures_spread_over_just_under_30_minutes_lock(end_user, clock):
    for _ in range(5):
        wrong_password(end_user)
        clock.advance(minutes=7)
    assert reload(end_user).is_locked


def test_a_locked_account_stays_locked_after_30_minutes(end_user, clock):
    wrong_password(end_user, 5)
    clock.advance(hours=6)
    result = authenticate_password(username="B0123401", password=STRONG_PASSWORD)
    assert result.outcome is PasswordOutcome.LOCKED
    assert reload(end_user).is_locked
    assert login_success_record(user=end_user) is False


def test_attempts_on_a_locked_account_are_not_counted_further(end_user, clock):
    wrong_password(end_user, 5)
    wrong_password(end_user, 3)
    otp_failure_record(user=end_user)
    assert LoginFailure.objects.filter(user=end_user).count() == 5


def test_only_an_administrator_unlocks(end_user, clock, django_user_model):
    staff = django_user_model.objects.create_user("OPS1", "Ops-Staff-Passw0rd!", is_staff=True)
    wrong_password(end_user, 5)
    assert user_unlock(target=end_user, actor=staff)
    assert not reload(end_user).is_locked
    assert authenticate_password(username="B0123401", password=STRONG_PASSWORD).ok
    record = AuditRecord.objects.get(event=Event.ACCOUNT_UNLOCKED)
    assert (record.actor, record.subject) == (staff, end_user)
    # Unlocking starts a clean count: 4 new failures do not lock.
    wrong_password(end_user, 4)
    assert not reload(end_user).is_locked


def test_a_locked_da_is_told_to_use_eservice_da3(maker, clock):
    wrong_password(maker, 5)
    result = authenticate_password(username="B01234X1", password=STRONG_PASSWORD)
    assert result.message == LOCKED_MESSAGE_DA


def test_an_unknown_user_id_gets_the_wrong_password_answer(end_user):
    unknown = authenticate_password(username="B0123499", password=WRONG)
    wrong = authenticate_password(username="B0123401", password=WRONG)
    assert (unknown.outcome, unknown.message) == (wrong.outcome, wrong.message)
    assert unknown.user is None
    assert AuditRecord.objects.filter(event=Event.LOGIN_FAILURE, reason="unknown User ID").exists()


def test_a_profile_without_a_password_gets_the_wrong_password_answer(participant):
    from tests.conftest import make_user

    make_user(participant, "B0123405", password=None)
    result = authenticate_password(username="B0123405", password="")
    assert result.message == INVALID_CREDENTIALS_MESSAGE


def test_the_user_id_is_matched_in_any_case(end_user):
    assert authenticate_password(username="b0123401", password=STRONG_PASSWORD).ok


def test_absurdly_long_input_is_refused_and_counted(end_user):
    result = authenticate_password(username="B0123401", password="x" * 100_000)
    assert result.outcome is PasswordOutcome.INVALID
    assert LoginFailure.objects.filter(user=end_user).count() == 1


def test_the_three_cases_take_about_the_same_time(end_user, participant):
    """SPEC L9: unknown User ID, wrong password and locked account each cost one Argon2 hash.

    Each path is checked to be the one it claims (an unknown ID has no user; the wrong password
    is counted against an existing profile; the locked one answers "locked"), so the timings
    compare three different paths, never one path twice.
    """
    import time

    from tests.conftest import make_user

    locked = make_user(participant, "B0123409")
    wrong_password(locked, 5)

    def cost(username):
        start = time.perf_counter()
        for _ in range(3):
            result = authenticate_password(username=username, password=WRONG)
        return time.perf_counter() - start, result

    cost("B0123499")  # warm-up: the first unknown User ID makes the dummy hash (cached)
    unknown, unknown_result = cost("B0123499")
    wrong, wrong_result = cost(end_user.username)
    locked_cost, locked_result = cost(locked.username)
    assert unknown_result.user is None
    assert wrong_result.user == end_user and wrong_result.outcome is PasswordOutcome.INVALID
    assert LoginFailure.objects.filter(user=end_user).count() == 3  # the real wrong-password path
    assert locked_result.outcome is PasswordOutcome.LOCKED
    # Same status and text for the unknown ID and the wrong password ...
    assert (unknown_result.outcome, unknown_result.message) == (
        wrong_result.outcome, wrong_result.message)
    # ... and about the same time for all three.
    fastest, slowest = min(unknown, wrong, locked_cost), max(unknown, wrong, locked_cost)
    assert slowest < fastest * 2.5, (unknown, wrong, locked_cost)


def test_a_wrong_otp_on_a_locked_account_is_recorded_not_counted(end_user):
    """SPEC A3, R1: every attempt leaves one record, counted or not."""
    from accounts.audit import Event
    from accounts.models import AuditRecord, LoginFailure, User
    from accounts.services import REFUSED_LOCKED, otp_failure_record

    User.objects.filter(pk=end_user.pk).update(is_locked=True)
    assert otp_failure_record(user=end_user) is False
    record = AuditRecord.objects.get(event=Event.OTP_FAILURE, subject=end_user)
    assert record.reason == REFUSED_LOCKED
    assert not LoginFailure.objects.filter(user=end_user).exists()
    assert User.objects.get(pk=end_user.pk).otp_failure_streak == 0

"""SPEC A3 under concurrent requests, on PostgreSQL with real row locks."""


import pytest

from accounts.audit import Event, verify_chain
from accounts.models import AuditRecord, LoginFailure, User
from accounts.services import (
    PasswordOutcome,
    authenticate_password,
    login_success_record,
    otp_failure_record,
)
from tests.conftest import STRONG_PASSWORD
from tests.helpers import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_thirty_concurrent_wrong_passwords_lock_with_exactly_five_counted(end_user):
    results = run_at_once(
        30,
        lambda i: authenticate_password(
            username="B0123401", password=f"Wrong-Password{i:02d}!", source_ip="10.0.0.9"
        ),
    )
    user = User.objects.get(pk=end_user.pk)
    assert user.is_locked
    assert LoginFailure.objects.filter(user=user).count() == 5
    assert all(r.outcome in (PasswordOutcome.INVALID, PasswordOutcome.LOCKED) for r in results)
    assert not any(r.ok for r in results)
    assert AuditRecord.objects.filter(event=Event.ACCOUNT_LOCKED, subject=user).count() == 1
    # The right password after that sees the locked message and cannot complete a login.
    after = authenticate_password(username="B0123401", password=STRONG_PASSWORD)
    assert after.outcome is PasswordOutcome.LOCKED
    assert login_success_record(user=user) is False
    # Thirty writers appended to the audit chain without forking it.
    assert verify_chain().ok


def test_concurrent_wrong_otps_count_one_failure_per_three(end_user):
    run_at_once(12, lambda i: otp_failure_record(user=end_user))
    assert LoginFailure.objects.filter(user=end_user, reason="OTP").count() == 4
    assert User.objects.get(pk=end_user.pk).otp_failure_streak == 0
    assert not User.objects.get(pk=end_user.pk).is_locked


def test_a_success_racing_wrong_passwords_never_loses_a_count(end_user):
    """Four wrong passwords and one completed login at once: afterwards the count is coherent."""

    def work(i):
        if i == 0:
            return login_success_record(user=end_user)
        return authenticate_password(username="B0123401", password="Wrong-Password00!")

    run_at_once(5, work)
    user = User.objects.get(pk=end_user.pk)
    assert not user.is_locked
    counted = LoginFailure.objects.filter(user=user, at__gt=user.failures_reset_at).count()
    # Exactly the failures after the reset still count: one more wrong password each locks
    # only when they reach five.
    for _ in range(5 - counted - 1):
        authenticate_password(username="B0123401", password="Wrong-Password00!")
    assert not User.objects.get(pk=end_user.pk).is_locked
    authenticate_password(username="B0123401", password="Wrong-Password00!")
    assert User.objects.get(pk=end_user.pk).is_locked


def test_every_racing_attempt_leaves_exactly_one_audit_record(end_user):
    """Issue 10, defect 5: attempts that lose the race to the lock are recorded too.

    Thirty wrong passwords at once: five are counted (the fifth locks), and each of the other
    25 leaves a LOGIN_FAILURE saying it was refused because the account was locked when its
    turn came, whether it saw the lock before or under the row lock.
    """
    run_at_once(
        30,
        lambda i: authenticate_password(
            username="B0123401", password=f"Wrong-Password{i:02d}!", source_ip="10.0.0.9"
        ),
    )
    user = User.objects.get(pk=end_user.pk)
    failures = AuditRecord.objects.filter(event=Event.LOGIN_FAILURE, subject=user)
    assert failures.count() == 30
    assert LoginFailure.objects.filter(user=user).count() == 5
    assert failures.exclude(reason="refused: locked").count() == 5
    assert failures.filter(reason="refused: locked").count() == 25
    assert AuditRecord.objects.filter(event=Event.ACCOUNT_LOCKED, subject=user).count() == 1
    assert verify_chain().ok

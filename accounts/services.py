"""Password checks, lockout and login eligibility (SPEC A2-A4): the one place they are decided.

Counts live in the database and change only under a row lock on the user
(``select_for_update``), so concurrent attempts cannot lose or double a count.
"""

import enum
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .audit import Event, record_event
from .emails import queue_da_notice, queue_security_email
from .models import LoginFailure, User, UserStatus

#: SPEC L2/A3 wording shown to the person at "LOG IN".
INVALID_CREDENTIALS_MESSAGE = "Invalid User ID or Password. Please try again."
LOCKED_MESSAGE = (
    "Your account has been locked after too many unsuccessful attempts. "
    "Please contact your Delegated Administrator to unlock it."
)
LOCKED_MESSAGE_DA = (
    "Your account has been locked after too many unsuccessful attempts. "
    "Please ask your firm to submit eService DA3 to HKEX to unlock it."
)


class PasswordOutcome(enum.Enum):
    OK = "OK"
    INVALID = "INVALID"
    LOCKED = "LOCKED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"


@dataclass(frozen=True)
class PasswordCheck:
    outcome: PasswordOutcome
    user: User | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is PasswordOutcome.OK


@cache
def _dummy_hash() -> str:
    # A real Argon2 hash, so an unknown User ID costs what a known one costs.
    return make_password("dummy-password-for-timing-equalisation")


def locked_message(user: User) -> str:
    """SPEC A3/A7: users are unlocked by their DA; DAs by HKEX through eService DA3."""
    return LOCKED_MESSAGE_DA if user.is_da else LOCKED_MESSAGE


def login_eligibility_problem(user: User, *, now=None) -> str | None:
    """SPEC A4: why ``user`` may not log in today (status, Enable From / Disable After), or None."""
    if not user.is_active:
        return "This User ID has been deleted."
    if user.status != UserStatus.ENABLED:
        return "This User ID is disabled. Please contact your Delegated Administrator."
    today = timezone.localdate(now or timezone.now())
    if user.enable_from and today < user.enable_from:
        return f"This User ID is enabled from {user.enable_from:%d-%b-%Y}."
    if user.disable_after and today > user.disable_after:
        return f"This User ID was disabled after {user.disable_after:%d-%b-%Y}."
    return None


def find_user(username: str) -> User | None:
    """The live profile with that User ID (any case), or None."""
    username = (username or "").strip().upper()
    if not username:
        return None
    return (
        get_user_model()
        .objects.filter(username__iexact=username, is_active=True)
        .select_related("participant")
        .first()
    )


def authenticate_password(*, username: str, password: str, source_ip: str | None = None):
    """Check a User ID and password at "LOG IN" and count a wrong one (SPEC A3).

    Unknown User IDs, deleted profiles and wrong passwords get the same answer and cost one
    Argon2 hash each; only a locked account's message differs, as the documents require. A
    correct password is not yet a login: :func:`login_success_record` after the OTP is.
    """
    user = find_user(username)
    password = password or ""
    too_long = len(password) > settings.CCASS_PASSWORD_MAX_LENGTH
    if user is None or not user.has_usable_password():
        if not too_long:
            check_password(password, _dummy_hash())
        correct = False
    else:
        # Refused before hashing: a multi-megabyte "password" costs nothing.
        correct = not too_long and check_password(password, user.password)

    if user is None:
        record_event(
            Event.LOGIN_FAILURE,
            source_ip=source_ip,
            outcome="FAILURE",
            reason="unknown User ID",
            details={"username": username[:30]},
        )
        return PasswordCheck(PasswordOutcome.INVALID, message=INVALID_CREDENTIALS_MESSAGE)
    if user.is_locked:
        record_event(
            Event.LOGIN_FAILURE, subject=user, source_ip=source_ip, outcome="FAILURE",
            reason="account locked",
        )
        return PasswordCheck(PasswordOutcome.LOCKED, user, locked_message(user))
    if not correct:
        # The attempt that locks still reads as a wrong password; the next one sees "locked".
        login_failure_record(user=user, reason=LoginFailure.Reason.PASSWORD, source_ip=source_ip)
        return PasswordCheck(PasswordOutcome.INVALID, user, INVALID_CREDENTIALS_MESSAGE)
    problem = login_eligibility_problem(user)
    if problem:
        record_event(
            Event.LOGIN_FAILURE, subject=user, source_ip=source_ip, outcome="FAILURE",
            reason=f"not eligible: {problem}",
        )
        return PasswordCheck(PasswordOutcome.NOT_ELIGIBLE, user, problem)
    return PasswordCheck(PasswordOutcome.OK, user)


def _counted_failures(user: User, *, now) -> int:
    since = now - timedelta(minutes=settings.CCASS_LOCKOUT_WINDOW_MINUTES)
    if user.failures_reset_at and user.failures_reset_at > since:
        since = user.failures_reset_at
    return LoginFailure.objects.filter(user=user, at__gt=since).count()


def login_failure_record(*, user: User, reason: str, source_ip: str | None = None) -> bool:
    """Count one unsuccessful login attempt; lock on the 5th within 30 minutes (SPEC A3).

    Returns True when this attempt locked the account. An already locked account is not
    counted further (it stays locked until an administrator unlocks it).
    """
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        if locked_user.is_locked:
            return False
        now = timezone.now()
        LoginFailure.objects.create(user=locked_user, at=now, reason=reason)
        count = _counted_failures(locked_user, now=now)
        record_event(
            Event.LOGIN_FAILURE,
            subject=locked_user,
            source_ip=source_ip,
            outcome="FAILURE",
            reason=LoginFailure.Reason(reason).label,
            details={"counted_failures": count},
        )
        if count < settings.CCASS_LOCKOUT_THRESHOLD:
            return False
        locked_user.is_locked = True
        locked_user.locked_at = now
        locked_user.otp_failure_streak = 0
        locked_user.save(update_fields=["is_locked", "locked_at", "otp_failure_streak"])
        record_event(
            Event.ACCOUNT_LOCKED,
            subject=locked_user,
            source_ip=source_ip,
            outcome="LOCKED",
            reason=f"{count} unsuccessful login attempts within "
            f"{settings.CCASS_LOCKOUT_WINDOW_MINUTES} minutes",
            before={"is_locked": False},
            after={"is_locked": True},
        )
        if locked_user.participant_id:
            queue_da_notice(user=locked_user, kind="locked")
    user.is_locked, user.locked_at = True, now
    return True


def otp_failure_record(*, user: User, source_ip: str | None = None) -> bool:
    """Count a wrong OTP; every 3rd in a row is one unsuccessful login attempt (SPEC A3).

    Returns True when this entry locked the account.
    """
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        if locked_user.is_locked:
            return False
        streak = locked_user.otp_failure_streak + 1
        record_event(
            Event.OTP_FAILURE, subject=locked_user, source_ip=source_ip, outcome="FAILURE",
            details={"consecutive_otp_failures": streak},
        )
        if streak < settings.CCASS_OTP_FAILURES_PER_LOGIN_FAILURE:
            locked_user.otp_failure_streak = streak
            locked_user.save(update_fields=["otp_failure_streak"])
            return False
        locked_user.otp_failure_streak = 0
        locked_user.save(update_fields=["otp_failure_streak"])
        locked = login_failure_record(
            user=locked_user, reason=LoginFailure.Reason.OTP, source_ip=source_ip
        )
    user.otp_failure_streak = 0
    user.is_locked = locked or user.is_locked
    return locked


def login_success_record(*, user: User, source_ip: str | None = None, channel: str = "") -> bool:
    """A completed 2FA login: resets the counts (SPEC A3). False if locked meanwhile."""
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        if locked_user.is_locked or login_eligibility_problem(locked_user):
            return False
        now = timezone.now()
        locked_user.failures_reset_at = now
        locked_user.otp_failure_streak = 0
        locked_user.last_login = now
        locked_user.save(update_fields=["failures_reset_at", "otp_failure_streak", "last_login"])
        record_event(
            Event.LOGIN_SUCCESS, subject=locked_user, actor=locked_user, source_ip=source_ip,
            outcome="SUCCESS", details={"channel": channel} if channel else None,
        )
    user.failures_reset_at, user.otp_failure_streak, user.last_login = now, 0, now
    return True


def user_unlock(*, user: User, actor: User, source_ip: str | None = None) -> bool:
    """Unlock an account (by HKEX staff here; a DA's Unlock/Reset comes with DMS, SPEC A7).

    Returns False when the account was not locked (nothing changes).
    """
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        if not locked_user.is_locked:
            return False
        now = timezone.now()
        locked_user.is_locked = False
        locked_user.locked_at = None
        locked_user.failures_reset_at = now
        locked_user.otp_failure_streak = 0
        locked_user.save(
            update_fields=["is_locked", "locked_at", "failures_reset_at", "otp_failure_streak"]
        )
        record_event(
            Event.ACCOUNT_UNLOCKED, actor=actor, subject=locked_user, source_ip=source_ip,
            outcome="SUCCESS", before={"is_locked": True}, after={"is_locked": False},
        )
    user.is_locked = False
    return True


def password_set(
    *, user: User, raw_password: str, actor: User | None, event: str = Event.PASSWORD_SET,
    source_ip: str | None = None,
) -> None:
    """Set the regular password after the policy (SPEC A1, A2) accepts it.

    Raises ``ValidationError`` naming every unmet rule; then nothing changes.
    """
    validate_password(raw_password, user=user)
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        validate_password(raw_password, user=locked_user)
        locked_user.set_password(raw_password)
        locked_user.password_set_at = timezone.now()
        locked_user.save(update_fields=["password", "password_set_at"])
        record_event(
            event, actor=actor, subject=locked_user, source_ip=source_ip, outcome="SUCCESS",
            after={"password_set_at": locked_user.password_set_at.isoformat()},
        )
    user.password, user.password_set_at = locked_user.password, locked_user.password_set_at


def password_change(
    *, user: User, new_password: str, current_password: str, source_ip: str | None = None
) -> None:
    """"Change Password" and the forced change of an expired password (SPEC L8, A2).

    The current password is checked first; a wrong one counts as an unsuccessful login attempt
    (SPEC A3) and nothing changes. Raises ``ValidationError`` naming what is wrong.
    """
    reauthenticate(user=user, password=current_password, source_ip=source_ip)
    password_set(
        user=user, raw_password=new_password, actor=user, event=Event.PASSWORD_CHANGED,
        source_ip=source_ip,
    )
    queue_security_email(user=user, kind="password_changed")


def password_reset(*, user: User, new_password: str, source_ip: str | None = None) -> None:
    """"Reset Password" after the OTP step of a reset journey (SPEC L3, L7).

    Never logs the user in: they go back to "LOG IN" with the new password.
    """
    password_set(
        user=user, raw_password=new_password, actor=user, event=Event.PASSWORD_RESET,
        source_ip=source_ip,
    )
    queue_security_email(user=user, kind="password_reset")


#: SPEC L1: DMS is for Delegated Administrators.
DMS_REFUSED_MESSAGE = (
    "The Security Management Functions are for Delegated Administrators only. "
    "Please log in to the CCASS/CCMS Terminal instead."
)


def dms_access_problem(user: User) -> str | None:
    return None if user.is_da else DMS_REFUSED_MESSAGE


def reauthenticate(*, user: User, password: str, source_ip: str | None = None) -> None:
    """Re-check the password before a change of authentication settings (STYLE 5).

    A wrong password counts as an unsuccessful login attempt; raises ``ValidationError``.
    """
    if len(password or "") > settings.CCASS_PASSWORD_MAX_LENGTH or not user.check_password(
        password or ""
    ):
        login_failure_record(user=user, reason=LoginFailure.Reason.PASSWORD, source_ip=source_ip)
        raise ValidationError("The current password is incorrect.", code="wrong_current")


#: SPEC A5: corporate domains are recommended and group mailboxes discouraged (a warning only).
PERSONAL_MAIL_DOMAINS = {
    "gmail.com", "yahoo.com", "yahoo.com.hk", "hotmail.com", "outlook.com", "live.com",
    "icloud.com", "qq.com", "163.com", "126.com", "netvigator.com",
}
GROUP_MAILBOX_NAMES = {
    "admin", "info", "ops", "operations", "group", "team", "settlement", "settlements",
    "support", "general", "enquiry", "enquiries", "office", "mailbox", "all", "dept",
    "department", "it", "backoffice", "clearing",
}


def email_warnings(email: str) -> list[str]:
    """Advice on a registered email (SPEC A5); never a refusal."""
    local, _, domain = (email or "").lower().partition("@")
    warnings = []
    if domain in PERSONAL_MAIL_DOMAINS:
        warnings.append("An email address with your corporate domain is recommended.")
    if local.replace(".", "_").replace("-", "_").split("_")[0] in GROUP_MAILBOX_NAMES:
        warnings.append("This looks like a group mailbox: the OTP authenticates one person, "
                        "so a personal mailbox is recommended.")
    return warnings

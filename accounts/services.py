"""Every write to a user's or a participant's security state (SPEC A, P5, R1).

Password checks, lockout counting and login eligibility, and the actions that DMS, eServices and
the admin call: ``<noun>_<verb>(*, target, actor, source_ip=None)``. Each action is atomic, locks
the rows it decides on (``select_for_update``), checks the current state, saves with
``update_fields``, writes one audit record and queues its notices with ``on_commit``. Counts live
in the database and change only under a row lock on the user, so concurrent attempts cannot lose
or double a count.

User and participant rows are locked ``FOR NO KEY UPDATE`` (``no_key=True``): their keys never
change, and the audit records that other transactions insert (holding the audit chain's head)
take a key-share lock on the rows they name; a plain ``FOR UPDATE`` here would wait on the head
while they wait on the row, a deadlock (found by the two-host test).
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
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from terminal.models import AuthenticationArrangement, Phase

from .audit import Event, record_event
from .devices import channel_label, devices_delete
from .emails import queue_da_notice, queue_security_email
from .models import (
    BusinessUserGroup,
    DARole,
    LoginFailure,
    Participant,
    User,
    UserStatus,
    user_id_problem,
)
from .profile import profile_values, set_values

#: SPEC L2/A3 wording shown to the person at "LOG IN". The messages here are English (the
#: source language) and translated into the page's language when they are handed out (issue
#: 11); what is stored (audit reasons) stays English.
INVALID_CREDENTIALS_MESSAGE = gettext_noop("Invalid User ID or Password. Please try again.")
LOCKED_MESSAGE = gettext_noop(
    "Your account has been locked after too many unsuccessful attempts. "
    "Please contact your Delegated Administrator to unlock it."
)
LOCKED_MESSAGE_CONNECT = gettext_noop(
    "Your account has been locked after too many unsuccessful attempts. "
    "Please contact HKEX Client Connect support to unlock it."
)
LOCKED_MESSAGE_DA = gettext_noop(
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
def dummy_hash() -> str:
    # A real Argon2 hash, so an unknown User ID costs what a known one costs.
    return make_password("dummy-password-for-timing-equalisation")


def locked_message(user: User) -> str:
    """SPEC A3/A7: users are unlocked by their DA; DAs by HKEX through eService DA3."""
    if user.is_connect_user:
        return _(LOCKED_MESSAGE_CONNECT)
    return _(LOCKED_MESSAGE_DA if user.is_da else LOCKED_MESSAGE)


def _date(value) -> str:
    return date_format(value, pgettext("date format", "d-M-Y"))


def login_eligibility_problem(user: User, *, now=None) -> str | None:
    """SPEC A4: why ``user`` may not log in today (status, Enable From / Disable After), or None.

    In the active language; the audit trail records it in English (:func:`_in_english`).
    """
    if not user.is_active:
        return _("This User ID has been deleted.")
    if user.status != UserStatus.ENABLED:
        return _("This User ID is disabled. Please contact your Delegated Administrator.")
    today = timezone.localdate(now or timezone.now())
    if user.enable_from and today < user.enable_from:
        return _("This User ID is enabled from %(date)s.") % {"date": _date(user.enable_from)}
    if user.disable_after and today > user.disable_after:
        return _("This User ID was disabled after %(date)s.") % {
            "date": _date(user.disable_after)}
    return None


def _in_english(make_text):
    """What ``make_text()`` says in English: audit texts are stored in English whatever the
    language of the page that caused them (issue 11)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(make_text())


def find_user(username: str, *, connect: bool = False) -> User | None:
    """The live account with that User ID (any case), or None.

    ``connect``: a Client Connect user (User ID = email, SPEC E1); otherwise a participant's
    profile or HKEX staff. One never logs in where the other does.
    """
    username = (username or "").strip()
    if not username:
        return None
    return (
        get_user_model()
        .objects.filter(username__iexact=username, is_active=True,
                        connect_company__isnull=not connect)
        .select_related("participant", "connect_company")
        .first()
    )


def _secret_matches(secret: str, stored: str | None) -> bool:
    """Check a typed secret against its hash at the cost of one Argon2 hash, whatever happens.

    No stored hash (unknown ID, no password yet) costs a dummy hash; input over the maximum
    is refused before hashing (a multi-megabyte "password" costs nothing).
    """
    secret = secret or ""
    if len(secret) > settings.CCASS_PASSWORD_MAX_LENGTH:
        return False
    if not stored:
        check_password(secret, dummy_hash())
        return False
    return check_password(secret, stored)


def _decide(user: User | None, *, correct: bool, reason: str, source_ip, unknown: dict,
            invalid_message: str) -> "PasswordCheck":
    """The answer to a login's first factor, counted and recorded (SPEC A3, A4, R1).

    Unknown IDs and wrong secrets get the same answer; only a locked account's message differs,
    as the documents require. A right secret is not yet a login: :func:`login_success_record`
    after the second factor is.
    """
    if user is None:
        record_event(Event.LOGIN_FAILURE, source_ip=source_ip, outcome="FAILURE",
                     reason=f"unknown {unknown['what']}", details=unknown["details"])
        return PasswordCheck(PasswordOutcome.INVALID, message=_(invalid_message))
    if user.is_locked:
        record_event(Event.LOGIN_FAILURE, subject=user, source_ip=source_ip,
                     outcome="FAILURE", reason=REFUSED_LOCKED)
        return PasswordCheck(PasswordOutcome.LOCKED, user, locked_message(user))
    if not correct:
        # The attempt that locks still reads as a wrong password; the next one sees "locked".
        login_failure_record(user=user, reason=reason, source_ip=source_ip)
        return PasswordCheck(PasswordOutcome.INVALID, user, _(invalid_message))
    problem = login_eligibility_problem(user)
    if problem:
        english = _in_english(lambda: login_eligibility_problem(user))
        record_event(Event.LOGIN_FAILURE, subject=user, source_ip=source_ip,
                     outcome="FAILURE", reason=f"not eligible: {english}")
        return PasswordCheck(PasswordOutcome.NOT_ELIGIBLE, user, problem)
    return PasswordCheck(PasswordOutcome.OK, user)


def authenticate_password(*, username: str, password: str, source_ip: str | None = None,
                          connect: bool = False):
    """Check a User ID and password at "LOG IN" and count a wrong one (SPEC A3)."""
    user = find_user(username, connect=connect)
    stored = user.password if user is not None and user.has_usable_password() else None
    return _decide(user, correct=_secret_matches(password, stored),
                   reason=LoginFailure.Reason.PASSWORD, source_ip=source_ip,
                   unknown={"what": "User ID", "details": {"username": (username or "")[:30]}},
                   invalid_message=INVALID_CREDENTIALS_MESSAGE)


#: SPEC L10: the simulated card reader's answers.
SMARTCARD_INVALID_MESSAGE = gettext_noop("Invalid smartcard or password. Please try again.")
SMARTCARD_NOT_AVAILABLE = gettext_noop(
    "Login with smartcard is not available: the smartcard has been decommissioned. "
    "Please log in with OTP."
)


def authenticate_smartcard(*, srn: str, password: str, source_ip: str | None = None):
    """The smartcard logon (SPEC L10, S1): the card (its SRN) and its 6-8 digit password.

    Only in the phases that keep smartcards and only for profiles that still hold one; a wrong
    password counts towards the same lockout as 2FA, and a locked account cannot log on.
    """
    if not AuthenticationArrangement.current().smartcard_allowed():
        record_event(Event.LOGIN_FAILURE, source_ip=source_ip, outcome="FAILURE",
                     reason="smartcard after decommissioning")
        return PasswordCheck(PasswordOutcome.NOT_ELIGIBLE, message=_(SMARTCARD_NOT_AVAILABLE))
    srn = (srn or "").strip().upper()
    user = (User.objects.filter(smartcard_srn=srn, is_active=True, participant__isnull=False)
            .exclude(smartcard_srn="").select_related("participant").first()) if srn else None
    stored = user.smartcard_password if user is not None else None
    return _decide(user, correct=_secret_matches(password, stored),
                   reason=LoginFailure.Reason.SMARTCARD, source_ip=source_ip,
                   unknown={"what": "smartcard", "details": {"srn": srn[:20]}},
                   invalid_message=SMARTCARD_INVALID_MESSAGE)


#: The audit reason of an attempt on an account that was locked when its turn came (SPEC A3).
REFUSED_LOCKED = "refused: locked"


def _counted_failures(user: User, *, now) -> int:
    since = now - timedelta(minutes=settings.CCASS_LOCKOUT_WINDOW_MINUTES)
    if user.failures_reset_at and user.failures_reset_at > since:
        since = user.failures_reset_at
    return LoginFailure.objects.filter(user=user, at__gt=since).count()


def login_failure_record(*, user: User, reason: str, source_ip: str | None = None) -> bool:
    """Count one unsuccessful login attempt; lock on the 5th within 30 minutes (SPEC A3).

    Returns True when this attempt locked the account. An already locked account is not
    counted further (it stays locked until an administrator unlocks it), but the attempt is
    still recorded: one that raced the lock and lost leaves its LOGIN_FAILURE too (issue 10).
    """
    with transaction.atomic():
        locked_user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        if locked_user.is_locked:
            record_event(Event.LOGIN_FAILURE, subject=locked_user, source_ip=source_ip,
                         outcome="FAILURE", reason=REFUSED_LOCKED)
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
        locked_user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        if locked_user.is_locked:
            # Not counted (it stays locked), but recorded like every attempt (SPEC A3, R1).
            record_event(Event.OTP_FAILURE, subject=locked_user, source_ip=source_ip,
                         outcome="FAILURE", reason=REFUSED_LOCKED)
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
    with transaction.atomic(savepoint=False):
        locked_user = User.objects.select_for_update(no_key=True, of=("self",)).select_related(
            "participant").get(pk=user.pk)
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


def password_set(
    *, user: User, raw_password: str, actor: User | None, event: str = Event.PASSWORD_SET,
    source_ip: str | None = None,
) -> None:
    """Set the regular password after the policy (SPEC A1, A2) accepts it.

    Raises ``ValidationError`` naming every unmet rule; then nothing changes.
    """
    validate_password(raw_password, user=user)
    with transaction.atomic():
        locked_user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
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
DMS_REFUSED_MESSAGE = gettext_noop(
    "The Security Management Functions are for Delegated Administrators only. "
    "Please log in to the CCASS/CCMS Terminal instead."
)


def dms_access_problem(user: User) -> str | None:
    return None if user.is_da else _(DMS_REFUSED_MESSAGE)


def reauthenticate(*, user: User, password: str, source_ip: str | None = None) -> None:
    """Re-check the password before a change of authentication settings (STYLE 5).

    A wrong password counts as an unsuccessful login attempt; raises ``ValidationError``.
    """
    if len(password or "") > settings.CCASS_PASSWORD_MAX_LENGTH or not user.check_password(
        password or ""
    ):
        login_failure_record(user=user, reason=LoginFailure.Reason.PASSWORD, source_ip=source_ip)
        raise ValidationError(_("The current password is incorrect."), code="wrong_current")


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
    local, _at, domain = (email or "").lower().partition("@")  # "_" is gettext here
    warnings = []
    if domain in PERSONAL_MAIL_DOMAINS:
        warnings.append(_("An email address with your corporate domain is recommended."))
    if local.replace(".", "_").replace("-", "_").split("_")[0] in GROUP_MAILBOX_NAMES:
        warnings.append(_("This looks like a group mailbox: the OTP authenticates one person, "
                          "so a personal mailbox is recommended."))
    return warnings


# --- actions on a profile's or participant's security state ----------------------------------
# Called by DMS (after a checker authorises), by the admin (HKEX staff) and by eServices.


class ActionRefused(ValidationError):
    """An action refused with a message for the page; nothing was changed."""


PROFILE_CHANGED_MESSAGE = gettext_noop(
    "The profile has changed since this request was made; please make a new request."
)


def _lock(target: User) -> User:
    # of=("self",): lock the user row only (PostgreSQL refuses FOR UPDATE on the nullable side
    # of the participant join).
    return User.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "participant").get(pk=target.pk)


def _refresh(target: User, locked: User, fields) -> None:
    """Give the caller's object the saved values, so it does not hold a stale copy."""
    for name in fields:
        setattr(target, name, getattr(locked, name))


def user_unlock(*, target: User, actor: User, source_ip: str | None = None) -> bool:
    """Unlock an account (SPEC A3). False when it was not locked (nothing changes)."""
    fields = ["is_locked", "locked_at", "failures_reset_at", "otp_failure_streak"]
    with transaction.atomic():
        user = _lock(target)
        if not user.is_locked:
            return False
        user.is_locked, user.locked_at = False, None
        user.failures_reset_at, user.otp_failure_streak = timezone.now(), 0
        user.save(update_fields=fields)
        record_event(
            Event.ACCOUNT_UNLOCKED, actor=actor, subject=user, source_ip=source_ip,
            outcome="SUCCESS", before={"is_locked": True}, after={"is_locked": False},
        )
    _refresh(target, user, fields)
    return True


def user_otp_reset(*, target: User, actor: User, source_ip: str | None = None) -> None:
    """"Unlock/Reset OTP Device Registration" (SPEC A7).

    Unlocks, removes every OTP device and makes the password unusable, so the next login goes
    through "Set up password" and "Set up OTP Channel" again as if first time. The DAs of the
    participant are told.
    """
    fields = ["is_locked", "locked_at", "failures_reset_at", "otp_failure_streak", "password",
              "password_set_at"]
    with transaction.atomic():
        user = _lock(target)
        if not user.is_active:
            raise ActionRefused(_("This user profile has been deleted."))
        was = {"is_locked": user.is_locked, "otp_channel": channel_label(user),
               "password_set": user.has_usable_password()}
        user.is_locked, user.locked_at = False, None
        user.failures_reset_at, user.otp_failure_streak = timezone.now(), 0
        user.set_unusable_password()
        user.password_set_at = None
        user.save(update_fields=fields)
        devices_delete(user)
        record_event(
            Event.OTP_RESET, actor=actor, subject=user, source_ip=source_ip, outcome="SUCCESS",
            before=was, after={"is_locked": False, "otp_channel": None, "password_set": False},
        )
        queue_da_notice(user=user, kind="reset")
    _refresh(target, user, fields)


def _state_set(*, target: User, actor: User, field: str, value, reason: str,
               source_ip: str | None, check=None) -> bool:
    """Set one security field of a live profile, audited; False when it already had it."""
    with transaction.atomic():
        user = _lock(target)
        if not user.is_active:
            raise ActionRefused(_("This user profile has been deleted."))
        before = getattr(user, field)
        if before == value:
            return False
        if check is not None:
            check(user)
        setattr(user, field, value)
        user.save(update_fields=[field])
        record_event(
            Event.PROFILE_CHANGED, actor=actor, subject=user, source_ip=source_ip,
            outcome="SUCCESS", reason=reason, before={field: before}, after={field: value},
        )
    setattr(target, field, value)
    return True


def user_status_set(*, target: User, actor: User, status: str,
                    source_ip: str | None = None) -> bool:
    """Enable or disable a profile (SPEC A4). False when it already had that status."""
    status = UserStatus(status)
    return _state_set(target=target, actor=actor, field="status", value=status.value,
                      reason=_in_english(lambda: f"User Status {status.label}"),
                      source_ip=source_ip)


def user_da_role_set(*, target: User, actor: User, role: str,
                     source_ip: str | None = None) -> bool:
    """Make a participant's profile a DA maker or checker, or clear the role (SPEC P4, E6).

    The User ID must already have the shape of the role (a DA's ends in X/Y/Z + 1-9): a User
    ID never changes, so an end user cannot become a DA nor a DA an end user by this action.
    """
    role = DARole(role)

    def check(user):
        if not user.participant_id:
            raise ActionRefused(_("HKEX staff cannot be Delegated Administrators."))
        problem = user_id_problem(user.username, prefix=user.participant.user_id_prefix,
                                  is_da=role != DARole.NONE)
        if problem:
            raise ActionRefused(problem)

    return _state_set(target=target, actor=actor, field="da_role", value=role.value,
                      reason=_in_english(lambda: f"DA role {role.label}"), source_ip=source_ip,
                      check=check)


def business_groups(*, participant: Participant, is_da: bool,
                    codes: list[str]) -> list[BusinessUserGroup]:
    """The business user groups of those codes a profile may be given (SPEC D3, S1)."""
    codes = sorted(set(codes or []))
    if not codes:
        return []
    if is_da and AuthenticationArrangement.current().phase() != Phase.TWO_FA_ONLY:
        raise ActionRefused(_(
            "Delegated Administrators can be given business user groups only after the "
            "decommissioning of smartcard."))
    groups = list(BusinessUserGroup.objects.filter(
        code__in=codes, clearing_house=participant.clearing_house))
    unknown = sorted(set(codes) - {g.code for g in groups})
    if unknown:
        raise ActionRefused(_("Unknown business user group(s): %(codes)s.") % {
            "codes": ", ".join(unknown)})
    return groups


def user_language_note(*, user: User, language: str) -> None:
    """Remember the language the user last used, for their emails (issue 11).

    Not security state, so neither locked nor audited: one UPDATE, only when it changed.
    """
    if language == settings.LANGUAGE_CODE:
        language = ""  # the default: a login in English writes nothing
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def user_profile_update(*, target: User, actor: User, values: dict, expected: dict | None = None,
                        source_ip: str | None = None, details: dict | None = None) -> bool:
    """Change a profile's values (SPEC D3): names, email, status, dates, limits, user groups.

    ``values`` are plain values (:func:`accounts.profile.clean_values`); fields not given keep
    their value. With ``expected`` (the values a maker saw) the change is refused when the
    profile changed meanwhile. False when nothing differs.
    """
    with transaction.atomic():
        user = _lock(target)
        if not user.is_active:
            raise ActionRefused(_("This user profile has been deleted."))
        before = profile_values(user)
        if expected is not None and before != expected:
            raise ActionRefused(_(PROFILE_CHANGED_MESSAGE))
        wanted = {**before, **values}
        if wanted == before:
            return False
        groups = business_groups(participant=user.participant, is_da=user.is_da,
                                 codes=wanted["business_user_groups"])
        fields = set_values(user, wanted)
        try:
            user.full_clean(exclude=["password", "username"])
        except ValidationError as exc:
            raise ActionRefused(exc.messages) from exc
        user.save(update_fields=fields)
        user.business_user_groups.set(groups)
        after = profile_values(user)
        changed = [k for k in after if after[k] != before[k]]
        record_event(
            Event.PROFILE_CHANGED, actor=actor, subject=user, source_ip=source_ip,
            outcome="SUCCESS", reason=f"changed {', '.join(changed)}",
            before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
            details=details,
        )
    _refresh(target, user, fields)
    return True


def user_email_change(*, target: User, actor: User, email: str,
                      source_ip: str | None = None, details: dict | None = None) -> bool:
    """Change the registered email (SPEC A5; eService DA3 "Change")."""
    return user_profile_update(target=target, actor=actor, values={
        "email": (email or "").strip().lower()}, source_ip=source_ip, details=details)


def user_groups_set(*, target: User, actor: User, codes: list[str],
                    source_ip: str | None = None) -> bool:
    """Set the business user groups of a profile (SPEC T1, D3, S1)."""
    return user_profile_update(target=target, actor=actor, values={
        "business_user_groups": sorted(set(codes or []))}, source_ip=source_ip)


def user_create(*, participant: Participant, actor: User, username: str, values: dict,
                da_role: str = DARole.NONE, source_ip: str | None = None,
                details: dict | None = None) -> User:
    """A new profile within MAX. NO. OF USERS (SPEC P4, P5, A6): 2FA only, no password yet.

    ``reserved`` slots (requests waiting for a checker) are the caller's: the participant row
    lock taken here serialises every creation of that participant.
    """
    with transaction.atomic():
        participant = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
        used = User.objects.filter(participant=participant, is_active=True).count()
        if used >= participant.max_users:
            raise ActionRefused(_(
                "No spare user account: MAX. NO. OF USERS is %(max_users)s. "
                "Please submit eService DA4 for additional user accounts.") % {
                    "max_users": participant.max_users})
        username = (username or "").strip().upper()
        if User.objects.filter(username__iexact=username).exists():
            raise ActionRefused(_("User ID %(user_id)s is already in use or has been used "
                                  "before; User IDs are never reused.") % {"user_id": username})
        user = User(username=username, participant=participant, da_role=da_role)
        set_values(user, values)
        user.set_unusable_password()
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise ActionRefused(exc.messages) from exc
        groups = business_groups(participant=participant, is_da=user.is_da,
                                 codes=values.get("business_user_groups") or [])
        user.save()
        user.business_user_groups.set(groups)
        record_event(
            Event.PROFILE_CREATED, actor=actor, subject=user, source_ip=source_ip,
            outcome="SUCCESS", reason=f"User ID {user.username}", after=profile_values(user),
            details={"da_role": user.da_role, **(details or {})},
        )
    return user


def user_retire(*, target: User, actor: User, expected: dict | None = None,
                source_ip: str | None = None, details: dict | None = None) -> None:
    """Delete a profile: it is retired, its devices and password removed, its User ID never
    reused (SPEC P4). The participant's DAs are told."""
    fields = ["is_active", "deleted_at", "status", "password"]
    with transaction.atomic():
        user = _lock(target)
        if not user.is_active:
            raise ActionRefused(_("This user profile has already been deleted."))
        before = profile_values(user)
        if expected is not None and before != expected:
            raise ActionRefused(_(PROFILE_CHANGED_MESSAGE))
        user.is_active, user.deleted_at = False, timezone.now()
        user.status = UserStatus.DISABLED
        user.set_unusable_password()
        user.save(update_fields=fields)
        devices_delete(user)
        record_event(
            Event.PROFILE_DELETED, actor=actor, subject=user, source_ip=source_ip,
            outcome="SUCCESS", reason=f"User ID {user.username} retired", before=before,
            details=details,
        )
        queue_da_notice(user=user, kind="deleted")
    _refresh(target, user, fields)


def participant_quota_set(*, target: Participant, actor: User, max_users: int,
                          source_ip: str | None = None, details: dict | None = None) -> bool:
    """Set MAX. NO. OF USERS (SPEC P5): only a completed eService DA4 raises it."""
    with transaction.atomic():
        participant = Participant.objects.select_for_update(no_key=True).get(pk=target.pk)
        if max_users < 0:
            raise ActionRefused(_("MAX. NO. OF USERS cannot be negative."))
        if participant.max_users == max_users:
            return False
        before = participant.max_users
        participant.max_users = max_users
        participant.save(update_fields=["max_users"])
        record_event(
            Event.PARTICIPANT_CHANGED, actor=actor, participant=participant,
            source_ip=source_ip, outcome="SUCCESS", reason="MAX. NO. OF USERS",
            before={"max_users": before}, after={"max_users": max_users}, details=details,
        )
    target.max_users = max_users
    return True

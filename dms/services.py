"""DMS maintenance under maker-checker (SPEC D4, P5, A7): the one place its rules live.

A maker's "Create"/"Change"/"Delete" only records a PENDING request (reserving a quota slot for
a create). Nothing of the profile changes until another DA checker of the same participant
authorises it with their Checker ID and Authorisation Code (their own password), either on the
maker's Confirmation page or later from the checker's own "Pending Authorisation" list.
"""

import datetime as dt
import string
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Event, record_event
from accounts.emails import queue_da_notice
from accounts.models import (
    BusinessUserGroup,
    DARole,
    EmailOTPDevice,
    LoginFailure,
    Participant,
    User,
    UserStatus,
    is_da_suffix,
    user_id_problem,
)
from accounts.otp import otp_channel
from accounts.services import find_user, login_eligibility_problem, login_failure_record
from terminal.models import AuthenticationArrangement, Phase

from .models import MaintenanceRequest, RequestKind, RequestStatus


class DmsRefused(ValidationError):
    """A maintenance step refused with a message for the page; nothing was changed."""


#: The profile fields a maker may set (SPEC D3); DA role and lock state are not among them.
PROFILE_FIELDS = [
    "internal_external", "status", "surname", "other_names", "email", "enable_from",
    "disable_after", "clearing_house_options", "access_channel", "transaction_limit",
    "business_user_groups",
]


# --- reading a profile ------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def profile_values(user: User) -> dict:
    """The maintainable values of a profile, as JSON-ready plain values."""
    values = {name: _plain(getattr(user, name)) for name in PROFILE_FIELDS
              if name != "business_user_groups"}
    values["business_user_groups"] = sorted(g.code for g in user.business_user_groups.all())
    return values


def is_initialised(user: User) -> bool:
    """SPEC A6: "2FA initialised" = a regular password and an OTP channel."""
    return user.has_usable_password() and otp_channel(user) is not None


def _clean_values(values: dict) -> dict:
    values = {k: _plain(v) for k, v in values.items() if k in PROFILE_FIELDS}
    values["business_user_groups"] = sorted(values.get("business_user_groups") or [])
    values["email"] = (values.get("email") or "").strip().lower()
    return values


# --- User IDs and quota (SPEC P4, P5) ---------------------------------------------------------

SUFFIX_ALPHABET = string.digits + string.ascii_uppercase


def _taken_user_ids(participant: Participant) -> set[str]:
    prefix = participant.user_id_prefix
    # Retired (deleted) profiles keep their IDs: never reused.
    taken = set(User.objects.filter(username__startswith=prefix).values_list("username",
                                                                              flat=True))
    taken |= set(MaintenanceRequest.objects.filter(
        participant=participant, status=RequestStatus.PENDING, kind=RequestKind.CREATE
    ).values_list("username", flat=True))
    return taken


def next_free_user_id(participant: Participant) -> str | None:
    """"Generate User ID": the first end-user ID of the prefix never used (01, 02, ... ZZ)."""
    taken = _taken_user_ids(participant)
    for first in SUFFIX_ALPHABET:
        for second in SUFFIX_ALPHABET:
            suffix = first + second
            if suffix == "00" or is_da_suffix(suffix):
                continue
            candidate = participant.user_id_prefix + suffix
            if candidate not in taken:
                return candidate
    return None


def _live_pending_creates(participant: Participant, *, now=None):
    return MaintenanceRequest.objects.filter(
        participant=participant, kind=RequestKind.CREATE, status=RequestStatus.PENDING,
        expires_at__gt=now or timezone.now(),
    )


def user_counts(participant: Participant) -> dict:
    """The figures at the end of the "User Profile Listing" (SPEC D6)."""
    live = User.objects.filter(participant=participant, is_active=True)
    das = live.exclude(da_role=DARole.NONE).count()
    total = live.count()
    return {"max": participant.max_users, "total": total, "das": das, "users": total - das}


def spare_accounts(participant: Participant) -> int:
    """MAX. NO. OF USERS less the profiles and the creates waiting for a checker."""
    used = User.objects.filter(participant=participant, is_active=True).count()
    return participant.max_users - used - _live_pending_creates(participant).count()


# --- business day ------------------------------------------------------------------------------


def end_of_business_day(now=None) -> dt.datetime:
    """SPEC S2: DMS closes 19:00 Monday-Friday and 13:00 Saturday; otherwise at midnight."""
    local = timezone.localtime(now or timezone.now())
    closing = {5: dt.time(13, 0)}.get(local.weekday(), dt.time(19, 0))
    if local.weekday() == 6 or local.time() >= closing:
        closing = dt.time(23, 59, 59)
    return local.replace(hour=closing.hour, minute=closing.minute, second=closing.second,
                         microsecond=0)


# --- who may act --------------------------------------------------------------------------------


def _maker_problem(maker: User, participant: Participant) -> str | None:
    if maker.participant_id != participant.pk:
        return "DMS functions are for your own participant's profiles only."
    if maker.da_role != DARole.MAKER:
        return "Only a DA maker can create, change or delete user profiles."
    return None


def _groups_problem(subject_is_da: bool, groups: list[str], participant: Participant):
    if not groups:
        return None
    if subject_is_da and AuthenticationArrangement.current().phase() != Phase.TWO_FA_ONLY:
        return ("Delegated Administrators can be given business user groups only after the "
                "decommissioning of smartcard.")
    known = set(BusinessUserGroup.objects.filter(
        code__in=groups, clearing_house=participant.clearing_house
    ).values_list("code", flat=True))
    unknown = sorted(set(groups) - known)
    if unknown:
        return f"Unknown business user group(s): {', '.join(unknown)}."
    return None


def _expiry():
    return end_of_business_day()


def _create_request(**fields) -> MaintenanceRequest:
    try:
        with transaction.atomic():
            return MaintenanceRequest.objects.create(expires_at=_expiry(), **fields)
    except IntegrityError as exc:
        raise DmsRefused(
            f"User ID {fields['username']} already has a request waiting for authorisation."
        ) from exc


def _record_request(req: MaintenanceRequest, source_ip) -> None:
    record_event(
        f"DMS_{req.kind}_REQUESTED", actor=req.maker, subject=req.subject,
        participant=req.participant, source_ip=source_ip, outcome="PENDING",
        reason=f"{req.get_kind_display()} {req.username}", before=req.before, after=req.after,
        details={"request_id": req.pk, "reset_otp": req.reset_otp},
    )


# --- maker: the requests ----------------------------------------------------------------------


def request_create(*, maker: User, username: str, values: dict, source_ip=None):
    """Create User Profile: an end-user profile, within MAX. NO. OF USERS (SPEC P4, P5)."""
    participant = maker.participant
    values = _clean_values(values)
    username = (username or "").strip().upper()
    with transaction.atomic():
        # The participant row lock serialises makers racing for the last spare account.
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if problem := _maker_problem(maker, participant):
            raise DmsRefused(problem)
        if problem := user_id_problem(username, prefix=participant.user_id_prefix, is_da=False):
            raise DmsRefused(problem)
        if username in _taken_user_ids(participant):
            raise DmsRefused(f"User ID {username} is already in use or has been used before; "
                             "User IDs are never reused.")
        if problem := _groups_problem(False, values["business_user_groups"], participant):
            raise DmsRefused(problem)
        if spare_accounts(participant) <= 0:
            raise DmsRefused(
                f"No spare user account: MAX. NO. OF USERS is {participant.max_users}. "
                "Please submit eService DA4 for additional user accounts."
            )
        req = _create_request(participant=participant, kind=RequestKind.CREATE,
                              username=username, maker=maker, after=values)
        _record_request(req, source_ip)
    return req


def request_change(*, maker: User, subject: User, values: dict, reset_otp=False,
                   source_ip=None):
    """Change User Profile, optionally with "Unlock/Reset OTP Device Registration" (SPEC A7)."""
    values = _clean_values(values)
    with transaction.atomic():
        if problem := _maker_problem(maker, subject.participant):
            raise DmsRefused(problem)
        if not subject.is_active:
            raise DmsRefused("This user profile has been deleted.")
        before = profile_values(subject)
        if subject.is_da and reset_otp:
            raise DmsRefused("A Delegated Administrator's account is unlocked or reset by HKEX: "
                             "please have your firm submit eService DA3.")
        if problem := _groups_problem(subject.is_da, values["business_user_groups"],
                                      subject.participant):
            raise DmsRefused(problem)
        if values == before and not reset_otp:
            raise DmsRefused("Nothing has been changed.")
        req = _create_request(participant=subject.participant, kind=RequestKind.CHANGE,
                              username=subject.username, subject=subject, maker=maker,
                              before=before, after=values, reset_otp=reset_otp)
        _record_request(req, source_ip)
    return req


def request_delete(*, maker: User, subject: User, source_ip=None):
    """Delete User Profile: the profile is retired and its User ID never reused."""
    with transaction.atomic():
        if problem := _maker_problem(maker, subject.participant):
            raise DmsRefused(problem)
        if not subject.is_active:
            raise DmsRefused("This user profile has already been deleted.")
        if subject.is_da:
            raise DmsRefused("A Delegated Administrator's profile is deleted by HKEX: please "
                             "have your firm submit eService DA3.")
        req = _create_request(participant=subject.participant, kind=RequestKind.DELETE,
                              username=subject.username, subject=subject, maker=maker,
                              before=profile_values(subject))
        _record_request(req, source_ip)
    return req


# --- checker: authorise or reject ----------------------------------------------------------------

WRONG_CHECKER = "Checker ID or Authorisation Code is incorrect."


def _verify_checker(*, checker_id: str, code: str, source_ip) -> User:
    """The Checker ID and Authorisation Code; a wrong code counts as a failed login (D4)."""
    checker = find_user(checker_id)
    if checker is None:
        raise DmsRefused(WRONG_CHECKER)
    if checker.is_locked:
        raise DmsRefused(f"Checker {checker.username} is locked and cannot authorise.")
    code = code or ""
    if len(code) > settings.CCASS_PASSWORD_MAX_LENGTH or not checker.check_password(code):
        # Counted outside the request's transaction, so a refusal cannot roll the count back.
        login_failure_record(user=checker, reason=LoginFailure.Reason.AUTHORISATION_CODE,
                             source_ip=source_ip)
        raise DmsRefused(WRONG_CHECKER)
    return checker


def _checker_problem(checker: User, req: MaintenanceRequest) -> str | None:
    if checker.pk == req.maker_id:
        return "The maker cannot authorise their own request."
    if checker.participant_id != req.participant_id:
        return "The checker must be a DA checker of the same participant."
    if checker.da_role != DARole.CHECKER:
        return f"{checker.username} is not a DA checker."
    if checker.pk == req.subject_id or checker.username == req.username:
        return "A checker cannot authorise a request concerning their own profile."
    if login_eligibility_problem(checker) or checker.is_locked:
        return f"Checker {checker.username} is not enabled and cannot authorise."
    if not is_initialised(checker):
        return f"Checker {checker.username} has not initialised 2FA and cannot authorise."
    return None


def _locked_pending(req_id: int) -> MaintenanceRequest:
    req = MaintenanceRequest.objects.select_for_update().select_related(
        "participant", "maker").get(pk=req_id)
    if req.status != RequestStatus.PENDING:
        raise DmsRefused(f"This request is no longer waiting for authorisation "
                         f"({req.get_status_display().lower()}).")
    if req.expires_at <= timezone.now():
        raise DmsRefused("This request has expired at the end of the business day; "
                         "please make it again.")
    return req


def request_approve(*, req_id: int, checker_id: str, authorisation_code: str, source_ip=None):
    """Authorise and apply a request, once (SPEC D4). Returns the approved request."""
    checker = _verify_checker(checker_id=checker_id, code=authorisation_code,
                              source_ip=source_ip)
    with transaction.atomic():
        req = _locked_pending(req_id)
        checker = User.objects.select_for_update().get(pk=checker.pk)
        if problem := _checker_problem(checker, req):
            raise DmsRefused(problem)
        subject = _apply(req, checker=checker, source_ip=source_ip)
        req.status, req.checker, req.decided_at = RequestStatus.APPROVED, checker, timezone.now()
        req.subject = subject
        req.save(update_fields=["status", "checker", "decided_at", "subject"])
        record_event(
            f"DMS_{req.kind}_APPROVED", actor=checker, subject=subject,
            participant=req.participant, source_ip=source_ip, outcome="APPROVED",
            reason=f"{req.get_kind_display()} {req.username}", before=req.before,
            after=req.after, details={"request_id": req.pk, "maker": req.maker.username,
                                      "checker": checker.username, "reset_otp": req.reset_otp},
        )
    return req


def request_reject(*, req_id: int, checker_id: str, authorisation_code: str, reason="",
                   source_ip=None):
    checker = _verify_checker(checker_id=checker_id, code=authorisation_code,
                              source_ip=source_ip)
    with transaction.atomic():
        req = _locked_pending(req_id)
        if problem := _checker_problem(checker, req):
            raise DmsRefused(problem)
        req.status, req.checker, req.decided_at = RequestStatus.REJECTED, checker, timezone.now()
        req.reason = (reason or "")[:200]
        req.save(update_fields=["status", "checker", "decided_at", "reason"])
        record_event(
            f"DMS_{req.kind}_REJECTED", actor=checker, subject=req.subject,
            participant=req.participant, source_ip=source_ip, outcome="REJECTED",
            reason=req.reason, details={"request_id": req.pk, "maker": req.maker.username},
        )
    return req


def requests_expire(*, now=None) -> int:
    """Close the requests left pending past the end of their business day (beat, nightly)."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(MaintenanceRequest.objects.select_for_update().filter(
            status=RequestStatus.PENDING, expires_at__lte=now))
        for req in stale:
            req.status, req.decided_at = RequestStatus.EXPIRED, now
            req.save(update_fields=["status", "decided_at"])
            record_event(f"DMS_{req.kind}_EXPIRED", subject=req.subject,
                         participant=req.participant, outcome="EXPIRED",
                         details={"request_id": req.pk, "maker_id": req.maker_id})
    return len(stale)


# --- applying -------------------------------------------------------------------------------------


def _set_values(user: User, values: dict) -> None:
    for name in PROFILE_FIELDS:
        value = values.get(name)
        if name == "business_user_groups":
            continue
        if name in ("enable_from", "disable_after"):
            value = dt.date.fromisoformat(value) if value else None
        elif name == "transaction_limit":
            value = Decimal(value) if value not in (None, "") else None
        setattr(user, name, value)


def _apply(req: MaintenanceRequest, *, checker: User, source_ip) -> User:
    if req.kind == RequestKind.CREATE:
        participant = Participant.objects.select_for_update().get(pk=req.participant_id)
        active = User.objects.filter(participant=participant, is_active=True).count()
        if active >= participant.max_users:
            raise DmsRefused("No spare user account is left (MAX. NO. OF USERS).")
        user = User(username=req.username, participant=participant, da_role=DARole.NONE)
        _set_values(user, req.after)
        user.set_unusable_password()  # SPEC A6: created after launch, 2FA only
        user.full_clean(exclude=["password"])
        user.save()
        user.business_user_groups.set(
            BusinessUserGroup.objects.filter(code__in=req.after["business_user_groups"]))
        return user

    user = User.objects.select_for_update().get(pk=req.subject_id)
    if profile_values(user) != req.before or not user.is_active:
        raise DmsRefused("The profile has changed since this request was made; "
                         "please make a new request.")
    if req.kind == RequestKind.DELETE:
        user.is_active, user.deleted_at = False, timezone.now()
        user.status = UserStatus.DISABLED
        user.set_unusable_password()
        user.save(update_fields=["is_active", "deleted_at", "status", "password"])
        _remove_devices(user)
        queue_da_notice(user=user, kind="deleted")
        return user

    _set_values(user, req.after)
    user.full_clean(exclude=["password", "username"])
    user.save()
    user.business_user_groups.set(
        BusinessUserGroup.objects.filter(code__in=req.after["business_user_groups"]))
    if req.reset_otp:
        user_reset_otp(user=user, actor=checker, source_ip=source_ip)
    return user


def _remove_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    EmailOTPDevice.objects.filter(user=user).delete()


def user_reset_otp(*, user: User, actor: User, source_ip=None) -> None:
    """SPEC A7: unlock, remove the OTP device, make the password unusable; the next login goes
    through "Set up password" and "Set up OTP Channel" again as if first time."""
    was = {"is_locked": user.is_locked, "otp_channel": getattr(otp_channel(user), "value", None)}
    user.is_locked, user.locked_at = False, None
    user.failures_reset_at, user.otp_failure_streak = timezone.now(), 0
    user.set_unusable_password()
    user.password_set_at = None
    user.save(update_fields=["is_locked", "locked_at", "failures_reset_at", "otp_failure_streak",
                             "password", "password_set_at"])
    _remove_devices(user)
    record_event(Event.OTP_RESET, actor=actor, subject=user, source_ip=source_ip,
                 outcome="SUCCESS", before=was, after={"is_locked": False, "otp_channel": None})
    queue_da_notice(user=user, kind="reset")

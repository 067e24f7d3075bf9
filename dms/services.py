"""DMS maintenance under maker-checker (SPEC D4, P5, A7): who may make and authorise what.

A maker's "Create"/"Change"/"Delete" only records a PENDING request (reserving a quota slot for
a create). Nothing of the profile changes until another DA checker of the same participant
authorises it with their Checker ID and Authorisation Code (their own password), either on the
maker's Confirmation page or later from the checker's own "Pending Authorisation" list. The
request moves only through :data:`dms.models.WORKFLOW`; what it changes is applied by the
actions of :mod:`accounts.services`.
"""

import datetime as dt
import string

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as accounts
from accounts.devices import is_initialised
from accounts.models import DARole, LoginFailure, Participant, User, is_da_suffix, user_id_problem
from accounts.profile import clean_values, profile_values
from terminal.schedule import connectivity_test_now

from .models import WORKFLOW, MaintenanceRequest, RequestKind, RequestStatus

#: Refusals of DMS steps are the accounts actions' own: one kind of refusal for the pages.
DmsRefused = accounts.ActionRefused


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
        return _("DMS functions are for your own participant's profiles only.")
    if maker.da_role != DARole.MAKER:
        return _("Only a DA maker can create, change or delete user profiles.")
    return None


def _groups_problem(subject_is_da: bool, groups: list[str], participant: Participant):
    accounts.business_groups(participant=participant, is_da=subject_is_da, codes=groups)


def _expiry():
    return end_of_business_day()


def _create_request(source_ip, **fields) -> MaintenanceRequest:
    """Record a maker's request as PENDING, with its first history row and audit."""
    req = MaintenanceRequest(expires_at=_expiry(), **fields)
    try:
        with transaction.atomic():
            return WORKFLOW.start(req, actor=req.maker, source_ip=source_ip, audit=_audit)
    except IntegrityError as exc:
        raise DmsRefused(
            _("User ID %(user_id)s already has a request waiting for authorisation.")
            % {"user_id": fields["username"]}
        ) from exc


# --- connectivity test (SPEC S3) ------------------------------------------------------------------

CONNECTIVITY_TEST_REFUSAL = gettext_lazy(
    "During the connectivity test, security management functions are not available."
)


def _outside_connectivity_test() -> None:
    """SPEC S3, Appendix B: during a connectivity test window DAs log in but create, change,
    delete and authorise nothing. Checked first, so that a refused authorisation costs the
    checker no count."""
    if connectivity_test_now():
        raise DmsRefused(CONNECTIVITY_TEST_REFUSAL)


# --- maker: the requests ----------------------------------------------------------------------


def request_create(*, maker: User, username: str, values: dict, source_ip=None):
    """Create User Profile: an end-user profile, within MAX. NO. OF USERS (SPEC P4, P5)."""
    _outside_connectivity_test()
    participant = maker.participant
    values = clean_values(values)
    username = (username or "").strip().upper()
    with transaction.atomic():
        # The participant row lock serialises makers racing for the last spare account.
        participant = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
        if problem := _maker_problem(maker, participant):
            raise DmsRefused(problem)
        if problem := user_id_problem(username, prefix=participant.user_id_prefix, is_da=False):
            raise DmsRefused(problem)
        if username in _taken_user_ids(participant):
            raise DmsRefused(_("User ID %(user_id)s is already in use or has been used before; "
                               "User IDs are never reused.") % {"user_id": username})
        _groups_problem(False, values["business_user_groups"], participant)
        if spare_accounts(participant) <= 0:
            raise DmsRefused(
                _("No spare user account: MAX. NO. OF USERS is %(max_users)s. "
                  "Please submit eService DA4 for additional user accounts.")
                % {"max_users": participant.max_users}
            )
        req = _create_request(source_ip, participant=participant, kind=RequestKind.CREATE,
                              username=username, maker=maker, after=values)
    return req


def request_change(*, maker: User, subject: User, values: dict, reset_otp=False,
                   source_ip=None):
    """Change User Profile, optionally with "Unlock/Reset OTP Device Registration" (SPEC A7)."""
    _outside_connectivity_test()
    values = clean_values(values)
    with transaction.atomic():
        if problem := _maker_problem(maker, subject.participant):
            raise DmsRefused(problem)
        if not subject.is_active:
            raise DmsRefused(_("This user profile has been deleted."))
        before = profile_values(subject)
        if subject.is_da and reset_otp:
            raise DmsRefused(_("A Delegated Administrator's account is unlocked or reset by "
                               "HKEX: please have your firm submit eService DA3."))
        _groups_problem(subject.is_da, values["business_user_groups"], subject.participant)
        if values == before and not reset_otp:
            raise DmsRefused(_("Nothing has been changed."))
        req = _create_request(source_ip, participant=subject.participant, kind=RequestKind.CHANGE,
                              username=subject.username, subject=subject, maker=maker,
                              before=before, after=values, reset_otp=reset_otp)
    return req


def request_delete(*, maker: User, subject: User, source_ip=None):
    """Delete User Profile: the profile is retired and its User ID never reused."""
    _outside_connectivity_test()
    with transaction.atomic():
        if problem := _maker_problem(maker, subject.participant):
            raise DmsRefused(problem)
        if not subject.is_active:
            raise DmsRefused(_("This user profile has already been deleted."))
        if subject.is_da:
            raise DmsRefused(_("A Delegated Administrator's profile is deleted by HKEX: "
                               "please have your firm submit eService DA3."))
        req = _create_request(source_ip, participant=subject.participant, kind=RequestKind.DELETE,
                              username=subject.username, subject=subject, maker=maker,
                              before=profile_values(subject))
    return req


def _audit(req: MaintenanceRequest) -> dict:
    """What every audit record of a request says: whom it concerns, the values, both people.

    The audit is stored, so it is written in English whatever the page's language (issue 11).
    """
    with translation.override(None):  # the English source of the label
        kind = str(RequestKind(req.kind).label)
    return {
        "subject": req.subject, "participant": req.participant,
        "reason": req.reason or f"{kind} {req.username}",
        "before": req.before, "after": req.after,
        "details": {"request_id": req.pk, "maker": req.maker.username,
                    "checker": req.checker.username if req.checker_id else None,
                    "reset_otp": req.reset_otp},
    }


# --- checker: authorise or reject ----------------------------------------------------------------

WRONG_CHECKER = gettext_lazy("Checker ID or Authorisation Code is incorrect.")
MAKER_IS_CHECKER = gettext_lazy("The maker cannot authorise their own request.")


def _verify_checker(*, participant_id: int, checker_id: str, code: str, source_ip) -> User:
    """The Checker ID and Authorisation Code (SPEC D4).

    The Checker ID is looked up among the live DA checkers of the request's participant only:
    any other ID (another participant's user, HKEX staff, an end user, the maker) gets the same
    answer as an unknown one, costs the same hash and changes nobody's count. A wrong code of a
    real checker counts as an unsuccessful login of the checker (SPEC A3).
    """
    checker = User.objects.filter(
        participant_id=participant_id, da_role=DARole.CHECKER, is_active=True,
        username__iexact=(checker_id or "").strip(),
    ).first()
    code = code or ""
    too_long = len(code) > settings.CCASS_PASSWORD_MAX_LENGTH
    if checker is None:
        if not too_long:
            check_password(code, accounts.dummy_hash())
        raise DmsRefused(WRONG_CHECKER)
    if checker.is_locked:
        raise DmsRefused(_("Checker %(checker)s is locked and cannot authorise.")
                         % {"checker": checker.username})
    if too_long or not checker.check_password(code):
        # Counted in its own transaction, so the refusal cannot roll the count back.
        accounts.login_failure_record(
            user=checker, reason=LoginFailure.Reason.AUTHORISATION_CODE, source_ip=source_ip)
        raise DmsRefused(WRONG_CHECKER)
    return checker


def _checker_problem(checker: User, req: MaintenanceRequest) -> str | None:
    if checker.pk == req.maker_id:
        return MAKER_IS_CHECKER
    if checker.pk == req.subject_id or checker.username == req.username:
        return _("A checker cannot authorise a request concerning their own profile.")
    if accounts.login_eligibility_problem(checker) or checker.is_locked:
        return (_("Checker %(checker)s is not enabled and cannot authorise.")
                % {"checker": checker.username})
    if not is_initialised(checker):
        return (_("Checker %(checker)s has not initialised 2FA and cannot authorise.")
                % {"checker": checker.username})
    return None


def _pending_refusal(req: MaintenanceRequest) -> str:
    return (_("This request is no longer waiting for authorisation (%(status)s).")
            % {"status": req.get_status_display().lower()})


def _decide(req_id: int, name: str, *, checker_id: str, authorisation_code: str, source_ip,
            reason: str = "", apply: bool) -> MaintenanceRequest:
    """Authorise (and apply) or reject a pending request, once (SPEC D4)."""
    _outside_connectivity_test()
    participant_id, maker_id = MaintenanceRequest.objects.values_list(
        "participant_id", "maker__username").get(pk=req_id)
    if (checker_id or "").strip().upper() == maker_id:
        # The person at the keyboard is the maker: telling them so reveals nothing.
        raise DmsRefused(MAKER_IS_CHECKER)
    checker = _verify_checker(participant_id=participant_id, checker_id=checker_id,
                              code=authorisation_code, source_ip=source_ip)

    def guard(req):
        if req.expires_at <= timezone.now():
            raise DmsRefused(_("This request has expired at the end of the business day; "
                               "please make it again."))
        locked_checker = User.objects.select_for_update(no_key=True).get(pk=checker.pk)
        if problem := _checker_problem(locked_checker, req):
            raise DmsRefused(problem)

    def effect(req):
        req.checker, req.decided_at = checker, timezone.now()
        fields = ["checker", "decided_at"]
        if apply:
            req.subject = _apply(req, checker=checker, source_ip=source_ip)
            fields.append("subject")
        else:
            req.reason = (reason or "")[:200]
            fields.append("reason")
        return fields

    return WORKFLOW.move(
        req_id, name, actor=checker, source_ip=source_ip, message=reason,
        queryset=MaintenanceRequest.objects.select_related("participant", "maker"),
        guard=guard, effect=effect, refused=_pending_refusal, audit=_audit,
    )


def request_approve(*, req_id: int, checker_id: str, authorisation_code: str, source_ip=None):
    """Authorise and apply a request, once (SPEC D4). Returns the approved request."""
    return _decide(req_id, "approve", checker_id=checker_id,
                   authorisation_code=authorisation_code, source_ip=source_ip, apply=True)


def request_reject(*, req_id: int, checker_id: str, authorisation_code: str, reason="",
                   source_ip=None):
    return _decide(req_id, "reject", checker_id=checker_id,
                   authorisation_code=authorisation_code, source_ip=source_ip, reason=reason,
                   apply=False)


def requests_expire(*, now=None) -> int:
    """Close the requests left pending past the end of their business day (beat task)."""
    now = now or timezone.now()
    stale = MaintenanceRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)
    expired = 0
    for req_id in stale.values_list("pk", flat=True):
        try:
            WORKFLOW.move(req_id, "expire", actor=None, effect=lambda req: _closed(req, now),
                          audit=_audit)
        except DmsRefused:
            continue  # decided meanwhile by a checker
        expired += 1
    return expired


def _closed(req: MaintenanceRequest, now) -> list[str]:
    req.decided_at = now
    return ["decided_at"]


# --- applying -------------------------------------------------------------------------------------


def _apply(req: MaintenanceRequest, *, checker: User, source_ip) -> User:
    """Carry out an authorised request through the accounts actions, in the caller's
    transaction: a refusal there undoes the whole authorisation."""
    details = {"request_id": req.pk, "maker": req.maker.username, "checker": checker.username}
    if req.kind == RequestKind.CREATE:
        return accounts.user_create(
            participant=req.participant, actor=checker, username=req.username,
            values=req.after, source_ip=source_ip, details=details)
    subject = User.objects.get(pk=req.subject_id)
    if req.kind == RequestKind.DELETE:
        accounts.user_retire(target=subject, actor=checker, expected=req.before,
                             source_ip=source_ip, details=details)
        return subject
    accounts.user_profile_update(target=subject, actor=checker, values=req.after,
                                 expected=req.before, source_ip=source_ip, details=details)
    if req.reset_otp:
        accounts.user_otp_reset(target=subject, actor=checker, source_ip=source_ip)
    return subject

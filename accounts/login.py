"""The login and reset sequences (SPEC L2-L9, A3) as steps the views call, one per page.

Each step takes what its page's form gave, changes what it must (journey stage, codes, counts,
the login itself) and returns an :class:`Outcome`: where to go next, or the error to show.
After a correct password nobody is logged in: a :class:`~accounts.models.LoginChallenge` row
(the half-login) and a stage marker in the session (:mod:`accounts.journey`) lead to the OTP,
and only a right OTP logs in. The session key rotates after the password, after the OTP and at
logout (SPEC L9).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from terminal import schedule
from terminal.models import AuthenticationArrangement, ScheduledService

from . import journey, otp, services
from .audit import Event, client_ip, record_event
from .journey import Function, Portal, Stage
from .models import EmailOTPDevice, LoginChallenge, OtpPurpose, User

BACKEND = "accounts.backends.LockoutBackend"

# The messages a person sees, in English (the source language); each is translated into the
# page's language where an Outcome carries it (issue 11), never stored translated.
SESSION_EXPIRED = gettext_noop(
    "Your login session has expired or is not valid. Please start again.")
OTP_WRONG = gettext_noop("The OTP is incorrect or has expired. Please try again.")
OTP_ENDED = gettext_noop(
    "The OTP was entered incorrectly 3 times. For your security, please log in again."
)
OTP_UNAVAILABLE = gettext_noop(
    "The OTP could not be sent at the moment. Please try again in a few minutes; "
    "nothing has been changed."
)
CANNOT_LOG_IN = gettext_noop("This User ID cannot log in now.")
#: SPEC L7: the one answer to "Input User ID" for every User ID without an app device.
RESET_EMAIL_NOTICE = gettext_noop(
    "If this User ID may set or reset its password by email, a One Time Password has been "
    "sent to its registered email address; it is valid for 5 minutes (if you asked within the "
    "last 5 minutes, please use the OTP already sent). If it may not, the email says what to "
    "do: users on email OTP ask their Delegated Administrator to “Unlock/Reset OTP Device "
    "Registration”; Delegated Administrators have their firm submit eService DA3."
)


def otp_login_open() -> bool:
    """SPEC S1: before the 2FA launch only smartcards log in to the terminal and DMS."""
    return AuthenticationArrangement.current().otp_allowed()


def _otp_not_yet() -> str:
    launch = AuthenticationArrangement.current().launch_date
    return _("Login with OTP is available from %(date)s. Please log in with smartcard.") % {
        "date": date_format(launch, pgettext("date format", "d-M-Y"))}


@dataclass(frozen=True)
class Outcome:
    """What a step decided: ``redirect`` to a URL, or stay with ``error``; ``info`` to flash."""

    redirect: str | None = None
    error: str | None = None
    info: str | None = None


_LOGIN_URLS = {Portal.DMS: "dms:login", Portal.CONNECT: "connect:login"}
_HOME_URLS = {Portal.DMS: "dms:home", Portal.CONNECT: "connect:home"}


def login_url(portal: str) -> str:
    return reverse(_LOGIN_URLS.get(portal, "accounts:login"))


def home_url(portal: str) -> str:
    return reverse(_HOME_URLS.get(portal, "terminal:home"))


def _refuse(request, portal, message=SESSION_EXPIRED) -> Outcome:
    """End the journey and send the person back to "LOG IN" with ``message``."""
    journey.end(request)
    return Outcome(redirect=login_url(portal), error=_(message))


def refuse(request, message=SESSION_EXPIRED) -> Outcome:
    """A page reached without its stage: back to the "LOG IN" the person came from."""
    return _refuse(request, request.session.get(journey.LANDING_KEY, Portal.TERMINAL), message)


# --- operation hours (SPEC S2) ------------------------------------------------------------------

#: The operation hours that bind each portal; Client Connect (and the admin) have none.
_SCHEDULED = {Portal.TERMINAL: ScheduledService.TERMINAL, Portal.DMS: ScheduledService.DMS}
HOURS_ENDED = gettext_noop("The operation hours have ended and you have been logged out.")


def closed_notice(portal: str) -> str | None:
    """"CCASS/CCMS Terminal is closed. It opens on ..." while ``portal`` is outside its
    operation hours (SPEC S2); None while it is open, in a connectivity test (S3), not bound
    by hours (Client Connect) or with the hours switched off."""
    service = _SCHEDULED.get(portal)
    return schedule.closed_notice(service) if service else None


def closed_refusal(request, portal: str) -> Outcome | None:
    """SPEC S2: outside the operation hours no login or reset step runs, whatever it is given.

    The one check every step makes first (the entry steps here, the later ones through
    :func:`accounts.access.at_stage`): the journey ends and the person is back at the portal's
    "LOG IN" page, which says when it opens. Nothing is checked, counted, sent or recorded.
    """
    if closed_notice(portal) is None:
        return None
    journey.end(request)
    return Outcome(redirect=login_url(portal))


SESSION_TOO_OLD = gettext_noop(
    "Your session has ended 12 hours after login. Please log in again.")


def session_check(request) -> Outcome | None:
    """Whether a logged-in session may go on (SPEC A3, A4, L9, S2); None when it may.

    It ends at its next request once the profile is locked, disabled or out of its window,
    12 hours after login, or (terminal and DMS) at closing time.
    """
    user, portal = request.user, request.session.get(journey.PORTAL_KEY, Portal.TERMINAL)
    problem = (services.locked_message(user) if user.is_locked
               else services.login_eligibility_problem(user))
    logged_in_at = request.session.get(journey.LOGIN_AT_KEY, 0)
    if problem is None and time.time() - logged_in_at > settings.CCASS_SESSION_MAX_SECONDS:
        problem = _(SESSION_TOO_OLD)
        record_event(Event.LOGOUT, actor=user, subject=user, source_ip=client_ip(request),
                     outcome="SUCCESS", reason="12 hours after login")
    if problem is not None:
        logout(request)
        return Outcome(redirect=login_url(portal), error=problem)
    return session_closed(request) if portal != Portal.CONNECT else None


def session_closed(request) -> Outcome | None:
    """SPEC S2: a terminal or DMS session still open at closing time ends at its next
    request, recorded as a logout. None while its portal is open."""
    portal = request.session.get(journey.PORTAL_KEY, Portal.TERMINAL)
    if closed_notice(portal) is None:
        return None
    if request.user.is_authenticated:
        record_event(Event.LOGOUT, actor=request.user, subject=request.user,
                     source_ip=client_ip(request), outcome="SUCCESS",
                     reason="operation hours ended")
    logout(request)
    return Outcome(redirect=login_url(portal), error=_(HOURS_ENDED))


def _new_half_login(request, user: User | None) -> int:
    """A new half-login, under a new session key (SPEC L9: rotate after the password)."""
    request.session.cycle_key()
    return LoginChallenge.objects.create(user=user).pk


# --- LOG IN ----------------------------------------------------------------------------------


def password_step(request, *, portal: str, function: str, username: str,
                  password: str) -> Outcome:
    """"LOG IN": check the password (SPEC A3), then lead to the user's OTP step."""
    if (closed := closed_refusal(request, portal)) is not None:
        return closed
    if portal != Portal.CONNECT and not otp_login_open():
        return Outcome(error=_otp_not_yet())
    result = services.authenticate_password(username=username, password=password,
                                            source_ip=client_ip(request),
                                            connect=portal == Portal.CONNECT)
    if not result.ok:
        return Outcome(error=result.message)  # refused: no session is written (issue 10)
    user = result.user
    # Issue 11: the OTP email (and later ones) in the language of this page.
    services.user_language_note(user=user, language=translation.get_language())
    request.session[journey.LANDING_KEY] = portal  # where a lapsed journey starts again
    if user.password_expired():
        journey.start(request, stage=Stage.PASSWORD_EXPIRED, user_id=user.pk, portal=portal,
                      function=function, challenge_id=_new_half_login(request, user))
        return Outcome(redirect=reverse("accounts:password_expired"))
    return _to_otp(request, user, portal=portal, function=function)


def _to_otp(request, user: User, *, portal: str, function: str) -> Outcome:
    """The stage the user's OTP set-up calls for (SPEC L5, L6); an email code goes at once."""
    channel = otp.otp_channel(user)
    code_sent = False
    if channel is otp.Channel.EMAIL:
        # SPEC L4: a correct password sends a code at once, voiding earlier ones.
        if not otp.email_code_send(user=user, purpose=OtpPurpose.LOGIN, respect_cooldown=False,
                                   source_ip=client_ip(request)).sent:
            journey.end(request)
            return Outcome(error=_(OTP_UNAVAILABLE))
        code_sent = True
    stage = Stage.LOGIN_OTP if channel is not None else Stage.SETUP
    journey.start(request, stage=stage, user_id=user.pk, portal=portal, function=function,
                  code_sent=code_sent, challenge_id=_new_half_login(request, user),
                  by_app=channel is otp.Channel.APP)
    return Outcome(redirect=reverse("accounts:otp" if channel else "accounts:setup"))


def expired_password_step(request, j, user: User, *, new_password: str,
                          current_password: str) -> Outcome:
    """SPEC A2: the expired password changed, then on to the OTP as after "LOG IN"."""
    try:
        services.password_change(user=user, new_password=new_password,
                                 current_password=current_password,
                                 source_ip=client_ip(request))
    except ValidationError as exc:
        if user.is_locked:
            return _refuse(request, j.portal, services.locked_message(user))
        return Outcome(error=exc.messages[0])
    return _to_otp(request, user, portal=j.portal, function=j.function)


# --- the OTP of a half-login -------------------------------------------------------------------


def _evaluate(request, j, user: User | None, verify: Callable[[], bool]) -> Outcome | None:
    """Evaluate one OTP of this half-login, in one transaction with everything it leads to.

    The half-login's row lock makes parallel posts wait their turn; a half-login that is over
    (3 wrong OTPs, or already used) evaluates nothing. Returns None when the code is right.
    """
    with transaction.atomic(savepoint=False):
        # The user's lock flag comes with the half-login's row lock, read at that moment.
        challenge = LoginChallenge.objects.select_for_update(of=("self",)).select_related(
            "user").only("id", "user_id", "wrong_otps", "ended_at", "user__is_locked").filter(
            pk=j.challenge_id, user=user).first()
        if challenge is None or challenge.ended_at is not None:
            return _refuse(request, j.portal)
        if user is not None:
            user.is_locked = challenge.user.is_locked
            if user.is_locked:
                challenge.ended_at = timezone.now()
                challenge.save(update_fields=["ended_at"])
                return _refuse(request, j.portal, services.locked_message(user))
        if verify():  # a wrong code is counted by the verifier (SPEC A3)
            challenge.ended_at = timezone.now()
            challenge.save(update_fields=["ended_at"])
            return None
        challenge.wrong_otps += 1
        fields = ["wrong_otps"]
        if challenge.wrong_otps >= settings.CCASS_OTP_FAILURES_PER_LOGIN_FAILURE:
            challenge.ended_at = timezone.now()
            fields.append("ended_at")
        challenge.save(update_fields=fields)
    if user is not None:
        user.refresh_from_db(fields=["is_locked"])
        if user.is_locked:
            return _refuse(request, j.portal, services.locked_message(user))
    if challenge.ended_at is not None:
        return _refuse(request, j.portal, OTP_ENDED)
    return Outcome(error=_(OTP_WRONG))


def by_app(j, user: User | None) -> bool:
    """Whether this half-login's OTP page is the app's ("SUBMIT") or the email's."""
    # Decided when the half-login began (after the password); a device removed since then
    # simply accepts no code.
    return j.stage in (Stage.RESET_OTP, Stage.LOGIN_OTP) and j.by_app


def otp_step(request, j, user: User, *, code: str) -> Outcome:
    """The OTP of an on-going login (app or email), or of SKIP THIS STEP's email (L5, L6)."""
    ip = client_ip(request)
    verified = {}
    if by_app(j, user):
        def verify():
            verified["device"] = otp.totp_verified_device(user=user, token=code, source_ip=ip)
            return verified["device"] is not None
    else:
        purpose = OtpPurpose.SETUP if j.stage == Stage.SETUP_EMAIL_OTP else OtpPurpose.LOGIN

        def verify():
            ok = otp.email_code_verify(user=user, purpose=purpose, token=code, source_ip=ip)
            if ok and purpose == OtpPurpose.SETUP:
                otp.email_channel_confirm(user=user, source_ip=ip)
            return ok

    # One transaction from the code to the session (issue 10): lost midway, nothing is kept,
    # not even the code's use, and the person simply submits it again.
    with transaction.atomic():
        if (refused := _evaluate(request, j, user, verify)) is not None:
            return refused
        return complete(request, j, user, device=verified.get("device"))


def register_step(request, j, user: User, *, code: str) -> Outcome:
    """LOGIN USING VERIFICATION CODE: the first app code confirms the device (SPEC L5)."""
    ip = client_ip(request)
    refused = _evaluate(request, j, user,
                        lambda: otp.totp_register(user=user, token=code, source_ip=ip))
    return refused or complete(request, j, user)


def complete(request, j, user: User, *, smartcard: bool = False, device=None) -> Outcome:
    """The second factor is right: now, and only now, the user is logged in (SPEC L5, L6,
    L9, L10). A smartcard logon has no OTP device: the session says so instead."""
    journey.end(request)
    ip = client_ip(request)
    if j.portal == Portal.DMS and (problem := services.dms_access_problem(user)):
        record_event(Event.LOGIN_FAILURE, subject=user, source_ip=ip, outcome="FAILURE",
                     reason="end user refused at DMS")
        return Outcome(redirect=login_url(j.portal), error=problem)
    if device is None and not smartcard:  # the device that took the code, else the user's
        device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
                  or EmailOTPDevice.objects.filter(user=user).first())
    channel = ("SMARTCARD" if smartcard
               else "APP" if isinstance(device, TOTPDevice) else "EMAIL")
    # The recorded login and its session commit together (issue 10): a database lost between
    # them must leave neither a LOGIN_SUCCESS without a session nor a session without it.
    with transaction.atomic(savepoint=False):
        if not services.login_success_record(user=user, source_ip=ip, channel=channel):
            return Outcome(redirect=login_url(j.portal), error=(
                services.locked_message(user) if user.is_locked else _(CANNOT_LOG_IN)))
        login(request, user, backend=BACKEND)  # rotates the session key
        if device is not None:
            otp_login(request, device)
        request.session[journey.PORTAL_KEY] = j.portal
        request.session[journey.FUNCTION_KEY] = j.function
        request.session[journey.CHANNEL_KEY] = channel
        request.session[journey.LOGIN_AT_KEY] = time.time()
        request.session.save()  # not again with the response, unless it changes
    return Outcome(redirect=home_url(j.portal))


def smartcard_step(request, *, portal: str, srn: str, password: str) -> Outcome:
    """"Logon" with the smartcard and its password (SPEC L10): both factors at once."""
    if (closed := closed_refusal(request, portal)) is not None:
        return closed
    result = services.authenticate_smartcard(srn=srn, password=password,
                                             source_ip=client_ip(request))
    if not result.ok:
        return Outcome(error=result.message)  # refused: no session is written (issue 10)
    request.session[journey.LANDING_KEY] = portal
    function = Function.SECURITY if portal == Portal.DMS else Function.ONLINE
    j = journey.Journey(stage="", user_id=result.user.pk, portal=portal, function=function)
    return complete(request, j, result.user, smartcard=True)


def code_request(request, j, user: User | None) -> Outcome:
    """REQUEST OTP: a new code, no sooner than 5 minutes after the last (SPEC L4).

    In a reset the answer depends only on this journey's own timing, never on the User ID.
    """
    wait = j.seconds_until_new_code()
    if wait:
        return Outcome(error=_too_soon(wait))
    reset = j.stage == Stage.RESET_OTP
    if reset:
        sent = otp.reset_email_queue(username=user.username if user else "",
                                     connect=j.portal == Portal.CONNECT)
    else:
        purpose = OtpPurpose.SETUP if j.stage == Stage.SETUP_EMAIL_OTP else OtpPurpose.LOGIN
        result = otp.email_code_send(user=user, purpose=purpose, respect_cooldown=True,
                                     source_ip=client_ip(request))
        if result.outcome is otp.SendOutcome.TOO_SOON:
            return Outcome(error=_too_soon(300))
        sent = result.outcome is not otp.SendOutcome.UNAVAILABLE
    if not sent:
        return Outcome(error=_(OTP_UNAVAILABLE))
    journey.code_sent(request, j)
    return Outcome(info=_(RESET_EMAIL_NOTICE) if reset
                   else _("A new OTP has been sent to your registered email address."))


def _too_soon(wait_seconds: int) -> str:
    minutes, seconds = divmod(wait_seconds, 60)
    return _(
        "A new OTP can only be requested 5 minutes after the last one. Please use the OTP "
        "already sent, or request a new one in %(minutes)s min %(seconds)s s."
    ) % {"minutes": minutes, "seconds": f"{seconds:02d}"}


# --- Set up OTP Channel (SPEC L5) ------------------------------------------------------------


def skip_accept(request, j, user: User) -> Outcome:
    """SKIP THIS STEP, "ACCEPT": an email code is sent at once (SPEC L4, L5)."""
    if not otp.email_code_send(user=user, purpose=OtpPurpose.SETUP, respect_cooldown=False,
                               source_ip=client_ip(request)).sent:
        return Outcome(error=_(OTP_UNAVAILABLE))
    journey.advance(request, j, Stage.SETUP_EMAIL_OTP, code_sent=True)
    return Outcome(redirect=reverse("accounts:otp"))


# --- Forgot/Reset your password? (SPEC L3, L7) -----------------------------------------------


def reset_start(request, *, portal: str, username: str) -> Outcome:
    """"Input User ID", "SUBMIT": the app's page for a User ID with an app device (as the
    documents show), and one and the same email OTP page for every other (SPEC L7)."""
    if (closed := closed_refusal(request, portal)) is not None:
        return closed
    request.session[journey.LANDING_KEY] = portal
    if portal != Portal.CONNECT and not otp_login_open():
        return Outcome(error=_otp_not_yet())
    connect = portal == Portal.CONNECT
    user = services.find_user(username, connect=connect)
    # The same two queries and, without an app device, the same one queued task for every
    # User ID: the worker decides what to mail (issue 10). A queue that is down is said to
    # everybody alike, so nobody is told a mail is coming that was never queued.
    app = otp.has_app(user)
    if not app and not otp.reset_email_queue(username=username, connect=connect):
        return Outcome(error=_(OTP_UNAVAILABLE))
    journey.start(request, stage=Stage.RESET_OTP, user_id=user.pk if user else None,
                  portal=portal, function="", code_sent=not app, by_app=app,
                  challenge_id=_new_half_login(request, user))
    return Outcome(redirect=reverse("accounts:reset_otp"))


def reset_code_step(request, j, user: User | None, *, code: str) -> Outcome:
    """The OTP of a reset: an app code, or the email code sent for this reset.

    An unknown User ID never passes but is answered (and ends) like any other.
    """
    refused = _evaluate(request, j, user,
                        lambda: otp.reset_code_verify(user=user, token=code,
                                                      source_ip=client_ip(request)))
    if refused is not None:
        return refused
    journey.advance(request, j, Stage.RESET_PASSWORD)
    return Outcome(redirect=reverse("accounts:reset_password"))


def reset_password_step(request, j, user: User, *, new_password: str) -> Outcome:
    """"Reset Password": the new password; never logs in (back to "LOG IN")."""
    services.password_reset(user=user, new_password=new_password, source_ip=client_ip(request))
    journey.end(request)
    return Outcome()


# --- after login ---------------------------------------------------------------------------


def logout_step(request) -> str:
    """"Logout" (SPEC L9): recorded, then the session ends. Returns the portal it was in."""
    portal = request.session.get(journey.PORTAL_KEY, Portal.TERMINAL)
    if request.user.is_authenticated:
        record_event(Event.LOGOUT, actor=request.user, subject=request.user,
                     source_ip=client_ip(request), outcome="SUCCESS")
    logout(request)  # flushes the session: a new key
    return portal


# --- the admin (HKEX staff) ----------------------------------------------------------------------


def staff_login(request, *, username: str, password: str, code: str) -> Outcome:
    """The admin's login in one submit: password and app code (SPEC A3, L9, R1).

    Counted and recorded as every other login: a wrong password or 3 wrong codes count, a
    success is recorded and resets the count.
    """
    result = services.authenticate_password(username=username, password=password,
                                            source_ip=client_ip(request))
    if not result.ok:
        return Outcome(error=result.message)
    user = result.user
    if not user.is_staff:
        record_event(Event.LOGIN_FAILURE, subject=user, source_ip=client_ip(request),
                     outcome="FAILURE", reason="not HKEX staff: refused at the admin")
        return Outcome(error=services.INVALID_CREDENTIALS_MESSAGE)
    if not otp.totp_verify(user=user, token=code, source_ip=client_ip(request)):
        user.refresh_from_db(fields=["is_locked"])
        return Outcome(error=services.locked_message(user) if user.is_locked else OTP_WRONG)
    with transaction.atomic():  # the recorded login and its session together, as complete()
        if not services.login_success_record(user=user, source_ip=client_ip(request),
                                             channel="APP"):
            return Outcome(error=CANNOT_LOG_IN)
        login(request, user, backend=BACKEND)
        otp_login(request, TOTPDevice.objects.get(user=user, confirmed=True))
        request.session.save()
    return Outcome(redirect=reverse("admin:index"))

"""OTP channels (SPEC L4-L8): email codes and the ForgeRock Authenticator (TOTP) device.

django-otp does the token work (generation, expiry, TOTP drift and replay refusal, verification
under ``select_for_update``); this module binds it to our rules: journeys, lockout counting,
Celery delivery that fails closed, audit records and security emails.
"""

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django_otp import verify_token as django_otp_verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import Event, record_event
from .devices import Channel, otp_channel
from .emails import queue_security_email
from .models import EmailOTPDevice, OtpPurpose, User
from .services import find_user, otp_failure_record, user_language_note

__all__ = ["Channel", "otp_channel"]  # re-exported: the pages ask this module

logger = logging.getLogger(__name__)


# --- email codes -----------------------------------------------------------------------------


class SendOutcome(enum.Enum):
    SENT = "SENT"
    TOO_SOON = "TOO_SOON"  # a code went out less than 5 minutes ago
    UNAVAILABLE = "UNAVAILABLE"  # the queue could not take it; nothing changed


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    next_allowed_at: datetime | None = None

    @property
    def sent(self) -> bool:
        return self.outcome is SendOutcome.SENT


def _email_device(user: User, *, lock: bool) -> EmailOTPDevice:
    EmailOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "Email", "confirmed": False}
    )
    queryset = EmailOTPDevice.objects.select_for_update() if lock else EmailOTPDevice.objects
    return queryset.get(user=user)


def email_code_send(
    *, user: User, purpose: str, respect_cooldown: bool, source_ip: str | None = None
) -> SendResult:
    """Send a new 8-digit email code for ``purpose``, voiding the user's earlier code (SPEC L4).

    With ``respect_cooldown`` (REQUEST OTP, starting a reset) nothing is sent within 5 minutes of
    the last code. If the queue is down the previous state is restored: no code was made.
    """
    from .tasks import send_otp_email

    validity = settings.CCASS_EMAIL_OTP_VALIDITY_SECONDS
    with transaction.atomic():
        device = _email_device(user, lock=True)
        if respect_cooldown:
            allowed, info = device.generate_is_allowed()
            if not allowed:
                return SendResult(SendOutcome.TOO_SOON, info["next_generation_at"])
        previous = (device.token, device.valid_until, device.purpose,
                    device.last_generated_timestamp)
        device.generate_token(
            length=settings.CCASS_EMAIL_OTP_DIGITS, valid_secs=validity, commit=False
        )
        device.purpose = purpose
        device.cooldown_set(commit=False)
        device.save(update_fields=["token", "valid_until", "purpose", "last_generated_timestamp"])
    try:
        # The page never waits on SMTP; a code that cannot arrive in time is never mailed.
        # The task carries no code: it mails the device's code if it is still the one made here.
        send_otp_email.apply_async(
            args=[device.pk, device.last_generated_timestamp.isoformat()], expires=validity
        )
    except Exception:
        logger.exception("Could not queue the OTP email for %s", user.username)
        with transaction.atomic():
            device = _email_device(user, lock=True)
            (device.token, device.valid_until, device.purpose,
             device.last_generated_timestamp) = previous
            device.save(
                update_fields=["token", "valid_until", "purpose", "last_generated_timestamp"]
            )
        return SendResult(SendOutcome.UNAVAILABLE)
    return SendResult(SendOutcome.SENT)


def email_cooldown_take(*, user: User) -> bool:
    """Start the 5-minute wait of a User ID's reset emails without making a code (SPEC L4).

    False when an email went to this User ID less than 5 minutes ago.
    """
    with transaction.atomic():
        device = _email_device(user, lock=True)
        allowed, _ = device.generate_is_allowed()
        if not allowed:
            return False
        device.cooldown_set(commit=False)
        device.save(update_fields=["last_generated_timestamp"])
    return True


def email_code_verify(
    *, user: User, purpose: str, token: str, source_ip: str | None = None
) -> bool:
    """Accept a live code sent for this journey, once; a wrong one counts (SPEC A3)."""
    token = (token or "").strip()
    with transaction.atomic():
        device = EmailOTPDevice.objects.select_for_update().filter(user=user).first()
        ok = (
            device is not None
            and device.purpose == purpose
            and device.token is not None
            and device.verify_token(token)
        )
        if not ok:
            otp_failure_record(user=user, source_ip=source_ip)
    return ok


def email_channel_confirm(*, user: User, source_ip: str | None = None) -> None:
    """SKIP THIS STEP done: email becomes the user's OTP channel."""
    with transaction.atomic():
        device = _email_device(user, lock=True)
        TOTPDevice.objects.filter(user=user).delete()
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record_event(
                Event.DEVICE_REGISTERED, actor=user, subject=user, source_ip=source_ip,
                outcome="SUCCESS", after={"otp_channel": "EMAIL"},
            )


# --- ForgeRock Authenticator (TOTP) ----------------------------------------------------------


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device shown by REGISTER DEVICE; the same one until it is confirmed."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name="ForgeRock Authenticator (OATH)", confirmed=False,
                digits=6, step=30, tolerance=1,
            )
    return device


def totp_verify(*, user: User, token: str, source_ip: str | None = None) -> bool:
    """Check a code of the user's registered device; a code is accepted once (SPEC L6)."""
    return totp_verified_device(user=user, token=token, source_ip=source_ip) is not None


def totp_verified_device(*, user: User, token: str,
                         source_ip: str | None = None) -> TOTPDevice | None:
    """:func:`totp_verify`, giving the device that accepted the code (None: a wrong code).

    The device row is read once, locked, as django-otp's ``verify_token`` does: two posts of
    one code are checked one after the other and the second finds it used.
    """
    token = (token or "").strip()
    with transaction.atomic(savepoint=False):
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        ok = device is not None and device.verify_token(token)
    if not ok:
        otp_failure_record(user=user, source_ip=source_ip)
        return None
    return device


def totp_register(*, user: User, token: str, source_ip: str | None = None) -> bool:
    """LOGIN USING VERIFICATION CODE: a right code confirms the pending device (SPEC L5)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    token = (token or "").strip()
    if device is None or not django_otp_verify_token(user, device.persistent_id, token):
        otp_failure_record(user=user, source_ip=source_ip)
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        EmailOTPDevice.objects.filter(user=user, confirmed=True).update(confirmed=False)
        record_event(
            Event.DEVICE_REGISTERED, actor=user, subject=user, source_ip=source_ip,
            outcome="SUCCESS", after={"otp_channel": "APP"},
        )
        queue_security_email(user=user, kind="device_registered")
    return True


def _device_change(*, target: User, actor: User, to_email: bool, source_ip) -> bool:
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).get(pk=target.pk)
        deleted, _ = TOTPDevice.objects.filter(user=target, confirmed=True).delete()
        if not deleted:
            return False
        if to_email:
            device = _email_device(target, lock=True)
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        record_event(
            Event.DEVICE_REMOVED, actor=actor, subject=target, source_ip=source_ip,
            outcome="SUCCESS", before={"otp_channel": Channel.APP.value},
            after={"otp_channel": Channel.EMAIL.value if to_email else None},
        )
        queue_security_email(user=target, kind="device_removed")
    return True


def device_remove(*, target: User, actor: User, source_ip: str | None = None) -> bool:
    """AUTHENTICATION SETTINGS, "x Delete" (SPEC L8): the next login registers a new device.

    False if there was no registered device (nothing changes).
    """
    return _device_change(target=target, actor=actor, to_email=False, source_ip=source_ip)


def email_otp_switch(*, target: User, actor: User, source_ip: str | None = None) -> bool:
    """"Multi-factor authentication using OATH enable" off, "Save" (SPEC L8): the registered
    device is removed and email OTP is used from the next login. False if there was none."""
    return _device_change(target=target, actor=actor, to_email=True, source_ip=source_ip)


# --- Forgot/Reset your password? (SPEC L3, L7) -----------------------------------------------


def reset_by_email_allowed(user: User) -> bool:
    """A profile that has not set up its OTP channel resets (sets up) its password by email.

    Users on email OTP who have initialised cannot reset by self-service (SPEC L7); users with
    the app reset with an app code.
    """
    return (
        bool(user.email)
        and not user.is_locked
        and user.is_active
        and otp_channel(user) is None
    )


def has_app(user: User | None) -> bool:
    """Whether ``user`` has a registered app device: one query, for an unknown ID too, so the
    reset's lookup costs the same for every User ID (issue 10)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def reset_email_queue(*, username: str, connect: bool) -> bool:
    """"Input User ID" / REQUEST OTP of a reset: queue the worker's decision (SPEC L7, L4).

    The request does the same for every User ID without an app device, unknown ones included:
    it queues one task carrying the typed User ID and no code; :func:`reset_email_send` in the
    worker decides what to mail. False if the queue cannot take it (the same for every ID).
    """
    from .tasks import send_reset_email

    username = (username or "").strip()[:254]
    try:
        # The page's language goes along: the email is written in it (issue 11).
        send_reset_email.apply_async(
            args=[username, connect], kwargs={"language": translation.get_language() or ""},
            expires=settings.CCASS_EMAIL_OTP_VALIDITY_SECONDS,
        )
    except Exception:
        logger.exception("Could not queue a reset email")
        return False
    return True


def reset_email_send(*, username: str, connect: bool, language: str = "") -> str:
    """In the worker: the email a reset sends, if any (SPEC L7), at most one per User ID per
    5 minutes (SPEC L4). An OTP bound to the reset for a profile that has not set up its OTP
    channel; the "not available" notice for an initialised email-OTP user; nothing for an
    unknown, locked, deleted or app User ID. Returns what it did.

    Whatever it mails is in ``language``, the language of the page the reset was asked from,
    which becomes the profile's email language as a login's does (issue 11; the only use of a
    page the person has not proved to be theirs, see docs/decisions.md).
    """
    user = find_user(username, connect=connect)
    if user is None or not user.email or not user.is_active or user.is_locked:
        return "nothing"
    channel = otp_channel(user)
    if channel is not Channel.APP and language and translation.check_for_language(language):
        user_language_note(user=user, language=language)
    if channel is None:
        return email_code_send(user=user, purpose=OtpPurpose.RESET, respect_cooldown=True
                               ).outcome.value
    if channel is Channel.EMAIL and email_cooldown_take(user=user):
        queue_security_email(user=user, kind="reset_not_available")
        return "notice"
    return "nothing"


def reset_code_verify(*, user: User | None, token: str, source_ip: str | None = None) -> bool:
    """The OTP step of a reset: an app code, or the email code sent for this reset.

    An unknown User ID (``user`` None) never passes and counts nothing; a wrong code of a real
    profile counts as a wrong OTP (SPEC A3), whichever channel it has.
    """
    if user is None:
        return False
    channel = otp_channel(user)
    if channel is Channel.APP:
        return totp_verify(user=user, token=token, source_ip=source_ip)
    if channel is None:
        return email_code_verify(
            user=user, purpose=OtpPurpose.RESET, token=token, source_ip=source_ip
        )
    otp_failure_record(user=user, source_ip=source_ip)
    return False

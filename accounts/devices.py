"""Which OTP channel a profile has set up (SPEC A6, L5): reads, and the primitive that clears them.

Only the actions of :mod:`accounts.services` and :mod:`accounts.otp` call
:func:`devices_delete`, inside their own transaction and audit record.
"""

import enum

from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import EmailOTPDevice, User


class Channel(enum.Enum):
    APP = "APP"  # ForgeRock Authenticator (OATH), TOTP
    EMAIL = "EMAIL"


def otp_channel(user: User) -> Channel | None:
    """The user's set-up OTP channel, or None before "Set up OTP Channel" (SPEC A6)."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return Channel.APP
    if EmailOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return Channel.EMAIL
    return None


def channel_label(user: User) -> str | None:
    channel = otp_channel(user)
    return channel.value if channel else None


def is_initialised(user: User) -> bool:
    """SPEC A6: "2FA initialised" = a regular password and an OTP channel."""
    return user.has_usable_password() and otp_channel(user) is not None


def devices_delete(user: User) -> None:
    """Remove every OTP device of ``user`` (app and email); the caller audits it."""
    TOTPDevice.objects.filter(user=user).delete()
    EmailOTPDevice.objects.filter(user=user).delete()

"""Small helpers the journey tests share: reading codes the way a person would."""

import re

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

OTP_EMAIL = re.compile(r"One Time Password \(OTP\) for (CCASS|CCMS|Client Connect): (\d{8})")


def last_email_code(mailbox) -> str:
    """The code in the newest OTP email (as the user reads it from their inbox)."""
    for message in reversed(mailbox):
        match = OTP_EMAIL.search(message.body)
        if match:
            return match.group(2)
    raise AssertionError("no OTP email was sent")


def otp_emails(mailbox):
    return [m for m in mailbox if OTP_EMAIL.search(m.body)]


def app_code(user, *, steps_ahead=0, key_b32: str | None = None) -> str:
    """The code the user's ForgeRock Authenticator shows (optionally a later 30 s step)."""
    if key_b32 is not None:
        import base64

        padded = key_b32 + "=" * (-len(key_b32) % 8)
        key, step, t0, digits, drift = base64.b32decode(padded), 30, 0, 6, 0
    else:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        key, step, t0, digits, drift = (device.bin_key, device.step, device.t0, device.digits,
                                        device.drift)
    totp = TOTP(key, step, t0, digits, drift)
    totp.time = totp.time + steps_ahead * step
    return f"{totp.token():0{digits}d}"


def register_app(user):
    """Give ``user`` a confirmed authenticator device (as after REGISTER DEVICE)."""
    return TOTPDevice.objects.create(user=user, name="ForgeRock Authenticator (OATH)",
                                     confirmed=True)


def choose_email(user):
    from accounts.models import EmailOTPDevice

    return EmailOTPDevice.objects.create(user=user, name="Email", confirmed=True)


def race(count, work):
    """Run ``work(i)`` in ``count`` threads released together (PostgreSQL concurrency tests).

    Returns one outcome per thread: its result, or the exception it raised. Each thread closes
    its own database connection.
    """
    import threading

    from django.db import connection

    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def runner(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - examined by the caller
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racer is still running (deadlock?)"
    return outcomes


def run_at_once(count, work):
    """:func:`race`, where any exception fails the test."""
    outcomes = race(count, work)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert not errors, errors
    return outcomes


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now, for a server a test starts itself."""
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def stop(proc) -> None:
    """End one process a test started, by its PID: TERM, then KILL after 10 s."""
    import os
    import signal
    import subprocess

    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

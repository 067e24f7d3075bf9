"""SPEC L4 through the real queue: a Redis broker and a Celery worker mail the OTP.

The page never waits on SMTP; the task carries no code and mails the device's code only if it
is still the one made when the task was queued.
"""

import re
import time

import pytest
from django.utils.html import escape

from accounts import otp
from accounts.audit import Event
from accounts.journey import SESSION_KEY, Stage
from accounts.login import RESET_EMAIL_NOTICE as RESET_CODE_NOTICE
from accounts.models import AuditRecord, EmailOTPDevice, LoginFailure, OtpPurpose
from accounts.tasks import send_otp_email, verify_audit_chain_task
from tests.conftest import make_user
from tests.helpers import last_email_code, otp_emails

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

OTP_BODY = re.compile(r"\AOne Time Password \(OTP\) for CCASS: (\d{8})\s*\Z")


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    from ccass_portal.celery import app

    assert not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def drain(timeout=20):
    """Wait until the worker has run everything queued before this (solo pool, FIFO queue)."""
    assert verify_audit_chain_task.delay().get(timeout=timeout)["ok"]


@pytest.fixture
def first_timer(participant):
    """A profile whose DA set it up: no password yet, no OTP channel (SPEC L3)."""
    return make_user(participant, "B0123402", password=None)


def test_it_mails_the_otp_of_input_user_id_through_the_worker(
    client, first_timer, mailoutbox, worker
):
    response = client.post("/login/reset/", {"user_id": "B0123402"})
    assert response.status_code == 302
    assert response.url == "/login/reset/otp/"
    page = client.get(response.url)
    assert page.status_code == 200
    assert escape(RESET_CODE_NOTICE) in page.content.decode()

    assert wait_until(lambda: otp_emails(mailoutbox)), "no OTP email arrived within 20 s"
    drain()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "CCASS: One Time Password"
    match = OTP_BODY.match(message.body)
    assert match, message.body
    assert message.from_email == "noreply_pt@hkex.com.hk"
    assert message.to == [first_timer.email]
    for text in (message.subject, message.body):
        assert "http" not in text.lower()
        assert "b0123402" not in text.lower()
    assert not message.alternatives
    assert not message.attachments

    # The mailed code is the live one, bound to this reset, and it works at the page.
    code = match.group(1)
    device = EmailOTPDevice.objects.get(user=first_timer)
    assert (device.token, device.purpose) == (code, OtpPurpose.RESET)
    response = client.post("/login/reset/otp/", {"otp": last_email_code(mailoutbox)})
    assert response.status_code == 302
    assert response.url == "/login/reset/password/"
    assert client.session[SESSION_KEY]["stage"] == Stage.RESET_PASSWORD
    device.refresh_from_db()
    assert device.token is None  # used once
    assert not LoginFailure.objects.exists()
    assert not AuditRecord.objects.filter(event=Event.OTP_FAILURE).exists()


def test_it_does_not_mail_a_code_that_was_replaced_while_queued(
    client, first_timer, mailoutbox
):
    from celery.contrib.testing.worker import start_worker

    from ccass_portal.celery import app

    # No worker yet: the page's reset task waits in Redis; a first code is made and its task
    # waits behind (the reset task will find it and, SPEC L4, send nothing more) ...
    assert client.post("/login/reset/", {"user_id": "B0123402"}).url == "/login/reset/otp/"
    assert otp.email_code_send(user=first_timer, purpose=OtpPurpose.RESET,
                               respect_cooldown=False).sent
    first = EmailOTPDevice.objects.get(user=first_timer)
    first_code, first_generated = first.token, first.last_generated_timestamp
    # ... while a new code replaces it (voiding the first), and its task queues behind.
    assert otp.email_code_send(user=first_timer, purpose=OtpPurpose.RESET,
                               respect_cooldown=False).sent
    second = EmailOTPDevice.objects.get(user=first_timer)
    assert second.last_generated_timestamp != first_generated
    assert second.token != first_code  # (two random 8-digit codes; 1 in 10^8 they match)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert wait_until(lambda: otp_emails(mailoutbox)), "no OTP email arrived within 20 s"
        drain()

    # Only the live code was mailed; the replaced one never left.
    assert len(otp_emails(mailoutbox)) == 1
    assert last_email_code(mailoutbox) == second.token
    assert first_code not in mailoutbox[0].body
    # The replaced code does not work at the page either; the mailed one does.
    response = client.post("/login/reset/otp/", {"otp": first_code})
    assert response.status_code == 200
    assert "The OTP is incorrect or has expired." in response.content.decode()
    assert AuditRecord.objects.filter(event=Event.OTP_FAILURE, subject=first_timer).count() == 1
    response = client.post("/login/reset/otp/", {"otp": second.token})
    assert response.url == "/login/reset/password/"


def test_it_refuses_to_mail_a_stale_code_when_the_task_is_called_directly(
    first_timer, mailoutbox
):
    from celery.contrib.testing.worker import start_worker

    from ccass_portal.celery import app

    # Two codes, the first replaced by the second; their tasks wait in Redis for now.
    assert otp.email_code_send(user=first_timer, purpose=OtpPurpose.RESET,
                               respect_cooldown=False).sent
    stale = EmailOTPDevice.objects.get(user=first_timer).last_generated_timestamp
    assert otp.email_code_send(user=first_timer, purpose=OtpPurpose.RESET,
                               respect_cooldown=False).sent
    device = EmailOTPDevice.objects.get(user=first_timer)
    assert device.last_generated_timestamp != stale

    assert send_otp_email(device.pk, stale.isoformat()) is False
    assert mailoutbox == []
    # The same task with the live code's timestamp does mail it (the control).
    assert send_otp_email(device.pk, device.last_generated_timestamp.isoformat()) is True
    assert len(mailoutbox) == 1
    assert last_email_code(mailoutbox) == device.token

    # The two queued tasks, run by the worker: again only the live code goes out.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert wait_until(lambda: len(otp_emails(mailoutbox)) >= 2), "no OTP email from the queue"
        drain()
    assert len(otp_emails(mailoutbox)) == 2
    assert {OTP_BODY.match(m.body).group(1) for m in mailoutbox} == {device.token}

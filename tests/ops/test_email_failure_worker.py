"""A failed email through the real queue (Redis broker, a Celery worker): recorded once, when
the worker gives up after the retries, never at a retry (issue 11 item 6)."""

import time

import pytest

from accounts import emails
from accounts.audit import Event
from accounts.models import AuditRecord
from accounts.tasks import send_security_email
from tests.conftest import make_user

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    from ccass_portal.celery import app

    assert not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app


def test_it_records_a_notice_the_worker_gave_up_on_once(participant, monkeypatch, worker):
    user = make_user(participant, "B0123401", password=None)
    attempts = []

    def smtp_down(**kwargs):
        attempts.append(time.monotonic())
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(emails, "send_mail", smtp_down)
    # Two retries, not five: the back-off stays within 1 + 2 seconds.
    monkeypatch.setattr(send_security_email, "max_retries", 2)

    send_security_email.delay(user.pk, "password_changed")

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not AuditRecord.objects.filter(
            event=Event.EMAIL_FAILED).exists():
        time.sleep(0.1)
    time.sleep(0.5)  # nothing more may follow
    records = list(AuditRecord.objects.filter(event=Event.EMAIL_FAILED))
    assert len(attempts) == 3, "the first try and two retries"
    assert len(records) == 1
    assert records[0].subject == user
    assert records[0].details["kind"] == "security: password_changed"
    assert records[0].reason.startswith("ConnectionRefusedError")

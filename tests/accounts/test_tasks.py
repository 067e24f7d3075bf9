"""The nightly audit-chain check, run eagerly and through a real Redis-backed worker."""

import pytest

from accounts.audit import Event, record_event
from accounts.tasks import verify_audit_chain_task


@pytest.mark.django_db
def test_it_reports_an_intact_chain(end_user):
    record_event(Event.LOGIN_SUCCESS, subject=end_user)
    assert verify_audit_chain_task.apply().get() == {
        "ok": True, "checked": 1, "first_bad_id": None
    }


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_it_through_redis(end_user):
    from celery.contrib.testing.worker import start_worker

    from ccass_portal.celery import app

    record_event(Event.LOGIN_SUCCESS, subject=end_user)
    record_event(Event.LOGOUT, subject=end_user)
    assert not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = verify_audit_chain_task.delay()
        assert result.get(timeout=20) == {"ok": True, "checked": 2, "first_bad_id": None}

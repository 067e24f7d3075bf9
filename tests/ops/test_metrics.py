"""Issue 11, metrics: /metrics (behind METRICS_TOKEN) counts logins by outcome, OTP failures,
lockouts, emails and workflow transitions, and times requests; numbers add up across
processes (PROMETHEUS_MULTIPROC_DIR). SPEC A3 (lockout), L4 (OTP email)."""

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import STRONG_PASSWORD
from tests.helpers import app_code, register_app

# Real commits: the counters move when a security record commits (never for a rolled-back one).
pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "scrape-token-for-tests-0123456789"  # noqa: S105
WRONG = "Wrong-Password99!"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict:
    """The endpoint's samples as {(name, (sorted labels)): value}, as Prometheus reads them."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def log_in(client, password, user_id="B0123401"):
    return client.post("/login/", {"user_id": user_id, "password": password,
                                   "function": "online"})


def test_it_refuses_a_scrape_without_the_token(client, settings):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 403  # no "Bearer"
    refused = client.get("/metrics")
    assert b"ccass_logins_total" not in refused.content
    assert "sessionid" not in refused.cookies
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404  # off


def test_it_counts_a_login_a_failure_and_a_lockout(client, end_user):
    register_app(end_user)
    before = scrape(client)

    # A login: password, a wrong OTP, then the right one.
    assert log_in(client, STRONG_PASSWORD).status_code == 302
    client.post("/login/otp/", {"otp": "000000" if app_code(end_user) != "000000" else "1" * 6})
    assert client.post("/login/otp/", {"otp": app_code(end_user)}).url == "/home/"
    client.post("/logout/")
    # 5 wrong passwords lock (SPEC A3); the next attempt is refused as locked.
    for _ in range(5):
        log_in(client, WRONG)
    log_in(client, STRONG_PASSWORD)

    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("ccass_logins_total", outcome="success") == 1
    assert delta("ccass_logins_total", outcome="wrong_otp") == 1
    assert delta("ccass_logins_total", outcome="wrong_password") == 5
    assert delta("ccass_logins_total", outcome="locked") == 1
    assert delta("ccass_otp_failures_total") == 1
    assert delta("ccass_lockouts_total") == 1
    assert delta("ccass_security_events_total", event="ACCOUNT_LOCKED") == 1
    # Request latency, by URL name: the 7 posts to "LOG IN".
    assert delta("ccass_http_request_duration_seconds_count",
                 method="POST", view="accounts:login") == 7
    assert delta("ccass_http_responses_total", method="POST", view="accounts:login",
                 status="302") == 1


def test_it_counts_emails_sent_and_failed(client, end_user, settings, mailoutbox):
    from accounts import otp
    from accounts.models import OtpPurpose
    from ccass_portal.celery import app as celery_app

    settings.EMAIL_BACKEND = "ccass_portal.metrics.MeteredEmailBackend"
    settings.CCASS_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    before = scrape(client)
    otp.email_code_send(user=end_user, purpose=OtpPurpose.LOGIN, respect_cooldown=False)
    assert len(mailoutbox) == 1

    # The mail server refuses: the OTP task fails at once (no retries for a 5-minute code).
    # As in the worker: the failure stays in the task (eager tests propagate it otherwise).
    settings.CCASS_EMAIL_DELIVERY_BACKEND = "tests.ops.test_metrics.RefusingBackend"
    celery_app.conf.task_eager_propagates = False  # the conftest fixture restores it
    otp.email_code_send(user=end_user, purpose=OtpPurpose.LOGIN, respect_cooldown=False)
    assert len(mailoutbox) == 1
    after = scrape(client)
    assert value(after, "ccass_emails_sent_total") - value(before, "ccass_emails_sent_total") == 1
    assert (value(after, "ccass_email_send_errors_total")
            - value(before, "ccass_email_send_errors_total")) == 1
    task = {"task": "accounts.send_otp_email"}
    assert (value(after, "ccass_emails_failed_total", **task)
            - value(before, "ccass_emails_failed_total", **task)) == 1


class RefusingBackend:
    """A mail server that cannot be reached."""

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_it_counts_an_email_task_queued(client):
    from celery.signals import after_task_publish

    before = scrape(client)
    # What Celery signals once a task is on the broker (eager tests publish nothing).
    after_task_publish.send(sender="accounts.send_otp_email", headers={}, body=(),
                            exchange="", routing_key="celery")
    after_task_publish.send(sender="accounts.verify_audit_chain", headers={}, body=(),
                            exchange="", routing_key="celery")
    after = scrape(client)
    task = {"task": "accounts.send_otp_email"}
    assert (value(after, "ccass_emails_queued_total", **task)
            - value(before, "ccass_emails_queued_total", **task)) == 1
    assert ("ccass_emails_queued_total", (("task", "accounts.verify_audit_chain"),)) not in after


def test_it_counts_a_workflow_transition(client, participant):
    """A DMS request created by its maker: the workflow's "start" (eServices move alike)."""
    from dms import services
    from tests.dms.conftest import PROFILE, initialised

    maker = initialised(participant, "B01234X1", "MAKER")
    initialised(participant, "B01234X2", "CHECKER")
    labels = {"workflow": "dms.maintenancerequest", "transition": "start", "status": "PENDING"}
    before = scrape(client)
    services.request_create(maker=maker, username="B0123405", values={
        **PROFILE, "enable_from": None, "disable_after": None, "transaction_limit": {},
        "business_user_groups": []})
    after = scrape(client)
    assert (value(after, "ccass_workflow_transitions_total", **labels)
            - value(before, "ccass_workflow_transitions_total", **labels)) == 1


@pytest.mark.django_db(transaction=False)
def test_it_adds_up_the_counts_of_several_processes(tmp_path):
    """As under gunicorn's workers: each process writes its own file, the scrape sums them."""
    script = (
        "import django; django.setup();"
        "from accounts import observe;"
        "observe.LOGINS.labels(outcome='success').inc();"
        "observe.LOCKOUTS.inc()"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "ccass_portal.settings", "SECRET_KEY": "x"}
    root = Path(__file__).resolve().parents[2]
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, cwd=root, check=True,  # noqa: S603
                       timeout=120)
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(tmp_path))
    assert registry.get_sample_value("ccass_logins_total", {"outcome": "success"}) == 2
    assert registry.get_sample_value("ccass_lockouts_total") == 2


@pytest.mark.django_db(transaction=False)
def test_the_worker_serves_its_numbers_behind_the_same_token(settings):
    from ccass_portal.metrics import serve_worker_metrics

    server = serve_worker_metrics(0, addr="127.0.0.1")  # any free port
    url = f"http://127.0.0.1:{server.server_port}/metrics"
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310
        assert refused.value.code == 403
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            assert b"ccass_emails_sent_total" in answer.read()
    finally:
        server.shutdown()
        server.server_close()


"""``/healthz`` for the load balancer (issue 11 item 3, SPEC O3, O4).

200 when the database, Redis and at least one Celery worker answer; 503 naming the part that
failed otherwise, within 2 seconds. Every "down" is real: the database at a closed port (or, on
SQLite, a file that cannot be opened), a throwaway redis-server killed by its PID, a Redis with
no worker listening.
"""

import contextlib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connections

from tests.accounts.test_broker_down import celery_pointed_at
from tests.security.test_broker import free_port

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
WITHIN_SECONDS = 2.0
UNAVAILABLE_PAGE = "The portal is temporarily unavailable"  # the generic 503 page (issue 10)


def healthz(client, **headers):
    started = time.monotonic()
    response = client.get("/healthz", **headers)
    elapsed = time.monotonic() - started
    assert elapsed < WITHIN_SECONDS, f"/healthz took {elapsed:.2f} s"
    return response


def parts(response) -> dict[str, str]:
    """What an operator reads: each part and its state, one per line."""
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert UNAVAILABLE_PAGE not in text
    return dict(line.split(": ", 1) for line in text.splitlines())




@contextlib.contextmanager
def redis_at(settings, url):
    """The portal configured with ``REDIS_URL=url``: its checks and Celery's broker there."""
    settings.REDIS_URL = url
    with celery_pointed_at(url, results=False):
        yield


def take_the_database_away(monkeypatch, tmp_path):
    """The database as a load balancer meets it when it is down.

    PostgreSQL: a port where nothing listens. SQLite: a file in a folder that is gone. Only the
    settings new connections are made from change; the test's own connection stays open.
    """
    params = connections.settings["default"]
    if connections["default"].vendor == "postgresql":
        monkeypatch.setitem(params, "HOST", "127.0.0.1")
        monkeypatch.setitem(params, "PORT", str(free_port()))
    else:
        monkeypatch.setitem(params, "NAME", str(tmp_path / "gone" / "db.sqlite3"))


@pytest.fixture
def database_unreachable(monkeypatch, tmp_path):
    take_the_database_away(monkeypatch, tmp_path)


def test_it_answers_200_in_the_embedded_default_and_says_what_does_not_apply(client, settings):
    settings.REDIS_URL = ""

    response = healthz(client)

    assert response.status_code == 200
    assert parts(response) == {
        "database": "OK",
        "Redis": "not applicable (REDIS_URL is unset: Celery runs tasks eagerly in the web "
                 "process)",
        "Celery worker": "not applicable (REDIS_URL is unset: Celery runs tasks eagerly in the "
                         "web process)",
    }


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_it_answers_200_when_the_database_redis_and_a_worker_answer(client):
    from celery.contrib.testing.worker import start_worker

    from ccass_portal.celery import app

    assert settings.REDIS_URL and not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        response = healthz(client)

    assert (response.status_code, parts(response)) == (
        200, {"database": "OK", "Redis": "OK", "Celery worker": "OK"})


def test_it_answers_503_naming_the_database_when_it_is_down(client, settings,
                                                            database_unreachable):
    settings.REDIS_URL = ""

    response = healthz(client)

    assert response.status_code == 503
    assert parts(response)["database"] == "Unavailable: the database did not answer"
    # The answer names the part, not where it lives.
    assert "127.0.0.1" not in response.content.decode()
    assert "gone" not in response.content.decode()


# Redis and the worker are checked only when the portal runs with REDIS_URL (its production
# Celery settings: no broker retries, short timeouts); hence the marker.
@pytest.mark.celery_worker
def test_it_answers_503_naming_redis_and_the_worker_when_redis_is_down(client, settings,
                                                                       throwaway_redis):
    url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    throwaway_redis.stop()  # killed by its PID: the port now refuses connections

    with redis_at(settings, url):
        response = healthz(client)

    assert (response.status_code, parts(response)) == (503, {
        "database": "OK",
        "Redis": "Unavailable: Unable to connect to Redis: Connection Error",
        "Celery worker": "Unavailable: no worker can be asked: the broker did not answer",
    })


@pytest.mark.celery_worker
def test_it_answers_503_naming_the_worker_when_none_listens(client, settings, throwaway_redis):
    # A Redis of its own: no worker of this or any other test run listens on it.
    with redis_at(settings, f"redis://127.0.0.1:{throwaway_redis.port}/0"):
        response = healthz(client)

    assert (response.status_code, parts(response)) == (503, {
        "database": "OK",
        "Redis": "OK",
        "Celery worker": "Unavailable: Celery workers unavailable",
    })


def test_it_answers_a_browser_and_curl_in_plain_text(client, settings):
    settings.REDIS_URL = ""

    for accept in ("text/html,application/xhtml+xml,*/*;q=0.8", "*/*"):
        assert parts(healthz(client, HTTP_ACCEPT=accept))["database"] == "OK"


def test_it_answers_json_on_request(client, settings):
    settings.REDIS_URL = ""

    response = healthz(client, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["database"] == "OK"


def test_it_needs_no_login_and_writes_no_session(client, settings, end_user):
    settings.REDIS_URL = ""
    client.force_login(end_user)  # a probe from an operator's browser carries a session
    session = Session.objects.get()
    expiry = session.expire_date

    response = healthz(client)

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.get().expire_date == expiry  # not saved again
    client.logout()
    healthz(client)
    assert not Session.objects.exists()


def test_it_answers_a_probe_by_address_over_plain_http(client, settings):
    """A load balancer probes each host by its address, without TLS (it sits inside)."""
    settings.REDIS_URL = ""
    settings.ALLOWED_HOSTS = ["portal.example"]
    settings.SECURE_SSL_REDIRECT = True

    response = healthz(client, HTTP_HOST="10.0.0.12:8000")

    assert response.status_code == 200
    assert client.get("/", HTTP_HOST="10.0.0.12:8000").status_code == 400  # the portal itself


def test_it_is_never_cached(client, settings):
    settings.REDIS_URL = ""

    response = healthz(client)

    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db(transaction=True)
def test_the_compose_probe_exits_0_when_healthy_and_1_naming_the_part_when_not(
        live_server, settings, monkeypatch, tmp_path):
    """scripts/healthz_probe.py, docker-compose's healthcheck of the web service."""
    settings.REDIS_URL = ""
    probe = [sys.executable, str(ROOT / "scripts" / "healthz_probe.py"),
             f"{live_server.url}/healthz"]

    healthy = subprocess.run(probe, capture_output=True, text=True, timeout=10)  # noqa: S603
    assert (healthy.returncode, healthy.stdout.splitlines()[0]) == (0, "database: OK")

    take_the_database_away(monkeypatch, tmp_path)
    down = subprocess.run(probe, capture_output=True, text=True, timeout=10)  # noqa: S603
    assert (down.returncode, down.stdout.splitlines()[0]) == (
        1, "database: Unavailable: the database did not answer")


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers: a hung server, not a closed one."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept_for_ever():
        with contextlib.suppress(OSError):  # closed at the end of the test
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=accept_for_ever, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for connection in accepted:
        connection.close()


@pytest.mark.celery_worker
def test_it_answers_within_2_s_when_redis_hangs(client, settings, silent_server):
    """The worker check is abandoned at 1.5 s while its thread still waits on the broker."""
    with redis_at(settings, f"redis://127.0.0.1:{silent_server}/0"):
        client.get("/healthz")  # a host that has answered before (Django and kombu loaded)
        response = healthz(client)

    assert (response.status_code, parts(response)) == (503, {
        "database": "OK",
        "Redis": "Unavailable: Unable to connect to Redis: Timeout.",
        "Celery worker": "Unavailable: Timed out after 0.5 seconds",
    })

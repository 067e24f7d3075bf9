"""The Celery broker is down: the page answers at once, honestly, and nothing is half-done.

SPEC L4 / STYLE: a code that cannot be sent is not made; the person is told so within seconds
and is not taken to an OTP page waiting for an email that will never come.
"""

import contextlib
import socket
import threading
import time

import pytest
from django.utils.html import escape

from accounts.audit import Event
from accounts.journey import SESSION_KEY
from accounts.login import OTP_UNAVAILABLE
from accounts.models import AuditRecord, EmailOTPDevice, LoginFailure, User
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import choose_email, last_email_code

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"
ANSWER_WITHIN_SECONDS = 3.0


def _drop_cached_connections(app):
    """Forget the broker pools and the result backend built from the previous URLs.

    Celery keeps the connection pool (``app._pool``), the producer pool
    (``app.amqp._producer_pool``) and the result backend (``app._backend_cache`` or, for
    backends that are not thread-safe, ``app._local.backend``); kombu keeps the pools again in
    process-wide registries keyed by the connection's address. Closing a pool without dropping
    it from those registries would hand the next test a closed pool ("Acquire on closed pool")
    instead of a refused connection, so everything is reset.
    """
    from kombu import pools

    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    pools.reset()
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


def _address(connection):
    return connection.hostname, connection.port


@contextlib.contextmanager
def celery_pointed_at(url, *, results):
    """Celery publishing to ``url`` (and storing results there if ``results``), not eagerly."""
    from ccass_portal.celery import app

    host, port = url.split("//")[1].split("/")[0].split(":")
    names = ("task_always_eager", "broker_url", "result_backend")
    saved = {name: app.conf[name] for name in names}
    _drop_cached_connections(app)
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    if results:
        app.conf.result_backend = url
    try:
        # What a publish will really use now, not a pool cached from an earlier URL.
        assert _address(app.connection_for_write()) == (host, int(port))
        assert _address(app.pool.connection) == (host, int(port))
        assert _address(app.amqp.producer_pool.connections.connection) == (host, int(port))
        if results:
            assert app.backend.connparams["port"] == int(port)
        yield app
    finally:
        for name, value in saved.items():
            app.conf[name] = value
        _drop_cached_connections(app)
        assert _address(app.pool.connection) != (host, int(port))
        _drop_cached_connections(app)


@pytest.fixture(params=["broker", "broker_and_results"])
def broker_down(request):
    """Celery pointed at a port nobody listens on; tasks no longer run in-process.

    ``broker``: only the broker URL. ``broker_and_results``: the broker and the result
    backend, as settings.py configures both from the one REDIS_URL, so a Redis outage takes
    both down together.
    """
    with celery_pointed_at(CLOSED_PORT, results=request.param == "broker_and_results") as app:
        yield app


@pytest.fixture
def hung_redis(settings):
    """A "Redis" that accepts connections and never answers (a hung or overloaded server).

    How long a request then waits is decided by the production timeouts in settings.py, which
    are only configured when REDIS_URL is set (otherwise tasks run eagerly).
    """
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.05)
    held, stop = [], threading.Event()

    def accept_and_ignore():
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept_and_ignore, daemon=True)
    thread.start()
    url = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    try:
        with celery_pointed_at(url, results=True) as app:
            yield app
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
        for conn in held:
            conn.close()


def timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def assert_answered_in_time(took, caplog):
    # The refusal came from Redis being unreachable, not from a pool a previous test closed.
    assert "closed pool" not in caplog.text
    assert took < ANSWER_WITHIN_SECONDS, (
        f"the page took {took:.1f} s to answer with Redis down (limit {ANSWER_WITHIN_SECONDS} s)"
    )


def device_state(user):
    device = EmailOTPDevice.objects.filter(user=user).first()
    if device is None:
        return None
    return (device.token, device.valid_until, device.purpose, device.last_generated_timestamp)


def test_it_says_the_otp_cannot_be_sent_at_log_in_when_the_broker_is_down(
    client, end_user, mailoutbox, broker_down, caplog
):
    device = choose_email(end_user)
    before = device_state(end_user)

    response, took = timed(lambda: client.post(
        "/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD, "function": "online"}
    ))

    assert response.status_code == 200
    assert escape(OTP_UNAVAILABLE) in response.content.decode()
    assert "The OTP could not be sent at the moment" in response.content.decode()
    assert "accounts/login.html" in [t.name for t in response.templates]
    assert SESSION_KEY not in client.session
    assert "_auth_user_id" not in client.session
    # Nothing half-done: no new code in the database, no mail, nothing counted against anyone.
    assert device_state(end_user) == before
    device.refresh_from_db()
    assert device.token is None
    assert mailoutbox == []
    assert not LoginFailure.objects.exists()
    assert not User.objects.get(pk=end_user.pk).is_locked
    assert not AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS).exists()
    # The OTP page is not reachable either.
    assert client.get("/login/otp/").status_code == 302
    assert_answered_in_time(took, caplog)


def test_it_says_the_otp_cannot_be_sent_at_input_user_id_when_the_broker_is_down(
    client, participant, mailoutbox, broker_down, caplog
):
    first_timer = make_user(participant, "B0123402", password=None)
    assert device_state(first_timer) is None

    response, took = timed(lambda: client.post("/login/reset/", {"user_id": "B0123402"}))

    assert response.status_code == 200
    assert escape(OTP_UNAVAILABLE) in response.content.decode()
    assert "accounts/reset_start.html" in [t.name for t in response.templates]
    assert SESSION_KEY not in client.session
    # No code was made (the worker decides what a reset mails, issue 10) and none was mailed.
    assert device_state(first_timer) is None
    assert mailoutbox == []
    assert not User.objects.get(pk=first_timer.pk).has_usable_password()
    assert not AuditRecord.objects.filter(event=Event.PASSWORD_RESET).exists()
    assert client.get("/login/reset/otp/").status_code == 302
    assert_answered_in_time(took, caplog)


def test_it_keeps_the_previous_code_when_a_new_one_cannot_be_queued(
    client, end_user, mailoutbox, broker_down, caplog
):
    """A live code from before the outage stays exactly as it was (restored, not cleared)."""
    choose_email(end_user)
    # A code made while the queue was still up (in-process).
    broker_down.conf.task_always_eager = True
    client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD,
                            "function": "online"})
    broker_down.conf.task_always_eager = False
    assert len(mailoutbox) == 1
    before = device_state(end_user)
    assert before[0] is not None

    other = type(client)()
    response, took = timed(lambda: other.post(
        "/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD, "function": "online"}
    ))

    assert escape(OTP_UNAVAILABLE) in response.content.decode()
    assert SESSION_KEY not in other.session
    assert device_state(end_user) == before
    assert len(mailoutbox) == 1
    # So the first person, still at the OTP page, logs in with the code they were mailed.
    response = client.post("/login/otp/", {"otp": last_email_code(mailoutbox)})
    assert response.url == "/home/"
    assert_answered_in_time(took, caplog)


@pytest.mark.celery_worker  # needs the production (REDIS_URL) Celery settings
def test_it_answers_in_time_when_redis_accepts_but_never_answers(
    client, end_user, mailoutbox, hung_redis, caplog
):
    device = choose_email(end_user)
    before = device_state(end_user)

    response, took = timed(lambda: client.post(
        "/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD, "function": "online"}
    ))

    assert response.status_code == 200
    assert escape(OTP_UNAVAILABLE) in response.content.decode()
    assert SESSION_KEY not in client.session
    assert device_state(end_user) == before
    device.refresh_from_db()
    assert device.token is None
    assert mailoutbox == []
    assert_answered_in_time(took, caplog)

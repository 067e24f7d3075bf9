"""Shared fixtures: named people of the demo participant, and the service guards.

Tests marked ``postgres`` need PostgreSQL (real row locks); ``celery_worker`` a Redis-backed
worker; ``browser`` Debian's Chromium at /usr/bin/chromium; ``two_hosts`` Debian's HAProxy at
/usr/sbin/haproxy; ``postgres_server`` Debian's PostgreSQL server binaries (the test starts its
own throwaway server). Outside CI they are skipped when the service is not configured; in CI
(CI=true) they fail instead, so a missing service can never pass unnoticed.
"""

import glob
import os

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import DARole, Participant, ParticipantKind, User

STRONG_PASSWORD = "Correct-Horse9Battery!"  # 22 characters, every rule of SPEC A1
CHROMIUM = "/usr/bin/chromium"  # Debian's package; browser tests never download one
HAPROXY = "/usr/sbin/haproxy"  # Debian's package: the load balancer of the two-host tests
POSTGRES_SERVER = "/usr/lib/postgresql/*/bin/pg_ctl"  # Debian's postgresql package


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        message = "needs PostgreSQL: set DATABASE_URL=postgres://..."
        if _in_ci():
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    if item.get_closest_marker("celery_worker") and not settings.REDIS_URL:
        message = "needs a Redis-backed Celery worker: set REDIS_URL=redis://..."
        if _in_ci():
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        message = f"needs Debian's Chromium at {CHROMIUM}: apt-get install chromium"
        if _in_ci():
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    if item.get_closest_marker("two_hosts") and not os.path.exists(HAPROXY):
        message = f"needs Debian's HAProxy at {HAPROXY}: apt-get install haproxy"
        if _in_ci():
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    if item.get_closest_marker("postgres_server") and not glob.glob(POSTGRES_SERVER):
        message = f"needs Debian's PostgreSQL at {POSTGRES_SERVER}: apt-get install postgresql"
        if _in_ci():
            pytest.fail(f"CI: {message}")
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in English: a page viewed in Chinese leaves its language active in the
    thread (as LocaleMiddleware does in any server thread until its next request)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _hours_off(settings):
    """SPEC S2: tests run at any hour; the hours tests switch them on themselves."""
    settings.CCASS_ENFORCE_OPERATION_HOURS = False


@pytest.fixture
def participant(db):
    return Participant.objects.create(
        kind=ParticipantKind.HKSCC_CP, participant_id="B01234", name="ABC SECURITIES",
        user_id_prefix="B01234", max_users=20,
    )


def make_user(participant, username, *, role=DARole.NONE, password=STRONG_PASSWORD, **fields):
    user = User(
        username=username, participant=participant, da_role=role,
        surname="CHAN", other_names="Tai Man", email=f"{username.lower()}@abc-securities.example",
        **fields,
    )
    if password:
        user.set_password(password)
        from django.utils import timezone

        user.password_set_at = timezone.now()
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@pytest.fixture
def end_user(participant):
    return make_user(participant, "B0123401")


@pytest.fixture
def maker(participant):
    return make_user(participant, "B01234X1", role=DARole.MAKER)


@pytest.fixture
def checker(participant):
    return make_user(participant, "B01234X2", role=DARole.CHECKER)


class Clock:
    """A controllable ``timezone.now`` (the one edge we mock)."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    from django.utils import timezone

    c = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", c)
    return c


@pytest.fixture(autouse=True)
def _celery_eager_unless_worker(request):
    """Tasks run in-process, except in tests that exercise the real Redis-backed worker."""
    from ccass_portal.celery import app

    if request.node.get_closest_marker("celery_worker"):
        from celery.signals import task_postrun

        # The in-process worker's thread opens its own database connection: close it after
        # each task so the test database can be dropped at the end of the run.
        def close_connection(**kwargs):
            connection.close()

        task_postrun.connect(close_connection, weak=False)
        yield
        task_postrun.disconnect(close_connection)
        return
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def admin_client(db, admin_user, client):
    """An HKEX staff superuser logged in to the admin with password *and* OTP (SPEC L9)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin_user, name="staff", confirmed=True)
    client.force_login(admin_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def throwaway_redis():
    """A redis-server of the test's own on a free port, stopped by PID (fault tests)."""
    from tests.security.test_broker import ThrowawayRedis, free_port

    server = ThrowawayRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()

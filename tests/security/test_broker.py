"""Issue 10, defect 2: the Celery worker outlives a Redis restart; the web side still fails fast.

A throwaway redis-server on its own port (started and killed by PID), a real worker against it:
Redis stops and starts again, and a task sent afterwards is executed. Publishing from a page
keeps failing at once while Redis is down (tests/accounts/test_broker_down.py).
"""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.conf import settings

from accounts.tasks import verify_audit_chain_task
from tests.accounts.test_broker_down import celery_pointed_at

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class ThrowawayRedis:
    def __init__(self, port: int):
        self.port, self.process = port, None

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.exceptions.ConnectionError:
            return False

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - a fixed local binary, no shell
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        assert wait_until(self.answers), "the throwaway redis-server did not start"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # by PID: this process only
            self.process.wait(timeout=10)
        assert not self.answers()




def test_the_settings_retry_in_the_worker_and_fail_fast_in_the_web():
    from ccass_portal.celery import app

    assert settings.CELERY_BROKER_CONNECTION_RETRY is True
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None  # for ever
    assert app.conf.broker_connection_retry is True
    assert app.conf.broker_connection_max_retries is None
    # Publishing from a page: no retries, short timeouts (a page never hangs on Redis).
    assert app.conf.task_publish_retry is False
    assert app.conf.broker_connection_timeout <= 2
    assert app.conf.broker_transport_options["max_retries"] == 0


def test_the_worker_reconnects_after_redis_restarts(throwaway_redis):
    from celery.contrib.testing.worker import start_worker

    url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    with celery_pointed_at(url, results=True) as app, start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ):
        assert verify_audit_chain_task.delay().get(timeout=20)["ok"]  # the worker works

        throwaway_redis.stop()
        time.sleep(2)  # the worker notices the lost connection
        throwaway_redis.start()

        # A task sent after the restart is executed by the same worker.
        result = verify_audit_chain_task.delay()
        assert result.get(timeout=60)["ok"]

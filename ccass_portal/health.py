"""``/healthz``: may the load balancer send this web host work? (issue 11, SPEC O3)

200 when the database, Redis and at least one Celery worker answer; 503 otherwise, naming the
part that failed; within 2 seconds whatever is down. Built on django-health-check: its view runs
the checks side by side and gives each its budget plus one second before giving up on it. The
portal adds short timeouts everywhere, 503 (not the library's 500: a load balancer reads 503 as
"take me out of rotation", and 500 would say the page is broken), part names instead of host
names, and "not applicable" for Redis and the worker in the embedded default (no ``REDIS_URL``:
tasks run eagerly in the web process, so there is no broker and no worker to ask).

``HealthzMiddleware``, first in ``MIDDLEWARE``, answers ``/healthz`` before any other middleware:
no session is read or written (a probe carrying a session cookie would otherwise have its
session saved, which fails while the database is down), no login, no language, no CSRF, and
neither ``ALLOWED_HOSTS`` nor ``SECURE_SSL_REDIRECT`` stands in the way of a load balancer that
probes a host by its address over plain HTTP (the answer builds no URL from the Host header).
The checks catch what fails, so nothing reaches ``OutageMiddleware``, which would answer the
generic "temporarily unavailable" page without saying what is down.
"""

import contextlib
import copy
import dataclasses
import datetime
from concurrent.futures import ThreadPoolExecutor

import kombu.exceptions
import redis.exceptions
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import Error as DatabaseError
from django.db import connections
from django.db.utils import load_backend
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

#: Each check's own budget. The library abandons a check one second after its budget, and the
#: checks run at the same time, so the whole answer comes within 2 s.
CHECK_SECONDS = 0.5
#: libpq's smallest connect timeout (it reads 1 as 2); the library abandons the check earlier
#: and the thread ends by itself soon after.
DATABASE_CONNECT_TIMEOUT = 2
EMBEDDED = "REDIS_URL is unset: Celery runs tasks eagerly in the web process"


class DatabaseCheck(Database):
    """``SELECT 1`` on a connection of its own with a short connect timeout, closed after.

    Not the request thread's shared connection (kept for ``CONN_MAX_AGE``): a check must
    neither reuse a connection that only looks alive nor leave one open in its worker thread.
    """

    timeout = datetime.timedelta(seconds=CHECK_SECONDS)

    def __repr__(self):
        return "database"

    def run(self):
        params = copy.deepcopy(connections.settings[self.alias])
        if params["ENGINE"] == "django.db.backends.postgresql":
            params["OPTIONS"]["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
        connection = load_backend(params["ENGINE"]).DatabaseWrapper(params, self.alias)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                row = cursor.fetchone()
        except DatabaseError as error:
            # The detail (host, port, server message) goes to the log with the traceback,
            # not to whoever asks /healthz.
            raise ServiceUnavailable("the database did not answer") from error
        finally:
            connection.close()
        if row != (1,):
            raise ServiceUnavailable("the database answered SELECT 1 wrongly")


class RedisCheck(Redis):
    """PING on ``REDIS_URL``, the Celery broker and result store."""

    timeout = datetime.timedelta(seconds=CHECK_SECONDS)

    def __repr__(self):
        return "Redis"

    async def run(self):
        try:
            await super().run()
        except redis.exceptions.RedisError as error:  # what the library leaves "unknown"
            raise ServiceUnavailable(f"Redis did not answer PING ({type(error).__name__})") \
                from error


class CeleryWorkerCheck(Ping):
    """At least one worker answers ``ping`` (and consumes the default queue) within the budget."""

    def __repr__(self):
        return "Celery worker"

    def run(self):
        try:
            super().run()
        except (kombu.exceptions.OperationalError, redis.exceptions.RedisError) as error:
            raise ServiceUnavailable("no worker can be asked: the broker did not answer") from error


@dataclasses.dataclass
class NotApplicable(HealthCheck):
    """A part this configuration does not have: always passes, and says why."""

    part: str
    reason: str = dataclasses.field(repr=False)

    def __repr__(self):
        return self.part

    async def run(self):
        return None

    def pretty_status(self):
        return f"not applicable ({self.reason})"


def _redis_client() -> RedisClient:
    return RedisClient.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_SECONDS / 2,
        socket_timeout=CHECK_SECONDS / 2,
    )


def portal_checks():
    """The parts a web host needs, read from the settings at each request."""
    from ccass_portal.celery import app

    yield DatabaseCheck()
    if settings.REDIS_URL:
        yield RedisCheck(client_factory=_redis_client)
        yield CeleryWorkerCheck(app=app, timeout=datetime.timedelta(seconds=CHECK_SECONDS),
                                limit=1)
    else:
        yield NotApplicable("Redis", reason=EMBEDDED)
        yield NotApplicable("Celery worker", reason=EMBEDDED)


@contextlib.contextmanager
def _own_threads():
    """A thread pool whose shutdown does not wait.

    Django runs this async view under WSGI with ``asyncio.run``, which waits at the end for the
    threads of the loop's default pool: a check stuck past its budget (a database that drops
    packets) would hold the answer until it gave up by itself.
    """
    pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="healthz")
    try:
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class HealthzView(HealthCheckView):
    """One line per part: ``OK``, ``not applicable (...)`` or what failed.

    Plain text by default (also for browsers: the library's HTML page has an inline style the
    Content-Security-Policy refuses); JSON with ``Accept: application/json`` or ``?format=json``.
    """

    def get_checks(self):
        return portal_checks()

    def get_executor(self):
        return _own_threads()

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:  # the library's "a check failed"
            response.status_code = 503
        return response

    def _status(self, result):
        return str(result.error) if result.error else result.check.pretty_status()

    def render_to_response(self, context, **response_kwargs):
        return self.render_to_response_text(response_kwargs.get("status", 200))

    def render_to_response_text(self, status):
        lines = [f"{result.check!r}: {self._status(result)}" for result in self.results]
        return HttpResponse("\n".join(lines) + "\n", status=status,
                            content_type="text/plain; charset=utf-8")

    def render_to_response_json(self, status):
        return JsonResponse({repr(result.check): self._status(result) for result in self.results},
                            status=status)


#: The path the load balancer probes.
PATH = "/healthz"


class HealthzMiddleware:
    """Answers ``/healthz`` itself (see the module's docstring); every other path goes on."""

    def __init__(self, get_response):
        self.get_response = get_response
        # The view is async (its checks run side by side); this middleware chain is sync.
        self.healthz = async_to_sync(HealthzView.as_view())

    def __call__(self, request):
        if request.path_info != PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = self.healthz(request)
        response["X-Content-Type-Options"] = "nosniff"
        return response

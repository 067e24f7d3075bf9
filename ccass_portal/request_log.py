"""One log line per request (issue 11), by django-structlog's request middleware.

The line (``request_finished``, or ``request_failed`` with its traceback) says ``request``
(method and path: never the query string, body, headers or cookies), ``code``, ``view`` (the URL
name), ``redirect`` (where a step sent the person: the outcome of a login step), ``duration_ms``,
and from the request's context ``request_id``, ``ip`` and ``user_id`` (the User ID, once the page
has looked up who is logged in; no extra query is made just to log it). The same ``request_id``
is on every other line written while the request runs (security events, warnings) and on the
lines of the Celery tasks it queued.
"""

import time
from urllib.parse import urlsplit

import structlog
from django.dispatch import receiver
from django.utils.functional import empty
from django_structlog import signals
from django_structlog.middlewares import RequestMiddleware

from accounts.audit import client_ip


class RequestLogMiddleware(RequestMiddleware):
    """django-structlog's middleware, telling the User ID rather than the row id."""

    @staticmethod
    def format_request(request) -> str:
        return f"{request.method} {request.path}"

    @staticmethod
    def bind_user_id(request) -> None:
        user = getattr(request, "user", None)
        if user is None or getattr(user, "_wrapped", None) is empty:
            return  # the page never asked who is logged in: no query just to log it
        structlog.contextvars.bind_contextvars(
            user_id=user.get_username() if user.is_authenticated else None)


@receiver(signals.bind_extra_request_metadata)
def _started(request, logger, log_kwargs, **kwargs):
    request._ccass_log_started = time.perf_counter()
    # The address the audit records use (REMOTE_ADDR as the server saw it); a proxy's
    # X-Forwarded-For is not trusted here, as nowhere else.
    structlog.contextvars.bind_contextvars(ip=client_ip(request))
    log_kwargs.pop("user_agent", None)


@receiver(signals.bind_extra_request_finished_metadata)
def _finished(request, logger, response, log_kwargs, **kwargs):
    match = getattr(request, "resolver_match", None)
    log_kwargs["view"] = match.view_name if match else None
    if location := response.get("Location"):
        log_kwargs["redirect"] = urlsplit(location).path
    started = getattr(request, "_ccass_log_started", None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)

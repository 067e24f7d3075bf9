"""What a page answers when a service it needs is down (issue 10, defect 3; SPEC O5).

A database (or Redis) outage is not a fault of the page: the person is told the portal is
temporarily unavailable and when to try again (503 and ``Retry-After``), never shown a 500.
Nothing is half-written: every change runs in an atomic service, which an error rolls back.
The page is rendered from the template alone, with no request and no context processors, so it
needs neither the database nor Redis.
"""

import logging
import sys

import kombu.exceptions
import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

#: The errors that mean "a service is down", not "this page is wrong".
OUTAGES = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)
#: A restarting PostgreSQL or Redis is back within seconds; a person retries after this long.
RETRY_AFTER_SECONDS = 30


def unavailable() -> HttpResponse:
    """The "temporarily unavailable, try again" page: 503, ``Retry-After``, never cached."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _is_outage(exception: BaseException | None) -> bool:
    if isinstance(exception, OUTAGES):
        logger.warning("Service unavailable, answered 503: %s: %s",
                       type(exception).__name__, exception)
        return True
    return False


class OutageMiddleware:
    """An outage raised by a view (or its template) answers 503 instead of 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable() if _is_outage(exception) else None


def server_error(request, *args, **kwargs):
    """``handler500``: an outage met outside the view (saving the session after it, in a
    middleware) is answered like one met inside it; anything else is Django's 500 page."""
    if _is_outage(sys.exc_info()[1]):
        return unavailable()
    return django_server_error(request, *args, **kwargs)

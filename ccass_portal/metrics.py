"""The Prometheus endpoint, request latency and email delivery counters (issue 11).

``/metrics`` answers only a scraper that sends ``Authorization: Bearer <METRICS_TOKEN>``: 404
while no token is set (the endpoint is off), 403 for a missing or wrong token. The portal's own
counters (logins, OTP failures, lockouts, emails, workflow transitions) are defined in
:mod:`accounts.observe`; this module adds the request latency histogram and counts the messages
the mail server takes.

Several processes: set ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder per host, per service) and
every gunicorn worker or Celery pool process writes its numbers there; the endpoint adds them up
(``gunicorn.conf.py`` empties the folder at start). The Celery worker serves its own numbers
(emails sent and failed, transitions it makes) on ``CELERY_METRICS_PORT`` with the same token.
"""

import glob
import hmac
import os
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import ThreadingWSGIServer, choose_encoder, make_wsgi_app
from prometheus_client.multiprocess import MultiProcessCollector

from accounts import observe

#: A login is one Argon2 hash (~0.1-0.3 s); the buckets resolve that range finely.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)

REQUEST_SECONDS = Histogram("ccass_http_request_duration_seconds",
                            "Time to answer a request, by method and URL name",
                            ["method", "view"], buckets=LATENCY_BUCKETS)
RESPONSES = Counter("ccass_http_responses", "Responses by method, URL name and status code",
                    ["method", "view", "status"])


def registry():
    """Every process's numbers under PROMETHEUS_MULTIPROC_DIR; else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multi = CollectorRegistry()
        MultiProcessCollector(multi)
        return multi
    return REGISTRY


def token_accepted(authorization: str | None) -> bool:
    """Whether an ``Authorization`` header carries METRICS_TOKEN (compared in constant time)."""
    token = settings.METRICS_TOKEN
    given = (authorization or "").encode()
    return bool(token) and hmac.compare_digest(given, f"Bearer {token}".encode())


@require_GET
def metrics_view(request):
    """The scrape target (not public: see the module's docstring)."""
    if not settings.METRICS_TOKEN:
        raise Http404
    if not token_accepted(request.headers.get("Authorization")):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(registry()), content_type=content_type)


class RequestMetricsMiddleware:
    """Times every request the portal answers (static files are WhiteNoise's, above it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # URL names, not paths: a bounded set of series (an unknown path is "unresolved").
        view = (match.view_name if match else "") or "unresolved"
        method = request.method if request.method in ("GET", "POST", "HEAD") else "OTHER"
        REQUEST_SECONDS.labels(method=method, view=view).observe(time.perf_counter() - started)
        RESPONSES.labels(method=method, view=view, status=str(response.status_code)).inc()
        return response


class MeteredEmailBackend(BaseEmailBackend):
    """Django's email backend named by CCASS_EMAIL_DELIVERY_BACKEND, counting what it sends.

    ``ccass_emails_sent_total`` counts the messages the mail server accepted;
    ``ccass_email_send_errors_total`` the attempts that raised (the task may retry them).
    """

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.delivery = get_connection(settings.CCASS_EMAIL_DELIVERY_BACKEND,
                                       fail_silently=fail_silently, **kwargs)

    def open(self):
        return self.delivery.open()

    def close(self):
        return self.delivery.close()

    def send_messages(self, email_messages):
        try:
            sent = self.delivery.send_messages(email_messages)
        except Exception:
            observe.EMAIL_SEND_ERRORS.inc()
            raise
        observe.EMAILS_SENT.inc(sent or 0)
        return sent


# --- the Celery worker's own scrape target ----------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the standard library's signature
        pass  # scrapes are not worth a log line each


def worker_app():
    """A WSGI app serving :func:`registry` behind the same token as ``/metrics``."""
    metrics = make_wsgi_app(registry())

    def app(environ, start_response):
        if not token_accepted(environ.get("HTTP_AUTHORIZATION")):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"Forbidden\n"]
        return metrics(environ, start_response)

    return app


def serve_worker_metrics(port: int, addr: str = "0.0.0.0"):  # noqa: S104 - inside the network
    """Serve the worker's numbers on ``port`` from a daemon thread; returns the server."""
    server = make_server(addr, port, worker_app(), ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()
    return server


def empty_multiproc_dir() -> None:
    """Remove the files of an earlier run (before any process of this one writes)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for path in glob.glob(os.path.join(folder, "*.db")):
            os.remove(path)

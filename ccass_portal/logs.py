"""Logs for operations staff (issue 11): one JSON object per line in production.

``LOG_FORMAT=json`` (the default when DEBUG is off) writes every line, the portal's own
(``structlog``: requests, security events) and every library's (Django, Celery, ...), as one JSON
object with ``timestamp``, ``level``, ``logger``, ``event`` and, inside a request, its
``request_id``, ``ip`` and ``user_id`` (the User ID once known). ``LOG_FORMAT=console`` (the
default with DEBUG on) writes the same lines readably.

No secret may reach a line: requests are logged as method and path only (no query string, no
body, no header, no cookie); tracebacks are plain text without local variables (structlog's
``dict_tracebacks`` would show locals, which can hold a typed password); SQL (with session keys
and OTP codes among its parameters) is never logged whatever ``LOG_LEVEL`` says.

This module imports no Django: the settings call :func:`configure`.
"""

import logging
import logging.config

import structlog

#: Processors every line goes through, the portal's own and the libraries' alike.
_SHARED = [
    structlog.contextvars.merge_contextvars,  # request_id, ip, user_id of the request
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _renderer(fmt: str):
    if fmt == "json":
        return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    return [structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)]


def formatter(fmt: str) -> structlog.stdlib.ProcessorFormatter:
    """The formatter of ``fmt`` ("json" or "console"), for a handler of the standard library."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_renderer(fmt)],
    )


def configure(*, fmt: str, level: str) -> dict:
    """Set structlog up and return the ``LOGGING`` dict of the settings."""
    if fmt not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be json or console, not {fmt!r}")
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"portal": {"()": formatter, "fmt": fmt}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "portal"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # SQL parameters hold session keys, OTP codes and password hashes: never logged.
            "django.db.backends": {"level": "INFO"},
            # The one request line is the portal's own (ccass.request); Django's 4xx/5xx
            # warnings would repeat it.
            "django.request": {"level": "ERROR"},
        },
    }


# --- Celery: the request id travels with the task ------------------------------------------


def _publish(headers=None, **kwargs):
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and headers is not None:
        headers["ccass_request_id"] = request_id


def _prerun(task_id=None, task=None, **kwargs):
    if getattr(task.request, "is_eager", False):
        return  # runs inside the request: its context is already bound
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(
        task_id=task_id, task=task.name,
        request_id=getattr(task.request, "ccass_request_id", None),
    )


def _postrun(task=None, **kwargs):
    if not getattr(task.request, "is_eager", False):
        structlog.contextvars.clear_contextvars()


def _setup_logging(**kwargs):
    # Celery leaves logging to us: the worker and beat log as the web app does.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def connect_celery() -> None:
    """Connect the receivers above (called by ``ccass_portal.celery``)."""
    from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

    before_task_publish.connect(_publish, weak=False)
    task_prerun.connect(_prerun, weak=False)
    task_postrun.connect(_postrun, weak=False)
    setup_logging.connect(_setup_logging, weak=False)

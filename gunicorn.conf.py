"""gunicorn reads this file from the folder it starts in (the image's /app, a clone's root).

Issue 11: with ``PROMETHEUS_MULTIPROC_DIR`` set, each worker process writes its metrics to that
folder and ``/metrics`` adds them up; the files of an earlier run are removed before the first
worker starts. gunicorn's own lines (start, stop, worker timeouts) are JSON like the portal's
when LOG_FORMAT is json (the default unless DEBUG). Everything else is on the command line.
"""

import glob
import os

_DEBUG = os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on")
if (os.environ.get("LOG_FORMAT") or ("console" if _DEBUG else "json")) == "json":
    # Replaces gunicorn's plain-text defaults whole: one JSON handler, gunicorn's loggers
    # propagating to it (the portal's settings configure the same handler in each worker).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            # No access log: the portal's own request line replaces it (without query strings).
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json",
                              "stream": "ext://sys.stderr"}},
        "formatters": {"json": {"()": "ccass_portal.logs.formatter", "fmt": "json"}},
    }


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for path in glob.glob(os.path.join(folder, "*.db")):
            os.remove(path)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

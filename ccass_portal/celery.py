"""Celery application: configured from Django settings (``CELERY_`` namespace)."""

import os

from celery import Celery
from celery.signals import worker_init

from . import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccass_portal.settings")

app = Celery("ccass_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Issue 11: the worker logs as the web app does (JSON in production) and its lines carry the
# request id of the page that queued the task.
logs.connect_celery()


@worker_init.connect(weak=False)
def _serve_metrics(**kwargs):
    """Issue 11: the worker's counters (emails sent and failed, transitions it makes), on
    CELERY_METRICS_PORT behind METRICS_TOKEN; the files of an earlier run go first."""
    from django.conf import settings

    from . import metrics

    metrics.empty_multiproc_dir()
    if settings.CELERY_METRICS_PORT:
        metrics.serve_worker_metrics(settings.CELERY_METRICS_PORT)

"""Celery application: configured from Django settings (``CELERY_`` namespace)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccass_portal.settings")

app = Celery("ccass_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

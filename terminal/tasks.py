import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import reports, services


@shared_task(
    name="terminal.write_overnight_reports", ignore_result=True,
    autoretry_for=(OSError,), retry_backoff=True, max_retries=3,
    # The night's date is taken when the task runs: a run queued at 22:00 that has not started
    # within 90 minutes is dropped rather than risk running after midnight for the wrong date
    # (HKEX staff then run ``manage.py overnight_reports --date``).
    expires=90 * 60,
)
def write_overnight_reports(business_date: str | None = None) -> None:
    """SPEC T2, each business night (beat, 22:00 HKT Monday-Friday): every participant's
    reports of the day, or of ``business_date`` (YYYY-MM-DD). A public holiday has none."""
    day = dt.date.fromisoformat(business_date) if business_date else timezone.localdate()
    if reports.is_business_day(day):
        services.overnight_reports_write(business_date=day)

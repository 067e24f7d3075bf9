from celery import shared_task

from . import services


@shared_task(name="dms.expire_pending_requests")
def expire_pending_requests() -> int:
    """Close maker requests left pending past the end of their business day."""
    return services.requests_expire()

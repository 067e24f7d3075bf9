import logging

from celery import shared_task

from .audit import verify_chain

logger = logging.getLogger(__name__)


@shared_task(name="accounts.verify_audit_chain")
def verify_audit_chain_task() -> dict:
    """Nightly check of the audit hash chain (SPEC R1); a break is logged as an error."""
    report = verify_chain()
    if not report.ok:
        logger.error(
            "Audit chain broken at record %s: %s", report.first_bad_id, report.problem
        )
    return {"ok": report.ok, "checked": report.checked, "first_bad_id": report.first_bad_id}

import logging
from datetime import datetime

from celery import Task, shared_task
from django.utils import timezone

from . import emails
from .audit import Event, record_event, verify_chain
from .models import EmailOTPDevice, User

logger = logging.getLogger(__name__)


class EmailTask(Task):
    """A task that sends an email: its final failure (retries exhausted, or none allowed)
    leaves an ``EMAIL_FAILED`` audit record, so the operations page of every web host sees it
    (issue 11). Only ids and the kind are recorded, never a code or a message body."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        import inspect

        try:
            given = inspect.signature(self.run).bind_partial(*args, **kwargs).arguments
            subject = None
            if given.get("user_id"):
                subject = User.objects.filter(pk=given["user_id"]).first()
            elif given.get("device_id"):
                device = EmailOTPDevice.objects.filter(pk=given["device_id"]).first()
                subject = device.user if device else None
            what = self.name.rsplit(".", 1)[-1].removeprefix("send_").removesuffix("_email")
            kind = what.replace("_", " ") + (f": {given['kind']}" if given.get("kind") else "")
            details = {"task": self.name, "task_id": task_id, "kind": kind}
            details |= {k: v for k, v in given.items() if k.endswith("_id")}
            if "username" in given and subject is None:
                details["recipient"] = str(given["username"])[:30]
            record_event(Event.EMAIL_FAILED, subject=subject, outcome="FAILURE",
                         reason=f"{type(exc).__name__}: {exc}"[:200], details=details)
        except Exception:  # the record must never hide the failure it reports
            logger.exception("Could not record the failure of %s[%s]", self.name, task_id)


@shared_task(name="accounts.send_otp_email", acks_late=True, ignore_result=True,
             base=EmailTask)
def send_otp_email(device_id: int, generated_at: str) -> bool:
    """Mail the code made at ``generated_at`` if it is still live (SPEC L4).

    The message carries no code; a code already used, expired or replaced is not mailed. The
    caller also sets ``expires`` so a queue that recovers late drops the task.
    """
    device = EmailOTPDevice.objects.select_related("user", "user__participant").filter(
        pk=device_id
    ).first()
    if (
        device is None
        or device.token is None
        or device.last_generated_timestamp != datetime.fromisoformat(generated_at)
        or device.valid_until <= timezone.now()
    ):
        return False
    emails.send_otp(user=device.user, token=device.token)
    return True


@shared_task(name="accounts.send_reset_email", acks_late=True, ignore_result=True,
             base=EmailTask)
def send_reset_email(username: str, connect: bool, language: str = "") -> str:
    """"Forgot/Reset your password?": decide and send what the typed User ID gets (SPEC L7).

    The page queues this for every User ID without an app device, unknown ones included, so the
    request reveals nothing; the caller sets ``expires``. ``language``: the page's (issue 11).
    """
    from .otp import reset_email_send

    return reset_email_send(username=username, connect=connect, language=language)


#: Notices (not OTPs) may arrive late: retry a failing SMTP server with back-off.
NOTICE_TASK = {"ignore_result": True, "autoretry_for": (OSError,), "retry_backoff": True,
               "max_retries": 5, "base": EmailTask}


@shared_task(name="accounts.send_security_email", **NOTICE_TASK)
def send_security_email(user_id: int, kind: str) -> None:
    user = User.objects.select_related("participant").get(pk=user_id)
    emails.send_security_notice(user=user, kind=kind)


@shared_task(name="accounts.send_da_notice_email", **NOTICE_TASK)
def send_da_notice_email(user_id: int, kind: str) -> None:
    user = User.objects.select_related("participant").get(pk=user_id)
    emails.send_da_notice(user=user, kind=kind)


@shared_task(name="accounts.verify_audit_chain", ignore_result=False)
def verify_audit_chain_task() -> dict:
    """Nightly check of the audit hash chain (SPEC R1); a break is logged as an error."""
    report = verify_chain()
    if not report.ok:
        logger.error(
            "Audit chain broken at record %s: %s", report.first_bad_id, report.problem
        )
    return {"ok": report.ok, "checked": report.checked, "first_bad_id": report.first_bad_id}


@shared_task(name="accounts.clear_expired_sessions", ignore_result=True, expires=60 * 60)
def clear_expired_sessions() -> None:
    """Daily: delete expired session rows, as ``manage.py clearsessions`` does (issue 10)."""
    from importlib import import_module

    from django.conf import settings

    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()

"""eService notifications (SPEC E5), in the documents' layout, sent by Celery after commit.

Subject "DA 3 - CCASS/ CCMS Delegated Administrator Application/ Maintenance Form (DA3_00000001
from B01234)", sender ``CCASS_CONNECT_FROM_EMAIL`` (noreply_connect@hkex.com.hk), the fields
"Reference Number", "Workflow Status", "Notification Type", "Just Processed By", "Require
action from", and no link.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import User

from .models import FORM_TITLES, EService, FormKind

logger = logging.getLogger(__name__)

#: kind -> (notification type, workflow status shown, who is told)
KINDS = {
    "ready": ("For action", "Ready to Send to HKEX", "checkers"),
    "referred": ("For action", "Ready to Send to HKEX", "claimer"),
    "reverted": ("For reference", "Reverted", "maker"),
    "sent": ("For reference", "Sent to HKEX", "maker"),
    "completed": ("For reference", "Completed", "maker"),
    "rejected": ("For reference", "Rejected", "maker"),
}


def _checkers(record: EService):
    users = User.objects.filter(connect_company_id=record.participant_id, is_active=True)
    return [u for u in users if u.connect_checker and u.pk != record.submitted_by_id]


def recipients(record: EService, kind: str) -> list[str]:
    who = KINDS[kind][2]
    if who == "checkers":
        people = _checkers(record)
    elif who == "claimer":
        people = [record.claimed_by] if record.claimed_by_id else []
    else:
        people = [p for p in {record.maker, record.submitted_by} if p is not None]
    return sorted({p.email or p.username for p in people if p.is_active})


def _name(user: User | None, company: str) -> str:
    if user is None or user.is_staff:
        return "HKEX"
    return f"{user.get_full_name() or user.username}, {company}"


def subject(record: EService) -> str:
    return (f"{FORM_TITLES[record.form]} ({record.reference} from "
            f"{record.participant.participant_id})")


def send_notice(*, record: EService, kind: str, actor: User | None, message: str = "") -> None:
    notification_type, status, who = KINDS[kind]
    to = recipients(record, kind)
    if not to:
        return
    company = record.participant.name
    if who == "checkers":
        require = f"Checker of {company}"
    elif who == "claimer":
        require = _name(record.claimed_by, company)
    elif kind == "reverted":
        require = f"Maker of {company}"
    else:
        require = "Nil"
    assigned = [a for a in (record.result or {}).get("applied", []) if a.get("type") == "ADD"]
    body = render_to_string("emails/eservice_notice.txt", {
        "record": record, "notification_type": notification_type, "status": status,
        "processed_by": _name(actor, company), "require": require, "message": message,
        "assigned": assigned, "completed": kind == "completed",
        "granted": (record.result or {}).get("granted") if record.form == FormKind.DA4 else None,
        "reason": record.reject_reason if kind == "rejected" else "",
    })
    send_mail(subject=subject(record), message=body,
              from_email=settings.CCASS_CONNECT_FROM_EMAIL, recipient_list=to)


def queue_notice(*, record: EService, kind: str, actor: User | None, message: str = "") -> None:
    """Queue the notice of a step once the step's transaction commits."""
    from .tasks import send_eservice_notice

    if kind not in KINDS:
        raise ValueError(kind)

    def enqueue():
        try:
            send_eservice_notice.delay(record.pk, kind, actor.pk if actor else None, message)
        except Exception:  # a notice must never break the step it reports
            logger.exception("Could not queue the %s notice of eService %s", kind, record.pk)

    transaction.on_commit(enqueue)

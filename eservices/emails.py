"""eService notifications (SPEC E5), in the documents' layout, sent by Celery after commit.

Subject "DA 3 - CCASS/ CCMS Delegated Administrator Application/ Maintenance Form (DA3_00000001
from B01234)", sender ``CCASS_CONNECT_FROM_EMAIL`` (noreply_connect@hkex.com.hk), the fields
"Reference Number", "Workflow Status", "Notification Type", "Just Processed By", "Require
action from", and no link.

Issue 11: a notice goes to several people at once; each language group (every recipient's
``User.language``, English when unset) gets one email in its language.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.emails import in_language_of
from accounts.models import User

from .models import FORM_TITLES, EService, FormKind

logger = logging.getLogger(__name__)

#: kind -> (notification type, workflow status shown, who is told)
FOR_ACTION, FOR_REFERENCE = gettext_lazy("For action"), gettext_lazy("For reference")
KINDS = {
    "ready": (FOR_ACTION, gettext_lazy("Ready to Send to HKEX"), "checkers"),
    "referred": (FOR_ACTION, gettext_lazy("Ready to Send to HKEX"), "claimer"),
    "reverted": (FOR_REFERENCE, gettext_lazy("Reverted"), "maker"),
    "sent": (FOR_REFERENCE, gettext_lazy("Sent to HKEX"), "maker"),
    "completed": (FOR_REFERENCE, gettext_lazy("Completed"), "maker"),
    "rejected": (FOR_REFERENCE, gettext_lazy("Rejected"), "maker"),
}


def _checkers(record: EService):
    users = User.objects.filter(connect_company_id=record.participant_id, is_active=True)
    return [u for u in users if u.connect_checker and u.pk != record.submitted_by_id]


def _people(record: EService, kind: str) -> list[User]:
    who = KINDS[kind][2]
    if who == "checkers":
        people = _checkers(record)
    elif who == "claimer":
        people = [record.claimed_by] if record.claimed_by_id else []
    else:
        people = [p for p in {record.maker, record.submitted_by} if p is not None]
    return [p for p in people if p.is_active]


def _address(user: User) -> str:
    return user.email or user.username


def recipients(record: EService, kind: str) -> list[str]:
    return sorted({_address(p) for p in _people(record, kind)})


def language_groups(people: list[User]) -> list[tuple[User, list[str]]]:
    """The recipients by the language of their emails: (one of them, their addresses), English
    first; each group gets one email."""
    groups: dict[str, tuple[User, set[str]]] = {}
    for person in sorted(people, key=lambda p: p.pk):
        language = person.language or settings.LANGUAGE_CODE
        groups.setdefault(language, (person, set()))[1].add(_address(person))
    return [(first, sorted(addresses)) for language, (first, addresses) in sorted(
        groups.items(), key=lambda item: item[0] != settings.LANGUAGE_CODE)]


def _name(user: User | None, company: str) -> str:
    if user is None or user.is_staff:
        return _("HKEX")
    return f"{user.get_full_name() or user.username}, {company}"


def subject(record: EService) -> str:
    return _("%(title)s (%(reference)s from %(participant_id)s)") % {
        "title": FORM_TITLES[record.form], "reference": record.reference,
        "participant_id": record.participant.participant_id}


def send_notice(*, record: EService, kind: str, actor: User | None, message: str = "") -> None:
    for someone, to in language_groups(_people(record, kind)):
        with in_language_of(someone):
            _send_notice(record=record, kind=kind, actor=actor, message=message, to=to)


def _send_notice(*, record: EService, kind: str, actor: User | None, message: str,
                 to: list[str]) -> None:
    notification_type, status, who = KINDS[kind]
    company = record.participant.name
    if who == "checkers":
        require = _("Checker of %(company)s") % {"company": company}
    elif who == "claimer":
        require = _name(record.claimed_by, company)
    elif kind == "reverted":
        require = _("Maker of %(company)s") % {"company": company}
    else:
        require = _("Nil")
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

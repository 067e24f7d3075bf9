"""Emails to users: one small function per kind, templates under templates/emails/ (SPEC L4).

None of them carries a link; OTP emails carry neither a URL nor the User ID.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from .models import User

#: The kinds of security notice and what each says (in the language of the recipient).
SECURITY_EMAIL_KINDS = {
    "password_changed": gettext_lazy("Your password has been changed"),
    "password_reset": gettext_lazy("Your password has been reset"),
    "device_registered": gettext_lazy("An OTP device has been registered"),
    "device_removed": gettext_lazy("Your OTP device registration has been removed"),
    "reset_not_available": gettext_lazy("Password reset by self-service is not available"),
}

SECURITY_EMAIL_TEMPLATES = {"reset_not_available": "emails/reset_not_available.txt"}


def in_language_of(user: User):
    """Issue 11: a user's email is written in the language they last used (English prevails)."""
    return translation.override(user.language or settings.LANGUAGE_CODE)


def _now_text() -> str:
    """When the email was written, in Hong Kong time, in the active language's format."""
    return dateformat.format(timezone.localtime(),
                             pgettext("date format", "d-M-Y H:i"))


def send_otp(*, user: User, token: str) -> None:
    """SPEC L4: subject "CCASS: One Time Password", body "One Time Password (OTP) for CCASS: N"."""
    with in_language_of(user):
        _send_otp(user=user, token=token)


def _send_otp(*, user: User, token: str) -> None:
    system = user.system_name
    send_mail(
        subject=_("%(system)s: One Time Password") % {"system": system},
        message=render_to_string("emails/otp.txt", {"system": system, "token": token}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def send_security_notice(*, user: User, kind: str) -> None:
    """Tell the user a security setting of theirs changed (no link: phishing-safe)."""
    with in_language_of(user):
        _send_security_notice(user=user, kind=kind)


def _send_security_notice(*, user: User, kind: str) -> None:
    system = user.system_name
    send_mail(
        subject=_("%(system)s: %(what)s") % {"system": system,
                                             "what": SECURITY_EMAIL_KINDS[kind]},
        message=render_to_string(
            SECURITY_EMAIL_TEMPLATES.get(kind, "emails/security_notice.txt"),
            {"system": system, "user": user, "what": SECURITY_EMAIL_KINDS[kind],
             "when": _now_text()},
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def queue_security_email(*, user: User, kind: str) -> None:
    """Queue a security notice once the caller's transaction commits."""
    from .tasks import send_security_email

    if kind not in SECURITY_EMAIL_KINDS:
        raise ValueError(kind)
    if user.email:
        transaction.on_commit(lambda: _enqueue(send_security_email, user.pk, kind))


def _enqueue(task, *args):
    import logging

    try:
        task.delay(*args)
    except Exception:  # a notice must never break the change it reports
        logging.getLogger(__name__).exception("Could not queue %s%r", task.name, args)


DA_NOTICE_KINDS = {
    "locked": gettext_lazy("has been locked after too many unsuccessful login attempts"),
    "reset": gettext_lazy("has had its OTP device registration unlocked/reset"),
    "deleted": gettext_lazy("has been deleted"),
}


def send_da_notice(*, user: User, kind: str) -> None:
    """Tell the participant's DAs that one of their profiles was locked, reset or deleted.

    One email per language: each DA reads it in the language they last used (issue 11).
    """
    das = User.objects.filter(participant_id=user.participant_id, is_active=True).exclude(
        da_role="").exclude(email="")
    by_language: dict[str, set[str]] = {}
    for da in das:
        by_language.setdefault(da.language or settings.LANGUAGE_CODE, set()).add(da.email)
    for language, recipients in sorted(by_language.items()):
        with translation.override(language):
            _send_da_notice(user=user, kind=kind, recipients=sorted(recipients))


def _send_da_notice(*, user: User, kind: str, recipients: list[str]) -> None:
    system = user.system_name
    send_mail(
        subject=_("%(system)s: user profile %(user_id)s %(what)s") % {
            "system": system, "user_id": user.username, "what": DA_NOTICE_KINDS[kind]},
        message=render_to_string("emails/da_notice.txt", {
            "system": system, "user": user, "what": DA_NOTICE_KINDS[kind],
            "when": _now_text(),
        }),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def queue_da_notice(*, user: User, kind: str) -> None:
    """Queue the DA notice once the caller's transaction commits (SPEC D, issue item 8)."""
    from .tasks import send_da_notice_email

    if kind not in DA_NOTICE_KINDS:
        raise ValueError(kind)
    if user.participant_id:
        transaction.on_commit(lambda: _enqueue(send_da_notice_email, user.pk, kind))

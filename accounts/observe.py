"""What operations staff see of the portal's security events: log lines and counters (issue 11).

Every security event is already written once, by :func:`accounts.audit.record_event` (SPEC R1);
that function hands each committed record to :func:`security_event`, which writes one log line
and counts it (logins by outcome, OTP failures, lockouts). Workflow transitions are counted by
:meth:`accounts.workflow.Workflow.move`; emails where Celery queues and fails them (the signal
receivers below) and where the mail server takes them (``ccass_portal.metrics``).

Nothing here sees a password, OTP, session key, TOTP secret or reset code: a log line carries
the event's name, outcome, reason, who (User IDs), participant, source IP, the record's id and
only the detail keys listed in :data:`LOGGED_DETAILS` (counts and channel names). The typed
"User ID" of an unknown ID stays in the audit record only: a person may type a password there.

The counters use ``prometheus_client``; under gunicorn and Celery's prefork pool they are
shared across processes through ``PROMETHEUS_MULTIPROC_DIR`` (README, "Metrics").
"""

import structlog
from celery.signals import after_task_publish, task_failure
from prometheus_client import Counter

logger = structlog.get_logger("ccass.security")

#: The tasks that send an email (SPEC L4, L7, E5 and the security notices).
EMAIL_TASKS = (
    "accounts.send_otp_email",
    "accounts.send_reset_email",
    "accounts.send_security_email",
    "accounts.send_da_notice_email",
    "eservices.send_eservice_notice",
)

#: Detail keys a log line may repeat from the audit record: counts and names, never input.
LOGGED_DETAILS = ("counted_failures", "consecutive_otp_failures", "channel", "task", "kind")


class LoginOutcome:
    """The label values of ``ccass_logins_total``: one per login attempt decided."""

    SUCCESS = "success"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a label value
    WRONG_OTP = "wrong_otp"
    LOCKED = "locked"  # refused because the account is locked
    UNKNOWN_USER = "unknown_user"
    REFUSED = "refused"  # not eligible (disabled, outside its window, not staff, DMS, ...)
    WRONG_AUTHORISATION_CODE = "wrong_authorisation_code"

    ALL = (SUCCESS, WRONG_PASSWORD, WRONG_OTP, LOCKED, UNKNOWN_USER, REFUSED,
           WRONG_AUTHORISATION_CODE)


LOGINS = Counter("ccass_logins", "Login attempts (password, smartcard or OTP entry) by outcome",
                 ["outcome"])
OTP_FAILURES = Counter("ccass_otp_failures", "Wrong OTPs entered (login, reset, admin)")
LOCKOUTS = Counter("ccass_lockouts", "Accounts locked after 5 unsuccessful attempts (SPEC A3)")
SECURITY_EVENTS = Counter("ccass_security_events", "Security (audit) records by event",
                          ["event"])
EMAILS_QUEUED = Counter("ccass_emails_queued", "Email tasks queued for the Celery worker",
                        ["task"])
EMAILS_SENT = Counter("ccass_emails_sent", "Email messages the mail server accepted")
EMAIL_SEND_ERRORS = Counter("ccass_email_send_errors",
                            "Attempts to hand messages to the mail server that raised "
                            "(a notice task retries them)")
EMAILS_FAILED = Counter("ccass_emails_failed",
                        "Email tasks given up (retries exhausted, or none allowed)", ["task"])
TRANSITIONS = Counter("ccass_workflow_transitions",
                      "Workflow transitions (eServices, DMS requests) by workflow, transition "
                      "and the status reached", ["workflow", "transition", "status"])

# Every login outcome is exported from the start, at 0, so a rate can be drawn at once.
for _outcome in LoginOutcome.ALL:
    LOGINS.labels(outcome=_outcome)
for _task in EMAIL_TASKS:
    EMAILS_QUEUED.labels(task=_task)
    EMAILS_FAILED.labels(task=_task)


def _login_outcome(record) -> str | None:
    """The login outcome an audit record stands for; None when it is no new attempt."""
    from .audit import Event
    from .models import LoginFailure
    from .services import REFUSED_LOCKED

    if record.event == Event.LOGIN_SUCCESS:
        return LoginOutcome.SUCCESS
    if record.event == Event.OTP_FAILURE:
        return LoginOutcome.LOCKED if record.reason == REFUSED_LOCKED else LoginOutcome.WRONG_OTP
    if record.event != Event.LOGIN_FAILURE:
        return None
    reason = record.reason
    if reason == REFUSED_LOCKED:
        return LoginOutcome.LOCKED
    if reason in (LoginFailure.Reason.PASSWORD.label, LoginFailure.Reason.SMARTCARD.label):
        return LoginOutcome.WRONG_PASSWORD
    if reason == LoginFailure.Reason.OTP.label:
        return None  # the 3rd wrong OTP in a row: already counted as a wrong OTP
    if reason == LoginFailure.Reason.AUTHORISATION_CODE.label:
        return LoginOutcome.WRONG_AUTHORISATION_CODE
    if reason.startswith("unknown "):
        return LoginOutcome.UNKNOWN_USER
    return LoginOutcome.REFUSED


def security_event(record) -> None:
    """One log line and the counters of a committed audit record (called on commit)."""
    from .audit import Event

    SECURITY_EVENTS.labels(event=record.event).inc()
    outcome = _login_outcome(record)
    if outcome is not None:
        LOGINS.labels(outcome=outcome).inc()
    if record.event == Event.OTP_FAILURE:
        OTP_FAILURES.inc()
    elif record.event == Event.ACCOUNT_LOCKED:
        LOCKOUTS.inc()
    participant = record.participant.participant_id if record.participant_id else None
    details = {k: record.details[k] for k in LOGGED_DETAILS if k in (record.details or {})}
    logger.info(
        "security_event", audit_event=record.event, outcome=record.outcome,
        reason=record.reason, login_outcome=outcome, subject=record.subject_label or None,
        actor=record.actor_label or None, participant=participant, source_ip=record.source_ip,
        audit_id=record.pk, **details,
    )


def transition(*, workflow: str, name: str, status: str) -> None:
    """Count one committed workflow transition (called on commit by ``Workflow``)."""
    TRANSITIONS.labels(workflow=workflow, transition=name, status=status).inc()


@after_task_publish.connect(weak=False)
def _email_queued(sender=None, **kwargs):
    # Sent only when a task really goes to the broker; eager Celery (the embedded default)
    # queues nothing, so nothing is counted there.
    if sender in EMAIL_TASKS:
        EMAILS_QUEUED.labels(task=sender).inc()


@task_failure.connect(weak=False)
def _email_failed(sender=None, **kwargs):
    name = getattr(sender, "name", None)
    if name in EMAIL_TASKS:
        EMAILS_FAILED.labels(task=name).inc()

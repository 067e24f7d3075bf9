"""The one way to write a security record (SPEC R1), and the check of the hash chain.

Every record carries ``record_hash = sha256(previous_hash + canonical content)``. Appends are
serialised by a row lock on the single :class:`AuditChainHead` row, so two concurrent appends
never fork the chain. Call :func:`record_event` after a service has locked the rows it decides
on, so the head lock is always taken after them (never before, which could deadlock); it is
held until the service's transaction commits.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditRecord

GENESIS_HASH = "0" * 64


class Event:
    """Names of recorded events; one place so reports and tests agree on them."""

    LOGIN_SUCCESS = "LOGIN_SUCCESS"
    LOGIN_FAILURE = "LOGIN_FAILURE"
    OTP_FAILURE = "OTP_FAILURE"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    ACCOUNT_UNLOCKED = "ACCOUNT_UNLOCKED"
    OTP_RESET = "OTP_RESET"
    PASSWORD_SET = "PASSWORD_SET"  # noqa: S105 - an event name
    PASSWORD_CHANGED = "PASSWORD_CHANGED"  # noqa: S105
    PASSWORD_RESET = "PASSWORD_RESET"  # noqa: S105
    DEVICE_REGISTERED = "DEVICE_REGISTERED"
    DEVICE_REMOVED = "DEVICE_REMOVED"
    LOGOUT = "LOGOUT"
    PROFILE_CREATED = "PROFILE_CREATED"
    PROFILE_CHANGED = "PROFILE_CHANGED"
    PROFILE_DELETED = "PROFILE_DELETED"
    PARTICIPANT_CREATED = "PARTICIPANT_CREATED"
    PARTICIPANT_CHANGED = "PARTICIPANT_CHANGED"
    ADMIN_ACTION = "ADMIN_ACTION"


def _label(user) -> str:
    return user.get_username() if user is not None else ""


def _content(record: AuditRecord) -> dict:
    return {
        "at": record.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "event": record.event,
        "outcome": record.outcome,
        "reason": record.reason,
        "actor_id": record.actor_id,
        "actor_label": record.actor_label,
        "subject_id": record.subject_id,
        "subject_label": record.subject_label,
        "participant_id": record.participant_id,
        "source_ip": record.source_ip,
        "before": record.before,
        "after": record.after,
        "details": record.details,
    }


def compute_hash(record: AuditRecord, previous_hash: str) -> str:
    payload = json.dumps(_content(record), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + payload).encode()).hexdigest()


def record_event(
    event: str,
    *,
    actor=None,
    subject=None,
    participant=None,
    source_ip: str | None = None,
    outcome: str = "",
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    details: dict | None = None,
) -> AuditRecord:
    """Append one security record to the chain; joins the caller's transaction if any."""
    if participant is None:
        participant = getattr(subject, "participant", None) or getattr(actor, "participant", None)
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            # First record ever (or after a test flush): create the head, then lock it.
            AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        record = AuditRecord(
            at=timezone.now(),
            event=event,
            outcome=outcome,
            reason=reason,
            actor=actor,
            actor_label=_label(actor),
            subject=subject,
            subject_label=_label(subject),
            participant=participant,
            source_ip=source_ip or None,
            before=before or {},
            after=after or {},
            details=details or {},
            previous_hash=head.last_hash,
        )
        # JSON round trip so the hash is over what the database will give back.
        record.before = json.loads(json.dumps(record.before, default=str))
        record.after = json.loads(json.dumps(record.after, default=str))
        record.details = json.loads(json.dumps(record.details, default=str))
        record.record_hash = compute_hash(record, head.last_hash)
        record.save(force_insert=True)
        head.last_hash = record.record_hash
        head.last_record_id = record.pk
        head.save(update_fields=["last_hash", "last_record_id"])
    return record


@dataclass
class ChainReport:
    checked: int
    first_bad_id: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None and not self.problem


def verify_chain() -> ChainReport:
    """Walk every record in order and recompute its hash; report the first break."""
    previous = GENESIS_HASH
    checked = 0
    last_id = None
    for record in AuditRecord.objects.order_by("id").iterator(chunk_size=2000):
        if record.previous_hash != previous:
            return ChainReport(checked, record.pk, "previous_hash does not match the record before")
        if compute_hash(record, previous) != record.record_hash:
            return ChainReport(checked, record.pk, "content does not match its hash")
        previous = record.record_hash
        last_id = record.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != previous or head.last_record_id != last_id):
        return ChainReport(checked, None, "the newest record is missing (chain head disagrees)")
    if head is None and checked:
        return ChainReport(checked, None, "chain head is missing")
    return ChainReport(checked, None, "")


def client_ip(request) -> str | None:
    """The client's address as the server saw it (a proxy must be trusted to say more)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None

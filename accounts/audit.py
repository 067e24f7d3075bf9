"""The one way to write a security record (SPEC R1), and the check of the hash chain.

Every record carries ``record_hash = sha256(previous_hash + canonical content)`` and extends
one chain: its subject user's own, else its participant's, else the "system" chain (issue 10:
one chain for all would make every login of every host wait for one row). Appends to a chain
are serialised by a row lock on that chain's :class:`AuditChainHead`, so two concurrent appends
never fork it; a login locks only its own user's head, which no other login waits for. Call
:func:`record_event` after a service has locked the rows it decides on, so the head lock is
always taken after them (never before, which could deadlock); it is held until the service's
transaction commits. What this still guarantees is in docs/decisions.md ("The audit trail").
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from . import observe
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
    #: An email given up after its retries (issue 11: the operations page counts them).
    EMAIL_FAILED = "EMAIL_FAILED"


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


def chain_of(*, subject=None, participant=None) -> str:
    """The chain a record extends: the subject user's, else the participant's, else system."""
    if getattr(subject, "pk", None) is not None:
        return f"user:{subject.pk}"
    if getattr(participant, "pk", None) is not None:
        return f"participant:{participant.pk}"
    return "system"


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
    chain = chain_of(subject=subject, participant=participant)
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
        if head is None:
            # The chain's first record: create its head unless a racing first append just did
            # (INSERT ... ON CONFLICT DO NOTHING waits for it on the unique chain), then lock it.
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(chain=chain, last_hash=GENESIS_HASH)], ignore_conflicts=True)
            head = AuditChainHead.objects.select_for_update().get(chain=chain)
        record = AuditRecord(
            chain=chain,
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
    # Issue 11: its log line and counters once committed (never for a record rolled back).
    transaction.on_commit(lambda: observe.security_event(record), robust=True)
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
    """Walk every record in order, recompute its hash within its chain; report the first break.

    Then each chain's head must name its newest record, so a removed newest record tells too.
    """
    previous: dict[str, str] = {}
    last_id: dict[str, int] = {}
    checked = 0
    for record in AuditRecord.objects.order_by("id").iterator(chunk_size=2000):
        expected = previous.get(record.chain, GENESIS_HASH)
        if record.previous_hash != expected:
            return ChainReport(checked, record.pk, "previous_hash does not match the record before")
        if compute_hash(record, expected) != record.record_hash:
            return ChainReport(checked, record.pk, "content does not match its hash")
        previous[record.chain] = record.record_hash
        last_id[record.chain] = record.pk
        checked += 1
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    for chain, newest in previous.items():
        head = heads.pop(chain, None)
        if head is None:
            return ChainReport(checked, None, f"chain head of {chain} is missing")
        if head.last_hash != newest or head.last_record_id != last_id[chain]:
            return ChainReport(checked, None,
                               f"the newest record of {chain} is missing (chain head disagrees)")
    for chain, head in heads.items():
        if head.last_record_id is not None:
            return ChainReport(checked, None, f"every record of {chain} is missing")
    return ChainReport(checked, None, "")


def client_ip(request) -> str | None:
    """The client's address as the server saw it (a proxy must be trusted to say more)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None

"""The eService workflow (SPEC E4, E6): who may take which step, and what completion applies.

Every step goes through :data:`eservices.models.WORKFLOW` (row lock, allowed transition,
history row, audit record) with a guard naming who may act, and with the record's ``version``
as the page saw it, so a stale tab changes nothing. Notices are queued after commit. A DA3's
completion applies all its requests through the actions of :mod:`accounts.services`, in one
transaction: one refusal undoes all.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as accounts
from accounts.models import Participant, User, UserStatus, is_da_suffix
from accounts.workflow import TransitionRefused

from . import rules
from .emails import queue_notice
from .models import (
    WORKFLOW,
    EService,
    FormKind,
    ReferenceCounter,
    RequestType,
    Status,
    UnlockAction,
)

EServiceRefused = accounts.ActionRefused
STALE = gettext_lazy("This record has changed since you opened it (another step was taken "
                     "meanwhile). Please open it again.")

__all__ = ["EServiceRefused", "TransitionRefused"]


# --- who may act (SPEC E1, E4) ----------------------------------------------------------------


def _company_problem(user: User, participant_id: int) -> str | None:
    if not user.is_connect_user or not user.is_active:
        return _("Only Client Connect users can work on eServices.")
    if user.connect_company_id != participant_id:
        return _("This eService belongs to another company.")
    return None


def _maker_problem(user: User, record: EService) -> str | None:
    if problem := _company_problem(user, record.participant_id):
        return problem
    if not user.connect_maker:
        return _("Only a Client Connect maker with EU_UserMaintenance can do this.")
    return None


def _checker_problem(user: User, record: EService) -> str | None:
    if problem := _company_problem(user, record.participant_id):
        return problem
    if not user.connect_checker:
        return _("Only a Client Connect checker with EU_UserMaintenance can do this.")
    if user.pk == record.submitted_by_id:
        return _("The person who submitted this eService cannot confirm it.")
    return None


def _claimer_problem(user: User, record: EService) -> str | None:
    if problem := _checker_problem(user, record):
        return problem
    if record.claimed_by_id != user.pk:
        if record.claimed_by_id is None:
            return _("Please CLAIM the record first.")
        if name := record.claimed_by.get_full_name():
            return _("The record is claimed by %(name)s.") % {"name": name}
        return _("The record is claimed by another checker.")
    return None


def _staff_problem(user: User, record: EService) -> str | None:
    return None if user.is_staff else "Only HKEX staff can complete or reject an eService."


#: Who may take each step; the table of :data:`WORKFLOW` says from which status.
WHO = {
    "submit": _maker_problem, "discard": _maker_problem, "reclaim": _maker_problem,
    "claim": _checker_problem, "release": _claimer_problem, "refer": _claimer_problem,
    "revert": _claimer_problem, "confirm": _claimer_problem,
    "complete": _staff_problem, "reject": _staff_problem,
}


def available_actions(record: EService, user: User) -> list[str]:
    """The steps ``user`` may take on ``record`` now: what the pages offer as buttons."""
    names = []
    for transition in WORKFLOW.available(record.status):
        if WHO[transition.name](user, record) is not None:
            continue
        if transition.name == "claim" and record.claimed_by_id is not None:
            continue
        names.append(transition.name)
    return names


# --- moving a record ----------------------------------------------------------------------------


def _move(record_id: int, name: str, *, actor: User, version: int | None, message: str = "",
          check=None, effect=None, notice: str | None = None, source_ip=None) -> EService:
    def guard(record):
        if version is not None and int(version) != record.version:
            raise EServiceRefused(STALE)
        if problem := WHO[name](actor, record):
            raise EServiceRefused(problem)
        if check is not None:
            check(record)

    def apply(record):
        fields = list(effect(record) or []) if effect is not None else []
        now = timezone.now()
        record.version += 1
        record.updated_at = now
        if WORKFLOW.transitions[name].target != record.status:
            record.status_at = now  # claim, release and refer keep the status and its time
        return [*fields, "version", "updated_at", "status_at"]

    def audit(record):
        return {"participant": record.participant, "reason": f"{record.reference or 'Draft'}"
                f" {record.form}", "details": {"eservice_id": record.pk, "message": message}}

    def refused(record):
        # A step the table no longer allows: say so plainly if the page was out of date.
        return STALE if version is not None and int(version) != record.version else None

    record = WORKFLOW.move(
        record_id, name, actor=actor, source_ip=source_ip, message=message,
        queryset=EService.objects.select_related("participant", "claimed_by"),
        guard=guard, effect=apply, refused=refused, audit=audit,
    )
    if notice:
        queue_notice(record=record, kind=notice, actor=actor, message=message)
    return record


def _next_reference(form: str) -> str:
    """``DA3_00000001``, ... in sequence per form, never reused (the counter row's lock)."""
    # The first number of a form creates its row (get_or_create survives a race on that
    # insert); every number is then taken under the row's lock.
    ReferenceCounter.objects.get_or_create(form=form)
    counter = ReferenceCounter.objects.select_for_update().get(form=form)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{form}_{counter.last:08d}"


# --- the maker ----------------------------------------------------------------------------------


def eservice_create(*, form: str, actor: User, source_ip=None) -> EService:
    """A new "Draft" of ``form`` for the maker's company (SPEC E2, E3)."""
    form = FormKind(form)
    if not actor.is_connect_user or not actor.connect_maker:
        raise EServiceRefused(_("Only a Client Connect maker with EU_UserMaintenance can do "
                                "this."))
    participant = Participant.objects.get(pk=actor.connect_company_id)
    record = EService(form=form, participant=participant, maker=actor,
                      data=rules.empty(form, participant))
    return WORKFLOW.start(record, actor=actor, source_ip=source_ip, audit=lambda r: {
        "participant": participant, "reason": f"Draft {form}",
        "details": {"eservice_id": r.pk}})


def draft_save(*, record_id: int, actor: User, data: dict, version: int) -> EService:
    """"SAVE": keep the maker's form as typed (checked in full only at SUBMIT)."""
    with transaction.atomic():
        record = EService.objects.select_for_update().get(pk=record_id)
        if record.status != Status.DRAFT:
            raise EServiceRefused(_("This record is %(status)s: only a Draft can be edited.")
                                  % {"status": record.get_status_display()})
        if int(version) != record.version:
            raise EServiceRefused(STALE)
        if problem := _maker_problem(actor, record):
            raise EServiceRefused(problem)
        record.data = data
        record.version += 1
        record.updated_at = timezone.now()
        record.save(update_fields=["data", "version", "updated_at"])
    return record


def eservice_submit(*, record_id: int, actor: User, version: int, message: str = "",
                    source_ip=None) -> EService:
    """"SUBMIT", "PLEASE CONFIRM", "CONFIRM": "Ready to Send to HKEX" with a reference number;
    the form is frozen as submitted (SPEC E4)."""

    def check(record):
        if found := rules.problems(record.form, record.participant, record.data):
            raise EServiceRefused([message for _, message in found])

    def effect(record):
        if not record.reference:
            record.reference = _next_reference(record.form)
        record.submitted = record.data
        record.submitted_by = actor
        record.claimed_by, record.claimed_at = None, None
        fields = ["reference", "submitted", "submitted_by", "claimed_by", "claimed_at"]
        if record.form == FormKind.DA4:
            record.fee_hkd = rules.fee(record.data)
            fields.append("fee_hkd")
        return fields

    return _move(record_id, "submit", actor=actor, version=version, message=message,
                 check=check, effect=effect, notice="ready", source_ip=source_ip)


def eservice_discard(*, record_id: int, actor: User, version: int, source_ip=None):
    return _move(record_id, "discard", actor=actor, version=version, source_ip=source_ip)


def _unclaim(record):
    record.claimed_by, record.claimed_at = None, None
    return ["claimed_by", "claimed_at"]


def eservice_reclaim(*, record_id: int, actor: User, version: int, message: str = "",
                     source_ip=None):
    """"RECLAIM": the maker takes a record back to Draft until a checker confirms it."""
    return _move(record_id, "reclaim", actor=actor, version=version, message=message,
                 effect=_unclaim, source_ip=source_ip)


# --- the checker --------------------------------------------------------------------------------


def eservice_claim(*, record_id: int, actor: User, version: int, source_ip=None):
    def check(record):
        if record.claimed_by_id is not None:
            raise EServiceRefused(_("This record has already been claimed."))

    def effect(record):
        record.claimed_by, record.claimed_at = actor, timezone.now()
        return ["claimed_by", "claimed_at"]

    return _move(record_id, "claim", actor=actor, version=version, check=check, effect=effect,
                 source_ip=source_ip)


def eservice_release(*, record_id: int, actor: User, version: int, source_ip=None):
    return _move(record_id, "release", actor=actor, version=version, effect=_unclaim,
                 source_ip=source_ip)


def eservice_refer(*, record_id: int, actor: User, version: int, to: User, message: str = "",
                   source_ip=None):
    """"REFER TO": hand the claimed record to another checker of the company."""

    def check(record):
        if to.pk == actor.pk or _checker_problem(to, record) is not None:
            raise EServiceRefused(_("Please choose another checker of your company who did "
                                    "not submit this record."))

    def effect(record):
        record.claimed_by, record.claimed_at = to, timezone.now()
        return ["claimed_by", "claimed_at"]

    return _move(record_id, "refer", actor=actor, version=version, message=message,
                 check=check, effect=effect, notice="referred", source_ip=source_ip)


def eservice_revert(*, record_id: int, actor: User, version: int, message: str = "",
                    source_ip=None):
    """"REVERT": back to the maker as a Draft, with a message."""
    return _move(record_id, "revert", actor=actor, version=version, message=message,
                 effect=_unclaim, notice="reverted", source_ip=source_ip)


def eservice_confirm(*, record_id: int, actor: User, version: int, message: str = "",
                     source_ip=None):
    """"CONFIRM" ("PLEASE CONFIRM TO PROCEED", "The record will be sent to HKEX."):
    "Sent to HKEX"."""

    def effect(record):
        record.confirmed_by = actor
        return ["confirmed_by"]

    return _move(record_id, "confirm", actor=actor, version=version, message=message,
                 effect=effect, notice="sent", source_ip=source_ip)


def eservice_clone(*, record_id: int, actor: User, source_ip=None) -> EService:
    """"CLONE": a new Draft with the record's form (as submitted, or as drafted)."""
    original = EService.objects.select_related("participant").get(pk=record_id)
    if problem := _maker_problem(actor, original):
        raise EServiceRefused(problem)
    record = EService(form=original.form, participant=original.participant, maker=actor,
                      data=dict(original.shown), cloned_from=original)
    return WORKFLOW.start(record, actor=actor, source_ip=source_ip, message=(
        f"Cloned from {original.reference or 'a draft'}"), audit=lambda r: {
        "participant": r.participant, "reason": f"Draft {r.form} cloned",
        "details": {"eservice_id": r.pk, "cloned_from": original.pk}})


# --- HKEX (SPEC E6) -------------------------------------------------------------------------------


def next_free_da_user_id(participant: Participant) -> str | None:
    """The first DA User ID of the prefix never used: X1..X9, Y1..Y9, Z1..Z9 (SPEC P4)."""
    taken = set(User.objects.filter(username__startswith=participant.user_id_prefix)
                .values_list("username", flat=True))
    for letter in "XYZ":
        for digit in "123456789":
            suffix = letter + digit
            candidate = participant.user_id_prefix + suffix
            if is_da_suffix(suffix) and candidate not in taken:
                return candidate
    return None


def _apply_da3(record: EService, actor: User, source_ip) -> dict:
    participant = Participant.objects.select_for_update(no_key=True).get(pk=record.participant_id)
    if found := rules.problems(record.form, participant, record.submitted):
        raise EServiceRefused([message for _, message in found])
    details = {"eservice": record.reference}
    applied = []
    for i, req in enumerate(record.submitted.get("requests") or []):
        kind = req["type"]
        if kind == RequestType.ADD:
            user_id = next_free_da_user_id(participant)
            if user_id is None:
                raise EServiceRefused(f"No DA User ID of {participant.user_id_prefix} is free "
                                      "(X1-Z9 all used).")
            accounts.user_create(
                participant=participant, actor=actor, username=user_id, da_role=req["role"],
                values={"surname": req["surname"].strip().upper(),
                        "other_names": req["other_names"].strip(),
                        "email": req["email"].strip().lower(),
                        "clearing_house_options": [participant.clearing_house]},
                source_ip=source_ip, details=details)
            applied.append({"request": i + 1, "type": kind, "user_id": user_id,
                            "role": req["role"]})
            continue
        target = User.objects.get(participant=participant, is_active=True,
                                  username__iexact=req["user_id"].strip())
        if kind == RequestType.CHANGE:
            accounts.user_email_change(target=target, actor=actor, email=req["email"],
                                       source_ip=source_ip, details=details)
        elif kind == RequestType.DELETE:
            accounts.user_retire(target=target, actor=actor, source_ip=source_ip,
                                 details=details)
        elif req["action"] == UnlockAction.UNLOCK:
            accounts.user_otp_reset(target=target, actor=actor, source_ip=source_ip)
        else:
            accounts.user_status_set(
                target=target, actor=actor, source_ip=source_ip,
                status=UserStatus.ENABLED if req["action"] == UnlockAction.ENABLE
                else UserStatus.DISABLED)
        applied.append({"request": i + 1, "type": kind, "user_id": target.username,
                        **({"action": req["action"]} if kind == RequestType.UNLOCK else {})})
    return {"applied": applied}


def _apply_da4(record: EService, actor: User, source_ip) -> dict:
    granted = int(record.submitted["accounts"])
    participant = Participant.objects.select_for_update(no_key=True).get(pk=record.participant_id)
    before = participant.max_users
    accounts.participant_quota_set(
        target=participant, actor=actor, max_users=before + granted, source_ip=source_ip,
        details={"eservice": record.reference, "fee_hkd": str(record.fee_hkd)})
    return {"granted": granted, "max_users_before": before, "max_users_after": before + granted,
            "fee_hkd": str(record.fee_hkd)}


def eservice_complete(*, record_id: int, actor: User, source_ip=None) -> EService:
    """HKEX "Complete": apply the record once, all or nothing (SPEC E6)."""

    def effect(record):
        apply = _apply_da4 if record.form == FormKind.DA4 else _apply_da3
        record.result = apply(record, actor, source_ip)
        return ["result"]

    return _move(record_id, "complete", actor=actor, version=None, effect=effect,
                 notice="completed", source_ip=source_ip)


def eservice_reject(*, record_id: int, actor: User, reason: str, source_ip=None) -> EService:
    """HKEX "Reject" with a reason (SPEC E6)."""
    reason = (reason or "").strip()
    if not reason:
        raise EServiceRefused("Please give the reason for the rejection.")

    def effect(record):
        record.reject_reason = reason[:500]
        record.result = {"reason": record.reject_reason}
        return ["reject_reason", "result"]

    return _move(record_id, "reject", actor=actor, version=None, message=reason,
                 effect=effect, notice="rejected", source_ip=source_ip)


def company_checkers(participant_id: int):
    return User.objects.filter(connect_company_id=participant_id, is_active=True).exclude(
        connect_role="").exclude(connect_role="MAKER")


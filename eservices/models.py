"""Client Connect eServices DA3 and DA4 (SPEC E1-E7): records, their history and workflow.

A record is made by a Client Connect maker of a company (a participant) as a "Draft", submitted
to "Ready to Send to HKEX" (a reference number is given then), claimed and confirmed by a
checker of the same company ("Sent to HKEX"), then completed or rejected by HKEX staff in the
admin. Its status changes only through :data:`WORKFLOW` (called by :mod:`eservices.services`).
"""

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Participant, User
from accounts.workflow import Step, Transition, Workflow


class FormKind(models.TextChoices):
    DA3 = "DA3", _("CCASS/ CCMS Delegated Administrator Application/ Maintenance Form")
    DA4 = "DA4", _("CCASS / CCMS User Account Application Form")


#: The subject line's form title (SPEC E5): "DA 3 - CCASS/ CCMS Delegated ... Form".
FORM_TITLES = {
    FormKind.DA3: _("DA 3 - CCASS/ CCMS Delegated Administrator Application/ Maintenance Form"),
    FormKind.DA4: _("DA 4 - CCASS / CCMS User Account Application Form"),
}

#: SPEC E3: the one-off fee of each additional user account.
DA4_FEE_PER_ACCOUNT_HKD = Decimal("250")
#: SPEC E2: at most 4 DA profiles per DA3.
DA3_MAX_PROFILES = 4


class Status(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    READY = "READY", _("Ready to Send to HKEX")
    SENT = "SENT", _("Sent to HKEX")
    COMPLETED = "COMPLETED", _("Completed")
    REJECTED = "REJECTED", _("Rejected")
    DISCARDED = "DISCARDED", _("Discarded")


class RequestType(models.TextChoices):
    """DA3 "MAINTENANCE REQUEST" (multiple selection)."""

    ADD = "ADD", _("Add")
    CHANGE = "CHANGE", _("Change")
    UNLOCK = "UNLOCK", _("Unlock/ Enable/ Disable")
    DELETE = "DELETE", _("Delete")


class UnlockAction(models.TextChoices):
    UNLOCK = "UNLOCK", _("Unlock DA Account")
    ENABLE = "ENABLE", _("Enable")
    DISABLE = "DISABLE", _("Disable")


class EService(models.Model):
    """One DA3 or DA4 of a company.

    ``data`` is the maker's form as last saved; ``submitted`` the form frozen at SUBMIT, which
    is what checkers confirm, HKEX processes and the PDF shows (later edits of a reverted Draft
    never change it until it is submitted again). ``version`` rises with every step, so a page
    opened before a step (a stale tab) cannot act on the record.
    """

    form = models.CharField(max_length=3, choices=FormKind.choices)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField("Reference Number", max_length=12, unique=True, null=True,
                                 blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.DRAFT)
    maker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    claimed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    data = models.JSONField(default=dict, blank=True)
    submitted = models.JSONField(default=dict, blank=True)
    #: What HKEX's completion did (e.g. the assigned DA User IDs), or the rejection reason.
    result = models.JSONField(default=dict, blank=True)
    reject_reason = models.CharField(max_length=500, blank=True)
    fee_hkd = models.DecimalField("Fee (HKD)", max_digits=10, decimal_places=2, null=True,
                                  blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    status_at = models.DateTimeField("status since", default=timezone.now)
    cloned_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = "eService"
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["participant", "status"]),
                   models.Index(fields=["status", "form"])]

    def __str__(self):
        return f"{self.reference or 'Draft'} {self.form} {self.participant.participant_id}"

    @property
    def title(self) -> str:
        return FORM_TITLES[self.form]

    @property
    def shown(self) -> dict:
        """What the pages show: the frozen form once submitted, the draft before."""
        return self.data if self.status == Status.DRAFT else self.submitted


class EServiceStep(Step):
    """One step of an eService's history: who, when (shown in HKT), which step, message."""

    record = models.ForeignKey(EService, on_delete=models.CASCADE, related_name="steps")

    class Meta(Step.Meta):
        pass


class ReferenceCounter(models.Model):
    """The last reference number given per form; its row lock makes numbers unique and never
    reused (``DA3_00000001``, ``DA3_00000002``, ...)."""

    form = models.CharField(max_length=3, choices=FormKind.choices, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.form} {self.last}"


#: SPEC E4. Who may take each step is checked by :mod:`eservices.services`.
WORKFLOW = Workflow(
    model=EService,
    history=EServiceStep,
    transitions=[
        Transition("submit", (Status.DRAFT,), Status.READY, _("SUBMIT")),
        Transition("discard", (Status.DRAFT,), Status.DISCARDED, _("DISCARD")),
        Transition("reclaim", (Status.READY,), Status.DRAFT, _("RECLAIM")),
        Transition("claim", (Status.READY,), Status.READY, _("CLAIM")),
        Transition("release", (Status.READY,), Status.READY, _("RELEASE")),
        Transition("refer", (Status.READY,), Status.READY, _("REFER TO")),
        Transition("revert", (Status.READY,), Status.DRAFT, _("REVERT")),
        Transition("confirm", (Status.READY,), Status.SENT, _("CONFIRM")),
        Transition("complete", (Status.SENT,), Status.COMPLETED, _("Complete")),
        Transition("reject", (Status.SENT,), Status.REJECTED, _("Reject")),
    ],
    event=lambda record, name: f"ESERVICE_{record.form}_{name.upper()}",
)

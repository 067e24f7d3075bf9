"""Maker-checker requests of DMS user profile maintenance (SPEC D4)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Participant, User
from accounts.workflow import Step, Transition, Workflow


class RequestKind(models.TextChoices):
    CREATE = "CREATE", _("Create User Profile")
    CHANGE = "CHANGE", _("Change User Profile")
    DELETE = "DELETE", _("Delete User Profile")


class RequestStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending authorisation")
    APPROVED = "APPROVED", _("Authorised")
    REJECTED = "REJECTED", _("Rejected")
    EXPIRED = "EXPIRED", _("Expired")


#: The message the documents show once a checker confirms (in the page's language, issue 11).
SUCCESS_MESSAGES = {
    RequestKind.CREATE: _("THE ABOVE USER PROFILE IS CREATED SUCCESSFULLY"),
    RequestKind.CHANGE: _("THE ABOVE USER PROFILE IS CHANGED SUCCESSFULLY"),
    RequestKind.DELETE: _("THE ABOVE USER PROFILE IS DELETED SUCCESSFULLY"),
}


class MaintenanceRequest(models.Model):
    """One maker's request, applied only when another DA checker authorises it.

    ``before`` is the profile as the maker saw it (empty for a create); ``after`` the values
    asked for. Nothing of the profile changes until the request is approved. Its status changes
    only through :data:`WORKFLOW`, called by :mod:`dms.services`.
    """

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=6, choices=RequestKind.choices)
    status = models.CharField(
        max_length=8, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    #: The profile's User ID (the new one, for a create): one pending request per User ID.
    username = models.CharField("User ID", max_length=30)
    subject = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    maker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checker = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reset_otp = models.BooleanField("Unlock/Reset OTP Device Registration", default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "username"],
                condition=models.Q(status="PENDING"),
                name="one_pending_request_per_profile",
            ),
        ]
        indexes = [models.Index(fields=["participant", "status", "expires_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.username} ({self.get_status_display()})"

    @property
    def success_message(self) -> str:
        return SUCCESS_MESSAGES[self.kind]


class MaintenanceRequestStep(Step):
    """One step of a request's history."""

    record = models.ForeignKey(MaintenanceRequest, on_delete=models.CASCADE,
                               related_name="steps")

    class Meta(Step.Meta):
        pass


#: SPEC D4: a request waits for a checker; it is authorised, rejected, or expires at the close
#: of the business day. Nothing else moves it.
WORKFLOW = Workflow(
    model=MaintenanceRequest,
    history=MaintenanceRequestStep,
    transitions=[
        Transition("approve", (RequestStatus.PENDING,), RequestStatus.APPROVED, "authorised"),
        Transition("reject", (RequestStatus.PENDING,), RequestStatus.REJECTED, "rejected"),
        Transition("expire", (RequestStatus.PENDING,), RequestStatus.EXPIRED, "expired"),
    ],
    # The audit names reports already read: DMS_CREATE_REQUESTED, DMS_CHANGE_APPROVED, ...
    event=lambda req, name: f"DMS_{req.kind}_" + {
        "start": "REQUESTED", "approve": "APPROVED", "reject": "REJECTED", "expire": "EXPIRED",
    }[name],
)

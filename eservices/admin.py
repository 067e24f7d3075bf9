"""HKEX staff process eServices here (SPEC E6, E7, R1).

The record is never edited in the admin: Django shows its read-only view page, and "Complete"
and "Reject" are small POST forms on that page that call :func:`eservices.services.
eservice_complete` and :func:`~eservices.services.eservice_reject` (lock, workflow table, audit,
notices), like every other interface. Which buttons show is asked of
:func:`~eservices.services.available_actions`. Django's "change" permission of eServices is
what lets a staff member process them; nobody has a way to change a field.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import client_ip

from . import pdf, rules, services
from .models import EService, FormKind, Status

#: The permission that lets HKEX staff press "Complete" and "Reject" (never to edit a field).
PROCESS_PERMISSION = "eservices.change_eservice"


class RejectForm(forms.Form):
    reason = forms.CharField(label="Reason for rejection", max_length=500, strip=True,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


@admin.register(EService)
class EServiceAdmin(admin.ModelAdmin):
    list_display = ["reference_number", "form_code", "company", "status_label", "last_update"]
    list_display_links = ["reference_number"]
    list_filter = ["status", "form", ("participant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reference", "participant__participant_id"]
    list_select_related = ["participant"]
    ordering = ["-updated_at", "-id"]
    list_per_page = 50
    fieldsets = [
        # Reference Number, Status and the company head the page (the template).
        ("Record", {"fields": ["form_title", "participant", "fee_hkd", "reject_reason"]}),
        ("People", {"fields": ["maker", "submitted_by", "claimed_by", "confirmed_by"]}),
        ("Times (HKT)", {"fields": ["created", "last_update", "version"]}),
    ]
    readonly_fields = ["form_title", "participant", "fee_hkd", "reject_reason", "maker",
                       "submitted_by", "claimed_by", "confirmed_by", "created", "last_update",
                       "version"]

    # --- a read-only record ------------------------------------------------------------------

    def get_queryset(self, request):
        # A company's unsubmitted drafts are its own work: HKEX sees a record once it has a
        # reference number (SUBMIT gave it one; a reclaimed or reverted record keeps it).
        return super().get_queryset(request).filter(reference__isnull=False).select_related(
            "participant", "maker", "submitted_by", "claimed_by", "confirmed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the view page, with no Save: the status moves only through the services

    def has_delete_permission(self, request, obj=None):
        return False  # the record and its history are kept (SPEC R1)

    def may_process(self, request) -> bool:
        return request.user.has_perm(PROCESS_PERMISSION)

    # --- columns -----------------------------------------------------------------------------

    @admin.display(description="Reference Number", ordering="reference")
    def reference_number(self, obj):
        return obj.reference

    @admin.display(description="Company", ordering="participant__participant_id")
    def company(self, obj):
        return str(obj.participant)

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description="Last update (HKT)", ordering="updated_at")
    def last_update(self, obj):
        return pdf.hkt(obj.updated_at)

    @admin.display(description="Form", ordering="form")
    def form_code(self, obj):
        return obj.form

    @admin.display(description="Form")
    def form_title(self, obj):
        return obj.title

    @admin.display(description="Created (HKT)")
    def created(self, obj):
        return pdf.hkt(obj.created_at)

    # --- the change page -----------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if record is not None:
            actions = services.available_actions(record, request.user) if self.may_process(
                request) else []
            context.update({
                "title": pdf.heading(record),
                "subtitle": None,
                "record": record,
                "status_line": pdf.status_line(record),
                "parts": pdf.sections(record),
                "result": pdf.result(record),
                "assigned": pdf.assigned_user_ids(record),
                "history": pdf.history(record, staff_ids=True),
                "can_complete": "complete" in actions,
                "can_reject": "reject" in actions,
                "reject_form": RejectForm(),
                "pdf_url": reverse("admin:eservices_eservice_pdf", args=[record.pk]),
                "complete_url": reverse("admin:eservices_eservice_complete", args=[record.pk]),
                "reject_url": reverse("admin:eservices_eservice_reject", args=[record.pk]),
                "staffing_warning": (
                    rules.staffing_warning(record.participant, record.submitted)
                    if record.form == FormKind.DA3 and record.status == Status.SENT else None),
            })
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/complete/", view(self.complete_view),
                 name="eservices_eservice_complete"),
            path("<path:object_id>/reject/", view(self.reject_view),
                 name="eservices_eservice_reject"),
            path("<path:object_id>/pdf/", view(self.pdf_view), name="eservices_eservice_pdf"),
            *super().get_urls(),
        ]

    # --- processing: one service call each (STYLE 3, 4) ------------------------------------

    def _record(self, request, object_id) -> EService:
        record = self.get_object(request, unquote(object_id))
        if record is None:
            raise Http404("No such eService.")
        if not self.has_view_permission(request, record):
            raise PermissionDenied
        return record

    def _back(self, record):
        return HttpResponseRedirect(reverse("admin:eservices_eservice_change", args=[record.pk]))

    def _refused(self, request, exc):
        for line in exc.messages:
            self.message_user(request, line, messages.ERROR)

    @staticmethod
    def _done(record) -> str:
        done = f"{record.reference} is {record.get_status_display()}."
        if record.form == FormKind.DA4:
            granted = (record.result or {}).get("granted")
            return f"{done} MAX. NO. OF USERS raised by {granted}."
        if assigned := pdf.assigned_user_ids(record):
            return f"{done} Assigned DA User ID: {', '.join(assigned)}."
        return done

    @method_decorator(require_POST)
    def complete_view(self, request, object_id):
        record = self._record(request, object_id)
        if not self.may_process(request):
            raise PermissionDenied
        try:
            record = services.eservice_complete(record_id=record.pk, actor=request.user,
                                                source_ip=client_ip(request))
        except services.EServiceRefused as exc:
            self._refused(request, exc)
        else:
            self.message_user(request, self._done(record), messages.SUCCESS)
        return self._back(record)

    @method_decorator(require_POST)
    def reject_view(self, request, object_id):
        record = self._record(request, object_id)
        if not self.may_process(request):
            raise PermissionDenied
        form = RejectForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Reject: please give the reason for the rejection "
                                       "(at most 500 characters). Nothing was changed.",
                              messages.ERROR)
            return self._back(record)
        try:
            record = services.eservice_reject(record_id=record.pk, actor=request.user,
                                              reason=form.cleaned_data["reason"],
                                              source_ip=client_ip(request))
        except services.EServiceRefused as exc:
            self._refused(request, exc)
        else:
            self.message_user(request, self._done(record), messages.SUCCESS)
        return self._back(record)

    @method_decorator(require_GET)
    def pdf_view(self, request, object_id):
        record = self._record(request, object_id)
        return pdf.pdf_response(record)

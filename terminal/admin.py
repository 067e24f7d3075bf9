from django import forms
from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict

from accounts.admin import AuditedAdminMixin
from accounts.audit import Event, client_ip, record_event

from .models import (
    AuthenticationArrangement,
    ConnectivityTestWindow,
    OvernightReport,
    SpecialHours,
    TerminalFunction,
)


@admin.register(AuthenticationArrangement)
class AuthenticationArrangementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["launch_date", "decommission_date"]

    def has_add_permission(self, request):
        return not AuthenticationArrangement.objects.exists()


@admin.register(TerminalFunction)
class TerminalFunctionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The terminal menu's catalogue (SPEC T1): which business user groups offer a function."""

    m2m_fields = ("user_groups",)
    list_display = ["code", "name", "menu_group"]
    list_filter = ["menu_group", "user_groups__clearing_house"]
    search_fields = ["code", "name", "user_groups__code"]
    filter_horizontal = ["user_groups"]


@admin.register(OvernightReport)
class OvernightReportAdmin(admin.ModelAdmin):
    """Written only by the nightly job and ``manage.py overnight_reports`` (SPEC T2)."""

    list_display = ["participant", "business_date", "kind", "size", "generated_at"]
    list_filter = ["kind", "business_date"]
    search_fields = ["participant__participant_id", "participant__name"]
    list_select_related = ["participant"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Operation hours and connectivity test (SPEC S2, S3) -------------------------------------


class _ScheduleForm(forms.ModelForm):
    """Start before end, said in words (the database constraint stands behind it)."""

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            raise forms.ValidationError("The end must be after the start.")
        return cleaned


class _AuditedScheduleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Saves are audited by the mixin; a deletion (e.g. a typhoon closure called off) is an
    HKEX admin action too (SPEC R1)."""

    form = _ScheduleForm
    date_hierarchy = "starts_at"

    def delete_model(self, request, obj):
        with transaction.atomic():
            _record_deletion(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                _record_deletion(request, obj)
            super().delete_queryset(request, queryset)


def _record_deletion(request, obj):
    record_event(Event.ADMIN_ACTION, actor=request.user, source_ip=client_ip(request),
                 outcome="DELETED", reason=f"{obj._meta.verbose_name} {obj}",
                 before=model_to_dict(obj))


@admin.register(SpecialHours)
class SpecialHoursAdmin(_AuditedScheduleAdmin):
    """Special closures (e.g. typhoon signal No. 8) and openings (e.g. a special Saturday) of
    the terminal, DMS or both, Hong Kong time (SPEC S2)."""

    list_display = ["kind", "service", "starts_at", "ends_at", "reason"]
    list_filter = ["kind", "service"]
    search_fields = ["reason"]
    fields = ["kind", "service", "starts_at", "ends_at", "reason"]


@admin.register(ConnectivityTestWindow)
class ConnectivityTestWindowAdmin(_AuditedScheduleAdmin):
    """"Connectivity test windows", Hong Kong time (SPEC S3): open whatever the hours; logins
    work, terminal functions, reports and DMS maintenance do not."""

    list_display = ["starts_at", "ends_at", "note"]
    fields = ["starts_at", "ends_at", "note"]

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.forms.models import model_to_dict

from .audit import Event, client_ip, record_event
from .models import AuditRecord, BusinessUserGroup, LoginFailure, Participant, User
from .selectors import da_staffing_warning
from .services import user_unlock


class AuditedAdminMixin:
    """Records every save made through the admin (SPEC R1), with the changed values."""

    audit_event = Event.ADMIN_ACTION

    def save_model(self, request, obj, form, change):
        fields = list(form.changed_data)
        before = {}
        if change and fields:
            old = type(obj).objects.get(pk=obj.pk)
            before = {k: v for k, v in model_to_dict(old).items() if k in fields}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = {k: v for k, v in model_to_dict(obj).items() if k in fields}
            after.pop("password", None)
            before.pop("password", None)
            record_event(
                self.audit_event,
                actor=request.user,
                subject=obj if isinstance(obj, User) else None,
                participant=obj if isinstance(obj, Participant) else None,
                source_ip=client_ip(request),
                outcome="CHANGED" if change else "ADDED",
                reason=f"{obj._meta.verbose_name} {obj}",
                before=before,
                after=after,
            )


@admin.register(Participant)
class ParticipantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["participant_id", "name", "kind", "user_id_prefix", "max_users",
                    "da_staffing"]
    list_filter = ["kind"]
    search_fields = ["participant_id", "name", "user_id_prefix"]

    @admin.display(description="DA staffing (SPEC D5)")
    def da_staffing(self, obj):
        return da_staffing_warning(obj) or "OK"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        participant = self.get_object(request, object_id)
        if participant is not None and (warning := da_staffing_warning(participant)):
            self.message_user(request, warning, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(BusinessUserGroup)
class BusinessUserGroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "clearing_house"]
    list_filter = ["clearing_house"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    list_display = [
        "username", "participant", "surname", "other_names", "email", "status", "da_role",
        "is_locked", "is_staff", "is_active",
    ]
    list_filter = ["status", "da_role", "is_locked", "is_staff", "is_active", "participant__kind"]
    search_fields = ["username", "surname", "other_names", "email"]
    ordering = ["username"]
    list_select_related = ["participant"]
    readonly_fields = [
        "is_locked", "locked_at", "failures_reset_at", "otp_failure_streak", "password_set_at",
        "last_login", "date_joined", "deleted_at",
    ]
    fieldsets = [
        (None, {"fields": ["username", "password", "participant"]}),
        ("Profile", {"fields": [
            "surname", "other_names", "email", "status", "enable_from", "disable_after",
            "da_role", "internal_external", "clearing_house_options", "access_channel",
            "transaction_limit", "business_user_groups",
        ]}),
        ("Smartcard", {"fields": ["smartcard_srn", "smartcard_certificate_expiry"]}),
        ("Security state", {"fields": readonly_fields}),
        ("HKEX staff", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "email", "is_staff", "password1", "password2"]}),
    ]
    filter_horizontal = ["business_user_groups", "groups", "user_permissions"]
    actions = ["unlock_accounts"]

    def has_delete_permission(self, request, obj=None):
        return False  # SPEC P4: profiles are retired, never deleted, so IDs are never reused.

    @admin.action(description="Unlock the selected accounts")
    def unlock_accounts(self, request, queryset):
        unlocked = [
            u.username for u in queryset
            if user_unlock(user=u, actor=request.user, source_ip=client_ip(request))
        ]
        if unlocked:
            self.message_user(request, f"Unlocked: {', '.join(unlocked)}.", messages.SUCCESS)
        else:
            self.message_user(request, "None of the selected accounts was locked.", messages.INFO)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "event", "outcome", "actor_label", "subject_label", "source_ip", "reason"]
    list_filter = ["event", "outcome"]
    search_fields = ["actor_label", "subject_label", "reason"]
    date_hierarchy = "at"


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    list_display = ["user", "at", "reason"]
    list_filter = ["reason"]
    list_select_related = ["user"]

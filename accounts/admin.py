"""The admin of HKEX staff (SPEC R1, P5): plain records are edited here, a profile's security
state only through the actions of :mod:`accounts.services` (read-only fields otherwise)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict

from . import services
from .audit import Event, client_ip, record_event
from .models import AuditRecord, BusinessUserGroup, LoginFailure, Participant, User, UserStatus
from .profile import PROFILE_FIELDS, clean_values
from .selectors import da_staffing_warning


class AuditedAdminMixin:
    """Records every save made through the admin (SPEC R1), with the changed values."""

    audit_event = Event.ADMIN_ACTION
    m2m_fields = ("business_user_groups", "groups", "user_permissions")

    def save_model(self, request, obj, form, change):
        self.save_audited(request, obj, form, change, list(form.changed_data))

    def save_audited(self, request, obj, form, change, fields):
        before = {}
        if change and fields:
            old = type(obj).objects.get(pk=obj.pk)
            before = {k: v for k, v in model_to_dict(old).items() if k in fields}
        with transaction.atomic():
            if change:
                obj.save(update_fields=[f for f in fields if f not in self.m2m_fields])
            else:
                obj.save()
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

    def get_readonly_fields(self, request, obj=None):
        # SPEC P5: set when the participant is created; then raised only by a completed DA4.
        # A prefix is never changed either: its User IDs are never reused (SPEC P4).
        return ["max_users", "user_id_prefix", "kind"] if obj is not None else []

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
    #: Security state: changed only through the actions below (accounts.services).
    readonly_fields = [
        "status", "da_role", "is_locked", "locked_at", "failures_reset_at",
        "otp_failure_streak", "password_set_at", "last_login", "date_joined", "deleted_at",
        "is_active",
    ]
    fieldsets = [
        (None, {"fields": ["username", "password", "participant"]}),
        ("Profile", {"fields": [
            "surname", "other_names", "email", "enable_from", "disable_after",
            "internal_external", "clearing_house_options", "access_channel",
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
    actions = ["unlock_accounts", "reset_otp_registration", "enable_profiles",
               "disable_profiles"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:  # a User ID and its participant never change (SPEC P4)
            fields += ["username", "participant"]
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # SPEC P4: profiles are retired, never deleted, so IDs are never reused.

    def user_change_password(self, request, id, form_url=""):
        # A participant's password is set only by its owner (reset journey) after an
        # "Unlock/Reset OTP Device Registration" (SPEC A7); HKEX never knows it.
        target = self.get_object(request, id)
        if target is not None and target.participant_id:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        """Profile values through :func:`accounts.services.user_profile_update`; the rest
        (HKEX staff's own fields) saved and audited as plain records."""
        changed = list(form.changed_data)
        profile = [f for f in changed if f in PROFILE_FIELDS]
        if not change or not profile:
            return self.save_audited(request, obj, form, change, changed)
        values = clean_values({f: form.cleaned_data[f] for f in profile})
        values = {k: v for k, v in values.items() if k in profile}
        if "business_user_groups" in profile:
            values["business_user_groups"] = sorted(
                g.code for g in form.cleaned_data.pop("business_user_groups"))
        with transaction.atomic():
            services.user_profile_update(target=User.objects.get(pk=obj.pk),
                                         actor=request.user, values=values,
                                         source_ip=client_ip(request))
            others = [f for f in changed if f not in PROFILE_FIELDS]
            if others:
                self.save_audited(request, obj, form, change, others)

    def _each(self, request, queryset, action, done, **kwargs):
        names, refused = [], []
        for user in queryset:
            try:
                if action(target=user, actor=request.user, source_ip=client_ip(request),
                          **kwargs) is not False:
                    names.append(user.username)
            except ValidationError as exc:
                refused.append(f"{user.username}: {exc.messages[0]}")
        if names:
            self.message_user(request, f"{done}: {', '.join(names)}.", messages.SUCCESS)
        else:
            self.message_user(request, "Nothing to change for the selected profiles.",
                              messages.INFO)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description="Unlock the selected accounts")
    def unlock_accounts(self, request, queryset):
        self._each(request, queryset, services.user_unlock, "Unlocked")

    @admin.action(description="Unlock/Reset OTP Device Registration (SPEC A7)")
    def reset_otp_registration(self, request, queryset):
        self._each(request, queryset.filter(participant__isnull=False),
                   services.user_otp_reset, "Unlocked and reset")

    @admin.action(description="Enable the selected profiles")
    def enable_profiles(self, request, queryset):
        self._each(request, queryset, services.user_status_set, "Enabled",
                   status=UserStatus.ENABLED)

    @admin.action(description="Disable the selected profiles")
    def disable_profiles(self, request, queryset):
        self._each(request, queryset, services.user_status_set, "Disabled",
                   status=UserStatus.DISABLED)


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

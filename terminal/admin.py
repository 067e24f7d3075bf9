from django.contrib import admin

from accounts.admin import AuditedAdminMixin

from .models import AuthenticationArrangement


@admin.register(AuthenticationArrangement)
class AuthenticationArrangementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["launch_date", "decommission_date"]

    def has_add_permission(self, request):
        return not AuthenticationArrangement.objects.exists()

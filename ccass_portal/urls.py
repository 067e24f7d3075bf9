from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# HKEX staff reach the admin only after password and OTP (SPEC L9).
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "CCASS/CCMS Portal - HKEX administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("dms/", include("dms.urls")),
    path("", include("accounts.urls")),
    path("", include("terminal.urls")),
]

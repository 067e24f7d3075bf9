from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from accounts.forms import StaffOTPLoginForm

# HKEX staff reach the admin only after password and OTP (SPEC L9).
admin.site.__class__ = OTPAdminSite
admin.site.login_form = StaffOTPLoginForm  # wrong OTPs count for lockout (SPEC A3)
admin.site.site_header = "CCASS/CCMS Portal - HKEX administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("dms/", include("dms.urls")),
    path("", include("accounts.urls")),
    path("", include("terminal.urls")),
]

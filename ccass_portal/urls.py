from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from accounts import views as account_views
from accounts.journey import Portal
from ccass_portal.i18n import language_switch
from ccass_portal.metrics import metrics_view
from dms import urls as dms_urls
from eservices import urls as connect_urls
from ops import views as ops_views


class PortalAdminSite(OTPAdminSite):
    """HKEX staff reach the admin only after password and OTP (SPEC L9), through the same
    counted and recorded login as everyone else (SPEC A3, R1)."""

    site_header = "CCASS/CCMS Portal - HKEX administration"

    def login(self, request, extra_context=None):
        return account_views.staff_login_view(
            request, extra_context={**self.each_context(request), **(extra_context or {})})

    # Issue 11: the operations desk page, linked from the index, behind the same staff check.
    index_template = "admin/ops/index.html"

    def get_urls(self):
        return [path("operations/", self.admin_view(ops_views.operations_view),
                     name="operations"), *super().get_urls()]


admin.site.__class__ = PortalAdminSite

# An outage met outside a view (the session saved after it) answers 503 too (issue 10).
handler500 = "ccass_portal.middleware.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Issue 11: the Prometheus scrape target, behind METRICS_TOKEN (ccass_portal/metrics.py).
    path("metrics", metrics_view, name="metrics"),
    path("i18n/language/", language_switch, name="set_language"),
    path("dms/", include(([
        path("login/", account_views.login_view, {"portal": Portal.DMS}, name="login"),
        path("login/smartcard/", account_views.smartcard_login_view, {"portal": Portal.DMS},
             name="smartcard"),
        *dms_urls.urlpatterns,
    ], dms_urls.app_name))),
    path("connect/", include(([
        path("login/", account_views.login_view, {"portal": Portal.CONNECT}, name="login"),
        *connect_urls.urlpatterns,
    ], connect_urls.app_name))),
    path("", include("accounts.urls")),
    path("", include("terminal.urls")),
]

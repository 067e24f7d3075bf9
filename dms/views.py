"""DMS landing page and the page after login (SPEC L1, D1)."""

from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.journey import Portal
from accounts.services import dms_access_problem
from accounts.views import otp_verified_required


@require_GET
def landing_view(request):
    return render(request, "dms/landing.html", {"system": "CCASS"})


@require_GET
@otp_verified_required
def home_view(request):
    if dms_access_problem(request.user) or request.session.get("ccass_portal") != Portal.DMS:
        logout(request)
        return redirect("dms:login")
    return render(request, "dms/home.html", {"system": request.user.system_name})

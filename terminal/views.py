"""CCASS/CCMS Terminal landing page and the page after login (SPEC L1, T1)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import otp_verified_required
from accounts.journey import FUNCTION_KEY, Function


@require_GET
def landing_view(request):
    return render(request, "terminal/landing.html", {"system": "CCASS"})


@require_GET
@otp_verified_required
def home_view(request):
    return render(request, "terminal/home.html", {
        "system": request.user.system_name,
        "function": request.session.get(FUNCTION_KEY, Function.ONLINE),
    })

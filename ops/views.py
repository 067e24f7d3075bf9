"""The operations desk page (issue 11 item 6), mounted inside the admin by ccass_portal.urls."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone

from . import selectors
from .chart import logins_chart

#: With ``?refresh=1`` the page reloads itself (a meta refresh: no script), so a screen on the
#: desk stays current; never by default (WCAG 2.2.1: the reader chooses).
REFRESH_SECONDS = 60


def operations_view(request):
    """HKEX staff only: the admin's own check (staff, active, OTP-verified) wraps this view;
    it is repeated here so the page can never be mounted without it."""
    if not admin.site.has_permission(request):
        raise PermissionDenied
    now = timezone.now()
    local_now = timezone.localtime(now)
    hours = selectors.logins_by_hour(now=now)
    lockouts = selectors.lockouts_by_participant()
    waiting = selectors.eservices_waiting(now=now)
    emails_failed, failed_list = selectors.emails_failed(now=now)
    totals = {o.key: sum(h.counts[o.key] for h in hours) for o in selectors.OUTCOMES}
    context = {
        **admin.site.each_context(request),
        "title": "Operations",
        "now": local_now,
        "refresh_seconds": REFRESH_SECONDS,
        "refreshing": request.GET.get("refresh") == "1",
        "outcomes": selectors.OUTCOMES,
        "hours": hours,
        "active_hours": [h for h in hours if h.total or h.hour == local_now.hour],
        "totals": [(o, totals[o.key]) for o in selectors.OUTCOMES],
        "failed_attempts": totals["wrong_password"] + totals["wrong_otp"],
        "logins_ok": totals["success"],
        "locks_today": totals["locked"],
        "chart": logins_chart(hours, current_hour=local_now.hour),
        "lockouts": lockouts,
        "locked_users": sum(g.count for g in lockouts),
        "waiting": waiting,
        "waiting_oldest": waiting.oldest[0] if waiting.oldest else None,
        "waiting_too_long": "1 day",  # selectors.WAITING_TOO_LONG
        "emails_failed": emails_failed,
        "failed_list": failed_list,
    }
    return TemplateResponse(request, "admin/ops/operations.html", context)

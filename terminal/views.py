"""CCASS/CCMS Terminal landing page, the menu after login and the overnight reports (SPEC L1,
T1, T2, S3)."""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import otp_verified_required
from accounts.journey import CHANNEL_KEY, FUNCTION_KEY, Function

from . import reports, schedule, selectors


@require_GET
def landing_view(request):
    return render(request, "terminal/landing.html", {"system": "CCASS"})


def _offers(request) -> tuple[bool, bool]:
    """(online functions, overnight reports): what the button chosen at login offers. The
    smartcard's is "Login with Smartcard - Online Functions and Overnight Report Download"."""
    if request.session.get(CHANNEL_KEY) == "SMARTCARD":
        return True, True
    function = request.session.get(FUNCTION_KEY, Function.ONLINE)
    return function != Function.OVERNIGHT, function == Function.OVERNIGHT


@require_GET
@otp_verified_required
def home_view(request):
    user = request.user
    online, overnight = _offers(request)
    connectivity_test = schedule.connectivity_test_now()
    return render(request, "terminal/home.html", {
        "system": user.system_name,
        "connectivity_test": connectivity_test,
        "connectivity_notice": _(schedule.CONNECTIVITY_TEST_NOTICE),
        "menu": selectors.menu(user) if online else None,
        "overnight": overnight,
        "report_days": (selectors.report_days(user.participant)
                        if overnight and not connectivity_test else None),
    })


@require_GET
@otp_verified_required
def function_view(request, code):
    """One function of the menu: what it is, and "Function not available" (SPEC T1, S3). A
    code outside the user's business user groups reads as an unknown one (404)."""
    online, _ = _offers(request)
    function = selectors.function_of(request.user, code) if online else None
    if function is None:
        raise Http404
    return render(request, "terminal/function.html", {
        "system": request.user.system_name, "function": function,
        "connectivity_test": schedule.connectivity_test_now(),
    })


@require_GET
@never_cache
@otp_verified_required
def report_download_view(request, report_id):
    """One of the user's participant's overnight reports; any other reads as unknown (404).
    None is offered during a connectivity test (SPEC S3): back to the page saying so. A reader
    of the Chinese pages gets the file with the Chinese lines added (issue 11)."""
    _, overnight = _offers(request)
    report = selectors.report_of(request.user.participant, report_id) if overnight else None
    if report is None:
        raise Http404
    if schedule.connectivity_test_now():
        return redirect("terminal:home")
    try:
        file = reports.storage().open(report.file_name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    if translation.get_language() == reports.BILINGUAL_LANGUAGE:
        with file:
            response = HttpResponse(reports.bilingual(file.read()),
                                    content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            True, report.download_name)
        return response
    return FileResponse(file, as_attachment=True, filename=report.download_name,
                        content_type="text/plain; charset=utf-8")

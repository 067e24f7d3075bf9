"""DMS - Security Management Functions (SPEC L1, D1-D8): thin views over dms.services."""

import csv
import datetime as dt
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import dms_required as da_required
from accounts.audit import client_ip
from accounts.devices import is_initialised
from accounts.models import AccessChannel, DARole, InternalExternal, UserStatus
from accounts.otp import otp_channel
from accounts.profile import profile_values
from accounts.selectors import da_staffing_warning
from accounts.services import email_warnings
from accounts.spreadsheet import neutralise_row

from . import selectors, services
from .forms import (
    ACCESS_CHANNEL_LABELS,
    CLEARING_HOUSE_OPTION,
    INTERNAL_EXTERNAL_LABELS,
    STATUS_LABELS,
    ChangeProfileForm,
    CheckerForm,
    CodeForm,
    CreateProfileForm,
    PromptForm,
    RejectForm,
    label_shown,
    limit_rows,
)
from .models import MaintenanceRequest, RequestKind

FUNCTIONS = {
    "create": gettext_lazy("Create User Profile"),
    "change": gettext_lazy("Change User Profile"),
    "delete": gettext_lazy("Delete User Profile"),
    "enquire": gettext_lazy("Enquire User Profile"),
}


@require_GET
def landing_view(request):
    return render(request, "dms/landing.html", {"system": "CCASS"})


def _page(request, template, context=None, status=200):
    participant = request.user.participant
    return render(request, template, {
        "system": request.user.system_name, "participant": participant,
        "staffing_warning": da_staffing_warning(participant),
        "is_maker": request.user.da_role == DARole.MAKER,
        "now": timezone.now(),  # the function header's clock (Hong Kong time when shown)
        **(context or {}),
    }, status=status)


@require_GET
@da_required
def home_view(request):
    return _page(request, "dms/home.html")


@require_GET
@da_required
def sitemap_view(request):
    return _page(request, "dms/sitemap.html")


# --- Prompt pages ----------------------------------------------------------------------------


@require_GET
@da_required
def prompt_view(request, function):
    """"<Function> - Prompt": "User ID" + "Submit", or "List" by User ID / User Name."""
    if function not in ("change", "delete", "enquire"):
        raise Http404
    form = PromptForm(request.GET or None)
    results = None
    if form.is_valid():
        data = form.cleaned_data
        if "list" in request.GET:
            results = selectors.profile_rows(selectors.profile_search(
                request.user.participant, search_by=data["search_by"] or "user_id",
                text=data["search_filter"]))
        elif data["user_id"]:
            profile = selectors.profile_of(request.user.participant, data["user_id"])
            if profile is not None and profile.is_active:
                return redirect("dms:detail", function=function, user_id=profile.username)
            form.add_error("user_id", _("User ID %(user_id)s is not a profile of "
                                        "%(participant)s.")
                           % {"user_id": data["user_id"].upper(),
                              "participant": request.user.participant})
    return _page(request, "dms/prompt.html", {
        "form": form, "function": function, "title": FUNCTIONS[function], "results": results,
        # One reverse() for the page, not one a row (5,000 rows: issue 10).
        "detail_prefix": reverse("dms:detail",
                                 kwargs={"function": function, "user_id": "-"})[:-2],
    })


# --- Detail pages ----------------------------------------------------------------------------


def _profile_or_404(request, user_id):
    profile = selectors.profile_of(request.user.participant, user_id)
    if profile is None or not profile.is_active:
        raise Http404("No such profile")
    return profile


def _shown(values: dict) -> dict:
    """Profile values as the pages show them (labels in the page's language, DD-Mon-YY
    dates)."""

    def day(value):
        if not value:
            return ""
        return dateformat.format(dt.date.fromisoformat(value), pgettext("date format", "d-M-y"))

    return {
        **values,
        "status": label_shown(STATUS_LABELS, UserStatus(values["status"])),
        "internal_external": label_shown(INTERNAL_EXTERNAL_LABELS,
                                         InternalExternal(values["internal_external"])),
        "access_channel": label_shown(ACCESS_CHANNEL_LABELS,
                                      AccessChannel(values["access_channel"])),
        "enable_from": day(values.get("enable_from")),
        "disable_after": day(values.get("disable_after")),
        "transaction_limit": limit_rows(values.get("transaction_limit")),
        "clearing_house_options": ", ".join(
            str(CLEARING_HOUSE_OPTION.get(h, h)) for h in values.get("clearing_house_options", [])),
    }


def _profile_context(profile):
    """Enquire/Delete: smartcard fields before 2FA is initialised, Locked/OTP Enabled after."""
    initialised = is_initialised(profile)
    shown = _shown(profile_values(profile))
    return {
        "profile": profile, "initialised": initialised, "shown": shown,
        "user_id": profile.username, "otp_enabled": otp_channel(profile) is not None,
        "state": "2fa" if initialised else ("smartcard" if profile.has_smartcard else ""),
        "selected_groups": shown["business_user_groups"], "deleted_groups": None,
    }


def _initial(profile):
    values = profile_values(profile)
    values["enable_from"], values["disable_after"] = profile.enable_from, profile.disable_after
    return values


@require_http_methods(["GET", "POST"])
@da_required
def create_view(request):
    """"Create User Profile - Detail".

    "Generate User ID" submits the same form: the page comes back with the proposed User ID and
    everything else as typed, unchecked, and nothing is created.
    """
    participant = request.user.participant
    form = CreateProfileForm(request.POST or None, participant=participant,
                             initial={"user_id": participant.user_id_prefix})
    if "generate" in request.POST:
        typed = {name: field.widget.value_from_datadict(request.POST, request.FILES,
                                                        form.add_prefix(name))
                 for name, field in form.fields.items()}
        typed["user_id"] = services.next_free_user_id(participant) or typed["user_id"]
        form = CreateProfileForm(participant=participant, initial=typed)
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            req = services.request_create(maker=request.user, username=data.pop("user_id"),
                                          values=data, source_ip=client_ip(request))
        except services.DmsRefused as exc:
            form.add_error(None, exc)
        else:
            return redirect("dms:confirm", req_id=req.pk)
    return _page(request, "dms/detail.html", {
        "form": form, "title": _("Create User Profile - Detail"), "function": "create",
        "button": _("Create"), "spare": services.spare_accounts(participant),
    })


def _detail_context(profile, function):
    return {"title": _("%(function)s - Detail") % {"function": FUNCTIONS[function]},
            "function": function,
            **_profile_context(profile)}


@require_http_methods(["GET", "POST"])
@da_required
def change_view(request, user_id, function="change"):
    """"Change User Profile - Detail": the maker's changes wait for a checker (SPEC D4)."""
    profile = _profile_or_404(request, user_id)
    context = _detail_context(profile, function)
    form = ChangeProfileForm(request.POST or None, participant=request.user.participant,
                             initial=_initial(profile))
    if not context["initialised"] or profile.is_da:
        del form.fields["reset_otp"]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            req = services.request_change(
                maker=request.user, subject=profile, reset_otp=data.pop("reset_otp", False),
                values=data, source_ip=client_ip(request))
        except services.DmsRefused as exc:
            form.add_error(None, exc)
        else:
            return redirect("dms:confirm", req_id=req.pk)
    return _page(request, "dms/detail.html", {**context, "form": form, "button": _("Change")})


@require_http_methods(["GET", "POST"])
@da_required
def delete_view(request, user_id, function="delete"):
    """"Delete User Profile - Detail": "Delete" waits for a checker (SPEC D4)."""
    profile = _profile_or_404(request, user_id)
    context = _detail_context(profile, function)
    if request.method == "POST":
        try:
            req = services.request_delete(maker=request.user, subject=profile,
                                          source_ip=client_ip(request))
        except services.DmsRefused as exc:
            context["error"] = exc.messages[0]
        else:
            return redirect("dms:confirm", req_id=req.pk)
    return _page(request, "dms/profile.html", context)


@require_GET
@da_required
def enquire_view(request, user_id, function="enquire"):
    """"Enquire User Profile - Detail" (read only)."""
    profile = _profile_or_404(request, user_id)
    return _page(request, "dms/profile.html", _detail_context(profile, function))


# --- Confirmation page: Checker ID and Authorisation Code (SPEC D4) --------------------------


def _request_or_404(request, req_id) -> MaintenanceRequest:
    return get_object_or_404(
        MaintenanceRequest.objects.select_related("maker", "checker", "subject", "participant"),
        pk=req_id, participant=request.user.participant)


def _request_context(req):
    before, after = req.before, req.after
    groups_before = set(before.get("business_user_groups", []))
    groups_after = set(after.get("business_user_groups", []))
    subject = req.subject if req.kind != RequestKind.CREATE else None
    state = ""
    if req.reset_otp:
        state = "reset"  # "Locked  No  Will Unlock/Reset OTP Device Registration"
    elif subject is not None and is_initialised(subject):
        state = "2fa"
    elif subject is not None and subject.has_smartcard and req.kind == RequestKind.DELETE:
        state = "smartcard"  # SPEC D3: smartcard fields only in Enquire and Delete
    return {
        "req": req, "shown": _shown(after or before), "user_id": req.username,
        "profile": req.subject, "state": state, "function": req.kind.lower(),
        "otp_enabled": subject is not None and otp_channel(subject) is not None,
        "selected_groups": sorted(groups_after or groups_before),
        "deleted_groups": sorted(groups_before - groups_after) if after else None,
        "warnings": email_warnings(after.get("email", "")) if after else [],
        "title": _("%(function)s - Confirmation") % {"function": req.get_kind_display()},
    }


@require_http_methods(["GET", "POST"])
@da_required
def confirm_view(request, req_id):
    req = _request_or_404(request, req_id)
    form = CheckerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_approve(
                req_id=req.pk, checker_id=form.cleaned_data["checker_id"],
                authorisation_code=form.cleaned_data["authorisation_code"],
                source_ip=client_ip(request))
        except services.DmsRefused as exc:
            form.add_error(None, exc)
            req.refresh_from_db()
    return _page(request, "dms/confirm.html", {"form": form, **_request_context(req)},
                 status=400 if form.errors else 200)


# --- Pending Authorisation (beyond the real system) ------------------------------------------


@require_GET
@da_required
def pending_view(request):
    return _page(request, "dms/pending.html", {
        "pending": selectors.pending_requests(request.user.participant),
    })


@require_POST
@da_required
def approve_view(request, req_id):
    req = _request_or_404(request, req_id)
    # A list page has no "above": the line names the profile and the request it concerns.
    values = req.after or req.before
    name = f"{values.get('surname', '')} {values.get('other_names', '')}".strip()
    concerns = (_("User ID %(user_id)s (%(name)s)") % {"user_id": req.username, "name": name}
                if name else _("User ID %(user_id)s") % {"user_id": req.username})
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.request_approve(
                req_id=req.pk, checker_id=request.user.username,
                authorisation_code=form.cleaned_data["authorisation_code"],
                source_ip=client_ip(request))
        except services.DmsRefused as exc:
            messages.error(request, _("%(concerns)s: %(refusal)s")
                           % {"concerns": concerns, "refusal": exc.messages[0]})
        else:
            if req.reset_otp:
                done = _("%(concerns)s: the %(function)s request with Unlock/Reset OTP Device "
                         "Registration is authorised. %(success)s")
            else:
                done = _("%(concerns)s: the %(function)s request is authorised. %(success)s")
            messages.success(request, done % {"concerns": concerns,
                                              "function": req.get_kind_display(),
                                              "success": req.success_message})
    else:
        messages.error(request, _("Please enter your Authorisation Code."))
    return redirect("dms:pending")


@require_POST
@da_required
def reject_view(request, req_id):
    req = _request_or_404(request, req_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.request_reject(
                req_id=req.pk, checker_id=request.user.username,
                authorisation_code=form.cleaned_data["authorisation_code"],
                reason=form.cleaned_data["reason"], source_ip=client_ip(request))
        except services.DmsRefused as exc:
            messages.error(request, _("%(user_id)s: %(refusal)s")
                           % {"user_id": req.username, "refusal": exc.messages[0]})
        else:
            messages.success(request, _("%(user_id)s: the request has been rejected.")
                             % {"user_id": req.username})
    else:
        messages.error(request, _("Please enter your Authorisation Code."))
    return redirect("dms:pending")


# --- View Listings, View Reports (SPEC D6, D7) -----------------------------------------------


@require_GET
@da_required
def listing_view(request):
    participant = request.user.participant
    return _page(request, "dms/listing.html", {
        "rows": selectors.profile_rows(selectors.profiles(participant)),
        "counts": services.user_counts(participant),
    })


@require_GET
@da_required
def listing_csv_view(request):
    participant = request.user.participant
    buffer = io.StringIO()  # one write to the response, not one a row (issue 10)
    writer = csv.writer(buffer)
    # Issue 11: the download stays English whatever the page's language: its headers and
    # totals are read by the participants' own tools (docs/decisions.md).
    writer.writerow(["User ID", "User Name", "Email", "Remarks"])
    for row in selectors.profile_rows(selectors.profiles(participant)).iterator(chunk_size=2000):
        # Names and emails are typed by people: never a formula in a spreadsheet (issue 10).
        name = f"{row['surname']} {row['other_names']}".strip()
        writer.writerow(neutralise_row([row["username"], name, row["email"],
                                        "Delegated Administrator" if row["da_role"] else ""]))
    counts = services.user_counts(participant)
    writer.writerow([])
    writer.writerow(["MAX. NO. OF USERS", counts["max"]])
    writer.writerow(["TOTAL NO. OF USERS", counts["total"]])
    writer.writerow(["TOTAL NO. OF DELEGATED ADMINISTRATORS", counts["das"]])
    writer.writerow(["TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS", counts["users"]])
    writer.writerow(["*** END OF REPORT ***"])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="user_profile_listing_{participant.participant_id}.csv"')
    return response


@require_GET
@da_required
def reports_view(request):
    participant = request.user.participant
    maintenance = Paginator(selectors.maintenance_activity(participant), 50).get_page(
        request.GET.get("page"))
    logins = Paginator(selectors.login_activity(participant), 50).get_page(
        request.GET.get("login_page"))
    return _page(request, "dms/reports.html", {
        "maintenance": maintenance, "logins": logins,
    })

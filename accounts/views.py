"""Login with 2FA (SPEC L2-L9): each view validates one form, calls one step of
:mod:`accounts.login` (or one action) and redirects or renders."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import journey, login, otp, services
from .access import at_stage, current_portal, otp_verified_required
from .audit import client_ip
from .forms import (
    ChangePasswordForm,
    ChangePasswordNewForm,
    LoginForm,
    NewPasswordForm,
    OathSettingsForm,
    OtpForm,
    ReauthenticateForm,
    SmartcardForm,
    StaffLoginForm,
    UserIdForm,
    too_long,
)
from .journey import Function, Portal, Stage
from .selectors import da_staffing_warning

OTP_STAGES = (Stage.LOGIN_OTP, Stage.SETUP_EMAIL_OTP)


def _system(user) -> str:
    return user.system_name if user is not None else "CCASS"


def _follow(request, outcome: login.Outcome):
    """Redirect as the step decided, carrying its message; None when the page stays."""
    if outcome.redirect is None:
        if outcome.info:
            messages.info(request, outcome.info)
        return None
    if outcome.error:
        messages.error(request, outcome.error)
    elif outcome.info:
        messages.info(request, outcome.info)
    return redirect(outcome.redirect)


# --- LOG IN ----------------------------------------------------------------------------------


def _function(value) -> str:
    return value if value in (Function.ONLINE, Function.OVERNIGHT) else Function.ONLINE


@require_http_methods(["GET", "POST"])
def login_view(request, portal=Portal.TERMINAL):
    if portal == Portal.DMS:
        function = Function.SECURITY
    elif portal == Portal.CONNECT:
        function = Function.CONNECT
    else:
        function = _function(request.POST.get("function") or request.GET.get("function"))
    form = LoginForm(request.POST or None)
    if portal == Portal.CONNECT:
        # SPEC E1: "Enter Email and Password, then click <LOG IN>".
        form.fields["user_id"].label = _("Email")
    error = None
    if request.method == "POST":
        if form.is_valid():
            outcome = login.password_step(
                request, portal=portal, function=function,
                username=form.cleaned_data["user_id"], password=form.cleaned_data["password"])
            if response := _follow(request, outcome):
                return response
            error = outcome.error
        elif too_long(form):
            error = form.errors.get("password", form.errors.get("user_id"))[0]
        else:
            error = _("Please enter your User ID and Password.")
    # Issue 10: over-long input is a 400, refused before any lookup or hashing.
    return render(request, "accounts/login.html", {
        "form": form, "error": error, "portal": portal, "function": function,
        "system": "CCASS",
    }, status=400 if too_long(form) else 200)


@require_http_methods(["GET", "POST"])
def smartcard_login_view(request, portal=Portal.TERMINAL):
    """"Please insert your smartcard and enter your password", "Logon" (SPEC L10)."""
    form = SmartcardForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        outcome = login.smartcard_step(request, portal=portal, srn=form.cleaned_data["srn"],
                                       password=form.cleaned_data["password"])
        if response := _follow(request, outcome):
            return response
        error = outcome.error
    return render(request, "accounts/smartcard_login.html", {
        "form": form, "error": error, "portal": portal, "system": "CCASS",
    }, status=400 if error or too_long(form) else 200)


# --- OTP (on-going login and SKIP THIS STEP) -------------------------------------------------


@require_http_methods(["GET", "POST"])
@at_stage(*OTP_STAGES)
def otp_view(request, j, user):
    form = OtpForm(request.POST or None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            outcome = login.otp_step(request, j, user, code=form.cleaned_data["otp"])
            if response := _follow(request, outcome):
                return response
            error = outcome.error
        else:
            error = form.errors["otp"][0]
    if login.by_app(j, user):
        return render(request, "accounts/otp_app.html", {
            "form": form, "error": error, "system": _system(user), "action": "accounts:otp",
        })
    return render(request, "accounts/otp_email.html", {
        "form": form, "error": error, "system": _system(user), "action": "accounts:otp",
        "request_action": "accounts:otp_request",
    })


@require_POST
@at_stage(*OTP_STAGES)
def otp_request_view(request, j, user):
    """REQUEST OTP (SPEC L4)."""
    outcome = login.code_request(request, j, user)
    if outcome.error:
        messages.error(request, outcome.error)
    _follow(request, outcome)
    return redirect("accounts:otp")


# --- Set up OTP Channel (SPEC L5) ------------------------------------------------------------


@require_GET
@at_stage(Stage.SETUP, Stage.SETUP_REGISTER, Stage.SETUP_SKIP)
def setup_view(request, j, user):
    if j.stage != Stage.SETUP:
        journey.advance(request, j, Stage.SETUP)
    return render(request, "accounts/setup.html", {"system": _system(user)})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@require_GET
@at_stage(Stage.SETUP, Stage.SETUP_REGISTER)
def register_device_view(request, j, user):
    """REGISTER DEVICE: the QR code and the same key as text for manual entry."""
    journey.advance(request, j, Stage.SETUP_REGISTER)
    device = otp.totp_device_pending(user=user)
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/register_device.html", {
        "system": _system(user), "qr": _qr_svg(device.config_url), "key": key,
        "key_groups": " ".join(key[i:i + 4] for i in range(0, len(key), 4)),
        "user_id": user.username,
    })


@require_http_methods(["GET", "POST"])
@at_stage(Stage.SETUP_REGISTER)
def verify_device_view(request, j, user):
    """LOGIN USING VERIFICATION CODE: the code from the app, "SUBMIT"."""
    form = OtpForm(request.POST or None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            outcome = login.register_step(request, j, user, code=form.cleaned_data["otp"])
            if response := _follow(request, outcome):
                return response
            error = outcome.error
        else:
            error = form.errors["otp"][0]
    return render(request, "accounts/otp_app.html", {
        "form": form, "error": error, "system": _system(user),
        "action": "accounts:setup_verify",
    })


@require_http_methods(["GET", "POST"])
@at_stage(Stage.SETUP, Stage.SETUP_SKIP)
def skip_view(request, j, user):
    """SKIP THIS STEP: the warning that self-service reset will not be possible, then "ACCEPT"
    sends an email OTP (SPEC L5)."""
    error = None
    if request.method == "POST":
        outcome = login.skip_accept(request, j, user)
        if response := _follow(request, outcome):
            return response
        error = outcome.error
    else:
        journey.advance(request, j, Stage.SETUP_SKIP)
    return render(request, "accounts/skip.html", {"system": _system(user), "error": error})


# --- expired password (SPEC A2) --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@at_stage(Stage.PASSWORD_EXPIRED)
def password_expired_view(request, j, user):
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        outcome = login.expired_password_step(
            request, j, user, new_password=form.cleaned_data["password"],
            current_password=form.cleaned_data["current_password"])
        if response := _follow(request, outcome):
            return response
        form.add_error("current_password", outcome.error)
    return render(request, "accounts/password_expired.html", {
        "form": form, "system": _system(user),
    }, status=400 if too_long(form) else 200)


# --- Forgot/Reset your password? (SPEC L3, L7) -----------------------------------------------


@require_http_methods(["GET", "POST"])
def reset_start_view(request):
    """"Input User ID", "SUBMIT"."""
    portal = request.POST.get("portal") or request.GET.get("portal")
    portal = portal if portal in Portal.ALL else Portal.TERMINAL
    form = UserIdForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        outcome = login.reset_start(request, portal=portal,
                                    username=form.cleaned_data["user_id"])
        if response := _follow(request, outcome):
            return response
        error = outcome.error
    return render(request, "accounts/reset_start.html", {
        "form": form, "error": error, "portal": portal, "system": "CCASS",
    })


@require_http_methods(["GET", "POST"])
@at_stage(Stage.RESET_OTP)
def reset_otp_view(request, j, user):
    form = OtpForm(request.POST or None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            outcome = login.reset_code_step(request, j, user, code=form.cleaned_data["otp"])
            if response := _follow(request, outcome):
                return response
            error = outcome.error
        else:
            error = form.errors["otp"][0]
    if j.by_app:
        return render(request, "accounts/otp_app.html", {
            "form": form, "error": error, "system": _system(user),
            "action": "accounts:reset_otp",
        })
    return render(request, "accounts/otp_email.html", {
        "form": form, "error": error, "system": "CCASS", "action": "accounts:reset_otp",
        "request_action": "accounts:reset_otp_request", "notice": _(login.RESET_EMAIL_NOTICE),
    })


@require_POST
@at_stage(Stage.RESET_OTP)
def reset_otp_request_view(request, j, user):
    """REQUEST OTP in a reset: the answer depends only on this journey's own timing."""
    outcome = login.code_request(request, j, user)
    if outcome.error:
        messages.error(request, outcome.error)
    _follow(request, outcome)
    return redirect("accounts:reset_otp")


@require_http_methods(["GET", "POST"])
@at_stage(Stage.RESET_PASSWORD)
def reset_password_view(request, j, user):
    """"Reset Password" / "Please enter your new password below." (never logs in)."""
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        login.reset_password_step(request, j, user, new_password=form.cleaned_data["password"])
        return render(request, "accounts/reset_done.html", {
            "system": _system(user), "login_url": login.login_url(j.portal),
        })
    return render(request, "accounts/reset_password.html", {
        "form": form, "system": _system(user),
    }, status=400 if too_long(form) else 200)


# --- after login: Change Password, AUTHENTICATION SETTINGS, Logout (SPEC L8, L9) ---------------


def _home(request):
    return login.home_url(current_portal(request))


def _locked_out(request, user):
    """A wrong current password that locked the account ends the session (SPEC A3)."""
    if not user.is_locked:
        return None
    login.logout_step(request)
    messages.error(request, services.locked_message(user))
    return redirect("accounts:login")


def _frame(request) -> dict:
    """The portal's frame: in DMS the account pages keep its banner and menu (SPEC L8)."""
    user = request.user
    frame = {"base": "base.html", "system": _system(user), "home": _home(request)}
    if current_portal(request) == Portal.DMS:
        frame.update(base="dms/base_dms.html", participant=user.participant,
                     staffing_warning=da_staffing_warning(user.participant))
    return frame


def _change_password_page(request, form, *, step):
    return render(request, "accounts/change_password.html", {
        "form": form, "step": step, **_frame(request),
    }, status=400 if too_long(form) else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@otp_verified_required
def change_password_view(request):
    """"Change Password", step 1: "New password", "Confirm new password", "Update" (SPEC L8).

    Nothing is stored: an accepted pair goes back to the browser as hidden inputs of step 2's
    form, so the password never enters the session (STYLE 5); step 2 checks it again.
    """
    user = request.user
    form = ChangePasswordNewForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        return _change_password_page(request, ChangePasswordForm(user=user, initial={
            "password": form.cleaned_data["password"],
            "confirm_password": form.cleaned_data["confirm_password"],
        }), step=2)
    return _change_password_page(request, form, step=1)


@never_cache
@require_POST
@otp_verified_required
def change_password_update_view(request):
    """"Change Password", step 2: the current password, "Update" (SPEC L8, A3)."""
    user = request.user
    form = ChangePasswordForm(request.POST, user=user)
    if form.is_valid():
        try:
            services.password_change(
                user=user, new_password=form.cleaned_data["password"],
                current_password=form.cleaned_data["current_password"],
                source_ip=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error("current_password", exc)
            if locked := _locked_out(request, user):
                return locked
        else:
            update_session_auth_hash(request, user)  # this session stays; the others end
            messages.success(request, _("Your password has been changed."))
            return redirect(_home(request))
    elif form.errors.keys() - {"current_password"}:
        # The new password itself is refused (altered since step 1): step 1 names the rules.
        return _change_password_page(request, form, step=1)
    return _change_password_page(request, form, step=2)


def _settings_page(request, *, delete_form=None, settings_form=None, open_menu=None,
                   status=200):
    user = request.user
    return render(request, "accounts/authentication_settings.html", {
        "channel": otp.otp_channel(user),
        "device": user.totpdevice_set.filter(confirmed=True).first(),
        # Two forms on one page: distinct ids, the same field name.
        "delete_form": delete_form or ReauthenticateForm(auto_id="delete_%s"),
        "settings_form": settings_form or OathSettingsForm(auto_id="settings_%s"),
        "open_menu": open_menu, **_frame(request),
    }, status=status)


@require_GET
@otp_verified_required
def authentication_settings_view(request):
    """AUTHENTICATION SETTINGS: the registered device and its "⋮" menu (SPEC L8)."""
    return _settings_page(request)


def _device_change(request, action, form, *, menu, done):
    """Re-authenticate, then one device action (SPEC L8, STYLE 5)."""
    user = request.user
    if form.is_valid():
        try:
            services.reauthenticate(user=user, password=form.cleaned_data["current_password"],
                                    source_ip=client_ip(request))
        except ValidationError as exc:
            form.add_error("current_password", exc)
        else:
            if not action(target=user, actor=user, source_ip=client_ip(request)):
                messages.error(request, _("There is no registered device to change."))
                return redirect("accounts:authentication_settings")
            # This session was verified with the device just removed, so django-otp stops
            # counting it at the next request: end it here and say why.
            portal = login.logout_step(request)
            messages.success(request, _("Your authentication settings have been updated. "
                                        "%(what_next)s") % {"what_next": done()})
            return redirect(login.login_url(portal))
    if locked := _locked_out(request, user):
        return locked
    return _settings_page(request, **{f"{menu}_form": form}, open_menu=menu, status=400)


@require_POST
@otp_verified_required
def device_delete_view(request):
    """"⋮" → "x Delete": the next login registers a new device."""
    form = ReauthenticateForm(request.POST, auto_id="delete_%s")
    return _device_change(request, otp.device_remove, form, menu="delete", done=lambda: _(
        "Please log in again and set up your OTP channel: REGISTER DEVICE or SKIP THIS STEP."))


@require_POST
@otp_verified_required
def oath_off_view(request):
    """"⋮" → "Settings": "Multi-factor authentication using OATH enable" off, "Save"."""
    form = OathSettingsForm(request.POST, auto_id="settings_%s")
    if form.keeps_oath():
        messages.info(request, _("Nothing was changed: multi-factor authentication using OATH "
                                 "stays enabled."))
        return redirect("accounts:authentication_settings")
    return _device_change(request, otp.email_otp_switch, form, menu="settings", done=lambda: _(
        "Please log in again: your OTP is now sent to your registered email address."))


@require_POST
def logout_view(request):
    portal = login.logout_step(request)
    return render(request, "accounts/logged_out.html", {
        "login_url": login.login_url(portal), "system": "CCASS",
    })


# --- the admin's login (HKEX staff) ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def staff_login_view(request, extra_context=None):
    """The admin's login: User ID, password and app code in one submit (SPEC A3, L9)."""
    if request.user.is_authenticated and request.user.is_staff and request.user.is_verified():
        return redirect("admin:index")
    form = StaffLoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        outcome = login.staff_login(request, username=form.cleaned_data["username"],
                                    password=form.cleaned_data["password"],
                                    code=form.cleaned_data["otp_token"])
        if outcome.redirect:
            next_url = request.POST.get("next") or request.GET.get("next")
            if next_url and url_has_allowed_host_and_scheme(
                    next_url, allowed_hosts={request.get_host()},
                    require_https=request.is_secure()):
                return redirect(next_url)
            return redirect(outcome.redirect)
        error = outcome.error
    elif request.method == "POST":
        error = (next(iter(form.errors.values()))[0] if too_long(form)
                 else "Please enter your User ID, password and OTP.")
    return render(request, "admin/ccass_login.html", {
        "form": form, "error": error, "next": request.GET.get("next", ""),
        "title": "Log in", "site_header": "CCASS/CCMS Portal - HKEX administration",
        **(extra_context or {}),
    }, status=400 if too_long(form) else 200)

"""Login with 2FA (SPEC L2-L9): thin views over accounts.services, accounts.otp, journey."""

import base64
import io
from functools import wraps

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import journey, otp, services
from .audit import Event, client_ip, record_event
from .forms import (
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    OtpForm,
    ReauthenticateForm,
    UserIdForm,
)
from .journey import Function, Portal, Stage
from .models import EmailOTPDevice, OtpPurpose, User

PORTAL_KEY = "ccass_login_portal"
SESSION_EXPIRED = "Your login session has expired or is not valid. Please start again."
OTP_WRONG = "The OTP is incorrect or has expired. Please try again."
OTP_UNAVAILABLE = (
    "The OTP could not be sent at the moment. Please try again in a few minutes; "
    "nothing has been changed."
)
EMAIL_USER_NO_SELF_RESET = (
    "Users who receive their OTP by email cannot reset the password here: users, please ask "
    "your Delegated Administrator to \u201cUnlock/Reset OTP Device Registration\u201d; "
    "Delegated Administrators, please ask your firm to submit eService DA3 to HKEX."
)
RESET_CODE_NOTICE = (
    "If you have registered the ForgeRock Authenticator app, enter the code it shows. If you "
    "have not yet set up your OTP channel, an OTP has been sent to your registered email "
    "address; it is valid for 5 minutes, and if you asked within the last 5 minutes, please "
    "use the OTP already sent."
)


def _system(user) -> str:
    return user.system_name if user is not None else "CCASS"


def _login_url(j_or_portal) -> str:
    portal = getattr(j_or_portal, "portal", j_or_portal)
    return reverse("dms:login") if portal == Portal.DMS else reverse("accounts:login")


def _refuse(request, portal, message=SESSION_EXPIRED):
    journey.end(request)
    messages.error(request, message)
    return redirect(_login_url(portal))


def _locked_now(request, j, user):
    """After a counted failure: if it locked the account, end the journey with the message."""
    if user is None:
        return None
    user.refresh_from_db(fields=["is_locked"])
    if not user.is_locked:
        return None
    return _refuse(request, j.portal, services.locked_message(user))


def _logout_if_locked(request, user):
    """The logged-in variant: a wrong current password that locked the account logs out."""
    user.refresh_from_db(fields=["is_locked"])
    if not user.is_locked:
        return None
    logout(request)
    messages.error(request, services.locked_message(user))
    return redirect("accounts:login")


def at_stage(*stages):
    """Let the view run only at one of ``stages`` of a live journey (no step can be skipped)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            j = journey.current(request, *stages)
            if j is None:
                return _refuse(request, request.session.get(PORTAL_KEY, Portal.TERMINAL))
            user = User.objects.select_related("participant").filter(pk=j.user_id).first()
            if j.user_id is not None and user is None:
                return _refuse(request, j.portal)
            return view(request, j, user, *args, **kwargs)

        return wrapper

    return decorator


def _after_password(request, user, j_portal, j_function):
    """Route a user whose password is right to the stage their OTP set-up calls for."""
    channel = otp.otp_channel(user)
    if channel is otp.Channel.APP:
        journey.start(request, stage=Stage.LOGIN_OTP, user_id=user.pk, portal=j_portal,
                      function=j_function)
        return redirect("accounts:otp")
    if channel is otp.Channel.EMAIL:
        # SPEC L4: a correct password sends a code at once, voiding earlier ones.
        sent = otp.email_code_send(user=user, purpose=OtpPurpose.LOGIN, respect_cooldown=False,
                                   source_ip=client_ip(request))
        if not sent.sent:
            journey.end(request)
            return None
        journey.start(request, stage=Stage.LOGIN_OTP, user_id=user.pk, portal=j_portal,
                      function=j_function, code_sent=True)
        return redirect("accounts:otp")
    journey.start(request, stage=Stage.SETUP, user_id=user.pk, portal=j_portal,
                  function=j_function)
    return redirect("accounts:setup")


def _complete_login(request, j, user, device):
    """The OTP is right: now, and only now, the user is logged in (SPEC L5, L6, L9)."""
    journey.end(request)
    if j.portal == Portal.DMS and services.dms_access_problem(user):
        record_event(Event.LOGIN_FAILURE, subject=user, source_ip=client_ip(request),
                     outcome="FAILURE", reason="end user refused at DMS")
        messages.error(request, services.dms_access_problem(user))
        return redirect(_login_url(j))
    channel = "APP" if isinstance(device, TOTPDevice) else "EMAIL"
    if not services.login_success_record(user=user, source_ip=client_ip(request),
                                         channel=channel):
        messages.error(request, services.locked_message(user) if user.is_locked
                       else "This User ID cannot log in now.")
        return redirect(_login_url(j))
    login(request, user, backend="accounts.backends.LockoutBackend")  # rotates the session key
    otp_login(request, device)
    request.session["ccass_portal"] = j.portal
    request.session["ccass_function"] = j.function
    return redirect("dms:home" if j.portal == Portal.DMS else "terminal:home")


# --- LOG IN ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request, portal=Portal.TERMINAL):
    function = Function.SECURITY if portal == Portal.DMS else (
        Function.OVERNIGHT if request.GET.get("function") == Function.OVERNIGHT
        else Function.ONLINE
    )
    form = LoginForm(request.POST or None)
    error = None
    request.session[PORTAL_KEY] = portal  # where to send a person whose journey lapsed
    if request.method == "POST" and form.is_valid():
        function = request.POST.get("function", function)
        if function not in (Function.ONLINE, Function.OVERNIGHT, Function.SECURITY):
            function = Function.ONLINE
        result = services.authenticate_password(
            username=form.cleaned_data["user_id"], password=form.cleaned_data["password"],
            source_ip=client_ip(request),
        )
        if result.ok:
            user = result.user
            if user.password_expired():
                journey.start(request, stage=Stage.PASSWORD_EXPIRED, user_id=user.pk,
                              portal=portal, function=function)
                return redirect("accounts:password_expired")
            response = _after_password(request, user, portal, function)
            if response is not None:
                return response
            error = OTP_UNAVAILABLE
        else:
            error = result.message
    elif request.method == "POST":
        error = "Please enter your User ID and Password."
    return render(request, "accounts/login.html", {
        "form": form, "error": error, "portal": portal, "function": function,
        "system": "CCASS",
    })


# --- OTP (on-going login and SKIP THIS STEP) -------------------------------------------------


@require_http_methods(["GET", "POST"])
@at_stage(Stage.LOGIN_OTP, Stage.SETUP_EMAIL_OTP)
def otp_view(request, j, user):
    by_app = j.stage == Stage.LOGIN_OTP and otp.otp_channel(user) is otp.Channel.APP
    form = OtpForm(request.POST or None)
    error = None
    if request.method == "POST":
        if user.is_locked:
            return _refuse(request, j.portal, services.locked_message(user))
        if form.is_valid():
            code = form.cleaned_data["otp"]
            ip = client_ip(request)
            if by_app:
                ok = otp.totp_verify(user=user, token=code, source_ip=ip)
                device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            else:
                purpose = OtpPurpose.SETUP if j.stage == Stage.SETUP_EMAIL_OTP else OtpPurpose.LOGIN
                ok = otp.email_code_verify(user=user, purpose=purpose, token=code, source_ip=ip)
                if ok and purpose == OtpPurpose.SETUP:
                    otp.email_channel_confirm(user=user, source_ip=ip)
                device = EmailOTPDevice.objects.filter(user=user).first()
            if ok:
                return _complete_login(request, j, user, device)
            error = OTP_WRONG
            if locked := _locked_now(request, j, user):
                return locked
        else:
            error = form.errors["otp"][0]
    template = "accounts/otp_app.html" if by_app else "accounts/otp_email.html"
    return render(request, template, {
        "form": form, "error": error, "system": _system(user), "action": "accounts:otp",
        "request_action": "accounts:otp_request",
    })


@require_POST
@at_stage(Stage.LOGIN_OTP, Stage.SETUP_EMAIL_OTP)
def otp_request_view(request, j, user):
    """REQUEST OTP: a new code, no sooner than 5 minutes after the last (SPEC L4)."""
    wait = j.seconds_until_new_code()
    if wait:
        messages.error(request, _too_soon(wait))
        return redirect("accounts:otp")
    purpose = OtpPurpose.SETUP if j.stage == Stage.SETUP_EMAIL_OTP else OtpPurpose.LOGIN
    result = otp.email_code_send(user=user, purpose=purpose, respect_cooldown=True,
                                 source_ip=client_ip(request))
    if result.outcome is otp.SendOutcome.UNAVAILABLE:
        messages.error(request, OTP_UNAVAILABLE)
    elif result.outcome is otp.SendOutcome.TOO_SOON:
        messages.error(request, _too_soon(300))
    else:
        journey.code_sent(request, j)
        messages.info(request, "A new OTP has been sent to your registered email address.")
    return redirect("accounts:otp")


def _too_soon(wait_seconds):
    minutes, seconds = divmod(wait_seconds, 60)
    return (
        "A new OTP can only be requested 5 minutes after the last one. Please use the OTP "
        f"already sent, or request a new one in {minutes} min {seconds:02d} s."
    )


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
        "uri": device.config_url, "user_id": user.username,
    })


@require_http_methods(["GET", "POST"])
@at_stage(Stage.SETUP_REGISTER)
def verify_device_view(request, j, user):
    """LOGIN USING VERIFICATION CODE: the code from the app, "SUBMIT"."""
    form = OtpForm(request.POST or None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            if otp.totp_register(user=user, token=form.cleaned_data["otp"],
                                 source_ip=client_ip(request)):
                device = TOTPDevice.objects.get(user=user, confirmed=True)
                return _complete_login(request, j, user, device)
            error = OTP_WRONG
            if locked := _locked_now(request, j, user):
                return locked
        else:
            error = form.errors["otp"][0]
    return render(request, "accounts/otp_app.html", {
        "form": form, "error": error, "system": _system(user),
        "action": "accounts:setup_verify",
    })


@require_http_methods(["GET", "POST"])
@at_stage(Stage.SETUP, Stage.SETUP_SKIP)
def skip_view(request, j, user):
    """SKIP THIS STEP: the warning, then "ACCEPT" sends an email OTP (SPEC L5)."""
    if request.method == "GET":
        journey.advance(request, j, Stage.SETUP_SKIP)
        return render(request, "accounts/skip.html", {"system": _system(user)})
    result = otp.email_code_send(user=user, purpose=OtpPurpose.SETUP, respect_cooldown=False,
                                 source_ip=client_ip(request))
    if not result.sent:
        return render(request, "accounts/skip.html", {
            "system": _system(user), "error": OTP_UNAVAILABLE,
        })
    journey.advance(request, j, Stage.SETUP_EMAIL_OTP, code_sent=True)
    return redirect("accounts:otp")


# --- expired password (SPEC A2) --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@at_stage(Stage.PASSWORD_EXPIRED)
def password_expired_view(request, j, user):
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user, new_password=form.cleaned_data["password"],
                current_password=form.cleaned_data["current_password"],
                source_ip=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error("current_password", exc)
            if locked := _locked_now(request, j, user):
                return locked
        else:
            response = _after_password(request, user, j.portal, j.function)
            if response is not None:
                return response
            return _refuse(request, j.portal, OTP_UNAVAILABLE)
    return render(request, "accounts/password_expired.html", {
        "form": form, "system": _system(user),
    })


# --- Forgot/Reset your password? (SPEC L3, L7) -----------------------------------------------


@require_http_methods(["GET", "POST"])
def reset_start_view(request, portal=Portal.TERMINAL):
    """"Input User ID", "SUBMIT": the same answer whether or not the User ID exists."""
    portal = request.GET.get("portal", portal) if request.method == "GET" else request.POST.get(
        "portal", portal)
    portal = Portal.DMS if portal == Portal.DMS else Portal.TERMINAL
    form = UserIdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.find_user(form.cleaned_data["user_id"])
        if user is not None and otp.reset_by_email_allowed(user):
            result = otp.email_code_send(user=user, purpose=OtpPurpose.RESET,
                                         respect_cooldown=True, source_ip=client_ip(request))
            if result.outcome is otp.SendOutcome.UNAVAILABLE:
                return render(request, "accounts/reset_start.html", {
                    "form": form, "error": OTP_UNAVAILABLE, "portal": portal,
                    "system": "CCASS",
                })
        journey.start(request, stage=Stage.RESET_OTP, user_id=user.pk if user else None,
                      portal=portal, function="", code_sent=True)
        return redirect("accounts:reset_otp")
    return render(request, "accounts/reset_start.html", {
        "form": form, "portal": portal, "system": "CCASS",
    })


@require_http_methods(["GET", "POST"])
@at_stage(Stage.RESET_OTP)
def reset_otp_view(request, j, user):
    form = OtpForm(request.POST or None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            if user is not None and user.is_locked:
                return _refuse(request, j.portal, services.locked_message(user))
            if otp.reset_code_verify(user=user, token=form.cleaned_data["otp"],
                                     source_ip=client_ip(request)):
                journey.advance(request, j, Stage.RESET_PASSWORD)
                return redirect("accounts:reset_password")
            error = OTP_WRONG
            if locked := _locked_now(request, j, user):
                return locked
        else:
            error = form.errors["otp"][0]
    return render(request, "accounts/otp_email.html", {
        "form": form, "error": error, "system": "CCASS", "action": "accounts:reset_otp",
        "request_action": "accounts:reset_otp_request", "notice": RESET_CODE_NOTICE,
        "email_notice": EMAIL_USER_NO_SELF_RESET,
    })


@require_POST
@at_stage(Stage.RESET_OTP)
def reset_otp_request_view(request, j, user):
    """REQUEST OTP in a reset: the answer depends only on this journey's own timing."""
    wait = j.seconds_until_new_code()
    if wait:
        messages.error(request, _too_soon(wait))
        return redirect("accounts:reset_otp")
    if user is not None and otp.reset_by_email_allowed(user):
        result = otp.email_code_send(user=user, purpose=OtpPurpose.RESET, respect_cooldown=True,
                                     source_ip=client_ip(request))
        if result.outcome is otp.SendOutcome.UNAVAILABLE:
            messages.error(request, OTP_UNAVAILABLE)
            return redirect("accounts:reset_otp")
    journey.code_sent(request, j)
    messages.info(request, RESET_CODE_NOTICE)
    return redirect("accounts:reset_otp")


@require_http_methods(["GET", "POST"])
@at_stage(Stage.RESET_PASSWORD)
def reset_password_view(request, j, user):
    """"Reset Password" / "Please enter your new password below." (never logs in)."""
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.password_reset(user=user, new_password=form.cleaned_data["password"],
                                source_ip=client_ip(request))
        journey.end(request)
        return render(request, "accounts/reset_done.html", {
            "system": _system(user), "login_url": _login_url(j),
        })
    return render(request, "accounts/reset_password.html", {
        "form": form, "system": _system(user),
    })


# --- after login: Change Password, AUTHENTICATION SETTINGS, Logout (SPEC L8, L9) ---------------


def otp_verified_required(view):
    """Logged in with both factors (a password-only session never reaches these pages).

    A profile locked, disabled or out of its window since it logged in loses its session at
    its next request (SPEC A3, A4).
    """

    @wraps(view)
    @login_required(login_url="accounts:login")
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_verified() or not user.participant_id:
            logout(request)
            return redirect("accounts:login")
        if user.is_locked or services.login_eligibility_problem(user):
            message = (services.locked_message(user) if user.is_locked
                       else services.login_eligibility_problem(user))
            logout(request)
            messages.error(request, message)
            return redirect("accounts:login")
        return view(request, *args, **kwargs)

    return wrapper


def _home(request):
    return "dms:home" if request.session.get("ccass_portal") == Portal.DMS else "terminal:home"


@require_http_methods(["GET", "POST"])
@otp_verified_required
def change_password_view(request):
    user = request.user
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user, new_password=form.cleaned_data["password"],
                current_password=form.cleaned_data["current_password"],
                source_ip=client_ip(request),
            )
        except ValidationError as exc:
            form.add_error("current_password", exc)
            if locked := _logout_if_locked(request, user):
                return locked
        else:
            update_session_auth_hash(request, user)  # this session stays; the others end
            messages.success(request, "Your password has been changed.")
            return redirect(_home(request))
    return render(request, "accounts/change_password.html", {
        "form": form, "system": _system(user), "home": _home(request),
        "channel": otp.otp_channel(user),
    })


@require_GET
@otp_verified_required
def authentication_settings_view(request):
    """AUTHENTICATION SETTINGS: the user's OTP channel and the changes they may make."""
    user = request.user
    return render(request, "accounts/authentication_settings.html", {
        "form": ReauthenticateForm(), "system": _system(user), "channel": otp.otp_channel(user),
        "home": _home(request),
    })


@require_POST
@otp_verified_required
def device_remove_view(request, to_email=False):
    """Delete the registered device, or turn "Multi-factor authentication using OATH" off."""
    user = request.user
    form = ReauthenticateForm(request.POST)
    if form.is_valid():
        try:
            services.reauthenticate(user=user, password=form.cleaned_data["current_password"],
                                    source_ip=client_ip(request))
        except ValidationError as exc:
            form.add_error("current_password", exc)
        else:
            if otp.totp_device_remove(user=user, actor=user, to_email=to_email,
                                      source_ip=client_ip(request)):
                messages.success(request, "Your authentication settings have been updated. "
                                 "They apply from your next login.")
            else:
                messages.error(request, "There is no registered device to change.")
            return redirect("accounts:authentication_settings")
    if locked := _logout_if_locked(request, user):
        return locked
    return render(request, "accounts/authentication_settings.html", {
        "form": form, "system": _system(user), "channel": otp.otp_channel(user),
        "home": _home(request),
    }, status=400)


@require_POST
def logout_view(request):
    portal = request.session.get("ccass_portal", Portal.TERMINAL)
    if request.user.is_authenticated:
        record_event(Event.LOGOUT, actor=request.user, subject=request.user,
                     source_ip=client_ip(request), outcome="SUCCESS")
    logout(request)
    return render(request, "accounts/logged_out.html", {
        "login_url": _login_url(portal), "system": "CCASS",
    })

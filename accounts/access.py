"""Who may open a page: the stage of a login journey, or a login with both factors (SPEC L9).

Decorators for the views of every app; they decide nothing themselves but ask
:mod:`accounts.services` and :mod:`accounts.journey`.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from . import journey, login, services
from .journey import Portal
from .models import User


def at_stage(*stages):
    """Let the view run only at one of ``stages`` of a live journey (no step can be skipped).

    The view is called as ``view(request, j, user)``; ``user`` is None only in a reset of an
    unknown User ID.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            j = journey.current(request, *stages)
            portal = j.portal if j is not None else request.session.get(journey.LANDING_KEY,
                                                                        Portal.TERMINAL)
            if (closed := login.closed_refusal(request, portal)) is not None:  # SPEC S2
                return redirect(closed.redirect)
            user = None
            if j is not None and j.user_id is not None:
                user = User.objects.select_related("participant").filter(pk=j.user_id).first()
            if j is None or (j.user_id is not None and user is None):
                outcome = login.refuse(request)
                messages.error(request, outcome.error)
                return redirect(outcome.redirect)
            return view(request, j, user, *args, **kwargs)

        return wrapper

    return decorator


def _ended(request):
    """The session's end, if it must end now (see :func:`accounts.login.session_check`)."""
    outcome = login.session_check(request)
    if outcome is None:
        return None
    messages.error(request, outcome.error)
    return redirect(outcome.redirect)


def otp_verified_required(view):
    """Logged in to the terminal or DMS with both factors (a half-login never reaches these).

    A profile locked, disabled or out of its window since it logged in loses its session at
    its next request (SPEC A3, A4).
    """

    @wraps(view)
    @login_required(login_url="accounts:login")
    def wrapper(request, *args, **kwargs):
        user = request.user
        smartcard = request.session.get(journey.CHANNEL_KEY) == "SMARTCARD"
        if not (user.is_verified() or smartcard) or not user.participant_id:
            logout(request)
            return redirect("accounts:login")
        if (ended := _ended(request)) is not None:
            return ended
        return view(request, *args, **kwargs)

    return wrapper


def dms_required(view):
    """A DA logged in to DMS with both factors (SPEC L1, D8)."""

    @wraps(view)
    @otp_verified_required
    def wrapper(request, *args, **kwargs):
        if (services.dms_access_problem(request.user)
                or request.session.get(journey.PORTAL_KEY) != Portal.DMS):
            logout(request)
            return redirect("dms:login")
        return view(request, *args, **kwargs)

    return wrapper


def connect_required(view):
    """A Client Connect user logged in at /connect/ with both factors (SPEC E1).

    A user locked, disabled or out of its window since it logged in loses its session.
    """

    @wraps(view)
    @login_required(login_url="connect:login")
    def wrapper(request, *args, **kwargs):
        user = request.user
        if (not user.is_verified() or not user.is_connect_user
                or request.session.get(journey.PORTAL_KEY) != Portal.CONNECT):
            logout(request)
            return redirect("connect:login")
        if (ended := _ended(request)) is not None:
            return ended
        return view(request, *args, **kwargs)

    return wrapper


def current_portal(request) -> str:
    return request.session.get(journey.PORTAL_KEY, Portal.TERMINAL)

"""What every page may ask of the schedule (SPEC S1), read only when a template uses it."""

from django.utils.functional import SimpleLazyObject

from .models import AuthenticationArrangement


def arrangement(request):
    """``arrangement.otp_allowed`` / ``arrangement.smartcard_allowed`` for the landing pages."""
    return {"arrangement": SimpleLazyObject(AuthenticationArrangement.current)}

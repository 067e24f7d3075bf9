"""Authentication backend so that every password check (the admin's too) counts for lockout."""

from django.contrib.auth.backends import ModelBackend

from .audit import client_ip
from .models import User
from .services import authenticate_password


class LockoutBackend(ModelBackend):
    """``ModelBackend`` whose password check is :func:`accounts.services.authenticate_password`.

    A correct password returns the user; the OTP step that makes it a login is the caller's
    (django-otp's admin login, or the portal's login journey).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        result = authenticate_password(
            username=username, password=password, source_ip=client_ip(request)
        )
        return result.user if result.ok else None

    def get_user(self, user_id):
        """The signed-in user of each request, with the participant every page shows."""
        user = User.objects.select_related("participant").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Participants and users"

    def ready(self):
        # Issue 10: last_login is written by accounts.services.login_success_record, with the
        # lockout counts, in the login's own UPDATE; Django's second UPDATE is not needed.
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        # Issue 11: the counters exist, and count queued and failed emails, in every process.
        from . import observe  # noqa: F401

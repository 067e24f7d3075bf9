from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Participants and users"

    def ready(self):
        # Issue 11: the counters exist, and count queued and failed emails, in every process.
        from . import observe  # noqa: F401

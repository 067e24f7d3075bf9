import os

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_ADMIN_USERNAME, DEMO_SMARTCARD_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo participants, DAs, users and an HKEX staff superuser (idempotent)."

    def handle(self, *args, **options):
        report = seed_demo(admin_password=os.environ.get("DEMO_ADMIN_PASSWORD") or None)
        if report.created:
            self.stdout.write(f"Created {len(report.created)}: {', '.join(report.created)}")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        if report.admin_password:
            self.stdout.write(
                f"HKEX staff superuser {DEMO_ADMIN_USERNAME} password: {report.admin_password}"
            )
        if report.admin_totp_key:
            self.stdout.write(
                f"{DEMO_ADMIN_USERNAME} authenticator key (TOTP, 6 digits, 30 s; add it to an "
                f"authenticator app for /admin/): {report.admin_totp_key}"
            )
        self.stdout.write(
            "Demo profiles have no regular password yet: start with 'Forgot/Reset your "
            f"password?'. Demo smartcard password: {DEMO_SMARTCARD_PASSWORD}."
        )

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import (
    DEMO_ADMIN_USERNAME,
    DEMO_SMARTCARD_PASSWORD,
    demo_admin_reset,
    seed_demo,
)

RESET_HINT = (
    f"{DEMO_ADMIN_USERNAME}'s password and authenticator key were printed when it was created "
    "and are not shown again; for new ones run: python manage.py seed_demo --reset-admin"
)


class Command(BaseCommand):
    help = "Create the demo participants, DAs, users and an HKEX staff superuser (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-admin", action="store_true",
            help=f"Give {DEMO_ADMIN_USERNAME} a new password (DEMO_ADMIN_PASSWORD if set, else "
                 "a random one) and a new authenticator key, and print them.",
        )

    def handle(self, *args, **options):
        admin_password = os.environ.get("DEMO_ADMIN_PASSWORD") or None
        report = seed_demo(admin_password=admin_password)
        if report.created:
            self.stdout.write(f"Created {len(report.created)}: {', '.join(report.created)}")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        if report.admin_totp_key:
            self._admin(report.admin_password, report.admin_totp_key, report.admin_totp_uri)
        elif options["reset_admin"]:
            try:
                credentials = demo_admin_reset(admin_password=admin_password)
            except ValidationError as exc:
                raise CommandError(
                    "DEMO_ADMIN_PASSWORD does not meet the password policy, nothing changed: "
                    + " ".join(exc.messages)
                ) from exc
            self.stdout.write(f"Reset {DEMO_ADMIN_USERNAME}:")
            self._admin(credentials.password, credentials.totp_key, credentials.totp_uri)
        else:
            self.stdout.write(RESET_HINT)
        self.stdout.write(
            "Demo profiles have no regular password yet: start with 'Forgot/Reset your "
            f"password?'. Demo smartcard password: {DEMO_SMARTCARD_PASSWORD}."
        )

    def _admin(self, password, totp_key, totp_uri):
        if password:
            self.stdout.write(f"HKEX staff superuser {DEMO_ADMIN_USERNAME} password: {password}")
        else:
            self.stdout.write(
                f"HKEX staff superuser {DEMO_ADMIN_USERNAME} password: the value of "
                "DEMO_ADMIN_PASSWORD"
            )
        self.stdout.write(
            f"{DEMO_ADMIN_USERNAME} authenticator key (TOTP, 6 digits, 30 s; add it to an "
            f"authenticator app for /admin/): {totp_key}"
        )
        self.stdout.write(f"{DEMO_ADMIN_USERNAME} authenticator URI (as a QR code): {totp_uri}")

from django.core.management.base import BaseCommand, CommandError

from accounts.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the hash chain of the audit records and report the first break (SPEC R1)."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            where = f" at record {report.first_bad_id}" if report.first_bad_id else ""
            raise CommandError(
                f"Audit chain broken{where}: {report.problem} ({report.checked} records intact)."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} records.")

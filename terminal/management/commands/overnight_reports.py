import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Participant
from terminal import reports, services


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: {value!r} is not a date as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = ("Write the overnight reports (User Profile Listing, user maintenance activity, "
            "login activity) of a business date, replacing any of that date (SPEC T2).")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, default=None,
                            help="The business date, YYYY-MM-DD (default: today, HKT).")
        parser.add_argument("--participant", action="append", default=[],
                            help="Only this participant ID (repeatable; default: all).")

    def handle(self, *args, **options):
        day = options["date"] or timezone.localdate()
        if not reports.is_business_day(day):
            raise CommandError(
                f"{day:%A %d-%b-%Y} is not a business day (weekend or Hong Kong public "
                "holiday): no overnight reports are produced for it.")
        participants = None
        if options["participant"]:
            wanted = {p.upper() for p in options["participant"]}
            participants = list(Participant.objects.filter(participant_id__in=wanted))
            missing = wanted - {p.participant_id for p in participants}
            if missing:
                raise CommandError(f"Unknown participant ID: {', '.join(sorted(missing))}.")
        written = services.overnight_reports_write(business_date=day, participants=participants)
        for report in written:
            self.stdout.write(f"{report.file_name} ({report.size} bytes)")
        self.stdout.write(f"Wrote {len(written)} overnight reports for {day:%d-%b-%Y}.")

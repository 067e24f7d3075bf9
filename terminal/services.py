"""Writing the overnight reports (SPEC T2)."""

import datetime as dt
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Participant

from . import reports
from .models import OvernightReport, ReportKind

logger = logging.getLogger(__name__)

def report_write(*, participant: Participant, business_date: dt.date, kind: str,
                 now: dt.datetime | None = None) -> OvernightReport:
    """Build one report and store it, replacing the file and row of an earlier run.

    The row is locked (or created) first, so two runs for the same report take turns: the
    unique constraint (participant, business date, kind) keeps one row, and the file is written
    under one fixed name, the earlier file removed first (a storage that does not overwrite
    would otherwise save the new one under another name).
    """
    now = now or timezone.now()
    build, _ = reports.BUILDERS[kind]
    # The stored file is English whoever runs the job (issue 11: English prevails; a reader of
    # the Chinese pages downloads it with the Chinese lines added, reports.bilingual).
    with translation.override(settings.LANGUAGE_CODE):
        content = build(participant, business_date, generated_at=now)
    name = reports.file_name(participant, business_date, kind)
    storage = reports.storage()
    with transaction.atomic():
        report, _ = OvernightReport.objects.select_for_update().get_or_create(
            participant=participant, business_date=business_date, kind=kind,
            defaults={"file_name": name, "size": 0, "generated_at": now},
        )
        for old in {report.file_name, name}:
            if storage.exists(old):
                storage.delete(old)
        report.file_name = storage.save(name, ContentFile(content))
        report.size = len(content)
        report.generated_at = now
        report.full_clean()
        report.save(update_fields=["file_name", "size", "generated_at"])
    return report


def overnight_reports_write(*, business_date: dt.date,
                            participants=None) -> list[OvernightReport]:
    """Every overnight report of ``business_date`` for every participant (or those given).

    Run by the nightly beat task and by ``manage.py overnight_reports --date``; running it
    again for a date replaces that date's reports, never adds to them.
    """
    participants = Participant.objects.all() if participants is None else participants
    now = timezone.now()
    written = [
        report_write(participant=participant, business_date=business_date, kind=kind, now=now)
        for participant in participants
        for kind in ReportKind.values
    ]
    logger.info("Overnight reports for %s: %d written", business_date, len(written))
    return written

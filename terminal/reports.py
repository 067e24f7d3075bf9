"""The overnight reports' business dates and contents (SPEC T2), as plain text.

Each report is a text file in the layout of the DMS "User Profile Listing" (SPEC D6): a header,
fixed-width columns, totals lines and "*** END OF REPORT ***". They are built from the system's
own data of one business date (Hong Kong time, midnight to midnight). Writing them is
:func:`terminal.services.overnight_reports_write`.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.files.storage import Storage, storages
from django.db.models import Q
from django.utils import timezone

from accounts.audit import Event
from accounts.models import AuditRecord, Participant
from accounts.spreadsheet import neutralise
from dms import selectors as dms_selectors
from dms import services as dms_services
from dms.models import MaintenanceRequest

from . import schedule
from .models import ReportKind

HKT = ZoneInfo("Asia/Hong_Kong")
#: The ``STORAGES`` alias of the report files: a folder (``CCASS_REPORTS_STORAGE_DIR``) by
#: default; any Django storage backend (e.g. an S3-like one) can take its place in settings.
STORAGE_ALIAS = "overnight_reports"
END = "*** END OF REPORT ***"

#: Audit events that change a profile or its security state, outside the DMS requests (HKEX
#: eServices and admin, lockouts, self-service password and device changes).
PROFILE_EVENTS = [
    Event.PROFILE_CREATED, Event.PROFILE_CHANGED, Event.PROFILE_DELETED,
    Event.ACCOUNT_LOCKED, Event.ACCOUNT_UNLOCKED, Event.OTP_RESET,
    Event.PASSWORD_SET, Event.PASSWORD_CHANGED, Event.PASSWORD_RESET,
    Event.DEVICE_REGISTERED, Event.DEVICE_REMOVED, Event.ADMIN_ACTION,
]


def storage() -> Storage:
    return storages[STORAGE_ALIAS]


# --- business dates ---------------------------------------------------------------------------


def is_business_day(day: dt.date) -> bool:
    """Monday to Friday except Hong Kong public holidays (the calendar of SPEC S2)."""
    return day.weekday() < 5 and not schedule.is_public_holiday(day)


def recent_business_days(count: int, *, today: dt.date | None = None) -> list[dt.date]:
    """The last ``count`` business days up to ``today`` (included if one), newest first."""
    day = today or timezone.localdate()
    days = []
    while len(days) < count:
        if is_business_day(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=HKT)
    return start, start + dt.timedelta(days=1)


# --- layout -----------------------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%d-%b-%Y %H:%M:%S}" if value else ""


def _header(title: str, participant: Participant, day: dt.date, generated_at) -> list[str]:
    return [
        f"{participant.system_name}  {title}",
        f"PARTICIPANT : {participant}",
        f"BUSINESS DATE : {day:%d-%b-%Y}",
        f"RUN AT : {_when(generated_at)} HKT",
        "",
    ]


def _table(columns: list[tuple[str, int]], rows: list[list[str]]) -> list[str]:
    """Fixed-width columns; a value longer than its column pushes the rest of its line."""

    def line(values):
        return "  ".join(f"{v:<{w}}" for v, (_, w) in zip(values, columns, strict=True)).rstrip()

    return [line([title for title, _ in columns]), line(["-" * w for _, w in columns]),
            *(line(_cells(row)) for row in rows)]


def _cells(row: list) -> list[str]:
    """A row's values as safe cells: no formula when the file is opened in a spreadsheet, and
    no line break that would forge a line of the report (issue 10)."""
    return [neutralise(" ".join(str(v).splitlines()) if v is not None else "") for v in row]


def _text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# --- the three reports ------------------------------------------------------------------------


def user_profile_listing(participant: Participant, day: dt.date, *, generated_at) -> bytes:
    """The DMS "User Profile Listing" (SPEC D6) as the run finds it: every live profile, DAs
    included, and the documents' totals. The system keeps no earlier profile states, so a run
    for a past date lists the profiles of the moment of the run (its header says when)."""
    rows = [
        [user.username, user.full_name, user.email,
         "Delegated Administrator" if user.is_da else ""]
        for user in dms_selectors.profiles(participant).iterator(chunk_size=2000)
    ]
    counts = dms_services.user_counts(participant)
    return _text([
        *_header("USER PROFILE LISTING", participant, day, generated_at),
        *_table([("User ID", 8), ("User Name", 30), ("Email", 40), ("Remarks", 23)], rows),
        "",
        f"MAX. NO. OF USERS : {counts['max']}",
        f"TOTAL NO. OF USERS : {counts['total']}",
        f"TOTAL NO. OF DELEGATED ADMINISTRATORS : {counts['das']}",
        f"TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS : {counts['users']}",
        END,
    ])


def user_maintenance_activity(participant: Participant, day: dt.date, *, generated_at) -> bytes:
    """SPEC D7 for one day: the DMS requests made or decided that day (who made, who
    authorised, when), then the other profile events recorded that day."""
    start, end = day_bounds(day)
    requests = MaintenanceRequest.objects.filter(
        Q(created_at__gte=start, created_at__lt=end) | Q(decided_at__gte=start, decided_at__lt=end),
        participant=participant,
    ).select_related("maker", "checker").order_by("created_at", "id")
    request_rows = [
        [_when(req.created_at), req.get_kind_display(), req.username, req.maker.username,
         req.checker.username if req.checker_id else "", req.get_status_display(),
         _when(req.decided_at)]
        for req in requests
    ]
    events = AuditRecord.objects.filter(
        participant=participant, event__in=PROFILE_EVENTS, at__gte=start, at__lt=end,
    ).order_by("id")
    event_rows = [
        [_when(record.at), record.event, record.subject_label, record.actor_label,
         record.outcome, record.reason]
        for record in events
    ]
    return _text([
        *_header("USER MAINTENANCE ACTIVITY REPORT", participant, day, generated_at),
        "MAINTENANCE REQUESTS (MAKER-CHECKER)",
        *_table([("Made at", 20), ("Function", 19), ("User ID", 8), ("Maker", 8),
                 ("Checker", 8), ("Status", 21), ("Decided at", 20)], request_rows),
        "",
        "PROFILE EVENTS",
        *_table([("At", 20), ("Event", 17), ("User ID", 8), ("By", 9), ("Outcome", 7),
                 ("Reason", 30)], event_rows),
        "",
        f"TOTAL NO. OF MAINTENANCE REQUESTS : {len(request_rows)}",
        f"TOTAL NO. OF PROFILE EVENTS : {len(event_rows)}",
        END,
    ])


def login_activity(participant: Participant, day: dt.date, *, generated_at) -> bytes:
    """SPEC D7 for one day: the login records of the participant's users (successes, failures
    with their reason, OTP failures, lockouts, logouts), oldest first."""
    start, end = day_bounds(day)
    records = dms_selectors.login_activity(participant).filter(
        at__gte=start, at__lt=end).order_by("id")
    rows, successes, failures = [], 0, 0
    for record in records:
        successes += record.event == Event.LOGIN_SUCCESS
        failures += record.event == Event.LOGIN_FAILURE
        rows.append([_when(record.at), record.subject_label, record.event, record.outcome,
                     record.reason, record.source_ip or ""])
    return _text([
        *_header("LOGIN ACTIVITY REPORT", participant, day, generated_at),
        *_table([("At", 20), ("User ID", 8), ("Event", 14), ("Outcome", 7), ("Reason", 30),
                 ("Address", 15)], rows),
        "",
        f"TOTAL NO. OF SUCCESSFUL LOGINS : {successes}",
        f"TOTAL NO. OF UNSUCCESSFUL LOGINS : {failures}",
        END,
    ])


BUILDERS = {
    ReportKind.USER_PROFILE_LISTING: (user_profile_listing, "user_profile_listing"),
    ReportKind.USER_MAINTENANCE: (user_maintenance_activity, "user_maintenance_activity"),
    ReportKind.LOGIN_ACTIVITY: (login_activity, "login_activity"),
}


def file_name(participant: Participant, day: dt.date, kind: str) -> str:
    """``B01234/2026-11-24/B01234_20261124_user_profile_listing.txt``: one folder per
    participant and date, so a storage listing reads like the download page."""
    stem = BUILDERS[kind][1]
    pid = participant.participant_id
    return f"{pid}/{day:%Y-%m-%d}/{pid}_{day:%Y%m%d}_{stem}.txt"

"""The overnight reports' business dates and contents (SPEC T2), as plain text.

Each report is a text file in the layout of the DMS "User Profile Listing" (SPEC D6): a header,
fixed-width columns, totals lines and "*** END OF REPORT ***". They are built from the system's
own data of one business date (Hong Kong time, midnight to midnight). Writing them is
:func:`terminal.services.overnight_reports_write`.

Languages (issue 11): the stored file is English, which prevails; every heading, column title
and totals label is marked for translation, and :func:`bilingual` gives the file a reader of
the Chinese pages downloads: each of those lines followed by its Traditional Chinese line, the
values (User IDs, names, audit events and reasons, as recorded) unchanged.
"""

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

from django.core.files.storage import Storage, storages
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from accounts.audit import Event
from accounts.models import AuditRecord, Participant
from accounts.spreadsheet import neutralise
from dms import selectors as dms_selectors
from dms import services as dms_services
from dms.models import MaintenanceRequest

from . import schedule
from .models import ReportKind

HKT = ZoneInfo("Asia/Hong_Kong")
# ``_`` is gettext_noop: the file is written in English; makemessages extracts the marked words
# and only bilingual() translates them.

#: The ``STORAGES`` alias of the report files: a folder (``CCASS_REPORTS_STORAGE_DIR``) by
#: default; any Django storage backend (e.g. an S3-like one) can take its place in settings.
STORAGE_ALIAS = "overnight_reports"
END = _("*** END OF REPORT ***")

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


TITLE_GAP = "  "
LABEL_GAP = " : "


def _header(title: str, participant: Participant, day: dt.date, generated_at) -> list[str]:
    return [
        f"{participant.system_name}{TITLE_GAP}{title}",
        _line(_("PARTICIPANT"), participant),
        _line(_("BUSINESS DATE"), f"{day:%d-%b-%Y}"),
        _line(_("RUN AT"), f"{_when(generated_at)} HKT"),
        "",
    ]


def _line(label: str, value) -> str:
    """``LABEL : value``: a header or totals line."""
    return f"{label}{LABEL_GAP}{value}"


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
        *_header(_("USER PROFILE LISTING"), participant, day, generated_at),
        *_table([(_("User ID"), 8), (_("User Name"), 30), (_("Email"), 40),
                 (_("Remarks"), 23)], rows),
        "",
        _line(_("MAX. NO. OF USERS"), counts["max"]),
        _line(_("TOTAL NO. OF USERS"), counts["total"]),
        _line(_("TOTAL NO. OF DELEGATED ADMINISTRATORS"), counts["das"]),
        _line(_("TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS"), counts["users"]),
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
        *_header(_("USER MAINTENANCE ACTIVITY REPORT"), participant, day, generated_at),
        _("MAINTENANCE REQUESTS (MAKER-CHECKER)"),
        *_table([(_("Made at"), 20), (_("Function"), 19), (_("User ID"), 8), (_("Maker"), 8),
                 (_("Checker"), 8), (_("Status"), 21), (_("Decided at"), 20)], request_rows),
        "",
        _("PROFILE EVENTS"),
        *_table([(_("At"), 20), (_("Event"), 17), (_("User ID"), 8), (_("By"), 9),
                 (_("Outcome"), 7), (_("Reason"), 30)], event_rows),
        "",
        _line(_("TOTAL NO. OF MAINTENANCE REQUESTS"), len(request_rows)),
        _line(_("TOTAL NO. OF PROFILE EVENTS"), len(event_rows)),
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
        *_header(_("LOGIN ACTIVITY REPORT"), participant, day, generated_at),
        *_table([(_("At"), 20), (_("User ID"), 8), (_("Event"), 14), (_("Outcome"), 7),
                 (_("Reason"), 30), (_("Address"), 15)], rows),
        "",
        _line(_("TOTAL NO. OF SUCCESSFUL LOGINS"), successes),
        _line(_("TOTAL NO. OF UNSUCCESSFUL LOGINS"), failures),
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


# --- the reader's language (issue 11) --------------------------------------------------------

#: The titles, section headings and labels the builders write, the lines bilingual() follows
#: with their Chinese. (Column titles are recognised by the dashes under them.)
TITLES = {_("USER PROFILE LISTING"), _("USER MAINTENANCE ACTIVITY REPORT"),
          _("LOGIN ACTIVITY REPORT")}
SECTIONS = {_("MAINTENANCE REQUESTS (MAKER-CHECKER)"), _("PROFILE EVENTS"), END}
LABELS = {
    _("PARTICIPANT"), _("BUSINESS DATE"), _("RUN AT"), _("MAX. NO. OF USERS"),
    _("TOTAL NO. OF USERS"), _("TOTAL NO. OF DELEGATED ADMINISTRATORS"),
    _("TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS"),
    _("TOTAL NO. OF MAINTENANCE REQUESTS"), _("TOTAL NO. OF PROFILE EVENTS"),
    _("TOTAL NO. OF SUCCESSFUL LOGINS"), _("TOTAL NO. OF UNSUCCESSFUL LOGINS"),
}
_DASHES = re.compile(r"^-+(  -+)*$")
BILINGUAL_LANGUAGE = "zh-hant"


def _width(text: str) -> int:
    """Columns a monospaced viewer gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _chinese_titles(titles: str, dashes: str) -> str:
    """The column titles line in Chinese, each padded to its column (the dashes' widths)."""
    widths = [len(run) for run in dashes.split("  ")]
    names = re.split(r" {2,}", titles.strip())
    if len(names) != len(widths):  # not a line this module wrote: leave it alone
        return ""
    cells = [gettext(name) + " " * max(width - _width(gettext(name)), 0)
             for name, width in zip(names, widths, strict=True)]
    return "  ".join(cells).rstrip()


def _chinese(line: str, following: str) -> str | None:
    """The Chinese line to write under ``line`` (``following`` is the next line), or None."""
    if _DASHES.match(following):
        return _chinese_titles(line, following) or None
    if line in SECTIONS:
        return gettext(line)
    system, _gap, title = line.partition(TITLE_GAP)
    if title in TITLES:
        return f"{system}{TITLE_GAP}{gettext(title)}"
    label, gap, value = line.partition(LABEL_GAP)
    if gap and label in LABELS:
        return f"{gettext(label)}{LABEL_GAP}{value}"
    return None


def bilingual(content: bytes) -> bytes:
    """An English report file with, beneath each title, heading, column titles and label line,
    the same line in Traditional Chinese (English first: it prevails). The table rows (values
    as recorded) are left as they are."""
    lines = content.decode().split("\n")
    out, in_table = [], False
    with translation.override(BILINGUAL_LANGUAGE):
        for i, line in enumerate(lines):
            out.append(line)
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if in_table:
                in_table = line != ""
                continue
            if _DASHES.match(line):
                in_table = True
                continue
            chinese = _chinese(line, following)
            if chinese is not None:
                out.append(chinese)
    return "\n".join(out).encode()

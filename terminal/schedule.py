"""Operation hours and connectivity tests (SPEC S2, S3): is a service open, and when next.

The weekly hours stand in :data:`WEEKLY_HOURS` (Information Package 3.5, footnote 1); Hong
Kong's general holidays come from the ``holidays`` package, never a hand-typed list; special
closures and openings and the connectivity test windows are rows HKEX staff add in the admin
(:mod:`terminal.models`), read from the database at each call so that every web host decides
alike (SPEC O4). Precedence at a moment: a connectivity test window opens both services; else a
special closure closes; else a special opening opens; else the weekly hours, closed on holidays.

Every function takes ``now`` (aware; default ``timezone.now()``) so callers and tests can ask
about any moment. ``CCASS_ENFORCE_OPERATION_HOURS=0`` switches the hours off
(:func:`closed_notice` is then always None); connectivity test windows apply either way.
"""

import datetime as dt
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy, gettext_noop, pgettext

from .models import ConnectivityTestWindow, ScheduledService, SpecialHours

HKT = ZoneInfo("Asia/Hong_Kong")

#: SPEC S2: weekday (Monday 0) -> opening and closing time, HKT; a day not listed is closed.
WEEKLY_HOURS = {
    ScheduledService.TERMINAL: {day: (dt.time(7, 0), dt.time(21, 30)) for day in range(5)},
    ScheduledService.DMS: {
        **{day: (dt.time(7, 0), dt.time(19, 0)) for day in range(5)},
        5: (dt.time(9, 0), dt.time(13, 0)),
    },
}

#: How far ahead "It opens on ..." looks (a closure longer than this says only "is closed").
HORIZON = dt.timedelta(days=400)

#: The page's words for each service (the landing pages do not know the user's clearing
#: house, so the terminal is "CCASS/CCMS Terminal" as on the landing page): closed, and closed
#: until a known moment (issue 11: whole sentences, translated when shown).
CLOSED = {
    ScheduledService.TERMINAL: (
        gettext_lazy("CCASS/CCMS Terminal is closed."),
        gettext_lazy("CCASS/CCMS Terminal is closed. It opens on %(day)s at %(time)s HKT."),
    ),
    ScheduledService.DMS: (
        gettext_lazy("Security Management Functions (DMS) are closed."),
        gettext_lazy("Security Management Functions (DMS) are closed. They open on %(day)s at "
                     "%(time)s HKT."),
    ),
}

#: The English text (tests compare it); the page shows ``gettext(CONNECTIVITY_TEST_NOTICE)``.
CONNECTIVITY_TEST_NOTICE = gettext_noop(
    "Connectivity test: logging in works, but every terminal function shows “Function not "
    "available” and no reports are offered."
)


class ServiceState(NamedTuple):
    """A service at one moment: open or not, when it opens next (if closed and known within
    :data:`HORIZON`), and whether a connectivity test window is on."""

    open: bool
    opens_at: dt.datetime | None
    connectivity_test: bool


def enforced() -> bool:
    return settings.CCASS_ENFORCE_OPERATION_HOURS


@lru_cache(maxsize=16)
def _holidays_of(year: int) -> frozenset[dt.date]:
    # The package's OPTIONAL category is Hong Kong's general holidays (Cap. 149, the days banks
    # and HKEX close, Saturdays included); PUBLIC, the statutory ones, adds nothing today but
    # keeps a statutory day closed should the two lists ever differ.
    calendar = holidays.HongKong(years=year, categories=(holidays.OPTIONAL, holidays.PUBLIC))
    return frozenset(calendar)


def is_public_holiday(day: dt.date) -> bool:
    return day in _holidays_of(day.year)


def _weekly_interval(service: str, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The day's regular opening (HKT), or None on a closed weekday or a public holiday."""
    hours = WEEKLY_HOURS[service].get(day.weekday())
    if hours is None or is_public_holiday(day):
        return None
    return (dt.datetime.combine(day, hours[0], tzinfo=HKT),
            dt.datetime.combine(day, hours[1], tzinfo=HKT))


def _covers(row, moment: dt.datetime) -> bool:
    return row.starts_at <= moment < row.ends_at


class _Calendar:
    """The rows that can matter between ``start`` and ``end``, read in two queries."""

    def __init__(self, service: str, start: dt.datetime, end: dt.datetime):
        self.service = service
        overlapping = Q(starts_at__lt=end, ends_at__gt=start)
        specials = list(SpecialHours.objects.filter(
            overlapping, service__in=[service, ScheduledService.BOTH]))
        self.closures = [s for s in specials if s.kind == SpecialHours.Kind.CLOSURE]
        self.openings = [s for s in specials if s.kind == SpecialHours.Kind.OPENING]
        self.windows = list(ConnectivityTestWindow.objects.filter(overlapping))

    def state_at(self, moment: dt.datetime) -> tuple[bool, bool]:
        """(open, connectivity test) at ``moment``."""
        if any(_covers(w, moment) for w in self.windows):
            return True, True
        if any(_covers(c, moment) for c in self.closures):
            return False, False
        if any(_covers(o, moment) for o in self.openings):
            return True, False
        interval = _weekly_interval(self.service, moment.astimezone(HKT).date())
        return interval is not None and interval[0] <= moment < interval[1], False

    def changes_after(self, moment: dt.datetime, end: dt.datetime):
        """Every moment in (moment, end] at which the service may open, in order: a weekly
        opening, the start of a special opening or window, the end of a closure."""
        candidates = {row.starts_at for row in (*self.openings, *self.windows)}
        candidates |= {row.ends_at for row in self.closures}
        day = moment.astimezone(HKT).date()
        while day <= end.astimezone(HKT).date():
            if interval := _weekly_interval(self.service, day):
                candidates.add(interval[0])
            day += dt.timedelta(days=1)
        return sorted(c for c in candidates if moment < c <= end)


def service_state(service: str, now: dt.datetime | None = None) -> ServiceState:
    """Whether ``service`` (:class:`~terminal.models.ScheduledService` TERMINAL or DMS) is open
    at ``now`` by the schedule alone (whatever ``CCASS_ENFORCE_OPERATION_HOURS`` says), and if
    not, when it opens next (SPEC S2, S3)."""
    now = now or timezone.now()
    end = now + HORIZON
    calendar = _Calendar(service, now, end)
    is_open, connectivity_test = calendar.state_at(now)
    if is_open:
        return ServiceState(True, None, connectivity_test)
    for moment in calendar.changes_after(now, end):
        if calendar.state_at(moment)[0]:
            return ServiceState(False, moment.astimezone(HKT), False)
    return ServiceState(False, None, False)


def closed_message(service: str, opens_at: dt.datetime | None) -> str:
    """"CCASS/CCMS Terminal is closed. It opens on Monday 28-Dec-2026 at 07:00 HKT." in the
    active language (Chinese: "... 將於2026年12月28日（星期一）07:00（香港時間）開放。")."""
    closed, closed_until = CLOSED[service]
    if opens_at is None:
        return str(closed)
    local = opens_at.astimezone(HKT)
    # Django's date format with its own weekday names, so English reads as before.
    day = dateformat.format(local, pgettext("date format", "l d-M-Y"))
    return closed_until % {"day": day, "time": f"{local:%H:%M}"}


def closed_notice(service: str, now: dt.datetime | None = None) -> str | None:
    """What the landing and login pages say while ``service`` is outside its operation hours;
    None while it is open, or when the hours are switched off (SPEC S2)."""
    if not enforced():
        return None
    state = service_state(service, now)
    return None if state.open else closed_message(service, state.opens_at)


def connectivity_test_now(now: dt.datetime | None = None) -> bool:
    """SPEC S3: whether a connectivity test window is on. While it is, terminal functions show
    "Function not available", overnight reports are not offered and DMS maintenance is
    refused; logging in works whatever the operation hours."""
    now = now or timezone.now()
    return ConnectivityTestWindow.objects.covering(now).exists()

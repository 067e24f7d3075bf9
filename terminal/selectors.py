"""Reads of the terminal pages: the menu (SPEC T1) and the overnight reports (SPEC T2)."""

from dataclasses import dataclass
from itertools import groupby

from django.db.models import QuerySet

from accounts.models import User

from . import reports
from .models import MenuGroup, OvernightReport, ReportKind, TerminalFunction

#: SPEC T2: the download page lists this many business days.
REPORT_DAYS = 30


def functions_of(user: User) -> QuerySet:
    """The terminal functions any of the user's business user groups allows."""
    return TerminalFunction.objects.filter(
        user_groups__in=user.business_user_groups.all()).distinct()


@dataclass(frozen=True)
class MenuSection:
    label: str
    functions: list


def menu(user: User) -> list[MenuSection]:
    """The user's functions under the menu headings, in :class:`MenuGroup` order (one query)."""
    order = {value: i for i, value in enumerate(MenuGroup.values)}
    functions = sorted(functions_of(user), key=lambda f: (order[f.menu_group], f.name))
    return [MenuSection(MenuGroup(group).label, list(items))
            for group, items in groupby(functions, key=lambda f: f.menu_group)]


def function_of(user: User, code: str) -> TerminalFunction | None:
    """The function ``code`` if the user's groups allow it, else None (as an unknown code)."""
    return functions_of(user).filter(code=code).first()


@dataclass(frozen=True)
class ReportDay:
    business_date: object
    reports: list


def report_days(participant, *, today=None) -> list[ReportDay]:
    """The participant's reports of the last :data:`REPORT_DAYS` business days, newest first,
    each day's in :class:`ReportKind` order (one query)."""
    days = reports.recent_business_days(REPORT_DAYS, today=today)
    rows = OvernightReport.objects.filter(
        participant=participant, business_date__in=days).order_by("-business_date")
    order = {value: i for i, value in enumerate(ReportKind.values)}
    return [ReportDay(day, sorted(items, key=lambda r: order[r.kind]))
            for day, items in groupby(rows, key=lambda r: r.business_date)]


def report_of(participant, report_id: int) -> OvernightReport | None:
    """One of the participant's reports of the listed days; another participant's, or an
    older one, reads as unknown."""
    days = reports.recent_business_days(REPORT_DAYS)
    return OvernightReport.objects.filter(
        participant=participant, business_date__in=days, pk=report_id).first()

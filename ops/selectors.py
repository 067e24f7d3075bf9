"""What the operations desk sees (issue 11 item 6), read with a fixed number of queries.

Every number comes from the shared database (the audit trail, users' lock state, eServices),
never from one host's memory: several web hosts run behind the load balancer. Each function
is one or two aggregate queries on indexed columns (``AuditRecord.at``, ``EService.status``),
whatever the amount of data.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.functions import ExtractHour
from django.utils import timezone

from accounts.audit import Event
from accounts.models import AuditRecord, LoginFailure, User
from accounts.services import REFUSED_LOCKED
from eservices.models import EService, Status


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    colour: str  # at least 3:1 against white (WCAG 1.4.11 non-text contrast)


#: The chart's series, in stacking order (bottom first).
OUTCOMES = (
    Outcome("success", "Success", "#2e7d32"),
    Outcome("wrong_password", "Wrong password", "#b35900"),
    Outcome("wrong_otp", "Wrong OTP", "#7b3fa0"),
    Outcome("locked", "Locked", "#c62828"),
    Outcome("refused", "Other refusals", "#666666"),
)

#: A wrong secret at the first step: password, smartcard password, a checker's Authorisation
#: Code, or a User ID / smartcard that does not exist (the user sees the same answer).
_WRONG_SECRET = [LoginFailure.Reason.PASSWORD.label, LoginFailure.Reason.SMARTCARD.label,
                 LoginFailure.Reason.AUTHORISATION_CODE.label]

_OUTCOME_OF_RECORD = Case(
    When(event=Event.LOGIN_SUCCESS, then=Value("success")),
    When(event=Event.ACCOUNT_LOCKED, then=Value("locked")),
    # The 3rd wrong OTP in a row also leaves a LOGIN_FAILURE "3 consecutive wrong OTPs": that
    # is the lockout count of OTPs already shown as wrong OTPs, not another attempt.
    When(event=Event.LOGIN_FAILURE, reason=LoginFailure.Reason.OTP.label, then=Value("")),
    When(Q(event=Event.OTP_FAILURE) & ~Q(reason=REFUSED_LOCKED), then=Value("wrong_otp")),
    When(Q(event=Event.LOGIN_FAILURE)
         & (Q(reason__in=_WRONG_SECRET) | Q(reason__startswith="unknown ")),
         then=Value("wrong_password")),
    # Refused whatever was typed: the account was already locked, not eligible (disabled,
    # outside its dates, password expired...), an end user at DMS, a non-staff at the admin.
    default=Value("refused"),
    output_field=CharField(),
)

_LOGIN_EVENTS = [Event.LOGIN_SUCCESS, Event.LOGIN_FAILURE, Event.OTP_FAILURE,
                 Event.ACCOUNT_LOCKED]


def business_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Midnight to midnight of ``now``'s day in Hong Kong time (TIME_ZONE)."""
    day = timezone.localtime(now).date()
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


@dataclass
class HourRow:
    hour: int
    counts: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        return [self.counts[o.key] for o in OUTCOMES]


def logins_by_hour(*, now: datetime) -> list[HourRow]:
    """Today's (HKT) login attempts by hour and outcome: one grouped query on ``at``."""
    start, end = business_day_bounds(now)
    rows = (
        AuditRecord.objects.filter(at__gte=start, at__lt=end, event__in=_LOGIN_EVENTS)
        .annotate(hour=ExtractHour("at", tzinfo=timezone.get_current_timezone()),
                  kind=_OUTCOME_OF_RECORD)
        .order_by()
        .values("hour", "kind")
        .annotate(n=Count("id"))
    )
    hours = [HourRow(h, {o.key: 0 for o in OUTCOMES}) for h in range(24)]
    for row in rows:
        if row["kind"]:
            hours[row["hour"]].counts[row["kind"]] += row["n"]
    return hours


@dataclass
class LockedUser:
    pk: int
    username: str
    locked_at: datetime | None


@dataclass
class ParticipantLockouts:
    participant_id: str
    name: str
    users: list[LockedUser] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.users)

    @property
    def since(self) -> datetime | None:
        times = [u.locked_at for u in self.users if u.locked_at]
        return min(times) if times else None


def lockouts_by_participant() -> list[ParticipantLockouts]:
    """Users locked now (SPEC A3), grouped by participant, most locked first: one query."""
    rows = (
        User.objects.filter(is_locked=True, is_active=True)
        .order_by("locked_at", "username")
        .values("pk", "username", "locked_at", "is_staff",
                "participant__participant_id", "participant__name",
                "connect_company__participant_id", "connect_company__name")
    )
    groups: dict[str, ParticipantLockouts] = {}
    for row in rows:
        if row["participant__participant_id"]:
            key, name = row["participant__participant_id"], row["participant__name"]
        elif row["connect_company__participant_id"]:
            key = row["connect_company__participant_id"]
            name = f"{row['connect_company__name']} (Client Connect)"
        else:
            key, name = "HKEX", "HKEX staff"
        group = groups.setdefault(key, ParticipantLockouts(key, name))
        group.users.append(LockedUser(row["pk"], row["username"], row["locked_at"]))
    return sorted(groups.values(), key=lambda g: (-g.count, g.participant_id))


#: Age bands of an eService waiting for HKEX: (label, older than, at most).
AGE_BANDS = (
    ("Under 4 hours", timedelta(0), timedelta(hours=4)),
    ("4 to 24 hours", timedelta(hours=4), timedelta(hours=24)),
    ("1 to 3 days", timedelta(hours=24), timedelta(days=3)),
    ("Over 3 days", timedelta(days=3), None),
)
#: Waiting longer than this is shown as needing attention.
WAITING_TOO_LONG = timedelta(hours=24)


def age_text(age: timedelta) -> str:
    """"2 d 4 h", "3 h 05 min", "12 min": what a desk reads at a glance."""
    minutes = max(int(age.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


@dataclass
class WaitingEService:
    pk: int
    reference: str
    form: str
    participant_id: str
    since: datetime
    age: timedelta

    @property
    def age_text(self) -> str:
        return age_text(self.age)


@dataclass
class EServicesWaiting:
    bands: list[tuple[str, int]]
    oldest: list[WaitingEService]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.bands)

    @property
    def overdue(self) -> int:
        return sum(n for (label, lo, _), (_, n) in zip(AGE_BANDS, self.bands, strict=True)
                   if lo >= WAITING_TOO_LONG)


def eservices_waiting(*, now: datetime, listed: int = 10) -> EServicesWaiting:
    """eServices "Sent to HKEX" (SPEC E4): confirmed by the participant's checker, waiting for
    HKEX to complete or reject them, by age since sent. Two queries."""
    waiting = EService.objects.filter(status=Status.SENT)
    def band(i, lo, hi):
        # The newest band has no lower edge: a record stamped a moment "after" now (clocks of
        # two hosts) still counts.
        older = Q(status_at__lte=now - lo) if i else Q()
        return Count("id", filter=older & (Q(status_at__gt=now - hi) if hi else Q()))

    counts = waiting.aggregate(**{f"band{i}": band(i, lo, hi)
                                  for i, (_, lo, hi) in enumerate(AGE_BANDS)})
    bands = [(label, counts[f"band{i}"] or 0) for i, (label, _, _) in enumerate(AGE_BANDS)]
    oldest = [
        WaitingEService(r.pk, r.reference or "", r.form, r.participant.participant_id,
                        r.status_at, now - r.status_at)
        for r in waiting.select_related("participant").order_by("status_at", "id")[:listed]
    ]
    return EServicesWaiting(bands, oldest)


@dataclass
class FailedEmail:
    at: datetime
    kind: str
    recipient: str
    error: str


#: How far back the desk looks for failed emails: the night before included.
EMAILS_WINDOW = timedelta(hours=24)


def emails_failed(*, now: datetime, listed: int = 20) -> tuple[int, list[FailedEmail]]:
    """Emails given up after their retries (``EMAIL_FAILED`` records) in the last 24 hours."""
    failed = AuditRecord.objects.filter(event=Event.EMAIL_FAILED, at__gt=now - EMAILS_WINDOW)
    total = failed.count()
    latest = [
        FailedEmail(r["at"], r["details"].get("kind") or r["details"].get("task", ""),
                    r["subject_label"] or r["details"].get("recipient", ""), r["reason"])
        for r in failed.order_by("-at", "-id").values("at", "reason", "subject_label",
                                                      "details")[:listed]
    ]
    return total, latest

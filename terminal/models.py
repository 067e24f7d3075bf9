"""The authentication arrangement (SPEC S1), editable by HKEX staff."""

import datetime as dt

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    SMARTCARD_ONLY = "SMARTCARD_ONLY", "Smartcard only (before the 2FA launch)"
    PARALLEL_RUN = "PARALLEL_RUN", "Parallel run (2FA and smartcard)"
    TWO_FA_ONLY = "TWO_FA_ONLY", "2FA only (smartcard decommissioned)"


class AuthenticationArrangement(models.Model):
    """One row: the 2FA launch date and the smartcard decommissioning date."""

    launch_date = models.DateField("2FA launch date", default=dt.date(2023, 6, 12))
    decommission_date = models.DateField(
        "Smartcard decommissioning date", default=dt.date(2023, 9, 4)
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decommission_date__gte=models.F("launch_date")),
                name="arrangement_dates_ordered",
            )
        ]

    def __str__(self):
        return f"2FA from {self.launch_date}, smartcard until {self.decommission_date}"

    @classmethod
    def current(cls) -> "AuthenticationArrangement":
        return cls.objects.first() or cls()

    def otp_allowed(self, *, today=None) -> bool:
        """Login with OTP (2FA) from the launch on (SPEC S1), and during a connectivity test
        window before it (SPEC S3: on 10 June 2023 participants initiated 2FA, kept for the
        12 June launch)."""
        if self.phase(today=today) != Phase.SMARTCARD_ONLY:
            return True
        return today is None and ConnectivityTestWindow.objects.covering(timezone.now()).exists()

    def smartcard_allowed(self, *, today=None) -> bool:
        """Login with smartcard until the decommissioning (SPEC S1, L10)."""
        return self.phase(today=today) != Phase.TWO_FA_ONLY

    def phase(self, *, today=None) -> str:
        today = today or timezone.localdate()
        if today < self.launch_date:
            return Phase.SMARTCARD_ONLY
        if today < self.decommission_date:
            return Phase.PARALLEL_RUN
        return Phase.TWO_FA_ONLY


# --- Operation hours and connectivity test (SPEC S2, S3) -------------------------------------
# The weekly hours and the holiday calendar live in terminal/schedule.py; these rows are what
# HKEX staff add in the admin on top of them.


class ScheduledService(models.TextChoices):
    TERMINAL = "TERMINAL", "CCASS/CCMS Terminal"
    DMS = "DMS", "Security Management Functions (DMS)"
    BOTH = "BOTH", "Both"


class SpecialHours(models.Model):
    """A special closure (e.g. typhoon signal No. 8) or opening (e.g. a special Saturday).

    A closure wins over the weekly hours and over an opening that overlaps it; a connectivity
    test window (below) is open whatever these say (SPEC S3).
    """

    class Kind(models.TextChoices):
        CLOSURE = "CLOSURE", "Special closure"
        OPENING = "OPENING", "Special opening"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    service = models.CharField(
        max_length=8, choices=ScheduledService.choices, default=ScheduledService.BOTH
    )
    starts_at = models.DateTimeField("Start (HKT)")
    ends_at = models.DateTimeField("End (HKT)")
    reason = models.CharField(max_length=200)

    class Meta:
        verbose_name = "special closure or opening"
        verbose_name_plural = "special closures and openings"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="special_hours_end_after_start",
            )
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

    def __str__(self):
        start = timezone.localtime(self.starts_at).strftime("%d-%b-%Y %H:%M")
        end = timezone.localtime(self.ends_at).strftime("%d-%b-%Y %H:%M")
        return f"{self.get_kind_display()} of {self.get_service_display()}: {start}-{end}"


class ScheduleQuerySet(models.QuerySet):
    def covering(self, moment):
        """The rows whose [start, end) holds ``moment``."""
        return self.filter(starts_at__lte=moment, ends_at__gt=moment)


class ConnectivityTestWindow(models.Model):
    """A connectivity test (SPEC S3, Appendix B): logins work whatever the operation hours,
    terminal functions, overnight reports and DMS maintenance do not."""

    starts_at = models.DateTimeField("Start (HKT)")
    ends_at = models.DateTimeField("End (HKT)")
    note = models.CharField(max_length=200, blank=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = "connectivity test window"
        verbose_name_plural = "Connectivity test windows"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="connectivity_window_end_after_start",
            )
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

    def __str__(self):
        start = timezone.localtime(self.starts_at).strftime("%d-%b-%Y %H:%M")
        end = timezone.localtime(self.ends_at).strftime("%H:%M")
        return f"Connectivity test {start}-{end} HKT"


# --- Terminal menu and overnight reports (SPEC T1, T2) ---------------------------------------


class MenuGroup(models.TextChoices):
    """The headings of the terminal menu, in the order it shows them (labels translated when
    shown, issue 11)."""

    ENQUIRY = "ENQUIRY", _("Enquiry")
    SETTLEMENT = "SETTLEMENT", _("Settlement")
    DEPOSITORY = "DEPOSITORY", _("Depository")
    NOMINEE = "NOMINEE", _("Nominee")
    CLEARING = "CLEARING", _("Clearing")
    COLLATERAL = "COLLATERAL", _("Collateral")


class TerminalFunctionManager(models.Manager):
    def seed_demo(self) -> list[str]:
        """The demo catalogue (``terminal.catalogue``): create the missing functions, bound to
        the demo business user groups that exist; never touch an existing one. Called by
        ``accounts.demo.seed_demo`` (accounts may import only this module of terminal)."""
        from .catalogue import seed_demo_functions

        return seed_demo_functions(self.model)


class TerminalFunction(models.Model):
    """An online function of the terminal menu, offered to the holders of its business user
    groups (SPEC T1). The business functions themselves are outside the documents: each page
    says what the function is and "Function not available"."""

    code = models.CharField(
        max_length=20, unique=True,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9-]*$",
                                   "Capitals, digits and hyphens, e.g. SI-MAINT.")],
        help_text="Part of the page's address (/functions/<code>/), e.g. SI-MAINT.",
    )
    name = models.CharField(max_length=120)
    menu_group = models.CharField(max_length=10, choices=MenuGroup.choices)
    description = models.TextField(help_text="What the function is, shown on its page.")
    user_groups = models.ManyToManyField(
        "accounts.BusinessUserGroup", blank=True, related_name="terminal_functions",
        verbose_name="business user groups",
        help_text="Users holding any of these groups see the function in their menu.",
    )

    objects = TerminalFunctionManager()

    class Meta:
        verbose_name = "terminal function"
        ordering = ["menu_group", "name"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ReportKind(models.TextChoices):
    """The overnight reports, in the order the download page lists a day's reports."""

    USER_PROFILE_LISTING = "USER_PROFILE_LISTING", _("User Profile Listing")
    USER_MAINTENANCE = "USER_MAINTENANCE", _("User Maintenance Activity Report")
    LOGIN_ACTIVITY = "LOGIN_ACTIVITY", _("Login Activity Report")


class OvernightReport(models.Model):
    """One overnight report file of a participant for a business date (SPEC T2).

    The file is in the reports storage (``STORAGES["overnight_reports"]``) under
    ``file_name``; writing the same report again replaces the file and updates this row.
    """

    participant = models.ForeignKey(
        "accounts.Participant", on_delete=models.PROTECT, related_name="+"
    )
    business_date = models.DateField()
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    file_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField("size (bytes)")
    generated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-business_date", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "business_date", "kind"],
                name="one_overnight_report_per_date_and_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.business_date:%d-%b-%Y}"

    @property
    def download_name(self) -> str:
        return self.file_name.rsplit("/", 1)[-1]

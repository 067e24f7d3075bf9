"""The authentication arrangement (SPEC S1), editable by HKEX staff."""

import datetime as dt

from django.db import models
from django.utils import timezone


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

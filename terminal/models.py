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

    def phase(self, *, today=None) -> str:
        today = today or timezone.localdate()
        if today < self.launch_date:
            return Phase.SMARTCARD_ONLY
        if today < self.decommission_date:
            return Phase.PARALLEL_RUN
        return Phase.TWO_FA_ONLY

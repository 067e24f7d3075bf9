"""Participants, their users and DAs, lockout counts and the audit trail (SPEC P, A, R)."""

import re

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django_otp.models import CooldownMixin, SideChannelDevice

# --- Participants (SPEC P1-P3) ------------------------------------------------------------


class ClearingHouse(models.TextChoices):
    HKSCC = "HKSCC", "HKSCC"
    HKCC = "HKCC", "HKCC"
    SEOCH = "SEOCH", "SEOCH"


#: SPEC P1: the system each clearing house's participants log in to.
SYSTEM_NAMES = {
    ClearingHouse.HKSCC: "CCASS",
    ClearingHouse.HKCC: "CCMS",
    ClearingHouse.SEOCH: "CCMS",
}


class ParticipantKind(models.TextChoices):
    HKSCC_CP = "HKSCC_CP", "HKSCC Clearing Participant"
    HKSCC_DB = "HKSCC_DB", "HKSCC Designated Bank"
    HKCC_CP = "HKCC_CP", "HKCC Clearing Participant"
    SEOCH_CP = "SEOCH_CP", "SEOCH Clearing Participant"


KIND_CLEARING_HOUSE = {
    ParticipantKind.HKSCC_CP: ClearingHouse.HKSCC,
    ParticipantKind.HKSCC_DB: ClearingHouse.HKSCC,
    ParticipantKind.HKCC_CP: ClearingHouse.HKCC,
    ParticipantKind.SEOCH_CP: ClearingHouse.SEOCH,
}

#: SPEC P3, from the documents' examples: B01234 (HKSCC CP), BNK999 (HKSCC DB),
#: HK + customer code + 1-4 (HKABC1 for HKCC, HKABC2 for SEOCH).
PREFIX_PATTERNS = {
    ParticipantKind.HKSCC_CP: (
        re.compile(r"^[A-Z][0-9]{5}$"), "a letter and 5 digits, e.g. B01234"
    ),
    ParticipantKind.HKSCC_DB: (
        re.compile(r"^(?!HK)[A-Z][A-Z0-9]{5}$"),
        "6 capital letters or digits starting with a letter (not HK), e.g. BNK999",
    ),
    ParticipantKind.HKCC_CP: (
        re.compile(r"^HK[A-Z0-9]{3}[1-4]$"),
        "HK, a 3-character customer code and a digit 1-4, e.g. HKABC1",
    ),
    ParticipantKind.SEOCH_CP: (
        re.compile(r"^HK[A-Z0-9]{3}[1-4]$"),
        "HK, a 3-character customer code and a digit 1-4, e.g. HKABC2",
    ),
}


class Participant(models.Model):
    kind = models.CharField("participant kind", max_length=10, choices=ParticipantKind.choices)
    participant_id = models.CharField("participant ID", max_length=10, unique=True)
    name = models.CharField(max_length=120)
    user_id_prefix = models.CharField("User ID prefix", max_length=6, unique=True)
    max_users = models.PositiveIntegerField("MAX. NO. OF USERS", default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["participant_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user_id_prefix__regex=r"^[A-Z0-9]{6}$"),
                name="participant_prefix_six_upper_alnum",
            ),
        ]

    def __str__(self):
        return f"{self.participant_id} {self.name}"

    @property
    def clearing_house(self) -> str:
        return KIND_CLEARING_HOUSE[self.kind]

    @property
    def system_name(self) -> str:
        """SPEC P1: "CCASS" for HKSCC participants, "CCMS" for HKCC and SEOCH."""
        return SYSTEM_NAMES[self.clearing_house]

    def clean(self):
        self.user_id_prefix = (self.user_id_prefix or "").upper()
        self.participant_id = (self.participant_id or "").upper()
        pattern = PREFIX_PATTERNS.get(self.kind)
        if pattern and not pattern[0].match(self.user_id_prefix):
            raise ValidationError(
                {"user_id_prefix": f"A {self.get_kind_display()} prefix is {pattern[1]}."}
            )


# --- User IDs (SPEC P4) ----------------------------------------------------------------------

DA_SUFFIX = re.compile(r"^[XYZ][1-9]$")
USER_ID_SHAPE = re.compile(r"^[A-Z0-9]{8}$")


def is_da_suffix(suffix: str) -> bool:
    return bool(DA_SUFFIX.match(suffix))


def user_id_problem(user_id: str, *, prefix: str, is_da: bool) -> str | None:
    """Return why ``user_id`` is not a valid User ID for that prefix and role, or None."""
    if not USER_ID_SHAPE.match(user_id or ""):
        return "A User ID is 8 capital letters or digits."
    if not user_id.startswith(prefix):
        return f"A User ID of this participant starts with {prefix}."
    suffix = user_id[6:]
    if is_da and not is_da_suffix(suffix):
        return f"A Delegated Administrator's User ID is {prefix} + X, Y or Z + a digit 1-9."
    if not is_da and is_da_suffix(suffix):
        return (
            "An end user's User ID may not end in X, Y or Z + a digit 1-9: "
            "that form is kept for Delegated Administrators."
        )
    return None


# --- Users -----------------------------------------------------------------------------------


class UserStatus(models.TextChoices):
    ENABLED = "ENABLED", "ENABLED"
    DISABLED = "DISABLED", "DISABLED"


class DARole(models.TextChoices):
    NONE = "", "None (end user)"
    MAKER = "MAKER", "DA maker"
    CHECKER = "CHECKER", "DA checker"


class ConnectRole(models.TextChoices):
    """A Client Connect user's part in its company's eServices (SPEC E1)."""

    MAKER = "MAKER", "Maker"
    CHECKER = "CHECKER", "Checker"
    BOTH = "BOTH", "Maker and checker"


#: SPEC E1: the Client Connect access right that allows eServices DA3 and DA4.
EU_USER_MAINTENANCE = "EU_UserMaintenance"


class InternalExternal(models.TextChoices):
    INTERNAL = "INTERNAL", "INTERNAL"
    EXTERNAL = "EXTERNAL", "EXTERNAL"


class AccessChannel(models.TextChoices):
    TERMINAL = "TERMINAL", "CST"  # as the documents' profiles show it
    PARTICIPANT_GATEWAY = "PG", "Participant Gateway"
    BOTH = "BOTH", "Terminal and Participant Gateway"


class TransactionLimit(models.TextChoices):
    """The rows of "Transaction limit (HKD)", in the documents' order (SPEC D3)."""

    DEFAULT = "DEFAULT", "Default"
    DI = "DI", "DI"
    ISI = "ISI", "ISI"
    CASH_COMPENSATION = "CASH_COMPENSATION", "Cash Compensation Indicator"
    CASH_PREPAYMENT = "CASH_PREPAYMENT", "Cash Prepayment"
    DI_REQUIREMENT = "DI_REQUIREMENT", "DI Requirement"
    RECALL_REQUEST = "RECALL_REQUEST", "Recall Request"
    ATI = "ATI", "ATI"
    SI = "SI", "SI"


_AMOUNT = re.compile(r"\d{1,13}\.\d{2}")


def validate_transaction_limit(value):
    """Row code -> amount as a string with 2 decimals ("9999999999.99"); a row not set is
    absent."""
    if not isinstance(value, dict):
        raise ValidationError("Transaction limit (HKD) maps its rows to amounts.")
    for row, amount in value.items():
        if row not in TransactionLimit.values:
            raise ValidationError(f"Transaction limit (HKD) has no row {row}.")
        if not isinstance(amount, str) or not _AMOUNT.fullmatch(amount):
            raise ValidationError(
                f"Transaction limit (HKD) - {TransactionLimit(row).label}: an amount of 0.00 or "
                "more with 2 decimals, e.g. 9999999999.99.")


class BusinessUserGroup(models.Model):
    """A group of terminal functions a user may be given (SPEC T1, D3)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    clearing_house = models.CharField(max_length=5, choices=ClearingHouse.choices)

    class Meta:
        ordering = ["clearing_house", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # User IDs are upper-case (Client Connect's are emails): accept any case.
        return self.get(username__iexact=(username or "").strip())

    def create_user(self, username, password=None, **fields):
        user = self.model(username=username.upper(), **fields)
        if password:
            user.set_password(password)
            user.password_set_at = timezone.now()
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A participant's user or DA (tied to a participant), or an HKEX staff account (none).

    ``password`` is the regular password of 2FA (SPEC A1); the smartcard password is separate.
    """

    username = models.CharField(
        "User ID",
        max_length=150,
        unique=True,
        help_text="Participant users: 8 characters, prefix + 2 (SPEC P4). Never reused.",
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    # Client Connect (SPEC E1): a user of a company's eServices, logging in with its email as
    # User ID. Not a profile of the participant: never counted in MAX. NO. OF USERS.
    connect_company = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True,
        related_name="connect_users", verbose_name="Client Connect company",
    )
    connect_role = models.CharField("Client Connect role", max_length=7,
                                    choices=ConnectRole.choices, blank=True)
    connect_rights = models.JSONField("Client Connect access rights", default=list,
                                      blank=True)
    surname = models.CharField("Surname", max_length=60, blank=True)
    other_names = models.CharField("Other Names", max_length=100, blank=True)
    email = models.EmailField("Email", blank=True)
    # Issue 11: the language the user last used (at "LOG IN" or the switch); their emails are
    # written in it. Empty: English, the default.
    language = models.CharField("Email language", max_length=10, blank=True, default="",
                                editable=False)
    status = models.CharField(
        "User Status", max_length=8, choices=UserStatus.choices, default=UserStatus.ENABLED
    )
    enable_from = models.DateField("Enable From", null=True, blank=True)
    disable_after = models.DateField("Disable After", null=True, blank=True)
    da_role = models.CharField(
        "DA role", max_length=8, choices=DARole.choices, default=DARole.NONE, blank=True
    )
    internal_external = models.CharField(
        "Internal/External",
        max_length=8,
        choices=InternalExternal.choices,
        default=InternalExternal.EXTERNAL,
    )
    clearing_house_options = models.JSONField(
        "Clearing House Options", default=list, blank=True
    )
    access_channel = models.CharField(
        "Access Channel",
        max_length=8,
        choices=AccessChannel.choices,
        default=AccessChannel.TERMINAL,
    )
    # SPEC D3: one amount per row of TransactionLimit, e.g. {"DEFAULT": "9999999999.99"}.
    transaction_limit = models.JSONField(
        "Transaction limit (HKD)", default=dict, blank=True,
        validators=[validate_transaction_limit],
        help_text='Row -> amount with 2 decimals, e.g. {"DEFAULT": "9999999999.99"}; rows: '
        + ", ".join(TransactionLimit.values) + ".",
    )
    business_user_groups = models.ManyToManyField(
        BusinessUserGroup, blank=True, related_name="users"
    )

    # Smartcard (SPEC A6, L10): present on migrated profiles until 2FA is initialised.
    smartcard_srn = models.CharField("SRN (for user using smartcard)", max_length=20, blank=True)
    smartcard_certificate_expiry = models.DateTimeField(
        "Certificate Expiry Date", null=True, blank=True
    )
    smartcard_password = models.CharField(max_length=128, blank=True, editable=False)

    password_set_at = models.DateTimeField(null=True, blank=True, editable=False)
    # SPEC A3: lock state and the counters it is decided on; changed only by the lockout
    # functions and actions of accounts.services.
    is_locked = models.BooleanField("Locked", default=False, editable=False)
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    failures_reset_at = models.DateTimeField(null=True, blank=True, editable=False)
    otp_failure_streak = models.PositiveSmallIntegerField(default=0, editable=False)

    is_staff = models.BooleanField("HKEX staff", default=False)
    is_active = models.BooleanField(
        default=True,
        help_text="False once the profile is deleted: its User ID stays retired (SPEC P4).",
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    date_joined = models.DateTimeField(default=timezone.now, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(Upper("username"), name="user_username_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(is_staff=True) | models.Q(participant__isnull=False)
                | models.Q(connect_company__isnull=False),
                name="user_participant_or_staff_or_connect",
            ),
            models.CheckConstraint(
                condition=models.Q(participant__isnull=True)
                | models.Q(connect_company__isnull=True),
                name="user_not_both_profile_and_connect",
            ),
            models.CheckConstraint(
                condition=models.Q(disable_after__isnull=True)
                | models.Q(enable_from__isnull=True)
                | models.Q(disable_after__gte=models.F("enable_from")),
                name="user_enable_window_ordered",
            ),
        ]

    def __str__(self):
        return self.username

    # -- derived facts --------------------------------------------------------------------

    @property
    def is_da(self) -> bool:
        return self.da_role in (DARole.MAKER, DARole.CHECKER)

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.other_names}".strip()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.username

    @property
    def is_connect_user(self) -> bool:
        return self.connect_company_id is not None

    @property
    def system_name(self) -> str:
        """SPEC P1: CCASS or CCMS by the user's clearing house; "Client Connect" for Client
        Connect users; CCASS for HKEX staff."""
        if self.connect_company_id:
            return "Client Connect"
        return self.participant.system_name if self.participant_id else "CCASS"

    @property
    def connect_maker(self) -> bool:
        return (self.connect_role in (ConnectRole.MAKER, ConnectRole.BOTH)
                and EU_USER_MAINTENANCE in (self.connect_rights or []))

    @property
    def connect_checker(self) -> bool:
        return (self.connect_role in (ConnectRole.CHECKER, ConnectRole.BOTH)
                and EU_USER_MAINTENANCE in (self.connect_rights or []))

    @property
    def has_smartcard(self) -> bool:
        return bool(self.smartcard_srn)

    @property
    def password_expires_at(self):
        if not self.password_set_at:
            return None
        return self.password_set_at + timezone.timedelta(
            days=settings.CCASS_PASSWORD_MAX_AGE_DAYS
        )

    def password_expired(self, *, now=None) -> bool:
        """SPEC A2: a regular password expires 90 days after it was set."""
        expires = self.password_expires_at
        return expires is not None and (now or timezone.now()) >= expires

    def clean(self):
        super().clean()
        if self.connect_company_id:
            self.username = (self.username or "").strip().lower()
            try:
                validate_email(self.username)
            except ValidationError as exc:
                raise ValidationError(
                    {"username": "A Client Connect user's User ID is their email address."}
                ) from exc
            if self.participant_id or self.da_role:
                raise ValidationError({"connect_company": "A Client Connect user is not a "
                                       "CCASS/CCMS profile nor a Delegated Administrator."})
            return
        self.username = (self.username or "").upper()
        if self.participant_id:
            problem = user_id_problem(
                self.username, prefix=self.participant.user_id_prefix, is_da=self.is_da
            )
            if problem:
                raise ValidationError({"username": problem})
        elif not self.is_staff:
            raise ValidationError({"participant": "A participant user needs a participant."})
        elif self.da_role:
            raise ValidationError({"da_role": "HKEX staff cannot be Delegated Administrators."})


class LoginFailure(models.Model):
    """One counted unsuccessful login attempt (SPEC A3): a wrong password, or 3 wrong OTPs."""

    class Reason(models.TextChoices):
        PASSWORD = "PASSWORD", "Wrong password"
        OTP = "OTP", "3 consecutive wrong OTPs"
        AUTHORISATION_CODE = "AUTH_CODE", "Wrong Authorisation Code (checker)"
        SMARTCARD = "SMARTCARD", "Wrong smartcard password"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_failures")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.CharField(max_length=10, choices=Reason.choices)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self):
        return f"{self.user} {self.reason} {self.at:%Y-%m-%d %H:%M:%S}"


# --- Audit trail (SPEC R1) -------------------------------------------------------------------


class AuditRecord(models.Model):
    """An append-only security record; ``record_hash`` chains it to the record before it.

    Written only through :func:`accounts.audit.record_event`; never edited (the admin is
    read-only, and on PostgreSQL a trigger refuses UPDATE and DELETE).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    event = models.CharField(max_length=40, db_index=True)
    outcome = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField("actor", max_length=150, blank=True)
    subject = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_label = models.CharField("subject", max_length=150, blank=True)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    #: The chain the record extends (issue 10): its subject's own ("user:<id>"), else its
    #: participant's, else "system"; records before chains were split are in "global".
    chain = models.CharField(max_length=40, default="global")
    previous_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event} {self.subject_label}"


class AuditChainHead(models.Model):
    """The newest record's hash of one chain; locking it serialises that chain's appends."""

    chain = models.CharField(max_length=40, unique=True, default="global")
    last_hash = models.CharField(max_length=64)
    last_record_id = models.BigIntegerField(null=True)

    def __str__(self):
        return f"audit chain {self.chain} at record {self.last_record_id}"


# --- Email OTP (SPEC L4) ---------------------------------------------------------------------


class OtpPurpose(models.TextChoices):
    """The journey an email code was sent for; a code is accepted only in that journey."""

    LOGIN = "LOGIN", "On-going login"
    SETUP = "SETUP", "Set up OTP channel (SKIP THIS STEP)"
    RESET = "RESET", "Forgot/Reset your password"


class EmailOTPDevice(CooldownMixin, SideChannelDevice):
    """A user's email OTP channel: 8-digit codes valid 5 minutes, one live code at a time.

    ``confirmed`` means the user chose email as their OTP channel (SKIP THIS STEP, ACCEPT).
    An unconfirmed device only carries codes for set-up and first-time password reset.
    Generating a code replaces (voids) the previous one; ``purpose`` binds it to a journey.
    """

    purpose = models.CharField(max_length=8, choices=OtpPurpose.choices, blank=True)

    class Meta(SideChannelDevice.Meta):
        verbose_name = "email OTP device"
        constraints = [
            models.UniqueConstraint(fields=["user"], name="one_email_otp_device_per_user")
        ]

    def get_cooldown_duration(self):
        return settings.CCASS_EMAIL_OTP_VALIDITY_SECONDS


# --- Half-logins (SPEC A3, L9) ----------------------------------------------------------------


class LoginChallenge(models.Model):
    """A half-login: a correct password (or a reset's User ID) waiting for its OTP.

    Its row is locked while an OTP is evaluated, so parallel posts on one half-login are
    evaluated one at a time; the third wrong OTP ends it (SPEC A3), and so does the right one.
    ``user`` is empty for a reset of an unknown User ID, which is answered like any other.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    wrong_otps = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"half-login {self.pk} of {self.user_id}"

"""Demo data as on the 2FA launch day (SPEC A6): email registered, smartcard, no password yet."""

import base64
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from terminal.models import TerminalFunction

from .audit import Event, record_event
from .models import (
    EU_USER_MAINTENANCE,
    BusinessUserGroup,
    ClearingHouse,
    ConnectRole,
    DARole,
    Participant,
    ParticipantKind,
    User,
)
from .services import password_set, user_unlock

#: Every demo smartcard's password (SPEC L10: 6-8 digits).
DEMO_SMARTCARD_PASSWORD = "12345678"  # noqa: S105 - published demo value
DEMO_ADMIN_USERNAME = "HKEXADMIN"

#: The business user groups of the documents' HKSCC profile ("Selected User Groups", Information
#: Package Appendix A). The documents give no descriptions and no CCMS groups: the descriptions
#: are placeholders and HKCC/SEOCH keep demo codes of their own (codes are unique across houses).
DOCUMENT_GROUP_CODES = [
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23",
    "24", "51", "52", "54", "55", "A", "AA", "AB", "AC", "AD", "C", "CH", "D",
    "DV", "DX", "E", "F", "F1", "H", "I", "J", "K", "L", "M", "N", "NU", "NV",
    "O", "P", "PD", "PM", "Q", "R", "RA", "RB", "RD", "RU", "RX", "RY", "RZ",
    "SA", "SM", "ST", "WA", "WB", "WC", "WD", "WE", "WF", "WG",
]

DEMO_GROUPS = [
    *((code, f"Business user group {code}", ClearingHouse.HKSCC)
      for code in DOCUMENT_GROUP_CODES),
    ("CLEARING", "Clearing", ClearingHouse.HKCC),
    ("COLLAT", "Collateral", ClearingHouse.HKCC),
    ("OPTCLR", "Options Clearing", ClearingHouse.SEOCH),
]


@dataclass(frozen=True)
class DemoParticipant:
    kind: str
    participant_id: str
    name: str
    prefix: str
    max_users: int
    das: tuple[tuple[str, str], ...]
    users: tuple[str, ...]
    domain: str


def _das(prefix):
    return ((f"{prefix}X1", DARole.MAKER), (f"{prefix}X2", DARole.CHECKER),
            (f"{prefix}X3", DARole.CHECKER))


DEMO_PARTICIPANTS = [
    DemoParticipant(ParticipantKind.HKSCC_CP, "B01234", "ABC SECURITIES", "B01234", 20,
                    _das("B01234"), ("B0123401", "B0123402", "B0123403"),
                    "abc-securities.example"),
    DemoParticipant(ParticipantKind.HKSCC_DB, "BNK999", "XYZ BANK", "BNK999", 20,
                    _das("BNK999"), ("BNK99901",), "xyz-bank.example"),
    DemoParticipant(ParticipantKind.HKCC_CP, "HKABC1", "ABC FUTURES", "HKABC1", 20,
                    _das("HKABC1"), ("HKABC101",), "abc-futures.example"),
    DemoParticipant(ParticipantKind.SEOCH_CP, "HKABC2", "ABC OPTIONS", "HKABC2", 20,
                    _das("HKABC2"), ("HKABC201",), "abc-options.example"),
]

DEMO_NAMES = ["CHAN", "WONG", "LEE", "CHEUNG", "LAU", "NG", "HO", "LAM"]


@dataclass
class SeedReport:
    created: list[str]
    admin_password: str | None
    admin_totp_key: str | None = None
    admin_totp_uri: str | None = None


@dataclass(frozen=True)
class AdminCredentials:
    """What ``seed_demo --reset-admin`` gave HKEXADMIN; ``password`` is None when it is
    DEMO_ADMIN_PASSWORD (never printed)."""

    password: str | None
    totp_key: str
    totp_uri: str


def _admin_password() -> str:
    # 24 random URL-safe characters, plus one of each class SPEC A1 asks for.
    return secrets.token_urlsafe(18) + "aA1!"


def _admin_device(admin: User) -> TOTPDevice:
    """HKEX staff reach the admin only with an OTP too (SPEC L9): the demo one's device."""
    return TOTPDevice.objects.create(user=admin, name="HKEX staff authenticator", confirmed=True)


def _b32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _srn(user_id: str) -> str:
    # Shaped like the documents' "0101101200012AB2": 16 characters.
    return f"0101101200{zlib.crc32(user_id.encode()) % 1000:03d}{user_id[-3:]}"[:16].upper()


#: SPEC E1: Client Connect users (email as User ID) of two companies, a maker and two
#: checkers each, with "EU_UserMaintenance"; no password yet, like every demo profile.
DEMO_CONNECT_COMPANIES = {"B01234": "abc-securities.example", "HKABC1": "abc-futures.example"}
DEMO_CONNECT_USERS = [("cc.maker", ConnectRole.MAKER, "MAKER"),
                      ("cc.checker1", ConnectRole.CHECKER, "CHECKER"),
                      ("cc.checker2", ConnectRole.CHECKER, "CHECKER")]


def _seed_connect_users() -> list[str]:
    created = []
    for participant_id, domain in DEMO_CONNECT_COMPANIES.items():
        company = Participant.objects.get(participant_id=participant_id)
        for local, role, surname in DEMO_CONNECT_USERS:
            email = f"{local}@{domain}"
            if User.objects.filter(username__iexact=email).exists():
                continue
            user = User(username=email, email=email, connect_company=company,
                        connect_role=role, connect_rights=[EU_USER_MAINTENANCE],
                        surname=surname, other_names=f"Client Connect {company.participant_id}")
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()
            created.append(email)
            record_event(Event.PROFILE_CREATED, subject=user, participant=company,
                         reason="seed_demo (Client Connect)",
                         after={"connect_role": role, "email": email})
    return created


@transaction.atomic
def seed_demo(*, admin_password: str | None = None) -> SeedReport:
    """Create what is missing; never touch what exists (so a second run changes nothing)."""
    created: list[str] = []
    groups = {}
    for code, name, house in DEMO_GROUPS:
        groups[code], _ = BusinessUserGroup.objects.get_or_create(
            code=code, defaults={"name": name, "clearing_house": house}
        )
    # SPEC T1: the terminal functions these groups offer (terminal/catalogue.py).
    created += TerminalFunction.objects.seed_demo()
    smartcard_hash = make_password(DEMO_SMARTCARD_PASSWORD)
    cert_expiry = datetime(2030, 12, 31, 23, 59, 59, tzinfo=ZoneInfo(settings.TIME_ZONE))
    for spec in DEMO_PARTICIPANTS:
        participant, new = Participant.objects.get_or_create(
            participant_id=spec.participant_id,
            defaults={"kind": spec.kind, "name": spec.name, "user_id_prefix": spec.prefix,
                      "max_users": spec.max_users},
        )
        if new:
            participant.full_clean()
            created.append(str(participant))
            record_event(Event.PARTICIPANT_CREATED, participant=participant,
                         reason="seed_demo", after={"max_users": participant.max_users})
        house = participant.clearing_house
        house_groups = [g for g in groups.values() if g.clearing_house == house]
        profiles = [(uid, role) for uid, role in spec.das] + [(u, DARole.NONE) for u in spec.users]
        for i, (user_id, role) in enumerate(profiles):
            if User.objects.filter(username=user_id).exists():
                continue
            user = User(
                username=user_id, participant=participant, da_role=role,
                surname=DEMO_NAMES[i % len(DEMO_NAMES)], other_names=f"Demo {user_id[-2:]}",
                email=f"{user_id.lower()}@{spec.domain}",
                clearing_house_options=[participant.clearing_house],
                smartcard_srn=_srn(user_id), smartcard_certificate_expiry=cert_expiry,
                smartcard_password=smartcard_hash,
            )
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()
            if role == DARole.NONE:
                user.business_user_groups.set(house_groups)
            created.append(user_id)
            record_event(Event.PROFILE_CREATED, subject=user, reason="seed_demo",
                         after={"da_role": role, "email": user.email})

    created += _seed_connect_users()

    admin_generated = None
    if not User.objects.filter(username=DEMO_ADMIN_USERNAME).exists():
        password = admin_password or _admin_password()
        admin = User.objects.create_superuser(
            DEMO_ADMIN_USERNAME, password, email="hkexadmin@hkex.example",
            surname="HKEX", other_names="Operations",
        )
        device = _admin_device(admin)
        admin_key, admin_uri = _b32(device), device.config_url
        created.append(admin.username)
        record_event(Event.PROFILE_CREATED, subject=admin, reason="seed_demo (HKEX staff)")
        record_event(Event.DEVICE_REGISTERED, subject=admin, reason="seed_demo (HKEX staff)")
        admin_generated = None if admin_password else password
    else:
        admin_key = admin_uri = None
    return SeedReport(created=created, admin_password=admin_generated, admin_totp_key=admin_key,
                      admin_totp_uri=admin_uri)


def demo_admin_reset(*, admin_password: str | None = None) -> AdminCredentials:
    """``seed_demo --reset-admin``: a new password and a new authenticator for HKEXADMIN.

    For whoever lost what the first ``seed_demo`` printed. The password is ``admin_password``
    (DEMO_ADMIN_PASSWORD) or a random one and passes the policy like anyone's (SPEC A1): a
    ``ValidationError`` names what is wrong and then nothing changes. DEMO_ADMIN_PASSWORD that
    already is the password is kept (the policy refuses reusing it). Earlier devices are removed
    and a locked account is unlocked (what lost credentials usually lead to); each step leaves an
    audit record (SPEC R1). Raises ``User.DoesNotExist`` before the first ``seed_demo``.
    """
    reason = "seed_demo --reset-admin (HKEX staff)"
    password = admin_password or _admin_password()
    with transaction.atomic():
        admin = User.objects.select_for_update().get(username=DEMO_ADMIN_USERNAME)
        removed, _ = TOTPDevice.objects.filter(user=admin).delete()
        device = _admin_device(admin)
        if not (admin_password and admin.check_password(admin_password)):
            password_set(user=admin, raw_password=password, actor=None,
                         event=Event.PASSWORD_RESET)
        if removed:
            record_event(Event.DEVICE_REMOVED, subject=admin, outcome="SUCCESS", reason=reason)
        record_event(Event.DEVICE_REGISTERED, subject=admin, outcome="SUCCESS", reason=reason)
        if admin.is_locked:
            user_unlock(target=admin, actor=None)
    return AdminCredentials(password=None if admin_password else password,
                            totp_key=_b32(device), totp_uri=device.config_url)

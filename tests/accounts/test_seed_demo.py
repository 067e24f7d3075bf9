"""The demo data (issue: foundation item 8) and its idempotence."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Event, verify_chain
from accounts.models import AuditRecord, DARole, Participant, User
from tests.helpers import app_code

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_participants_and_profiles(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "Admin-Demo-Passw0rd!")
    call_command("seed_demo")
    abc = Participant.objects.get(participant_id="B01234")
    assert (abc.name, abc.kind, abc.user_id_prefix, abc.max_users) == (
        "ABC SECURITIES", "HKSCC_CP", "B01234", 20
    )
    assert set(Participant.objects.values_list("user_id_prefix", flat=True)) == {
        "B01234", "BNK999", "HKABC1", "HKABC2"
    }
    assert Participant.objects.get(user_id_prefix="HKABC1").system_name == "CCMS"
    roles = dict(abc.users.values_list("username", "da_role"))
    assert roles == {
        "B01234X1": DARole.MAKER, "B01234X2": DARole.CHECKER, "B01234X3": DARole.CHECKER,
        "B0123401": "", "B0123402": "", "B0123403": "",
    }
    for user_id in ["BNK99901", "HKABC101", "HKABC201", "BNK999X3", "HKABC1X2", "HKABC2X1"]:
        assert User.objects.filter(username=user_id).exists()

    user = User.objects.get(username="B0123401")
    # Launch-day state (SPEC A6): email registered, smartcard present, no regular password.
    assert user.email == "b0123401@abc-securities.example"
    assert user.has_smartcard and user.smartcard_certificate_expiry
    assert not user.has_usable_password()
    assert User.objects.get(username="BNK99901").email == "bnk99901@xyz-bank.example"

    admin = User.objects.get(username="HKEXADMIN")
    assert admin.is_superuser and admin.is_staff and admin.participant is None
    assert admin.check_password("Admin-Demo-Passw0rd!")
    assert "Admin-Demo-Passw0rd!" not in capsys.readouterr().out


def test_it_is_idempotent(capsys):
    call_command("seed_demo")
    first_out = capsys.readouterr().out
    assert "HKEXADMIN password:" in first_out  # generated, so printed once
    assert "HKEXADMIN authenticator key" in first_out  # the admin needs an OTP too
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert TOTPDevice.objects.filter(user__username="HKEXADMIN", confirmed=True).count() == 1
    counts = (Participant.objects.count(), User.objects.count(), AuditRecord.objects.count())
    call_command("seed_demo")
    assert "nothing changed" in capsys.readouterr().out
    again = (Participant.objects.count(), User.objects.count(), AuditRecord.objects.count())
    assert again == counts
    # 12 DAs, 6 users, 1 HKEX superuser, 6 Client Connect users (SPEC E1)
    assert counts[:2] == (4, 4 * 3 + 6 + 1 + 6)
    connect = User.objects.filter(connect_company__participant_id="B01234")
    assert sorted(connect.values_list("username", "connect_role")) == [
        ("cc.checker1@abc-securities.example", "CHECKER"),
        ("cc.checker2@abc-securities.example", "CHECKER"),
        ("cc.maker@abc-securities.example", "MAKER")]
    assert all(u.connect_maker or u.connect_checker for u in connect)
    assert not any(u.has_usable_password() for u in connect)
    assert verify_chain().ok


def test_it_leaves_changed_profiles_alone(capsys):
    call_command("seed_demo")
    user = User.objects.get(username="B0123401")
    user.email = "changed@abc-securities.example"
    user.save(update_fields=["email"])
    call_command("seed_demo")
    assert User.objects.get(username="B0123401").email == "changed@abc-securities.example"


# --- seed_demo --reset-admin: the admin's credentials are printed once, then on request -------

PRINTED_PASSWORD = re.compile(r"HKEXADMIN password: (\S+)$", re.M)
PRINTED_KEY = re.compile(r"HKEXADMIN authenticator key .*: ([A-Z2-7]+)$", re.M)
PRINTED_URI = re.compile(r"HKEXADMIN authenticator URI .*: (otpauth://totp/\S+)$", re.M)


def _printed(pattern, out):
    match = pattern.search(out)
    assert match, out
    return match.group(1)


def _opens_the_admin(password, key) -> bool:
    """Both printed factors are HKEXADMIN's (the admin login itself: test_admin_otp.py)."""
    admin = User.objects.get(username="HKEXADMIN")
    device = TOTPDevice.objects.get(user=admin, confirmed=True)
    return (admin.check_password(password) and not admin.is_locked
            and device.verify_token(app_code(None, key_b32=key)))


def test_it_says_how_to_get_the_admin_credentials_again(capsys):
    call_command("seed_demo")
    capsys.readouterr()
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "python manage.py seed_demo --reset-admin" in out
    assert not PRINTED_PASSWORD.search(out) and not PRINTED_KEY.search(out)


def test_it_resets_the_admin_password_and_authenticator(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    old_password, old_key = _printed(PRINTED_PASSWORD, first), _printed(PRINTED_KEY, first)

    call_command("seed_demo", "--reset-admin")
    out = capsys.readouterr().out
    password, key = _printed(PRINTED_PASSWORD, out), _printed(PRINTED_KEY, out)
    assert (password, key) != (old_password, old_key) and password != old_password
    uri = _printed(PRINTED_URI, out)
    assert f"secret={key}" in uri and "issuer=CCASS" in uri

    admin = User.objects.get(username="HKEXADMIN")
    assert not admin.check_password(old_password)
    assert TOTPDevice.objects.filter(user=admin).count() == 1
    events = list(AuditRecord.objects.filter(subject=admin).order_by("id")
                  .values_list("event", flat=True))
    assert events[-3:] == [Event.PASSWORD_RESET, Event.DEVICE_REMOVED, Event.DEVICE_REGISTERED]
    assert verify_chain().ok
    assert _opens_the_admin(password, key)


def test_it_resets_to_demo_admin_password_without_printing_it(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "Admin-Demo-Passw0rd!")
    call_command("seed_demo")
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "Another-Demo-Passw0rd!")
    call_command("seed_demo", "--reset-admin")
    out = capsys.readouterr().out
    assert "Another-Demo-Passw0rd!" not in out and "the value of DEMO_ADMIN_PASSWORD" in out
    assert User.objects.get(username="HKEXADMIN").check_password("Another-Demo-Passw0rd!")


def test_it_keeps_demo_admin_password_that_already_is_the_password(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "Admin-Demo-Passw0rd!")
    call_command("seed_demo")
    old_key = _printed(PRINTED_KEY, capsys.readouterr().out)
    call_command("seed_demo", "--reset-admin")  # the policy would refuse it as a "new" one
    new_key = _printed(PRINTED_KEY, capsys.readouterr().out)
    assert new_key != old_key
    assert User.objects.get(username="HKEXADMIN").check_password("Admin-Demo-Passw0rd!")


def test_it_refuses_a_weak_demo_admin_password_and_changes_nothing(monkeypatch, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    password = _printed(PRINTED_PASSWORD, first)
    device_ids = list(TOTPDevice.objects.values_list("id", flat=True))
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "short1!")
    with pytest.raises(CommandError, match="at least 16 characters"):
        call_command("seed_demo", "--reset-admin")
    assert User.objects.get(username="HKEXADMIN").check_password(password)
    assert list(TOTPDevice.objects.values_list("id", flat=True)) == device_ids


def test_it_unlocks_a_locked_admin(capsys):
    call_command("seed_demo")
    capsys.readouterr()
    User.objects.filter(username="HKEXADMIN").update(is_locked=True, locked_at=timezone.now())
    call_command("seed_demo", "--reset-admin")
    out = capsys.readouterr().out
    admin = User.objects.get(username="HKEXADMIN")
    assert not admin.is_locked
    assert AuditRecord.objects.filter(subject=admin, event=Event.ACCOUNT_UNLOCKED).exists()
    assert _opens_the_admin(_printed(PRINTED_PASSWORD, out), _printed(PRINTED_KEY, out))

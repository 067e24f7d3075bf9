"""The demo data (issue: foundation item 8) and its idempotence."""

import pytest
from django.core.management import call_command

from accounts.audit import verify_chain
from accounts.models import AuditRecord, DARole, Participant, User

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
    assert counts[:2] == (4, 4 * 3 + 6 + 1)  # 12 DAs, 6 users, 1 HKEX superuser
    assert verify_chain().ok


def test_it_leaves_changed_profiles_alone(capsys):
    call_command("seed_demo")
    user = User.objects.get(username="B0123401")
    user.email = "changed@abc-securities.example"
    user.save(update_fields=["email"])
    call_command("seed_demo")
    assert User.objects.get(username="B0123401").email == "changed@abc-securities.example"

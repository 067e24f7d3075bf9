"""SPEC P2-P4: participant prefixes per kind, User ID shapes for end users and DAs."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import DARole, Participant, ParticipantKind, User, user_id_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "prefix", "ok"),
    [
        (ParticipantKind.HKSCC_CP, "B01234", True),
        (ParticipantKind.HKSCC_CP, "BNK999", False),
        (ParticipantKind.HKSCC_DB, "BNK999", True),
        (ParticipantKind.HKSCC_DB, "HKABC1", False),
        (ParticipantKind.HKCC_CP, "HKABC1", True),
        (ParticipantKind.HKCC_CP, "HKABC5", False),
        (ParticipantKind.HKCC_CP, "B01234", False),
        (ParticipantKind.SEOCH_CP, "HKABC2", True),
        (ParticipantKind.SEOCH_CP, "HKABC0", False),
        (ParticipantKind.SEOCH_CP, "HKAB2", False),
    ],
)
def test_it_validates_the_prefix_shape_per_kind(kind, prefix, ok):
    participant = Participant(kind=kind, participant_id=prefix, name="X", user_id_prefix=prefix)
    if ok:
        participant.full_clean()
    else:
        with pytest.raises(ValidationError) as exc:
            participant.full_clean()
        assert "user_id_prefix" in exc.value.message_dict


@pytest.mark.parametrize(
    ("prefix", "user_id", "is_da", "problem"),
    [
        ("B01234", "B0123401", False, None),
        ("BNK999", "BNK99901", False, None),
        ("HKABC1", "HKABC101", False, None),
        ("HKABC2", "HKABC2A7", False, None),
        ("B01234", "B01234X1", True, None),
        ("HKABC1", "HKABC1Z9", True, None),
        ("HKABC2", "HKABC2Y5", True, None),
        ("B01234", "B01234X1", False, "kept for Delegated Administrators"),
        ("B01234", "B01234Y9", False, "kept for Delegated Administrators"),
        ("B01234", "B01234X0", False, None),  # X0 is not DA-shaped (DA digits are 1-9)
        ("B01234", "B0123401", True, "X, Y or Z + a digit 1-9"),
        ("B01234", "B01234X0", True, "X, Y or Z + a digit 1-9"),
        ("B01234", "B0123501", False, "starts with B01234"),
        ("B01234", "B012340", False, "8 capital letters or digits"),
        ("B01234", "B01234a1", False, "8 capital letters or digits"),
        ("B01234", "B01234-1", False, "8 capital letters or digits"),
    ],
)
def test_it_checks_user_id_shapes(prefix, user_id, is_da, problem):
    result = user_id_problem(user_id, prefix=prefix, is_da=is_da)
    if problem is None:
        assert result is None
    else:
        assert problem in result


def test_a_user_model_refuses_a_da_shaped_end_user_id(participant):
    user = User(username="B01234X1", participant=participant, da_role=DARole.NONE, email="a@b.c")
    with pytest.raises(ValidationError) as exc:
        user.full_clean(exclude=["password"])
    assert "kept for Delegated Administrators" in exc.value.message_dict["username"][0]


def test_a_deleted_profile_keeps_its_user_id_retired(end_user):
    end_user.is_active = False
    end_user.save(update_fields=["is_active"])
    again = User(username="B0123401", participant=end_user.participant, email="a@b.c")
    with pytest.raises(ValidationError):
        again.full_clean(exclude=["password"])
    with pytest.raises(IntegrityError):
        User.objects.create(username="b0123401", participant=end_user.participant)


def test_a_participant_user_needs_a_participant():
    with pytest.raises(IntegrityError):
        User.objects.create(username="B0123401")


def test_staff_accounts_are_not_tied_to_a_participant(django_user_model):
    staff = django_user_model.objects.create_superuser("ops1", "Ops-Staff-Passw0rd!")
    assert staff.participant is None
    assert staff.username == "OPS1"
    assert staff.system_name == "CCASS"


@pytest.mark.parametrize(
    ("kind", "system"),
    [
        (ParticipantKind.HKSCC_CP, "CCASS"),
        (ParticipantKind.HKSCC_DB, "CCASS"),
        (ParticipantKind.HKCC_CP, "CCMS"),
        (ParticipantKind.SEOCH_CP, "CCMS"),
    ],
)
def test_the_system_name_follows_the_clearing_house(kind, system):
    assert Participant(kind=kind).system_name == system

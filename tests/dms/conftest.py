"""DMS people: a maker, two checkers and end users of ABC SECURITIES, all 2FA-initialised."""

import pytest

from accounts.models import DARole, Participant, ParticipantKind
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import app_code, register_app


def initialised(participant, username, role=DARole.NONE, **fields):
    fields.setdefault("clearing_house_options", [participant.clearing_house])
    user = make_user(participant, username, role=role, **fields)
    register_app(user)
    return user


@pytest.fixture
def maker(participant):
    return initialised(participant, "B01234X1", DARole.MAKER)


@pytest.fixture
def checker(participant):
    return initialised(participant, "B01234X2", DARole.CHECKER)


@pytest.fixture
def checker2(participant):
    return initialised(participant, "B01234X3", DARole.CHECKER)


@pytest.fixture
def outsider(db):
    """A DA checker of another participant."""
    bank = Participant.objects.create(kind=ParticipantKind.HKSCC_DB, participant_id="BNK999",
                                      name="XYZ BANK", user_id_prefix="BNK999", max_users=20)
    return initialised(bank, "BNK999X2", DARole.CHECKER)


def dms_login(client, user):
    """Log a DA in at /dms/ with password and app code."""
    client.post("/dms/login/", {"user_id": user.username, "password": STRONG_PASSWORD})
    response = client.post("/login/otp/", {"otp": app_code(user)})
    assert response.status_code == 302 and response.url == "/dms/home/", response
    return client


@pytest.fixture
def maker_client(client, maker, checker, checker2):
    return dms_login(client, maker)


PROFILE = {
    "internal_external": "EXTERNAL", "status": "ENABLED", "surname": "WONG",
    "other_names": "Siu Ming", "email": "wong.siuming@abc-securities.example",
    "enable_from": "", "disable_after": "", "clearing_house_options": ["HKSCC"],
    "access_channel": "TERMINAL", "limit_default": "",
}


def confirm(client, req_url, checker_id, code=STRONG_PASSWORD):
    return client.post(req_url, {"checker_id": checker_id, "authorisation_code": code})

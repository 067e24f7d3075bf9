"""Client Connect people of ABC SECURITIES: a maker and two checkers, 2FA set up; its DAs."""

import pytest

from accounts.models import EU_USER_MAINTENANCE, ConnectRole, DARole, User
from tests.conftest import STRONG_PASSWORD
from tests.dms.conftest import initialised
from tests.helpers import app_code, register_app


def connect_user(company, email, role, *, rights=(EU_USER_MAINTENANCE,), password=True):
    user = User(username=email, connect_company=company, connect_role=role,
                connect_rights=list(rights), surname=email.split(".")[1].split("@")[0].upper(),
                other_names="Demo", email=email)
    if password:
        user.set_password(STRONG_PASSWORD)
        from django.utils import timezone

        user.password_set_at = timezone.now()
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@pytest.fixture
def das(participant):
    """The participant's DAs: a maker and two checkers (SPEC D5 satisfied)."""
    return [initialised(participant, "B01234X1", DARole.MAKER),
            initialised(participant, "B01234X2", DARole.CHECKER),
            initialised(participant, "B01234X3", DARole.CHECKER)]


@pytest.fixture
def cc_maker(participant):
    user = connect_user(participant, "cc.maker@abc-securities.example", ConnectRole.MAKER)
    register_app(user)
    return user


@pytest.fixture
def cc_checker(participant):
    user = connect_user(participant, "cc.checker1@abc-securities.example", ConnectRole.CHECKER)
    register_app(user)
    return user


@pytest.fixture
def cc_checker2(participant):
    user = connect_user(participant, "cc.checker2@abc-securities.example", ConnectRole.CHECKER)
    register_app(user)
    return user


@pytest.fixture
def staff(db, django_user_model):
    return django_user_model.objects.create_superuser("OPS1", "Ops-Staff-Passw0rd!xyz")


def connect_login(client, user):
    """Log a Client Connect user in at /connect/ with email, password and app code."""
    response = client.post("/connect/login/", {"user_id": user.username,
                                               "password": STRONG_PASSWORD})
    assert response.status_code == 302 and response.url == "/login/otp/", response
    response = client.post("/login/otp/", {"otp": app_code(user)})
    assert response.status_code == 302 and response.url == "/connect/", response
    return client

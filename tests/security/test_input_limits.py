"""Issue 10, defect 6: absurd input is refused with a 400-class answer, never hashed.

Every password field takes at most 128 characters (``CCASS_PASSWORD_MAX_LENGTH``); a request
body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused by Django before any view runs, with the
portal's own 400 page.
"""

import pytest
from django.conf import settings

from accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    ReauthenticateForm,
    SmartcardForm,
    StaffLoginForm,
)
from dms.forms import CheckerForm, CodeForm
from tests.conftest import STRONG_PASSWORD
from tests.dms.conftest import PROFILE, dms_login, initialised
from tests.helpers import register_app

pytestmark = pytest.mark.django_db

TOO_LONG = "Ab1!" + "x" * 125  # 129 characters
MEGABYTE = "A" * (1024 * 1024)


@pytest.fixture
def forbid_hashing(monkeypatch):
    """Call it to make any password hashing or checking from then on fail the test."""
    from django.contrib.auth import hashers

    def refuse(*args, **kwargs):
        raise AssertionError("a password was hashed")

    def arm():
        monkeypatch.setattr(hashers, "check_password", refuse)
        monkeypatch.setattr(hashers, "make_password", refuse)
        monkeypatch.setattr(hashers.Argon2PasswordHasher, "verify", refuse)
        monkeypatch.setattr(hashers.Argon2PasswordHasher, "encode", refuse)

    return arm


@pytest.fixture
def no_hashing(forbid_hashing):
    forbid_hashing()


def test_it_caps_passwords_at_128_characters():
    assert settings.CCASS_PASSWORD_MAX_LENGTH == 128


@pytest.mark.parametrize("form_class, field", [
    (LoginForm, "password"), (NewPasswordForm, "password"), (ChangePasswordForm, "password"),
    (ChangePasswordForm, "current_password"), (ReauthenticateForm, "current_password"),
    (StaffLoginForm, "password"), (SmartcardForm, "password"),
    (CheckerForm, "authorisation_code"), (CodeForm, "authorisation_code"),
])
def test_it_gives_every_secret_field_a_max_length(form_class, field):
    limit = form_class().fields[field].max_length
    assert limit is not None and limit <= 128


def test_it_refuses_a_129_character_password_at_log_in_with_400(client, end_user, no_hashing):
    response = client.post("/login/", {"user_id": end_user.username, "password": TOO_LONG})
    assert response.status_code == 400
    assert "The password may not be longer than 128 characters." in response.content.decode()


def test_it_accepts_128_characters_as_an_ordinary_wrong_password(client, end_user):
    response = client.post("/login/", {"user_id": end_user.username, "password": TOO_LONG[:-1]})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/login/", "/dms/login/", "/connect/login/"])
def test_it_refuses_a_one_megabyte_password_with_the_portals_400_page(client, url, end_user,
                                                                       no_hashing):
    response = client.post(url, {"user_id": end_user.username, "password": MEGABYTE})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="banner"' in page and "Bad request" in page


def test_it_caps_request_bodies():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 256 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 1000


def test_it_refuses_a_too_long_authorisation_code_with_400(client, participant, forbid_hashing):
    from accounts.models import DARole
    from dms.models import MaintenanceRequest

    maker = initialised(participant, "B01234X1", DARole.MAKER)
    checker = initialised(participant, "B01234X2", DARole.CHECKER)
    dms_login(client, maker)
    client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123405"})
    req = MaintenanceRequest.objects.get(participant=participant)
    forbid_hashing()
    response = client.post(f"/dms/requests/{req.pk}/confirm/", {
        "checker_id": checker.username, "authorisation_code": TOO_LONG})
    assert response.status_code == 400
    assert "128 characters" in response.content.decode()


def test_it_refuses_a_too_long_new_password_with_400(client, end_user):
    register_app(end_user)
    from tests.helpers import app_code

    client.post("/login/", {"user_id": end_user.username, "password": STRONG_PASSWORD})
    client.post("/login/otp/", {"otp": app_code(end_user)})
    response = client.post("/account/password/", {
        "password": TOO_LONG, "confirm_password": TOO_LONG})
    assert response.status_code == 400
    assert "The password may not be longer than 128 characters." in response.content.decode()

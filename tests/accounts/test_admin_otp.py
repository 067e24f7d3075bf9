"""SPEC L9: HKEX staff reach the admin only after password and OTP."""

import pytest

from tests.conftest import STRONG_PASSWORD
from tests.helpers import app_code, register_app

pytestmark = pytest.mark.django_db


def test_a_password_alone_does_not_open_the_admin(client, django_user_model):
    staff = django_user_model.objects.create_superuser("OPS1", "Ops-Staff-Passw0rd!xyz")
    register_app(staff)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_password_and_otp_open_the_admin(client, django_user_model):
    staff = django_user_model.objects.create_superuser("OPS1", "Ops-Staff-Passw0rd!xyz")
    device = register_app(staff)
    response = client.post("/admin/login/?next=/admin/", {
        "username": "ops1", "password": "Ops-Staff-Passw0rd!xyz",
        "otp_device": device.persistent_id, "otp_token": app_code(staff),
    })
    assert response.status_code == 302, response.text
    assert client.get("/admin/").status_code == 200


def test_a_wrong_otp_keeps_the_admin_closed(client, django_user_model):
    staff = django_user_model.objects.create_superuser("OPS1", "Ops-Staff-Passw0rd!xyz")
    device = register_app(staff)
    response = client.post("/admin/login/?next=/admin/", {
        "username": "ops1", "password": "Ops-Staff-Passw0rd!xyz",
        "otp_device": device.persistent_id, "otp_token": "000000",
    })
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_wrong_otps_at_the_admin_login_count_for_lockout(client, django_user_model):
    from accounts.models import LoginFailure

    staff = django_user_model.objects.create_superuser("OPS1", "Ops-Staff-Passw0rd!xyz")
    device = register_app(staff)
    for _ in range(3):
        client.post("/admin/login/?next=/admin/", {
            "username": "ops1", "password": "Ops-Staff-Passw0rd!xyz",
            "otp_device": device.persistent_id, "otp_token": "000000",
        })
    assert LoginFailure.objects.filter(user=staff, reason="OTP").count() == 1


def test_the_first_submit_takes_the_otp_and_every_admin_login_is_recorded(
        client, django_user_model):
    """SPEC A3, R1: the admin login is counted and recorded like every other login."""
    from accounts.audit import Event
    from accounts.models import AuditRecord, LoginFailure

    staff = django_user_model.objects.create_superuser("OPS1", "Ops-Staff-Passw0rd!xyz")
    register_app(staff)
    client.post("/admin/login/", {"username": "ops1", "password": "Wrong-Passw0rd!xyzabc",
                                  "otp_token": "000000"})
    assert LoginFailure.objects.filter(user=staff).count() == 1
    for _ in range(3):
        fresh = type(client)()
        page = fresh.get("/admin/login/").text
        assert 'name="otp_token"' in page and 'name="otp_device"' not in page
        code = app_code(staff)
        response = fresh.post("/admin/login/?next=/admin/", {
            "username": "ops1", "password": "Ops-Staff-Passw0rd!xyz", "otp_token": code})
        assert response.status_code == 302 and response.url == "/admin/", response
        assert fresh.get("/admin/").status_code == 200
        # One code, one login: the next login waits for the next 30-second step.
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.filter(user=staff).update(last_t=-1)
    assert AuditRecord.objects.filter(event=Event.LOGIN_SUCCESS, subject=staff).count() == 3
    staff.refresh_from_db()
    assert staff.failures_reset_at is not None  # the success reset the count


def test_a_participant_user_cannot_log_in_to_the_admin(client, end_user):
    register_app(end_user)
    response = client.post("/admin/login/", {
        "username": "B0123401", "password": STRONG_PASSWORD, "otp_token": app_code(end_user)})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302

"""SPEC L9: HKEX staff reach the admin only after password and OTP."""

import pytest

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

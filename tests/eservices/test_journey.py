"""The whole DA3 Add, as the people do it (issue 8): the Client Connect maker and checker on the
pages, HKEX in the admin, then the new DA sets up at /dms/ with "Forgot/Reset your password?"
and logs in (SPEC E1-E6, L3, L5, A7)."""

import pytest
from django.test import Client

from accounts.models import User
from eservices.models import EService, Status
from tests.eservices.test_pages import ADD, da3, fresh, save, step, submit
from tests.helpers import app_code, last_email_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brand-New9Password!x"


def set_up_at_dms(user_id, mailbox):
    """First time at DMS: Forgot/Reset, email OTP, new password, LOG IN, REGISTER DEVICE."""
    browser = Client()
    browser.post("/login/reset/", {"user_id": user_id, "portal": "dms"})
    browser.post("/login/reset/otp/", {"otp": last_email_code(mailbox)})
    done = browser.post("/login/reset/password/",
                        {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert "Your password has been successfully reset." in done.text
    response = browser.post("/dms/login/", {"user_id": user_id, "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == "/login/setup/", response
    register = browser.get("/login/setup/register/").text
    assert "REGISTER DEVICE" in register or "LOGIN USING VERIFICATION CODE" in register
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=user_id, confirmed=False)
    key = __import__("base64").b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(key[i:i + 4] for i in range(0, len(key), 4)) in register  # shown as text
    response = browser.post("/login/setup/verify/", {"otp": app_code(None, key_b32=key)})
    assert response.status_code == 302 and response.url == "/dms/home/", response
    assert "Logon Success" in browser.get("/dms/home/").text
    return browser


def through_the_pages(maker, checker, admin_client, data, django_capture_on_commit_callbacks):
    response = maker.post("/connect/eservices/new/DA3/")
    record = EService.objects.latest("pk")
    save(maker, record, data)
    with django_capture_on_commit_callbacks(execute=True):
        record = submit(maker, record, "Please process")
    assert record.status == Status.READY
    step(checker, record, "claim")
    with django_capture_on_commit_callbacks(execute=True):
        step(checker, record, "confirm", message="Checked")
    assert fresh(record).status == Status.SENT
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/eservices/eservice/{record.pk}/complete/",
                                     follow=True)
    assert response.status_code == 200
    assert fresh(record).status == Status.COMPLETED
    return fresh(record), response


@pytest.fixture
def maker(cc_maker):
    from tests.eservices.conftest import connect_login

    return connect_login(Client(), cc_maker)


@pytest.fixture
def checker(cc_checker):
    from tests.eservices.conftest import connect_login

    return connect_login(Client(), cc_checker)


def test_a_da3_add_ends_with_the_new_da_logged_in_to_dms(
        maker, checker, admin_client, das, cc_maker, mailoutbox,
        django_capture_on_commit_callbacks):
    record, admin_page = through_the_pages(maker, checker, admin_client, da3(ADD),
                                           django_capture_on_commit_callbacks)
    [assigned] = record.result["applied"]
    user_id = assigned["user_id"]
    assert user_id == "B01234X4"
    assert user_id in admin_page.text  # HKEX sees the assigned User ID on the record
    # The maker reads it in the completion email and on the record page.
    [done] = [m for m in mailoutbox if "the eService is Completed" in m.body]
    assert cc_maker.email in done.to and user_id in done.body
    assert user_id in maker.get(f"/connect/eservices/{record.pk}/").text
    new_da = User.objects.get(username=user_id)
    assert (new_da.email, new_da.da_role) == ("kh.lee@abc-securities.example", "CHECKER")

    set_up_at_dms(user_id, mailoutbox)


def test_a_da3_unlock_lets_a_locked_da_set_up_again(
        maker, checker, admin_client, das, mailoutbox, django_capture_on_commit_callbacks):
    locked = User.objects.get(username="B01234X3")
    User.objects.filter(pk=locked.pk).update(is_locked=True)
    data = da3({"type": "UNLOCK", "user_id": "B01234X3", "action": "UNLOCK"})
    through_the_pages(maker, checker, admin_client, data, django_capture_on_commit_callbacks)
    user = User.objects.get(pk=locked.pk)
    assert not user.is_locked and not user.has_usable_password()
    assert not user.totpdevice_set.exists()  # SPEC A7: the device is gone
    set_up_at_dms("B01234X3", mailoutbox)

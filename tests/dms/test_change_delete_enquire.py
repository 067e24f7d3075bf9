"""SPEC D2, D3, A6, A7: Change (incl. Unlock/Reset OTP Device Registration), Delete, Enquire."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import Event
from accounts.models import AuditRecord, User
from dms.models import MaintenanceRequest
from tests.conftest import STRONG_PASSWORD, make_user
from tests.dms.conftest import PROFILE, confirm, initialised

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_user(participant):
    return initialised(participant, "B0123401")


@pytest.fixture
def migrated(participant):
    """Launch-day profile: smartcard, no password, no OTP channel."""
    return make_user(participant, "B0123402", password=None, smartcard_srn="0101101200012AB2")


def change(client, user_id, **overrides):
    return client.post(f"/dms/profiles/change/{user_id}/", {
        **PROFILE, "surname": "CHAN", "other_names": "Tai Man",
        "email": f"{user_id.lower()}@abc-securities.example", **overrides,
    })


def test_the_prompt_leads_to_the_detail(maker_client, app_user):
    page = maker_client.get("/dms/profiles/change/").text
    for label in ["Change User Profile - Prompt", "User ID", "Submit", "Search by",
                  "User Name", "Search Filter", "List", "Refresh"]:
        assert label in page, label
    response = maker_client.get("/dms/profiles/change/?user_id=b0123401&submit=1")
    assert response.url == "/dms/profiles/change/B0123401/"
    page = maker_client.get(response.url).text
    assert "Change User Profile - Detail" in page and "This is an end-user profile" in page
    assert "Unlock/Reset OTP Device Registration" in page


def test_an_unknown_user_id_gets_a_clear_message(maker_client):
    page = maker_client.get("/dms/profiles/change/?user_id=B0123499&submit=1").text
    assert "User ID B0123499 is not a profile of B01234 ABC SECURITIES." in page


def test_a_change_registers_the_email_after_confirmation(maker_client, app_user):
    response = change(maker_client, "B0123401", email="new.mail@abc-securities.example")
    assert User.objects.get(pk=app_user.pk).email == "b0123401@abc-securities.example"
    response = confirm(maker_client, response.url, "B01234X2")
    assert "THE ABOVE USER PROFILE IS CHANGED SUCCESSFULLY" in response.text
    assert User.objects.get(pk=app_user.pk).email == "new.mail@abc-securities.example"
    record = AuditRecord.objects.get(event="DMS_CHANGE_APPROVED")
    assert record.before["email"] == "b0123401@abc-securities.example"
    assert record.after["email"] == "new.mail@abc-securities.example"


def test_nothing_changed_is_refused(maker_client, app_user):
    response = change(maker_client, "B0123401")
    assert "Nothing has been changed." in response.text
    assert not MaintenanceRequest.objects.exists()


def test_unlock_reset_otp_restarts_first_time_set_up(
    maker_client, app_user, client, django_capture_on_commit_callbacks, mailoutbox
):
    app_user.is_locked = True
    app_user.save(update_fields=["is_locked"])
    response = change(maker_client, "B0123401", reset_otp="on")
    page = maker_client.get(response.url).text
    assert "Will Unlock/Reset OTP Device Registration" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(maker_client, response.url, "B01234X2")
    assert "THE ABOVE USER PROFILE IS CHANGED SUCCESSFULLY" in response.text
    user = User.objects.get(pk=app_user.pk)
    assert not user.is_locked and not user.has_usable_password()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditRecord.objects.filter(event=Event.OTP_RESET, subject=user).exists()
    # The DAs are told, without a link.
    notice = [m for m in mailoutbox if "B0123401" in m.subject and "reset" in m.subject]
    assert notice and "b01234x1@abc-securities.example" in notice[0].to
    assert "http" not in notice[0].body
    # The profile now shows the first-time state ...
    page = maker_client.get("/dms/profiles/enquire/B0123401/").text
    assert "OTP Enabled" not in page
    # ... and the user's next login goes through set-up again.
    response = client.post("/login/", {"user_id": "B0123401", "password": STRONG_PASSWORD})
    assert "Invalid User ID or Password" in response.text
    response = client.post("/login/reset/", {"user_id": "B0123401"}, follow=True)
    assert "Please Enter Your One Time Password, Or Request A New One" in response.text


def test_a_da_profile_cannot_be_reset_nor_given_a_role_by_a_da(maker_client, checker):
    page = maker_client.get("/dms/profiles/change/B01234X2/").text
    assert "This is a Delegated Administrator profile" in page
    assert "Unlock/Reset OTP Device Registration" not in page
    assert 'name="da_role"' not in page
    from dms.services import DmsRefused, request_change

    with pytest.raises(DmsRefused, match="eService DA3"):
        request_change(maker=User.objects.get(username="B01234X1"), subject=checker,
                       values={}, reset_otp=True)


def test_one_pending_request_per_profile(maker_client, app_user):
    assert change(maker_client, "B0123401", surname="LEE").status_code == 302
    response = change(maker_client, "B0123401", surname="HO")
    assert "User ID B0123401 already has a request waiting for authorisation." in response.text
    assert MaintenanceRequest.objects.count() == 1


def test_approval_is_refused_if_the_profile_changed_meanwhile(maker_client, app_user):
    response = change(maker_client, "B0123401", surname="LEE")
    User.objects.filter(pk=app_user.pk).update(email="elsewhere@abc-securities.example")
    response = confirm(maker_client, response.url, "B01234X2")
    assert "The profile has changed since this request was made" in response.text
    assert User.objects.get(pk=app_user.pk).surname == "CHAN"


def test_delete_retires_the_profile_and_tells_the_das(
    maker_client, app_user, django_capture_on_commit_callbacks, mailoutbox
):
    page = maker_client.get("/dms/profiles/delete/B0123401/").text
    assert "Delete User Profile - Detail" in page
    assert "Locked" in page and "OTP Enabled" in page
    response = maker_client.post("/dms/profiles/delete/B0123401/")
    assert User.objects.get(pk=app_user.pk).is_active
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(maker_client, response.url, "B01234X3")
    assert "THE ABOVE USER PROFILE IS DELETED SUCCESSFULLY" in response.text
    user = User.objects.get(pk=app_user.pk)
    assert not user.is_active and user.deleted_at
    assert any("B0123401 has been deleted" in m.subject for m in mailoutbox)
    # Its User ID stays retired.
    page = maker_client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123401"}).text
    assert "User IDs are never reused" in page


def test_a_da_profile_cannot_be_deleted_by_a_da(maker_client, checker):
    response = maker_client.post("/dms/profiles/delete/B01234X2/")
    assert "deleted by HKEX" in response.text
    assert not MaintenanceRequest.objects.exists()


def test_enquire_shows_smartcard_fields_before_2fa_and_2fa_fields_after(
    maker_client, migrated, app_user
):
    page = maker_client.get("/dms/profiles/enquire/B0123402/").text
    assert "SRN (for user using smartcard)" in page and "0101101200012AB2" in page
    assert "Certificate Expiry Date" in page
    assert "OTP Enabled" not in page
    page = maker_client.get("/dms/profiles/enquire/B0123401/").text
    assert "Locked" in page and "OTP Enabled" in page
    assert "SRN (for user using smartcard)" not in page


def test_enquire_lists_by_user_id_or_name_with_remarks(maker_client, app_user, migrated):
    page = maker_client.get("/dms/profiles/enquire/?list=1&search_by=user_id&search_filter=").text
    for user_id in ["B0123401", "B0123402", "B01234X1", "B01234X2", "B01234X3"]:
        assert user_id in page
    assert page.count("Delegated Administrator") == 3
    page = maker_client.get(
        "/dms/profiles/enquire/?list=1&search_by=user_name&search_filter=nobody").text
    assert "No user profile matches." in page
    page = maker_client.get(
        "/dms/profiles/enquire/?list=1&search_by=user_id&search_filter=B012340").text
    assert "/enquire/B0123401/" in page and "/enquire/B01234X1/" not in page


def test_another_participants_profile_is_not_found(maker_client, outsider):
    assert maker_client.get("/dms/profiles/enquire/BNK999X2/").status_code == 404
    page = maker_client.get("/dms/profiles/enquire/?list=1&search_by=user_id&search_filter=").text
    assert "BNK999X2" not in page

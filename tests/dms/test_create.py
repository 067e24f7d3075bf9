"""SPEC D2-D4, P4, P5: Create User Profile under maker-checker."""

import pytest

from accounts.models import AuditRecord, User
from dms.models import MaintenanceRequest, RequestStatus
from tests.dms.conftest import PROFILE, confirm

pytestmark = pytest.mark.django_db


def create(client, user_id="B0123405", **overrides):
    return client.post("/dms/profiles/create/", {**PROFILE, "user_id": user_id, **overrides})


def test_the_menu_has_the_documents_labels(maker_client):
    page = maker_client.get("/dms/home/").text
    for label in ["Maintain User Profile", "Create User Profile", "Change User Profile",
                  "Delete User Profile", "Enquire User Profile", "View Listings",
                  "User Profile Listing", "View Reports", "Site Map", "Logout",
                  "Change Password", "Logon Success"]:
        assert label in page, label


def test_generate_user_id_proposes_the_next_free_end_user_id(maker_client, participant):
    page = maker_client.post("/dms/profiles/create/", {"user_id": "", "generate": "1"}).text
    assert "Create User Profile - Detail" in page
    assert "This is an end-user profile" in page
    assert "B01234 ABC SECURITIES" in page
    assert 'value="B0123401"' in page  # B01234X1-X3 are DAs; 01 is free


def test_create_then_confirm_creates_the_profile(maker_client, checker):
    response = create(maker_client)
    req = MaintenanceRequest.objects.get()
    assert response.url == f"/dms/requests/{req.pk}/confirm/"
    assert not User.objects.filter(username="B0123405").exists()  # nothing until confirmed
    page = maker_client.get(response.url).text
    assert "Create User Profile - Confirmation" in page
    assert "Checker ID" in page and "Authorisation Code" in page and "Confirm" in page
    response = confirm(maker_client, response.url, "B01234X2")
    assert "THE ABOVE USER PROFILE IS CREATED SUCCESSFULLY" in response.text
    user = User.objects.get(username="B0123405")
    assert (user.surname, user.email, user.participant.participant_id) == (
        "WONG", "wong.siuming@abc-securities.example", "B01234")
    assert not user.has_usable_password() and not user.has_smartcard
    req.refresh_from_db()
    assert (req.status, req.maker.username, req.checker.username) == (
        RequestStatus.APPROVED, "B01234X1", "B01234X2")
    record = AuditRecord.objects.get(event="DMS_CREATE_APPROVED")
    assert record.details["maker"] == "B01234X1" and record.details["checker"] == "B01234X2"
    assert record.after["surname"] == "WONG"


def test_a_da_shaped_or_foreign_user_id_is_refused(maker_client):
    response = create(maker_client, user_id="B01234X9")
    assert "kept for Delegated Administrators" in response.text
    response = create(maker_client, user_id="BNK99901")
    assert "starts with B01234" in response.text
    assert not MaintenanceRequest.objects.exists()


def test_a_retired_user_id_is_never_reused(maker_client, participant):
    from tests.conftest import make_user

    gone = make_user(participant, "B0123405")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    response = create(maker_client, user_id="B0123405")
    assert "User IDs are never reused" in response.text
    assert not MaintenanceRequest.objects.exists()


def test_the_quota_is_enforced(maker_client, participant):
    participant.max_users = 4  # 3 DAs + 1 spare
    participant.save(update_fields=["max_users"])
    assert create(maker_client, user_id="B0123405").status_code == 302
    response = create(maker_client, user_id="B0123406")
    assert "No spare user account: MAX. NO. OF USERS is 4." in response.text
    assert "eService DA4" in response.text
    assert MaintenanceRequest.objects.count() == 1


def test_bad_input_gets_a_message_and_changes_nothing(maker_client):
    response = create(maker_client, email="not-an-email", surname="")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert "This field is required." in response.text
    assert not MaintenanceRequest.objects.exists()


def test_a_group_mailbox_gets_a_warning_not_a_refusal(maker_client):
    response = create(maker_client, email="settlement@gmail.com")
    page = maker_client.get(response.url).text
    assert "An email address with your corporate domain is recommended." in page
    assert "This looks like a group mailbox" in page


def test_only_a_maker_can_create(client, maker, checker, checker2):
    from tests.dms.conftest import dms_login

    dms_login(client, checker)
    response = create(client)
    assert "Only a DA maker can create, change or delete user profiles." in response.text
    assert not MaintenanceRequest.objects.exists()

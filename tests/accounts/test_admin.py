"""HKEX staff in the admin: every change audited (SPEC R1), unlock through the service."""

import pytest

from accounts.audit import Event
from accounts.models import AuditRecord, Participant, User
from accounts.services import authenticate_password

pytestmark = pytest.mark.django_db


def test_a_participant_change_is_recorded_with_before_and_after(admin_client, participant):
    response = admin_client.post(
        f"/admin/accounts/participant/{participant.pk}/change/",
        {"participant_id": "B01234", "name": "ABC SECURITIES LTD"},
    )
    assert response.status_code == 302
    record = AuditRecord.objects.get(event=Event.ADMIN_ACTION)
    assert record.participant == participant
    assert (record.before, record.after) == ({"name": "ABC SECURITIES"},
                                             {"name": "ABC SECURITIES LTD"})
    assert record.actor.username == "ADMIN"


def test_max_no_of_users_is_read_only_once_the_participant_exists(admin_client, participant):
    """SPEC P5: after creation only a completed eService DA4 raises the quota."""
    page = admin_client.get(f"/admin/accounts/participant/{participant.pk}/change/").text
    assert 'name="max_users"' not in page
    admin_client.post(f"/admin/accounts/participant/{participant.pk}/change/",
                      {"participant_id": "B01234", "name": "ABC SECURITIES", "max_users": "99",
                       "user_id_prefix": "B09999"})
    participant.refresh_from_db()
    assert (participant.max_users, participant.user_id_prefix) == (20, "B01234")


def test_a_bad_prefix_is_refused_with_a_message_and_nothing_changes(admin_client, participant):
    response = admin_client.post(
        "/admin/accounts/participant/add/",
        {"kind": "HKSCC_CP", "participant_id": "B05678", "name": "DEF SECURITIES",
         "user_id_prefix": "HKABC1", "max_users": "20"},
    )
    assert response.status_code == 200
    assert "A HKSCC Clearing Participant prefix is a letter and 5 digits" in response.text
    assert not Participant.objects.filter(participant_id="B05678").exists()
    assert not AuditRecord.objects.filter(event=Event.ADMIN_ACTION).exists()


def test_the_unlock_action_unlocks_and_records(admin_client, end_user):
    for _ in range(5):
        authenticate_password(username="B0123401", password="Wrong-Password99!")
    assert User.objects.get(pk=end_user.pk).is_locked
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "unlock_accounts", "_selected_action": [end_user.pk]},
        follow=True,
    )
    assert "Unlocked: B0123401." in response.text
    assert not User.objects.get(pk=end_user.pk).is_locked
    assert AuditRecord.objects.filter(event=Event.ACCOUNT_UNLOCKED, subject=end_user).count() == 1


def test_users_cannot_be_deleted_from_the_admin(admin_client, end_user):
    response = admin_client.post(f"/admin/accounts/user/{end_user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=end_user.pk).exists()


def test_the_admin_warns_when_a_participant_lacks_das(admin_client, participant):
    from tests.conftest import make_user

    make_user(participant, "B01234X1", role="MAKER")
    listing = admin_client.get("/admin/accounts/participant/").text
    assert "should have at least one DA maker and two DA checkers" in listing
    page = admin_client.get(f"/admin/accounts/participant/{participant.pk}/change/").text
    assert "1 maker(s) and 0 checker(s)" in page

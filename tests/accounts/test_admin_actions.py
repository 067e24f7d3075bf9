"""The admin changes a profile's security state only through the accounts actions (SPEC R1,
A3, A4, A7, P5): the fields are read-only there, the actions audited."""

import pytest

from accounts.audit import Event
from accounts.models import AuditRecord, User
from tests.conftest import STRONG_PASSWORD
from tests.helpers import register_app

pytestmark = pytest.mark.django_db


def test_security_fields_are_read_only_on_the_change_page(admin_client, maker):
    page = admin_client.get(f"/admin/accounts/user/{maker.pk}/change/").text
    for field in ("da_role", "status", "is_locked", "username", "participant"):
        assert f'name="{field}"' not in page, field
    assert "DA maker" in page  # shown, not editable


def test_posting_a_da_role_or_status_changes_nothing(admin_client, end_user):
    admin_client.post(f"/admin/accounts/user/{end_user.pk}/change/", {
        "surname": "CHAN", "other_names": "Tai Man", "email": end_user.email,
        "internal_external": "EXTERNAL", "access_channel": "TERMINAL",
        "clearing_house_options": "[]", "da_role": "MAKER", "status": "DISABLED",
        "is_locked": "on",
    })
    user = User.objects.get(pk=end_user.pk)
    assert (user.da_role, user.status, user.is_locked) == ("", "ENABLED", False)


def test_a_profile_edit_goes_through_the_profile_action(admin_client, end_user):
    response = admin_client.post(f"/admin/accounts/user/{end_user.pk}/change/", {
        "surname": "WONG", "other_names": "Tai Man", "email": end_user.email,
        "internal_external": "EXTERNAL", "access_channel": "TERMINAL",
        "clearing_house_options": "[]", "transaction_limit": "",
    })
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert User.objects.get(pk=end_user.pk).surname == "WONG"
    record = AuditRecord.objects.get(event=Event.PROFILE_CHANGED)
    assert (record.before, record.after) == ({"surname": "CHAN"}, {"surname": "WONG"})
    assert record.actor.username == "ADMIN"


def test_the_reset_action_resets_otp_device_registration(admin_client, end_user):
    register_app(end_user)
    User.objects.filter(pk=end_user.pk).update(is_locked=True)
    response = admin_client.post("/admin/accounts/user/", {
        "action": "reset_otp_registration", "_selected_action": [end_user.pk]}, follow=True)
    assert "Unlocked and reset: B0123401." in response.text
    user = User.objects.get(pk=end_user.pk)
    assert not user.is_locked and not user.has_usable_password()
    assert not user.check_password(STRONG_PASSWORD)
    assert not user.totpdevice_set.exists()
    assert AuditRecord.objects.get(event=Event.OTP_RESET).subject == user


def test_disable_and_enable_actions(admin_client, end_user):
    admin_client.post("/admin/accounts/user/", {
        "action": "disable_profiles", "_selected_action": [end_user.pk]})
    assert User.objects.get(pk=end_user.pk).status == "DISABLED"
    admin_client.post("/admin/accounts/user/", {
        "action": "enable_profiles", "_selected_action": [end_user.pk]})
    assert User.objects.get(pk=end_user.pk).status == "ENABLED"
    assert AuditRecord.objects.filter(event=Event.PROFILE_CHANGED, subject=end_user).count() == 2


def test_a_participants_password_cannot_be_set_by_hkex(admin_client, end_user):
    response = admin_client.post(f"/admin/accounts/user/{end_user.pk}/password/", {
        "password1": "Another-Strong9Password!", "password2": "Another-Strong9Password!"})
    assert response.status_code == 403
    assert User.objects.get(pk=end_user.pk).check_password(STRONG_PASSWORD)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_actions_lock_rows_on_postgresql(end_user, staff_user):
    """The actions lock the user row alone (PostgreSQL refuses FOR UPDATE on an outer join)."""
    from accounts import services

    assert services.user_status_set(target=end_user, actor=staff_user, status="DISABLED")
    assert services.user_profile_update(target=end_user, actor=staff_user,
                                        values={"surname": "WONG"})
    services.user_otp_reset(target=end_user, actor=staff_user)
    services.user_retire(target=end_user, actor=staff_user)
    assert not User.objects.get(pk=end_user.pk).is_active


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser("OPS1", "Ops-Staff-Passw0rd!xyz")

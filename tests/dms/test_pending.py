"""Beyond the real system: requests left pending, authorised later from the checker's session."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditRecord, DARole, User
from dms.models import MaintenanceRequest, RequestStatus
from dms.services import end_of_business_day, requests_expire, spare_accounts
from dms.tasks import expire_pending_requests
from tests.conftest import STRONG_PASSWORD
from tests.dms.conftest import PROFILE, dms_login

pytestmark = pytest.mark.django_db

HK = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def left_pending(maker_client):
    maker_client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123405"})
    return MaintenanceRequest.objects.get()


def test_a_checker_authorises_from_their_own_session(client, left_pending, checker):
    dms_login(client, checker)
    page = client.get("/dms/pending/").text
    assert "Pending Authorisation" in page and "B0123405" in page and "B01234X1" in page
    response = client.post(f"/dms/requests/{left_pending.pk}/approve/",
                           {"authorisation_code": STRONG_PASSWORD}, follow=True)
    assert ("User ID B0123405 (WONG Siu Ming): the Create User Profile request is authorised. "
            "THE ABOVE USER PROFILE IS CREATED SUCCESSFULLY") in response.text
    left_pending.refresh_from_db()
    assert (left_pending.status, left_pending.checker) == (RequestStatus.APPROVED, checker)
    # The profile really exists, with the values the maker typed (SPEC D4) ...
    created = User.objects.get(username="B0123405")
    assert (created.participant, created.surname, created.other_names, created.email) == (
        left_pending.participant, "WONG", "Siu Ming", "wong.siuming@abc-securities.example")
    assert created.is_active and not created.has_usable_password()  # SPEC A6: 2FA set-up first
    assert left_pending.subject == created
    # ... and the approval is recorded with both people.
    record = AuditRecord.objects.get(event="DMS_CREATE_APPROVED")
    assert (record.actor, record.subject) == (checker, created)
    assert "No request is waiting for authorisation." in client.get("/dms/pending/").text


def test_a_change_authorised_from_the_list_changes_the_profile(maker_client, checker,
                                                              participant):
    from tests.dms.conftest import initialised

    user = initialised(participant, "B0123401")
    response = maker_client.post("/dms/profiles/change/B0123401/", {
        **PROFILE, "surname": "CHAN", "other_names": "Tai Man",
        "email": "new.mail@abc-securities.example"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).email == "b0123401@abc-securities.example"
    req = MaintenanceRequest.objects.get()
    client = dms_login(maker_client, checker)  # the checker, in their own DMS session
    response = client.post(f"/dms/requests/{req.pk}/approve/",
                           {"authorisation_code": STRONG_PASSWORD}, follow=True)
    assert ("User ID B0123401 (CHAN Tai Man): the Change User Profile request is authorised. "
            "THE ABOVE USER PROFILE IS CHANGED SUCCESSFULLY") in response.text
    assert User.objects.get(pk=user.pk).email == "new.mail@abc-securities.example"
    record = AuditRecord.objects.get(event="DMS_CHANGE_APPROVED")
    assert (record.actor, record.subject) == (checker, user)
    assert record.after["email"] == "new.mail@abc-securities.example"


def test_the_same_rules_apply_from_the_pending_list(maker_client, left_pending):
    # The maker is logged in: they cannot authorise their own request from the list either.
    response = maker_client.post(f"/dms/requests/{left_pending.pk}/approve/",
                                 {"authorisation_code": STRONG_PASSWORD}, follow=True)
    assert "The maker cannot authorise their own request." in response.text
    assert MaintenanceRequest.objects.get().status == RequestStatus.PENDING
    assert not User.objects.filter(username="B0123405").exists()
    # The request stays for a real checker, who can still authorise it.
    dms_login(maker_client, User.objects.get(username="B01234X2"))
    maker_client.post(f"/dms/requests/{left_pending.pk}/approve/",
                      {"authorisation_code": STRONG_PASSWORD})
    assert MaintenanceRequest.objects.get().status == RequestStatus.APPROVED
    assert User.objects.filter(username="B0123405").exists()


def test_a_wrong_code_from_the_list_counts_and_changes_nothing(client, left_pending, checker):
    dms_login(client, checker)
    response = client.post(f"/dms/requests/{left_pending.pk}/approve/",
                           {"authorisation_code": "Wrong-Password99!"}, follow=True)
    assert "Checker ID or Authorisation Code is incorrect." in response.text
    assert checker.login_failures.count() == 1
    assert not User.objects.filter(username="B0123405").exists()
    assert MaintenanceRequest.objects.get().status == RequestStatus.PENDING


def test_a_checker_rejects_with_a_reason(client, left_pending, checker):
    dms_login(client, checker)
    response = client.post(f"/dms/requests/{left_pending.pk}/reject/",
                           {"authorisation_code": STRONG_PASSWORD, "reason": "Wrong name"},
                           follow=True)
    assert "B0123405: the request has been rejected." in response.text
    left_pending.refresh_from_db()
    assert (left_pending.status, left_pending.reason) == (RequestStatus.REJECTED, "Wrong name")
    assert left_pending.checker == checker
    record = AuditRecord.objects.get(event="DMS_CREATE_REJECTED")
    assert (record.actor, record.reason) == (checker, "Wrong name")
    assert not User.objects.filter(username="B0123405").exists()
    assert spare_accounts(left_pending.participant) == 20 - 3


def test_a_pending_create_reserves_its_quota_slot(maker_client, left_pending, participant):
    assert spare_accounts(participant) == 20 - 3 - 1
    participant.max_users = 4
    participant.save(update_fields=["max_users"])
    response = maker_client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123406"})
    assert "No spare user account" in response.text


def test_pending_requests_expire_at_the_end_of_the_business_day(left_pending, participant):
    assert timezone.localtime(left_pending.expires_at).date() == timezone.localdate()
    later = left_pending.expires_at + dt.timedelta(seconds=1)
    assert requests_expire(now=later) == 1
    left_pending.refresh_from_db()
    assert left_pending.status == RequestStatus.EXPIRED
    assert AuditRecord.objects.filter(event="DMS_CREATE_EXPIRED").count() == 1
    assert spare_accounts(participant) == 20 - 3  # the slot is free again


def test_an_expired_request_cannot_be_authorised(maker_client, left_pending):
    MaintenanceRequest.objects.filter(pk=left_pending.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = maker_client.post(f"/dms/requests/{left_pending.pk}/confirm/",
                                 {"checker_id": "B01234X2", "authorisation_code": STRONG_PASSWORD})
    assert "This request has expired at the end of the business day" in response.text
    assert not User.objects.filter(username="B0123405").exists()


def test_the_beat_task_expires_what_is_due(left_pending):
    MaintenanceRequest.objects.filter(pk=left_pending.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert expire_pending_requests.apply().get() == 1
    assert MaintenanceRequest.objects.get().status == RequestStatus.EXPIRED


@pytest.mark.parametrize(("now", "closing"), [
    (dt.datetime(2026, 11, 23, 10, 0, tzinfo=HK), dt.datetime(2026, 11, 23, 19, 0, tzinfo=HK)),
    (dt.datetime(2026, 11, 28, 10, 0, tzinfo=HK), dt.datetime(2026, 11, 28, 13, 0, tzinfo=HK)),
    (dt.datetime(2026, 11, 23, 20, 0, tzinfo=HK),
     dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=HK)),
    (dt.datetime(2026, 11, 29, 10, 0, tzinfo=HK),
     dt.datetime(2026, 11, 29, 23, 59, 59, tzinfo=HK)),
])
def test_the_business_day_ends_when_dms_closes(now, closing):
    assert end_of_business_day(now) == closing


def test_the_reports_show_who_made_and_who_authorised(client, left_pending, checker):
    dms_login(client, checker)
    client.post(f"/dms/requests/{left_pending.pk}/approve/",
                {"authorisation_code": STRONG_PASSWORD})
    page = client.get("/dms/reports/").text
    assert "View Reports" in page and "User maintenance activity" in page
    assert "Create User Profile" in page and "B0123405" in page
    assert "B01234X1" in page and "B01234X2" in page and "Authorised" in page
    assert "Login activity" in page and "LOGIN_SUCCESS" in page


def test_the_site_map_links_every_function(maker_client):
    page = maker_client.get("/dms/sitemap/").text
    for label in ["Site Map", "Create User Profile", "Change User Profile", "Delete User Profile",
                  "Enquire User Profile", "User Profile Listing", "View Reports",
                  "Change Password"]:
        assert label in page, label


def test_dms_warns_when_a_participant_lacks_das(client, maker, checker):
    dms_login(client, maker)  # one maker, one checker: a second checker is missing
    page = client.get("/dms/home/").text
    assert "should have at least one DA maker and two DA checkers" in page
    assert "1 maker(s) and 1 checker(s)" in page


def test_no_warning_with_one_maker_and_two_checkers(maker_client):
    assert "should have at least one DA maker" not in maker_client.get("/dms/home/").text


def test_das_get_business_groups_only_after_decommissioning(maker_client, checker):
    from accounts.models import BusinessUserGroup
    from terminal.models import AuthenticationArrangement

    BusinessUserGroup.objects.create(code="SETTLE", name="Settlement", clearing_house="HKSCC")
    AuthenticationArrangement.objects.create(launch_date=dt.date(2023, 6, 12),
                                             decommission_date=dt.date(2099, 1, 1))
    values = {**PROFILE, "surname": "CHAN", "other_names": "Tai Man",
              "email": "b01234x2@abc-securities.example", "business_user_groups": ["SETTLE"]}
    response = maker_client.post("/dms/profiles/change/B01234X2/", values)
    assert "only after the decommissioning of smartcard" in response.text
    AuthenticationArrangement.objects.update(decommission_date=dt.date(2023, 9, 4))
    assert maker_client.post("/dms/profiles/change/B01234X2/", values).status_code == 302


def test_an_end_user_cannot_use_dms_pages(client, participant):
    from tests.dms.conftest import initialised

    user = initialised(participant, "B0123401", DARole.NONE)
    client.force_login(user)
    assert client.get("/dms/home/").status_code == 302
    assert client.get("/dms/listing/").status_code == 302

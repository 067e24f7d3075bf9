"""HKEX staff process eServices in the admin (SPEC E5, E6, A7, P5, D6, R1): the list, the
record page, "Complete" and "Reject" through the services, and nothing editable."""

from html import unescape

import pytest
from django.test import Client
from django_otp import devices_for_user

from accounts.models import AuditRecord, ConnectRole, Participant, ParticipantKind, User
from accounts.services import authenticate_password
from eservices.models import EService, EServiceStep, Status
from tests.conftest import make_user
from tests.dms.conftest import PROFILE, confirm, dms_login
from tests.eservices.conftest import connect_user
from tests.eservices.test_services import CONTACT, da3_add, sent, submitted

pytestmark = pytest.mark.django_db

LIST = "/admin/eservices/eservice/"
SUBJECT = ("DA 3 - CCASS/ CCMS Delegated Administrator Application/ Maintenance Form "
           "(DA3_00000001 from B01234)")


def page_of(record):
    return f"{LIST}{record.pk}/change/"


def complete(client, record, **kwargs):
    return client.post(f"{LIST}{record.pk}/complete/", **kwargs)


def notices(mailbox, subject=SUBJECT):
    return [m for m in mailbox if m.subject == subject]


@pytest.fixture
def bank_record(db):
    """A DA4 of another company, Ready to Send to HKEX."""
    bank = Participant.objects.create(kind=ParticipantKind.HKSCC_DB, participant_id="BNK999",
                                      name="XYZ BANK", user_id_prefix="BNK999", max_users=20)
    maker = connect_user(bank, "cc.maker@xyz-bank.example", ConnectRole.MAKER)
    return submitted(maker, {"accounts": 1, "remarks": "", "declaration": True,
                             "contacts": CONTACT}, form="DA4")


def test_it_lists_submitted_records_with_the_documents_columns(
        admin_client, das, cc_maker, cc_checker, bank_record):
    record = sent(cc_maker, cc_checker, da3_add())
    from eservices import services

    services.eservice_create(form="DA3", actor=cc_maker)  # a draft: the company's own work
    page = admin_client.get(LIST).text
    for column in ["Reference Number", "Form", "Company", "Status", "Last update (HKT)"]:
        assert column in page, column
    assert "DA3_00000001" in page and "DA4_00000001" in page
    assert "B01234 ABC SECURITIES" in page and "BNK999 XYZ BANK" in page
    assert "Sent to HKEX" in page and " HKT" in page
    assert "2 eServices" in page  # the unsubmitted draft is not listed
    assert f'href="{page_of(record)}' in page
    for heading in ["By status", "By form", "By participant"]:  # the filter panel
        assert heading in page, heading
    assert 'href="?status__exact=SENT"' in page and 'href="?form__exact=DA4"' in page
    assert f'href="?participant__id__exact={bank_record.participant_id}"' in page


@pytest.mark.parametrize("query, shown, hidden", [
    ("status__exact=SENT", "DA3_00000001", "DA4_00000001"),
    ("status__exact=READY", "DA4_00000001", "DA3_00000001"),
    ("form__exact=DA4", "DA4_00000001", "DA3_00000001"),
    ("q=DA3_00000001", "DA3_00000001", "DA4_00000001"),
    ("q=BNK999", "DA4_00000001", "DA3_00000001"),
])
def test_it_filters_by_status_form_and_searches_reference_or_participant(
        admin_client, das, cc_maker, cc_checker, bank_record, query, shown, hidden):
    sent(cc_maker, cc_checker, da3_add())
    page = admin_client.get(f"{LIST}?{query}").text
    assert shown in page and hidden not in page


def test_it_filters_by_participant(admin_client, das, cc_maker, cc_checker, bank_record):
    sent(cc_maker, cc_checker, da3_add())
    page = admin_client.get(f"{LIST}?participant__id__exact={bank_record.participant_id}").text
    assert "DA4_00000001" in page and "DA3_00000001" not in page


def test_the_record_page_shows_the_form_as_submitted_and_the_buttons(
        admin_client, das, cc_maker, cc_checker):
    record = sent(cc_maker, cc_checker, da3_add())
    page = admin_client.get(page_of(record)).text
    assert "DA 3 CCASS/ CCMS DELEGATED ADMINISTRATOR APPLICATION/ MAINTENANCE FORM" in page
    for text in ["Reference Number:", "DA3_00000001", "HKT Sent to HKEX", "COMPANY INFORMATION",
                 "HKSCC Participant (B01234)", "MAINTENANCE REQUEST",
                 "DETAILS OF REQUESTS", "Request 1: DETAILS OF ADD REQUEST", "Lee", "Ka Ho",
                 "kh.lee@abc-securities.example", "DA checker", "Remarks",
                 "We confirm that we understand and accept the above.",
                 "CONTACT INFORMATION", "Name of Contact Person", "AAA", "29797111",
                 "History", "SUBMIT", "Please check", "CLAIM", "CONFIRM", "Download PDF"]:
        assert text in page, text
    assert f'action="{LIST}{record.pk}/complete/"' in page and 'value="Complete"' in page
    assert f'action="{LIST}{record.pk}/reject/"' in page and 'value="Reject"' in page
    assert 'name="reason"' in page and "required" in page
    assert 'value="Save"' not in page and 'name="status"' not in page


def test_it_offers_no_buttons_before_the_checker_has_sent_it(admin_client, das, cc_maker):
    record = submitted(cc_maker, da3_add())  # Ready to Send to HKEX: still the company's
    page = admin_client.get(page_of(record)).text
    assert "Ready to Send to HKEX" in page
    assert 'value="Complete"' not in page and 'value="Reject"' not in page
    complete(admin_client, record)
    assert EService.objects.get().status == Status.READY


def test_complete_of_a_da3_add_assigns_the_next_free_da_user_id_and_emails_it(
        admin_client, das, cc_maker, cc_checker, mailoutbox,
        django_capture_on_commit_callbacks):
    record = sent(cc_maker, cc_checker, da3_add())
    with django_capture_on_commit_callbacks(execute=True):
        response = complete(admin_client, record)
    assert response.status_code == 302 and response.url == page_of(record)
    new_da = User.objects.get(username="B01234X4")  # X1-X3 are taken
    assert (new_da.da_role, new_da.surname, new_da.email) == (
        "CHECKER", "LEE", "kh.lee@abc-securities.example")
    page = admin_client.get(page_of(record)).text
    assert "DA3_00000001 is Completed. Assigned DA User ID: B01234X4." in page
    assert "Assigned DA User ID:" in page and "<strong>B01234X4</strong>" in page
    assert "DA User ID B01234X4 assigned (DA checker)" in page  # RESULT
    assert "HKT Completed" in page and "HKEX (ADMIN)" in page  # status line, history
    assert 'value="Complete"' not in page and 'value="Reject"' not in page

    [email] = notices(mailoutbox)
    assert email.from_email == "noreply_connect@hkex.com.hk"
    assert email.to == [cc_maker.email]
    for text in ["For reference: the eService is Completed", "Reference Number: DA3_00000001",
                 "Workflow Status: Completed", "Notification Type: For reference",
                 "Just Processed By: HKEX", "Require action from: Nil",
                 "You may visit the record to download a PDF version of the eService for "
                 "reference if needed.", "B01234X4"]:
        assert text in email.body, text
    assert "http" not in email.body


def test_reject_needs_a_reason_and_emails_rejected(
        admin_client, das, cc_maker, cc_checker, mailoutbox,
        django_capture_on_commit_callbacks):
    record = sent(cc_maker, cc_checker, da3_add())
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{LIST}{record.pk}/reject/", {"reason": "   "},
                                     follow=True)
    assert "please give the reason for the rejection" in response.text
    assert EService.objects.get().status == Status.SENT and not mailoutbox

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{LIST}{record.pk}/reject/",
                                     {"reason": "Surname does not match the HKID"}, follow=True)
    assert "DA3_00000001 is Rejected." in response.text
    assert "Surname does not match the HKID" in response.text  # RESULT and history
    record.refresh_from_db()
    assert (record.status, record.reject_reason) == (Status.REJECTED,
                                                     "Surname does not match the HKID")
    assert not User.objects.filter(username="B01234X4").exists()
    [email] = notices(mailoutbox)
    assert "For reference: the eService is Rejected" in email.body
    assert "Workflow Status: Rejected" in email.body
    assert "Reason: Surname does not match the HKID" in email.body


def test_completing_twice_changes_nothing(admin_client, das, cc_maker, cc_checker, mailoutbox,
                                          django_capture_on_commit_callbacks):
    record = sent(cc_maker, cc_checker, da3_add())
    with django_capture_on_commit_callbacks(execute=True):
        complete(admin_client, record)
    steps = EServiceStep.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = complete(admin_client, record, follow=True)
        rejected = admin_client.post(f"{LIST}{record.pk}/reject/", {"reason": "late"},
                                     follow=True)
    assert 'This record is Completed: "Complete" is not possible now.' in unescape(again.text)
    assert 'This record is Completed: "Reject" is not possible now.' in unescape(rejected.text)
    assert list(User.objects.filter(username__startswith="B01234X").values_list(
        "username", flat=True).order_by("username")) == [
        "B01234X1", "B01234X2", "B01234X3", "B01234X4"]
    assert EServiceStep.objects.count() == steps
    assert AuditRecord.objects.filter(event="ESERVICE_DA3_COMPLETE").count() == 1
    assert len(notices(mailoutbox)) == 1
    assert EService.objects.get().status == Status.COMPLETED


def test_fields_cannot_be_edited_by_posting_the_change_form(admin_client, das, cc_maker,
                                                            cc_checker):
    record = sent(cc_maker, cc_checker, da3_add())
    response = admin_client.post(page_of(record), {
        "status": "COMPLETED", "reference": "DA3_99999999", "reject_reason": "x",
        "fee_hkd": "0", "result": '{"applied": []}', "_save": "Save"})
    assert response.status_code == 403
    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.post(f"{LIST}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    fresh = EService.objects.get()
    assert (fresh.status, fresh.reference, fresh.reject_reason, fresh.result, fresh.version) == (
        Status.SENT, "DA3_00000001", "", {}, record.version)


def test_complete_and_reject_take_post_with_a_csrf_token_only(das, cc_maker, cc_checker,
                                                              admin_client):
    record = sent(cc_maker, cc_checker, da3_add())
    assert admin_client.get(f"{LIST}{record.pk}/complete/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = admin_client.cookies
    assert complete(strict, record).status_code == 403
    assert strict.post(f"{LIST}{record.pk}/reject/", {"reason": "x"}).status_code == 403
    assert EService.objects.get().status == Status.SENT


def test_staff_without_an_otp_verified_login_cannot_complete(das, cc_maker, cc_checker, client,
                                                             admin_user):
    record = sent(cc_maker, cc_checker, da3_add())
    client.force_login(admin_user)  # password only: no OTP device verified
    response = complete(client, record)
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert EService.objects.get().status == Status.SENT


def test_staff_who_may_only_view_see_no_buttons_and_cannot_complete(
        das, cc_maker, cc_checker, client):
    from django.contrib.auth.models import Permission
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    viewer = User.objects.create_user("VIEWER1", "Viewer-Passw0rd!xyz1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_eservice"))
    device = TOTPDevice.objects.create(user=viewer, name="staff", confirmed=True)
    client.force_login(viewer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    record = sent(cc_maker, cc_checker, da3_add())
    page = client.get(page_of(record)).text
    assert "DA3_00000001" in page and 'value="Complete"' not in page
    assert complete(client, record).status_code == 403
    assert EService.objects.get().status == Status.SENT


def test_a_da3_unlock_unlocks_the_da_and_resets_its_otp_registration(
        admin_client, das, cc_maker, cc_checker):
    locked = das[1]
    for _ in range(5):
        authenticate_password(username=locked.username, password="Wrong-Password99!")
    locked.refresh_from_db()
    assert locked.is_locked and list(devices_for_user(locked, confirmed=None))
    data = {"as": "HKSCC", "types": ["UNLOCK"], "remarks": "", "declaration": True,
            "contacts": CONTACT,
            "requests": [{"type": "UNLOCK", "user_id": locked.username, "action": "UNLOCK"}]}
    record = sent(cc_maker, cc_checker, data)
    page = admin_client.get(page_of(record)).text
    assert "DETAILS OF UNLOCK / ENABLE / DISABLE REQUEST" in page
    assert "Unlock DA Account" in page
    response = complete(admin_client, record, follow=True)
    assert "DA3_00000001 is Completed." in response.text
    assert "B01234X2: unlocked, OTP device registration reset" in response.text
    locked.refresh_from_db()
    assert not locked.is_locked
    assert not list(devices_for_user(locked, confirmed=None))
    assert not locked.has_usable_password()  # "Set up password" again, as if first time


def test_a_da4_for_two_accounts_lets_dms_create_two_more_profiles_not_three(
        admin_client, participant, das, cc_maker, cc_checker):
    for n in range(1, 18):  # 3 DAs + 17 users: MAX. NO. OF USERS (20) reached
        make_user(participant, f"B01234{n:02d}", password=None)
    data = {"accounts": 2, "remarks": "", "declaration": True, "contacts": CONTACT}
    record = sent(cc_maker, cc_checker, data, form="DA4")
    page = admin_client.get(page_of(record)).text
    assert "Number of additional user accounts" in page and "HK$500.00" in page
    response = complete(admin_client, record, follow=True)
    assert "DA4_00000001 is Completed. MAX. NO. OF USERS raised by 2." in response.text
    assert "20 before, 22 after" in response.text
    participant.refresh_from_db()
    assert participant.max_users == 22

    dms = dms_login(Client(), das[0])
    assert "MAX. NO. OF USERS : 22" in dms.get("/dms/listing/").text
    for user_id in ["B0123418", "B0123419"]:
        response = dms.post("/dms/profiles/create/", {**PROFILE, "user_id": user_id})
        assert response.status_code == 302, response.text
        done = confirm(dms, response.url, "B01234X2")
        assert "THE ABOVE USER PROFILE IS CREATED SUCCESSFULLY" in done.text
    response = dms.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123420"})
    assert "No spare user account: MAX. NO. OF USERS is 22." in response.text
    assert User.objects.filter(participant=participant, is_active=True).count() == 22

"""The Client Connect pages (SPEC E1-E5, D5): DA3 and DA4 from Draft to "Sent to HKEX", every
button of the documents, the refusals and the checks named by field, all through the pages."""

import datetime as dt
import html
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from accounts.models import ConnectRole, Participant, ParticipantKind
from eservices import services
from eservices.models import EService, EServiceStep, Status
from tests.eservices.conftest import connect_login, connect_user
from tests.helpers import register_app

pytestmark = pytest.mark.django_db

HKT = ZoneInfo("Asia/Hong_Kong")
DA3_TITLE = "DA 3 CCASS/ CCMS DELEGATED ADMINISTRATOR APPLICATION/ MAINTENANCE FORM"
CONTACT = {"name": "AAA", "email": "aaa@abc-securities.example", "phone": "29797111"}
ADD = {"type": "ADD", "surname": "Lee", "other_names": "Ka Ho",
       "email": "kh.lee@abc-securities.example", "role": "CHECKER"}


def text(response) -> str:
    """The page as a person reads it: no tags, single spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def inner(response, element_id: str) -> str:
    """The HTML of the element with ``element_id`` (a fieldset or section) only."""
    page = response.text
    start = page.index(f'id="{element_id}"')
    tag = page.rfind("<", 0, start)
    name = page[tag + 1:page.index(" ", tag)]
    return page[page.index(">", start) + 1:page.index(f"</{name}>", start)]


def block(response, element_id: str) -> str:
    """The text of the element with ``element_id`` only."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner(response, element_id))).split())


def buttons(response) -> str:
    """The record's buttons, as the bar above the form shows them."""
    return block(response, "record-buttons")


def da3(*requests, declaration=True, contacts=(CONTACT,), types=None, remarks=""):
    requests = list(requests)
    return {"as": "HKSCC", "types": types or sorted({r["type"] for r in requests}),
            "requests": requests, "remarks": remarks, "declaration": declaration,
            "contacts": list(contacts)}


def post_data(record, data, *, version=None) -> dict:
    """The form as the record page posts it (Django's formset management form included)."""
    fields = {"version": record.version if version is None else version,
              "remarks": data.get("remarks", "")}
    if data.get("declaration"):
        fields["declaration"] = "on"
    if "accounts" in data:
        fields["accounts"] = data["accounts"]
    else:
        fields["types"] = data["types"]
    for prefix in ("requests", "contacts"):
        blocks = data.get(prefix)
        if blocks is None:
            continue
        fields.update({f"{prefix}-TOTAL_FORMS": len(blocks),
                       f"{prefix}-INITIAL_FORMS": len(blocks),
                       f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
        for i, values in enumerate(blocks):
            fields.update({f"{prefix}-{i}-{k}": v for k, v in values.items()})
    return fields


@pytest.fixture
def maker(client, cc_maker):
    return connect_login(client, cc_maker)


@pytest.fixture
def checker(cc_checker):
    return connect_login(Client(), cc_checker)


@pytest.fixture
def checker2(cc_checker2):
    return connect_login(Client(), cc_checker2)


@pytest.fixture
def clock(monkeypatch):
    """The services' clock on 07-Feb-2023 10:43 HKT (the documents' example), movable."""
    now = SimpleNamespace(value=dt.datetime(2023, 2, 7, 10, 43, tzinfo=HKT))
    monkeypatch.setattr(services, "timezone", SimpleNamespace(now=lambda: now.value))
    return now


def create(client, form="DA3") -> EService:
    response = client.post(f"/connect/eservices/new/{form}/")
    record = EService.objects.latest("pk")
    assert response.status_code == 302 and response.url == f"/connect/eservices/{record.pk}/"
    return record


def save(client, record, data, *, button="save", **kwargs):
    return client.post(f"/connect/eservices/{record.pk}/{button}/",
                       post_data(record, data, **kwargs))


def fresh(record) -> EService:
    return EService.objects.get(pk=record.pk)


def submit(client, record, message="") -> EService:
    record = fresh(record)
    response = client.post(f"/connect/eservices/{record.pk}/submit/",
                           {"version": record.version, "message": message})
    assert response.status_code == 302, response
    return fresh(record)


def step(client, record, name, **fields):
    return client.post(f"/connect/eservices/{record.pk}/{name}/",
                       {"version": fresh(record).version, **fields}, follow=True)


def submitted(client, data, form="DA3") -> EService:
    record = create(client, form)
    save(client, record, data)
    return submit(client, record)


def claimed(checker, record) -> EService:
    assert step(checker, record, "claim").status_code == 200
    record = fresh(record)
    assert record.claimed_by is not None
    return record


# --- the journey ------------------------------------------------------------------------------


def test_it_opens_a_new_draft_from_user_maintenance(maker, participant):
    page = text(maker.get("/connect/"))
    assert "Partnership Management" in page and "User Maintenance" in page and "Tasks" in page
    assert ("Classification ID Function User Maintenance CC DA3 CCASS/ CCMS Delegated "
            "Administrator Application/ Maintenance Form User Maintenance CC DA4 CCASS / CCMS "
            "User Account Application Form") in page

    record = create(maker)
    response = maker.get(f"/connect/eservices/{record.pk}/")
    page = text(response)
    assert DA3_TITLE in page
    for label in ("COMPANY INFORMATION", "From ABC SECURITIES", "HKSCC Participant (B01234)",
                  "HKCC Participant", "SEOCH Participant", "MAINTENANCE REQUEST", "Add",
                  "Change", "Unlock/ Enable/ Disable", "Delete", "DETAILS OF REQUESTS",
                  "User ID", "Email Address", "+ REQUEST", "Remarks",
                  "We confirm that we understand and accept the above.",
                  "CONTACT INFORMATION", "Name of Contact Person", "Telephone Number",
                  "+ CONTACT PERSON", "SAVE", "PREVIEW"):
        assert label in page, label
    # "As": the company's own clearing house ticked; none of them can be changed.
    assert re.search(r'<input type="checkbox" disabled checked>\s*HKSCC Participant \(B01234\)',
                     response.text)
    assert re.search(r'<input type="checkbox" disabled>\s*HKCC Participant', response.text)
    assert "Status: " in page and "HKT Draft" in page
    assert "SUBMIT" not in page  # only after PREVIEW, as in the documents


def test_it_takes_a_da3_add_through_every_page(maker, checker, das, cc_maker, cc_checker,
                                               clock, mailoutbox,
                                               django_capture_on_commit_callbacks):
    record = create(maker)
    data = da3(ADD)
    response = save(maker, record, data)
    assert response.status_code == 302 and response.url == f"/connect/eservices/{record.pk}/"
    assert fresh(record).data == data
    page = text(maker.get(response.url))
    assert "The draft has been saved." in page

    response = save(maker, fresh(record), data, button="preview")
    assert response.url == f"/connect/eservices/{record.pk}/preview/"
    page = text(maker.get(response.url))
    assert "DISCARD" in page and "EDIT" in page and "SUBMIT" in page and "SAVE" not in page
    assert "Please EDIT the form" not in page
    assert 'value="Lee"' in inner(maker.get(response.url), "request-1")

    version = fresh(record).version
    page = text(maker.get(f"/connect/eservices/{record.pk}/submit/?version={version}"))
    assert ("PLEASE CONFIRM The record will be ready to send to HKEX. Any message to the next "
            "step? (optional)") in page
    assert "CANCEL CONFIRM" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = maker.post(f"/connect/eservices/{record.pk}/submit/",
                              {"version": version, "message": "Please add Mr Lee"},
                              follow=True)
    page = text(response)
    assert ("Reference Number: DA3_00000001 Status: 07-Feb-2023 10:43 HKT Ready to Send to "
            "HKEX") in page
    assert buttons(response) == "RECLAIM CLONE"
    notice = [m for m in mailoutbox if "For action" in m.body]
    assert notice and notice[0].subject == (
        "DA 3 - CCASS/ CCMS Delegated Administrator Application/ Maintenance Form "
        "(DA3_00000001 from B01234)")
    assert cc_checker.email in notice[0].to

    tasks = text(checker.get("/connect/"))
    assert ("User Maintenance CC ABC SECURITIES B01234 DA3_00000001 - CCASS/ CCMS Delegated "
            "Administrator Application/ Maintenance Form 07-Feb-2023 Ready to Send to HKEX"
            ) in tasks
    assert buttons(checker.get(f"/connect/eservices/{record.pk}/")) == "CLAIM"

    clock.value += dt.timedelta(minutes=2)
    response = step(checker, record, "claim")
    page = text(response)
    assert "Claimed By CHECKER1 Demo on 07-Feb-2023 10:45 HKT" in page
    assert buttons(response) == "REVERT REFER TO CONFIRM RELEASE"
    assert "Status: 07-Feb-2023 10:43 HKT Ready to Send to HKEX" in page  # claim keeps it

    version = fresh(record).version
    page = text(checker.get(f"/connect/eservices/{record.pk}/confirm/?version={version}"))
    assert ("PLEASE CONFIRM TO PROCEED The record will be sent to HKEX. Any message to the "
            "record user? (optional)") in page
    clock.value += dt.timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = checker.post(f"/connect/eservices/{record.pk}/confirm/",
                                {"version": version, "message": "Checked"}, follow=True)
    page = text(response)
    assert ("Reference Number: DA3_00000001 Status: 07-Feb-2023 10:48 HKT Sent to HKEX"
            ) in page
    assert "Claimed By" not in page  # the claim ended with the CONFIRM
    history = block(response, "history")
    assert "SUBMIT" in history and "Please add Mr Lee" in history
    assert "CONFIRM CHECKER1 Demo Sent to HKEX Checked" in history
    assert fresh(record).status == Status.SENT
    assert any("Sent to HKEX" in m.body and cc_maker.email in m.to for m in mailoutbox)
    assert "DA3_00000001" not in text(checker.get("/connect/")).split("Tasks")[1].split(
        "eServices of")[0]  # no longer a task


def test_it_shows_the_frozen_form_read_only_after_submit(maker, checker, das):
    record = submitted(maker, da3(ADD))
    response = checker.get(f"/connect/eservices/{record.pk}/")
    assert re.search(r'name="requests-0-surname"[^>]*value="Lee"[^>]*disabled|'
                     r'name="requests-0-surname"[^>]*disabled[^>]*value="Lee"|'
                     r'value="Lee"[^>]*name="requests-0-surname"[^>]*disabled', response.text)
    assert "SAVE" not in text(response)


# --- refusals say why and change nothing ---------------------------------------------------


def test_it_hides_a_record_of_another_company(maker, das, cc_checker):
    record = submitted(maker, da3(ADD))
    bank = Participant.objects.create(kind=ParticipantKind.HKSCC_DB, participant_id="BNK999",
                                      name="XYZ BANK", user_id_prefix="BNK999", max_users=20)
    outsider = connect_user(bank, "cc.checker@xyz-bank.example", ConnectRole.CHECKER)
    register_app(outsider)
    other = connect_login(Client(), outsider)

    assert other.get(f"/connect/eservices/{record.pk}/").status_code == 404
    assert other.post(f"/connect/eservices/{record.pk}/claim/",
                      {"version": record.version}).status_code == 404
    assert "DA3_00000001" not in other.get("/connect/").text
    assert fresh(record).claimed_by is None


def test_it_refuses_a_maker_claiming(maker, das):
    record = submitted(maker, da3(ADD))
    page = text(step(maker, record, "claim"))
    assert "Only a Client Connect checker with EU_UserMaintenance can do this." in page
    assert fresh(record).claimed_by is None


def test_it_refuses_a_checker_saving_or_starting(checker, maker, das):
    record = create(maker)
    response = save(checker, record, da3(ADD))
    assert "Only a Client Connect maker" in text(checker.get(response.url))
    assert fresh(record).data["requests"][0]["type"] == "CHANGE"
    response = checker.post("/connect/eservices/new/DA3/", follow=True)
    assert "Only a Client Connect maker with EU_UserMaintenance can do this." in text(response)
    assert EService.objects.count() == 1


def test_it_refuses_the_submitter_confirming_their_own_submission(participant, das):
    both = connect_user(participant, "cc.both@abc-securities.example", ConnectRole.BOTH)
    register_app(both)
    client = connect_login(Client(), both)
    record = submitted(client, da3(ADD))
    assert buttons(client.get(f"/connect/eservices/{record.pk}/")) == "RECLAIM CLONE"
    page = text(step(client, record, "claim"))
    assert "The person who submitted this eService cannot confirm it." in page
    page = text(step(client, record, "confirm"))
    assert "The person who submitted this eService cannot confirm it." in page
    assert (fresh(record).status, fresh(record).claimed_by) == (Status.READY, None)


def test_it_refuses_a_step_the_status_does_not_allow(maker, checker, das):
    record = create(maker)
    page = text(step(checker, record, "claim"))
    assert 'This record is Draft: "CLAIM" is not possible now.' in page
    record = submitted(maker, da3(ADD))
    response = maker.post(f"/connect/eservices/{record.pk}/submit/",
                          {"version": record.version}, follow=True)
    assert 'This record is Ready to Send to HKEX: "SUBMIT" is not possible now.' in text(
        response)
    response = save(maker, record, da3(ADD, remarks="late edit"))
    assert "only a Draft can be edited" in text(maker.get(response.url))
    assert fresh(record).data["remarks"] == "" and fresh(record).version == record.version


def test_it_refuses_a_stale_tab(maker, checker, das):
    record = submitted(maker, da3(ADD))
    old = record.version
    step(maker, record, "reclaim")
    response = checker.post(f"/connect/eservices/{record.pk}/claim/", {"version": old},
                            follow=True)
    assert "This record has changed since you opened it" in text(response)
    assert fresh(record).claimed_by is None
    # The maker's own old tab cannot overwrite the reclaimed Draft either.
    response = save(maker, record, da3({**ADD, "surname": "Wong"}), version=old)
    assert "changed since you opened it" in text(maker.get(response.url))
    assert fresh(record).data["requests"][0]["surname"] == "Lee"


# --- checks named by field ---------------------------------------------------------------------


def test_it_names_a_user_id_that_is_not_a_da_of_the_company(maker, das, end_user):
    record = create(maker)
    save(maker, record, da3({"type": "CHANGE", "user_id": "B0123401",
                             "email": "x1@abc-securities.example"}), button="preview")
    response = maker.get(f"/connect/eservices/{record.pk}/preview/")
    message = ("Request 1: User ID B0123401 is not a Delegated Administrator of B01234 "
               "ABC SECURITIES.")
    assert message in block(response, "request-1")
    assert "Please EDIT the form before SUBMIT" in text(response)
    # EDIT shows the problem beside the field to correct.
    response = maker.get(f"/connect/eservices/{record.pk}/?check=1")
    assert message in block(response, "request-1")
    assert 'name="requests-0-user_id"' in response.text


def test_it_names_the_missing_name_and_email_of_an_add(maker, das):
    record = create(maker)
    save(maker, record, da3({**ADD, "surname": "", "other_names": "", "email": ""}),
         button="preview")
    found = block(maker.get(f"/connect/eservices/{record.pk}/preview/"), "request-1")
    assert "Request 1 (Add): Surname is required." in found
    assert "Request 1 (Add): Other Names is required." in found
    assert "Request 1 (Add): Email Address: Enter a valid email address." in found
    contact = block(maker.get(f"/connect/eservices/{record.pk}/preview/"), "contact-1")
    assert "Surname" not in contact  # each message beside its own field only


def test_it_refuses_a_fifth_da(maker, das):
    record = create(maker)
    four = [{**ADD, "email": f"da{i}@abc-securities.example"} for i in range(4)]
    save(maker, record, da3(*four))
    response = save(maker, fresh(record), da3(*four), button="request")
    page = text(maker.get(response.url))
    assert "DETAILS OF REQUESTS: at most 4 DA profiles per eService." in page
    assert len(fresh(record).data["requests"]) == 4
    # Five blocks posted at once: nothing is saved and the section says why.
    version = fresh(record).version
    response = save(maker, fresh(record), da3(*four, ADD))
    assert response.status_code == 200
    assert "DETAILS OF REQUESTS: at most 4 DA profiles per eService." in block(
        response, "details-of-requests")
    assert fresh(record).version == version


def test_it_names_the_missing_declaration_and_contact(maker, das):
    record = create(maker)
    save(maker, record, da3(ADD, declaration=False,
                            contacts=[{"name": "", "email": "", "phone": ""}]),
         button="preview")
    response = maker.get(f"/connect/eservices/{record.pk}/preview/")
    assert ("Please tick \u201cWe confirm that we understand and accept the above.\u201d"
            in block(response, "declaration"))
    assert ("Name of Contact Person: please enter at least one contact person."
            in block(response, "contact-1"))
    # SUBMIT is refused for the same reasons and the record stays a Draft.
    response = maker.post(f"/connect/eservices/{record.pk}/submit/",
                          {"version": fresh(record).version}, follow=True)
    assert response.redirect_chain[-1][0] == f"/connect/eservices/{record.pk}/preview/"
    assert "Please tick" in text(response)
    assert fresh(record).status == Status.DRAFT and fresh(record).reference is None


def test_it_keeps_nothing_of_a_form_of_the_wrong_shape(maker, das):
    record = create(maker)
    response = save(maker, record, da3({"type": "DELETE", "user_id": "B01234X1TOOLONG"}))
    assert response.status_code == 200
    assert "Ensure this value has at most 8 characters" in block(response, "request-1")
    assert fresh(record).version == record.version


def test_it_adds_request_and_contact_blocks_without_javascript(maker, das):
    record = create(maker)
    response = save(maker, record, da3(ADD, types=["ADD", "DELETE"]), button="request")
    assert response.url.endswith("#request-2")
    page = maker.get(f"/connect/eservices/{record.pk}/")
    assert 'id="request-2"' in page.text and 'name="requests-1-type"' in page.text
    assert fresh(record).data["requests"][1]["type"] == "ADD"
    save(maker, fresh(record), fresh(record).data, button="contact")
    assert len(fresh(record).data["contacts"]) == 2
    # "Remove" drops a block.
    data = post_data(fresh(record), fresh(record).data)
    data["requests-1-DELETE"] = "on"
    maker.post(f"/connect/eservices/{record.pk}/save/", data)
    assert len(fresh(record).data["requests"]) == 1


def test_it_warns_before_submit_when_a_checker_would_be_missing(maker, das):
    record = create(maker)
    save(maker, record, da3({"type": "DELETE", "user_id": "B01234X3"}), button="preview")
    warning = ("After this eService B01234 ABC SECURITIES would have 1 DA maker(s) and 1 DA "
               "checker(s): each participant should have at least one DA maker and two DA "
               "checkers.")
    assert warning in text(maker.get(f"/connect/eservices/{record.pk}/preview/"))
    version = fresh(record).version
    page = text(maker.get(f"/connect/eservices/{record.pk}/submit/?version={version}"))
    assert warning in page and "PLEASE CONFIRM" in page


def test_it_shows_the_da4_fee_before_submit(maker, checker, das):
    record = create(maker, "DA4")
    page = text(maker.get(f"/connect/eservices/{record.pk}/"))
    assert "DA 4 CCASS / CCMS USER ACCOUNT APPLICATION FORM" in page
    assert "Number of additional user accounts" in page
    assert "One-off fee per additional user account HK$250.00" in page
    save(maker, record, {"accounts": 2, "remarks": "", "declaration": True,
                         "contacts": [CONTACT]}, button="preview")
    page = text(maker.get(f"/connect/eservices/{record.pk}/preview/"))
    assert "Total one-off fee HK$500.00" in page
    version = fresh(record).version
    page = text(maker.get(f"/connect/eservices/{record.pk}/submit/?version={version}"))
    assert "Total one-off fee HK$500.00" in page and "PLEASE CONFIRM" in page
    assert "The record will be ready to send to HKEX. Total one-off fee: HK$500.00" in page
    record = submit(maker, record)
    assert str(record.fee_hkd) == "500.00"
    assert "Total one-off fee HK$500.00" in text(checker.get(f"/connect/eservices/{record.pk}/"))


# --- the other buttons ------------------------------------------------------------------------


def test_it_reclaims_a_submitted_record_to_draft(maker, das):
    record = submitted(maker, da3(ADD))
    response = step(maker, record, "reclaim")
    page = text(response)
    assert "Reference Number: DA3_00000001" in page and "HKT Draft" in page
    assert buttons(response) == "SAVE PREVIEW"
    assert fresh(record).status == Status.DRAFT


def test_it_reverts_with_a_message_in_the_history(maker, checker, das, cc_maker, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    record = claimed(checker, submitted(maker, da3(ADD)))
    version = fresh(record).version
    page = text(checker.get(f"/connect/eservices/{record.pk}/revert/?version={version}"))
    assert "PLEASE CONFIRM TO PROCEED" in page and "CANCEL" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = checker.post(f"/connect/eservices/{record.pk}/revert/",
                                {"version": version, "message": "Wrong surname"}, follow=True)
    assert "REVERT CHECKER1 Demo Draft Wrong surname" in block(response, "history")
    assert fresh(record).status == Status.DRAFT and fresh(record).claimed_by is None
    page = text(maker.get(f"/connect/eservices/{record.pk}/"))
    assert "Wrong surname" in page and "SAVE" in page
    assert any("Wrong surname" in m.body and cc_maker.email in m.to for m in mailoutbox)


def test_it_refers_to_another_checker(maker, checker, checker2, das, cc_checker2):
    record = claimed(checker, submitted(maker, da3(ADD)))
    version = fresh(record).version
    response = checker.get(f"/connect/eservices/{record.pk}/refer/?version={version}")
    assert "CHECKER2 Demo" in text(response) and "CHECKER1 Demo (" not in text(response)
    page = text(checker.post(f"/connect/eservices/{record.pk}/refer/",
                             {"version": version, "to": cc_checker2.pk, "message": "Yours"},
                             follow=True))
    assert "Claimed By CHECKER2 Demo on" in page
    assert buttons(checker.get(f"/connect/eservices/{record.pk}/")) == ""
    assert fresh(record).claimed_by == cc_checker2
    response = checker2.get(f"/connect/eservices/{record.pk}/")
    assert buttons(response) == "REVERT REFER TO CONFIRM RELEASE"


def test_it_refuses_to_refer_to_a_maker(maker, checker, das, cc_maker):
    record = claimed(checker, submitted(maker, da3(ADD)))
    response = checker.post(f"/connect/eservices/{record.pk}/refer/",
                            {"version": fresh(record).version, "to": cc_maker.pk})
    assert response.status_code == 200
    assert "Select a valid choice." in text(response)
    assert fresh(record).claimed_by.email == "cc.checker1@abc-securities.example"


def test_it_releases_a_claim(maker, checker, das):
    record = claimed(checker, submitted(maker, da3(ADD)))
    response = step(checker, record, "release")
    assert "Claimed By" not in text(response) and buttons(response) == "CLAIM"
    assert fresh(record).claimed_by is None and fresh(record).status == Status.READY


def test_it_clones_into_a_new_draft(maker, das):
    record = submitted(maker, da3(ADD))
    response = maker.post(f"/connect/eservices/{record.pk}/clone/", follow=True)
    clone = EService.objects.latest("pk")
    assert clone.pk != record.pk and clone.status == Status.DRAFT and clone.reference is None
    assert clone.data == record.submitted
    assert response.redirect_chain[-1][0] == f"/connect/eservices/{clone.pk}/"
    assert "A new Draft has been cloned from DA3_00000001." in text(response)
    assert EServiceStep.objects.get(record=clone).message == "Cloned from DA3_00000001"


def test_it_discards_a_draft_after_confirmation(maker, das):
    record = create(maker)
    version = fresh(record).version
    page = text(maker.get(f"/connect/eservices/{record.pk}/discard/?version={version}"))
    assert "PLEASE CONFIRM The record will be discarded." in page
    response = maker.post(f"/connect/eservices/{record.pk}/discard/", {"version": version},
                          follow=True)
    assert response.redirect_chain[-1][0] == "/connect/"
    assert "The draft has been discarded." in text(response)
    assert fresh(record).status == Status.DISCARDED


def test_it_lists_the_company_records_for_the_maker(maker, das):
    draft = create(maker)
    page = text(maker.get("/connect/"))
    assert "(not yet submitted) DA3 - CCASS/ CCMS Delegated Administrator Application/ " \
           "Maintenance Form Draft" in page
    assert f'href="/connect/eservices/{draft.pk}/"' in maker.get("/connect/").text
    assert "No task is waiting for you." in page  # a maker confirms nothing


def test_it_lists_many_records_in_the_same_number_of_queries(maker, checker, das):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submitted(maker, da3(ADD))
    with CaptureQueriesContext(connection) as one:
        assert checker.get("/connect/").status_code == 200
    for _ in range(5):
        submitted(maker, da3(ADD))
    with CaptureQueriesContext(connection) as six:
        page = text(checker.get("/connect/"))
    assert page.count("Ready to Send to HKEX") == 12  # six tasks, six records
    assert len(six) == len(one)

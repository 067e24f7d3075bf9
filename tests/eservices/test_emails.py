"""SPEC E5: the notices of the eService workflow, in the documents' layout, sent after commit."""

import pytest

from accounts.models import ConnectRole, Participant, ParticipantKind
from tests.eservices.conftest import connect_user
from tests.eservices.test_services import da3_add, submitted

pytestmark = pytest.mark.django_db

SUBJECT = ("DA 3 - CCASS/ CCMS Delegated Administrator Application/ Maintenance Form "
           "(DA3_00000001 from B01234)")


def test_it_tells_the_companys_checkers_not_the_submitter_when_a_record_is_ready(
        participant, cc_checker, cc_checker2, mailoutbox, django_capture_on_commit_callbacks):
    both = connect_user(participant, "cc.both@abc-securities.example", ConnectRole.BOTH)
    connect_user(participant, "cc.norights@abc-securities.example", ConnectRole.CHECKER,
                 rights=())  # no EU_UserMaintenance: no eServices, no notice
    bank = Participant.objects.create(kind=ParticipantKind.HKSCC_DB, participant_id="BNK999",
                                      name="XYZ BANK", user_id_prefix="BNK999", max_users=20)
    connect_user(bank, "cc.checker@xyz-bank.example", ConnectRole.CHECKER)

    with django_capture_on_commit_callbacks(execute=True):
        submitted(both, da3_add())

    [email] = mailoutbox
    assert email.subject == SUBJECT
    assert email.from_email == "noreply_connect@hkex.com.hk"
    assert email.to == [cc_checker.email, cc_checker2.email]
    for text in ["HKEX Client Connect",
                 "For action: the eService is Ready to Send to HKEX",
                 "Reference Number: DA3_00000001",
                 "Workflow Status: Ready to Send to HKEX",
                 "Notification Type: For action",
                 f"Just Processed By: {both.get_full_name()}, ABC SECURITIES",
                 "Require action from: Checker of ABC SECURITIES",
                 "Message: Please check",
                 "To view the record, please visit the HKEX Client Connect and search the "
                 "Reference Number (DA3_00000001)."]:
        assert text in email.body, text
    assert "http" not in email.body
    assert "download a PDF" not in email.body  # said only once HKEX has completed it


def test_nothing_is_sent_when_the_step_does_not_commit(participant, cc_maker, cc_checker,
                                                       mailoutbox):
    submitted(cc_maker, da3_add())  # the test's transaction never commits
    assert mailoutbox == []

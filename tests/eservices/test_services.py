"""The eService workflow in the domain (SPEC E2-E6): who may take which step, what completion
applies, and that refused steps change nothing."""

import pytest

from accounts.audit import Event
from accounts.models import AuditRecord, Participant, User
from eservices import services
from eservices.models import EService, EServiceStep, Status

pytestmark = pytest.mark.django_db

CONTACT = [{"name": "AAA", "email": "aaa@abc-securities.example", "phone": "29797111"}]


def da3_add(**extra):
    return {"as": "HKSCC", "types": ["ADD"], "remarks": "", "declaration": True,
            "contacts": CONTACT, "requests": [{
                "type": "ADD", "surname": "Lee", "other_names": "Ka Ho",
                "email": "kh.lee@abc-securities.example", "role": "CHECKER", **extra}]}


def submitted(maker, data, form="DA3"):
    record = services.eservice_create(form=form, actor=maker)
    record = services.draft_save(record_id=record.pk, actor=maker, data=data,
                                 version=record.version)
    return services.eservice_submit(record_id=record.pk, actor=maker, version=record.version,
                                    message="Please check")


def sent(maker, checker, data, form="DA3"):
    record = submitted(maker, data, form)
    record = services.eservice_claim(record_id=record.pk, actor=checker, version=record.version)
    return services.eservice_confirm(record_id=record.pk, actor=checker,
                                     version=record.version)


def test_it_takes_a_da3_add_from_draft_to_completed(das, cc_maker, cc_checker, staff):
    record = submitted(cc_maker, da3_add())
    assert (record.status, record.reference) == (Status.READY, "DA3_00000001")
    assert record.submitted["requests"][0]["surname"] == "Lee"
    record = services.eservice_claim(record_id=record.pk, actor=cc_checker,
                                     version=record.version)
    record = services.eservice_confirm(record_id=record.pk, actor=cc_checker,
                                       version=record.version)
    assert record.status == Status.SENT
    record = services.eservice_complete(record_id=record.pk, actor=staff)
    assert record.status == Status.COMPLETED
    new_da = User.objects.get(username="B01234X4")
    assert (new_da.da_role, new_da.email, new_da.surname) == (
        "CHECKER", "kh.lee@abc-securities.example", "LEE")
    assert not new_da.has_usable_password()  # sets it up with "Forgot/Reset your password?"
    assert record.result["applied"] == [{"request": 1, "type": "ADD", "user_id": "B01234X4",
                                         "role": "CHECKER"}]
    assert [s.transition for s in EServiceStep.objects.filter(record=record)] == [
        "start", "submit", "claim", "confirm", "complete"]
    assert AuditRecord.objects.filter(event="ESERVICE_DA3_COMPLETE").count() == 1
    assert AuditRecord.objects.get(event=Event.PROFILE_CREATED, subject=new_da).actor == staff


def test_completing_twice_applies_once(das, cc_maker, cc_checker, staff):
    record = sent(cc_maker, cc_checker, da3_add())
    services.eservice_complete(record_id=record.pk, actor=staff)
    with pytest.raises(services.EServiceRefused, match="Completed"):
        services.eservice_complete(record_id=record.pk, actor=staff)
    assert User.objects.filter(da_role="CHECKER").count() == 3


def test_the_submitter_can_never_confirm(das, participant, staff):
    from accounts.models import ConnectRole
    from tests.eservices.conftest import connect_user

    both = connect_user(participant, "cc.both@abc-securities.example", ConnectRole.BOTH)
    record = submitted(both, da3_add())
    with pytest.raises(services.EServiceRefused, match="submitted this eService"):
        services.eservice_claim(record_id=record.pk, actor=both, version=record.version)
    assert EService.objects.get().claimed_by is None


def test_a_stale_tab_changes_nothing(das, cc_maker, cc_checker):
    record = submitted(cc_maker, da3_add())
    services.eservice_reclaim(record_id=record.pk, actor=cc_maker, version=record.version)
    with pytest.raises(services.EServiceRefused, match="changed since you opened it"):
        services.eservice_claim(record_id=record.pk, actor=cc_checker, version=record.version)
    assert EService.objects.get().status == Status.DRAFT


def test_a_checker_of_another_company_cannot_claim(das, cc_maker, participant):
    from accounts.models import ConnectRole, ParticipantKind
    from tests.eservices.conftest import connect_user

    bank = Participant.objects.create(kind=ParticipantKind.HKSCC_DB, participant_id="BNK999",
                                      name="XYZ BANK", user_id_prefix="BNK999", max_users=20)
    other = connect_user(bank, "cc.checker@xyz-bank.example", ConnectRole.CHECKER)
    record = submitted(cc_maker, da3_add())
    with pytest.raises(services.EServiceRefused, match="another company"):
        services.eservice_claim(record_id=record.pk, actor=other, version=record.version)


def test_a_revert_keeps_the_reference_and_the_frozen_form(das, cc_maker, cc_checker):
    record = submitted(cc_maker, da3_add())
    record = services.eservice_claim(record_id=record.pk, actor=cc_checker,
                                     version=record.version)
    record = services.eservice_revert(record_id=record.pk, actor=cc_checker,
                                      version=record.version, message="Wrong name")
    assert (record.status, record.reference) == (Status.DRAFT, "DA3_00000001")
    edited = services.draft_save(record_id=record.pk, actor=cc_maker,
                                 data=da3_add(surname="Wong"), version=record.version)
    assert EService.objects.get().submitted["requests"][0]["surname"] == "Lee"
    again = services.eservice_submit(record_id=edited.pk, actor=cc_maker,
                                     version=edited.version)
    assert again.reference == "DA3_00000001"
    assert again.submitted["requests"][0]["surname"] == "Wong"


def test_a_da4_raises_the_quota_and_records_the_fee(participant, das, cc_maker, cc_checker,
                                                    staff):
    data = {"accounts": 2, "remarks": "", "declaration": True, "contacts": CONTACT}
    record = sent(cc_maker, cc_checker, data, form="DA4")
    assert record.reference == "DA4_00000001" and str(record.fee_hkd) == "500.00"
    services.eservice_complete(record_id=record.pk, actor=staff)
    participant.refresh_from_db()
    assert participant.max_users == 22
    record = AuditRecord.objects.get(event=Event.PARTICIPANT_CHANGED)
    assert (record.before, record.after) == ({"max_users": 20}, {"max_users": 22})


def test_a_da3_that_cannot_be_applied_applies_nothing(participant, das, cc_maker, cc_checker,
                                                      staff):
    data = da3_add()
    data["types"] = ["ADD", "DELETE"]
    data["requests"].append({"type": "DELETE", "user_id": "B01234X3"})
    record = sent(cc_maker, cc_checker, data)
    Participant.objects.filter(pk=participant.pk).update(max_users=3)  # the Add has no room
    with pytest.raises(services.EServiceRefused, match="No spare user account"):
        services.eservice_complete(record_id=record.pk, actor=staff)
    assert User.objects.get(username="B01234X3").is_active  # the Delete was undone too
    assert EService.objects.get().status == Status.SENT


def test_rules_name_the_field(participant, das):
    from eservices import rules

    data = da3_add(email="not-an-email")
    data["requests"].append({"type": "CHANGE", "user_id": "B0123401", "email": "a@b.example"})
    data["declaration"] = False
    found = dict(rules.problems("DA3", participant, data))
    assert "Email Address" in found["requests.0.email"]
    assert "not a Delegated Administrator" in found["requests.1.user_id"]
    assert "We confirm that we understand and accept the above." in found["declaration"]

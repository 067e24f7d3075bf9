"""eService steps under concurrent requests, on PostgreSQL (SPEC E4, E6): row locks decide."""

import pytest

from eservices import services
from eservices.models import EService, EServiceStep, Status
from tests.eservices.test_services import CONTACT, da3_add, sent, submitted
from tests.helpers import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def refusals(outcomes):
    return [o for o in outcomes if isinstance(o, services.EServiceRefused)]


def test_two_checkers_confirming_at_once_make_one_transition(das, cc_maker, cc_checker,
                                                             cc_checker2):
    record = submitted(cc_maker, da3_add())
    checkers = [cc_checker, cc_checker2]

    # Both claim at once: one wins, the other is told.
    outcomes = race(2, lambda i: services.eservice_claim(
        record_id=record.pk, actor=checkers[i], version=record.version))
    assert len(refusals(outcomes)) == 1
    winner = next(o for o in outcomes if isinstance(o, EService)).claimed_by
    record.refresh_from_db()

    # The claimer confirms from two tabs at once: one transition, one history row.
    outcomes = race(2, lambda i: services.eservice_confirm(
        record_id=record.pk, actor=winner, version=record.version))
    assert len(refusals(outcomes)) == 1
    assert EService.objects.get().status == Status.SENT
    assert EServiceStep.objects.filter(transition="confirm").count() == 1
    assert EServiceStep.objects.filter(transition="claim").count() == 1


def test_twenty_records_submitted_at_once_get_twenty_distinct_references(das, cc_maker):
    data = {"accounts": 1, "remarks": "", "declaration": True, "contacts": CONTACT}
    drafts = []
    for _ in range(20):
        record = services.eservice_create(form="DA4", actor=cc_maker)
        drafts.append(services.draft_save(record_id=record.pk, actor=cc_maker, data=data,
                                          version=record.version))

    outcomes = race(20, lambda i: services.eservice_submit(
        record_id=drafts[i].pk, actor=cc_maker, version=drafts[i].version))

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    references = sorted(EService.objects.values_list("reference", flat=True))
    assert references == [f"DA4_{n:08d}" for n in range(1, 21)]


def test_completing_from_two_admin_tabs_applies_once(participant, das, cc_maker, cc_checker,
                                                     staff):
    from accounts.models import User

    record = sent(cc_maker, cc_checker, da3_add())

    outcomes = race(2, lambda i: services.eservice_complete(record_id=record.pk, actor=staff))

    assert len(refusals(outcomes)) == 1
    assert User.objects.filter(participant=participant, da_role="CHECKER").count() == 3
    assert EServiceStep.objects.filter(transition="complete").count() == 1
    assert EService.objects.get().status == Status.COMPLETED

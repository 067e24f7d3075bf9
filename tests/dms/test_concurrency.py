"""SPEC P5, D4 under concurrent requests, on PostgreSQL with real row locks.

Each test releases its racers together (a barrier) on their own database connections, then
checks that the rule held: the last spare account is taken once, a request is applied once,
and a profile has at most one request waiting for authorisation.
"""


import pytest
from django.test import Client

from accounts.audit import verify_chain
from accounts.models import AuditRecord, DARole, User
from dms import services
from dms.models import MaintenanceRequest, RequestKind, RequestStatus
from tests.conftest import STRONG_PASSWORD, make_user
from tests.dms.conftest import PROFILE, dms_login, initialised
from tests.helpers import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NO_SPARE = "No spare user account: MAX. NO. OF USERS is"
NO_LONGER_PENDING = "no longer waiting for authorisation"
ALREADY_WAITING = "already has a request waiting for authorisation"

VALUES = {**PROFILE, "enable_from": None, "disable_after": None, "transaction_limit": {},
          "business_user_groups": []}


def split(outcomes):
    """(successes, refusals); anything else (an unexpected exception) fails the test."""
    refused = [o for o in outcomes if isinstance(o, services.DmsRefused)]
    others = [o for o in outcomes if isinstance(o, BaseException)
              and not isinstance(o, services.DmsRefused)]
    assert not others, others
    return [o for o in outcomes if not isinstance(o, BaseException)], refused


@pytest.fixture
def maker2(participant):
    return initialised(participant, "B01234Y1", DARole.MAKER)


@pytest.fixture
def one_spare(participant, maker, maker2, checker, checker2):
    """4 DAs (X1, Y1 makers; X2, X3 checkers) and MAX. NO. OF USERS 5: one spare account."""
    participant.max_users = 5
    participant.save(update_fields=["max_users"])
    assert services.spare_accounts(participant) == 1
    return participant


# --- the last spare account (SPEC P5) --------------------------------------------------------


def test_two_makers_racing_for_the_last_spare_account_get_one_request(one_spare):
    makers = ["B01234X1", "B01234Y1"]
    user_ids = ["B0123405", "B0123406"]

    def work(i):
        maker = User.objects.get(username=makers[i])
        return services.request_create(maker=maker, username=user_ids[i], values=VALUES)

    made, refused = split(race(2, work))
    assert len(made) == 1 and len(refused) == 1, (made, refused)
    assert NO_SPARE + " 5." in refused[0].messages[0]
    assert "eService DA4" in refused[0].messages[0]
    pending = MaintenanceRequest.objects.get(status=RequestStatus.PENDING)
    assert pending.pk == made[0].pk and pending.kind == RequestKind.CREATE
    assert MaintenanceRequest.objects.count() == 1
    assert services.spare_accounts(one_spare) == 0
    assert AuditRecord.objects.filter(event="DMS_CREATE_REQUESTED").count() == 1
    assert verify_chain().ok


def test_two_makers_racing_through_the_pages_get_one_confirm_page(one_spare):
    clients = [dms_login(Client(), User.objects.get(username=u))
               for u in ("B01234X1", "B01234Y1")]
    user_ids = ["B0123405", "B0123406"]

    def work(i):
        return clients[i].post("/dms/profiles/create/", {**PROFILE, "user_id": user_ids[i]})

    responses = race(2, work)
    assert not any(isinstance(r, BaseException) for r in responses), responses
    redirects = [r for r in responses if r.status_code == 302]
    pages = [r for r in responses if r.status_code == 200]
    assert len(redirects) == 1 and len(pages) == 1, [r.status_code for r in responses]
    req = MaintenanceRequest.objects.get(status=RequestStatus.PENDING)
    assert redirects[0].url == f"/dms/requests/{req.pk}/confirm/"
    assert NO_SPARE + " 5." in pages[0].text
    assert "Please submit eService DA4 for additional user accounts." in pages[0].text
    assert MaintenanceRequest.objects.count() == 1


def test_two_makers_racing_for_the_same_user_id_get_one_request(participant, maker, maker2):
    """Plenty of spare accounts, but one User ID: it is requested once."""

    def work(i):
        maker = User.objects.get(username=("B01234X1", "B01234Y1")[i])
        return services.request_create(maker=maker, username="B0123405", values=VALUES)

    made, refused = split(race(2, work))
    assert len(made) == 1 and len(refused) == 1, (made, refused)
    message = refused[0].messages[0]
    assert "B0123405" in message
    assert "already in use or has been used before" in message or ALREADY_WAITING in message
    assert MaintenanceRequest.objects.filter(status=RequestStatus.PENDING).count() == 1


# --- a request is applied once (SPEC D4) -------------------------------------------------------


@pytest.fixture
def pending_create(participant, maker, checker, checker2):
    return services.request_create(maker=maker, username="B0123405", values=VALUES)


@pytest.mark.parametrize("checker_ids", [("B01234X2", "B01234X3"), ("B01234X2", "B01234X2")],
                         ids=["two-checkers", "same-checker"])
def test_approving_the_same_request_twice_at_once_applies_it_once(pending_create, checker_ids):
    def work(i):
        return services.request_approve(req_id=pending_create.pk, checker_id=checker_ids[i],
                                        authorisation_code=STRONG_PASSWORD)

    approved, refused = split(race(2, work))
    assert len(approved) == 1 and len(refused) == 1, (approved, refused)
    assert NO_LONGER_PENDING in refused[0].messages[0]
    assert User.objects.filter(username="B0123405").count() == 1
    req = MaintenanceRequest.objects.get(pk=pending_create.pk)
    assert req.status == RequestStatus.APPROVED
    assert req.checker.username == approved[0].checker.username
    assert AuditRecord.objects.filter(event="DMS_CREATE_APPROVED").count() == 1
    # The loser's right Authorisation Code is not a failed login.
    assert not User.objects.filter(username__in=checker_ids, login_failures__isnull=False)
    assert verify_chain().ok


def test_approve_and_reject_at_once_decide_the_request_once(pending_create):
    def work(i):
        if i == 0:
            return services.request_approve(req_id=pending_create.pk, checker_id="B01234X2",
                                            authorisation_code=STRONG_PASSWORD)
        return services.request_reject(req_id=pending_create.pk, checker_id="B01234X3",
                                       authorisation_code=STRONG_PASSWORD, reason="not needed")

    decided, refused = split(race(2, work))
    assert len(decided) == 1 and len(refused) == 1, (decided, refused)
    assert NO_LONGER_PENDING in refused[0].messages[0]
    req = MaintenanceRequest.objects.get(pk=pending_create.pk)
    created = User.objects.filter(username="B0123405").exists()
    if req.status == RequestStatus.APPROVED:
        assert created and req.checker.username == "B01234X2"
    else:
        assert req.status == RequestStatus.REJECTED
        assert not created and req.checker.username == "B01234X3"
    decisions = AuditRecord.objects.filter(
        event__in=["DMS_CREATE_APPROVED", "DMS_CREATE_REJECTED"])
    assert decisions.count() == 1
    assert verify_chain().ok


# --- one pending request per profile ------------------------------------------------------------


def test_two_makers_racing_a_change_of_one_profile_get_one_pending_request(
    participant, maker, maker2
):
    make_user(participant, "B0123401", password=None)
    surnames = ["LEE", "HO"]

    def work(i):
        maker = User.objects.get(username=("B01234X1", "B01234Y1")[i])
        subject = User.objects.get(username="B0123401")
        values = {**services.profile_values(subject), "surname": surnames[i]}
        return services.request_change(maker=maker, subject=subject, values=values)

    made, refused = split(race(2, work))
    assert len(made) == 1 and len(refused) == 1, (made, refused)
    assert refused[0].messages[0] == (
        "User ID B0123401 already has a request waiting for authorisation.")
    pending = MaintenanceRequest.objects.get(status=RequestStatus.PENDING)
    assert pending.pk == made[0].pk and pending.kind == RequestKind.CHANGE
    assert pending.after["surname"] in surnames
    assert MaintenanceRequest.objects.count() == 1
    assert User.objects.get(username="B0123401").surname == "CHAN"  # nothing applied
    assert AuditRecord.objects.filter(event="DMS_CHANGE_REQUESTED").count() == 1
    assert verify_chain().ok

"""SPEC D4: who may authorise; every refusal leaves the database unchanged."""

import pytest

from accounts.models import LoginFailure, User
from dms.models import MaintenanceRequest, RequestStatus
from tests.conftest import STRONG_PASSWORD, make_user
from tests.dms.conftest import PROFILE, confirm, initialised

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(maker_client):
    response = maker_client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123405"})
    return response.url


def assert_unchanged():
    assert not User.objects.filter(username="B0123405").exists()
    assert MaintenanceRequest.objects.get().status == RequestStatus.PENDING


WRONG = "Checker ID or Authorisation Code is incorrect."


def assert_answered_like_an_unknown_id(response, user):
    """SPEC D4: only the maker's participant's DA checkers are looked up; any other ID gets
    the unknown ID's answer and nobody's failure count moves."""
    assert response.status_code == 400
    assert WRONG in response.text
    assert not LoginFailure.objects.filter(user=user).exists()
    assert_unchanged()


def test_the_maker_cannot_be_the_checker(maker_client, pending, maker):
    response = confirm(maker_client, pending, "B01234X1", code="Wrong-Password99!")
    assert "The maker cannot authorise their own request." in response.text
    assert not LoginFailure.objects.filter(user=maker).exists()
    assert_unchanged()


def test_a_checker_of_another_participant_is_answered_like_an_unknown_id(
        maker_client, pending, outsider):
    other = User.objects.get(username="BNK999X2")
    response = confirm(maker_client, pending, "BNK999X2", code="Wrong-Password99!")
    assert_answered_like_an_unknown_id(response, other)
    # Its lock state is not revealed either.
    other.is_locked = True
    other.save(update_fields=["is_locked"])
    response = confirm(maker_client, pending, "BNK999X2")
    assert "locked" not in response.text
    assert_answered_like_an_unknown_id(response, other)


def test_hkex_staff_cannot_be_pushed_towards_lockout(maker_client, pending, django_user_model):
    staff = django_user_model.objects.create_superuser("HKEXADMIN", STRONG_PASSWORD)
    for _ in range(6):
        response = confirm(maker_client, pending, "HKEXADMIN", code="Wrong-Password99!")
    assert_answered_like_an_unknown_id(response, staff)
    assert not User.objects.get(pk=staff.pk).is_locked


def test_an_end_user_cannot_check(maker_client, pending, participant):
    user = initialised(participant, "B0123401")
    response = confirm(maker_client, pending, "B0123401", code="Wrong-Password99!")
    assert_answered_like_an_unknown_id(response, user)


def test_a_disabled_checker_is_refused(maker_client, pending, checker):
    checker.status = "DISABLED"
    checker.save(update_fields=["status"])
    response = confirm(maker_client, pending, "B01234X2")
    assert "Checker B01234X2 is not enabled and cannot authorise." in response.text
    assert_unchanged()


def test_a_locked_checker_is_refused(maker_client, pending, checker):
    checker.is_locked = True
    checker.save(update_fields=["is_locked"])
    response = confirm(maker_client, pending, "B01234X2")
    assert "Checker B01234X2 is locked and cannot authorise." in response.text
    assert_unchanged()


def test_an_uninitialised_checker_is_refused(maker_client, pending, participant):
    from accounts.models import DARole

    make_user(participant, "B01234Z1", role=DARole.CHECKER)  # password, but no OTP channel
    response = confirm(maker_client, pending, "B01234Z1")
    assert "Checker B01234Z1 has not initialised 2FA and cannot authorise." in response.text
    assert_unchanged()


def test_a_wrong_authorisation_code_is_refused_and_counts(maker_client, pending, checker):
    response = confirm(maker_client, pending, "B01234X2", code="Wrong-Password99!")
    assert response.status_code == 400
    assert "Checker ID or Authorisation Code is incorrect." in response.text
    assert_unchanged()
    assert LoginFailure.objects.filter(user=checker, reason="AUTH_CODE").count() == 1
    for _ in range(4):
        confirm(maker_client, pending, "B01234X2", code="Wrong-Password99!")
    assert User.objects.get(pk=checker.pk).is_locked
    response = confirm(maker_client, pending, "B01234X2")
    assert "Checker B01234X2 is locked and cannot authorise." in response.text
    assert_unchanged()


def test_an_unknown_checker_id_is_refused(maker_client, pending):
    response = confirm(maker_client, pending, "B01234Y9")
    assert "Checker ID or Authorisation Code is incorrect." in response.text
    assert_unchanged()


def test_a_checker_cannot_authorise_a_change_of_their_own_profile(maker_client, checker):
    response = maker_client.post("/dms/profiles/change/B01234X2/", {
        **PROFILE, "surname": "CHECKER", "email": "b01234x2@abc-securities.example",
    })
    assert response.status_code == 302, response.text
    response = confirm(maker_client, response.url, "B01234X2")
    assert "A checker cannot authorise a request concerning their own profile." in response.text
    assert User.objects.get(pk=checker.pk).surname == "CHAN"
    # Another checker may.
    response = confirm(maker_client, f"/dms/requests/{MaintenanceRequest.objects.get().pk}"
                       "/confirm/", "B01234X3")
    assert "THE ABOVE USER PROFILE IS CHANGED SUCCESSFULLY" in response.text
    assert User.objects.get(pk=checker.pk).surname == "CHECKER"


def test_a_confirmed_request_is_not_applied_twice(maker_client, pending):
    assert "CREATED SUCCESSFULLY" in confirm(maker_client, pending, "B01234X2").text
    again = confirm(maker_client, pending, "B01234X3")
    assert "no longer waiting for authorisation" in again.text
    assert User.objects.filter(username="B0123405").count() == 1


def test_another_participants_request_is_not_found(client, pending, outsider):
    from tests.dms.conftest import dms_login

    dms_login(client, outsider)
    assert client.get(pending).status_code == 404
    assert client.post(pending, {"checker_id": "BNK999X2",
                                 "authorisation_code": STRONG_PASSWORD}).status_code == 404
    assert_unchanged()

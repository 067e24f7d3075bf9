"""Issue item 8: the participant's DAs are emailed when a profile is locked, reset or deleted
(by Celery after commit, no link)."""

import pytest
from django.conf import settings

from accounts.services import authenticate_password
from tests.dms.conftest import PROFILE, confirm, initialised

pytestmark = pytest.mark.django_db

#: The DAs of ABC SECURITIES (maker, checker, checker2): the only ones to be told.
DAS = ["b01234x1@abc-securities.example", "b01234x2@abc-securities.example",
       "b01234x3@abc-securities.example"]


def the_notice(mailoutbox, what):
    """The one DA notice about B0123401: to the participant's DAs only, without a link."""
    [notice] = [m for m in mailoutbox if "user profile B0123401" in m.subject]
    assert notice.subject == f"CCASS: user profile B0123401 {what}"
    assert notice.from_email == settings.DEFAULT_FROM_EMAIL
    # Not the user concerned, not an end user, not a DA of another participant.
    assert sorted(notice.to) == DAS
    assert f"The CCASS user profile B0123401 (CHAN Tai Man) {what} on " in notice.body
    assert "Enquire User Profile" in notice.body and "http" not in notice.body
    return notice


def test_the_das_are_told_when_a_profile_locks(
    participant, maker, checker, checker2, outsider, mailoutbox,
    django_capture_on_commit_callbacks,
):
    initialised(participant, "B0123401")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            authenticate_password(username="B0123401", password="Wrong-Password99!")
    notice = the_notice(
        mailoutbox, "has been locked after too many unsuccessful login attempts")
    assert notice.subject == (
        "CCASS: user profile B0123401 has been locked after too many unsuccessful login attempts"
    )


@pytest.mark.parametrize(("action", "what"), [
    ("reset", "has had its OTP device registration unlocked/reset"),
    ("delete", "has been deleted"),
])
def test_the_das_are_told_when_a_profile_is_reset_or_deleted(
    action, what, participant, maker_client, outsider, mailoutbox,
    django_capture_on_commit_callbacks,
):
    initialised(participant, "B0123401")
    with django_capture_on_commit_callbacks(execute=True):
        if action == "reset":  # "Unlock/Reset OTP Device Registration" (SPEC A7)
            response = maker_client.post("/dms/profiles/change/B0123401/", {
                **PROFILE, "surname": "CHAN", "other_names": "Tai Man",
                "email": "b0123401@abc-securities.example", "reset_otp": "on"})
        else:
            response = maker_client.post("/dms/profiles/delete/B0123401/")
    assert response.status_code == 302
    assert not [m for m in mailoutbox if "user profile B0123401" in m.subject]  # not yet (D4)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(maker_client, response.url, "B01234X2")
    the_notice(mailoutbox, what)


def test_no_notice_while_the_count_is_below_the_limit(
    participant, maker, mailoutbox, django_capture_on_commit_callbacks
):
    initialised(participant, "B0123401")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            authenticate_password(username="B0123401", password="Wrong-Password99!")
    assert mailoutbox == []
    # The attempt that locks is the one that tells them (so the silence above means something).
    with django_capture_on_commit_callbacks(execute=True):
        authenticate_password(username="B0123401", password="Wrong-Password99!")
    assert [m.to for m in mailoutbox] == [["b01234x1@abc-securities.example"]]

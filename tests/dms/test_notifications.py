"""Issue item 8: the participant's DAs are emailed when a profile is locked (by Celery, no link)."""

import pytest

from accounts.services import authenticate_password
from tests.dms.conftest import initialised

pytestmark = pytest.mark.django_db


def test_the_das_are_told_when_a_profile_locks(
    participant, maker, checker, checker2, mailoutbox, django_capture_on_commit_callbacks
):
    initialised(participant, "B0123401")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            authenticate_password(username="B0123401", password="Wrong-Password99!")
    [notice] = [m for m in mailoutbox if "B0123401" in m.subject]
    assert notice.subject == (
        "CCASS: user profile B0123401 has been locked after too many unsuccessful login attempts"
    )
    assert sorted(notice.to) == [
        "b01234x1@abc-securities.example", "b01234x2@abc-securities.example",
        "b01234x3@abc-securities.example",
    ]
    assert "http" not in notice.body and "Enquire User Profile" in notice.body


def test_no_notice_while_the_count_is_below_the_limit(
    participant, maker, mailoutbox, django_capture_on_commit_callbacks
):
    initialised(participant, "B0123401")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            authenticate_password(username="B0123401", password="Wrong-Password99!")
    assert mailoutbox == []

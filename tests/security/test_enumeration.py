"""Issue 10, defect 1: "Forgot/Reset your password?" reveals nothing about User IDs (SPEC L7).

Every User ID without an app device (unknown, never initialised, on email OTP) gets the same
status, the same page and the same time, whether the mail queue is up or down: the request
only looks the ID up and queues one task carrying the typed User ID; the worker decides what,
if anything, to mail (SPEC L4: at most one email per User ID per 5 minutes).
"""

import contextlib
import re
import statistics
import time

import pytest
from django.test import Client
from django.utils.html import escape

from accounts.login import OTP_UNAVAILABLE
from accounts.models import EmailOTPDevice, LoginChallenge
from tests.accounts.test_broker_down import (
    CLOSED_PORT,
    _drop_cached_connections,
    celery_pointed_at,
)
from tests.conftest import make_user
from tests.helpers import choose_email, otp_emails

pytestmark = pytest.mark.django_db

#: An email-OTP user, a profile never initialised (no password yet), an unknown ID.
IDS = ("B0123401", "B0123402", "B0123499")
SAMPLES = 200
MEDIANS_WITHIN_SECONDS = 0.005


@pytest.fixture
def people(end_user, participant):
    choose_email(end_user)
    return end_user, make_user(participant, "B0123402", password=None)


@contextlib.contextmanager
def queue_that_only_holds():
    """A broker that takes tasks and runs none (kombu's in-memory transport): what a request
    does while the worker is elsewhere, without Redis in the test."""
    from ccass_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    _drop_cached_connections(app)
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    try:
        yield app
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge("celery")
        app.conf.task_always_eager, app.conf.broker_url = saved
        _drop_cached_connections(app)


def queued_messages(app):
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("celery")
        messages = []
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                return messages
            messages.append((message.headers, message.payload))
            message.ack()


def reset(user_id, *, follow=False):
    return Client().post("/login/reset/", {"user_id": user_id, "portal": "terminal"},
                         follow=follow)


def page_text(response, user_id):
    """The page without its per-session CSRF token and the User ID typed (a form shown again
    repeats what was typed)."""
    page = re.sub(r'value="[^"]{40,}"', "", response.content.decode())
    return page.replace(f'value="{user_id}"', 'value="(typed)"')


def assert_answered_alike(answers):
    assert {a.status_code for a in answers} == {200}, [a.status_code for a in answers]
    assert len({tuple(a.redirect_chain) for a in answers}) == 1
    assert len({page_text(a, user_id) for a, user_id in zip(answers, IDS, strict=True)}) == 1


def test_it_answers_alike_for_every_id_without_an_app_device(people):
    with queue_that_only_holds():
        answers = [reset(user_id, follow=True) for user_id in IDS]
    assert_answered_alike(answers)
    assert answers[0].redirect_chain == [("/login/reset/otp/", 302)]


def test_it_answers_alike_when_the_broker_is_down(people, caplog):
    """Nobody is told a mail is on its way that was never queued; nobody is told apart."""
    with celery_pointed_at(CLOSED_PORT, results=False):
        answers = [reset(user_id, follow=True) for user_id in IDS]
    assert_answered_alike(answers)
    assert escape(OTP_UNAVAILABLE) in answers[0].content.decode()
    assert not LoginChallenge.objects.exists()


def test_it_does_the_same_work_in_the_request_for_every_id(people, mailoutbox):
    """One task with the typed User ID and no code; no code made, no mail sent in the request."""
    with queue_that_only_holds() as app:
        for user_id in IDS:
            assert reset(f"  {user_id.lower()} ").status_code == 302
        messages = queued_messages(app)
    assert [headers["task"] for headers, _ in messages] == ["accounts.send_reset_email"] * 3
    assert [payload[0] for _, payload in messages] == [
        [user_id.lower(), False] for user_id in IDS
    ]
    assert all(headers["expires"] for headers, _ in messages)
    assert not EmailOTPDevice.objects.exclude(token=None).exists()
    assert mailoutbox == []


def test_the_worker_mails_what_applies_once_per_five_minutes(
        people, mailoutbox, django_capture_on_commit_callbacks):
    """The task decides: the OTP for a first set-up, the notice for an email-OTP user,
    nothing for an unknown ID; a second reset within 5 minutes sends nothing (SPEC L4)."""
    from accounts.tasks import send_reset_email

    email_user, first_timer = people
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            for user_id in IDS:
                send_reset_email(user_id.lower(), False)
    assert sorted(m.to[0] for m in mailoutbox) == [email_user.email, first_timer.email]
    [code_mail] = otp_emails(mailoutbox)
    assert code_mail.to == [first_timer.email]
    device = EmailOTPDevice.objects.get(user=first_timer)
    assert device.purpose == "RESET" and device.token in code_mail.body


def _medians(post):
    samples = {user_id: [] for user_id in IDS}
    for i in range(SAMPLES):
        order = IDS[i % 3:] + IDS[:i % 3]  # interleaved, each ID in every position
        for user_id in order:
            client = Client()
            start = time.perf_counter()
            post(client, user_id)
            samples[user_id].append(time.perf_counter() - start)
    return {user_id: statistics.median(times) for user_id, times in samples.items()}


def _post(client, user_id):
    client.post("/login/reset/", {"user_id": user_id, "portal": "terminal"})


def assert_medians_close(medians):
    spread = max(medians.values()) - min(medians.values())
    assert spread < MEDIANS_WITHIN_SECONDS, {k: f"{v * 1000:.2f} ms" for k, v in medians.items()}


@pytest.mark.postgres
def test_it_takes_the_same_time_for_every_id(people):
    with queue_that_only_holds():
        for user_id in IDS:  # warm up (first connection, template loading)
            _post(Client(), user_id)
        assert_medians_close(_medians(_post))


@pytest.mark.postgres
def test_it_takes_the_same_time_for_every_id_with_the_broker_down(people, caplog):
    with celery_pointed_at(CLOSED_PORT, results=False):
        for user_id in IDS:
            _post(Client(), user_id)
        assert_medians_close(_medians(_post))

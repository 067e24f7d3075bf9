"""Issue 10, defect 8: no session row until a step needs one; expired rows cleared daily."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = ["/", "/dms/", "/login/", "/dms/login/", "/connect/login/",
                   "/login/smartcard/", "/dms/login/smartcard/", "/login/reset/",
                   "/admin/login/"]


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_it_writes_no_session_for_anonymous_gets(client, url):
    for _ in range(20):
        assert client.get(url).status_code == 200
    assert Session.objects.count() == 0
    assert settings.SESSION_COOKIE_NAME not in client.cookies


@pytest.mark.parametrize("url", ["/login/", "/dms/login/", "/connect/login/"])
def test_it_writes_no_session_for_wrong_passwords(client, url, end_user):
    """A refused password starts nothing: 20 of them leave the session table empty."""
    for i in range(20):
        response = client.post(url, {"user_id": f"NOBODY{i:02d}", "password": "Wrong-Passw0rd!xx"})
        assert response.status_code == 200
    assert Session.objects.count() == 0


def test_it_writes_no_session_for_a_wrong_smartcard(client):
    for _ in range(20):
        client.post("/login/smartcard/", {"srn": "0101101200012AB2", "password": "123456"})
    assert Session.objects.count() == 0


def test_it_uses_cookies_for_messages():
    assert settings.MESSAGE_STORAGE == "django.contrib.messages.storage.cookie.CookieStorage"


def test_it_clears_expired_sessions_in_a_beat_task():
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.tasks import clear_expired_sessions

    live, old = SessionStore(), SessionStore()
    live["x"], old["x"] = 1, 1
    live.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))
    clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert clear_expired_sessions.name in schedule

"""Issue 10, defect 3: a database (or Redis) outage answers 503, never 500.

The page is the portal's own "temporarily unavailable" page with ``Retry-After``, rendered
without the database; what a request had begun is rolled back (services are atomic).

The outage is simulated (every SQL statement raises ``OperationalError``, as a server that is
gone does); no throwaway PostgreSQL is started here. This module is also the URLconf of the
tests that need a view touching nothing but the session.
"""

import pytest
import redis
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import path

from accounts.models import AuditRecord, LoginFailure
from ccass_portal import urls as portal_urls

pytestmark = pytest.mark.django_db

UNAVAILABLE = "The portal is temporarily unavailable"


def _session_only(request):
    """Touches nothing but a new session, which is saved after the view (by its middleware)."""
    from django.http import HttpResponse

    request.session["seen"] = True
    return HttpResponse("ok")


def _needs_redis(request):
    raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")


def _interface_gone(request):
    raise InterfaceError("connection already closed")


# This URLconf answers errors as the portal's does.
handler500 = getattr(portal_urls, "handler500", "django.views.defaults.server_error")

urlpatterns = [
    path("test-outage/session-only/", _session_only),
    path("test-outage/redis/", _needs_redis),
    path("test-outage/interface/", _interface_gone),
    *portal_urls.urlpatterns,
]


@pytest.fixture
def database_down(monkeypatch):
    """Every SQL statement fails as it does while PostgreSQL is down or restarting."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)
    yield
    monkeypatch.undo()


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "HKEX" in page and 'class="banner"' in page  # base.html: the portal's look
    assert UNAVAILABLE in page and "try again" in page
    for leak in ("OperationalError", "InterfaceError", "5432", "6379", "Traceback"):
        assert leak not in page


def test_it_renders_the_unavailable_page_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        page = render_to_string("503.html")
    assert UNAVAILABLE in page


@override_settings(DEBUG=False)
def test_it_answers_503_at_log_in_while_the_database_is_down(client, database_down):
    response = client.post("/login/", {"user_id": "B0123401", "password": "Whatever-1234567!",
                                       "function": "online"})
    assert_unavailable(response)


@override_settings(DEBUG=False)
def test_it_answers_503_after_login_while_the_database_is_down(end_user, database_down):
    # The session middleware loads the session again after the view's 503: that second
    # failure reaches the 500 handler, which answers 503 as well.
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32  # a session the page must load from the database
    assert_unavailable(client.get("/home/"))


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_it_answers_503_when_only_saving_the_session_fails(database_down):
    """The session is saved after the view, by middleware: the 500 handler answers 503 too."""
    client = Client(raise_request_exception=False)
    assert_unavailable(client.get("/test-outage/session-only/"))


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_it_answers_503_when_a_page_needs_redis_and_it_is_down(client):
    assert_unavailable(client.get("/test-outage/redis/"))
    assert_unavailable(client.get("/test-outage/interface/"))


@override_settings(DEBUG=False)
def test_nothing_is_half_written_when_the_database_fails_midway(client, end_user, monkeypatch):
    """The failure is counted and recorded in one transaction: if the audit write fails, the
    counted failure written just before it is rolled back with it."""
    import accounts.services

    def audit_fails(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(accounts.services, "record_event", audit_fails)
    response = client.post("/login/", {"user_id": "B0123401", "password": "Wrong-Password00!",
                                       "function": "online"})
    assert_unavailable(response)
    monkeypatch.undo()
    assert not LoginFailure.objects.exists()
    assert not AuditRecord.objects.exists()


@override_settings(DEBUG=False)
def test_it_recovers_by_itself_when_the_database_returns(client, end_user, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    assert_unavailable(client.post("/login/", {"user_id": "B0123401",
                                               "password": "Wrong-Password00!",
                                               "function": "online"}))
    monkeypatch.undo()
    response = client.post("/login/", {"user_id": "B0123401", "password": "Wrong-Password00!",
                                       "function": "online"})
    assert response.status_code == 200
    assert LoginFailure.objects.count() == 1

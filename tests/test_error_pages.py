"""Error pages in the portal's own look, with a way back and no technical detail (issue 7).

Run with ``DEBUG=False`` as in production; this module is also the URLconf of the tests that
need a page that fails (``ROOT_URLCONF``), beside every real page of the portal.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import path

from ccass_portal.urls import urlpatterns as portal_urlpatterns

pytestmark = pytest.mark.django_db

SECRET_DETAIL = "internal detail a person must never see"


def _fails(request):
    raise RuntimeError(SECRET_DETAIL)


def _forbidden(request):
    raise PermissionDenied(SECRET_DETAIL)


urlpatterns = [
    path("test-error/fails/", _fails),
    path("test-error/forbidden/", _forbidden),
    *portal_urlpatterns,
]

WAY_BACK = ['href="/"', 'href="/dms/"']


def assert_portal_page(response, *texts):
    page = response.content.decode()
    assert "HKEX" in page and 'class="banner"' in page  # base.html
    for text in (*texts, *WAY_BACK):
        assert text in page
    for leak in (SECRET_DETAIL, "Traceback", "RuntimeError", "DEBUG", "CsrfViewMiddleware"):
        assert leak not in page


@override_settings(DEBUG=False)
def test_it_shows_a_page_not_found(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_portal_page(response, "Page not found", "There is no page at this address.")


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_it_shows_access_denied(client):
    response = client.get("/test-error/forbidden/")
    assert response.status_code == 403
    assert_portal_page(response, "Access denied", "You are not allowed to open this page.")


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_it_shows_a_server_error_without_the_stack_trace(client):
    client.raise_request_exception = False
    response = client.get("/test-error/fails/")
    assert response.status_code == 500
    assert_portal_page(
        response, "Sorry, something went wrong",
        "The portal could not complete your request because of a problem on our side.",
    )


def test_it_renders_the_server_error_page_without_a_request(django_assert_num_queries):
    """Django renders 500.html with no request and no context processors: no query either."""
    with django_assert_num_queries(0):
        page = render_to_string("500.html")
    assert "Sorry, something went wrong" in page
    assert 'href="/dms/"' in page


@override_settings(DEBUG=False)
def test_it_says_the_page_had_expired_when_the_csrf_token_is_missing():
    # Django's own CSRF failure view renders templates/403_csrf.html (with the request).
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "B0123401", "password": "whatever"})
    assert response.status_code == 403
    assert_portal_page(
        response, "This page had expired", "Nothing has been changed.", "Please start again.",
    )
    assert "CSRF" not in response.content.decode()

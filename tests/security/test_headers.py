"""Issue 10, defect 7: a strict Content-Security-Policy (no inline script) on every page, and
``Cache-Control: no-store`` on pages that show a secret, an OTP form or personal data."""

import re

import pytest

from eservices.models import EService
from tests.conftest import STRONG_PASSWORD, make_user
from tests.dms.conftest import dms_login, initialised
from tests.eservices.conftest import connect_login, connect_user
from tests.helpers import register_app

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    policy = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        policy[name] = values
    return policy


def assert_strict(response):
    policy = csp(response)
    assert policy, "no Content-Security-Policy header"
    script = policy.get("script-src", policy.get("default-src"))
    assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert policy.get("object-src") == ["'none'"]
    assert policy.get("frame-ancestors") == ["'none'"]


def assert_no_inline_code(response):
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page).group(0)
    assert not EVENT_HANDLER.search(page), EVENT_HANDLER.search(page).group(0)
    assert not STYLE_ATTRIBUTE.search(page), STYLE_ATTRIBUTE.search(page).group(0)


def assert_no_store(response):
    assert "no-store" in response.headers.get("Cache-Control", ""), response.headers


@pytest.mark.parametrize("url", ["/", "/dms/", "/login/", "/dms/login/", "/connect/login/",
                                 "/login/smartcard/", "/login/reset/", "/admin/login/"])
def test_it_sends_a_strict_policy_on_public_pages(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_strict(response)
    assert_no_inline_code(response)


def test_it_lets_the_qr_code_be_a_data_image_and_nothing_else_inline(client):
    policy = csp(client.get("/login/"))
    assert policy["img-src"] == ["'self'", "data:"]
    assert "'unsafe-inline'" not in policy.get("style-src", policy["default-src"])


def test_it_keeps_the_otp_page_out_of_caches(client, end_user):
    register_app(end_user)
    client.post("/login/", {"user_id": end_user.username, "password": STRONG_PASSWORD})
    response = client.get("/login/otp/")
    assert response.status_code == 200
    assert_strict(response)
    assert_no_inline_code(response)
    assert_no_store(response)


def test_it_keeps_register_device_and_its_secret_out_of_caches(client, end_user):
    client.post("/login/", {"user_id": end_user.username, "password": STRONG_PASSWORD})
    response = client.get("/login/setup/register/")
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in response.content.decode()
    assert_strict(response)
    assert_no_inline_code(response)
    assert_no_store(response)


def test_it_keeps_login_and_reset_pages_out_of_caches(client):
    for url in ("/login/", "/dms/login/", "/connect/login/", "/login/reset/"):
        assert_no_store(client.get(url))


def test_it_keeps_dms_pages_out_of_caches(client, participant):
    from accounts.models import DARole

    maker = initialised(participant, "B01234X1", DARole.MAKER)
    initialised(participant, "B01234X2", DARole.CHECKER)
    profile = make_user(participant, "B0123401")
    dms_login(client, maker)
    for url in ("/dms/home/", "/dms/listing/", f"/dms/profiles/enquire/{profile.username}/",
                "/dms/listing.csv", "/account/password/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)
        if response["Content-Type"].startswith("text/html"):
            assert_strict(response)
            assert_no_inline_code(response)


def test_it_serves_the_client_connect_record_without_inline_script(client, participant):
    from accounts.models import ConnectRole, DARole

    for username, role in (("B01234X1", DARole.MAKER), ("B01234X2", DARole.CHECKER),
                           ("B01234X3", DARole.CHECKER)):
        initialised(participant, username, role)
    maker = connect_user(participant, "cc.maker@abc-securities.example", ConnectRole.MAKER)
    register_app(maker)
    connect_login(client, maker)
    for form in ("DA3", "DA4"):
        client.post(f"/connect/eservices/new/{form}/")
        record = EService.objects.latest("pk")
        response = client.get(f"/connect/eservices/{record.pk}/")
        assert response.status_code == 200
        assert_strict(response)
        assert_no_inline_code(response)
        assert_no_store(response)


def test_it_keeps_the_admin_out_of_caches_under_the_policy(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert_strict(response)
    assert_no_store(response)

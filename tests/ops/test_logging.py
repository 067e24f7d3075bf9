"""Issue 11, logs: a whole first-time journey logged as production logs it (JSON), one line per
request with its request id, every security event, and never a secret (SPEC L4, L5, L9, R1)."""

import io
import json
import logging
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from ccass_portal import logs
from tests.conftest import make_user
from tests.helpers import app_code, last_email_code

# Real commits: a security event's line is written when its record commits, inside the request.
pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Brand-New9Password!"
WRONG_PASSWORD = "Wrong-Guess77Secret!"


@pytest.fixture
def json_log():
    """What the production handler writes, in memory (the formatter LOG_FORMAT=json uses)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


class Journey:
    """The client, counting its requests and keeping every session key it was given."""

    def __init__(self, client):
        self.client = client
        self.requests = 0
        self.session_keys = set()

    def _seen(self, response):
        self.requests += 1 + len(getattr(response, "redirect_chain", []))
        if self.client.cookies.get("sessionid") and self.client.cookies["sessionid"].value:
            self.session_keys.add(self.client.cookies["sessionid"].value)
        return response

    def get(self, path, **kwargs):
        return self._seen(self.client.get(path, **kwargs))

    def post(self, path, data=None, **kwargs):
        return self._seen(self.client.post(path, data or {}, **kwargs))


def test_it_logs_a_first_time_journey_as_json_without_secrets(client, participant, mailoutbox,
                                                               json_log):
    make_user(participant, "B0123401", password=None, smartcard_srn="0101101200012AB2")
    j = Journey(client)
    codes = []

    # Set the first password with an email OTP (SPEC L3, L7).
    j.post("/login/reset/", {"user_id": "B0123401", "portal": "terminal"}, follow=True)
    codes.append(last_email_code(mailoutbox))
    j.post("/login/reset/otp/", {"otp": codes[-1]}, follow=True)
    page = j.post("/login/reset/password/",
                  {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert "Your password has been successfully reset." in page.text
    # A wrong password first, then the right one (SPEC A3).
    j.post("/login/", {"user_id": "B0123401", "password": WRONG_PASSWORD, "function": "online"})
    j.post("/login/", {"user_id": "B0123401", "password": NEW_PASSWORD, "function": "online"},
           follow=True)
    # REGISTER DEVICE: the key is on the page; a wrong code, then the right one (SPEC L5).
    page = j.get("/login/setup/register/").text
    key = re.search(r'data-key="([A-Z2-7]+)"', page).group(1)
    hex_key = TOTPDevice.objects.get(confirmed=False).key
    wrong = "000000" if app_code(None, key_b32=key) != "000000" else "111111"
    j.post("/login/setup/verify/", {"otp": wrong})
    codes.append(app_code(None, key_b32=key))
    page = j.post("/login/setup/verify/", {"otp": codes[-1]}, follow=True)
    assert "Login Success" in page.text
    j.get("/home/")
    j.post("/logout/")

    lines = json_log.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert entries and all(e.get("request_id") for e in entries), lines

    # One line per request, each with its own request id.
    requests = [e for e in entries if e["event"] == "request_finished"]
    assert len(requests) == j.requests
    assert len({e["request_id"] for e in requests}) == j.requests
    home = next(e for e in requests if e["request"] == "GET /home/")
    assert home["user_id"] == "B0123401" and home["code"] == 200 and home["view"]
    password_step = [e for e in requests if e["request"] == "POST /login/"]
    assert password_step[-1]["redirect"] == "/login/setup/"  # the step's outcome

    # Every security event of the journey, with the step's outcome.
    events = [e for e in entries if e["event"] == "security_event"]
    by_name = {}
    for e in events:
        by_name.setdefault(e["audit_event"], []).append(e)
    assert {"PASSWORD_RESET", "LOGIN_FAILURE", "OTP_FAILURE", "DEVICE_REGISTERED",
            "LOGIN_SUCCESS", "LOGOUT"} <= set(by_name)
    assert by_name["LOGIN_FAILURE"][0]["login_outcome"] == "wrong_password"
    assert by_name["LOGIN_FAILURE"][0]["subject"] == "B0123401"
    assert by_name["OTP_FAILURE"][0]["login_outcome"] == "wrong_otp"
    assert by_name["LOGIN_SUCCESS"][0]["login_outcome"] == "success"
    assert by_name["LOGIN_SUCCESS"][0]["participant"] == "B01234"
    # A security event's line carries the id of the request it happened in.
    failure_request = by_name["LOGIN_FAILURE"][0]["request_id"]
    assert any(e["request_id"] == failure_request and e["request"] == "POST /login/"
               for e in requests)

    # Never a secret: passwords, OTPs, session keys, the TOTP secret (base32 and hex).
    text = json_log.getvalue()
    secrets = {NEW_PASSWORD, WRONG_PASSWORD, key, key.lower(), hex_key, *j.session_keys}
    assert len(j.session_keys) >= 3  # rotated after the password, the OTP and at logout
    leaked = sorted(s for s in secrets if s in text)
    # A code as a word of its own (inside a request id's hex it would be chance, not a leak).
    leaked += [c for c in {wrong, *codes} if re.search(rf"(?<![0-9A-Za-z]){c}(?![0-9A-Za-z])",
                                                       text)]
    assert not leaked, f"secrets in the log: {leaked}"


def test_it_logs_a_failing_request_with_a_plain_traceback_without_locals(rf, json_log):
    """A traceback names files and lines, never the values a frame held (a typed password)."""
    from ccass_portal.request_log import RequestLogMiddleware

    def view(request):
        typed = request.POST["password"]  # noqa: F841 - a local a traceback could show
        raise RuntimeError("boom")

    def handler(request):
        from django.core.handlers.exception import response_for_exception

        try:
            return view(request)
        except RuntimeError as exc:
            return response_for_exception(request, exc)

    request = rf.post("/login/?next=/x", {"password": WRONG_PASSWORD})
    response = RequestLogMiddleware(handler)(request)
    assert response.status_code == 500
    entries = [json.loads(line) for line in json_log.getvalue().splitlines()]
    failed = next(e for e in entries if e["event"] == "request_failed")
    assert failed["request"] == "POST /login/" and "RuntimeError: boom" in failed["exception"]
    assert WRONG_PASSWORD not in json_log.getvalue()
    assert "/x" not in failed["request"]

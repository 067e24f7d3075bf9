"""Issue 10: a full 2FA login costs 4 HTTP requests and at most 25 SQL statements.

The login page, "LOG IN" with the password, the app code ("SUBMIT OTP"), the page after login:
what a person does each morning (here the user's first login ever, which also starts the user's
audit chain: two statements more than on later days). Statements outside the password hash are
what several web hosts share in one PostgreSQL; scripts/bench_login.py measures time and CPU.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import STRONG_PASSWORD
from tests.helpers import app_code, register_app

pytestmark = pytest.mark.django_db

MAX_STATEMENTS = 25


def test_a_full_login_is_four_requests_and_at_most_25_statements(client, end_user):
    register_app(end_user)
    code = app_code(end_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/login/")
        password = client.post("/login/", {"user_id": end_user.username,
                                           "password": STRONG_PASSWORD, "function": "online"})
        otp = client.post(password["Location"], {"otp": code})
        landing = client.get(otp["Location"])
    assert (page.status_code, password.status_code, otp.status_code) == (200, 302, 302)
    assert landing.status_code == 200 and end_user.username in landing.text
    # Savepoints are how the test's own transaction shows the login's transactions; a server
    # sees BEGIN/COMMIT there, which Django does not list either.
    statements = [q["sql"] for q in queries.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)

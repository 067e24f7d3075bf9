"""The operations desk page of the admin (issue 11 item 6): what HKEX staff read at 07:00.

The records are made by the real services (the lockout, the login steps, a failing email
task), so the page is checked against how the portal records things, not against rows a test
invented.
"""

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.audit import Event
from accounts.models import AuditRecord, LoginFailure, Participant, ParticipantKind
from accounts.services import (
    authenticate_password,
    login_failure_record,
    login_success_record,
    otp_failure_record,
)
from eservices.models import EService, FormKind, Status
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HKT = ZoneInfo("Asia/Hong_Kong")
PAGE = "/admin/operations/"
WRONG = "Wrong-Password99!"


def at(hour, minute=0, *, day=4):
    return datetime(2025, 3, day, hour, minute, tzinfo=HKT)


class Tables(HTMLParser):
    """Each table of a page by id, as rows of cell texts (what a person reads)."""

    def __init__(self, html):
        super().__init__()
        self.tables, self._id, self._row, self._cell = {}, None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._id = dict(attrs).get("id")
            self.tables[self._id] = []
        elif tag == "tr" and self._id:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._id].append(self._row)
            self._row = None
        elif tag == "table":
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rows(page, table_id):
    return Tables(page).tables[table_id]


def row_of(page, table_id, first_cell):
    return next(r for r in rows(page, table_id) if r[0] == first_cell)


@pytest.fixture
def other_participant(db):
    return Participant.objects.create(
        kind=ParticipantKind.HKSCC_CP, participant_id="C05678", name="DEF SECURITIES",
        user_id_prefix="C05678", max_users=20,
    )


def lock(user):
    """Five wrong passwords: what ``authenticate_password`` records after its (slow) hash."""
    for _ in range(5):
        login_failure_record(user=user, reason=LoginFailure.Reason.PASSWORD)


def test_it_counts_today_s_logins_by_hour_and_outcome(admin_client, clock, participant):
    alice, bob = (make_user(participant, f"B012340{i}", password=None) for i in (1, 2))
    carol = make_user(participant, "B0123403")
    clock.now = at(23, 30, day=3)  # yesterday: not today's
    login_success_record(user=alice)
    clock.now = at(6, 55)
    login_success_record(user=alice)
    clock.now = at(7, 5)
    for user in (alice, bob, alice):
        login_success_record(user=user)
    clock.advance(minutes=1)
    lock(carol)  # 5 wrong passwords, the 5th locks
    for _ in range(3):  # 3 wrong OTPs: also one counted login failure, not a 4th attempt
        otp_failure_record(user=bob)
    authenticate_password(username=carol.username, password=WRONG)  # already locked
    clock.now = at(7, 40)

    page = admin_client.get(PAGE).text

    header = rows(page, "logins-table")[0]
    assert header == ["Hour (HKT)", "Success", "Wrong password", "Wrong OTP", "Locked",
                      "Other refusals"]
    assert row_of(page, "logins-table", "06:00") == ["06:00", "1", "0", "0", "0", "0"]
    assert row_of(page, "logins-table", "07:00") == ["07:00", "3", "5", "3", "1", "1"]
    assert row_of(page, "logins-table", "Today") == ["Today", "4", "5", "3", "1", "1"]
    assert "23:00" not in [r[0] for r in rows(page, "logins-table")]
    # The chart: one bar per outcome of each hour, each named for hover and screen readers.
    bars = re.findall(r'<rect class="ops-chart-bar"[^>]*>\s*<title>([^<]+)</title>', page)
    assert bars == ["06:00 Success: 1", "07:00 Success: 3", "07:00 Wrong password: 5",
                    "07:00 Wrong OTP: 3", "07:00 Locked: 1", "07:00 Other refusals: 1"]
    assert 'role="img"' in page and "<title id=\"chart-title\">" in page
    assert re.search(r'id="tile-logins">4<', page)
    assert "8 failed attempts (wrong password or OTP)" in page


def test_the_bars_stack_to_the_hour_s_total(admin_client, clock, participant):
    user = make_user(participant, "B0123401", password=None)
    clock.now = at(7, 5)
    for _ in range(2):
        login_success_record(user=user)
    for _ in range(2):
        authenticate_password(username="NOBODY01", password=WRONG)  # unknown User ID
    page = admin_client.get(PAGE).text
    heights = [float(h) for h in re.findall(
        r'<rect class="ops-chart-bar"[^>]*height="([\d.]+)"', page)]
    assert len(heights) == 2 and heights[0] == heights[1] > 0
    assert row_of(page, "logins-table", "07:00")[:3] == ["07:00", "2", "2"]


def test_it_lists_accounts_locked_now_by_participant(admin_client, participant,
                                                     other_participant):
    for user_id in ("B0123401", "B0123402"):
        lock(make_user(participant, user_id, password=None))
    lock(make_user(other_participant, "C0567801", password=None))
    make_user(other_participant, "C0567802", password=None)  # not locked

    page = admin_client.get(PAGE).text

    table = rows(page, "lockouts-table")
    assert [r[0] for r in table[1:]] == ["B01234 ABC SECURITIES", "C05678 DEF SECURITIES"]
    assert table[1][1] == "2" and table[1][3] == "B0123401 , B0123402"
    assert table[2][1] == "1" and table[2][3] == "C0567801"
    assert re.search(r'id="tile-locked">3<', page)
    assert "at 2 participants; 3 locked today" in page


def test_an_unlocked_account_leaves_the_list(admin_client, participant, admin_user):
    from accounts.services import user_unlock

    user = make_user(participant, "B0123401", password=None)
    lock(user)
    user_unlock(target=user, actor=admin_user)
    page = admin_client.get(PAGE).text
    assert "No account is locked." in page
    assert "lockouts-table" not in page


def _eservice(participant, maker, reference, *, status, sent_at):
    return EService.objects.create(form=FormKind.DA3, participant=participant, maker=maker,
                                   reference=reference, status=status, status_at=sent_at)


def test_it_shows_eservices_waiting_for_hkex_by_age(admin_client, clock, participant):
    maker = make_user(participant, "B01234X1", role="MAKER", password=None)
    clock.now = at(7, 30)
    _eservice(participant, maker, "DA3_00000001", status=Status.SENT,
              sent_at=clock.now - timedelta(hours=30))
    _eservice(participant, maker, "DA3_00000002", status=Status.SENT,
              sent_at=clock.now - timedelta(minutes=20))
    # Not waiting for HKEX: with the participant's checker, or already processed.
    _eservice(participant, maker, "DA3_00000003", status=Status.READY,
              sent_at=clock.now - timedelta(days=5))
    _eservice(participant, maker, "DA3_00000004", status=Status.COMPLETED,
              sent_at=clock.now - timedelta(days=5))

    page = admin_client.get(PAGE).text

    assert rows(page, "eservices-ages") == [["Under 4 hours", "1"], ["4 to 24 hours", "0"],
                                            ["1 to 3 days", "1"], ["Over 3 days", "0"]]
    assert rows(page, "eservices-oldest")[1:] == [
        ["DA3_00000001", "DA3", "B01234", "3 Mar 01:30", "1 d 6 h"],
        ["DA3_00000002", "DA3", "B01234", "4 Mar 07:10", "20 min"],
    ]
    assert re.search(r'id="tile-eservices">2<', page)
    assert "oldest 1 d 6 h; 1 over 1 day" in page


def last_try(task, *args):
    """Run ``task`` as its last allowed retry (the worker's back-off takes half a minute)."""
    from accounts.tasks import NOTICE_TASK

    return task.apply(args=args, retries=NOTICE_TASK["max_retries"], throw=False)


def test_a_notice_email_given_up_after_its_retries_is_shown_once(admin_client, participant,
                                                                 monkeypatch, mailoutbox):
    from accounts import emails
    from accounts.tasks import send_security_email

    user = make_user(participant, "B0123401", password=None)

    def smtp_down(**kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(emails, "send_mail", smtp_down)
    # An attempt with retries left is not a failure yet; the last one (retries exhausted) is.
    with pytest.raises(Retry):
        send_security_email.apply(args=(user.pk, "password_changed"))
    assert not AuditRecord.objects.filter(event=Event.EMAIL_FAILED).exists()
    result = last_try(send_security_email, user.pk, "password_changed")
    assert result.failed()

    record = AuditRecord.objects.get(event=Event.EMAIL_FAILED)
    assert record.subject == user and record.outcome == "FAILURE"
    page = admin_client.get(PAGE).text
    assert rows(page, "emails-table")[1][1:] == [
        "security: password_changed", "B0123401",
        "ConnectionRefusedError: [Errno 111] Connection refused"]
    assert re.search(r'id="tile-emails">1<', page)


def test_an_otp_email_that_fails_names_its_user_and_never_its_code(participant, monkeypatch):
    from accounts import emails
    from accounts.tasks import send_otp_email
    from tests.helpers import choose_email

    user = make_user(participant, "B0123401", password=None)
    device = choose_email(user)
    device.generate_token(length=8, valid_secs=300, commit=False)
    device.cooldown_set(commit=False)
    device.save()
    monkeypatch.setattr(emails, "send_mail", lambda **kw: (_ for _ in ()).throw(OSError("down")))
    # No retries for OTP emails: the first failure is final.
    send_otp_email.apply(args=(device.pk, device.last_generated_timestamp.isoformat()),
                         throw=False)

    record = AuditRecord.objects.get(event=Event.EMAIL_FAILED)
    assert record.subject == user
    assert record.details["kind"] == "otp"
    assert device.token not in str(record.details) + record.reason


def test_a_sent_email_leaves_no_failure(admin_client, participant, mailoutbox):
    from accounts.tasks import send_security_email

    user = make_user(participant, "B0123401", password=None)
    send_security_email.apply(args=(user.pk, "password_changed"))
    assert len(mailoutbox) == 1
    assert not AuditRecord.objects.filter(event=Event.EMAIL_FAILED).exists()
    assert "No email failed." in admin_client.get(PAGE).text


def test_the_admin_index_links_to_the_page(admin_client):
    page = admin_client.get("/admin/").text
    assert f'href="{PAGE}"' in page


def test_a_participant_user_is_refused(client, participant):
    user = make_user(participant, "B0123401", password=None)
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_anonymous_is_sent_to_the_staff_login(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_otp_is_refused(client, admin_user):
    client.force_login(admin_user)  # password only: no OTP verified (SPEC L9)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_queries_do_not_grow_with_the_data(admin_client, clock, participant, other_participant,
                                           django_assert_max_num_queries, monkeypatch):
    from accounts import emails
    from accounts.tasks import send_security_email

    maker = make_user(participant, "B01234X1", role="MAKER", password=None)
    clock.now = at(7, 5)

    def seed(n, prefix):
        for i in range(n):
            user = make_user(participant if i % 2 else other_participant,
                             f"{(participant if i % 2 else other_participant).user_id_prefix}"
                             f"{prefix}{i}", password=None)
            login_success_record(user=user)
            clock.advance(seconds=1)
            lock(user)
            _eservice(participant, maker, f"DA3_{prefix}{i:07d}", status=Status.SENT,
                      sent_at=clock.now - timedelta(hours=5 * i))
            last_try(send_security_email, user.pk, "password_changed")

    monkeypatch.setattr(emails, "send_mail", lambda **kw: (_ for _ in ()).throw(OSError("x")))
    seed(1, "0")
    admin_client.get(PAGE)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(PAGE).status_code == 200
    seed(6, "1")
    with django_assert_max_num_queries(len(few)):
        page = admin_client.get(PAGE).text
    assert re.search(r'id="tile-locked">7<', page), re.findall(r'id="tile-\w+">\d+<', page)
    assert re.search(r'id="tile-emails">7<', page)


def test_it_reloads_itself_only_when_asked(admin_client):
    assert 'http-equiv="refresh"' not in admin_client.get(PAGE).text
    page = admin_client.get(PAGE + "?refresh=1").text
    assert '<meta http-equiv="refresh" content="60">' in page
    assert "stop reloading" in page


@pytest.mark.parametrize(("peak", "top", "step"), [
    (0, 1, 1), (3, 3, 1), (4, 4, 1), (7, 8, 2), (10, 10, 5), (23, 30, 10), (99, 100, 50),
])
def test_the_y_axis_has_whole_round_steps(peak, top, step):
    from ops.chart import axis

    assert axis(peak) == (top, step)

"""The operations page in a real browser (Debian's Chromium, Playwright): an HKEX staff member
logs in to the admin with password and OTP, follows "Operations" from the admin index and reads
the tiles, the chart and the tables; axe-core finds no serious or critical violation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import LoginFailure, Participant, ParticipantKind, User
from accounts.services import login_failure_record, login_success_record, otp_failure_record
from eservices.models import EService, FormKind, Status
from tests.browser import test_first_time_login as first_login
from tests.browser.axe import assert_accessible
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import app_code, register_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

page = first_login.page  # the same Chromium page fixture (live_server, DJANGO_ALLOW_ASYNC_UNSAFE)


@pytest.fixture
def desk(participant):
    """A morning's worth of records, made by the services."""
    other = Participant.objects.create(kind=ParticipantKind.HKSCC_CP, participant_id="C05678",
                                       name="DEF SECURITIES", user_id_prefix="C05678")
    users = [make_user(participant if i % 3 else other, f"{'B01234' if i % 3 else 'C05678'}0{i}",
                       password=None) for i in range(1, 8)]
    for user in users:
        login_success_record(user=user)
    for user in (users[0], users[2]):  # one at each participant
        for _ in range(5):
            login_failure_record(user=user, reason=LoginFailure.Reason.PASSWORD)
    for _ in range(2):
        otp_failure_record(user=users[3])
    maker = make_user(participant, "B01234X1", role="MAKER", password=None)
    now = timezone.now()
    for i, hours in enumerate((2, 30, 80)):
        EService.objects.create(form=FormKind.DA4 if i else FormKind.DA3, participant=participant,
                                maker=maker, reference=f"DA{4 if i else 3}_0000000{i + 1}",
                                status=Status.SENT, status_at=now - timedelta(hours=hours))
    staff = User.objects.create_superuser("OPS1", STRONG_PASSWORD, email="ops@hkex.example")
    register_app(staff)
    return staff


def test_the_desk_reads_the_operations_page(page, desk):
    page.goto("/admin/login/")
    page.get_by_label("User ID").fill("OPS1")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_label("OTP (ForgeRock Authenticator)").fill(app_code(desk))
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Operations", exact=True).click()

    expect(page.get_by_role("heading", name="Operations", level=1)).to_be_visible()
    expect(page.locator("#tile-locked")).to_have_text("2")
    expect(page.locator("#tile-eservices")).to_have_text("3")
    expect(page.get_by_role("img", name="Login outcomes by hour today (HKT)")).to_be_visible()
    expect(page.locator("#lockouts-table")).to_contain_text("C05678")
    expect(page.locator("#eservices-oldest")).to_contain_text("3 d 8 h")
    assert_accessible(page)
    first_login.ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=str(first_login.ARTIFACTS / "ops_operations.png"), full_page=True)

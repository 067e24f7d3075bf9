"""DMS Create User Profile in a real browser (Debian's Chromium driven by Playwright).

A DA maker logs in to the Security Management Functions with password and app code, creates an
end-user profile with "Generate User ID", and a DA checker confirms it on the same Confirmation
page with their Checker ID and Authorisation Code (SPEC D4). Every step clicks or fills the
label a person sees, so these tests also prove the labels.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import DARole, User
from dms.models import MaintenanceRequest, RequestKind, RequestStatus
from tests.browser import test_first_time_login as first_login
from tests.browser.axe import assert_accessible
from tests.conftest import STRONG_PASSWORD
from tests.dms.conftest import initialised
from tests.helpers import app_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The same Chromium page (live_server, insecure cookies, DJANGO_ALLOW_ASYNC_UNSAFE).
page = first_login.page

NEW_USER_ID = "B0123401"
SURNAME = "WONG"
OTHER_NAMES = "Siu Ming"
EMAIL = "wong.siuming@abc-securities.example"


@pytest.fixture
def people(participant):
    """The maker and two checkers of ABC SECURITIES, each with a registered app."""
    return {
        "maker": initialised(participant, "B01234X1", DARole.MAKER),
        "checker": initialised(participant, "B01234X2", DARole.CHECKER),
        "checker2": initialised(participant, "B01234X3", DARole.CHECKER),
    }


def dms_log_in(page: Page, user) -> None:
    """/dms/ -> "Login with OTP - Security Management Function" -> password -> app code."""
    page.goto("/dms/")
    assert_accessible(page)
    page.get_by_role(
        "link", name="Login with OTP - Security Management Function", exact=True
    ).click()
    expect(page.get_by_role("heading", name="User Login")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("User ID", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="LOG IN", exact=True).click()

    assert_accessible(page)
    page.get_by_label("Enter OTP", exact=True).fill(app_code(user))
    page.get_by_role("button", name="SUBMIT", exact=True).click()
    expect(page.get_by_text("Logon Success", exact=True)).to_be_visible()
    assert_accessible(page)


def make_create_request(page: Page) -> None:
    """"Create User Profile" -> "Generate User ID" -> the details -> "Create"."""
    page.get_by_role("link", name="Create User Profile", exact=True).click()
    expect(page.get_by_role("heading", name="Create User Profile - Detail")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Generate User ID", exact=True).click()
    expect(page.get_by_label("User ID", exact=True)).to_have_value(NEW_USER_ID)
    assert_accessible(page)

    page.get_by_label("Surname", exact=True).fill(SURNAME)
    page.get_by_label("Other Names", exact=True).fill(OTHER_NAMES)
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_role("button", name="Create", exact=True).click()

    expect(
        page.get_by_role("heading", name="Create User Profile - Confirmation", exact=True)
    ).to_be_visible()
    expect(page.get_by_role("cell", name=NEW_USER_ID, exact=True)).to_be_visible()
    assert_accessible(page)


def confirm_as(page: Page, checker_id: str, code: str) -> None:
    page.get_by_label("Checker ID", exact=True).fill(checker_id)
    page.get_by_label("Authorisation Code", exact=True).fill(code)
    page.get_by_role("button", name="Confirm", exact=True).click()


def test_maker_creates_and_checker_confirms(page, people):
    maker, checker = people["maker"], people["checker"]
    dms_log_in(page, maker)
    make_create_request(page)

    confirm_as(page, checker.username, STRONG_PASSWORD)

    expect(
        page.get_by_text("THE ABOVE USER PROFILE IS CREATED SUCCESSFULLY", exact=True)
    ).to_be_visible()
    expect(page.get_by_text(f"Checker ID {checker.username}", exact=True)).to_be_visible()
    expect(page.get_by_label("Checker ID", exact=True)).to_have_count(0)
    assert_accessible(page)
    first_login.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(first_login.ARTIFACTS / "dms_create_confirmed.png"),
                    full_page=True)

    created = User.objects.get(username=NEW_USER_ID)
    assert created.participant_id == maker.participant_id
    assert (created.surname, created.other_names, created.email) == (
        SURNAME, OTHER_NAMES, EMAIL)
    assert created.da_role == DARole.NONE
    assert created.is_active
    req = MaintenanceRequest.objects.get(username=NEW_USER_ID, kind=RequestKind.CREATE)
    assert req.status == RequestStatus.APPROVED
    assert req.maker.username == maker.username
    assert req.checker.username == checker.username
    assert req.subject_id == created.pk

    expect(page.get_by_text("View Listings", exact=True)).to_be_visible()
    page.get_by_role("link", name="User Profile Listing", exact=True).click()
    expect(page.get_by_role("heading", name="User Profile Listing", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name=NEW_USER_ID, exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"TOTAL NO\. OF USERS : 4\b"))).to_be_visible()
    assert_accessible(page)


def test_maker_cannot_confirm_own_request(page, people):
    maker = people["maker"]
    dms_log_in(page, maker)
    make_create_request(page)

    confirm_as(page, maker.username, STRONG_PASSWORD)

    # role=alert is shared with the DA staffing warning of base_dms.html: pick ours by text.
    expect(page.get_by_role("alert").filter(
        has_text="The maker cannot authorise their own request.")).to_be_visible()
    expect(page.get_by_label("Checker ID", exact=True)).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("THE ABOVE USER PROFILE IS CREATED SUCCESSFULLY")).to_have_count(0)

    assert not User.objects.filter(username=NEW_USER_ID).exists()
    req = MaintenanceRequest.objects.get(username=NEW_USER_ID, kind=RequestKind.CREATE)
    assert req.status == RequestStatus.PENDING
    assert req.checker_id is None

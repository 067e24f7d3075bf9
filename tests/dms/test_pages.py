"""SPEC D2, D3, A7: the DMS pages read as the documents' screens (issue 7, item 4).

Each test reads a page the way a DA does: tags removed, whitespace collapsed.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import InternalExternal, User
from dms.models import MaintenanceRequest
from tests.dms.conftest import PROFILE, confirm, initialised

pytestmark = pytest.mark.django_db

LIMIT_LABELS = ["Default", "DI", "ISI", "Cash Compensation Indicator", "Cash Prepayment",
                "DI Requirement", "Recall Request", "ATI", "SI"]


def text(html: str) -> str:
    """What a person reads: no tags, one space between words."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def app_user(participant):
    return initialised(participant, "B0123401")


def change(client, user_id="B0123401", **overrides):
    return client.post(f"/dms/profiles/change/{user_id}/", {
        **PROFILE, "surname": "CHAN", "other_names": "Tai Man",
        "email": f"{user_id.lower()}@abc-securities.example", **overrides,
    })


# --- Locked: the radio "Unlock/Reset OTP Device Registration" (SPEC A7) --------------------------


def test_it_shows_the_unlock_reset_radio_beside_locked(maker_client, app_user):
    html = maker_client.get("/dms/profiles/change/B0123401/").text
    page = text(html)
    assert "Locked No Unlock/Reset OTP Device Registration OTP Enabled Yes" in page
    assert re.search(r'<input type="radio" name="reset_otp"[^>]*>', html)
    assert 'type="checkbox" name="reset_otp"' not in html


def test_it_confirms_a_reset_as_will_unlock_and_keeps_otp_enabled(maker_client, app_user):
    response = change(maker_client, reset_otp="on")
    page = text(maker_client.get(response.url).text)
    assert "Change User Profile - Confirmation" in page
    assert "Locked No Will Unlock/Reset OTP Device Registration OTP Enabled Yes" in page


# --- Transaction limit (HKD): the documents' rows ------------------------------------------------


def test_it_shows_the_transaction_limit_rows_in_the_documents_order(maker_client, app_user):
    for url in ["/dms/profiles/create/", "/dms/profiles/change/B0123401/",
                "/dms/profiles/enquire/B0123401/", "/dms/profiles/delete/B0123401/"]:
        page = text(maker_client.get(url).text)
        assert "Transaction limit (HKD) " + " ".join(LIMIT_LABELS) in page, url


def test_it_keeps_a_limit_per_row_and_shows_it_as_the_documents(maker_client, app_user):
    response = change(maker_client, limit_default="9,999,999,999.99", limit_di="1000",
                      limit_si="0")
    page = text(maker_client.get(response.url).text)
    assert ("Transaction limit (HKD) Default 9,999,999,999.99 DI 1,000.00 ISI "
            "Cash Compensation Indicator Cash Prepayment DI Requirement Recall Request ATI "
            "SI 0.00") in page
    assert User.objects.get(pk=app_user.pk).transaction_limit == {}  # nothing until confirmed
    assert "CHANGED SUCCESSFULLY" in confirm(maker_client, response.url, "B01234X2").text
    assert User.objects.get(pk=app_user.pk).transaction_limit == {
        "DEFAULT": "9999999999.99", "DI": "1000.00", "SI": "0.00"}
    for function in ["enquire", "delete"]:
        page = text(maker_client.get(f"/dms/profiles/{function}/B0123401/").text)
        assert "Default 9,999,999,999.99 DI 1,000.00 ISI" in page, function
    html = maker_client.get("/dms/profiles/change/B0123401/").text
    assert 'name="limit_default" value="9,999,999,999.99"' in html


@pytest.mark.parametrize(("row", "label", "amount"), [
    ("limit_isi", "ISI", "-1"),
    ("limit_si", "SI", "1.234"),
    ("limit_cash_prepayment", "Cash Prepayment", "ten"),
    ("limit_default", "Default", "99999999999999.00"),
])
def test_it_refuses_a_bad_amount_naming_the_row(maker_client, app_user, row, label, amount):
    response = change(maker_client, **{row: amount})
    assert response.status_code == 200
    assert (f"Transaction limit (HKD) - {label}: enter an amount of 0.00 or more with at most "
            "2 decimals, e.g. 9,999,999,999.99.") in text(response.text)
    assert not MaintenanceRequest.objects.exists()


def test_it_migrates_a_single_limit_into_the_default_row(transactional_db):
    executor = MigrationExecutor(connection)
    before = [("accounts", "0006_login_challenge")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    participant = old.get_model("accounts", "Participant").objects.create(
        kind="HKSCC_CP", participant_id="B01234", name="ABC SECURITIES",
        user_id_prefix="B01234", max_users=20)
    OldUser = old.get_model("accounts", "User")
    OldUser.objects.create(username="B0123401", participant=participant,
                           transaction_limit="9999999999.99")
    OldUser.objects.create(username="B0123402", participant=participant)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    limits = dict(User.objects.values_list("username", "transaction_limit"))
    assert limits == {"B0123401": {"DEFAULT": "9999999999.99"}, "B0123402": {}}


# --- Clearing House Options, Access Channel, Internal/External -----------------------------------


def test_it_shows_fixed_channel_and_origin_and_a_clearing_house_select(maker_client, checker):
    html = maker_client.get("/dms/profiles/create/").text
    page = text(html)
    assert "Internal/External EXTERNAL User ID" in page
    assert "Clearing House Options Cash Access Channel CST" in page
    assert re.search(r'<select name="clearing_house_options"[^>]*>\s*'
                     r'<option value="HKSCC" selected>Cash</option>', html)
    assert 'name="internal_external"' not in html and 'name="access_channel"' not in html
    # The values are stored as before, whatever a crafted form says.
    response = maker_client.post("/dms/profiles/create/", {
        **PROFILE, "user_id": "B0123405", "internal_external": "INTERNAL",
        "access_channel": "PG"})
    confirm(maker_client, response.url, "B01234X2")
    created = User.objects.get(username="B0123405")
    assert (created.internal_external, created.access_channel) == ("EXTERNAL", "TERMINAL")
    assert created.clearing_house_options == ["HKSCC"]


def test_it_keeps_a_stored_internal_profile_as_it_is(maker_client, participant):
    initialised(participant, "B0123401", internal_external=InternalExternal.INTERNAL)
    assert "Internal/External INTERNAL" in text(
        maker_client.get("/dms/profiles/change/B0123401/").text)
    response = change(maker_client, surname="LEE")
    assert "Internal/External INTERNAL" in text(maker_client.get(response.url).text)
    assert MaintenanceRequest.objects.get().after["internal_external"] == "INTERNAL"


# --- The header line of the maintenance screens --------------------------------------------------


@pytest.mark.parametrize(("url", "code"), [
    ("/dms/profiles/change/", "DUPC 01"),
    ("/dms/profiles/delete/", "DUPD 01"),
    ("/dms/profiles/enquire/", "DUPE 01"),
    ("/dms/profiles/create/", "DUPA 02"),
    ("/dms/profiles/change/B0123401/", "DUPC 02"),
    ("/dms/profiles/enquire/B0123401/", "DUPE 02"),
])
def test_it_shows_the_documents_header_line(maker_client, app_user, url, code):
    start = timezone.localtime().replace(microsecond=0)
    page = text(maker_client.get(url).text)
    end = timezone.localtime()
    match = re.search(r"User Profile Print Site Map Logout Change Password "
                      + code + r" (\d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d)", page)
    assert match, page[:600]
    shown = dt.datetime.strptime(match.group(1), "%d-%b-%y %H:%M:%S").replace(
        tzinfo=dt.timezone(dt.timedelta(hours=8)))  # Hong Kong time, as the documents
    assert start <= shown <= end


def test_the_prompt_help_link_leads_to_the_functions_help(maker_client):
    html = maker_client.get("/dms/profiles/change/").text
    assert '<a href="/dms/sitemap/#help-change">Help</a>' in html
    sitemap = maker_client.get("/dms/sitemap/")
    assert sitemap.status_code == 200
    assert 'id="help-change"' in sitemap.text
    assert "click the radio button of Unlock/Reset OTP Device Registration" in text(
        sitemap.text)


def test_the_confirmation_has_the_header_line_too(maker_client, app_user):
    response = change(maker_client, surname="LEE")
    assert "Change Password DUPC 03 " in text(maker_client.get(response.url).text)


# --- Generate User ID keeps what the maker typed -------------------------------------------------


def test_generate_user_id_keeps_what_the_maker_typed(maker_client, checker):
    from accounts.models import BusinessUserGroup

    BusinessUserGroup.objects.create(code="11", name="Group 11", clearing_house="HKSCC")
    response = maker_client.post("/dms/profiles/create/", {
        **PROFILE, "user_id": "B01234", "status": "DISABLED", "enable_from": "01/07/23",
        "business_user_groups": ["11"], "limit_ati": "5,000.5", "generate": "1"})
    assert response.status_code == 200
    html = response.text
    assert 'name="user_id" value="B0123401"' in html
    for typed in ['name="surname" value="WONG"', 'name="other_names" value="Siu Ming"',
                  'name="email" value="wong.siuming@abc-securities.example"',
                  'name="enable_from" value="01/07/23"', 'name="limit_ati" value="5,000.5"']:
        assert typed in html, typed
    assert re.search(r'<input type="radio" name="status" value="DISABLED"[^>]*checked', html)
    assert re.search(r'<input type="checkbox" name="business_user_groups" value="11"[^>]*checked',
                     html)
    assert "This field is required" not in html  # nothing was checked yet
    assert not MaintenanceRequest.objects.exists() and not User.objects.filter(
        username="B0123401").exists()


def test_generate_user_id_is_a_button_of_the_detail_form(maker_client):
    html = maker_client.get("/dms/profiles/create/").text
    assert '<button type="submit" name="generate" value="1">Generate User ID</button>' in html
    assert "?generate" not in html


# --- Pending Authorisation: the success line names the profile -----------------------------------


def test_the_success_line_on_the_list_names_the_profile(maker_client, app_user, checker):
    from tests.conftest import STRONG_PASSWORD
    from tests.dms.conftest import dms_login

    change(maker_client, reset_otp="on")
    req = MaintenanceRequest.objects.get()
    dms_login(maker_client, checker)
    response = maker_client.post(f"/dms/requests/{req.pk}/approve/",
                                 {"authorisation_code": STRONG_PASSWORD}, follow=True)
    assert ("User ID B0123401 (CHAN Tai Man): the Change User Profile request with "
            "Unlock/Reset OTP Device Registration is authorised. "
            "THE ABOVE USER PROFILE IS CHANGED SUCCESSFULLY") in text(response.text)


# --- Demo business user groups: the documents' codes ---------------------------------------------


def test_demo_groups_are_the_documents_codes_on_the_change_page(maker_client):
    from accounts.demo import seed_demo

    seed_demo(admin_password="Demo-Admin-Password1!")
    seed_demo(admin_password="Demo-Admin-Password1!")  # idempotent
    page = text(maker_client.get("/dms/profiles/change/B0123401/").text)
    assert ("Selected User Groups 11 12 13 14 15 16 17 18 19 20 21 22 23 24 51 52 54 55 A AA AB "
            "AC AD C CH D DV DX E F F1 H I J K L M N NU NV O P PD PM Q R RA RB RD RU RX RY RZ "
            "SA SM ST WA WB WC WD WE WF WG") in page
    assert User.objects.get(username="B0123401").business_user_groups.count() == 63

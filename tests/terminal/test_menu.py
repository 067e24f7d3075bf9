"""SPEC T1 (and S3): the terminal menu by business user groups; each function's own page."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.audit import Event
from accounts.models import AuditRecord, BusinessUserGroup, ClearingHouse, User
from terminal import selectors
from terminal.models import ConnectivityTestWindow, MenuGroup, TerminalFunction
from tests.conftest import STRONG_PASSWORD
from tests.dms.conftest import initialised
from tests.helpers import app_code

pytestmark = pytest.mark.django_db


def terminal_login(client, user, function="online", *, again=False):
    """Log in through the real pages: "LOG IN", then the app's code (``again``: the app's
    next code, as an accepted code cannot be used twice)."""
    client.post("/login/", {"user_id": user.username, "password": STRONG_PASSWORD,
                            "function": function})
    response = client.post("/login/otp/", {"otp": app_code(user, steps_ahead=int(again))})
    assert response.status_code == 302 and response.url == "/home/", response
    return client


def group(code):
    return BusinessUserGroup.objects.get_or_create(
        code=code, defaults={"name": f"Business user group {code}",
                             "clearing_house": ClearingHouse.HKSCC})[0]


def function(code, name, menu_group, *groups):
    f = TerminalFunction.objects.create(code=code, name=name, menu_group=menu_group,
                                        description=f"What {name} does.")
    f.user_groups.set(groups)
    return f


@pytest.fixture
def catalogue(db):
    settle, depository = group("ST"), group("D")
    return {
        "si": function("SI-MAINT", "Settlement Instruction (SI) Maintenance",
                       MenuGroup.SETTLEMENT, settle),
        "balance": function("STK-BAL", "Stock Balance Enquiry", MenuGroup.ENQUIRY,
                            settle, depository),
        "deposit": function("DEPOSIT", "Deposit of Physical Certificates",
                            MenuGroup.DEPOSITORY, depository),
    }


@pytest.fixture
def settler(participant, catalogue):
    user = initialised(participant, "B0123401")
    user.business_user_groups.set([group("ST")])
    return user


@pytest.fixture
def depository_clerk(participant, catalogue):
    user = initialised(participant, "B0123402")
    user.business_user_groups.set([group("D")])
    return user


def test_it_lists_the_functions_of_the_users_groups_under_their_headings(
    client, settler, depository_clerk, django_user_model
):
    page = terminal_login(client, settler).get("/home/").text
    assert "Login Success" in page and "Online Functions" in page
    assert "Settlement Instruction (SI) Maintenance" in page
    assert 'href="/functions/SI-MAINT/"' in page
    assert "Stock Balance Enquiry" in page
    assert "Deposit of Physical Certificates" not in page
    # Headings in the menu's order: Enquiry before Settlement; no empty Depository heading.
    assert page.index(">Enquiry<") < page.index(">Settlement<")
    assert ">Depository<" not in page

    client.post("/logout/")
    page = terminal_login(client, depository_clerk).get("/home/").text
    assert "Deposit of Physical Certificates" in page and ">Depository<" in page
    assert "Stock Balance Enquiry" in page
    assert "Settlement Instruction (SI) Maintenance" not in page
    assert "/functions/SI-MAINT/" not in page


def test_a_user_without_groups_is_told_so(client, participant, catalogue):
    da = initialised(participant, "B01234X1", role="MAKER")
    page = terminal_login(client, da).get("/home/").text
    assert "No online functions are assigned to your User ID." in page
    assert "/functions/" not in page


def test_a_function_page_says_what_it_is_and_function_not_available(client, settler):
    response = terminal_login(client, settler).get("/functions/SI-MAINT/")
    assert response.status_code == 200
    assert "Settlement Instruction (SI) Maintenance" in response.text
    assert "What Settlement Instruction (SI) Maintenance does." in response.text
    assert "Function not available" in response.text


def test_a_function_outside_the_users_groups_is_refused_as_unknown(client, settler):
    terminal_login(client, settler)
    assert client.get("/functions/DEPOSIT/").status_code == 404
    assert client.get("/functions/NO-SUCH/").status_code == 404
    assert client.get("/functions/STK-BAL/").status_code == 200


def test_function_pages_need_a_login_for_online_functions(client, settler):
    assert client.get("/functions/SI-MAINT/").status_code == 302  # not logged in
    terminal_login(client, settler, function="overnight")
    assert client.get("/functions/SI-MAINT/").status_code == 404
    assert "Settlement Instruction" not in client.get("/home/").text


def test_in_a_connectivity_test_every_function_page_says_function_not_available(
    client, settler
):
    now = timezone.now()
    ConnectivityTestWindow.objects.create(starts_at=now - dt.timedelta(minutes=5),
                                          ends_at=now + dt.timedelta(hours=1))
    terminal_login(client, settler)
    home = client.get("/home/").text
    assert "Function not available" in home
    page = client.get("/functions/SI-MAINT/").text
    assert "Function not available" in page
    assert "A connectivity test is in progress" in page


def test_the_menu_takes_the_same_queries_whatever_its_size(
    client, settler, django_assert_max_num_queries
):
    terminal_login(client, settler)
    client.get("/home/")
    with django_assert_max_num_queries(12) as small:
        client.get("/home/")
    for i in range(30):
        function(f"EXTRA-{i}", f"Extra function {i:02d}", MenuGroup.ENQUIRY, group("ST"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "Extra function 29" in client.get("/home/").text


def test_the_demo_catalogue_binds_functions_to_the_demo_groups():
    call_command("seed_demo", stdout=None)
    cash, futures = User.objects.get(username="B0123401"), User.objects.get(username="HKABC101")
    cash_codes = {f.code for f in selectors.functions_of(cash)}
    futures_codes = {f.code for f in selectors.functions_of(futures)}
    assert {"SI-MAINT", "STK-BAL", "DEPOSIT"} <= cash_codes
    assert "COLLAT-DEP" not in cash_codes
    assert {"POS-TRANSFER", "COLLAT-DEP"} <= futures_codes and "SI-MAINT" not in futures_codes
    # A second run changes nothing, also what HKEX staff changed meanwhile.
    TerminalFunction.objects.filter(code="SI-MAINT").update(name="Renamed by HKEX")
    count = TerminalFunction.objects.count()
    call_command("seed_demo", stdout=None)
    assert TerminalFunction.objects.count() == count
    assert TerminalFunction.objects.get(code="SI-MAINT").name == "Renamed by HKEX"


def test_hkex_staff_maintain_the_catalogue_in_the_admin(admin_client, catalogue):
    settle = group("ST")
    response = admin_client.post("/admin/terminal/terminalfunction/add/", {
        "code": "ATI-MAINT", "name": "Account Transfer Instruction (ATI) Maintenance",
        "menu_group": MenuGroup.SETTLEMENT, "description": "Between own stock accounts.",
        "user_groups": [settle.pk],
    })
    assert response.status_code == 302, response.text
    added = TerminalFunction.objects.get(code="ATI-MAINT")
    assert list(added.user_groups.all()) == [settle]
    assert AuditRecord.objects.filter(event=Event.ADMIN_ACTION, outcome="ADDED").exists()
    si = catalogue["si"]
    response = admin_client.post(f"/admin/terminal/terminalfunction/{si.pk}/change/", {
        "code": si.code, "name": si.name, "menu_group": si.menu_group,
        "description": si.description, "user_groups": [group("D").pk],
    })
    assert response.status_code == 302, response.text
    assert list(si.user_groups.values_list("code", flat=True)) == ["D"]

"""Issue 11: the terminal's pages, its closed-hours notice, the error pages and the overnight
reports in Traditional Chinese; English word for word as before (SPEC L1, T1, T2, S2, O5)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.utils import translation

from accounts.models import DARole
from dms.models import MaintenanceRequest, RequestKind
from terminal import reports, services
from terminal.models import OvernightReport, ReportKind
from tests.dms.conftest import initialised
from tests.terminal.test_menu import catalogue, group, settler, terminal_login  # noqa: F401

pytestmark = pytest.mark.django_db

HKT = ZoneInfo("Asia/Hong_Kong")
#: Any CJK character: an English page has none outside the banner and the switch.
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
BILINGUAL_CHROME = ("香港交易所", "繁體中文")


def chinese(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    return client


def english_only(page: str) -> bool:
    for word in BILINGUAL_CHROME:
        page = page.replace(word, "")
    return not CJK.search(page)


# --- the landing page and the menu -------------------------------------------------------------


def test_it_shows_the_landing_page_in_chinese(client):
    page = chinese(client).get("/").text
    assert '<html lang="zh-Hant-HK">' in page
    assert "<h1>CCASS/CCMS 終端機</h1>" in page
    assert "以一次性密碼登入 - 網上功能" in page and "以一次性密碼登入 - 下載隔夜報告" in page
    for english in ("Login with OTP", "CCASS/CCMS Terminal", "Overnight Report Download"):
        assert english not in page


def test_it_chooses_chinese_from_the_browser_on_the_first_visit(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-HK,zh;q=0.9,en;q=0.5").text
    assert "以一次性密碼登入 - 網上功能" in page


def test_it_keeps_the_english_landing_page_word_for_word(client):
    page = client.get("/").text
    assert "<h1>CCASS/CCMS Terminal</h1>" in page
    assert ">Login with OTP - Online Functions<" in page
    assert ">Login with OTP - Overnight Report Download<" in page
    assert english_only(page)


def test_it_shows_the_menu_and_a_function_in_chinese(client, settler):  # noqa: F811
    page = terminal_login(chinese(client), settler).get("/home/").text
    assert "登入成功" in page and "<h2>網上功能</h2>" in page and "CCASS 終端機" in page
    # The menu headings (choices) and the demo catalogue's names, translated when shown.
    assert ">查詢<" in page and ">交收<" in page
    assert ">交收指示（SI）維護</a>" in page and ">股份結存查詢</a>" in page
    assert "用戶編號：B0123401" in page
    for english in ("Login Success", "Online Functions", ">Enquiry<", ">Settlement<",
                    "Stock Balance Enquiry", "User ID"):
        assert english not in page

    function = client.get("/functions/SI-MAINT/").text
    assert "<h1>交收指示（SI）維護</h1>" in function and "功能不可用" in function
    assert "CCASS 終端機的業務功能不屬於本網站。" in function
    # A description HKEX staff typed that the catalogue does not know is shown as typed.
    assert "What Settlement Instruction (SI) Maintenance does." in function
    assert "Function not available" not in function


def test_it_keeps_the_english_menu_word_for_word(client, settler):  # noqa: F811
    page = terminal_login(client, settler).get("/home/").text
    assert "Login Success" in page and "<h2>Online Functions</h2>" in page
    assert ">Settlement Instruction (SI) Maintenance</a>" in page and ">Enquiry<" in page
    assert "User ID: B0123401" in page
    assert english_only(page)


# --- the closed-hours notice (SPEC S2) ---------------------------------------------------------


def test_it_says_in_chinese_when_the_terminal_opens(client, settings):
    settings.CCASS_ENFORCE_OPERATION_HOURS = True
    # Tuesday 1 December 2026, a minute before the terminal opens.
    with time_machine.travel(dt.datetime(2026, 12, 1, 6, 59, tzinfo=HKT), tick=False):
        chinese_page = chinese(Client()).get("/").text
        english_page = client.get("/").text
    assert ("CCASS/CCMS 終端機現已關閉，將於2026年12月1日（星期二）07:00（香港時間）開放。"
            in chinese_page)
    assert "is closed" not in chinese_page and "HKT" not in chinese_page
    assert ("CCASS/CCMS Terminal is closed. It opens on Tuesday 01-Dec-2026 at 07:00 HKT."
            in english_page)


# --- the error pages -------------------------------------------------------------------------


def test_it_answers_an_unknown_address_in_chinese(client):
    response = chinese(client).get("/no-such-page/")
    assert response.status_code == 404
    page = response.text
    assert "<h1>找不到頁面</h1>" in page and "此網址沒有頁面。" in page
    assert "前往 CCASS/CCMS 終端機" in page and "前往保安管理功能（DMS）" in page
    for english in ("Page not found", "There is no page", "Go to the"):
        assert english not in page


def test_it_keeps_the_english_404_page(client):
    page = client.get("/no-such-page/").text
    assert "<h1>Page not found</h1>" in page and ">Go to the CCASS/CCMS Terminal<" in page
    assert english_only(page)


@pytest.fixture
def database_down(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


def test_it_says_the_portal_is_unavailable_in_chinese(database_down):
    response = chinese(Client()).post("/login/", {
        "user_id": "B0123401", "password": "Whatever-1234567!", "function": "online"})
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert "<h1>本網站暫時未能提供服務</h1>" in page and "請於一分鐘後再試。" in page
    assert "temporarily unavailable" not in page and "OperationalError" not in page


# --- the overnight reports (SPEC T2) -----------------------------------------------------------


@pytest.fixture
def report_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "overnight_reports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "reports"},
    }}
    return tmp_path / "reports"


@pytest.fixture
def listing(participant, report_dir):
    """Tonight's reports of a participant with one user and a maker's pending request, written
    while Chinese is active."""
    user = initialised(participant, "B0123401")
    maker = initialised(participant, "B01234X1", DARole.MAKER)
    day = reports.recent_business_days(1)[0]
    made = dt.datetime.combine(day, dt.time(12), tzinfo=HKT)
    MaintenanceRequest.objects.create(
        participant=participant, kind=RequestKind.CREATE, username="B0123405", maker=maker,
        created_at=made, expires_at=made + dt.timedelta(days=1))
    with translation.override("zh-hant"):
        services.overnight_reports_write(business_date=day, participants=[participant])
    report = OvernightReport.objects.get(kind=ReportKind.USER_PROFILE_LISTING)
    return user, report


def read(report) -> str:
    return reports.storage().open(report.file_name).read().decode()


def test_the_stored_report_is_english_whoever_runs_the_job(listing):
    _user, report = listing
    stored = read(report)
    assert stored.startswith("CCASS  USER PROFILE LISTING\nPARTICIPANT : B01234 ABC SECURITIES")
    assert not CJK.search(stored)
    # The request's kind and status are choices shown translated on the DMS pages.
    maintenance = read(OvernightReport.objects.get(kind=ReportKind.USER_MAINTENANCE))
    request_line = next(line for line in maintenance.splitlines() if "B0123405" in line)
    assert "Create User Profile" in request_line and "Pending authorisation" in request_line
    assert not CJK.search(maintenance)


def test_a_reader_of_the_chinese_pages_downloads_the_report_with_its_chinese_lines(
    client, listing
):
    user, report = listing
    page = terminal_login(chinese(client), user, function="overnight").get("/home/").text
    day = report.business_date
    assert "<h2>下載隔夜報告</h2>" in page and ">用戶資料列表</a>" in page
    assert f"{day.year}年{day.month}月{day.day}日" in page
    assert "Overnight Report Download" not in page and f"{day:%d-%b-%Y}" not in page

    response = client.get(f"/reports/{report.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{report.download_name}"')
    text = response.content.decode()
    stored = read(report)
    day_text = f"{day:%d-%b-%Y}"
    # English first (it prevails), the Chinese line beneath it.
    assert text.startswith(
        "CCASS  USER PROFILE LISTING\nCCASS  用戶資料列表\n"
        "PARTICIPANT : B01234 ABC SECURITIES\n參與者 : B01234 ABC SECURITIES\n"
        f"BUSINESS DATE : {day_text}\n營業日 : {day_text}\n")
    # The column titles in Chinese under the English ones, each in its column (a Chinese
    # character takes two columns in a monospaced viewer).
    titles = [line for line in stored.splitlines() if line.startswith("User ID")][0]
    assert (f"{titles}\n用戶編號  用戶名稱{' ' * 22}  電郵{' ' * 36}  備註\n--------  " in text)
    # The rows as recorded, once each.
    assert [line for line in text.splitlines() if "B0123401" in line] == [
        line for line in stored.splitlines() if "B0123401" in line]
    assert text.endswith(
        "MAX. NO. OF USERS : 20\n用戶數目上限 : 20\n"
        "TOTAL NO. OF USERS : 2\n用戶總數 : 2\n"
        "TOTAL NO. OF DELEGATED ADMINISTRATORS : 1\n授權管理員總數 : 1\n"
        "TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS : 1\n授權管理員以外的用戶總數 : 1\n"
        "*** END OF REPORT ***\n*** 報告完 ***\n")
    # Every English line of the file is still there, in order.
    assert [line for line in text.splitlines() if not CJK.search(line)] == stored.splitlines()


def test_the_maintenance_report_carries_its_section_headings_in_chinese(client, listing):
    user, _report = listing
    report = OvernightReport.objects.get(kind=ReportKind.USER_MAINTENANCE)
    terminal_login(chinese(client), user, function="overnight")
    text = client.get(f"/reports/{report.pk}/").content.decode()
    assert "MAINTENANCE REQUESTS (MAKER-CHECKER)\n維護請求（製作人－覆核人）\n" in text
    assert "PROFILE EVENTS\n用戶資料事件\n" in text
    assert "TOTAL NO. OF MAINTENANCE REQUESTS : 1\n維護請求總數 : 1\n" in text
    # A row as recorded, in English, with no Chinese line under it.
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if "B0123405" in line)
    assert "Create User Profile" in lines[row] and not CJK.search(lines[row + 1])


def test_an_english_reader_downloads_the_file_as_stored(client, listing):
    user, report = listing
    terminal_login(client, user, function="overnight")
    response = client.get(f"/reports/{report.pk}/")
    assert b"".join(response.streaming_content).decode() == read(report)

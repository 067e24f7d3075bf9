"""Issue 11: DMS in Traditional Chinese (menu, Create, Prompt, Pending Authorisation, the
maker-checker refusals); English word for word as before; what is stored stays English."""

import re

import pytest
from django.conf import settings

from accounts.models import AuditRecord
from dms.models import MaintenanceRequest
from tests.conftest import STRONG_PASSWORD
from tests.dms.conftest import PROFILE, confirm, dms_login, initialised

pytestmark = pytest.mark.django_db

#: Chinese that every page carries whatever its language: the switch and the brand.
ALWAYS = ("繁體中文", "香港交易所")
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    return client


def visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, no scripts, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def english_only(text: str) -> bool:
    for word in ALWAYS:
        text = text.replace(word, "")
    return not CJK.search(text)


@pytest.fixture
def pending_create(maker_client):
    maker_client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123405"})
    return MaintenanceRequest.objects.get()


def test_it_shows_the_dms_menu_in_chinese(maker_client):
    page = visible(in_chinese(maker_client).get("/dms/home/").text)
    for label in ("CCASS保安管理功能", "維護用戶資料", "新增用戶資料", "更改用戶資料",
                  "刪除用戶資料", "查詢用戶資料", "用戶資料列表", "查閱報告", "待授權",
                  "網站地圖", "登入成功"):
        assert label in page, label
    for english in ("Security Management Functions", "Maintain User Profile",
                    "Create User Profile", "Pending Authorisation", "View Reports",
                    "Site Map", "Logon Success"):
        assert english not in page, english


def test_it_shows_the_create_page_in_chinese(maker_client):
    page = visible(in_chinese(maker_client).get("/dms/profiles/create/").text)
    for label in ("新增用戶資料－詳細資料", "此為一般用戶的用戶資料", "產生用戶編號", "用戶編號",
                  "用戶狀態", "已啟用", "已停用", "姓氏", "名字", "電郵", "啟用日期", "停用日期",
                  "結算所選項", "現貨", "接入渠道", "交易限額（港元）", "預設", "現金補償指示",
                  "已選用戶組別", "內部／外部", "外部", "剩餘用戶帳戶："):
        assert label in page, label
    for english in ("Create User Profile - Detail", "Generate User ID", "Surname",
                    "Other Names", "User Status", "ENABLED", "Enable From", "Transaction limit",
                    "Clearing House Options", "Selected User Groups", "Spare user accounts",
                    "EXTERNAL", "Default", "Cash"):
        assert english not in page, english


def test_it_shows_the_prompt_page_and_its_errors_in_chinese(maker_client):
    page = visible(in_chinese(maker_client).get(
        "/dms/profiles/change/?user_id=B0123499&submit=1").text)
    assert "更改用戶資料－提示" in page and "搜尋方式" in page and "列出" in page
    assert "用戶編號B0123499並非B01234 ABC SECURITIES的用戶資料。" in page
    assert "Prompt" not in page and "Search by" not in page and "is not a profile" not in page


def test_it_shows_pending_authorisation_in_chinese(client, pending_create, checker):
    dms_login(client, checker)
    page = visible(in_chinese(client).get("/dms/pending/").text)
    for label in ("待授權", "申請", "製作人", "到期時間", "授權碼", "確認", "拒絕", "原因",
                  "新增用戶資料", "B0123405"):
        assert label in page, label
    for english in ("Pending Authorisation", "Made by", "Expires", "Authorisation Code",
                    "Create User Profile", "Reject"):
        assert english not in page, english
    done = client.post(f"/dms/requests/{pending_create.pk}/approve/",
                       {"authorisation_code": STRONG_PASSWORD}, follow=True)
    assert ("用戶編號B0123405（WONG Siu Ming）：新增用戶資料申請已獲授權。上述用戶資料已成功新增"
            in visible(done.text))


def test_it_refuses_a_maker_checker_step_in_chinese_and_audits_in_english(
        maker_client, pending_create):
    in_chinese(maker_client)
    url = f"/dms/requests/{pending_create.pk}/confirm/"
    own = visible(confirm(maker_client, url, "B01234X1").text)
    assert "製作人不可授權其本身提出的申請。" in own
    assert "The maker cannot authorise" not in own
    assert "新增用戶資料－確認" in own and "覆核人用戶編號" in own
    wrong = visible(confirm(maker_client, url, "B01234X2", code="Wrong-Password99!").text)
    assert "覆核人用戶編號或授權碼不正確。" in wrong
    done = visible(confirm(maker_client, url, "B01234X2").text)
    assert "上述用戶資料已成功新增" in done and "覆核人用戶編號 B01234X2" in done
    # What is stored is not the page's language: the audit reads as before.
    reasons = set(AuditRecord.objects.filter(event__startswith="DMS_CREATE_")
                  .values_list("reason", flat=True))
    assert reasons == {"Create User Profile B0123405"}


def test_the_same_pages_in_english_are_unchanged(client, pending_create, checker):
    dms_login(client, checker)
    home = visible(client.get("/dms/home/").text)
    assert "CCASS Security Management Functions" in home and "Maintain User Profile" in home
    create = visible(client.get("/dms/profiles/create/").text)
    assert "Create User Profile - Detail" in create and "Generate User ID" in create
    assert "User Status ENABLED DISABLED" in create
    pending = visible(client.get("/dms/pending/").text)
    assert "Pending Authorisation" in pending and "Authorisation Code" in pending
    for page in (home, create, pending, visible(client.get("/dms/sitemap/").text),
                 visible(client.get("/dms/listing/").text),
                 visible(client.get("/dms/reports/").text)):
        assert english_only(page), CJK.findall(page)


def test_the_listing_download_stays_english_on_a_chinese_page(maker_client):
    in_chinese(maker_client)
    page = visible(maker_client.get("/dms/listing/").text)
    assert "用戶資料列表" in page and "用戶數目上限：" in page and "授權管理員" in page
    csv = maker_client.get("/dms/listing.csv").content.decode()
    assert csv.startswith("User ID,User Name,Email,Remarks")
    assert "Delegated Administrator" in csv and "*** END OF REPORT ***" in csv
    assert not CJK.search(csv)


def test_the_das_are_told_in_the_language_each_last_used(
        participant, maker_client, mailoutbox, django_capture_on_commit_callbacks):
    """The DA notice of a DMS delete: the checker reads Chinese, the maker English."""
    initialised(participant, "B0123401")
    checker = participant.users.get(username="B01234X2")
    checker.language = "zh-hant"
    checker.save(update_fields=["language"])
    response = maker_client.post("/dms/profiles/delete/B0123401/")
    with django_capture_on_commit_callbacks(execute=True):
        confirm(maker_client, response.url, "B01234X2")
    notices = {tuple(m.to): m for m in mailoutbox if "B0123401" in m.subject}
    chinese = [m for to, m in notices.items() if "b01234x2@abc-securities.example" in to]
    english = [m for to, m in notices.items() if "b01234x1@abc-securities.example" in to]
    assert len(chinese) == 1 and len(english) == 1 and chinese != english
    assert "has been deleted" in english[0].body
    assert "has been deleted" not in chinese[0].body and CJK.search(chinese[0].body)

"""Issue 11: Client Connect (DA3, DA4) in Traditional Chinese: the pages, their refusals, the
notices (one email per language of the recipients) and the PDF; English stays as it was."""

import re
from io import BytesIO

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from tests.eservices.conftest import connect_login
from tests.eservices.test_pages import ADD, create, da3, save, submitted, text
from tests.eservices.test_services import da3_add
from tests.eservices.test_services import submitted as submitted_by_service

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
#: The page's own words in English: none may be left on a Chinese page.
DA3_ENGLISH = ["COMPANY INFORMATION", "MAINTENANCE REQUEST", "Multiple selection",
               "DETAILS OF REQUESTS", "Type of Request", "Email Address", "Remarks",
               "We confirm that we understand", "We declare that", "CONTACT INFORMATION",
               "Name of Contact Person", "Telephone Number", "SAVE", "PREVIEW", "+ REQUEST",
               "+ CONTACT PERSON", "Reference Number", "HISTORY", "Date/Time", "Created",
               "Draft", "Partnership Management", "User Maintenance", "Logout", "Home"]


def chinese(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    return client


def english_left(page: str, words) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w+]){re.escape(w)}(?!\w)", page)]


@pytest.fixture
def maker(client, cc_maker):
    return connect_login(client, cc_maker)


def test_it_shows_a_da3_draft_in_chinese_with_no_english_label_left(maker, das):
    record = create(maker, "DA3")
    save(maker, record, da3(ADD))
    page = text(chinese(maker).get(f"/connect/eservices/{record.pk}/"))
    for label in ["DA 3 CCASS／CCMS 授權管理員申請／維護表格", "公司資料", "來自", "身份",
                  "HKSCC 參與者（B01234）", "維護申請", "可選擇多項", "申請詳情", "申請 1",
                  "申請類別", "新增", "姓氏", "名字", "電郵地址", "授權管理員角色",
                  "授權管理員製作人", "授權管理員覆核人", "備註", "我們確認明白並接受上述內容。",
                  "聯絡資料", "聯絡人 1", "聯絡人姓名", "電話號碼", "儲存", "預覽", "+ 申請",
                  "+ 聯絡人", "參考編號：", "狀態：", "草稿", "處理記錄", "建立", "主頁",
                  "合作夥伴管理", "用戶維護", "登出"]:
        assert label in page, label
    assert english_left(page, DA3_ENGLISH) == []


def test_the_same_da3_page_in_english_is_unchanged(maker, das):
    record = create(maker, "DA3")
    save(maker, record, da3(ADD))
    response = maker.get(f"/connect/eservices/{record.pk}/")
    page = text(response)
    assert english_left(page, DA3_ENGLISH) == DA3_ENGLISH
    assert "Reference Number: Status:" in page and "HKSCC Participant (B01234)" in page
    # Only the brand and the language switch are in Chinese.
    assert CHINESE.findall(page.replace("香港交易所", "").replace("繁體中文", "")) == []


def test_it_shows_a_da4_draft_and_its_fee_in_chinese(maker, das):
    record = create(maker, "DA4")
    page = text(chinese(maker).get(f"/connect/eservices/{record.pk}/"))
    for label in ["DA 4 CCASS／CCMS 用戶帳戶申請表格", "用戶帳戶申請", "額外用戶帳戶數目",
                  "每個額外用戶帳戶的一次性費用", "HK$250.00", "一次性費用總額", "公司資料"]:
        assert label in page, label
    assert english_left(page, ["USER ACCOUNT APPLICATION", "Number of additional user accounts",
                               "One-off fee", "Total one-off fee"]) == []


def test_it_names_what_is_missing_in_chinese_beside_the_field_and_at_the_top(maker, das):
    record = create(maker, "DA3")
    save(maker, record, da3({**ADD, "surname": "", "email": "not-an-email"},
                            declaration=False))
    page = text(chinese(maker).get(f"/connect/eservices/{record.pk}/preview/"))
    assert "請先「編輯」表格，然後才「提交」：" in page
    for problem in ["申請 1（新增）：必須填寫姓氏。",
                    "申請 1（新增）：電郵地址：請輸入有效的電郵地址。",
                    "請剔選「我們確認明白並接受上述內容。」"]:
        assert page.count(problem) == 2, problem  # at the top and beside its field
    assert english_left(page, ["Please EDIT", "Surname is required", "Please tick",
                               "Enter a valid email address"]) == []


def test_the_submit_dialog_and_the_home_page_are_in_chinese(maker, das):
    record = create(maker, "DA3")
    save(maker, record, da3(ADD))
    maker = chinese(maker)
    dialog = text(maker.get(f"/connect/eservices/{record.pk}/submit/"))
    for label in ["請確認", "記錄將準備發送至香港交易所。", "給下一步驟的訊息？（可選填）",
                  "取消", "確認"]:
        assert label in dialog, label
    assert english_left(dialog, ["PLEASE CONFIRM", "CANCEL", "CONFIRM", "Any message"]) == []
    submitted_record = submitted(maker, da3(ADD))
    home = text(maker.get("/connect/"))
    for label in ["用戶維護", "類別", "編號", "用戶維護 CC",
                  "CCASS／CCMS 授權管理員申請／維護表格", "CCASS／CCMS 用戶帳戶申請表格",
                  "任務", "ABC SECURITIES 的電子服務", "參考編號", "準備發送至香港交易所",
                  submitted_record.reference, "最後更新日期", "建立人"]:
        assert label in home, label
    assert english_left(home, ["Classification", "Tasks", "Ready to Send to HKEX",
                               "Last Update Date", "Created By"]) == []


def test_a_refusal_is_in_the_language_of_the_page(maker, das, cc_checker):
    record = submitted(maker, da3(ADD))
    checker = chinese(connect_login(Client(), cc_checker))
    page = text(checker.post(f"/connect/eservices/{record.pk}/claim/",
                             {"version": record.version - 1}, follow=True))
    assert "你打開此記錄後，記錄已有更改" in page
    assert "This record has changed" not in page


def test_a_notice_goes_to_each_recipient_in_their_language(
        participant, das, cc_maker, cc_checker, cc_checker2, mailoutbox,
        django_capture_on_commit_callbacks):
    cc_checker2.language = "zh-hant"
    cc_checker2.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        submitted_by_service(cc_maker, da3_add())

    english, chinese_email = mailoutbox
    assert english.to == [cc_checker.email] and chinese_email.to == [cc_checker2.email]
    assert english.subject == ("DA 3 - CCASS/ CCMS Delegated Administrator Application/ "
                               "Maintenance Form (DA3_00000001 from B01234)")
    assert "Workflow Status: Ready to Send to HKEX" in english.body
    assert chinese_email.subject == ("DA 3 - CCASS／CCMS 授權管理員申請／維護表格"
                                     "（DA3_00000001，來自 B01234）")
    for line in ["HKEX Client Connect", "待處理：電子服務狀態為「準備發送至香港交易所」",
                 "參考編號： DA3_00000001", "工作流程狀態： 準備發送至香港交易所",
                 "通知類別： 待處理", "須由以下人士跟進： ABC SECURITIES 的覆核人",
                 "訊息： Please check",
                 "如需查閱記錄，請登入 HKEX Client Connect 並搜尋參考編號（DA3_00000001）。"]:
        assert line in chinese_email.body, line
    assert english_left(chinese_email.body, ["Reference Number", "Workflow Status",
                                             "For action", "To view the record"]) == []
    assert chinese_email.from_email == english.from_email == "noreply_connect@hkex.com.hk"


def test_one_email_carries_everyone_of_the_same_language(
        participant, das, cc_maker, cc_checker, cc_checker2, mailoutbox,
        django_capture_on_commit_callbacks):
    for user in (cc_checker, cc_checker2):
        user.language = "zh-hant"
        user.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        submitted_by_service(cc_maker, da3_add())
    [email] = mailoutbox
    assert email.to == [cc_checker.email, cc_checker2.email]
    assert "工作流程狀態" in email.body


def pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_pdf_is_in_the_language_of_the_page_that_asked_for_it(maker, das):
    record = submitted(maker, da3(ADD))
    english = maker.get(f"/connect/eservices/{record.pk}/pdf/")
    assert english.status_code == 200
    english_text = pdf_text(english.content)
    assert "COMPANY INFORMATION" in english_text and "translation" not in english_text

    response = chinese(maker).get(f"/connect/eservices/{record.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"/MSung-Light" in response.content  # the Traditional Chinese CID font
    pdf = pdf_text(response.content)
    for label in ["DA 3 CCASS／CCMS 授權管理員申請／維護表格", "參考編號", "DA3_00000001",
                  "公司資料", "申請詳情", "新增申請詳情", "姓氏", "Lee", "聯絡資料",
                  "處理記錄", "提交", "準備發送至香港交易所",
                  "如中、英文本有任何歧異，概以英文本為準"]:
        assert label.replace(" ", "") in pdf.replace(" ", ""), label
    assert english_left(pdf, ["COMPANY INFORMATION", "DETAILS OF REQUESTS", "HISTORY",
                              "Reference Number"]) == []


def test_the_admin_pdf_stays_english(das, cc_maker, admin_client):
    record = submitted_by_service(cc_maker, da3_add())
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    response = admin_client.get(reverse("admin:eservices_eservice_pdf", args=[record.pk]))
    assert response.status_code == 200
    text_of_pdf = pdf_text(response.content)
    assert "COMPANY INFORMATION" in text_of_pdf and "公司資料" not in text_of_pdf

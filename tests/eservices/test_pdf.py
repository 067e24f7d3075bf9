"""SPEC E7: a submitted eService downloads as a PDF with its fields, result and history; only
its company's Client Connect users (and HKEX staff in the admin) get it."""

import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from accounts.models import ConnectRole, Participant, ParticipantKind
from eservices import services
from eservices.pdf import render_pdf
from tests.eservices.conftest import connect_login, connect_user
from tests.eservices.test_services import da3_add, sent, submitted

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def da3_with_contact(**extra):
    data = da3_add(**extra)
    data["contacts"] = [{"name": "Cheung Wai Man", "email": "wm.cheung@abc-securities.example",
                         "phone": "29797111"}]
    data["remarks"] = "New DA for the settlement team"
    return data


def test_it_holds_the_reference_status_fields_result_and_history(das, cc_maker, cc_checker,
                                                                 staff):
    record = sent(cc_maker, cc_checker, da3_with_contact())
    record = services.eservice_complete(record_id=record.pk, actor=staff)
    text = text_of(render_pdf(record))
    for expected in [
        "DA 3 CCASS/ CCMS DELEGATED ADMINISTRATOR APPLICATION/ MAINTENANCE FORM",
        "Reference Number DA3_00000001", "Status", "HKT Completed",
        "COMPANY INFORMATION", "ABC SECURITIES", "HKSCC Participant (B01234)",
        "MAINTENANCE REQUEST", "DETAILS OF REQUESTS", "DETAILS OF ADD REQUEST",
        "Surname Lee", "Other Names Ka Ho", "Email Address kh.lee@abc-securities.example",
        "DA Role DA checker", "Remarks", "New DA for the settlement team",
        "We confirm that we understand and accept the above.",
        "CONTACT INFORMATION", "Name of Contact Person Cheung Wai Man",
        "wm.cheung@abc-securities.example", "Telephone Number 29797111",
        "RESULT", "DA User ID B01234X4 assigned (DA checker)",
        "HISTORY", "Created", "SUBMIT", "Please check", "CLAIM", "CONFIRM", "Complete",
        "Sent to HKEX", "HKEX",
    ]:
        assert expected in text, expected


def test_a_da4_shows_the_accounts_and_the_fee(das, cc_maker, cc_checker):
    data = {"accounts": 3, "remarks": "", "declaration": True,
            "contacts": [{"name": "AAA", "email": "aaa@abc-securities.example",
                          "phone": "29797111"}]}
    record = sent(cc_maker, cc_checker, data, form="DA4")
    text = text_of(render_pdf(record))
    assert "DA 4 CCASS / CCMS USER ACCOUNT APPLICATION FORM" in text
    assert "Number of additional user accounts 3" in text
    assert "HK$750.00" in text and "HKT Sent to HKEX" in text


def test_text_beyond_latin_is_set_in_a_font_that_has_it(das, cc_maker):
    data = da3_with_contact()
    data["contacts"][0]["name"] = "張偉文 Cheung"
    record = submitted(cc_maker, data)
    content = render_pdf(record)
    assert b"MSung-Light" in content and "Cheung" in text_of(content)


def test_a_company_user_downloads_it_named_after_the_reference(client, das, cc_maker,
                                                               cc_checker):
    record = sent(cc_maker, cc_checker, da3_with_contact())
    connect_login(client, cc_checker)
    response = client.get(f"/connect/eservices/{record.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="DA3_00000001.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert "DA3_00000001" in text_of(response.content)


def test_another_companys_user_gets_404(client, das, cc_maker, cc_checker):
    record = sent(cc_maker, cc_checker, da3_with_contact())
    bank = Participant.objects.create(kind=ParticipantKind.HKSCC_DB, participant_id="BNK999",
                                      name="XYZ BANK", user_id_prefix="BNK999", max_users=20)
    from tests.helpers import register_app

    outsider = connect_user(bank, "cc.checker@xyz-bank.example", ConnectRole.CHECKER)
    register_app(outsider)
    connect_login(client, outsider)
    assert client.get(f"/connect/eservices/{record.pk}/pdf/").status_code == 404


def test_a_draft_without_reference_has_no_pdf(client, das, cc_maker):
    record = services.eservice_create(form="DA3", actor=cc_maker)
    connect_login(client, cc_maker)
    assert client.get(f"/connect/eservices/{record.pk}/pdf/").status_code == 404


def test_someone_not_logged_in_to_client_connect_is_sent_to_its_login(client, das, cc_maker,
                                                                     cc_checker):
    record = sent(cc_maker, cc_checker, da3_with_contact())
    response = client.get(f"/connect/eservices/{record.pk}/pdf/")
    assert response.status_code == 302 and response.url.startswith("/connect/login/")


def test_hkex_staff_download_it_from_the_admin(admin_client, das, cc_maker, cc_checker):
    record = sent(cc_maker, cc_checker, da3_with_contact())
    page = admin_client.get(f"/admin/eservices/eservice/{record.pk}/change/").text
    assert f'href="/admin/eservices/eservice/{record.pk}/pdf/"' in page
    response = admin_client.get(f"/admin/eservices/eservice/{record.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="DA3_00000001.pdf"'
    assert "Name of Contact Person Cheung Wai Man" in text_of(response.content)


def test_the_pdf_link_partial_shows_only_with_a_reference(das, cc_maker):
    from django.template.loader import render_to_string

    record = services.eservice_create(form="DA3", actor=cc_maker)
    assert "Download PDF" not in render_to_string("eservices/_pdf_link.html",
                                                  {"record": record})
    record = submitted(cc_maker, da3_with_contact())
    link = render_to_string("eservices/_pdf_link.html", {"record": record})
    assert f'href="/connect/eservices/{record.pk}/pdf/"' in link and "Download PDF" in link

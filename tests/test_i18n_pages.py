"""Issue 11: the language of the pages: Accept-Language first, then the switch; admin English."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_browser_language_chooses_on_the_first_visit(client):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-HK,zh;q=0.9,en;q=0.5")
    assert '<html lang="en">' in english.text
    assert '<html lang="zh-Hant-HK">' in chinese.text
    assert chinese["Content-Language"] == "zh-hant"


def test_the_switch_is_on_the_page_and_keeps_the_choice(client):
    page = client.get("/")
    assert "English" in page.text and "繁體中文" in page.text
    switched = client.post("/i18n/language/", {"language": "zh-hant", "next": "/"})
    assert switched.status_code == 302 and switched["Location"] == "/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"
    # Kept for the browser session, whatever the browser asks for afterwards.
    again = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-Hant-HK">' in again.text
    back = client.post("/i18n/language/", {"language": "en-gb", "next": "/"})
    assert back.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en-gb"
    assert '<html lang="en">' in client.get("/").text


def test_the_switch_refuses_an_unknown_language_and_an_outside_next(client):
    client.post("/i18n/language/", {"language": "xx", "next": "/"})
    assert '<html lang="en">' in client.get("/").text
    outside = client.post("/i18n/language/", {"language": "zh-hant",
                                              "next": "https://evil.example/"})
    assert outside["Location"] == "/"


def test_the_admin_stays_in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    page = client.get("/admin/login/", follow=True)
    assert '<html lang="en"' in page.text or 'lang="en-gb"' in page.text

"""French first: pages ignore the browser's Accept-Language; English only from the FR/EN switch."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def _lang(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_an_english_browser_gets_french_on_its_first_visit(client):
    response = client.get("/", **ENGLISH_BROWSER)
    assert _lang(response) == "fr"
    assert response["Content-Language"] == "fr"
    assert "Aller au contenu" in response.content.decode()
    assert "Accept-Language" not in response.get("Vary", "")


def test_the_switch_picks_english_then_french_again(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/actions/"})
    assert response.status_code == 302 and response["Location"] == "/actions/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert _lang(response) == "en" and "Skip to content" in response.content.decode()
    assert response["Content-Language"] == "en"

    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    response = client.get("/", **ENGLISH_BROWSER)
    assert _lang(response) == "fr" and "Aller au contenu" in response.content.decode()


def test_the_switch_offers_the_other_language(client):
    html = client.get("/", **ENGLISH_BROWSER).content.decode()
    assert 'name="language" value="en"' in html and 'name="language" value="fr"' not in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'name="language" value="fr"' in html and 'name="language" value="en"' not in html


@pytest.mark.parametrize("cookie", ["xx", "", "de", "en" * 100])
def test_an_unknown_language_cookie_means_french(client, cookie):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    assert _lang(client.get("/", **ENGLISH_BROWSER)) == "fr"


def test_a_regional_english_cookie_means_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en-gb"
    assert _lang(client.get("/")) == "en"


def test_the_javascript_catalogue_follows_the_switch_not_the_browser(client):
    french = client.get("/jsi18n/", **ENGLISH_BROWSER)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/jsi18n/")
    assert french.content != english.content


def test_the_api_still_negotiates_with_accept_language(client):
    response = client.get("/api/v1/proposals", {"sort": "n-importe"}, **ENGLISH_BROWSER)
    assert response.status_code == 422
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    response = client.get("/api/v1/proposals", {"sort": "n-importe"})
    assert response["Content-Language"] == "fr"

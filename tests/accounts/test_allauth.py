from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.models import User


@pytest.mark.django_db
def test_login_by_email_code_needs_no_password(client, user):
    response = client.post("/accounts/login/code/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.M).group(1)
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_login_by_code_with_an_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/login/code/", {"email": "nobody@example.org"})
    # Same answer as for a known address: no enumeration.
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signup_records_display_name_college_and_terms_and_requires_verification(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "nouvelle@example.org",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
            "display_name": "Nadia",
            "college": "enterprises",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@example.org")
    assert user.display_name == "Nadia" and user.college == "enterprises"
    assert user.terms_accepted_at is not None and not user.is_guest
    assert "_auth_user_id" not in client.session  # mandatory verification
    assert any("confirm" in m.body for m in mail.outbox)


@pytest.mark.django_db
def test_signup_errors_are_in_french_and_create_nothing(client):
    response = client.post(
        "/accounts/signup/", {"email": "pas-une-adresse", "display_name": "", "college": "x"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce champ est obligatoire." in html
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_login_page_is_in_the_platform_look(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'id="contenu"' in html and "Agir Ensemble" in html
    assert "Connexion" in html

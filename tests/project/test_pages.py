from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_home_lists_the_five_axes_in_french(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    for title in [
        "Un environnement d&#x27;accueil optimum (foncier &amp; services)",
        "Accompagner la mutation de l&#x27;automobile / mobilité",
        "Accélérer la diversification vers les filières d&#x27;avenir",
        "Marketing territorial offensif",
        "Synergies territoriales",
    ]:
        assert title in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "8, avenue des Alliés" in html
    assert "/accessibilite/" in html


@pytest.mark.django_db
def test_home_speaks_english_after_the_language_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html


@pytest.mark.django_db
def test_accessibility_statement_has_its_required_parts(client):
    html = client.get("/accessibilite/").content.decode()
    for part in [
        "État de conformité",
        "RGAA",
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
        "Défenseur des droits",
    ]:
        assert part in html


@pytest.mark.django_db
def test_axis_page_shows_the_axis(client):
    response = client.get("/axes/filieres-avenir/")
    assert response.status_code == 200
    assert "Énergie / Hydrogène" in response.content.decode()
    assert client.get("/axes/nope/").status_code == 404


@pytest.mark.django_db
def test_admin_is_in_french(admin_client):
    from allauth.mfa.models import Authenticator

    # Staff need TOTP before anything else.
    response = admin_client.get("/admin/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
    user = admin_client.session["_auth_user_id"]
    Authenticator.objects.create(user_id=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    html = admin_client.get("/admin/").content.decode()
    assert "Agir Ensemble — administration" in html
    assert "Propositions et axes" in html

"""Staff edit both languages of what the platform defines: the plain field is the French, the
`_en` field the English, whatever the language of the page they edit it from."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from proposals.models import Axis

pytestmark = pytest.mark.django_db


@pytest.fixture
def axis(db):
    return Axis.objects.get(slug="filieres-avenir")


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def test_a_recommendation_edited_from_an_english_page_keeps_its_french(client, editor, axis):
    from decisions.models import Recommendation
    from decisions.services import recommendation_create

    rec = recommendation_create(actor=editor, title="Un fonds territorial", axis=axis)
    client.force_login(editor)
    _english(client)
    url = reverse("decisions:recommendation_edit", args=[rec.pk])
    page = client.get(url)
    form = page.context["form"]
    assert form.initial["title"] == "Un fonds territorial"
    html = page.content.decode()
    assert 'name="title_en"' in html and "Title in English" in html

    response = client.post(
        url,
        {
            "title": "Un fonds territorial d'épargne",
            "title_en": "A territorial savings fund",
            "axis": axis.pk,
            "body": "",
            "rationale": "",
        },
    )
    assert response.status_code == 302
    rec = Recommendation.objects.get(pk=rec.pk)
    assert rec.title_fr == "Un fonds territorial d'épargne"
    assert rec.title_en == "A territorial savings fund"
    with translation.override("fr"):
        assert rec.title == "Un fonds territorial d'épargne"
    with translation.override("en"):
        assert rec.title == "A territorial savings fund"
    assert "A territorial savings fund" in client.get(rec.get_absolute_url()).content.decode()


def test_an_empty_english_title_shows_the_french(client, editor, axis):
    from decisions.services import recommendation_create, recommendation_update

    rec = recommendation_create(
        actor=editor, title="Former massivement", title_en="Train at scale", axis=axis
    )
    recommendation_update(recommendation=rec, actor=editor, title_en="")
    rec.refresh_from_db()
    assert rec.title_en is None
    with translation.override("en"):
        assert rec.title == "Former massivement"


def test_an_indicator_has_both_languages_in_its_form(client, editor):
    from decisions.services import indicator_create

    indicator = indicator_create(
        actor=editor, slug="", name="Emplois créés", unit="emplois", name_en="Jobs created"
    )
    assert (indicator.name_fr, indicator.name_en, indicator.unit_fr) == (
        "Emplois créés",
        "Jobs created",
        "emplois",
    )
    client.force_login(editor)
    html = client.get(reverse("decisions:indicator_edit", args=[indicator.slug])).content.decode()
    for name in ("name_en", "description_en", "unit_en", "context_note_en"):
        assert f'name="{name}"' in html


def test_a_workshop_gets_its_english_title_from_the_facilitator(client, facilitator):
    from workshops import services
    from workshops.models import Workshop

    client.force_login(facilitator)
    _english(client)
    response = client.post(
        reverse("workshops:create"),
        {
            "title": "Mobilités douces en 2030",
            "title_en": "Soft mobility in 2030",
            "description": "Se déplacer autrement.",
            "description_en": "",
            "place": "on_site",
            "visibility": "public",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    workshop = Workshop.objects.get(slug="mobilites-douces-en-2030")
    assert workshop.title_fr == "Mobilités douces en 2030"
    assert workshop.title_en == "Soft mobility in 2030"
    assert workshop.description_fr == "Se déplacer autrement." and workshop.description_en is None

    services.workshop_update(
        workshop=workshop,
        actor=facilitator,
        title="Mobilités douces",
        title_en="Soft mobility",
        description="Se déplacer autrement.",
    )
    workshop.refresh_from_db()
    assert (workshop.title_fr, workshop.title_en) == ("Mobilités douces", "Soft mobility")
    # Without an English description, English pages show the French one.
    with translation.override("en"):
        assert workshop.description == "Se déplacer autrement."

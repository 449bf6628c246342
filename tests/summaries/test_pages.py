"""Public pages of summaries: the list, the Atom feed, the API; constant queries on lists."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.utils.html import escape

from summaries.services import summary_create_for_workshop, summary_publish
from tests.summaries.factories import PEOPLE
from tests.workshops.factories import WorkshopFactory
from workshops.models import WorkshopState

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _publish_summaries(editor, n: int) -> list:
    summaries = []
    for _i in range(n):
        workshop = WorkshopFactory(state=WorkshopState.CLOSED)
        summary = summary_create_for_workshop(actor=editor, workshop=workshop)
        summary_publish(summary=summary, actor=editor)
        summaries.append(summary)
    return summaries


def test_the_list_shows_published_summaries_and_hides_drafts(held_workshop, editor, client):
    published = _publish_summaries(editor, 2)
    draft = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    html = client.get("/syntheses/").content.decode()
    for summary in published:
        assert escape(summary.title) in html
        assert f"/syntheses/{summary.slug}.pdf" in html
    assert escape(draft.title) not in html
    assert "Générer le brouillon" not in html  # editors only


def test_the_list_takes_constant_queries(editor, client, django_assert_max_num_queries):
    _publish_summaries(editor, 2)
    # summaries with their current version (1); the nav axes of the layout (1)
    with django_assert_max_num_queries(2):
        client.get("/syntheses/")
    _publish_summaries(editor, 5)
    with django_assert_max_num_queries(2):
        assert client.get("/syntheses/").status_code == 200


def test_the_editor_list_takes_constant_queries(editor, client, django_assert_max_num_queries):
    client.force_login(editor)
    _publish_summaries(editor, 2)
    WorkshopFactory(state=WorkshopState.CLOSED)
    # session, user, roles; published summaries; drafts; closed workshops without a summary;
    # axes of the creation form; the nav axes of the layout
    with django_assert_max_num_queries(9):
        client.get("/syntheses/")
    _publish_summaries(editor, 4)
    for _i in range(4):
        WorkshopFactory(state=WorkshopState.CLOSED)
    with django_assert_max_num_queries(9):
        assert client.get("/syntheses/").status_code == 200


def test_the_atom_feed_lists_published_versions_and_corrections(held_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    summary_publish(summary=summary, actor=editor)
    summary_publish(summary=summary, actor=editor, change_note="Chiffres de participation revus.")
    _draft = summary_create_for_workshop(
        actor=editor,
        workshop=WorkshopFactory(state=WorkshopState.CLOSED, title="Atelier brouillon"),
    )
    response = client.get("/syntheses/flux.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles == [f"{summary.title} (version 2, corrigée)", summary.title]
    assert "Atelier brouillon" not in response.content.decode()
    assert "Chiffres de participation revus." in entries[0].find(f"{ATOM}summary").text
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/syntheses/{summary.slug}/v2/")


def test_the_api_gives_published_versions_only(held_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    assert client.get(f"/api/v1/summaries/{summary.slug}").status_code == 404
    assert client.get("/api/v1/summaries").json() == []
    summary_publish(summary=summary, actor=editor)
    listing = client.get("/api/v1/summaries").json()
    assert [s["slug"] for s in listing] == [summary.slug]
    assert listing[0]["pdf_url"] == f"/syntheses/{summary.slug}.pdf"
    detail = client.get(f"/api/v1/summaries/{summary.slug}").json()
    assert detail["number"] == 1
    assert detail["data"]["participation"]["total"] == len(PEOPLE) + 1
    assert "note" not in detail["sections"][0]  # only the sanitised HTML leaves
    assert client.get(f"/api/v1/summaries/{summary.slug}/versions/1").status_code == 200
    assert client.get(f"/api/v1/summaries/{summary.slug}/versions/2").status_code == 404


def test_the_workshop_summary_tag_offers_the_one_click_draft(held_workshop, editor, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    template = Template("{% load summaries_tags %}{% workshop_summary workshop %}")
    request = rf.get("/")
    request.user = editor
    html = template.render(Context({"request": request, "workshop": held_workshop}))
    assert f'action="/syntheses/atelier/{held_workshop.slug}/"' in html
    request.user = AnonymousUser()
    assert "form" not in template.render(Context({"request": request, "workshop": held_workshop}))

    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    summary_publish(summary=summary, actor=editor)
    html = template.render(Context({"request": request, "workshop": held_workshop}))
    assert f'href="/syntheses/{summary.slug}/"' in html


def test_editors_create_a_period_summary_from_the_list(held_workshop, editor, user, client):
    from summaries.models import DecisionSummary

    form = {
        "scope": "period",
        "title": "",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
    }
    client.force_login(user)
    assert client.post("/syntheses/nouvelle/", form).status_code == 403
    client.force_login(editor)
    response = client.post("/syntheses/nouvelle/", form)
    summary = DecisionSummary.objects.get()
    assert response["Location"] == f"/syntheses/{summary.slug}/modifier/"
    assert summary.title == "Synthèse du 01/01/2026 au 31/12/2026"


def test_a_wrong_period_is_refused_and_what_was_typed_stays(editor, client):
    from summaries.models import DecisionSummary

    client.force_login(editor)
    form = {
        "scope": "period",
        "title": "Bilan du premier semestre",
        "period_start": "2026-06-30",
        "period_end": "2026-01-01",
    }
    response = client.post("/syntheses/nouvelle/", form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "La fin de la période doit suivre son début." in html
    assert 'value="Bilan du premier semestre"' in html
    assert not DecisionSummary.objects.exists()


def test_a_summary_page_takes_constant_queries_whatever_its_versions(
    held_workshop, editor, client, django_assert_max_num_queries
):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    summary_publish(summary=summary, actor=editor)
    summary_publish(summary=summary, actor=editor, change_note="Correction 1.")
    # summary with its current version; the list of versions; the previous version (for
    # the diff); the nav axes of the layout
    with django_assert_max_num_queries(4):
        assert client.get(f"/syntheses/{summary.slug}/").status_code == 200
    for n in range(2, 7):
        summary_publish(summary=summary, actor=editor, change_note=f"Correction {n}.")
    with django_assert_max_num_queries(4):
        assert client.get(f"/syntheses/{summary.slug}/").status_code == 200
    # the open-data page only reads the layout's axes
    with django_assert_max_num_queries(1):
        assert client.get("/donnees/").status_code == 200


def test_a_closed_workshop_page_is_one_click_from_its_draft(held_workshop, editor, client):
    client.force_login(editor)
    room = client.get(held_workshop.get_absolute_url()).content.decode()
    assert f'action="/syntheses/atelier/{held_workshop.slug}/"' in room
    response = client.post(f"/syntheses/atelier/{held_workshop.slug}/")
    summary = held_workshop.summaries.get()
    assert response["Location"] == f"/syntheses/{summary.slug}/modifier/"
    summary_publish(summary=summary, actor=editor)
    client.logout()
    room = client.get(held_workshop.get_absolute_url()).content.decode()
    assert f'href="/syntheses/{summary.slug}/"' in room


def test_the_admin_shows_summaries_and_versions_read_only(held_workshop, editor, client):
    from django.conf import settings
    from django.test import override_settings

    from tests.factories import UserFactory

    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    version = summary_publish(summary=summary, actor=editor)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    # Staff need a second factor on the site; that is the accounts tests' business.
    without_mfa = [
        m for m in settings.MIDDLEWARE if m != "accounts.middleware.StaffMFARequiredMiddleware"
    ]
    with override_settings(MIDDLEWARE=without_mfa):
        for path in [
            "/admin/summaries/decisionsummary/",
            f"/admin/summaries/decisionsummary/{summary.pk}/change/",
            "/admin/summaries/summaryversion/",
            f"/admin/summaries/summaryversion/{version.pk}/change/",
        ]:
            assert client.get(path).status_code == 200, path
        response = client.post(
            f"/admin/summaries/summaryversion/{version.pk}/change/", {"title": "Réécrit"}
        )
        assert response.status_code == 403

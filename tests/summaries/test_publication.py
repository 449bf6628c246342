"""Draft → published: editors only, immutable versions, frozen figures, corrections as new versions."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from project.errors import DomainError, PermissionDeniedError
from summaries.models import SummaryVersion
from summaries.services import (
    summary_create_for_workshop,
    summary_draft_update,
    summary_publish,
    summary_regenerate,
)
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops.models import WorkshopState

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(held_workshop, editor):
    return summary_create_for_workshop(actor=editor, workshop=held_workshop)


def _sections(summary, **notes):
    return [{**s, "note": notes.get(s["key"], s.get("note", ""))} for s in summary.sections]


def test_a_draft_is_visible_to_editors_only(draft, editor, user, client):
    assert client.get(f"/syntheses/{draft.slug}/").status_code == 404
    assert client.get(f"/syntheses/{draft.slug}.pdf").status_code == 404
    client.force_login(user)
    assert client.get(f"/syntheses/{draft.slug}/").status_code == 404
    assert client.get(f"/syntheses/{draft.slug}/apercu/").status_code == 403
    assert client.get(f"/syntheses/{draft.slug}/modifier/").status_code == 403
    client.force_login(editor)
    assert client.get(f"/syntheses/{draft.slug}/").status_code == 302
    preview = client.get(f"/syntheses/{draft.slug}/apercu/")
    assert preview.status_code == 200
    assert "Aperçu du brouillon" in preview.content.decode()


def test_only_editors_create_and_publish(held_workshop, draft, user):
    with pytest.raises(PermissionDeniedError):
        summary_create_for_workshop(actor=user, workshop=held_workshop)
    with pytest.raises(PermissionDeniedError):
        summary_publish(summary=draft, actor=user)
    assert not SummaryVersion.objects.exists()


def test_one_click_draft_needs_a_closed_workshop_and_is_made_once(held_workshop, editor, client):
    live = WorkshopFactory(state=WorkshopState.LIVE)
    with pytest.raises(DomainError) as exc:
        summary_create_for_workshop(actor=editor, workshop=live)
    assert exc.value.code == "workshop_not_closed"

    client.force_login(editor)
    listing = client.get("/syntheses/").content.decode()
    assert held_workshop.title in listing and "Générer le brouillon" in listing
    first = client.post(f"/syntheses/atelier/{held_workshop.slug}/")
    second = client.post(f"/syntheses/atelier/{held_workshop.slug}/")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert held_workshop.summaries.count() == 1


def test_publishing_freezes_the_figures_and_the_text(draft, editor, held_workshop, client):
    summary_draft_update(
        summary=draft,
        actor=editor,
        title="Friches : ce que nous avons décidé",
        intro="Merci à **toutes et tous**. <script>alert(1)</script>",
        sections=_sections(draft, next_steps="Rendez-vous en *mars*."),
    )
    version = summary_publish(summary=draft, actor=editor)
    assert version.number == 1
    assert (
        "<script>" not in version.intro_html
        and "<strong>toutes et tous</strong>" in version.intro_html
    )

    # Later data and later draft edits do not change what was published.
    ParticipantFactory(workshop=held_workshop, user=UserFactory())
    summary_regenerate(summary=draft, actor=editor)
    summary_draft_update(
        summary=draft, actor=editor, title="Autre titre", intro="", sections=_sections(draft)
    )
    assert draft.data["participation"]["total"] == 9

    page = client.get(f"/syntheses/{draft.slug}/").content.decode()
    assert "Friches : ce que nous avons décidé" in page
    assert "8 participations" in page
    assert "Rendez-vous en <em>mars</em>." in page
    assert "Autre titre" not in page


def test_a_published_version_cannot_be_changed_or_deleted(draft, editor):
    version = summary_publish(summary=draft, actor=editor)
    version.title = "Réécrit"
    with pytest.raises(ValueError):
        version.save()
    with pytest.raises(ValueError):
        version.delete()
    assert SummaryVersion.objects.get(pk=version.pk).title != "Réécrit"


def test_a_correction_is_a_new_version_and_the_old_one_stays_readable(
    draft, editor, held_workshop, client
):
    summary_publish(summary=draft, actor=editor)
    ParticipantFactory(workshop=held_workshop, user=UserFactory())
    summary_regenerate(summary=draft, actor=editor)

    with pytest.raises(DomainError) as exc:
        summary_publish(summary=draft, actor=editor)
    assert exc.value.code == "change_note_required"

    v2 = summary_publish(summary=draft, actor=editor, change_note="Une participante oubliée.")
    assert v2.number == 2
    draft.refresh_from_db()
    assert draft.current_version == v2

    latest = client.get(f"/syntheses/{draft.slug}/").content.decode()
    assert "9 participations" in latest
    assert "Une participante oubliée." in latest
    assert "Ce qui a changé depuis la version 1" in latest
    assert "Participations : 8" in latest and "Participations : 9" in latest  # the diff

    old = client.get(f"/syntheses/{draft.slug}/v1/")
    assert old.status_code == 200
    old_html = old.content.decode()
    assert "8 participations" in old_html and "Ceci est une ancienne version." in old_html

    actions = list(
        AuditEvent.objects.filter(action="summary.published").values_list("data", flat=True)
    )
    assert sorted(a["version"] for a in actions) == [1, 2]


def test_the_editor_reorders_and_hides_sections(draft, editor, client):
    client.force_login(editor)
    keys = [s["key"] for s in draft.sections]
    data = {"action": "save", "title": "Titre revu", "intro": "Bonjour", "order": keys[::-1]}
    for key in keys:
        data[f"shown_{key}"] = "on" if key != "agenda" else ""
        data[f"note_{key}"] = f"Note {key}"
    assert client.post(f"/syntheses/{draft.slug}/modifier/", data).status_code == 302
    draft.refresh_from_db()
    assert [s["key"] for s in draft.sections] == list(reversed(keys))
    assert next(s for s in draft.sections if s["key"] == "agenda")["shown"] is False
    preview = client.get(f"/syntheses/{draft.slug}/apercu/").content.decode()
    assert preview.index("Et maintenant ?") < preview.index("Participation")
    assert "Déroulé de l&#x27;atelier" not in preview


def test_bad_input_keeps_what_was_typed(draft, editor, client):
    client.force_login(editor)
    data = {"action": "save", "title": "", "intro": "Mon long texte à ne pas perdre"}
    data["order"] = [s["key"] for s in draft.sections]
    for s in draft.sections:
        data[f"shown_{s['key']}"] = "on"
        data[f"note_{s['key']}"] = ""
    response = client.post(f"/syntheses/{draft.slug}/modifier/", data)
    assert response.status_code == 400
    assert "Mon long texte à ne pas perdre" in response.content.decode()
    draft.refresh_from_db()
    assert draft.intro == ""

"""The summary editor: sections reordered (service, move buttons without JavaScript), the
sections fitting the summary's kind, the live preview, and what the summary leaves out."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from project.errors import DomainError, PermissionDeniedError
from proposals.models import Axis
from summaries.generation import left_out
from summaries.models import Scope
from summaries.services import (
    move_section,
    summary_create,
    summary_create_for_workshop,
    summary_draft_preview,
    summary_draft_update,
    summary_exclude,
    summary_include,
    summary_publish,
)

pytestmark = pytest.mark.django_db

WORKSHOP_KEYS = ["participation", "agenda", "ideas", "votes", "recommendations", "next_steps"]


@pytest.fixture
def draft(held_workshop, editor):
    return summary_create_for_workshop(actor=editor, workshop=held_workshop)


def _keys(summary) -> list[str]:
    return [s["key"] for s in summary.sections]


def _post_data(summary, *, order=None, **extra) -> dict:
    data = {"action": "save", "title": summary.title, "intro": summary.intro}
    data["order"] = order or _keys(summary)
    for s in summary.sections:
        data[f"shown_{s['key']}"] = "on" if s.get("shown", True) else ""
        data[f"note_{s['key']}"] = s.get("note", "")
    data.update(extra)
    return data


# --- Reordering: the service ---------------------------------------------------------------------


def test_move_section_moves_by_one_and_stops_at_the_ends():
    keys = ["a", "b", "c"]
    assert move_section(keys, "c", -1) == ["a", "c", "b"]
    assert move_section(keys, "a", 1) == ["b", "a", "c"]
    assert move_section(keys, "a", -1) == keys  # already first
    assert move_section(keys, "c", 1) == keys  # already last
    assert keys == ["a", "b", "c"]  # the list given is not changed
    with pytest.raises(DomainError):
        move_section(keys, "z", 1)


def test_the_draft_keeps_the_order_given(draft, editor):
    order = ["votes", "participation", "next_steps", "ideas", "agenda", "recommendations"]
    sections = {s["key"]: s for s in draft.sections}
    summary_draft_update(
        summary=draft,
        actor=editor,
        title=draft.title,
        intro="",
        sections=[{**sections[key], "note": f"Note {key}"} for key in order],
    )
    draft.refresh_from_db()
    assert _keys(draft) == order
    assert draft.sections[0]["note_html"] == "<p>Note votes</p>"


@pytest.mark.parametrize(
    "order",
    [
        WORKSHOP_KEYS[:-1],  # one missing
        [*WORKSHOP_KEYS, "votes"],  # one twice
        [*WORKSHOP_KEYS[:-1], "intruder"],  # one unknown
    ],
)
def test_an_incomplete_order_changes_nothing(draft, editor, order):
    before = list(draft.sections)
    with pytest.raises(DomainError) as caught:
        summary_draft_update(
            summary=draft,
            actor=editor,
            title="Autre titre",
            intro="",
            sections=[{"key": key, "shown": True, "note": ""} for key in order],
        )
    assert caught.value.code == "invalid_sections"
    draft.refresh_from_db()
    assert draft.sections == before and draft.title != "Autre titre"


def test_an_axis_summary_has_no_workshop_agenda(editor):
    summary = summary_create(
        actor=editor, scope=Scope.AXIS, axis=Axis.objects.get(slug="filieres-avenir")
    )
    assert "agenda" not in _keys(summary)
    with pytest.raises(DomainError):
        summary_draft_update(
            summary=summary,
            actor=editor,
            title=summary.title,
            intro="",
            sections=[{"key": key, "shown": True, "note": ""} for key in WORKSHOP_KEYS],
        )


def test_an_old_axis_draft_loses_the_agenda_in_the_editor_and_when_published(editor, client):
    summary = summary_create(
        actor=editor, scope=Scope.AXIS, axis=Axis.objects.get(slug="filieres-avenir")
    )
    # A draft made before the kinds had their own sections: all six.
    type(summary).objects.filter(pk=summary.pk).update(
        sections=[{"key": k, "shown": True, "note": "", "note_html": ""} for k in WORKSHOP_KEYS]
    )
    summary.refresh_from_db()
    client.force_login(editor)
    html = client.get(f"/syntheses/{summary.slug}/modifier/").content.decode()
    assert 'id="row-agenda"' not in html
    assert "Déroulé de l&#x27;atelier" not in html
    version = summary_publish(summary=summary, actor=editor)
    assert "agenda" not in [s["key"] for s in version.sections]


# --- Reordering: the page, without JavaScript -----------------------------------------------------


def test_the_move_buttons_work_without_javascript(draft, editor, client):
    client.force_login(editor)
    url = f"/syntheses/{draft.slug}/modifier/"
    response = client.post(url, _post_data(draft, move="votes:up", note_votes="Mon texte"))
    assert response.status_code == 302
    assert response["Location"] == f"{url}?moved=votes:up"
    draft.refresh_from_db()
    assert _keys(draft) == [
        "participation",
        "agenda",
        "votes",
        "ideas",
        "recommendations",
        "next_steps",
    ]
    # What was typed before pressing the button is saved with the move.
    assert next(s for s in draft.sections if s["key"] == "votes")["note"] == "Mon texte"

    page = client.get(response["Location"])
    html = page.content.decode()
    # The focus comes back on the button pressed, and the new position is said.
    assert 'value="votes:up" class="button button--small button--secondary" data-move="up"' in html
    up = html[html.index('value="votes:up"') : html.index(">", html.index('value="votes:up"'))]
    assert "autofocus" in up
    assert "« Résultats des votes » est maintenant en position 3 sur 6." in html
    # Sections are listed in their order, each with its position, no numeric field.
    assert html.index('id="row-votes"') < html.index('id="row-ideas"')
    assert 'name="position_' not in html


def test_the_first_section_cannot_go_up(draft, editor, client):
    client.force_login(editor)
    html = client.get(f"/syntheses/{draft.slug}/modifier/").content.decode()
    first = html[
        html.index('value="participation:up"') : html.index('value="participation:up"') + 300
    ]
    assert 'aria-disabled="true"' in first
    client.post(f"/syntheses/{draft.slug}/modifier/", _post_data(draft, move="participation:up"))
    draft.refresh_from_db()
    assert _keys(draft) == WORKSHOP_KEYS


def test_a_tampered_order_is_refused_and_changes_nothing(draft, editor, client):
    client.force_login(editor)
    response = client.post(
        f"/syntheses/{draft.slug}/modifier/", _post_data(draft, order=["votes", "votes"])
    )
    assert response.status_code == 400
    assert "L&#x27;ordre des sections envoyé est incomplet." in response.content.decode()
    draft.refresh_from_db()
    assert _keys(draft) == WORKSHOP_KEYS


# --- The live preview ------------------------------------------------------------------------------


def test_the_live_preview_renders_the_unsaved_order_and_saves_nothing(
    draft, editor, user, client, django_assert_max_num_queries
):
    url = f"/syntheses/{draft.slug}/apercu-direct/"
    order = ["next_steps", *WORKSHOP_KEYS[:-1]]
    data = _post_data(draft, order=order, title="Titre pas encore enregistré", note_ideas="*Vu*")
    client.force_login(user)
    assert client.post(url, data).status_code == 403
    client.force_login(editor)
    with django_assert_max_num_queries(12):
        response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment, swapped in by htmx
    assert "Titre pas encore enregistré" in html
    assert html.index('id="section-next_steps"') < html.index('id="section-participation"')
    assert "<em>Vu</em>" in html
    assert "<script" not in html and "style=" not in html  # the CSP forbids both
    draft.refresh_from_db()
    assert draft.title != "Titre pas encore enregistré" and _keys(draft) == WORKSHOP_KEYS


def test_the_live_preview_says_what_is_wrong(draft, editor, client):
    client.force_login(editor)
    response = client.post(f"/syntheses/{draft.slug}/apercu-direct/", _post_data(draft, title="  "))
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_the_preview_service_needs_an_editor(draft, user):
    with pytest.raises(PermissionDeniedError):
        summary_draft_preview(
            summary=draft, actor=user, title="x", intro="", sections=draft.sections
        )


# --- What the summary leaves out -----------------------------------------------------------------


def _draft_recommendation(workshop, editor, title="Une halle pour les circuits courts"):
    from decisions import services as decisions

    idea = workshop.proposals.filter(is_hidden=False).first()
    return decisions.recommendation_create(
        actor=editor, title=title, axis=idea.axis, body="Texte en projet.", proposals=[idea]
    )


def test_a_draft_recommendation_is_listed_as_left_out_with_why(decided_workshop, editor, client):
    draft_rec = _draft_recommendation(decided_workshop, editor)
    summary = summary_create_for_workshop(actor=editor, workshop=decided_workshop)
    assert draft_rec.title not in str(summary.data)  # not in the summary…

    items = {item.title: item for item in left_out(summary)}
    # …and the editor is told, with the reason and whether one click may include it.
    assert items[draft_rec.title].reason.startswith("Brouillon : pas encore adoptée")
    assert items[draft_rec.title].includable
    assert items["Guichet unique foncier"].reason.startswith("Adoptée, pas encore publiée.")
    # Only the first 3 actions of a recommendation are shown: the 4th is listed.
    assert items["Évaluer la première année"].kind == "action"
    # The hidden idea of the workshop is counted, not includable.
    assert not items["1 idée masquée"].includable

    client.force_login(editor)
    html = client.get(f"/syntheses/{summary.slug}/modifier/").content.decode()
    assert "Ce que la synthèse laisse de côté" in html
    assert f'name="include" value="recommendations:{draft_rec.pk}"' in html


def test_including_a_draft_recommendation_shows_it_as_a_draft_without_publishing_it(
    decided_workshop, editor, client
):
    from decisions.models import Recommendation, RecommendationStatus

    draft_rec = _draft_recommendation(decided_workshop, editor)
    summary = summary_create_for_workshop(actor=editor, workshop=decided_workshop)
    client.force_login(editor)
    response = client.post(
        f"/syntheses/{summary.slug}/modifier/",
        _post_data(summary, include=f"recommendations:{draft_rec.pk}", intro="Gardé"),
    )
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.intro == "Gardé"  # the text typed is saved with the click
    [item] = [r for r in summary.data["recommendations"]["items"] if r["id"] == draft_rec.pk]
    assert item["included"] and item["in_draft"]
    # Including is not adopting nor publishing: the recommendation keeps its status.
    assert Recommendation.objects.get(pk=draft_rec.pk).status == RecommendationStatus.DRAFT
    assert AuditEvent.objects.filter(action="summary.included").exists()
    entry = next(i for i in left_out(summary) if i.title == draft_rec.title)
    assert entry.included and entry.reason.startswith("Incluse à votre demande")

    summary_publish(summary=summary, actor=editor)
    page = client.get(f"/syntheses/{summary.slug}/").content.decode()
    assert draft_rec.title in page
    assert "En projet : pas encore adoptée par le Codev." in page

    # One click takes it back out (for the next version).
    summary_exclude(summary=summary, actor=editor, item=f"recommendations:{draft_rec.pk}")
    summary.refresh_from_db()
    assert draft_rec.title not in str(summary.data)


def test_what_cannot_be_included_is_refused(decided_workshop, editor):
    from decisions import services as decisions
    from decisions.models import RecommendationSource

    summary = summary_create_for_workshop(actor=editor, workshop=decided_workshop)
    withdrawn = _draft_recommendation(decided_workshop, editor, title="Abandonnée")
    decisions.recommendation_status_change(
        recommendation=withdrawn, actor=editor, new_status="withdrawn"
    )
    # Withdrawn before publication, unrelated to the scope, or nonsense: refused, nothing changes.
    other = _draft_recommendation(decided_workshop, editor, title="Hors périmètre")
    RecommendationSource.objects.filter(recommendation=other).delete()
    before = dict(summary.data)
    for item in (
        f"recommendations:{withdrawn.pk}",
        f"recommendations:{other.pk}",
        "recommendations:abc",
        "workshops:1",
        "",
    ):
        with pytest.raises(DomainError):
            summary_include(summary=summary, actor=editor, item=item)
    summary.refresh_from_db()
    assert summary.data == before and summary.included == {}
    withdrawn_entry = next(i for i in left_out(summary) if i.title == "Abandonnée")
    assert not withdrawn_entry.includable


def test_a_vote_whose_results_are_not_public_is_listed(voted_workshop, editor, facilitator):
    from votes import services as votes
    from votes.models import Method, Reveal

    voted_workshop.state = "live"
    voted_workshop.save()
    hidden = votes.session_create(
        actor=facilitator,
        title="Vote à la clôture",
        method=Method.SUPPORT,
        workshop=voted_workshop,
        labels=["Oui", "Non"],
        reveal=Reveal.AT_CLOSE,
    )
    votes.session_open(session=hidden, actor=facilitator)
    votes.session_close(session=hidden, actor=facilitator)
    voted_workshop.state = "closed"
    voted_workshop.save()
    summary = summary_create_for_workshop(actor=editor, workshop=voted_workshop)
    assert [s["title"] for s in summary.data["votes"]["sessions"]] == [
        "Quelle friche requalifier en premier ?"
    ]
    [entry] = [i for i in left_out(summary) if i.kind == "vote"]
    assert entry.title == "Vote à la clôture"
    assert entry.reason.startswith("Résultats pas encore dévoilés")
    assert not entry.includable


def test_a_hidden_section_is_listed_and_one_click_shows_it(draft, editor):
    sections = [{**s, "shown": s["key"] != "votes"} for s in draft.sections]
    summary_draft_update(
        summary=draft, actor=editor, title=draft.title, intro="", sections=sections
    )
    [entry] = [i for i in left_out(draft) if i.kind == "section"]
    assert entry.title == "Résultats des votes" and entry.key == "section:votes"
    summary_include(summary=draft, actor=editor, item="section:votes")
    draft.refresh_from_db()
    assert all(s["shown"] for s in draft.sections)

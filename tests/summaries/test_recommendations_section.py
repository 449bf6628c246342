"""Recommendations and their first actions in summaries and open data (read from decisions)."""

from __future__ import annotations

import csv
import io

import pytest

from summaries.services import summary_create_for_workshop, summary_publish

pytestmark = pytest.mark.django_db


def _csv(client, slug: str) -> tuple[str, list[dict]]:
    text = b"".join(client.get(f"/donnees/{slug}.csv").streaming_content).decode()
    return text, list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_summary_lists_published_recommendations_and_their_first_actions(
    decided_workshop, editor, client
):
    summary = summary_create_for_workshop(actor=editor, workshop=decided_workshop)
    section = summary.data["recommendations"]
    [rec] = section["items"]
    assert rec["title"] == "Créer un inventaire public et partagé des friches"
    assert [a["title"] for a in rec["actions"]] == [
        "Recenser les friches de plus d'un hectare",
        "Publier la carte des friches",
        "Lancer l'appel à projets de requalification",
    ]  # the first three, by due date
    assert rec["actions"][0]["status"] == "in_progress" and rec["actions"][0]["progress"] == 20
    # Adopted but not public yet: counted, never shown.
    assert section["pending"] == 1
    assert "Guichet unique foncier" not in str(section)
    # What happens next: the coming due dates of those actions.
    assert summary.data["next_steps"]["actions"][0]["due_date"] == "2027-03-01"

    summary_publish(summary=summary, actor=editor)
    html = client.get(f"/syntheses/{summary.slug}/").content.decode()
    assert "Publier la carte des friches" in html
    assert "1 autre recommandation a été adoptée et sera publiée prochainement." in html
    assert "Mme Hortense Référente" not in html


def test_decisions_open_data_with_updates_and_trace_links(decided_workshop, client):
    rec = decided_workshop.recommendation
    text, recs = _csv(client, "recommandations")
    assert [(r["titre"], r["nb_sources"], r["nb_actions"]) for r in recs] == [(rec.title, "2", "4")]
    text_actions, actions = _csv(client, "actions")
    assert len(actions) == 4 and actions[0]["porteur"] == "Pays de Montbéliard Agglomération"
    assert "Hortense" not in text_actions  # the contact person is not published
    _text, updates = _csv(client, "actions-points-etape")
    assert [(u["avancement"], u["nouveau_statut"], u["texte"]) for u in updates] == [
        ("20", "in_progress", "Recensement commencé.")
    ]
    _text, links = _csv(client, "liens-tracabilite")
    kinds = [link["type_lien"] for link in links]
    assert kinds.count("proposition_recommandation") == 2  # the adopted-only one is not public
    assert kinds.count("recommandation_action") == 4
    assert kinds.count("atelier_proposition") == 5  # the hidden idea is left out

"""Vote results in summaries and open data: the votes app's tallies and charts, aggregates only."""

from __future__ import annotations

import csv
import io

import pytest

from summaries.services import summary_create_for_workshop, summary_publish

pytestmark = pytest.mark.django_db


def test_the_summary_shows_the_votes_with_the_votes_apps_chart(voted_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=voted_workshop)
    section = summary.data["votes"]
    assert section["available"] is True
    [session] = section["sessions"]
    assert session["voters"] == 5
    assert [(r["rank"], r["label"]) for r in session["results"]] == [
        (1, "Friche Peugeot d'Audincourt"),
        (2, "Site des Forges de Valentigney"),
    ]
    assert session["results"][0]["score"].startswith("3 ")
    assert '<svg class="vote-chart' in session["chart_svg"]
    assert sum(c["voters"] for c in session["by_college"]) == 5

    summary_publish(summary=summary, actor=editor)
    html = client.get(f"/syntheses/{summary.slug}/").content.decode()
    assert '<svg class="vote-chart' in html
    assert "Quelle friche requalifier en premier ?" in html
    assert "Aucun vote pour cet atelier." not in html


def test_published_vote_figures_are_frozen(voted_workshop, editor, facilitator, client):
    summary = summary_create_for_workshop(actor=editor, workshop=voted_workshop)
    summary_publish(summary=summary, actor=editor)
    # The vote is renamed afterwards: the published summary keeps what was true then.
    session = voted_workshop.vote_session
    type(session).objects.filter(pk=session.pk).update(title="Titre changé après coup")
    html = client.get(f"/syntheses/{summary.slug}/").content.decode()
    assert "Quelle friche requalifier en premier ?" in html
    assert "Titre changé après coup" not in html


def test_the_vote_results_export_has_aggregates_and_no_ballot(voted_workshop, client):
    response = client.get("/donnees/resultats-votes.csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["rang"], r["option"], r["votants"]) for r in rows] == [
        ("1", "Friche Peugeot d'Audincourt", "5"),
        ("2", "Site des Forges de Valentigney", "5"),
    ]
    assert rows[0]["atelier"] == voted_workshop.slug
    people = voted_workshop.people
    for person in people.values():
        assert person.display_name not in text and person.username not in text
    # Voters per college add up to the total, never one row per ballot.
    by_college = dict(pair.split("=") for pair in rows[0]["votants_par_college"].split("; "))
    assert sum(int(n) for n in by_college.values()) == 5


def test_an_axis_summary_takes_in_the_board_votes_of_the_axis(held_workshop, editor):
    from datetime import timedelta

    from django.utils import timezone

    from proposals.models import Axis
    from summaries.models import Scope
    from summaries.services import summary_create
    from votes import services as votes
    from votes.models import Method

    axis = Axis.objects.get(slug="environnement-accueil")
    now = timezone.now()
    session = votes.session_create(
        actor=editor,
        title="Sondage : faut-il une réserve foncière intercommunale ?",
        method=Method.POLL,
        axis=axis,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
        labels=["Oui", "Non"],
    )
    votes.session_open(session=session, actor=editor)
    yes, no = session.options.order_by("order", "pk")
    for name, option in [("lucie", yes), ("marc", yes), ("jean", no)]:
        votes.ballot_cast(session=session, voter=held_workshop.people[name], choices={option.pk: 1})
    votes.session_close(session=session, actor=editor)

    summary = summary_create(actor=editor, scope=Scope.AXIS, axis=axis)
    [result] = summary.data["votes"]["sessions"]
    assert result["workshop"] == ""
    assert result["voters"] == 3
    assert [r["label"] for r in result["results"]] == ["Oui", "Non"]
    other = summary_create(
        actor=editor, scope=Scope.AXIS, axis=Axis.objects.get(slug="filieres-avenir")
    )
    assert other.data["votes"]["sessions"] == []

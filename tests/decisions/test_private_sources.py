"""A recommendation may be fed by a private workshop (a closed session of elected officials,
say): the link is kept, but what the public may not see is never named nor linked.

Its ideas are « une idée d'un atelier privé », its votes « un vote d'un atelier privé », its
groups « un groupe d'idées d'un atelier privé », with college counts only under the
small-college rule — on the recommendation page, the trace (page, SVG, API) and the history.
Editors who may see the workshop still read the titles on the recommendation page.
"""

from __future__ import annotations

import html
import json

import pytest
from django.test import Client

from accounts.models import College
from decisions import services as decisions
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops.models import Visibility, WorkshopState

pytestmark = pytest.mark.django_db

IDEA = "Idée confidentielle Pangolin"
VOTE = "Vote confidentiel Pangolin"
GROUP = "Groupe confidentiel Pangolin"
MARKERS = ("Pangolin", "pangolin-huis-clos")


@pytest.fixture
def private_room(facilitator, axis):
    """A live private workshop: 4 citizens and 1 business voted, an idea in a named group."""
    from proposals.models import Proposal
    from votes import services as votes
    from votes.models import Method
    from workshops.grouping import idea_group_create

    workshop = WorkshopFactory(
        title="Huis clos des élu·es Pangolin",
        slug="pangolin-huis-clos",
        visibility=Visibility.PRIVATE,
        state=WorkshopState.LIVE,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    voters = [UserFactory(college=College.CITIZENS) for _ in range(4)]
    voters.append(UserFactory(college=College.ENTERPRISES))
    for voter in voters:
        ParticipantFactory(workshop=workshop, user=voter, college=voter.college)
    idea = Proposal.objects.create(
        axis=axis,
        title=IDEA,
        body="",
        author=voters[0],
        author_college=voters[0].college,
        origin_workshop=workshop,
    )
    group = idea_group_create(workshop=workshop, actor=facilitator, name=GROUP, idea_ids=[idea.pk])
    session = votes.session_create(
        actor=facilitator, title=VOTE, method=Method.SUPPORT, workshop=workshop, labels=["A", "B"]
    )
    votes.session_open(session=session, actor=facilitator)
    option = session.options.order_by("pk").first()
    for voter in voters:
        votes.ballot_cast(session=session, voter=voter, choices={option.pk: 1})
    session = votes.session_close(session=session, actor=facilitator)
    return workshop, idea, group, session


@pytest.fixture
def cited(private_room, editor, make_recommendation, publish):
    _workshop, _idea, group, session = private_room
    recommendation = make_recommendation(title="Recommandation publique")
    decisions.recommendation_group_source_add(
        recommendation=recommendation, group=group, actor=editor
    )
    decisions.recommendation_vote_source_add(
        recommendation=recommendation, session=session, actor=editor
    )
    return publish(recommendation)


def _text(response) -> str:
    assert response.status_code == 200
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return html.unescape(response.content.decode())


def _named(text: str) -> list[str]:
    return [m for m in MARKERS if m in text]


def test_the_recommendation_page_counts_private_sources_without_naming_them(cited, user):
    signed_in = Client()
    signed_in.force_login(user)
    for client in (Client(), signed_in):
        text = _text(client.get(f"/recommandations/{cited.pk}/"))
        assert _named(text) == []
        assert "Une idée d'un atelier privé" in text
        assert "Un vote d'un atelier privé" in text


def test_the_history_does_not_name_private_sources_to_the_public(cited):
    from decisions.models import HistoryEntry

    # The history keeps the titles (editors who see the workshop read them)…
    stored = list(HistoryEntry.objects.filter(recommendation=cited).values_list("changes"))
    assert any(IDEA in str(c) for c in stored) and any(VOTE in str(c) for c in stored)
    # …the public view does not.
    text = _text(Client().get(f"/recommandations/{cited.pk}/"))
    history = text[text.index('id="historique"') :]
    assert _named(history) == []
    assert "une idée d'un atelier privé" in history
    assert "un vote d'un atelier privé" in history
    assert "un groupe d'idées d'un atelier privé" in history


def test_an_older_history_entry_without_its_origin_is_not_named_either(cited):
    """Entries written before the origin was kept are matched by title."""
    from decisions.models import HistoryEntry

    for entry in HistoryEntry.objects.filter(recommendation=cited):
        entry.changes.pop("origin", None)
        entry.save(update_fields=["changes"])
    text = _text(Client().get(f"/recommandations/{cited.pk}/"))
    assert _named(text[text.index('id="historique"') :]) == []


def test_an_editor_who_may_see_the_workshop_reads_the_titles(cited, editor, private_room):
    workshop = private_room[0]
    workshop.facilitators.add(editor)
    client = Client()
    client.force_login(editor)
    text = _text(client.get(f"/recommandations/{cited.pk}/"))
    assert IDEA in text and VOTE in text
    history = text[text.index('id="historique"') :]
    assert IDEA in history and VOTE in history and GROUP in history


def test_an_editor_who_may_not_see_the_workshop_reads_no_title(cited, editor):
    client = Client()
    client.force_login(editor)
    text = _text(client.get(f"/recommandations/{cited.pk}/"))
    assert _named(text) == []


def test_the_trace_page_counts_private_sources_without_naming_them(cited):
    text = _text(Client().get(f"/recommandations/{cited.pk}/trace/"))
    assert _named(text) == []
    assert "une idée d'un atelier privé" in text
    assert "Un vote d'un atelier privé" in text
    assert "Un groupe d'idées d'un atelier privé" in text
    # The voters' colleges under the small-college rule: 4 citizens, the lone business merged.
    assert "4 Citoyen·nes, 1 Autres collèges" in text
    assert "1 Entreprises" not in text


def test_the_trace_diagram_does_not_name_private_sources(cited):
    text = _text(Client().get(f"/recommandations/{cited.pk}/trace.svg"))
    assert _named(text) == []
    assert "une idée d'un atelier privé" in text
    assert "un vote d'un atelier privé" in text


def test_the_api_trace_does_not_name_private_sources(cited):
    response = Client().get(f"/api/v1/recommendations/{cited.pk}/trace")
    data = response.json()
    assert _named(_text(response)) == []
    (proposal,) = data["proposals"]
    assert proposal["private"] is True and proposal["title"] == "une idée d'un atelier privé"
    (vote,) = data["vote_sessions"]
    assert vote["private"] is True and vote["title"] == "un vote d'un atelier privé"
    assert vote["voters"]["by_college"] == {College.CITIZENS: 4, "others": 1}
    (group,) = data["groups"]
    assert group["private"] is True and group["id"] is None
    assert group["name"] == "un groupe d'idées d'un atelier privé"


def test_a_public_workshop_s_sources_are_still_named(editor, make_recommendation, publish, axis):
    from proposals.models import Proposal

    workshop = WorkshopFactory(title="Atelier ouvert", state=WorkshopState.CLOSED)
    author = UserFactory()
    idea = Proposal.objects.create(
        axis=axis, title="Idée publique Okapi", body="", author=author, origin_workshop=workshop
    )
    recommendation = publish(make_recommendation(proposals=[idea]))
    for url in (
        f"/recommandations/{recommendation.pk}/",
        f"/recommandations/{recommendation.pk}/trace/",
        f"/recommandations/{recommendation.pk}/trace.svg",
        f"/api/v1/recommendations/{recommendation.pk}/trace",
    ):
        assert "Idée publique Okapi" in _text(Client().get(url)), url

"""The vote panels of the workshop room and the projector (template hooks and their partials)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.votes.factories import option_ids
from votes.services import ballot_cast, session_close, session_reveal

pytestmark = pytest.mark.django_db


def test_room_shows_the_open_ballot_that_posts_back_to_the_room(
    client, make_session, workshop, participants
):
    session = make_session("majority_judgment")
    client.force_login(participants[0])
    html = client.get(reverse("workshops:room", args=[workshop.slug])).content.decode()
    assert f'action="{reverse("votes:ballot", args=[session.pk])}"' in html
    assert f'name="next" value="{reverse("workshops:room", args=[workshop.slug])}"' in html
    assert "Très bien" in html and "À rejeter" in html
    assert f'data-vote-panel="{reverse("votes:room_panel", args=[workshop.slug])}"' in html
    a = option_ids(session)[0]
    response = client.post(
        reverse("votes:ballot", args=[session.pk]),
        {f"option-{a}": "6", "next": reverse("workshops:room", args=[workshop.slug])},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workshops:room", args=[workshop.slug])


def test_room_without_vote_has_an_empty_slot(client, workshop, participants):
    client.force_login(participants[0])
    html = client.get(reverse("workshops:room", args=[workshop.slug])).content.decode()
    assert "data-vote-panel" in html and "vote-panel__session" not in html


def test_projector_shows_turnout_and_results_only_once_revealed(
    client, make_session, workshop, participants, facilitator
):
    session = make_session("support", reveal="at_close")
    for voter in participants[:3]:
        ballot_cast(session=session, voter=voter, choices={option_ids(session)[0]: 1})
    client.force_login(facilitator)  # the projector runs on the facilitator's laptop
    url = reverse("votes:projector_panel", args=[workshop.slug])
    html = client.get(url).content.decode()
    assert "data-turnout-voted>3</strong> / <span data-turnout-eligible>8</span> ont voté" in html
    assert "vote-chart" not in html  # the facilitator's preview never reaches the screen
    session_close(session=session, actor=facilitator)
    session_reveal(session=session, actor=facilitator)
    html = client.get(url).content.decode()
    assert "merit-bar" in html or "count-bar" in html


def test_results_partial_respects_the_reveal_mode(client, make_session, participants):
    session = make_session("poll", reveal="at_close")
    client.force_login(participants[0])
    assert client.get(reverse("votes:results_partial", args=[session.pk])).status_code == 204
    live = make_session("poll", reveal="live")
    ballot_cast(session=live, voter=participants[1], choices={option_ids(live)[0]: 1})
    response = client.get(reverse("votes:results_partial", args=[live.pk]))
    assert response.status_code == 200 and "vote-chart" in response.content.decode()


def test_room_panel_query_count_does_not_grow_with_ballots(
    client, make_session, workshop, participants, django_assert_max_num_queries
):
    session = make_session("support")
    a, b, _c = option_ids(session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(participants[0])
    url = reverse("votes:room_panel", args=[workshop.slug])
    ballot_cast(session=session, voter=participants[0], choices={a: 1})
    client.get(url)
    with CaptureQueriesContext(connection) as one_ballot:
        client.get(url)
    for voter in participants:
        ballot_cast(session=session, voter=voter, choices={a: 1, b: 1})
    with CaptureQueriesContext(connection) as eight_ballots:
        client.get(url)
    assert len(one_ballot) == len(eight_ballots)
    # auth (session, user), workshop access (workshop, participant, facilitators),
    # sessions, then per open session: rules (participant, facilitators), turnout (2),
    # own ballot (2), options, results (3)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200


def test_facilitator_opens_and_closes_from_the_room(client, make_session, workshop, facilitator):
    session = make_session("poll", open=False)
    client.force_login(facilitator)
    room = reverse("workshops:room", args=[workshop.slug])
    html = client.get(room).content.decode()
    assert "Préparer un vote" in html and 'value="open"' in html
    response = client.post(
        reverse("votes:manage", args=[session.pk]), {"action": "open", "next": room}
    )
    assert response.status_code == 302 and response["Location"] == room
    session.refresh_from_db()
    assert session.state == "open"
    assert 'value="close"' in client.get(room).content.decode()


def test_participants_do_not_see_drafts_in_the_room(client, make_session, workshop, participants):
    make_session("poll", open=False)
    client.force_login(participants[0])
    html = client.get(reverse("workshops:room", args=[workshop.slug])).content.decode()
    assert "vote-panel__session" not in html and "Préparer un vote" not in html


def test_after_voting_the_room_thanks_with_the_turnout_and_folds_the_ballot(
    client, make_session, workshop, participants
):
    session = make_session("poll")
    room = reverse("workshops:room", args=[workshop.slug])
    client.force_login(participants[0])
    response = client.post(
        reverse("votes:ballot", args=[session.pk]),
        {"choice": option_ids(session)[0], "next": room},
        follow=True,
    )
    html = response.content.decode()
    assert (
        "Merci, votre vote est enregistré — <span data-turnout-voted>1</span> / "
        "<span data-turnout-eligible>8</span> ont voté" in html
    )
    # The thanks line follows the live tally (ballot.js updates every [data-turnout]).
    assert f'<p class="vote-thanks" role="status" data-turnout="{session.pk}">' in html
    assert "Votre vote est enregistré. Vous pouvez" not in html  # no second, flashed thanks
    assert '<details class="vote-panel__change"><summary>Modifier mon vote</summary>' in html

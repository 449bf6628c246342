"""The JSON API: session, ballot, results (reveal modes), errors, CSRF and tokens."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.votes.factories import option_ids
from votes.models import Ballot
from votes.services import ballot_cast, session_close, session_reveal

pytestmark = pytest.mark.django_db


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def test_get_session_shows_options_and_turnout(client, make_session, participants):
    session = make_session("dots", dot_budget=6, dot_cap=2)
    client.force_login(participants[0])
    body = client.get(f"/api/v1/vote-sessions/{session.pk}").json()
    assert body["method"] == "dots" and body["dot_budget"] == 6 and body["dot_cap"] == 2
    assert [o["label"] for o in body["options"]] == ["Vélo", "Tram", "Covoiturage"]
    assert body["turnout"] == {"session": session.pk, "voted": 0, "present": None, "eligible": 8}
    assert body["can_vote"] is True and body["has_voted"] is False


def test_post_ballot_records_then_changes(client, make_session, participants):
    session = make_session("majority_judgment")
    a, b, _c = option_ids(session)
    client.force_login(participants[0])
    url = f"/api/v1/vote-sessions/{session.pk}/ballot"
    response = post_json(client, url, {"choices": {str(a): 6, str(b): 3}})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "recorded"
    response = post_json(client, url, {"choices": {str(a): 2}})
    assert response.status_code == 200 and response.json()["status"] == "changed"
    mine = client.get(f"/api/v1/vote-sessions/{session.pk}").json()["my_ballot"]
    assert mine["choices"] == {str(a): 2}
    assert Ballot.objects.filter(session=session).count() == 1


def test_post_ballot_errors_are_json_and_translated(
    client, make_session, participants, facilitator
):
    session = make_session("support", max_choices=1)
    a, b, _c = option_ids(session)
    client.force_login(participants[0])
    url = f"/api/v1/vote-sessions/{session.pk}/ballot"
    response = post_json(client, url, {"choices": {str(a): 1, str(b): 1}})
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_choices"
    session_close(session=session, actor=facilitator)
    response = post_json(client, url, {"choices": {str(a): 1}})
    assert response.status_code == 409
    assert response.json() == {
        "code": "vote_closed",
        "message": "Ce vote est clos : votre bulletin n'a pas été enregistré.",
    }


def test_post_ballot_needs_csrf_with_a_session_cookie(make_session, participants):
    session = make_session("poll")
    client = Client(enforce_csrf_checks=True)
    client.force_login(participants[0])
    response = post_json(
        client,
        f"/api/v1/vote-sessions/{session.pk}/ballot",
        {"choices": {str(option_ids(session)[0]): 1}},
    )
    assert response.status_code in (401, 403)
    assert not Ballot.objects.exists()


def test_post_ballot_with_a_token(make_session, participants):
    from accounts.tokens import token_create

    session = make_session("poll")
    _token, raw = token_create(user=participants[0], name="script")
    response = post_json(
        Client(enforce_csrf_checks=True),
        f"/api/v1/vote-sessions/{session.pk}/ballot",
        {"choices": {str(option_ids(session)[0]): 1}},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content
    assert Ballot.objects.get().voter == participants[0]


def test_anonymous_cannot_vote(client, board_session):
    response = post_json(
        client, f"/api/v1/vote-sessions/{board_session.pk}/ballot", {"choices": {}}
    )
    assert response.status_code == 401


def test_results_respect_the_reveal_mode(client, make_session, participants, facilitator):
    session = make_session("support", reveal="at_close")
    ballot_cast(session=session, voter=participants[0], choices={option_ids(session)[0]: 1})
    client.force_login(participants[1])
    url = f"/api/v1/vote-sessions/{session.pk}/results"
    response = client.get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "results_hidden"
    assert response.json()["turnout"]["voted"] == 1
    client.force_login(facilitator)
    assert client.get(url).status_code == 200  # the facilitator follows the count
    session_close(session=session, actor=facilitator)
    client.force_login(participants[1])
    assert client.get(url).status_code == 403
    session_reveal(session=session, actor=facilitator)
    body = client.get(url).json()
    assert body["ballots"] == 1 and body["options"][0]["count"] == 1


def test_live_results_while_open(client, make_session, participants):
    session = make_session("poll", reveal="live")
    # A live tally moves by 3 ballots at least (one alone would give its choice away).
    for voter in participants[:3]:
        ballot_cast(session=session, voter=voter, choices={option_ids(session)[1]: 1})
    client.force_login(participants[1])
    body = client.get(f"/api/v1/vote-sessions/{session.pk}/results").json()
    assert body["options"][0]["label"] == "Tram"
    assert body["ballots"] == 3


def test_private_workshop_sessions_are_not_found_for_outsiders(
    client, make_session, workshop, user
):
    workshop.visibility = "private"
    workshop.save()
    session = make_session("poll")
    client.force_login(user)
    assert client.get(f"/api/v1/vote-sessions/{session.pk}").status_code == 404
    assert client.get(f"/api/v1/vote-sessions/{session.pk}/results").status_code == 404

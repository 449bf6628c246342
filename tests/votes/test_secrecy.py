"""Secrecy: no page, API response or admin list reveals who voted what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.votes.factories import join, option_ids
from votes.services import ballot_cast, session_close

pytestmark = pytest.mark.django_db


def _walk_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_keys(item)


@pytest.mark.parametrize(
    "method", ["support", "dots", "poll", "majority_judgment", "open_question"]
)
def test_no_response_names_a_voter(client, make_session, workshop, facilitator, method):
    voters = [
        join(
            workshop,
            UserFactory(display_name=f"Votant·e Secret{i}", username=f"secret{i}"),
            college=c,
        )
        for i, c in enumerate(["citizens", "citizens", "citizens", "enterprises"])
    ]
    session = make_session(method)
    ids = option_ids(session)
    for voter in voters:
        if method == "open_question":
            ballot_cast(session=session, voter=voter, answer="Industrie du futur")
        elif method == "majority_judgment":
            ballot_cast(session=session, voter=voter, choices={ids[0]: 5})
        elif method == "dots":
            ballot_cast(session=session, voter=voter, choices={ids[0]: 2})
        else:
            ballot_cast(session=session, voter=voter, choices={ids[0]: 1})
    session_close(session=session, actor=facilitator)
    client.force_login(facilitator)  # the best-placed person: sees everything there is to see
    responses = [
        client.get(reverse("votes:detail", args=[session.pk])),
        client.get(reverse("votes:results", args=[session.pk])),
        client.get(reverse("votes:results_svg", args=[session.pk])),
        client.get(reverse("votes:manage", args=[session.pk])),
        client.get(f"/api/v1/vote-sessions/{session.pk}"),
        client.get(f"/api/v1/vote-sessions/{session.pk}/results"),
    ]
    for response in responses:
        assert response.status_code == 200
        text = response.content.decode()
        for voter in voters:
            assert voter.display_name not in text
            assert voter.username not in text
            assert voter.email not in text
    for response in responses[-2:]:
        keys = set(_walk_keys(response.json()))
        assert not keys & {"voter", "voters_list", "user", "username", "ballot_id", "author"}
    # The single enterprise voter is merged: no group of fewer than 3 voters is shown.
    by_college = responses[-1].json()["by_college"]
    assert all(group["voters"] >= 3 for group in by_college) or by_college == []


def test_admin_never_lists_ballots(client, make_session, participants):
    from django.contrib import admin

    from tests.accounts.helpers import staff_with_totp

    admin_client = client
    admin_client.force_login(staff_with_totp(is_superuser=True))

    from votes.models import AnswerWord, Ballot, BallotChoice

    for model in (Ballot, BallotChoice, AnswerWord):
        assert not admin.site.is_registered(model)
    session = make_session("support")
    ballot_cast(session=session, voter=participants[0], choices={option_ids(session)[0]: 1})
    response = admin_client.get(reverse("admin:votes_votesession_change", args=[session.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert participants[0].display_name not in page
    listing = admin_client.get(reverse("admin:votes_votesession_changelist")).content.decode()
    assert participants[0].display_name not in listing

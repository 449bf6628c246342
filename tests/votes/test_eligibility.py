"""Who may vote where (docs/security.md, issue 22 hole 3).

| session            | may vote                                                  |
|--------------------|-----------------------------------------------------------|
| board (no workshop)| a confirmed account: not a guest, a verified e-mail        |
| workshop           | the workshop's participants not removed, guests included  |
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from project.errors import DomainError
from tests.factories import UserFactory
from tests.votes.conftest import join, option_ids
from votes.models import Ballot
from votes.rules import can_vote
from votes.services import BallotRequest, ballot_cast, ballots_cast


def test_a_guest_cannot_vote_on_a_board_session(board_session, guest):
    assert not can_vote(guest, board_session)
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=board_session, voter=guest, choices={option_ids(board_session)[0]: 1})
    assert exc.value.code == "not_confirmed" and exc.value.status == 403
    assert "comptes confirmés" in exc.value.message
    assert not Ballot.objects.filter(session=board_session).exists()


def test_an_account_without_a_verified_email_cannot_vote_on_a_board_session(board_session):
    from allauth.account.models import EmailAddress

    unverified = UserFactory()
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    assert not can_vote(unverified, board_session)
    with pytest.raises(DomainError) as exc:
        ballot_cast(
            session=board_session, voter=unverified, choices={option_ids(board_session)[0]: 1}
        )
    assert exc.value.code == "not_confirmed"


def test_a_confirmed_account_votes_on_a_board_session(board_session, user):
    assert can_vote(user, board_session)
    ballot_cast(session=board_session, voter=user, choices={option_ids(board_session)[0]: 1})
    assert Ballot.objects.get(session=board_session).voter == user


def test_a_batch_of_guest_ballots_on_a_board_session_counts_none(board_session, user):
    """The audit's attack: 15 guests, 15 ballots. Only the confirmed account's counts."""
    from accounts.services import guest_create

    guests = [guest_create(display_name=f"G{i}", college="elected") for i in range(15)]
    a = option_ids(board_session)[0]
    outcomes = ballots_cast(
        [BallotRequest(board_session, voter, {a: 1}) for voter in [*guests, user]]
    )
    assert [getattr(o, "code", "ok") for o in outcomes] == ["not_confirmed"] * 15 + ["ok"]
    assert list(Ballot.objects.filter(session=board_session).values_list("voter", flat=True)) == [
        user.pk
    ]


def test_a_guest_participant_votes_in_their_workshop(workshop, make_session, guest):
    session = make_session("support")
    join(workshop, guest)
    assert can_vote(guest, session)
    ballot_cast(session=session, voter=guest, choices={option_ids(session)[0]: 1})
    assert Ballot.objects.filter(session=session, voter=guest).exists()


def test_an_outsider_account_cannot_vote_in_a_workshop(make_session, user):
    session = make_session("support")
    assert not can_vote(user, session)
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=session, voter=user, choices={option_ids(session)[0]: 1})
    assert exc.value.code == "not_participant"


def test_the_board_vote_page_tells_a_guest_what_to_do(client, board_session, guest):
    client.force_login(guest)
    html = client.get(reverse("votes:detail", args=[board_session.pk])).content.decode()
    assert "réservés aux comptes confirmés" in html
    assert reverse("votes:ballot", args=[board_session.pk]) not in html

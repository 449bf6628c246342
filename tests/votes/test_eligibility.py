"""Who may vote where (docs/security.md, hole 3).

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
from tests.votes.factories import join, option_ids
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


# --- The service refuses who may not see the workshop, as every door does ---------------------


def _refusal(session, voter) -> DomainError:
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=session, voter=voter, choices={option_ids(session)[0]: 1})
    return exc.value


def test_a_removed_participant_gets_the_unknown_vote_answer_from_the_service(
    workshop, make_session, client
):
    """The form and the API answer 404 to a removed participant: so does the service."""
    from django.utils import timezone

    from workshops.models import Participant

    session = make_session("support")
    voter = join(workshop)
    Participant.objects.filter(workshop=workshop, user=voter).update(removed_at=timezone.now())
    refused = _refusal(session, voter)
    assert (refused.code, refused.status) == ("not_found", 404)
    unknown = BallotRequest(session.pk + 1000, voter, {option_ids(session)[0]: 1})
    (same,) = ballots_cast([unknown])
    assert (same.code, str(same.message)) == (refused.code, str(refused.message))
    assert not Ballot.objects.filter(session=session).exists()
    client.force_login(voter)
    assert client.get(reverse("votes:detail", args=[session.pk])).status_code == 404


def test_an_outsider_of_a_private_workshop_gets_the_unknown_vote_answer(
    workshop, make_session, user
):
    session = make_session("support")
    workshop.visibility = "private"
    workshop.save(update_fields=["visibility"])
    assert _refusal(session, user).code == "not_found"
    # An invited participant of the private workshop still votes.
    member = join(workshop)
    ballot_cast(session=session, voter=member, choices={option_ids(session)[0]: 1})
    assert Ballot.objects.filter(session=session, voter=member).exists()


def test_an_outsider_of_a_public_workshop_still_learns_they_must_join(make_session, user):
    """They may see the workshop: the service says why they may not vote."""
    assert _refusal(make_session("support"), user).code == "not_participant"


def test_a_batch_checks_who_sees_the_workshop_in_the_same_queries(workshop, make_session):
    """One query reads the voters, their participation and whether they see the workshop,
    whatever their number (the rest of the batch's cost is the ballots' own)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from workshops.models import Participant

    session = make_session("support")
    voters = [join(workshop) for _ in range(30)]
    Participant.objects.filter(workshop=workshop, user__in=voters[::2]).update(
        removed_at=timezone.now()
    )
    a = option_ids(session)[0]
    ballots_cast([BallotRequest(session, voters[1], {a: 1})])  # warm the options' cache
    with CaptureQueriesContext(connection) as queries:
        outcomes = ballots_cast([BallotRequest(session, v, {a: 1}) for v in voters])
    codes = [getattr(o, "code", "ok") for o in outcomes]
    assert codes == ["not_found", "ok"] * 15
    rights = [
        q["sql"]
        for q in queries.captured_queries
        if "workshops_participant" in q["sql"] or "workshops_workshop" in q["sql"]
    ]
    assert len(rights) == 1, rights

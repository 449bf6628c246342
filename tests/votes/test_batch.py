"""Several ballots in one transaction (``services.ballots_cast``) and the socket's ballot
writer (``votes.batch``): each ballot gets its own outcome, exactly as if alone."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from project.errors import DomainError
from tests.factories import UserFactory
from tests.votes.factories import join, option_ids
from tests.workshops.factories import WorkshopFactory
from votes import batch, services
from votes.models import Ballot, BallotChoice
from votes.services import BallotRequest, ballots_cast


def _choice(session, voter) -> dict[int, int]:
    ballot = Ballot.objects.get(session=session, voter=voter)
    return dict(BallotChoice.objects.filter(ballot=ballot).values_list("option_id", "value"))


@pytest.mark.django_db
def test_one_batch_answers_each_ballot_as_if_alone(
    workshop, participants, make_session, facilitator
):
    session = make_session("poll")
    a, b, c = option_ids(session)
    first, second = participants[0], participants[1]
    outsider = UserFactory()
    elsewhere = WorkshopFactory()
    elsewhere.facilitators.add(facilitator)
    other_session = make_session("poll", workshop=elsewhere)
    outcomes = ballots_cast(
        [
            BallotRequest(session, first, {str(a): 1}),
            BallotRequest(session, outsider, {str(a): 1}),
            BallotRequest(session.pk, second, {str(b): 1}, workshop_id=workshop.pk),
            BallotRequest(session, first, {str(c): 1}),  # the same voter again: replaces
            BallotRequest(other_session.pk, second, {str(a): 1}, workshop_id=workshop.pk),
            BallotRequest(session, AnonymousUser(), {str(a): 1}),
            BallotRequest(session, participants[2], {str(a): 1, str(b): 1}),  # poll: one
        ]
    )
    assert outcomes[0][1] is False and outcomes[2][1] is False  # recorded
    assert outcomes[3][1] is True  # changed
    refused = [o.code for o in outcomes if isinstance(o, DomainError)]
    assert refused[:3] == ["not_participant", "not_found", "not_authenticated"]
    assert isinstance(outcomes[6], DomainError)  # two options in a poll
    # What is stored: one ballot per voter, the last one; nothing of the refused ones.
    assert Ballot.objects.filter(session=session).count() == 2
    assert _choice(session, first) == {c: 1}
    assert _choice(session, second) == {b: 1}
    assert not Ballot.objects.filter(session=other_session).exists()
    # A later batch replaces a stored ballot: "changed".
    (again,) = ballots_cast([BallotRequest(session, second, {str(a): 1})])
    assert again[1] is True and _choice(session, second) == {a: 1}


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_whatever_its_size_and_stores_every_choice(
    workshop, participants, make_session, django_assert_max_num_queries
):
    """Choices go in with one statement (PostgreSQL: ``unnest`` of arrays): on PostgreSQL a
    batch of eight ballots of three choices each costs no more queries than one ballot; the
    stored choices are exactly the cast ones (college copied), and the returned ballots
    carry their session and voter without a query."""
    session = make_session("majority_judgment")
    options = option_ids(session)
    ballots_cast([BallotRequest(session, participants[0], {str(o): 1 for o in options})])
    with django_assert_max_num_queries(9) as one:
        ballots_cast([BallotRequest(session, participants[0], {str(o): 2 for o in options})])
    cast = {
        p.pk: {o: (i + n) % 7 for n, o in enumerate(options)} for i, p in enumerate(participants)
    }
    # SQLite writes ballot by ballot (its transactions are serialised): only PostgreSQL's
    # count stays flat.
    flat = connection.vendor == "postgresql"
    with django_assert_max_num_queries(len(one.captured_queries) if flat else 100):
        outcomes = ballots_cast(
            [
                BallotRequest(session, p, {str(o): v for o, v in cast[p.pk].items()})
                for p in participants
            ]
        )
    with django_assert_max_num_queries(0 if flat else 100):
        assert [(b.session.pk, b.voter.pk) for b, _changed in outcomes] == [
            (session.pk, p.pk) for p in participants
        ]
    assert [changed for _b, changed in outcomes] == [True] + [False] * (len(participants) - 1)
    for p in participants:
        assert _choice(session, p) == cast[p.pk]
        ballot = Ballot.objects.get(session=session, voter=p)
        assert set(
            BallotChoice.objects.filter(ballot=ballot).values_list("college", flat=True)
        ) == {ballot.college}


@pytest.mark.django_db
def test_a_closed_session_refuses_every_ballot_of_the_batch(workshop, participants, make_session):
    session = make_session("poll")
    a = option_ids(session)[0]
    services.session_close(session=session, actor=workshop.facilitators.first())
    outcomes = ballots_cast([BallotRequest(session, p, {str(a): 1}) for p in participants[:3]])
    assert {o.code for o in outcomes} == {"vote_closed"}
    assert not Ballot.objects.filter(session=session).exists()


@pytest.mark.django_db(transaction=True)
async def test_the_socket_writer_records_a_burst_in_few_transactions(monkeypatch, facilitator):
    from votes.batch import BallotWriter

    @database_sync_to_async
    def setup():
        ws = WorkshopFactory()
        ws.facilitators.add(facilitator)
        voters = [join(ws) for _ in range(40)]
        session = services.session_create(
            actor=facilitator, title="Rafale", method="poll", workshop=ws, labels=["A", "B"]
        )
        services.session_open(session=session, actor=facilitator)
        return ws, voters, session, option_ids(session)

    ws, voters, session, ids = await setup()
    sizes: list[int] = []
    real = services.ballots_cast

    def counted(requests):
        sizes.append(len(requests))
        return real(requests)

    monkeypatch.setattr(batch, "ballots_cast", counted)  # what the writer calls
    writer = BallotWriter()
    requests = [
        BallotRequest(session.pk, voter, {str(ids[i % 2]): 1}, workshop_id=ws.pk)
        for i, voter in enumerate(voters)
    ]
    outcomes = await asyncio.gather(*(writer.cast(r) for r in requests))
    assert [changed for _ballot, changed in outcomes] == [False] * 40
    assert sum(sizes) == 40 and len(sizes) < 40  # batched: fewer transactions than ballots
    with pytest.raises(DomainError) as refused:
        await writer.cast(BallotRequest(session.pk, voters[0], {"999999": 1}, workshop_id=ws.pk))
    assert refused.value.code  # an unknown option: refused, with its reason

    @database_sync_to_async
    def stored():
        return Ballot.objects.filter(session=session).count(), sorted(
            BallotChoice.objects.filter(session=session).values_list("option_id", flat=True)
        )

    count, chosen = await stored()
    assert count == 40
    assert chosen == sorted(ids[i % 2] for i in range(40))

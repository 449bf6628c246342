"""Integrity under concurrency, on PostgreSQL: real parallel transactions from several threads.

Each thread has its own database connection, like the tabs and processes of
a real room.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from accounts.models import AuditEvent
from project.errors import DomainError
from tests.votes.factories import join, option_ids
from tests.workshops.factories import WorkshopFactory
from votes.models import Ballot, BallotChoice, VoteSession
from votes.services import ballot_cast, session_close, session_create, session_open

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_parallel(functions) -> list:
    """Start every function at the same moment (barrier); return their results or exceptions."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected, asserted by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _session(facilitator, method, **kwargs):
    ws = WorkshopFactory()
    ws.facilitators.add(facilitator)
    session = session_create(
        actor=facilitator,
        title="Vote",
        method=method,
        workshop=ws,
        labels=["A", "B", "C", "D"],
        **kwargs,
    )
    return session_open(session=session, actor=facilitator), ws


def test_many_simultaneous_ballots_from_one_voter_leave_one_whole_ballot(facilitator):
    session, ws = _session(facilitator, "support")
    voter = join(ws)
    ids = option_ids(session)
    submissions = [{ids[i % 4]: 1, ids[(i + 1) % 4]: 1} for i in range(16)]

    def cast(choices):
        return lambda: ballot_cast(
            session=VoteSession.objects.get(pk=session.pk), voter=voter, choices=choices
        )

    results = run_parallel([cast(c) for c in submissions])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Ballot.objects.filter(session=session).count() == 1
    final = set(BallotChoice.objects.filter(session=session).values_list("option_id", flat=True))
    # Whole: exactly one of the submitted ballots, never a mix of two.
    assert final in [set(c) for c in submissions]


def test_dot_budget_is_never_overspent_by_concurrent_changes(facilitator):
    session, ws = _session(facilitator, "dots", dot_budget=5, dot_cap=3)
    voter = join(ws)
    ids = option_ids(session)
    allocations = [
        {ids[0]: 3, ids[1]: 2},
        {ids[2]: 3, ids[3]: 2},
        {ids[1]: 3, ids[2]: 2},
        {ids[3]: 3, ids[0]: 2},
    ] * 4

    def cast(choices):
        return lambda: ballot_cast(
            session=VoteSession.objects.get(pk=session.pk), voter=voter, choices=choices
        )

    results = run_parallel([cast(a) for a in allocations])
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = dict(BallotChoice.objects.filter(session=session).values_list("option_id", "value"))
    assert sum(rows.values()) <= 5
    assert rows in allocations


def test_closing_race_every_ballot_is_either_counted_or_clearly_refused(facilitator):
    session, ws = _session(facilitator, "poll")
    voters = [join(ws) for _ in range(24)]
    a = option_ids(session)[0]

    def cast(voter):
        return lambda: ballot_cast(
            session=VoteSession.objects.get(pk=session.pk), voter=voter, choices={a: 1}
        )

    def close():
        return session_close(session=VoteSession.objects.get(pk=session.pk), actor=facilitator)

    functions = [cast(v) for v in voters]
    functions.insert(12, close)
    results = run_parallel(functions)
    ballots = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, DomainError)]
    others = [r for r in results if not isinstance(r, tuple | DomainError | VoteSession)]
    assert not others, others
    assert all(r.code == "vote_closed" for r in refused)
    assert len(ballots) + len(refused) == 24
    # What the close counted is final: nothing was added after it.
    counted_at_close = AuditEvent.objects.get(action="vote.closed", target_id=str(session.pk)).data[
        "ballots"
    ]
    assert Ballot.objects.filter(session=session).count() == counted_at_close == len(ballots)


def test_many_voters_at_once_all_counted(facilitator):
    session, ws = _session(facilitator, "majority_judgment")
    voters = [join(ws) for _ in range(30)]
    ids = option_ids(session)

    def cast(voter, i):
        return lambda: ballot_cast(
            session=VoteSession.objects.get(pk=session.pk),
            voter=voter,
            choices={ids[0]: i % 7, ids[1]: 6},
        )

    results = run_parallel([cast(v, i) for i, v in enumerate(voters)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Ballot.objects.filter(session=session).count() == 30
    assert BallotChoice.objects.filter(session=session, option_id=ids[1]).count() == 30

"""Races through the real stack: two server processes, concurrent HTTP requests, PostgreSQL.

The services have their own concurrency tests; these go through the API as
clients do — retries with a client key, double submissions landing on two
workers, a dot budget hammered from both, an account deleted while its owner
is still voting — and check what the database holds afterwards.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from tests.factories import UserFactory
from tests.security.corpus import an_axis

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

N = 16


def _call(url: str, token: str, body: dict | None = None, method: str = "POST") -> tuple[int, dict]:
    request = urllib.request.Request(  # local test server
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, {"raw": raw[:200].decode(errors="replace")}


def _race(calls) -> list:
    """Run the callables at the same moment from as many threads."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait(10)
        try:
            results[i] = call()
        except Exception as exc:  # reported by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _token(user) -> str:
    from accounts.tokens import token_create

    return token_create(user=user, name="race")[1]


def test_retries_with_one_client_key_on_two_workers_create_one_proposal(asgi_server):
    from proposals.models import Proposal

    an_axis()
    user = UserFactory()
    token = _token(user)
    a, b = asgi_server(), asgi_server()
    body = {"axis": "filieres-avenir", "title": "Une seule fois", "body": "…", "client_key": "k-42"}
    results = _race(
        [lambda s=s: _call(f"{s.url}/api/v1/proposals", token, body) for s in [a, b] * (N // 2)]
    )
    statuses = [r[0] for r in results]
    assert all(s in (200, 201) for s in statuses), results
    assert Proposal.objects.filter(author=user).count() == 1
    assert len({r[1]["id"] for r in results}) == 1  # every retry got the same proposal


def test_double_supports_on_two_workers_count_once(asgi_server):
    from proposals.models import Proposal, Support
    from proposals.services import proposal_create

    proposal = proposal_create(author=UserFactory(), axis=an_axis(), title="À soutenir", body="…")
    supporters = [UserFactory() for _ in range(4)]
    tokens = {u.pk: _token(u) for u in supporters}
    a, b = asgi_server(), asgi_server()
    calls = [
        lambda u=u, s=s: _call(f"{s.url}/api/v1/proposals/{proposal.pk}/support", tokens[u.pk])
        for u in supporters
        for s in (a, b, a, b)
    ]
    results = _race(calls)
    assert all(r[0] < 500 for r in results), results
    assert Support.objects.filter(proposal=proposal).count() == len(supporters)
    assert Proposal.objects.get(pk=proposal.pk).support_count == len(supporters)


def _live_vote(method: str, **kwargs):
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from votes.services import session_create, session_open

    facilitator = UserFactory()
    workshop = WorkshopFactory(facilitators=[facilitator])
    session = session_create(
        actor=facilitator,
        title=f"Course {method}",
        method=method,
        workshop=workshop,
        labels=["A", "B", "C", "D"],
        **kwargs,
    )
    session_open(session=session, actor=facilitator)
    voter = UserFactory()
    ParticipantFactory(workshop=workshop, user=voter)
    options = list(session.options.order_by("order", "pk").values_list("pk", flat=True))
    return session, voter, options


def test_one_voter_hammering_a_dot_vote_on_two_workers_never_overspends(asgi_server):
    from votes.models import Ballot, BallotChoice

    session, voter, ids = _live_vote("dots", dot_budget=5, dot_cap=3)
    token = _token(voter)
    a, b = asgi_server(), asgi_server()
    allocations = [
        {ids[0]: 3, ids[1]: 2},
        {ids[2]: 3, ids[3]: 2},
        {ids[1]: 3, ids[2]: 2},
        {ids[0]: 3, ids[1]: 3},  # over budget: refused
    ] * (N // 4)
    url = f"/api/v1/vote-sessions/{session.pk}/ballot"
    results = _race(
        [
            lambda c=c, s=s: _call(
                s.url + url, token, {"choices": {str(k): v for k, v in c.items()}}
            )
            for c, s in zip(allocations, [a, b] * N, strict=False)
        ]
    )
    assert all(r[0] < 500 for r in results), results
    assert Ballot.objects.filter(session=session).count() == 1
    rows = dict(BallotChoice.objects.filter(session=session).values_list("option_id", "value"))
    assert sum(rows.values()) <= 5
    assert rows in allocations[:3]


def test_an_account_deleted_while_its_owner_votes_leaves_one_unlinked_ballot_at_most(asgi_server):
    from accounts.privacy import account_delete
    from votes.models import Ballot

    session, voter, ids = _live_vote("poll")
    token = _token(voter)
    a, b = asgi_server(), asgi_server()
    url = f"/api/v1/vote-sessions/{session.pk}/ballot"
    calls = [
        lambda s=s, i=i: _call(s.url + url, token, {"choices": {str(ids[i % 2]): 1}})
        for i, s in enumerate([a, b] * (N // 2))
    ]
    calls.append(lambda: account_delete(user=voter))
    results = _race(calls)
    http = [r for r in results if isinstance(r, tuple)]
    assert all(r[0] < 500 for r in http), results
    assert not [r for r in results if isinstance(r, Exception)], results
    ballots = Ballot.objects.filter(session=session)
    # Either the ballot landed before the deletion (then unlinked), or it was refused after.
    assert ballots.count() <= 1
    assert not ballots.filter(voter=voter).exists()
    # After the deletion the token is dead.
    status, _body = _call(a.url + url, token, {"choices": {str(ids[0]): 1}})
    assert status == 401

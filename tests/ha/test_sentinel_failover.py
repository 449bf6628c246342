"""Redis Sentinel: the primary is killed during a live vote; a replica takes over.

The test starts its own deployment (tests/ha/sentinel.py: a primary, a replica, three
sentinels) and two uvicorn servers that reach Redis only through the sentinels
(``REDIS_SENTINELS``, project.redis): channel layer, cache (sessions, rate limits),
presence and live tallies. Socket clients watch the room on both servers; voters cast
ballots over the API before, during and after the failover. The primary gets SIGKILL (a
crashed machine: no goodbye). Then:

- the sentinels promote the replica;
- no committed write is lost: every ballot is in the database exactly once, and every
  ballot is acknowledged (201) — Redis being away never turns a vote into an error;
- the rooms resume: every client converges to the tally of all the ballots (as the live
  results may show it while the vote is open, see votes.live.MIN_STEP), without a restart;
- rate limits count again through the cache once the new primary answers.

The times to recover are printed (``-s`` shows them; docs/high-availability.md has them).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests.realtime.helpers import session_cookie_for
from tests.security.test_chaos_redis import RoomClient, _post

pytestmark = [pytest.mark.integration, pytest.mark.redis]

VOTERS = 36  # a third before the kill, a third during the failover, a third after
CONVERGENCE_SECONDS = 60


def _sentinel_settings(deployment):
    """This test process's cache through the sentinels, as the servers' (override_settings)."""
    from django.conf import settings

    from project.redis import parse_sentinels

    env = deployment.env(db=1)
    cache = {
        **settings.CACHES["default"],
        "LOCATION": env["REDIS_URL"],
        "KEY_PREFIX": "ha-test",
        "OPTIONS": {
            **settings.CACHES["default"].get("OPTIONS", {}),
            "socket_connect_timeout": 1,
            "socket_timeout": 2,
            "sentinels": parse_sentinels(env["REDIS_SENTINELS"]),
            "sentinel_master": env["REDIS_SENTINEL_MASTER"],
        },
    }
    cache["BACKEND"] = "project.cache.ResilientRedisCache"
    return override_settings(
        REDIS_URL=env["REDIS_URL"],
        REDIS_SENTINELS=parse_sentinels(env["REDIS_SENTINELS"]),
        REDIS_SENTINEL_MASTER=env["REDIS_SENTINEL_MASTER"],
        CACHES={"default": cache},
    )


def _keys(port: int, db: int = 0) -> list[str]:
    import redis

    return [k.decode() for k in redis.Redis(port=port, db=db, socket_timeout=2).keys("*")]


def _channel_layer_on(port: int) -> bool:
    """The core layer keeps its groups in keys; the pub/sub layer subscribes to channels."""
    import redis

    connection = redis.Redis(port=port, socket_timeout=2)
    return any(k.startswith(b"asgi") for k in connection.keys("*")) or bool(
        connection.pubsub_channels()
    )


def test_primary_killed_during_a_live_vote_replica_promoted_nothing_lost(
    asgi_server, sentinel_deployment, facilitator
):
    from accounts.tokens import token_create
    from project import ratelimit
    from project.redis import client as redis_client
    from tests.votes.factories import join, option_ids
    from tests.workshops.factories import WorkshopFactory
    from votes.live import MIN_STEP
    from votes.models import Ballot
    from votes.services import session_create, session_open

    deployment = sentinel_deployment
    workshop = WorkshopFactory()
    workshop.facilitators.add(facilitator)
    voters = [join(workshop) for _ in range(VOTERS)]
    tokens = [token_create(user=v, name="failover")[1] for v in voters]
    session = session_create(
        actor=facilitator, title="Bascule", method="poll", workshop=workshop, labels=["Oui", "Non"]
    )
    session_open(session=session, actor=facilitator)
    yes, no = option_ids(session)

    servers = [asgi_server(extra_env=deployment.env()), asgi_server(extra_env=deployment.env())]
    watchers = [join(workshop) for _ in range(6)]
    clients = [
        RoomClient(
            name=f"client-{i}",
            ws_url=servers[i % 2].ws_url,
            origin=servers[i % 2].url,
            cookie=session_cookie_for(w),
            slug=workshop.slug,
        )
        for i, w in enumerate(watchers)
    ]
    threads = [threading.Thread(target=c.run, daemon=True) for c in clients]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(c.connects for c in clients):
        time.sleep(0.1)
    assert all(c.connects for c in clients), [c.errors for c in clients]

    statuses: dict[int, int] = {}

    def cast(i: int) -> None:
        server = servers[i % 2]
        statuses[i] = _post(
            f"{server.url}/api/v1/vote-sessions/{session.pk}/ballot",
            tokens[i],
            {"choices": {str(yes if i % 3 else no): 1}},
        )

    def wave(indices) -> None:
        workers = [threading.Thread(target=cast, args=(i,)) for i in indices]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)

    third = VOTERS // 3
    with _sentinel_settings(deployment):
        caches["default"].clear()
        wave(range(third))
        # This process's rate limits count through the sentinels' primary too.
        assert ratelimit.hit("join", "192.0.2.1")
        assert caches["default"].get(ratelimit._key("join", "192.0.2.1", 60)) == 1

        # Every kind of key is on the primary the sentinels name (and nowhere else:
        # the servers know no other address): sessions read through the cache,
        # presence, the live tally's counters, the channel layer's groups.
        time.sleep(0.5)
        keys = _keys(deployment.primary_port)
        kinds = {
            "session cache": any("django.contrib.sessions" in k for k in keys),
            "presence": any(":presence:" in k for k in keys),
            "live tally": any(":votes:" in k for k in keys),
            "channel layer": _channel_layer_on(deployment.primary_port),
        }
        assert all(kinds.values()), (kinds, keys[:40])
        assert any(k.startswith("ha-test") for k in _keys(deployment.primary_port, db=1))

        killed_at = deployment.kill_primary()
        recovered: dict[str, float] = {}

        def probe_app_client() -> None:
            # The first write the application's own factory gets through after the kill.
            probe = redis_client(socket_timeout=1, socket_connect_timeout=0.5)
            while time.monotonic() - killed_at < CONVERGENCE_SECONDS:
                try:
                    probe.set("ha:probe", "1", px=60000)
                    recovered["first write through project.redis"] = time.monotonic() - killed_at
                    return
                except Exception:  # still failing over
                    time.sleep(0.05)

        def watch_promotion() -> None:
            deployment.wait_promoted(CONVERGENCE_SECONDS)
            recovered["replica promoted"] = time.monotonic() - killed_at

        watchers_ = [
            threading.Thread(target=probe_app_client, daemon=True),
            threading.Thread(target=watch_promotion, daemon=True),
        ]
        for w in watchers_:
            w.start()
        wave(range(third, 2 * third))  # ballots while the sentinels fail over
        for w in watchers_:
            w.join(CONVERGENCE_SECONDS)
        assert "replica promoted" in recovered, deployment.logs()
        wave(range(2 * third, VOTERS))

        # Nothing committed is lost, and nothing answered an error.
        logs = "\n".join(s.log() for s in servers)
        assert Ballot.objects.filter(session=session).count() == VOTERS
        assert Ballot.objects.filter(session=session).values("voter").distinct().count() == VOTERS
        assert all(s == 201 for s in statuses.values()), (statuses, logs[-4000:])

        def converged() -> bool:
            seen = {c.voted for c in clients}
            return len(seen) == 1 and VOTERS - (MIN_STEP - 1) <= seen.pop() <= VOTERS

        while time.monotonic() - killed_at < CONVERGENCE_SECONDS and not converged():
            time.sleep(0.1)
        recovered["every client shows the tally of every ballot"] = time.monotonic() - killed_at
        for c in clients:
            c.stop.set()
        for t in threads:
            t.join(5)
        assert converged(), (
            [(c.name, c.voted, c.connects, c.errors[-3:]) for c in clients],
            logs[-4000:],
            deployment.logs(),
        )

        # Rate limits count again, on the new primary.
        assert deployment.master_address() == ("127.0.0.1", deployment.replica_port)
        assert ratelimit.hit("join", "192.0.2.2")
        assert caches["default"].get(ratelimit._key("join", "192.0.2.2", 60)) == 1
        new_keys = _keys(deployment.replica_port)
        assert any(":votes:" in k for k in new_keys)
        assert _channel_layer_on(deployment.replica_port)
        caches["default"].clear()

    assert "first write through project.redis" in recovered, recovered
    print(  # the figure this test exists to report
        "\nSentinel failover (primary SIGKILLed, down-after-milliseconds 1000), seconds after "
        "the kill: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in recovered.items())
    )

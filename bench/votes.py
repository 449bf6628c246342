"""Live vote benchmark: N connected voters cast ballots in one live session as fast as the server takes them.

    python -m bench.votes --voters 1000                 # in-memory channel layer, 1 process
    REDIS_URL=redis://127.0.0.1:6379/13 python -m bench.votes --voters 1000 --workers 2

Each voter has its own WebSocket to the room (``/ws/workshops/<slug>/``) and
sends one ``vote.cast``; an observer (a participant who does not vote) counts
the ``vote.tally`` frames. Prints one JSON object:

- ``ballots``: ballots acknowledged; ``ballots_per_s``: acknowledged per second,
  from the first send to the last ack;
- ``ack_p95_ms``: send → ack, 95th percentile;
- ``tally_frames``: room ``vote.tally`` frames the observer received;
- ``lost``: acknowledged ballots missing from the database (must be 0);
- ``tally_visible_p99_ms``: send → first tally frame that includes the ballot (a
  snapshot taken after the ballot's ack, by its own ``at`` time), 99th percentile.

Database: ``DATABASE_URL`` (PostgreSQL) or a SQLite file (see ``bench/common.py``);
with PostgreSQL set ``DB_CONN_MAX_AGE=60`` as a deployment would (otherwise every
socket action opens a new connection). The server runs on a free port in 8300-8399.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time

from bench import common

PORTS = range(8300, 8400)


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def prepare(voters: int, method: str) -> dict:
    """A live workshop with ``voters`` + 1 participants (session cookies) and an open session."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from accounts.models import User
    from accounts.services import role_grant
    from votes import live
    from votes.services import session_create, session_open
    from workshops.models import Participant, Workshop, WorkshopState, new_join_code

    run = secrets.token_hex(4)
    colleges = ["citizens", "enterprises", "elected", "civil_society"]
    with transaction.atomic():
        facilitator = User.objects.create(username=f"bench-anim-{run}", display_name="Animation")
        role_grant(user=facilitator, role="facilitators")
        workshop = Workshop.objects.create(
            title=f"Banc d'essai {run}",
            slug=f"banc-vote-{run}",
            join_code=new_join_code(),
            state=WorkshopState.LIVE,
        )
        workshop.facilitators.add(facilitator)
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench-{run}-{i}",
                    display_name=f"Votant·e {i}",
                    college=colleges[i % 4],
                    password="!",  # unusable
                )
                for i in range(voters + 1)
            ]
        )
        Participant.objects.bulk_create(
            [Participant(workshop=workshop, user=u, college=u.college) for u in users]
        )
        labels = ["Mobilité hydrogène", "Formation", "Friches", "Tourisme industriel"]
        session = session_create(
            actor=facilitator, title="Priorité ?", method=method, workshop=workshop, labels=labels
        )
        session = session_open(session=session, actor=facilitator)
    live.reset(session.pk)
    cookies = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    options = list(session.options.order_by("order", "id").values_list("id", flat=True))
    return {
        "slug": workshop.slug,
        "session": session.pk,
        "options": options,
        "observer_cookie": cookies[0],
        "voter_cookies": cookies[1:],
    }


def ballot_data(method: str, options: list[int], i: int) -> dict:
    if method == "majority_judgment":
        return {str(o): (i + k) % 7 for k, o in enumerate(options)}
    if method == "dots":
        return {str(options[i % len(options)]): 2, str(options[(i + 1) % len(options)]): 1}
    if method == "support":
        return {str(options[i % len(options)]): 1, str(options[(i + 2) % len(options)]): 1}
    return {str(options[i % len(options)]): 1}


async def run(base_url: str, plan: dict, method: str, connect_concurrency: int) -> dict:
    from websockets.asyncio.client import connect

    ws_url = base_url.replace("http://", "ws://") + f"/ws/workshops/{plan['slug']}/"
    origin = base_url

    async def open_socket(cookie: str):
        socket = await connect(
            ws_url,
            additional_headers={"Cookie": cookie, "Origin": origin},
            open_timeout=60,
            max_queue=None,
            compression=None,
        )
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == "ready":
                return socket

    # The observer first, so that it sees every tally.
    tallies: list[tuple[float, dict]] = []
    observer = await open_socket(plan["observer_cookie"])

    async def observe() -> None:
        async for raw in observer:
            frame = json.loads(raw)
            if frame.get("type") == "vote.tally":
                tallies.append((time.time(), frame["data"]))

    observer_task = asyncio.create_task(observe())

    semaphore = asyncio.Semaphore(connect_concurrency)

    async def open_limited(cookie: str):
        async with semaphore:
            return await open_socket(cookie)

    sockets = await asyncio.gather(*(open_limited(c) for c in plan["voter_cookies"]))

    sent: list[float] = [0.0] * len(sockets)
    acked: list[float | None] = [None] * len(sockets)
    errors: list[str] = []

    async def vote(i: int, socket) -> None:
        sent[i] = time.time()
        await socket.send(
            json.dumps(
                {
                    "action": "vote.cast",
                    "ref": f"b{i}",
                    "data": {
                        "session": plan["session"],
                        "choices": ballot_data(method, plan["options"], i),
                    },
                }
            )
        )
        while True:
            frame = json.loads(await socket.recv())
            if frame.get("ref") == f"b{i}":
                if frame["type"] == "ack":
                    acked[i] = time.time()
                else:
                    errors.append(frame.get("code", "error"))
                return

    start = time.time()
    await asyncio.gather(*(vote(i, s) for i, s in enumerate(sockets)))
    end = max([a for a in acked if a is not None], default=time.time())
    ok = [i for i, a in enumerate(acked) if a is not None]

    # Wait for the snapshot that follows the last ballot (or give up after 30 s).
    deadline = time.time() + 30
    while time.time() < deadline:
        if tallies and tallies[-1][1].get("voted", 0) >= len(ok) and tallies[-1][1]["at"] > end:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # anything late still counts as a frame
    observer_task.cancel()
    for socket in [observer, *sockets]:
        await socket.close()

    visible: list[float] = []
    for i in ok:
        ack_at = acked[i]
        seen = next((received for received, data in tallies if data["at"] > ack_at), None)
        if seen is not None:
            visible.append(seen - sent[i])
    return {
        "acked": len(ok),
        "errors": errors,
        "elapsed": end - start,
        "ack_ms": [(acked[i] - sent[i]) * 1000 for i in ok],
        "visible_ms": [v * 1000 for v in visible],
        "not_visible": len(ok) - len(visible),
        "tally_frames": len(tallies),
        "last_voted": tallies[-1][1].get("voted") if tallies else 0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (Redis needed for > 1)"
    )
    parser.add_argument(
        "--method",
        default="poll",
        choices=["poll", "support", "dots", "majority_judgment"],
    )
    parser.add_argument("--connect-concurrency", type=int, default=100)
    args = parser.parse_args(argv)

    env = common.bench_env("votes")
    if args.workers > 1 and not env.get("REDIS_URL"):
        sys.exit("--workers > 1 needs REDIS_URL (the in-memory layer is per process)")
    common.django_setup(env)
    from votes.models import Ballot

    plan = prepare(args.voters, args.method)
    with common.server(env, workers=args.workers, port=common.free_port(PORTS)) as base_url:
        result = asyncio.run(run(base_url, plan, args.method, args.connect_concurrency))
        rps = common.baseline_rps(base_url)
    in_db = Ballot.objects.filter(session_id=plan["session"]).count()
    print(
        json.dumps(
            {
                "ballots": result["acked"],
                "ballots_per_s": round(result["acked"] / result["elapsed"], 1)
                if result["elapsed"]
                else None,
                "ack_p95_ms": round(_percentile(result["ack_ms"], 95), 1),
                "tally_frames": result["tally_frames"],
                "lost": result["acked"] - in_db,
                "tally_visible_p99_ms": round(_percentile(result["visible_ms"], 99), 1),
                "not_visible": result["not_visible"],
                "errors": len(result["errors"]),
                "error_codes": sorted(set(result["errors"])),
                "last_tally_voted": result["last_voted"],
                "voters": args.voters,
                "method": args.method,
                "workers": args.workers,
                "layer": "redis" if env.get("REDIS_URL") else "in-memory",
                "database": common.database_label(),
                "baseline_rps": rps,
            }
        )
    )


if __name__ == "__main__":
    main()

"""Live vote benchmark: N connected voters cast ballots in one live session.

    python -m bench.votes --voters 1000                              # one burst, in-memory layer
    python -m bench.votes --voters 1000 --rate 500 --duration 60     # sustained, open loop
    REDIS_URL=redis://127.0.0.1:6379/13 python -m bench.votes --voters 1000 --workers 2 [--rate ...]

Each voter has its own WebSocket to the room (``/ws/workshops/<slug>/``); an
observer (a participant who does not vote) counts the ``vote.tally`` frames.

**Burst** (no ``--rate``): every voter sends one ``vote.cast`` at once.

**Sustained** (``--rate R --duration D``): open loop. Ballot ``n`` is due at
``start + n / R`` and goes to voter ``n mod N`` (round robin), whatever the
server has answered so far: a voter casting again replaces its ballot (status
``changed``), with choices that differ from its previous ballot. The client
never waits for an ack before sending; when it falls behind the schedule
itself (the load client shares the cores), it sends every overdue ballot at
once and reports the send rate it achieved (``send_rate_achieved``,
``send_lag_p95_ms``): compare it to ``rate_offered`` before reading the server
figures.

Prints one JSON object; the main figures (both modes):

- ``ballots``: ballots acknowledged; ``ballots_per_s``: acknowledged per second
  (burst: first send to last ack; sustained: ``acked_per_s`` is the same);
- ``ack_p95_ms``: send → ack, 95th percentile (sustained: also from the
  scheduled time, ``ack_p95_from_schedule_ms``, which counts the client's lag);
- ``tally_visible_p99_ms``: send → arrival at the observer of the first
  ``vote.tally`` snapshot taken after the ballot's ack (its ``at`` is later than
  the ack), 99th percentile; ``not_visible``: acked ballots no snapshot followed;
- ``lost``: voters whose ballot in the database is not the LAST ballot they got
  acknowledged (choices compared one by one) or is missing (must be 0).
  ``unconfirmed``: voters whose database ballot is a later ballot that got no
  answer before the end (not a loss); ``unanswered``: ballots sent that got
  neither ack nor error; ``count_checks``: ballots and choices in the database
  against what the acks imply, and the last snapshot's ``voted``.

Database: ``DATABASE_URL`` (PostgreSQL) or a SQLite file (see ``bench/common.py``);
with PostgreSQL set ``DB_CONN_MAX_AGE=60`` as a deployment would (otherwise every
socket action opens a new connection). The server runs on a free port in 8300-8399.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import secrets
import sys
import time

from bench import common

# votes.live.MIN_STEP: a live tally moves by 3 ballots at least, so the last snapshot
# before the close may hold back up to 2 ballots.
TALLY_STEP = 3

PORTS = common.bench_ports(range(8300, 8400))
SETTLE_SECONDS = 60  # after the last send: how long to wait for the outstanding acks


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
        "method": method,
        "options": options,
        "observer_cookie": cookies[0],
        "voter_cookies": cookies[1:],
        "voter_ids": [u.pk for u in users[1:]],
    }


def ballot_data(method: str, options: list[int], i: int) -> dict:
    if method == "majority_judgment":
        return {str(o): (i + k) % 7 for k, o in enumerate(options)}
    if method == "dots":
        return {str(options[i % len(options)]): 2, str(options[(i + 1) % len(options)]): 1}
    if method == "support":
        return {str(options[i % len(options)]): 1, str(options[(i + 2) % len(options)]): 1}
    return {str(options[i % len(options)]): 1}


class Ballot:
    __slots__ = ("voter", "cast", "choices", "due", "sent", "answered", "status", "error")

    def __init__(self, voter: int, cast: int, choices: dict, due: float) -> None:
        self.voter, self.cast, self.choices, self.due = voter, cast, choices, due
        self.sent: float = 0.0
        self.answered: float | None = None
        self.status: str | None = None  # "recorded" / "changed" on an ack
        self.error: str | None = None


class VoteLoad:
    """The voters' sockets, the observer's, and every ballot sent with its answer.

    Used by this module (burst and sustained) and by ``bench.mixed``."""

    def __init__(self, base_url: str, plan: dict) -> None:
        self.plan = plan
        self.ws_url = base_url.replace("http://", "ws://") + f"/ws/workshops/{plan['slug']}/"
        self.origin = base_url
        self.observer = None
        self.sockets: list = []
        self.readers: list[asyncio.Task] = []
        self.tallies: list[tuple[float, dict]] = []  # (received, data), in arrival order
        self.ballots: dict[str, Ballot] = {}
        self.casts: list[int] = []  # ballots sent so far, per voter
        self.disconnected = 0
        self.close_codes: dict[str, int] = {}  # how sockets ended before close(): who, code
        self.outstanding = 0
        self.settled = asyncio.Event()
        self.closing = False
        self.first_drop = 0.0
        self.send_start = self.send_end = 0.0
        # Per voter socket: the last ``vote.tally`` frame it got (arrival, raw text), kept
        # unparsed (client CPU) for bench.burst's « final tally on every screen ».
        self.screens: dict[int, tuple[float, str]] = {}

    async def _open(self, cookie: str):
        from websockets.asyncio.client import connect

        socket = await connect(
            self.ws_url,
            additional_headers={"Cookie": cookie, "Origin": self.origin},
            open_timeout=60,
            max_queue=None,
            compression=None,
            # A browser answers the server's pings but sends none: no client-side keepalive
            # timeout closing sockets when the server is slow to answer.
            ping_interval=None,
        )
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == "ready":
                return socket

    async def connect(self, concurrency: int = 100) -> None:
        # The observer first, so that it sees every tally.
        self.observer = await self._open(self.plan["observer_cookie"])
        self.readers.append(asyncio.create_task(self._observe()))
        semaphore = asyncio.Semaphore(concurrency)

        async def limited(cookie: str):
            async with semaphore:
                return await self._open(cookie)

        self.sockets = await asyncio.gather(*(limited(c) for c in self.plan["voter_cookies"]))
        self.casts = [0] * len(self.sockets)
        self.readers += [asyncio.create_task(self._read(s)) for s in self.sockets]

    async def _observe(self) -> None:
        async for raw in self.observer:
            if '"vote.tally"' in raw:
                frame = json.loads(raw)
                if frame.get("type") == "vote.tally":
                    self.tallies.append((time.time(), frame["data"]))

    async def _read(self, socket) -> None:
        # Every voter also gets the room's tallies: skip them unparsed (client CPU).
        try:
            async for raw in socket:
                if '"ref"' not in raw:
                    if '"vote.tally"' in raw:
                        self.screens[id(socket)] = (time.time(), raw)
                    continue
                now = time.time()
                frame = json.loads(raw)
                ballot = self.ballots.get(frame.get("ref"))
                if ballot is None or ballot.answered is not None:
                    continue
                ballot.answered = now
                if frame.get("type") == "ack":
                    ballot.status = (frame.get("data") or {}).get("status", "ack")
                else:
                    ballot.error = frame.get("code") or frame.get("type") or "error"
                self.outstanding -= 1
                if self.outstanding == 0:
                    self.settled.set()
        except Exception as exc:  # a dropped socket is counted, the run goes on
            key = type(exc).__name__
        else:
            key = "closed"
        if not self.closing:
            self.disconnected += 1
            self.first_drop = self.first_drop or time.time()
            rcvd, sent = getattr(socket, "close_rcvd", None), getattr(socket, "close_sent", None)
            key += f" (server {rcvd.code if rcvd else '-'}, client {sent.code if sent else '-'})"
            self.close_codes[key] = self.close_codes.get(key, 0) + 1

    async def send(self, voter: int, due: float) -> Ballot:
        cast = self.casts[voter]
        self.casts[voter] += 1
        choices = ballot_data(self.plan["method"], self.plan["options"], voter + cast)
        ref = f"v{voter}-{cast}"
        ballot = Ballot(voter, cast, choices, due)
        self.ballots[ref] = ballot
        self.outstanding += 1
        self.settled.clear()
        ballot.sent = time.time()
        try:
            await self.sockets[voter].send(
                json.dumps(
                    {
                        "action": "vote.cast",
                        "ref": ref,
                        "data": {"session": self.plan["session"], "choices": choices},
                    }
                )
            )
        except Exception as exc:  # a closed socket: the ballot is not sent
            ballot.answered, ballot.error = time.time(), f"send: {type(exc).__name__}"
            self.outstanding -= 1
            if self.outstanding == 0:
                self.settled.set()
        return ballot

    async def burst(self) -> None:
        """One ballot per voter, all at once."""
        self.send_start = time.time()
        await asyncio.gather(*(self.send(i, self.send_start) for i in range(len(self.sockets))))
        self.send_end = time.time()

    async def sustained(self, rate: float, duration: float) -> None:
        """Open loop: ballot n due at start + n / rate, to voter n mod N; overdue ones go at once."""
        total = int(rate * duration)
        voters = len(self.sockets)
        start = self.send_start = time.time() + 0.05
        n = 0
        while n < total:
            now = time.time()
            due_count = min(total, int((now - start) * rate) + 1)
            while n < due_count:
                await self.send(n % voters, start + n / rate)
                n += 1
            if n < total:
                await asyncio.sleep(max(0.0, start + n / rate - time.time()))
        self.send_end = time.time()

    async def settle(self, timeout: float = SETTLE_SECONDS) -> None:
        """Wait for the outstanding answers, then for the snapshot after the last ack."""
        if self.outstanding > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.settled.wait(), timeout)
        acked = [b for b in self.ballots.values() if b.status]
        last_ack = max((b.answered for b in acked), default=0.0)
        voters = len({b.voter for b in acked})
        # A snapshot taken after the last commit may still be dated before the last ack
        # reached the client: then stop once the tallies have been quiet for 3 s.
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.tallies:
                received, data = self.tallies[-1]
                if data.get("voted", 0) > voters - TALLY_STEP and (
                    data["at"] > last_ack or (received > last_ack and time.time() - received > 3)
                ):
                    break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # anything late still counts as a frame

    async def close(self) -> None:
        self.closing = True
        for socket in [self.observer, *self.sockets]:
            if socket is not None:
                await socket.close()
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)

    def figures(self) -> dict:
        """Client-side figures (latencies in ms, rates per second)."""
        ballots = sorted(self.ballots.values(), key=lambda b: b.due)
        acked = [b for b in ballots if b.status]
        errors = [b.error for b in ballots if b.error]
        ats = [data["at"] for _received, data in self.tallies]
        visible = []
        for ballot in acked:
            index = bisect.bisect_right(ats, ballot.answered)
            if index < len(ats):
                visible.append((self.tallies[index][0] - ballot.sent) * 1000)
        sends = [b.sent for b in ballots if b.sent]
        send_span = (max(sends) - min(sends)) if len(sends) > 1 else 0.0
        last_ack = max((b.answered for b in acked), default=self.send_start)
        ack_ms = [(b.answered - b.sent) * 1000 for b in acked]
        return {
            "ballots_sent": len(ballots),
            "ballots": len(acked),
            "acked_per_s": round(len(acked) / (last_ack - self.send_start), 1)
            if acked and last_ack > self.send_start
            else None,
            "send_span_s": round(send_span, 2),
            "status_recorded": sum(b.status == "recorded" for b in acked),
            "status_changed": sum(b.status == "changed" for b in acked),
            "ack_p50_ms": round(_percentile(ack_ms, 50), 1),
            "ack_p95_ms": round(_percentile(ack_ms, 95), 1),
            "ack_p99_ms": round(_percentile(ack_ms, 99), 1),
            "ack_max_ms": round(max(ack_ms), 1) if ack_ms else None,
            "ack_p95_from_schedule_ms": round(
                _percentile([(b.answered - b.due) * 1000 for b in acked], 95), 1
            ),
            "send_lag_p95_ms": round(
                _percentile([(b.sent - b.due) * 1000 for b in ballots if b.sent], 95), 1
            ),
            "tally_visible_p50_ms": round(_percentile(visible, 50), 1),
            "tally_visible_p99_ms": round(_percentile(visible, 99), 1),
            "not_visible": len(acked) - len(visible),
            "tally_frames": len(self.tallies),
            "last_tally_voted": self.tallies[-1][1].get("voted") if self.tallies else 0,
            "errors": len(errors),
            "error_codes": sorted(set(errors)),
            "unanswered": sum(1 for b in ballots if b.answered is None),
            "sockets_dropped": self.disconnected,
            "socket_ends": self.close_codes,
            "first_drop_after_s": round(self.first_drop - self.send_start, 1)
            if self.first_drop
            else None,
        }


def _normal(method: str, choices: dict) -> dict[int, int]:
    keep_zero = method == "majority_judgment"
    return {int(k): int(v) for k, v in choices.items() if v or keep_zero}


def check_database(plan: dict, load: VoteLoad) -> dict:
    """Every voter's ballot in the database against the last one it got acknowledged."""
    from votes.models import Ballot as BallotRow
    from votes.models import BallotChoice

    method = plan["method"]
    rows = dict(BallotRow.objects.filter(session_id=plan["session"]).values_list("voter_id", "pk"))
    stored: dict[int, dict[int, int]] = {pk: {} for pk in rows.values()}
    for ballot_id, option_id, value in BallotChoice.objects.filter(
        session_id=plan["session"]
    ).values_list("ballot_id", "option_id", "value"):
        stored.setdefault(ballot_id, {})[option_id] = value
    per_voter: dict[int, list[Ballot]] = {}
    for ballot in load.ballots.values():
        per_voter.setdefault(ballot.voter, []).append(ballot)
    lost = missing = mismatched = unconfirmed = unexpected = 0
    expected_ballots = expected_choices = 0
    for voter, ballots in per_voter.items():
        ballots.sort(key=lambda b: b.cast)
        acked = [b for b in ballots if b.status]
        last = _normal(method, acked[-1].choices) if acked else None
        # Sent after the last ack and never answered: the server may have stored one of them.
        later = [
            _normal(method, b.choices)
            for b in ballots
            if b.answered is None and (not acked or b.cast > acked[-1].cast)
        ]
        voter_id = plan["voter_ids"][voter]
        in_db = stored.get(rows[voter_id]) if voter_id in rows else None
        if in_db is not None and in_db == last:
            expected_ballots += 1
            expected_choices += len(last)
        elif in_db is not None and in_db in later:
            unconfirmed += 1
            expected_ballots += 1
            expected_choices += len(in_db)
        elif last is not None:
            lost += 1
            if in_db is None:
                missing += 1
            else:
                mismatched += 1
        elif in_db is not None:
            unexpected += 1
    voters_acked = sum(1 for ballots in per_voter.values() if any(b.status for b in ballots))
    in_db_count = len(rows)
    choices_count = sum(len(c) for c in stored.values())
    last_voted = load.tallies[-1][1].get("voted") if load.tallies else None
    return {
        "lost": lost,
        "lost_missing": missing,
        "lost_mismatched": mismatched,
        "unconfirmed": unconfirmed,
        "unexpected": unexpected,
        "count_checks": {
            "voters_acked": voters_acked,
            "ballots_expected": expected_ballots,
            "ballots_in_db": in_db_count,
            "choices_expected": expected_choices,
            "choices_in_db": choices_count,
            "last_tally_voted": last_voted,
            "ok": in_db_count == expected_ballots
            and choices_count == expected_choices
            and last_voted is not None
            and 0 <= in_db_count - last_voted < TALLY_STEP,
        },
    }


async def run(
    base_url: str,
    plan: dict,
    connect_concurrency: int,
    rate: float | None = None,
    duration: float = 60,
) -> tuple[VoteLoad, dict]:
    load = VoteLoad(base_url, plan)
    await load.connect(connect_concurrency)
    if rate:
        await load.sustained(rate, duration)
    else:
        await load.burst()
    await load.settle()
    figures = load.figures()
    await load.close()
    return load, figures


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
    parser.add_argument(
        "--rate", type=float, help="sustained mode: ballots per second offered (open loop)"
    )
    parser.add_argument("--duration", type=float, default=60, help="sustained mode: seconds")
    args = parser.parse_args(argv)

    env = common.bench_env("votes")
    if args.workers > 1 and not env.get("REDIS_URL"):
        sys.exit("--workers > 1 needs REDIS_URL (the in-memory layer is per process)")
    common.django_setup(env)

    plan = prepare(args.voters, args.method)
    with common.server(env, workers=args.workers, port=common.free_port(PORTS)) as base_url:
        load, figures = asyncio.run(
            run(base_url, plan, args.connect_concurrency, args.rate, args.duration)
        )
        rps = common.baseline_rps(base_url, requests=300)
    checked = check_database(plan, load)
    result: dict = {"mode": "sustained" if args.rate else "burst"}
    if args.rate:
        sends = figures["ballots_sent"]
        result.update(
            rate_offered=args.rate,
            duration_s=args.duration,
            send_rate_achieved=round(sends / figures["send_span_s"], 1)
            if figures["send_span_s"]
            else None,
        )
    elapsed = max((b.answered for b in load.ballots.values() if b.status), default=0.0)
    elapsed -= load.send_start
    result.update(
        {
            "ballots": figures["ballots"],
            "ballots_per_s": round(figures["ballots"] / elapsed, 1) if elapsed > 0 else None,
            **{k: v for k, v in figures.items() if k != "ballots"},
            **checked,
            "voters": args.voters,
            "method": args.method,
            "workers": args.workers,
            "layer": "redis" if env.get("REDIS_URL") else "in-memory",
            "channel_layer": env.get("CHANNEL_LAYER", "core") if env.get("REDIS_URL") else None,
            "database": common.database_label(),
            "baseline_rps": rps,
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

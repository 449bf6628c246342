"""A live vote watched by socket clients, for the tests that break a server under it.

The chaos tests (``tests/security/test_chaos_redis.py``: Redis stops, a worker dies) and the
failover test (``tests/ha/test_sentinel_failover.py``: the Redis primary is killed) all run
the same scene: a workshop with a poll open, voters casting ballots over the API in waves
on several servers, and participants' sockets that reconnect with ``?since=`` as
``static/js/room.js`` does. This module holds that scene; each test breaks something in
the middle and checks what must hold.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from accounts.tokens import token_create
from tests.realtime.helpers import session_cookie_for
from tests.votes.factories import join, option_ids
from tests.workshops.factories import WorkshopFactory
from votes.live import MIN_STEP
from votes.services import session_create, session_open


@dataclass
class RoomClient:
    """A participant's socket that reconnects with ?since= like static/js/room.js."""

    name: str
    ws_url: str
    origin: str
    cookie: str
    slug: str
    last_seq: int = 0
    voted: int = -1
    connects: int = 0
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            url = f"{self.ws_url}/ws/workshops/{self.slug}/"
            if self.last_seq:
                url += f"?since={self.last_seq}"
            try:
                with connect(
                    url,
                    additional_headers={
                        "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}",
                        "Origin": self.origin,
                    },
                    open_timeout=5,
                ) as socket:
                    self.connects += 1
                    while not self.stop.is_set():
                        try:
                            raw = socket.recv(timeout=0.3)
                        except TimeoutError:
                            continue
                        self._on_frame(json.loads(raw))
            except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError) as error:
                self.errors.append(type(error).__name__)
                time.sleep(0.5)  # room.js backs off before reconnecting

    def _on_frame(self, frame: dict) -> None:
        seq = frame.get("seq")
        if isinstance(seq, int):
            self.last_seq = max(self.last_seq, seq)
        if frame.get("type") == "vote.tally":
            self.voted = max(self.voted, frame["data"]["voted"])
        if frame.get("type") == "resync":
            # Too far behind: a real page reloads; here, read the tally afresh.
            self.last_seq = frame["data"]["seq"]


def post_json(url: str, token: str, body: dict) -> int:
    """POST ``body`` with a bearer token; the status, 0 when the server did not answer."""
    request = urllib.request.Request(  # local test server
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass
class LiveVote:
    """An open poll (« Oui » / « Non ») in a workshop, ``voters`` participants with API tokens."""

    session: object
    workshop: object
    tokens: list[str]
    yes: int
    no: int
    statuses: dict[int, int] = field(default_factory=dict)

    @classmethod
    def open(cls, facilitator, *, voters: int, title: str) -> LiveVote:
        workshop = WorkshopFactory()
        workshop.facilitators.add(facilitator)
        people = [join(workshop) for _ in range(voters)]
        tokens = [token_create(user=person, name=title)[1] for person in people]
        session = session_create(
            actor=facilitator, title=title, method="poll", workshop=workshop, labels=["Oui", "Non"]
        )
        session_open(session=session, actor=facilitator)
        yes, no = option_ids(session)
        return cls(session=session, workshop=workshop, tokens=tokens, yes=yes, no=no)

    @property
    def voters(self) -> int:
        return len(self.tokens)

    def cast(self, i: int, server) -> None:
        """Voter ``i`` votes « Oui », every third « Non », on ``server``; the status is kept."""
        self.statuses[i] = post_json(
            f"{server.url}/api/v1/vote-sessions/{self.session.pk}/ballot",
            self.tokens[i],
            {"choices": {str(self.yes if i % 3 else self.no): 1}},
        )

    def wave(self, indices: Iterable[int], servers: Sequence) -> None:
        """Voters ``indices`` at once, spread over ``servers`` in turn; returns when all answered."""
        workers = [
            threading.Thread(target=self.cast, args=(i, servers[i % len(servers)])) for i in indices
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)

    def watch(self, servers: Sequence, count: int, *, timeout: float = 15) -> Watchers:
        """``count`` participants' sockets, spread over ``servers``, connected."""
        clients = [
            RoomClient(
                name=f"client-{i}",
                ws_url=servers[i % len(servers)].ws_url,
                origin=servers[i % len(servers)].url,
                cookie=session_cookie_for(join(self.workshop)),
                slug=self.workshop.slug,
            )
            for i in range(count)
        ]
        watchers = Watchers(clients)
        watchers.start(timeout)
        return watchers


@dataclass
class Watchers:
    clients: list[RoomClient]
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, timeout: float) -> None:
        self.threads = [threading.Thread(target=c.run, daemon=True) for c in self.clients]
        for t in self.threads:
            t.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(c.connects for c in self.clients):
            time.sleep(0.1)

    def converged(self, voters: int) -> bool:
        """Every client shows the same count, every ballot as the live results may show it:
        a tally moves by at least ``votes.live.MIN_STEP`` ballots, so the last one or two
        may wait for the close."""
        seen = {c.voted for c in self.clients}
        return len(seen) == 1 and voters - (MIN_STEP - 1) <= seen.pop() <= voters

    def wait_converged(self, voters: int, since: float, seconds: float) -> float:
        """Wait until converged or ``seconds`` after ``since``; the time taken since ``since``."""
        while time.monotonic() - since < seconds and not self.converged(voters):
            time.sleep(0.1)
        return time.monotonic() - since

    def stop(self) -> None:
        for c in self.clients:
            c.stop.set()
        for t in self.threads:
            t.join(5)

    def state(self) -> list:
        return [(c.name, c.voted, c.connects, c.errors[-3:]) for c in self.clients]

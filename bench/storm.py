"""Reconnect storm: N clients of one room dropped at once, back with replay.

    python -m bench.storm --clients 1000 --spread 10 --layer core
    python -m bench.storm --clients 1000 --spread 10 --layer pubsub --workers 2 --drop restart

The issue's target: "a reconnect storm (1,000 clients dropped and reconnecting
within 10 s) is fully back, with replay, within 30 s".

It starts the platform (uvicorn, compression off, ``--workers`` processes; more
than one needs a Redis layer) on its own database, seeds a live workshop, and
connects ``--clients`` listeners (``--arrival`` per second) plus one writer that
posts an idea every ``1/--rate`` seconds for the whole run, so that events are
broadcast before, during and after the storm. Then every listener is dropped:

- ``--drop client`` (default): each client aborts its TCP connection, without a
  closing handshake (phones losing the network at once); the server sees the
  connections vanish. The writer stays connected.
- ``--drop restart``: SIGHUP to the uvicorn supervisor (``--workers`` >= 2): the
  rolling restart of ``make serve`` — each worker is replaced by a new one,
  then stopped, which closes its sockets (1012). The writer is dropped too and
  comes back at once.

Each dropped listener waits a random delay in [0, ``--spread``] s and reconnects
with ``?since=<last seq it has>``, as ``static/js/room.js`` does (and retries
with its backoff, min(30, 0.5 x 2^attempt) x [0.5, 1] s, when a connection
fails). A listener is **back** when the server's ``ready`` frame arrives: the
replay (every event after ``since``) comes before it. At the end, after the
writer stopped, every listener must have every event from its first ``ready``
to the room's last sequence number, exactly once: ``lost`` and ``duplicates``
count what is missing or doubled over all listeners (a listener never back
counts all it missed). ``resyncs`` counts "too far behind, reload" answers,
which are not a replay.

``all_back_s`` is the time from the drop (the first listener to see its socket
closed) to the moment every listener is back and connected (a rolling restart
drops some twice: ``dropped_again``); ``back_p50_s``/``back_p95_s`` are per
listener, from its own drop (its random delay included); ``reconnect_p95_ms``
is the server's part: from a listener's successful reconnect to its ``ready``. Also reported: server RSS and Redis connections
of the server processes before and after, and (Redis layers) the channel
layer's user-group members or pub/sub subscriptions left once everyone is back
(stale ones would be a leak). Prints one JSON object.

``--slow N`` runs another check instead: N listeners with a small receive buffer
stop reading for ``--slow-seconds`` while ~5 KB events flow (the server's
per-client bound set to ``--client-queue``); the server must close them with
4008 and they must come back by replay with nothing lost, and the other
listeners must lose nothing either::

    python -m bench.storm --slow 3 --clients 50 --rate 40 --layer pubsub
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import secrets
import signal
import socket
import time
import urllib.parse
from dataclasses import dataclass, field

from bench import common, room


@dataclass
class Storm:
    """Shared state of the load."""

    url: str
    origin: str
    cookie_name: str
    drop_at: float | None = None
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def error(self, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < 10:
            self.errors.append(text)


def backoff(attempt: int) -> float:
    """``static/js/room.js``: min(30 s, 0.5 s x 2^attempt) x [0.5, 1]."""
    return min(30.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2)


class Client:
    """One listener: connects, records sequence numbers, reconnects with ``?since=``."""

    def __init__(self, storm: Storm, cookie: str) -> None:
        self.storm, self.cookie = storm, cookie
        self.seqs: list[int] = []
        self.first_ready: int | None = None
        self.ws = None
        self.task: asyncio.Task | None = None
        self.ready = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.dropped_at: float | None = None  # when this client lost its socket in the storm
        self.back_at: float | None = None  # its first ready after that
        self.gaps_at_ready = 0
        self.resyncs = 0
        self.attempts = 0  # connection attempts after the drop
        self.reconnects = 0  # sockets lost again after being back (e.g. 4008)
        self.connect_ms: float | None = None
        self.reconnect_ms: float | None = None  # its successful reconnect: socket to ready
        self.keep_going = True

    @property
    def live(self) -> bool:
        return self.ready.is_set() and not self.closed.is_set()

    @property
    def last_seq(self) -> int:
        return max(self.seqs) if self.seqs else (self.first_ready or 0)

    async def connect(self, since: int | None, *, rcvbuf: int | None = None) -> None:
        """Open a socket (``?since=`` when given) and wait for ``ready``; ``rcvbuf``: a small
        kernel receive buffer, so that a client that stops reading stalls the server soon."""
        from websockets.asyncio.client import connect

        url = self.storm.url
        if since is not None:
            url += "?" + urllib.parse.urlencode({"since": since})
        self.ready.clear()
        self.closed.clear()
        started = time.perf_counter()
        extra = {}
        if rcvbuf:
            parts = urllib.parse.urlsplit(url)
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
            extra["sock"] = sock
        self.ws = await connect(
            url,
            additional_headers={"Cookie": f"{self.storm.cookie_name}={self.cookie}"},
            origin=self.storm.origin,
            open_timeout=30,
            compression=None,
            max_queue=None,
            ping_interval=None,
            **extra,
        )
        self.task = asyncio.ensure_future(self.read(self.ws))
        ready = asyncio.ensure_future(self.ready.wait())
        closed = asyncio.ensure_future(self.closed.wait())
        await asyncio.wait({ready, closed}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        closed.cancel()
        if not self.ready.is_set():
            await self.abort()
            raise ConnectionError(f"no ready frame (close code {self.close_code})")
        self.connect_ms = (time.perf_counter() - started) * 1000

    async def read(self, ws) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if "seq" in frame:
                    self.seqs.append(frame["seq"])
                elif kind == "ready":
                    self.on_ready(int((frame.get("data") or {}).get("seq") or 0))
                elif kind == "resync":
                    self.resyncs += 1
        except Exception:  # a dropped socket ends the read; close code below
            pass
        finally:
            self.close_code = ws.close_code
            self.closed.set()

    def on_ready(self, seq: int) -> None:
        if self.first_ready is None:
            self.first_ready = seq
        elif self.dropped_at is not None and self.back_at is None:
            self.back_at = time.perf_counter()
            have = set(self.seqs)
            self.gaps_at_ready = sum(
                1 for s in range(self.first_ready + 1, seq + 1) if s not in have
            )
        self.ready.set()

    async def abort(self) -> None:
        """Drop the TCP connection without a closing handshake."""
        if self.ws is not None:
            self.ws.transport.abort()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)

    async def close(self) -> None:
        self.keep_going = False
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)

    async def come_back(self, delay: float) -> None:
        """After the drop: wait ``delay``, reconnect with since=, retry like room.js."""
        await asyncio.sleep(delay)
        attempt = 0
        while self.keep_going:
            self.attempts += 1
            try:
                await self.connect(self.last_seq)
            except Exception as exc:  # retried, counted
                self.storm.error(f"reconnect: {type(exc).__name__}: {exc}"[:200])
                await asyncio.sleep(backoff(attempt))
                attempt += 1
                continue
            attempt = 0
            if self.reconnect_ms is None:
                self.reconnect_ms = self.connect_ms
            # Back. Watch the socket: lost again (too slow: 4008), reconnect the same way.
            await self.closed.wait()
            if not self.keep_going:
                return
            self.reconnects += 1
            await asyncio.sleep(backoff(0))


class Writer:
    """Posts one idea every ``1/rate`` s, reconnecting at once when its socket is lost."""

    def __init__(self, storm: Storm, cookie: str, axis: int, rate: float, body: str = "") -> None:
        self.storm, self.cookie, self.axis, self.rate = storm, cookie, axis, rate
        self.body = body
        self.sent = 0
        self.failed = 0
        self.stop = asyncio.Event()

    async def run(self) -> None:
        from websockets.asyncio.client import connect

        n = 0
        while not self.stop.is_set():
            try:
                async with connect(
                    self.storm.url,
                    additional_headers={"Cookie": f"{self.storm.cookie_name}={self.cookie}"},
                    origin=self.storm.origin,
                    open_timeout=30,
                    compression=None,
                    max_queue=None,
                ) as ws:
                    next_at = time.perf_counter()
                    while not self.stop.is_set():
                        n += 1
                        ref = f"w{n}"
                        await ws.send(
                            json.dumps(
                                {
                                    "action": "proposal.create",
                                    "ref": ref,
                                    "client_key": f"storm-{n}-{secrets.token_hex(3)}",
                                    "data": {
                                        "axis": self.axis,
                                        "title": f"Idée de l'orage {n}",
                                        "body": self.body,
                                    },
                                }
                            )
                        )
                        acked = await self._ack(ws, ref)
                        self.sent += acked
                        self.failed += not acked
                        next_at += 1 / self.rate
                        await asyncio.sleep(max(0, next_at - time.perf_counter()))
            except Exception as exc:  # dropped (restart): come back at once
                self.storm.error(f"writer: {type(exc).__name__}: {exc}"[:200])
                await asyncio.sleep(0.2)

    async def _ack(self, ws, ref: str) -> bool:
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame.get("ref") == ref:
                if frame.get("type") != "ack":
                    self.storm.error(f"writer: {frame}"[:200])
                return frame.get("type") == "ack"
        return False


def pct(values: list[float], p: float) -> float | None:
    return round(common._percentile(sorted(values), p), 2) if values else None


# --- the server's log ----------------------------------------------------------------------------

WARNING = re.compile(r"^(WARNING|ERROR|CRITICAL)\b|^(WARNING|ERROR|CRITICAL):|^Traceback")
LAYER_DROPPED = re.compile(r"channels over capacity")
LAYER_MISSED = re.compile(r"events read from the database")


class LogWatch:
    """Reads the server log as it grows; counts warnings and the layer's complaints."""

    def __init__(self, path: str) -> None:
        self.path, self.offset = path, 0
        self.warnings = 0
        self.layer_dropped = 0
        self.layer_missed = 0
        self.first: list[str] = []
        self.by_logger: collections.Counter = collections.Counter()

    def poll(self) -> None:
        with open(self.path, errors="replace") as log:
            log.seek(self.offset)
            for line in log:
                line = line.rstrip()
                if LAYER_DROPPED.search(line):
                    self.layer_dropped += 1
                if LAYER_MISSED.search(line):
                    self.layer_missed += 1
                if WARNING.search(line):
                    self.warnings += 1
                    # "LEVEL logger: message" (bench.layer_settings), "LEVEL:    message"
                    # (uvicorn's own loggers), or a traceback line.
                    parts = line.split()
                    if parts[0].endswith(":"):
                        source = "uvicorn"
                    elif len(parts) > 1 and parts[0] != "Traceback":
                        source = parts[1].rstrip(":")
                    else:
                        source = "traceback"
                    self.by_logger[source] += 1
                    if len(self.first) < 8:
                        self.first.append(line[:300])
            self.offset = log.tell()


# --- the layer's bookkeeping in Redis --------------------------------------------------------


def layer_census(env: dict, layer: str) -> dict:
    """What the channel layer keeps in Redis for this run: core, the members of the user
    groups (one per authenticated socket) and of the room groups (one per process); pub/sub,
    the subscribed channels under this run's prefix."""
    if layer == "memory":
        return {}
    import redis

    prefix = env["BENCH_LAYER_PREFIX"]
    client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=10)
    try:
        if layer == "core":
            users = rooms = 0
            for key in client.scan_iter(match=f"{prefix}:group:*", count=1000):
                n = client.zcard(key)
                if b":group:user." in key:
                    users += n
                else:
                    rooms += n
            return {"user_group_members": users, "room_group_members": rooms}
        channels = client.pubsub_channels(f"{prefix}*")
        groups = [c for c in channels if b"__group__" in c]
        return {
            "pubsub_channels": len(channels),
            "pubsub_user_groups": sum(b"__group__user." in c for c in groups),
            "pubsub_room_groups": sum(b"__group__room." in c for c in groups),
        }
    finally:
        client.close()


def redis_clients_of(url: str, ports: set[int]) -> dict[str, int]:
    """Redis' own view of the connections whose client port is in ``ports`` (the server
    processes'): how many, by the last command each ran (``CLIENT LIST`` ``cmd=``), which
    tells whose they are (channel layer: bzpopmin, evalsha, zadd...; presence: zadd/hset in
    a pipeline then expire, hvals, zrangebyscore)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        listing = client.client_list()
    finally:
        client.close()
    counts: collections.Counter = collections.Counter()
    for entry in listing:
        port = int(str(entry.get("addr", ":0")).rsplit(":", 1)[1])
        if port in ports:
            counts[entry.get("cmd", "?")] += 1
    return dict(counts.most_common())


# --- the run ------------------------------------------------------------------------------------


async def run_storm(args, data: dict, port: int, process, env: dict) -> dict:
    from asgiref.sync import sync_to_async

    from realtime.broadcast import room_last_seq

    last_seq = sync_to_async(lambda: room_last_seq(data["workshop_id"]))
    redis_port = urllib.parse.urlsplit(env.get("REDIS_URL") or "redis://x:6379").port or 6379

    def server_sample() -> dict:
        pids = common.process_tree(process.pid)
        sample = {
            "rss_mb": round(sum(common.process_rss_kib(p) for p in pids) / 1024, 1),
            "cpu_s": round(sum(common.process_cpu_seconds(p) for p in pids), 2),
            "processes": len(pids),
        }
        if env.get("REDIS_URL"):
            ports = common.tcp_local_ports_to(pids, redis_port)
            sample["redis_connections"] = len(ports)
            sample["redis_connections_by_last_command"] = redis_clients_of(env["REDIS_URL"], ports)
        return sample

    storm = Storm(
        url=f"ws://127.0.0.1:{port}/ws/workshops/{data['slug']}/",
        origin=f"http://127.0.0.1:{port}",
        cookie_name=data["cookie_name"],
    )
    cookies = data["cookies"]
    writer = Writer(storm, cookies[0], data["axis"], args.rate)
    clients = [Client(storm, c) for c in cookies[1:]]

    # 1. Everyone connects (fresh clients: no since), at ``arrival`` per second.
    opening = []
    step = max(1, int(args.arrival / 10))
    for i, client in enumerate(clients):
        opening.append(asyncio.ensure_future(client.connect(None)))
        if i % step == step - 1:
            await asyncio.sleep(step / args.arrival)
    results = await asyncio.gather(*opening, return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    for r in failed[:3]:
        storm.error(f"connect: {type(r).__name__}: {r}"[:200])
    connected = [
        c for c, r in zip(clients, results, strict=True) if not isinstance(r, BaseException)
    ]
    connect_ms = [c.connect_ms for c in connected if c.connect_ms is not None]

    # 2. Events flow for a while.
    writing = asyncio.ensure_future(writer.run())
    await asyncio.sleep(args.before)
    census_before = await asyncio.to_thread(layer_census, env, args.layer)
    before = server_sample()
    seq_at_drop = await last_seq()

    # 3. The drop.
    comebacks = []
    storm.drop_at = time.perf_counter()
    if args.drop == "client":
        for client in connected:
            client.dropped_at = storm.drop_at
            client.ws.transport.abort()
        for client in connected:
            comebacks.append(
                asyncio.ensure_future(client.come_back(random.uniform(0, args.spread)))
            )
    else:
        os.kill(process.pid, signal.SIGHUP)

        async def on_close(client: Client) -> None:
            await client.closed.wait()
            client.dropped_at = time.perf_counter()
            await client.come_back(random.uniform(0, args.spread))

        comebacks = [asyncio.ensure_future(on_close(c)) for c in connected]

    # 4. Until everyone is back and live at the same time (a rolling restart can drop a
    # client twice: back on the worker restarted second), or the timeout.
    deadline = storm.drop_at + args.timeout
    all_back = False
    while time.perf_counter() < deadline:
        if all(c.back_at is not None and c.live for c in connected):
            all_back = True
            break
        await asyncio.sleep(0.05)
    first_drop = min((c.dropped_at for c in connected if c.dropped_at), default=storm.drop_at)
    last_back = time.perf_counter() if all_back else None

    # 5. A few more events live, then stop writing and let every client catch up.
    await asyncio.sleep(args.after)
    writer.stop.set()
    await asyncio.wait_for(writing, 60)
    final_seq = await last_seq()
    catch_up = time.perf_counter() + 15
    while time.perf_counter() < catch_up:
        if all(c.seqs and c.seqs[-1] >= final_seq for c in connected if c.back_at):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # presence and stragglers settle before the census
    after = server_sample()
    census_after = await asyncio.to_thread(layer_census, env, args.layer)

    lost = duplicates = 0
    for client in connected:
        expected = set(range((client.first_ready or 0) + 1, final_seq + 1))
        lost += len(expected - set(client.seqs))
        duplicates += len(client.seqs) - len(set(client.seqs))
    for client in connected:
        client.keep_going = False
    for task in comebacks:
        task.cancel()
    await asyncio.gather(*comebacks, return_exceptions=True)
    await asyncio.gather(*(c.close() for c in connected), return_exceptions=True)

    back = [c.back_at - c.dropped_at for c in connected if c.back_at and c.dropped_at]
    return {
        "clients": len(clients),
        "connected": len(connected),
        "connect_failures": len(failed),
        "connect_p95_ms": pct(connect_ms, 95),
        "seq_at_drop": seq_at_drop,
        "final_seq": final_seq,
        "events_sent": writer.sent,
        "writer_failures": writer.failed,
        "back": len(back),
        "not_back": len(connected) - len(back),
        "all_back": all_back,
        "all_back_s": round(last_back - first_drop, 2) if all_back and last_back else None,
        "back_p50_s": pct(back, 50),
        "back_p95_s": pct(back, 95),
        "back_max_s": round(max(back), 2) if back else None,
        "reconnect_p50_ms": pct([c.reconnect_ms for c in connected if c.reconnect_ms], 50),
        "reconnect_p95_ms": pct([c.reconnect_ms for c in connected if c.reconnect_ms], 95),
        "reconnect_attempts": sum(c.attempts for c in connected),
        "retries": sum(max(0, c.attempts - 1) for c in connected),
        "dropped_again": sum(c.reconnects for c in connected),
        "resyncs": sum(c.resyncs for c in connected),
        "gaps_at_ready": sum(c.gaps_at_ready for c in connected),
        "lost": lost + len(failed) * max(0, final_seq - seq_at_drop),
        "duplicates": duplicates,
        "server_before": before,
        "server_after": after,
        "server_cpu_s_storm": round(after["cpu_s"] - before["cpu_s"], 2)
        if args.drop == "client"
        else None,
        "layer_before": census_before,
        "layer_after": census_after,
        "errors": storm.errors,
        "error_count": storm.error_count,
    }


async def run_slow(args, data: dict, port: int, process, env: dict) -> dict:
    """``--slow N``: N listeners stop reading (a phone on a bad network) while events of
    ~5 KB flow; the server must close them with 4008 (its bounded queue overflowed) instead
    of keeping their frames, and they must come back by replay, as must every other
    listener lose nothing."""
    from asgiref.sync import sync_to_async

    from realtime.broadcast import room_last_seq

    last_seq = sync_to_async(lambda: room_last_seq(data["workshop_id"]))
    storm = Storm(
        url=f"ws://127.0.0.1:{port}/ws/workshops/{data['slug']}/",
        origin=f"http://127.0.0.1:{port}",
        cookie_name=data["cookie_name"],
    )
    # Several writers (each waits for its ack): enough ~5 KB frames to fill the kernel
    # buffers of a stalled socket before uvicorn's keepalive (ping every 20 s, 20 s to answer)
    # drops it first.
    cookies = data["cookies"][1:]
    body = "Lorem ipsum. " * 380
    writers = [
        Writer(storm, c, data["axis"], args.rate / args.writers, body)
        for c in cookies[-args.writers :]
    ]
    cookies = cookies[: -args.writers]
    slow = [Client(storm, c) for c in cookies[: args.slow]]
    normal = [Client(storm, c) for c in cookies[args.slow :]]
    await asyncio.gather(*(c.connect(None, rcvbuf=4096) for c in slow))
    await asyncio.gather(*(c.connect(None) for c in normal))
    for client in slow:
        client.ws.transport.pause_reading()
    writing = asyncio.gather(*(w.run() for w in writers))
    paused_at = time.perf_counter()
    # The server notices nothing until the kernel buffers are full; then the client's
    # queue fills and overflows. Stop reading long enough for that.
    await asyncio.sleep(args.slow_seconds)
    for client in slow:
        client.ws.transport.resume_reading()
    # Read what was buffered, up to the close.
    await asyncio.wait([asyncio.ensure_future(c.closed.wait()) for c in slow], timeout=30)
    codes = [c.close_code if c.closed.is_set() else None for c in slow]
    comebacks = []
    for client in slow:
        if client.closed.is_set():
            client.dropped_at = time.perf_counter()
            comebacks.append(asyncio.ensure_future(client.come_back(0)))
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and not all(c.live for c in slow):
        await asyncio.sleep(0.1)
    await asyncio.sleep(args.after)
    for writer in writers:
        writer.stop.set()
    await asyncio.wait_for(writing, 60)
    final_seq = await last_seq()
    catch_up = time.perf_counter() + 15
    everyone = slow + normal
    while time.perf_counter() < catch_up:
        if all(c.seqs and c.seqs[-1] >= final_seq for c in everyone if c.live):
            break
        await asyncio.sleep(0.1)

    def missing(clients: list[Client]) -> int:
        return sum(
            len(set(range((c.first_ready or 0) + 1, final_seq + 1)) - set(c.seqs)) for c in clients
        )

    result = {
        "slow_clients": len(slow),
        "listeners": len(normal),
        "slow_seconds": args.slow_seconds,
        "client_queue": int(env.get("REALTIME_CLIENT_QUEUE", 0)) or None,
        "writers": len(writers),
        "events_sent": sum(w.sent for w in writers),
        "final_seq": final_seq,
        "slow_close_codes": codes,
        "slow_closed_4008": codes.count(4008),
        "slow_seconds_to_close": round(time.perf_counter() - paused_at, 1),
        "slow_back": sum(1 for c in slow if c.live and c.back_at),
        "slow_resyncs": sum(c.resyncs for c in slow),
        "slow_lost": missing(slow),
        "listeners_lost": missing(normal),
        "lost": missing(everyone),
        "duplicates": sum(len(c.seqs) - len(set(c.seqs)) for c in everyone),
        "errors": storm.errors,
        "error_count": storm.error_count,
    }
    for client in everyone:
        client.keep_going = False
    for task in comebacks:
        task.cancel()
    await asyncio.gather(*comebacks, return_exceptions=True)
    await asyncio.gather(*(c.close() for c in everyone), return_exceptions=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--spread", type=float, default=10, help="reconnects spread over (s)")
    parser.add_argument("--rate", type=float, default=2.0, help="events per second (one writer)")
    parser.add_argument("--arrival", type=float, default=100.0, help="first connects per second")
    parser.add_argument("--before", type=float, default=5, help="seconds of events before")
    parser.add_argument("--after", type=float, default=3, help="seconds of events after")
    parser.add_argument("--timeout", type=float, default=90, help="give up waiting (s)")
    parser.add_argument("--layer", choices=sorted(room.LAYERS), default="memory")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--drop", choices=["client", "restart"], default="client")
    parser.add_argument(
        "--slow",
        type=int,
        default=0,
        help="instead of a storm: this many listeners stop reading (bounded queue, 4008, replay)",
    )
    parser.add_argument("--slow-seconds", type=float, default=30, help="how long they stall")
    parser.add_argument("--writers", type=int, default=4, help="with --slow: writers")
    parser.add_argument(
        "--client-queue", type=int, default=8, help="with --slow: the server's per-client bound"
    )
    args = parser.parse_args(argv)
    if args.workers > 1 and args.layer == "memory":
        parser.error("--workers > 1 needs a Redis layer (--layer core or pubsub)")
    if args.drop == "restart" and args.workers < 2:
        parser.error("--drop restart needs --workers >= 2 (uvicorn's supervisor restarts workers)")

    env = room.layer_env(common.bench_env("room"), args.layer)
    common.django_setup(env)
    if args.slow:
        # A small bound: the kernel buffers already hold a few hundred KB before it counts.
        env["REALTIME_CLIENT_QUEUE"] = str(args.client_queue)
    data = room.seed(args.clients + 1 + (args.writers if args.slow else 0))
    with room.platform(env, args.workers) as (port, process):
        result = {
            "benchmark": "storm",
            "layer": room.LAYERS[args.layer],
            "database": common.database_label(),
            "workers": args.workers,
            "drop": args.drop,
            "spread_s": args.spread,
            "rate_per_s": args.rate,
        }
        if args.slow:
            result.update(benchmark="slow clients", drop=None, spread_s=None)
            result.update(asyncio.run(run_slow(args, data, port, process, env)))
        else:
            result.update(asyncio.run(run_storm(args, data, port, process, env)))
    watch = LogWatch(process.log_path)
    watch.poll()
    result["server_log"] = {
        "path": process.log_path,
        "warnings": watch.warnings,
        "by_logger": dict(watch.by_logger),
        "first": watch.first,
        "layer_dropped_lines": watch.layer_dropped,
        "layer_missed_lines": watch.layer_missed,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

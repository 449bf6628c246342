"""Room benchmark: N real WebSocket clients in one workshop, a share of them writing.

    python -m bench.room --clients 1000 --duration 30                  # in-memory layer
    python -m bench.room --clients 1000 --duration 30 --layer core     # channels_redis core layer
    python -m bench.room --clients 1000 --duration 30 --layer pubsub   # channels_redis pub/sub layer
    python -m bench.room --target ws://host:port --slug S --cookies cookies.txt   # a running server

It starts the platform (uvicorn, compression off, one worker, port 8200-8299)
on its own database, seeds a live workshop with N participants and their
sessions (in the database and, on Redis, in the cache, as a sign-in leaves
them), connects the N clients (``--arrival`` per second), then for
``--duration`` seconds has ``--writers`` of them post ideas and react
(``--rate`` actions per second in all) while every client listens. Then it
does the same against a bare ``websockets`` server that broadcasts the same
frames (encoded once, ``websockets.broadcast``): the floor, so that the cost
of the framework reads as a ratio. Prints one JSON object.

Redis layers use ``REDIS_URL``, else ``BENCH_REDIS_URL``, else db 12, and names of
this run's own (``bench.layer_settings``): pub/sub ignores database numbers.
``--redis`` is ``--layer core``.

``lost`` counts, over every client, the room events (by sequence number)
that it never received: it must be 0. Latencies are from the moment a writer
sends an idea to the moment each client has the corresponding event.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import common

PORTS = common.bench_ports(range(8200, 8300))
ROOT = Path(__file__).resolve().parent.parent


# --- measuring the server process ---------------------------------------------------------


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return round(common._percentile(sorted(values), p), 2)


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Stats:
    connect_ms: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    # Events a client had by replay after it reconnected (``?since=``): from the writer's send
    # to the replayed frame, apart from the live ones.
    replay_latencies_ms: list[float] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)
    events_sent: int = 0
    errors: list[str] = field(default_factory=list)


# Backoff of a reconnecting client, as static/js/room.js: 0.5 s × 2^attempt (at most 30 s),
# times 0.5–1; it gives up after this many failed attempts in a row.
RECONNECT_ATTEMPTS = 8
CLOSE_NO_RETRY = {4001, 4003, 4004}  # room.js stops there too


class Listener:
    """One room client. With ``reconnect``, a socket the server closes (or that breaks) is
    opened again as the page does (``static/js/room.js``): after a backoff, with
    ``?since=<last seq>``; the replayed events count (``replayed``), and a ``resync`` frame
    stands for the page's reload (the events up to its seq are then in the page)."""

    def __init__(
        self, url: str, headers: dict, origin: str, stats: Stats, *, reconnect: bool = False
    ) -> None:
        self.url, self.headers, self.origin, self.stats = url, headers, origin, stats
        self.reconnect = reconnect
        self.seqs: list[int] = []
        self.last_seq = 0  # the page's this.seq
        self.ws = None
        self.ready = asyncio.Event()
        self.acks: dict[str, asyncio.Future] = {}
        self.task: asyncio.Task | None = None
        self.close_code: int | None = None  # the last close by the server
        self.close_codes: list[int | None] = []  # every close by the server (or break)
        self.reconnections = 0
        self.replayed = 0
        self.reloaded: set[int] = set()  # seqs a « resync » (a page reload) stood for
        self.resyncs = 0
        self.gave_up = False
        self._closing = False

    async def _connect(self, url: str) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            url,
            additional_headers=self.headers,
            origin=self.origin,
            open_timeout=60,
            compression=None,
            max_queue=None,
            # A browser answers the server's pings but sends none: no client-side keepalive
            # timeout closing sockets when a loaded client process is slow to read (the
            # 40-room run lost 79 sockets that way at load average 17-25, as bench.votes).
            ping_interval=None,
        )

    async def open(self) -> None:
        started = time.perf_counter()
        await self._connect(self.url)
        self.task = asyncio.ensure_future(self.read())
        await asyncio.wait_for(self.ready.wait(), 60)
        self.stats.connect_ms.append((time.perf_counter() - started) * 1000)

    async def read(self) -> None:
        while True:
            await self._read_socket()
            if not self.reconnect or self._closing or self.close_code in CLOSE_NO_RETRY:
                return
            # The page rejects what was waiting for an answer (« offline »), then reconnects.
            for future in self.acks.values():
                if not future.done():
                    future.set_result({"type": "error", "code": "offline"})
            self.acks.clear()
            if not await self._reopen():
                self.gave_up = True
                return

    async def _reopen(self) -> bool:
        for attempt in range(RECONNECT_ATTEMPTS):
            await asyncio.sleep(min(30.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2))
            if self._closing:
                return False
            self.ready.clear()
            try:
                await self._connect(f"{self.url}?since={self.last_seq}")
            except Exception as exc:  # counted, tried again
                self.stats.errors.append(f"reconnect: {type(exc).__name__}: {exc}")
                continue
            self.reconnections += 1
            return True
        return False

    async def _read_socket(self) -> None:
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "ready":
                    self.last_seq = max(self.last_seq, frame["data"]["seq"])
                    self.ready.set()
                elif kind in ("ack", "error") and frame.get("ref") is not None:
                    future = self.acks.pop(frame.get("ref"), None)
                    if future is not None and not future.done():
                        future.set_result(frame)
                elif kind == "resync":
                    # Too far behind: the page reloads, and has everything up to this seq.
                    self.resyncs += 1
                    seq = frame["data"]["seq"]
                    self.reloaded.update(range(self.last_seq + 1, seq + 1))
                    self.last_seq = max(self.last_seq, seq)
                elif "seq" in frame:
                    seq = frame["seq"]
                    self.seqs.append(seq)
                    self.last_seq = max(self.last_seq, seq)
                    replay = not self.ready.is_set()  # before « ready »: a replay
                    if replay:
                        self.replayed += 1
                    token = (frame.get("data") or {}).get("title", "")
                    sent = self.stats.sent_at.get(token)
                    if sent is not None:
                        (
                            self.stats.replay_latencies_ms if replay else self.stats.latencies_ms
                        ).append((now - sent) * 1000)
        except Exception as exc:  # counted, the run goes on
            self.stats.errors.append(f"{type(exc).__name__}: {exc}")
        # Who ended the socket, and how (4008: the server found this client too slow).
        rcvd = getattr(self.ws, "close_rcvd", None)
        self.close_code = rcvd.code if rcvd is not None else None
        if not self._closing:
            self.close_codes.append(self.close_code)

    async def call(self, action: str, data: dict, **extra) -> dict:
        ref = secrets.token_hex(4)
        future = asyncio.get_running_loop().create_future()
        self.acks[ref] = future
        await self.ws.send(json.dumps({"action": action, "ref": ref, "data": data, **extra}))
        return await asyncio.wait_for(future, 30)

    async def close(self) -> None:
        self._closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            # A client waiting to reconnect (its backoff) is not waited for.
            await asyncio.wait([self.task], timeout=2)
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


async def run_load(
    *,
    ws_url: str,
    origin: str,
    cookies: list[str],
    cookie_name: str,
    axis_id: int,
    duration: float,
    writers: int,
    rate: float,
    arrival: float,
    server_pid: int | None,
    last_seq,
) -> dict:
    stats = Stats()
    listeners = [
        Listener(ws_url, {"Cookie": f"{cookie_name}={c}"} if c else {}, origin, stats)
        for c in cookies
    ]
    start_seq = await last_seq() if last_seq else 0

    # Clients arrive at ``arrival`` per second.
    opening = []
    for i, listener in enumerate(listeners):
        opening.append(asyncio.ensure_future(listener.open()))
        if arrival and i % max(1, int(arrival / 10)) == 0:
            await asyncio.sleep(max(1, int(arrival / 10)) / arrival)
    results = await asyncio.gather(*opening, return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    connected = [
        lst for lst, r in zip(listeners, results, strict=True) if not isinstance(r, BaseException)
    ]
    rss_connected = rss_mb(server_pid) if server_pid else None

    cpu_before = cpu_seconds(server_pid) if server_pid else None
    writing = connected[: max(1, writers)]
    ideas: list[int] = []
    interval = 1 / rate
    deadline = time.perf_counter() + duration
    n = 0

    async def act(writer: Listener, n: int) -> None:
        try:
            if ideas and n % 3 == 2:
                reply = await writer.call(
                    "reaction.toggle", {"id": random.choice(ideas), "kind": "agree"}
                )
            else:
                title = f"Idée de charge n° {n} {secrets.token_hex(3)}"
                stats.sent_at[title] = time.perf_counter()
                reply = await writer.call(
                    "proposal.create",
                    {"axis": axis_id, "title": title},
                    client_key=f"b{n}-{title[-6:]}",
                )
                if reply.get("type") == "ack" and "id" in (reply.get("data") or {}):
                    ideas.append(reply["data"]["id"])
            if reply.get("type") == "ack":
                stats.events_sent += 1
            else:
                stats.errors.append(str(reply))
        except Exception as exc:
            stats.errors.append(f"{type(exc).__name__}: {exc}")

    pending = []
    next_at = time.perf_counter()
    while time.perf_counter() < deadline:
        pending.append(asyncio.ensure_future(act(writing[n % len(writing)], n)))
        n += 1
        next_at += interval
        await asyncio.sleep(max(0, next_at - time.perf_counter()))
    await asyncio.gather(*pending)
    final_seq = await last_seq() if last_seq else stats.events_sent + len(stats.errors)

    # Let every client catch up (bounded), then count what never arrived.
    wait_until = time.perf_counter() + 15
    while time.perf_counter() < wait_until:
        if all(
            lst.seqs and lst.seqs[-1] >= final_seq
            for lst in connected
            if lst.task and not lst.task.done()
        ):
            break
        await asyncio.sleep(0.1)
    cpu_after = cpu_seconds(server_pid) if server_pid else None
    rss_end = rss_mb(server_pid) if server_pid else None
    expected = set(range(start_seq + 1, final_seq + 1))
    lost = sum(len(expected - set(lst.seqs)) for lst in connected)
    duplicates = sum(len(lst.seqs) - len(set(lst.seqs)) for lst in connected)
    received = sum(len(lst.seqs) for lst in connected)
    for listener in connected:
        await listener.close()
    delivered = len(expected) * len(connected)
    cpu = (cpu_after - cpu_before) if cpu_before is not None else None
    return {
        "clients": len(listeners),
        "connected": len(connected),
        "connect_failures": len(failed),
        "connect_p95_ms": pct(stats.connect_ms, 95),
        "events_sent": stats.events_sent,
        "events_broadcast": len(expected),
        "events_received": received,
        "lost": lost + len(failed) * len(expected),
        "duplicates": duplicates,
        "broadcast_p50_ms": pct(stats.latencies_ms, 50),
        "broadcast_p99_ms": pct(stats.latencies_ms, 99),
        "server_rss_mb": round(max(rss_connected or 0, rss_end or 0), 1) if server_pid else None,
        "server_cpu_us_per_delivery": round(cpu / delivered * 1e6, 1)
        if cpu and delivered
        else None,
        "errors": stats.errors[:5],
        "error_count": len(stats.errors),
    }


# --- the platform -----------------------------------------------------------------------------


def seed(clients: int) -> dict:
    """A live workshop with ``clients`` participants and a session each."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import College, User
    from accounts.services import role_grant
    from proposals.models import Axis
    from workshops.models import Participant, Workshop, WorkshopState
    from workshops.services import join_code_generate, workshop_state_change

    run = secrets.token_hex(4)
    colleges = list(College.values)
    with transaction.atomic():
        facilitator = User.objects.create(username=f"bench-anim-{run}", display_name="Animation")
        role_grant(user=facilitator, role="facilitators")
        workshop = Workshop.objects.create(
            title=f"Banc d'essai {run}",
            slug=f"bench-{run}",
            state=WorkshopState.SCHEDULED,
            join_code=join_code_generate(),
        )
        workshop.facilitators.add(facilitator)
        axis = Axis.objects.get(slug="filieres-avenir")
        workshop.axes.add(axis)
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench-{run}-{i}",
                    display_name=f"Participant·e {i}",
                    college=colleges[i % len(colleges)],
                    password="!",
                )
                for i in range(clients)
            ]
        )
        Participant.objects.bulk_create(
            [Participant(workshop=workshop, user=u, college=u.college) for u in users]
        )
        store = SessionStore()
        sessions, keys = [], []
        expire = timezone.now() + timedelta(days=1)
        for user in users:
            key = secrets.token_hex(16)
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expire)
            )
            keys.append(key)
        Session.objects.bulk_create(sessions)
    warm_session_cache(sessions)
    workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    return {
        "slug": workshop.slug,
        "workshop_id": workshop.pk,
        "axis": axis.pk,
        "cookies": keys,
        "cookie_name": settings.SESSION_COOKIE_NAME,
    }


def warm_session_cache(sessions: list) -> None:
    """Put the sessions in the cache as a sign-in does (``cached_db`` writes the database
    and the cache): a phone's socket finds its session in the cache, written when it
    joined. Only a shared cache (Redis) can be warmed from here; the in-memory setup's
    local cache lives in the server process, which then reads each session from the
    database once (a server just restarted)."""
    from django.conf import settings
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import caches

    if not settings.REDIS_URL:
        return
    store = SessionStore()
    caches[settings.SESSION_CACHE_ALIAS].set_many(
        {KEY_PREFIX + s.session_key: store.decode(s.session_data) for s in sessions},
        settings.SESSION_COOKIE_AGE,
    )


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    # The site's address is the server's own: its room socket accepts that origin only.
    env = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
    log = tempfile.NamedTemporaryFile(prefix="agir-bench-room-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log_path = log.name  # type: ignore[attr-defined]
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


LAYERS = {"memory": "in-memory", "core": "redis core", "pubsub": "redis pubsub"}


def layer_env(env: dict, layer: str) -> dict:
    """``env`` for the channel layer ``layer`` (memory, core, pubsub): the Redis URL, the
    layer, and the settings module that gives a run on Redis names of its own."""
    env = dict(env)
    env["DJANGO_SETTINGS_MODULE"] = "bench.layer_settings"
    if layer == "memory":
        env.pop("REDIS_URL", None)
        env.pop("CHANNEL_LAYER", None)
        return env
    if layer not in LAYERS:
        raise SystemExit(f"unknown layer {layer!r}: memory, core or pubsub")
    env["REDIS_URL"] = (
        env.get("REDIS_URL") or env.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/12"
    )
    env["CHANNEL_LAYER"] = layer
    env.setdefault("BENCH_LAYER_PREFIX", f"agir-bench-{secrets.token_hex(3)}")
    return env


def server_env(env: dict) -> dict:
    """The platform server's environment: no rate limit in the way of the load."""
    return {
        **env,
        "REALTIME_IDEAS_PER_MINUTE": "1000000",
        "REALTIME_RATE_PER_SECOND": "1000",
        "REALTIME_RATE_BURST": "1000",
        "LOG_LEVEL": env.get("BENCH_SERVER_LOG_LEVEL", "WARNING"),
    }


def uvicorn_command(port: int, workers: int = 1) -> list[str]:
    """uvicorn as ``make serve`` runs it (compression off)."""
    # With workers, a new one (Django start-up) takes more than uvicorn's default 5 s on a busy
    # machine: a rolling restart (SIGHUP) would give up and keep the old workers.
    health = ["--timeout-worker-healthcheck", "60"] if workers > 1 else []
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "project.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--ws-per-message-deflate",
        "false",
        *health,
    ]


@contextlib.contextmanager
def platform(env: dict, workers: int = 1) -> Iterator[tuple[int, subprocess.Popen]]:
    """The platform served by uvicorn on a free port: yields (port, process), stops it after."""
    port = common.free_port(PORTS)
    process = start(uvicorn_command(port, workers), server_env(env), port)
    try:
        common.wait_until_up(f"http://127.0.0.1:{port}", process, process.log_path)
        yield port, process
    finally:
        stop(process)


def platform_run(args, env: dict) -> dict:
    from asgiref.sync import sync_to_async

    from realtime.broadcast import room_last_seq

    data = seed(args.clients)
    with platform(env) as (port, process):
        return asyncio.run(
            run_load(
                ws_url=f"ws://127.0.0.1:{port}/ws/workshops/{data['slug']}/",
                origin=f"http://127.0.0.1:{port}",
                cookies=data["cookies"],
                cookie_name=data["cookie_name"],
                axis_id=data["axis"],
                duration=args.duration,
                writers=args.writers or max(1, args.clients // 20),
                rate=args.rate,
                arrival=args.arrival,
                server_pid=process.pid,
                last_seq=sync_to_async(lambda: room_last_seq(data["workshop_id"])),
            )
        )


# --- the floor: a bare websockets server broadcasting the same frames ------------------------


def baseline_server(port: int) -> None:
    """Accept everyone; on an action, ack it and broadcast one event (encoded once) to all."""
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()
    seq = 0

    async def handler(ws) -> None:
        nonlocal seq
        clients.add(ws)
        try:
            await ws.send(json.dumps({"type": "ready", "data": {"seq": seq}}))
            async for raw in ws:
                frame = json.loads(raw)
                data = frame.get("data") or {}
                seq += 1
                if frame.get("action") == "proposal.create":
                    event = {
                        "type": "proposal.created",
                        "seq": seq,
                        "data": {
                            "id": seq,
                            "title": data.get("title", ""),
                            "body_html": "",
                            "axis": "Filières d'avenir",
                            "author": "Participant·e",
                            "college": "citizens",
                            "college_label": "Citoyen·nes",
                            "created_at": "2026-11-28T10:00:00+00:00",
                            "url": f"/propositions/{seq}/",
                        },
                    }
                else:
                    event = {
                        "type": "reaction.changed",
                        "seq": seq,
                        "data": {
                            "id": data.get("id"),
                            "reactions": {"agree": 1, "strong": 0, "question": 0},
                        },
                    }
                broadcast(clients, json.dumps(event, ensure_ascii=False, separators=(",", ":")))
                await ws.send(
                    json.dumps({"type": "ack", "ref": frame.get("ref"), "data": {"id": seq}})
                )
        finally:
            clients.discard(ws)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
            Path(f"{tempfile.gettempdir()}/agir-bench-baseline-{port}").write_text(str(os.getpid()))
            await asyncio.Future()

    asyncio.run(main())


def baseline_run(args) -> dict:
    port = common.free_port(PORTS)
    process = start(
        [sys.executable, "-m", "bench.room", "--baseline-server", str(port)], dict(os.environ), port
    )
    marker = Path(f"{tempfile.gettempdir()}/agir-bench-baseline-{port}")
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        return asyncio.run(
            run_load(
                ws_url=f"ws://127.0.0.1:{port}/",
                origin=f"http://127.0.0.1:{port}",
                cookies=[""] * args.clients,
                cookie_name="",
                axis_id=0,
                duration=args.duration,
                writers=args.writers or max(1, args.clients // 20),
                rate=args.rate,
                arrival=args.arrival,
                server_pid=process.pid,
                last_seq=None,  # the bare server numbers its actions from 1
            )
        )
    finally:
        stop(process)
        marker.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--rate", type=float, default=2.0, help="writer actions per second, in all")
    parser.add_argument("--writers", type=int, default=0, help="clients that write (default 5 %%)")
    parser.add_argument(
        "--arrival", type=float, default=100.0, help="clients connecting per second"
    )
    parser.add_argument(
        "--layer",
        choices=sorted(LAYERS),
        default="memory",
        help="channel layer: in-memory, channels_redis core or pub/sub",
    )
    parser.add_argument("--redis", action="store_true", help="the same as --layer core")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_server:
        baseline_server(args.baseline_server)
        return

    layer = "core" if args.redis else args.layer
    env = layer_env(common.bench_env("room"), layer)
    common.django_setup(env)
    result = {"layer": LAYERS[layer], "database": common.database_label()}
    result.update(platform_run(args, env))
    if not args.no_baseline:
        baseline = baseline_run(args)
        for key, value in baseline.items():
            if key != "errors":
                result[f"baseline_{key}"] = value
        if result.get("broadcast_p99_ms") and baseline.get("broadcast_p99_ms"):
            result["ratio_broadcast_p99"] = round(
                result["broadcast_p99_ms"] / baseline["broadcast_p99_ms"], 2
            )
        if result.get("server_cpu_us_per_delivery") and baseline.get("server_cpu_us_per_delivery"):
            result["ratio_cpu_per_delivery"] = round(
                result["server_cpu_us_per_delivery"] / baseline["server_cpu_us_per_delivery"], 2
            )
    result["duration_s"] = args.duration
    result["rate_per_s"] = args.rate
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

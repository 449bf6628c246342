"""Board under load: the board page's p95 idle, then while a room load and a vote load run.

    python -m bench.mixed --proposals 10000 --clients 1000 --voters 1000 --vote-rate 500 --duration 20
    REDIS_URL=redis://127.0.0.1:6379/9 python -m bench.mixed --workers 2 ...   # Redis layer, 2 processes

One server (uvicorn, ``--workers`` processes) on one database holding at
least ``--proposals`` proposals (``generate_load`` fills it if needed):

1. **idle**: the board page (``/propositions/``) is requested for
   ``--duration`` seconds over ``--concurrency`` keep-alive connections, and
   nothing else runs;
2. **loaded**: ``--clients`` room clients connect to one live workshop
   (``--arrival`` per second) and ``--voters`` voters to another; then for the
   same ``--duration`` the room's writers post ideas and react
   (``--room-rate`` actions per second, as ``bench.room``), the voters cast
   ``--vote-rate`` ballots per second (open loop, as ``bench.votes --rate``),
   and the board is requested exactly as in the idle phase.

The board requests come from a process of their own (``--measure``), so that
the load client's event loop does not delay them. Prints one JSON object:
``board_idle`` and ``board_loaded`` (p50/p95/p99 ms, requests/s, errors),
``ratio_p95`` = loaded p95 / idle p95 (the target: <= 1.5), and the
loads as they happened: ``room`` (connected clients, events, ``lost``,
broadcast p99) and ``votes`` (offered and achieved rates, ack p95, ``lost``
checked in the database as in ``bench.votes``). ``lost`` at the top is the sum.

``--deployment`` (default ``direct``: the clients talk to uvicorn) puts nginx in
front (``nginx``), or nginx routing ``/ws/`` to a socket pool of ``--workers``
and the rest to a page pool of ``--page-workers`` (``split``, as
deploy/nginx-split.conf.example); every client, the board's too, then goes
through nginx. ``--socket-nice`` sets the socket pool's niceness.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench import common


def _ports() -> range:
    first, _sep, last = os.environ.get("BENCH_PORTS", "8400-8499").partition("-")
    return range(int(first), int(last or first) + 1)


PORTS = _ports()
BOARD_PATH = "/propositions/"


# --- the board, measured from a process of its own -----------------------------------------


def measure_for(base_url: str, path: str, seconds: float, concurrency: int) -> dict:
    """GET ``path`` over ``concurrency`` keep-alive connections for ``seconds``."""
    clients = [common._Client(base_url, None) for _ in range(concurrency)]
    for client in clients:
        for _ in range(3):
            client.get(path)
    latencies: list[float] = []
    errors: dict[int, int] = {}  # status (599: connection error) -> count
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work(client) -> None:
        mine, bad = [], []
        while time.perf_counter() < deadline:
            status, elapsed = client.get(path)
            mine.append(elapsed)
            if status != 200:
                bad.append(status)
        with lock:
            latencies.extend(mine)
            for status in bad:
                errors[status] = errors.get(status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    for client in clients:
        client.close()
    ordered = sorted(latencies)
    return {
        "path": path,
        "seconds": round(wall, 1),
        "concurrency": concurrency,
        "requests": len(ordered),
        "p50_ms": round(common._percentile(ordered, 50) * 1000, 2),
        "p95_ms": round(common._percentile(ordered, 95) * 1000, 2),
        "p99_ms": round(common._percentile(ordered, 99) * 1000, 2),
        "rps": round(len(ordered) / wall, 1) if wall else None,
        "errors": sum(errors.values()),
        "error_statuses": {str(k): v for k, v in sorted(errors.items())},
        "load_average_1m": round(os.getloadavg()[0], 2),
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
    }


def measure_command(base_url: str, seconds: float, concurrency: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.mixed",
        "--measure",
        base_url,
        "--duration",
        str(seconds),
        "--concurrency",
        str(concurrency),
    ]


def measure_idle(base_url: str, seconds: float, concurrency: int) -> dict:
    done = subprocess.run(
        measure_command(base_url, seconds, concurrency),
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


# The niceness the board's measuring process runs at: the servers' (0), even when the load
# clients were reniced with --load-nice (lowering it back needs root; "nice" in its JSON
# says what it got).
MEASURE_NICE = 0


def _measure_priority() -> None:
    with contextlib.suppress(PermissionError):
        os.setpriority(os.PRIO_PROCESS, 0, MEASURE_NICE)


async def measure_async(base_url: str, seconds: float, concurrency: int) -> dict:
    process = await asyncio.create_subprocess_exec(
        *measure_command(base_url, seconds, concurrency),
        cwd=common.ROOT,
        stdout=asyncio.subprocess.PIPE,
        preexec_fn=_measure_priority,  # no threads hold locks here
    )
    stdout, _stderr = await process.communicate()
    return json.loads(stdout)


# --- the loads --------------------------------------------------------------------------------


async def room_actions(writers: list, axis_id: int, stats, rate: float, seconds: float) -> None:
    """bench.room's writers: ideas, and one action in three a reaction to an idea."""
    ideas: list[int] = []
    pending = []

    async def act(writer, n: int) -> None:
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
                    client_key=f"m{n}-{title[-6:]}",
                )
                if reply.get("type") == "ack" and "id" in (reply.get("data") or {}):
                    ideas.append(reply["data"]["id"])
            if reply.get("type") == "ack":
                stats.events_sent += 1
            else:
                stats.errors.append(str(reply)[:200])
        except Exception as exc:  # counted, the run goes on
            stats.errors.append(f"{type(exc).__name__}: {exc}")

    deadline = time.perf_counter() + seconds
    next_at = time.perf_counter()
    n = 0
    while time.perf_counter() < deadline:
        pending.append(asyncio.ensure_future(act(writers[n % len(writers)], n)))
        n += 1
        next_at += 1 / rate
        await asyncio.sleep(max(0, next_at - time.perf_counter()))
    await asyncio.gather(*pending)


async def connect_room(ws_url: str, origin: str, data: dict, arrival: float, stats) -> tuple:
    from bench.room import Listener

    listeners = [
        Listener(ws_url, {"Cookie": f"{data['cookie_name']}={c}"}, origin, stats)
        for c in data["cookies"]
    ]
    opening = []
    step = max(1, int(arrival / 10))
    for i, listener in enumerate(listeners):
        opening.append(asyncio.ensure_future(listener.open()))
        if arrival and i % step == 0:
            await asyncio.sleep(step / arrival)
    results = await asyncio.gather(*opening, return_exceptions=True)
    connected = [
        lst for lst, r in zip(listeners, results, strict=True) if not isinstance(r, BaseException)
    ]
    return connected, len(listeners) - len(connected)


def start_profiler(base_url: str, args):
    """py-spy on the pool serving ``base_url`` for the loaded phase (``--profile``), or None."""
    if not args.profile:
        return None
    from bench.rooms import attach_profiler

    Path(args.profile).mkdir(parents=True, exist_ok=True)
    output = Path(args.profile) / f"mixed-{args.workers}w.txt"
    return next((attach_profiler(pid, output, args.duration) for pid in pool_pids(base_url)), None)


async def loaded_phase(base_url: str, room_data: dict, vote_plan: dict, args) -> dict:
    from asgiref.sync import sync_to_async

    from bench.room import Stats
    from bench.votes import VoteLoad
    from realtime.broadcast import room_last_seq

    last_seq = sync_to_async(lambda: room_last_seq(room_data["workshop_id"]))
    stats = Stats()
    ws_url = base_url.replace("http://", "ws://") + f"/ws/workshops/{room_data['slug']}/"
    start_seq = await last_seq()
    votes = VoteLoad(base_url, vote_plan)
    (connected, failed), _none = await asyncio.gather(
        connect_room(ws_url, base_url, room_data, args.arrival, stats),
        votes.connect(args.connect_concurrency),
    )
    # Both loads start together, run a second longer on each side than the measurement.
    load_seconds = args.duration + 2
    writers = connected[: max(1, args.writers or len(connected) // 20)]
    room_task = asyncio.ensure_future(
        room_actions(writers, room_data["axis"], stats, args.room_rate, load_seconds)
    )
    vote_task = asyncio.ensure_future(votes.sustained(args.vote_rate, load_seconds))
    await asyncio.sleep(1)
    profiler = start_profiler(base_url, args)
    board = await measure_async(base_url, args.duration, args.concurrency)
    await asyncio.gather(room_task, vote_task)
    if profiler is not None:
        await asyncio.to_thread(profiler.wait, 60)
    await votes.settle()
    final_seq = await last_seq()
    wait_until = time.perf_counter() + 15
    while time.perf_counter() < wait_until:
        if all(
            lst.seqs and lst.seqs[-1] >= final_seq
            for lst in connected
            if lst.task and not lst.task.done()
        ):
            break
        await asyncio.sleep(0.1)
    expected = set(range(start_seq + 1, final_seq + 1))
    room_lost = sum(len(expected - set(lst.seqs)) for lst in connected)
    for listener in connected:
        await listener.close()
    vote_figures = votes.figures()
    await votes.close()
    latencies = sorted(stats.latencies_ms)
    room = {
        "clients": len(room_data["cookies"]),
        "connected": len(connected),
        "connect_failures": failed,
        "rate_offered": args.room_rate,
        "events_sent": stats.events_sent,
        "events_broadcast": len(expected),
        "lost": room_lost + failed * len(expected),
        "broadcast_p99_ms": round(common._percentile(latencies, 99), 1) if latencies else None,
        "error_count": len(stats.errors),
        "errors": stats.errors[:3],
    }
    return {"board": board, "room": room, "votes": vote_figures, "vote_load": votes}


def renice(base_url: str, niceness: int) -> None:
    """Give the uvicorn pool serving ``base_url`` (supervisor and workers) this niceness."""
    if not niceness:
        return
    for supervisor in pool_pids(base_url):
        for pid in common.process_tree(supervisor):
            os.setpriority(os.PRIO_PROCESS, pid, niceness)


def pool_pids(base_url: str) -> list[int]:
    """The uvicorn supervisors listening on ``base_url``'s port (from /proc)."""
    port = base_url.rsplit(":", 1)[1].encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"uvicorn" in argv and port in argv:
                found.append(int(proc.name))
    return found


@contextlib.contextmanager
def deployment(env: dict, args) -> Iterator[str]:
    """The servers of ``--deployment``; yields the URL every client (board, room, votes) uses."""
    from bench import nginx

    with contextlib.ExitStack() as stack:
        # Behind nginx, the site's address (the origin the room socket accepts) is nginx's:
        # its port is chosen first, and held until nginx starts.
        proxy_port, site_url = None, ""
        if args.deployment != "direct":
            proxy_port = common.free_port(PORTS)
            site_url = f"http://127.0.0.1:{proxy_port}"
            holder = stack.enter_context(socket.socket())
            holder.bind(("127.0.0.1", proxy_port))
        sockets = stack.enter_context(
            common.server(
                env, workers=args.workers, port=common.free_port(PORTS), site_url=site_url
            )
        )
        if args.deployment == "direct":
            yield sockets
            return
        pages = sockets
        if args.deployment == "split":
            renice(sockets, args.socket_nice)
            pages = stack.enter_context(
                common.server(
                    env,
                    workers=args.page_workers or args.workers,
                    port=common.free_port(PORTS),
                    site_url=site_url,
                )
            )
        holder.close()
        yield stack.enter_context(nginx.proxy(pages, sockets, port=proxy_port, workers=1))


def main(argv: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500, help="users of generate_load")
    parser.add_argument("--clients", type=int, default=1000, help="room clients")
    parser.add_argument("--arrival", type=float, default=100.0, help="room clients per second")
    parser.add_argument("--writers", type=int, default=0, help="room writers (default 5 %%)")
    parser.add_argument("--room-rate", type=float, default=2.0, help="room actions per second")
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--vote-rate", type=float, default=500.0, help="ballots per second")
    parser.add_argument("--duration", type=float, default=20, help="seconds of each phase")
    parser.add_argument("--concurrency", type=int, default=4, help="board connections")
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--deployment",
        choices=("direct", "nginx", "split"),
        default="direct",
        help="direct: one uvicorn pool, no proxy; nginx: that pool behind nginx; split: nginx "
        "routing /ws/ to a socket pool (--workers) and pages to a page pool (--page-workers), "
        "as deploy/nginx-split.conf.example",
    )
    parser.add_argument("--page-workers", type=int, default=0, help="split: (default --workers)")
    parser.add_argument(
        "--socket-nice", type=int, default=0, help="split: the socket pool's niceness (Nice=)"
    )
    parser.add_argument(
        "--load-nice",
        type=int,
        default=0,
        help="niceness of the load clients (room and voters) during the loaded phase: on one "
        "machine they stand for phones that are not on the server",
    )
    parser.add_argument(
        "--profile", help="directory: py-spy samples the server's workers during the loaded phase"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_for(args.measure, BOARD_PATH, args.duration, args.concurrency)))
        return None

    env = common.bench_env("mixed")
    if args.workers > 1 and not env.get("REDIS_URL"):
        sys.exit("--workers > 1 needs REDIS_URL (the in-memory layer is per process)")
    common.django_setup(env)
    from bench import board, room, votes

    fill_seconds = board.fill(args.proposals, args.users)
    room_data = room.seed(args.clients)
    vote_plan = votes.prepare(args.voters, "poll")
    # As bench.room: no rate limit in the way of the load.
    with deployment(room.server_env(env), args) as url:
        idle = measure_idle(url, args.duration, args.concurrency)
        if args.load_nice:
            # The servers are started: from here only this process's load clients (the
            # 1,000 phones of the room and the voters) run at the lower priority.
            os.setpriority(os.PRIO_PROCESS, 0, args.load_nice)
        loaded = asyncio.run(loaded_phase(url, room_data, vote_plan, args))
        rps = common.baseline_rps(url, requests=300)
    checked = votes.check_database(vote_plan, loaded["vote_load"])
    figures = loaded["votes"]
    vote_summary = {
        "voters": args.voters,
        "rate_offered": args.vote_rate,
        "send_rate_achieved": round(figures["ballots_sent"] / figures["send_span_s"], 1)
        if figures["send_span_s"]
        else None,
        "acked_per_s": figures["acked_per_s"],
        "ballots_sent": figures["ballots_sent"],
        "ballots": figures["ballots"],
        "ack_p95_ms": figures["ack_p95_ms"],
        "tally_visible_p99_ms": figures["tally_visible_p99_ms"],
        "unanswered": figures["unanswered"],
        "sockets_dropped": figures["sockets_dropped"],
        "socket_ends": figures["socket_ends"],
        "first_drop_after_s": figures["first_drop_after_s"],
        "errors": figures["errors"],
        "error_codes": figures["error_codes"],
        **checked,
    }
    idle_p95, loaded_p95 = idle["p95_ms"], loaded["board"]["p95_ms"]
    result = {
        "benchmark": "mixed",
        "database": common.database_label(),
        "proposals": args.proposals,
        "fill_seconds": fill_seconds,
        "workers": args.workers,
        "deployment": args.deployment,
        "page_workers": (args.page_workers or args.workers) if args.deployment == "split" else None,
        "socket_nice": args.socket_nice if args.deployment == "split" else None,
        "load_nice": args.load_nice,
        "layer": "redis" if env.get("REDIS_URL") else "in-memory",
        "channel_layer": env.get("CHANNEL_LAYER", "core") if env.get("REDIS_URL") else None,
        "board_idle": idle,
        "board_loaded": loaded["board"],
        "ratio_p95": round(loaded_p95 / idle_p95, 2) if idle_p95 and loaded_p95 else None,
        "room": loaded["room"],
        "votes": vote_summary,
        "lost": loaded["room"]["lost"] + checked["lost"],
        "baseline_rps": rps,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()

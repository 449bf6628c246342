"""Soak: a room with clients coming and going for a long time; does anything grow?

    python -m bench.soak --minutes 30 --layer core --workers 2        # the 30-minute soak
    python -m bench.soak --minutes 2 --clients 50 --churn 5            # a short try

The issue's target: "a 30-minute soak at 10 connects and 10 disconnects per
second: memory growth <= 10 %, Redis client count stable, no dropped-message
warnings from the layer".

It starts the platform (uvicorn, ``--workers`` processes, compression off) on
its own database, seeds a live workshop with a pool of participants, connects
``--clients`` listeners and one writer (one idea every ``1/--rate`` s, so that
events flow all along), then every second opens ``--churn`` new connections and
closes the ``--churn`` oldest: the population stays at ``--clients``. Half the
new connections are fresh, half come back with ``?since=`` a few events back
(a replay); half the closes are clean, half abort the TCP connection (a phone
losing the network).

Every ``--sample`` seconds it records: the server's RSS (the process tree:
supervisor and workers, and each worker), its CPU, the Redis connections the
server processes hold (their sockets to the Redis port, from /proc; and, from
``CLIENT LIST``, the last command each ran: whose they are), Redis'
``INFO clients`` ``connected_clients`` (server-wide: other users of the same
Redis count too), what the channel layer keeps for this run in Redis (core:
members of the user and room groups; pub/sub: subscribed channels), the
listeners open on the client side, connects and their p95 in the interval,
and the server log's warnings so far.

Every listener, when it closes and at the end, checks that it received every
event from its first ``ready`` to the last one it saw, once: ``lost`` and
``duplicates`` (in-flight events at a close are not counted).

The summary compares the first sample after ``--warmup`` seconds with the last:
``rss_growth_pct`` (target <= 10), the server's Redis connections (stable:
their last value within max(2, 10 %) of the first), ``layer_dropped``
(channels_redis' "over capacity" lines: messages it dropped) and
``layer_missed`` (the hub's "events read from the database": an event was not
there through the layer when the hub looked — a gap after 250 ms, or the 5-s
reconcile finding a committed event first; late or lost in the layer, the
database filled it in). Prints one JSON object (``samples`` has every sample).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import sys
import time
import urllib.parse

from bench import common, room
from bench.storm import Client, LogWatch, Storm, Writer, layer_census, redis_clients_of


def redis_info_clients(url: str) -> int | None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            return int(client.info("clients")["connected_clients"])
        finally:
            client.close()
    except Exception:  # Redis away: the sample says so
        return None


async def soak(args, data: dict, port: int, process, env: dict) -> dict:
    from asgiref.sync import sync_to_async

    from realtime.broadcast import room_last_seq

    last_seq = sync_to_async(lambda: room_last_seq(data["workshop_id"]))
    redis_url = env.get("REDIS_URL")
    redis_port = urllib.parse.urlsplit(redis_url or "redis://x:6379").port or 6379
    watch = LogWatch(process.log_path)
    storm = Storm(
        url=f"ws://127.0.0.1:{port}/ws/workshops/{data['slug']}/",
        origin=f"http://127.0.0.1:{port}",
        cookie_name=data["cookie_name"],
    )
    cookies = list(data["cookies"])
    writer = Writer(storm, cookies.pop(0), data["axis"], args.rate)
    free = collections.deque(cookies)  # participants not connected now
    live: collections.deque[Client] = collections.deque()
    counts = {"connects": 0, "connect_failures": 0, "closes": 0, "lost": 0, "duplicates": 0}
    connect_ms: list[float] = []
    n = 0

    def check(client: Client, upto: int | None = None) -> None:
        """Every event from the client's first ready to ``upto`` (default: the last it saw)."""
        if client.first_ready is None:
            return
        seqs = set(client.seqs)
        top = upto if upto is not None else max(seqs, default=client.first_ready)
        counts["lost"] += sum(1 for s in range(client.first_ready + 1, top + 1) if s not in seqs)
        counts["duplicates"] += len(client.seqs) - len(seqs)

    async def open_one(replay: bool) -> None:
        nonlocal n
        cookie = free.popleft()
        client = Client(storm, cookie)
        since = None
        if replay:
            since = max(0, (await last_seq()) - 5)
            # Replayed events count as received: the client starts at since.
            client.first_ready = since
        counts["connects"] += 1
        try:
            await client.connect(since)
        except Exception as exc:  # counted
            counts["connect_failures"] += 1
            storm.error(f"connect: {type(exc).__name__}: {exc}"[:200])
            free.append(cookie)
            return
        connect_ms.append(client.connect_ms)
        live.append(client)

    async def close_one(clean: bool) -> None:
        client = live.popleft()
        client.keep_going = False
        if clean:
            await client.close()
        else:
            await client.abort()
        counts["closes"] += 1
        check(client)
        free.append(client.cookie)

    # The population arrives (50 per second), the writer starts.
    step = 10
    for i in range(0, args.clients, step):
        await asyncio.gather(
            *(open_one(False) for _ in range(min(step, args.clients - i))), return_exceptions=True
        )
        await asyncio.sleep(step / 50)
    writing = asyncio.ensure_future(writer.run())

    samples: list[dict] = []
    started = time.monotonic()
    end = started + args.minutes * 60
    next_sample = started
    next_tick = started
    tick = 0
    pending: set[asyncio.Task] = set()
    interval_ms: list[float] = []
    connects_before = 0
    while True:
        now = time.monotonic()
        if now >= next_sample:
            watch.poll()
            pids = common.process_tree(process.pid)
            workers = [p for p in pids if p != process.pid]
            census = await asyncio.to_thread(layer_census, env, args.layer)
            ports = common.tcp_local_ports_to(pids, redis_port) if redis_url else set()
            interval_ms = connect_ms[connects_before:]
            connects_before = len(connect_ms)
            samples.append(
                {
                    "t_s": round(now - started, 1),
                    "rss_mb": round(sum(common.process_rss_kib(p) for p in pids) / 1024, 1),
                    "worker_rss_mb": [round(common.process_rss_kib(p) / 1024, 1) for p in workers],
                    "cpu_s": round(sum(common.process_cpu_seconds(p) for p in pids), 1),
                    "server_redis_connections": len(ports) if redis_url else None,
                    "server_redis_by_last_command": await asyncio.to_thread(
                        redis_clients_of, redis_url, ports
                    )
                    if redis_url
                    else None,
                    "redis_connected_clients": await asyncio.to_thread(
                        redis_info_clients, redis_url
                    )
                    if redis_url
                    else None,
                    "layer": census,
                    "open_listeners": len(live),
                    "connects": counts["connects"],
                    "connect_failures": counts["connect_failures"],
                    "interval_connect_p95_ms": room.pct(interval_ms, 95),
                    "lost": counts["lost"],
                    "log_warnings": watch.warnings,
                    "layer_dropped": watch.layer_dropped,
                    "layer_missed": watch.layer_missed,
                    "load_1m": round(os.getloadavg()[0], 2),
                }
            )
            if args.verbose:
                print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
            next_sample += args.sample
        if now >= end:
            break
        if now >= next_tick:
            # This second's churn: ``churn`` closes of the oldest and ``churn`` opens,
            # spread over the second.
            for k in range(args.churn):
                clean = (tick + k) % 2 == 0
                replay = (tick + k) % 2 == 1
                if live:
                    pending.add(asyncio.ensure_future(close_one(clean)))
                if free:
                    pending.add(asyncio.ensure_future(open_one(replay)))
                await asyncio.sleep(1 / args.churn / 2)
            pending = {t for t in pending if not t.done()}
            tick += 1
            next_tick += 1
        await asyncio.sleep(max(0.0, min(next_tick, next_sample, end) - time.monotonic()))

    await asyncio.gather(*pending, return_exceptions=True)
    writer.stop.set()
    await asyncio.wait_for(writing, 60)
    final_seq = await last_seq()
    catch_up = time.perf_counter() + 15
    while time.perf_counter() < catch_up:
        if all(c.seqs and c.seqs[-1] >= final_seq for c in live if c.live):
            break
        await asyncio.sleep(0.1)
    for client in live:
        check(client, final_seq if client.live else None)
        client.keep_going = False
    await asyncio.gather(*(c.close() for c in live), return_exceptions=True)
    watch.poll()
    return {
        "events_sent": writer.sent,
        "writer_failures": writer.failed,
        "final_seq": final_seq,
        **counts,
        "summary": summarise(samples, args.warmup),
        "log": {
            "warnings": watch.warnings,
            "by_logger": dict(watch.by_logger),
            "first": watch.first,
            "layer_dropped_lines": watch.layer_dropped,
            "layer_missed_lines": watch.layer_missed,
        },
        "errors": storm.errors,
        "error_count": storm.error_count,
        "samples": samples,
    }


def summarise(samples: list[dict], warmup: float) -> dict:
    """First sample after the warm-up against the last one."""
    settled = [s for s in samples if s["t_s"] >= warmup] or samples
    first, last = settled[0], settled[-1]
    rss = [s["rss_mb"] for s in settled]
    summary = {
        "from_t_s": first["t_s"],
        "to_t_s": last["t_s"],
        "rss_mb_first": first["rss_mb"],
        "rss_mb_last": last["rss_mb"],
        "rss_mb_max": max(rss),
        "rss_growth_pct": round((last["rss_mb"] - first["rss_mb"]) / first["rss_mb"] * 100, 1)
        if first["rss_mb"]
        else None,
        "worker_rss_mb_first": first["worker_rss_mb"],
        "worker_rss_mb_last": last["worker_rss_mb"],
        "open_listeners_min": min(s["open_listeners"] for s in settled),
        "open_listeners_max": max(s["open_listeners"] for s in settled),
        "connects": last["connects"] - first["connects"],
        "connects_per_s": round(
            (last["connects"] - first["connects"]) / (last["t_s"] - first["t_s"]), 2
        )
        if last["t_s"] > first["t_s"]
        else None,
        "connect_failures": last["connect_failures"],
        "interval_connect_p95_ms_max": max(
            (s["interval_connect_p95_ms"] for s in settled if s["interval_connect_p95_ms"]),
            default=None,
        ),
        "log_warnings": last["log_warnings"],
        "layer_dropped": last["layer_dropped"],
        "layer_missed": last["layer_missed"],
        "load_1m_min": min(s["load_1m"] for s in settled),
        "load_1m_max": max(s["load_1m"] for s in settled),
    }
    redis = [s["server_redis_connections"] for s in settled]
    if redis[0] is not None:
        summary.update(
            server_redis_connections_first=redis[0],
            server_redis_connections_last=redis[-1],
            server_redis_connections_min=min(redis),
            server_redis_connections_max=max(redis),
            server_redis_connections_stable=redis[-1] - redis[0] <= max(2, redis[0] // 10),
        )
        wide = [s["redis_connected_clients"] for s in settled if s["redis_connected_clients"]]
        if wide:
            summary.update(
                redis_connected_clients_first=wide[0],
                redis_connected_clients_last=wide[-1],
                redis_connected_clients_max=max(wide),
            )
        summary["layer_first"] = first["layer"]
        summary["layer_last"] = last["layer"]
        summary["server_redis_by_last_command_first"] = first["server_redis_by_last_command"]
        summary["server_redis_by_last_command_last"] = last["server_redis_by_last_command"]
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--clients", type=int, default=200, help="listeners connected at once")
    parser.add_argument("--churn", type=int, default=10, help="connects and disconnects per second")
    parser.add_argument("--rate", type=float, default=1.0, help="events per second (one writer)")
    parser.add_argument("--sample", type=float, default=10, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=60, help="seconds before the baseline")
    parser.add_argument("--layer", choices=sorted(room.LAYERS), default="core")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--verbose", action="store_true", help="print each sample on stderr as it comes"
    )
    args = parser.parse_args(argv)
    if args.workers > 1 and args.layer == "memory":
        parser.error("--workers > 1 needs a Redis layer (--layer core or pubsub)")

    env = room.layer_env(common.bench_env("room"), args.layer)
    common.django_setup(env)
    # A pool of participants: the population, plus room for the churn to pick from.
    data = room.seed(args.clients + 1 + args.churn * 20)
    with room.platform(env, args.workers) as (port, process):
        result = {
            "benchmark": "soak",
            "layer": room.LAYERS[args.layer],
            "database": common.database_label(),
            "workers": args.workers,
            "minutes": args.minutes,
            "clients": args.clients,
            "churn_per_s": args.churn,
            "rate_per_s": args.rate,
            "server_log": process.log_path,
        }
        result.update(asyncio.run(soak(args, data, port, process, env)))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

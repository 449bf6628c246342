"""All benchmarks in one run, each checked against its target (``targets`` below).

    python -m bench.run_all --quick          # ~2-3 minutes, small sizes (the CI check)
    python -m bench.run_all                  # full: 10,000 proposals, 1,000 clients, 1,000 voters
    python -m bench.run_all --clients 2000   # any size can be overridden
    python -m bench.run_all --compare-servers --clients 500   # uvicorn vs daphne, room only
    python -m bench.run_all --only room,storm --soak-minutes 30  # + the 30-minute soak (opt-in)

Runs ``bench.board`` (10,000 and 100 proposals), ``bench.room`` (in-memory layer
with its bare ``websockets`` floor, then both channels_redis layers, core and
pub/sub, side by side; full runs then the big room, 2,000 clients, in-memory and
core), ``bench.storm`` (reconnect storm: 1,000 clients dropped,
back with replay; on Redis, two processes), ``bench.votes``
(sustained, open loop: in-memory, one process; Redis, two processes),
``bench.burst`` (« votez maintenant ! »: every voter's ballot within 2 s and
within 30 ms; SQLite in one process, the embedded default, and the run's
database on Redis with two processes; quick: 2 s only) and
``bench.mixed`` (the board idle, then during a room load and a vote load; on
Redis with two processes when Redis is up), ``bench.rooms`` (many rooms at
once, 40 × 50 clients, then one big room of 3,000 with the workers' memory per
connection; two processes on Redis; quick: 4 × 10 and 1 × 100), each in a child process so
that each has its own Django and database, and prints ONE JSON document: the
raw figures of every run, the machine (cores, load average before and after:
other processes share the cores, read the latencies with it) and, for each
target, ``figure``, ``target``, ``met`` and ``ratio``
(figure / target: <= 1 is met for an upper bound).

Exit status: 1 when something was LOST (room events or ballots, ``lost`` > 0,
or clients that could not connect), 2 when a benchmark crashed, 0 otherwise —
never because of a timing: timings depend on the machine and on its load.

Services: PostgreSQL at 127.0.0.1:5432 (database ``BENCH_PG_DB``, default
``agir_h8``, created if missing; ``--sqlite`` to avoid it) and Redis at
``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/8``). Servers listen on
free ports in ``BENCH_PORTS`` (default 8800-8899).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_HOST = "postgres://postgres@127.0.0.1:5432/"


def _ports() -> range:
    first, _sep, last = os.environ.get("BENCH_PORTS", "8800-8899").partition("-")
    return range(int(first), int(last or first) + 1)


# --- child mode: one benchmark module, with this run's ports and server -----------------------


def child(module: str, server: str, argv: list[str]) -> None:
    """Run ``bench.<module>.main(argv)`` with free ports from BENCH_PORTS (and, for the
    room, the ASGI server asked for), printing its JSON on stdout as it does alone."""
    from bench import common

    ports = _ports()
    original_free_port = common.free_port
    common.free_port = lambda _ports=None: original_free_port(ports)  # type: ignore[assignment]
    if module == "room":
        from bench import room

        room.PORTS = ports
        # Servers that fork workers (granian): measure the whole process tree.
        own_cpu, own_rss = room.cpu_seconds, room.rss_mb
        room.cpu_seconds = lambda pid: sum(own_cpu(p) for p in process_tree(pid))
        room.rss_mb = lambda pid: sum(own_rss(p) for p in process_tree(pid))
        original_start = room.start
        profile = os.environ.get("BENCH_PROFILE_DIR")

        def start(command: list[str], env: dict, port: int):
            platform_server = "uvicorn" in command
            if platform_server and server != "uvicorn":
                command = server_command(server, port)
            process = original_start(command, env, port)
            if platform_server and profile:
                name = f"room-{env.get('CHANNEL_LAYER') or 'memory'}-{server}"
                attach_profiler(process.pid, Path(profile) / f"{name}.txt")
            return process

        room.start = start  # type: ignore[assignment]
    elif module in ("votes", "burst"):
        from bench import votes

        votes.PORTS = ports
        profile = os.environ.get("BENCH_PROFILE_DIR")
        if profile:
            # bench.common starts the server with subprocess.Popen: attach py-spy to it.
            def popen(*args, **kwargs):
                process = subprocess.Popen(*args, **kwargs)
                name = f"{module}-{'redis' if os.environ.get('REDIS_URL') else 'memory'}"
                attach_profiler(process.pid, Path(profile) / f"{name}.txt")
                return process

            common.subprocess = types.SimpleNamespace(  # type: ignore[attr-defined]
                Popen=popen, STDOUT=subprocess.STDOUT, TimeoutExpired=subprocess.TimeoutExpired
            )
    import importlib

    importlib.import_module(f"bench.{module}").main(argv)


def attach_profiler(pid: int, output: Path) -> None:
    """py-spy samples ``pid`` and its worker processes until it exits, without pausing it."""
    subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--nonblocking",
            "--subprocesses",
            "--rate",
            "50",
            "--format",
            "raw",
            "--duration",
            "600",
            "--output",
            str(output),
            "--pid",
            str(pid),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue += [int(c) for c in (task / "children").read_text().split()]
    return found


def profile_summary(path: Path, top: int = 12) -> dict:
    """Where the server's time went, from a py-spy ``--format raw`` file (collapsed stacks):
    the functions with the most samples on top of the stack (self), and the share of
    samples under a few areas of interest (inclusive)."""
    areas = {
        "json encode/decode": ("json/", "json.py"),
        "websocket send/recv (uvicorn, websockets)": ("websockets/", "uvicorn/protocols"),
        "channels layer": ("channels/layers", "channels_redis/"),
        "database (Django ORM, drivers)": ("django/db/", "psycopg", "sqlite3"),
        "sync_to_async threads": ("asgiref/sync.py",),
        "realtime hub": ("realtime/hub.py",),
        "realtime consumers": ("realtime/consumers.py", "realtime/actions.py"),
        "waiting in select/epoll": ("selectors.py",),
    }
    total = 0
    self_counts: dict[str, int] = {}
    area_counts = dict.fromkeys(areas, 0)
    for line in path.read_text(errors="replace").splitlines():
        stack, _sep, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaf = frames[-1].split(" (", 1)
        where = leaf[1].rstrip(")") if len(leaf) > 1 else ""
        where = where.split("site-packages/")[-1].split("/work/main/")[-1]
        key = f"{leaf[0]} ({where})"
        self_counts[key] = self_counts.get(key, 0) + n
        for area, needles in areas.items():
            if any(needle in stack for needle in needles):
                area_counts[area] += n
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "project_inclusive_pct": project_inclusive(path, top=top),
        "self_top_pct": {
            k: round(100 * v / total, 1)
            for k, v in sorted(self_counts.items(), key=lambda kv: -kv[1])[:top]
        },
        "inclusive_pct": {k: round(100 * v / total, 1) for k, v in area_counts.items()},
    }


PROJECT_APPS = (
    "accounts/",
    "decisions/",
    "opinions/",
    "ops/",
    "project/",
    "proposals/",
    "realtime/",
    "summaries/",
    "votes/",
    "workshops/",
)


def project_inclusive(path: Path, top: int = 12) -> dict[str, float]:
    """The project's own functions by share of a py-spy raw file's samples, inclusive (a
    function counted once per stack): where the time went, in the code we can change."""
    total = 0
    counts: dict[str, int] = {}
    for line in path.read_text(errors="replace").splitlines():
        stack, _sep, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        total += int(count)
        seen = set()
        for frame in stack.split(";"):
            name, _sep, where = frame.partition(" (")
            where = where.rsplit(":", 1)[0].split("/work/main/")[-1]
            if "site-packages" in where or not where.startswith(PROJECT_APPS):
                continue
            key = f"{name} ({where})"
            if key not in seen:
                seen.add(key)
                counts[key] = counts.get(key, 0) + int(count)
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    return {k: round(100 * v / total, 1) for k, v in ranked} if total else {}


def server_command(server: str, port: int) -> list[str]:
    if server == "daphne":
        # Daphne (autobahn) negotiates no per-message compression unless asked to.
        return [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "-v",
            "0",
            "project.asgi:application",
        ]
    if server == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "project.asgi:application",
        ]
    raise SystemExit(f"unknown server {server}")


# --- parent mode ---------------------------------------------------------------------------------


def ensure_pg_database(name: str) -> bool:
    """Create the PostgreSQL database ``name`` if missing; False when PostgreSQL is away."""
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(PG_HOST + "postgres", autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return False
    return True


def redis_up(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:  # any failure means "not available"
        return False


def run_child(
    module: str, argv: list[str], env: dict[str, str], *, server: str = "uvicorn", timeout: float
) -> dict:
    """One benchmark in a child process; its JSON, or {"crashed": ...}."""
    command = [sys.executable, "-m", "bench.run_all", "--child", module, "--server", server, "--"]
    command += argv
    label = f"{module} {' '.join(argv)} [{server}]"
    print(f"run_all: {label} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"crashed": f"timed out after {timeout:.0f} s", "command": label}
    seconds = round(time.monotonic() - started, 1)
    if done.returncode != 0:
        return {
            "crashed": f"exit status {done.returncode}",
            "stderr_tail": done.stderr[-1500:],
            "command": label,
        }
    try:
        result = json.loads(done.stdout[done.stdout.index("{") :])
    except ValueError:
        return {"crashed": "no JSON on stdout", "stdout_tail": done.stdout[-800:], "command": label}
    result["command"] = f"python -m bench.{module} {' '.join(argv)}"
    result["wall_seconds"] = seconds
    result["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    print(f"run_all: {label} done in {seconds} s", file=sys.stderr, flush=True)
    return result


def target(name: str, figure, limit, *, unit: str = "", upper: bool = True, note: str = "") -> dict:
    """One target: met when ``figure`` <= ``limit`` (or >= for a lower bound)."""
    row: dict = {"target": name, "figure": figure, "limit": limit, "unit": unit}
    if figure is None or limit is None:
        row.update(met=None, ratio=None)
    else:
        row["met"] = figure <= limit if upper else figure >= limit
        row["ratio"] = round(figure / limit, 2) if limit else None
    if note:
        row["note"] = note
    return row


def phone_targets(runs: dict) -> list[dict]:
    """The phone on slow 4G (bench.phone): 1.6 Mbit/s, 150 ms, CPU 4x, through DevTools."""
    phone = runs.get("phone")
    if not phone:
        return []
    if phone.get("crashed"):
        return [target("phone: crashed", None, None)]
    units = {"ms": "ms", "kb": "KB"}
    return [
        target(
            f"phone (slow 4G): {row['target']}",
            row["figure"],
            row["limit"],
            unit=units[row["target"].rsplit("_", 1)[1]],
            note=row.get("note", ""),
        )
        for row in phone["targets"]
    ]


def get(run: dict, key: str):
    return None if run.get("crashed") else run.get(key)


def targets(runs: dict, sizes: dict) -> list[dict]:
    rows: list[dict] = []
    rows += room_targets(runs, sizes)
    rows += votes_targets(runs, sizes)
    rows += burst_targets(runs, sizes)
    big, small = runs.get("board_big", {}), runs.get("board_small", {})
    big_p95 = (get(big, "board") or {}).get("p95_ms")
    small_p95 = (get(small, "board") or {}).get("p95_ms")
    if big:
        rows.append(
            target(f"board p95 with {sizes['proposals']} proposals", big_p95, 100, unit="ms")
        )
    if big and small:
        rows.append(
            target(
                f"board p95 {sizes['proposals']} / 100 proposals",
                round(big_p95 / small_p95, 2) if big_p95 and small_p95 else None,
                1.5,
                unit="x",
            )
        )
    rows += mixed_targets(runs, sizes)
    rows += rooms_targets(runs)
    rows += phone_targets(runs)
    rows += trace_targets(runs)
    rows += storm_targets(runs)
    rows += soak_targets(runs)
    return rows


ROOM_RUNS = (
    ("room_memory", "in-memory"),
    ("room_core", "redis core"),
    ("room_pubsub", "redis pubsub"),
)
# Both channels_redis layers are measured side by side, to keep the
# better one, which is core (the layer REDIS_URL selects: lower p99 in every full run, see
# bench/README.md): pub/sub's rows are figures without a limit, not targets.
COMPARED_ONLY = {"room_pubsub"}
COMPARED_ONLY_NOTE = (
    "informational: CHANNEL_LAYER=pubsub, measured for the comparison; the platform keeps core"
)


# The big room (2,000 clients), full runs only: in-memory and the core layer.
BIG_ROOM_RUNS = (
    ("room_big_memory", "in-memory"),
    ("room_big_core", "redis core"),
)


def room_targets(runs: dict, sizes: dict) -> list[dict]:
    """One room on the in-memory layer and on both channels_redis layers (same sizes, same
    run); each Redis layer's p99 against the in-memory one, and which Redis layer did better.
    Then the big room (``big_clients``), when it ran."""
    rows = room_size_targets(runs, ROOM_RUNS, sizes["clients"], sizes)
    if sizes.get("big_clients"):
        rows += room_size_targets(runs, BIG_ROOM_RUNS, sizes["big_clients"], sizes)
    rows += room_comparison_targets(runs, sizes)
    return rows


def room_size_targets(runs: dict, keys, clients: int, sizes: dict) -> list[dict]:
    """Lost events, broadcast p99, connect p95 and memory per connection, per layer (the
    layers in ``COMPARED_ONLY`` with their figures and no limit but lost events)."""
    rows: list[dict] = []
    p99_limit = 300 if clients >= 2000 else 150
    for key, label in keys:
        room = runs.get(key)
        if not room:
            continue
        compared = key in COMPARED_ONLY

        def limit(value, _compared=compared):
            return None if _compared else value

        def note(text: str, _compared=compared) -> str:
            return "; ".join(filter(None, (text, COMPARED_ONLY_NOTE if _compared else "")))

        clients = get(room, "clients") or clients
        rows.append(target(f"room {label}: lost events ({clients} clients)", get(room, "lost"), 0))
        rows.append(
            target(
                f"room {label}: broadcast p99 at {clients} clients",
                get(room, "broadcast_p99_ms"),
                limit(p99_limit),
                unit="ms",
                note=note("issue: <= 150 ms at 1,000 clients, <= 300 ms at 2,000"),
            )
        )
        rows.append(
            target(
                f"room {label}: connect p95, {sizes['arrival']:.0f} arrivals/s",
                get(room, "connect_p95_ms"),
                limit(250),
                unit="ms",
                note=note(""),
            )
        )
        rss = get(room, "server_rss_mb")
        connected = get(room, "connected")
        rows.append(
            target(
                f"room {label}: server memory per connection",
                round(rss * 1024 / connected, 1) if rss and connected else None,
                limit(150) if clients >= 2000 else None,
                unit="KiB",
                note=note(
                    "whole server RSS / connections (idle process included: an upper bound)"
                    + (
                        ""
                        if clients >= 2000
                        else "; informational: the target is 150 KiB for 2,000 clients"
                    )
                ),
            )
        )
    return rows


def room_comparison_targets(runs: dict, sizes: dict) -> list[dict]:
    """At the usual size: CPU against the bare floor, Redis layers against in-memory."""
    rows: list[dict] = []
    clients = sizes["clients"]
    memory = runs.get("room_memory")
    if memory:
        rows.append(
            target(
                "room in-memory: server CPU per delivered message / bare websockets floor",
                get(memory, "ratio_cpu_per_delivery"),
                7,
                unit="x",
            )
        )
    measured = {}
    for key, label in ROOM_RUNS[1:]:
        room = runs.get(key)
        if not (memory and room):
            continue
        a, b = get(room, "broadcast_p99_ms"), get(memory, "broadcast_p99_ms")
        rows.append(
            target(
                f"room: {label} p99 / in-memory p99 at {clients} clients",
                round(a / b, 2) if a and b else None,
                None if key in COMPARED_ONLY else 2,
                unit="x",
                note=f"{a} ms / {b} ms"
                + (f"; {COMPARED_ONLY_NOTE}" if key in COMPARED_ONLY else ""),
            )
        )
        if a:
            measured[label] = (a, get(room, "server_cpu_us_per_delivery"))
    if len(measured) == 2:
        (best, (p99, cpu)), (other, (p99_other, cpu_other)) = sorted(
            measured.items(), key=lambda kv: kv[1][0]
        )
        rows.append(
            target(
                f"room: the better Redis layer at {clients} clients (lower broadcast p99)",
                best,
                None,
                note=f"p99 {p99} ms vs {p99_other} ms ({other}); server CPU per delivered "
                f"message {cpu} vs {cpu_other} µs; one run on a shared machine: read it with "
                "the load average",
            )
        )
    return rows


def storm_targets(runs: dict) -> list[dict]:
    """Reconnect storm (bench.storm): everyone dropped, back with replay within 30 s."""
    rows: list[dict] = []
    for key, run in runs.items():
        if not key.startswith("storm"):
            continue
        n, label = run.get("clients"), f"{run.get('layer')}, {run.get('workers')} worker(s)"
        if run.get("crashed"):
            rows.append(target(f"reconnect storm ({key}): crashed", None, None))
            continue
        rows.append(
            target(
                f"reconnect storm {label}: {n} clients dropped, all back with replay",
                run.get("all_back_s"),
                30,
                unit="s",
                note=f"reconnects spread over {run.get('spread_s')} s ({run.get('drop')} drop); "
                f"per client back p95 {run.get('back_p95_s')} s, server part (reconnect to "
                f"ready) p95 {run.get('reconnect_p95_ms')} ms; {run.get('not_back')} not back, "
                f"{run.get('resyncs')} resyncs, {run.get('duplicates')} duplicates, "
                f"{run.get('retries')} retries",
            )
        )
        rows.append(target(f"reconnect storm {label}: lost events", run.get("lost"), 0))
    return rows


def soak_targets(runs: dict) -> list[dict]:
    """The soak (bench.soak): opt-in, ``--soak-minutes``."""
    soak = runs.get("soak")
    if not soak:
        return [
            target(
                "soak at 10 connects + 10 disconnects/s: memory growth, Redis clients, "
                "layer warnings",
                None,
                None,
                note="not run: opt-in, --soak-minutes 30 (figures in bench/README.md)",
            )
        ]
    if soak.get("crashed"):
        return [target("soak: crashed", None, None)]
    summary = soak.get("summary") or {}
    label = f"soak {soak.get('minutes')} min, {soak.get('layer')}, {soak.get('workers')} workers"
    first, last = (
        summary.get("server_redis_connections_first"),
        summary.get("server_redis_connections_last"),
    )
    return [
        target(
            f"{label}: server memory growth",
            summary.get("rss_growth_pct"),
            10,
            unit="%",
            note=f"RSS {summary.get('rss_mb_first')} -> {summary.get('rss_mb_last')} MB "
            f"(max {summary.get('rss_mb_max')}), from t={summary.get('from_t_s')} s; "
            f"{summary.get('connects_per_s')} connects/s",
        ),
        target(
            f"{label}: Redis connections of the server, last - first",
            last - first if first is not None and last is not None else None,
            max(2, (first or 0) // 10),
            unit="",
            note=f"{first} -> {last} (min {summary.get('server_redis_connections_min')}, "
            f"max {summary.get('server_redis_connections_max')}); layer in Redis "
            f"{summary.get('layer_first')} -> {summary.get('layer_last')}",
        ),
        target(
            f"{label}: dropped-message warnings from the layer",
            summary.get("layer_dropped"),
            0,
            note=f"{summary.get('layer_missed')} times the hub read from the database events "
            "not (yet) brought by the layer; "
            f"{summary.get('log_warnings')} warning lines in the server log",
        ),
        target(f"{label}: lost events", soak.get("lost"), 0),
    ]


def votes_targets(runs: dict, sizes: dict) -> list[dict]:
    """The sustained vote load (bench.votes --rate): 500 ballots/s for 60 s, 1,000 voters."""
    rows: list[dict] = []
    rate, seconds, voters = sizes["vote_rate"], sizes["vote_duration"], sizes["voters"]
    for label in ("votes_memory", "votes_redis"):
        votes = runs.get(label)
        if not votes:
            continue
        setup = label.split("_", 1)[1]
        rows.append(
            target(
                f"votes {setup}: lost ballots",
                get(votes, "lost"),
                0,
                note="voters whose stored ballot is not the last one acked",
            )
        )
        offered = f"{rate:g}/s offered for {seconds:g} s, {voters} voters"
        sent, acked = get(votes, "ballots_sent"), get(votes, "ballots")
        rows.append(
            target(
                f"votes {setup}: ballots not acked ({offered})",
                sent - acked if sent is not None and acked is not None else None,
                0,
                note=f"{acked} of {sent} acked; client sent {get(votes, 'send_rate_achieved')}/s "
                f"(open loop), {get(votes, 'acked_per_s')}/s acked from the first send to the "
                "last ack; issue: 500/s for 60 s with 1,000 clients",
            )
        )
        rows.append(
            target(
                f"votes {setup}: send rate the client achieved",
                get(votes, "send_rate_achieved"),
                round(rate * 0.99, 1),
                unit="/s",
                upper=False,
                note="the load is valid only if the client offered the rate (>= 99 %)",
            )
        )
        rows.append(target(f"votes {setup}: ack p95", get(votes, "ack_p95_ms"), 100, unit="ms"))
        rows.append(
            target(
                f"votes {setup}: tally visible p99",
                get(votes, "tally_visible_p99_ms"),
                500,
                unit="ms",
            )
        )
    return rows


BURST_SETUPS = (
    ("sqlite", "SQLite, one process"),
    ("redis", "Redis, 2 workers"),
)
BURST_WINDOWS = (("2s", 2.0), ("30ms", 0.03))


def burst_targets(runs: dict, sizes: dict) -> list[dict]:
    """« Votez maintenant ! » (bench.burst): every voter casts a majority-judgment ballot
    within the window. The 2 s window is the target; 30 ms is the extreme, reported."""
    rows: list[dict] = []
    for setup, setup_label in BURST_SETUPS:
        for window_label, _window in BURST_WINDOWS:
            burst = runs.get(f"burst_{setup}_{window_label}")
            if not burst:
                continue
            label = f"burst {setup_label}, {sizes['voters']} voters in {window_label}"
            extreme = window_label != "2s"
            note = "the extreme, reported (the target is the 2 s window)" if extreme else ""
            rows.append(
                target(
                    f"{label}: lost ballots",
                    get(burst, "lost"),
                    0,
                    note="voters whose stored ballot is not the one acked",
                )
            )
            rows.append(
                target(
                    f"{label}: ballots not acked",
                    get(burst, "not_acked"),
                    0,
                    note=f"{get(burst, 'ballots')} of {get(burst, 'ballots_sent')} acked",
                )
            )
            rows.append(
                target(
                    f"{label}: ack p95",
                    get(burst, "ack_p95_ms"),
                    None if extreme else 300,
                    unit="ms",
                    note=note,
                )
            )
            rows.append(
                target(
                    f"{label}: final tally on every screen after the last ballot",
                    get(burst, "final_tally_after_last_send_ms"),
                    None if extreme else 1000,
                    unit="ms",
                    note=f"slowest of {get(burst, 'screens')} screens "
                    f"({get(burst, 'screens_final')} got the final tally); "
                    f"{get(burst, 'final_tally_after_last_ack_ms')} ms after the last ack"
                    + (f"; {note}" if note else ""),
                )
            )
    return rows


def mixed_targets(runs: dict, sizes: dict) -> list[dict]:
    """The plenary stacked (bench.mixed): the room, the votes and the board at once, against
    issue 21's absolute targets; the board's loaded / idle ratio is reported, not a target
    (its idle figure is a cache hit)."""
    mixed = runs.get("mixed")
    if not mixed:
        return []
    room, votes = get(mixed, "room") or {}, get(mixed, "votes") or {}
    loads = (
        f"{room.get('connected')} room clients at {room.get('rate_offered')} actions/s, "
        f"{votes.get('voters')} voters at {votes.get('rate_offered')} ballots/s offered "
        f"({votes.get('acked_per_s')}/s acked)"
    )
    idle = (get(mixed, "board_idle") or {}).get("p95_ms")
    loaded = (get(mixed, "board_loaded") or {}).get("p95_ms")
    load = f"load average {get(mixed, 'load_average_1m')} at the end"
    return [
        target(
            "mixed: room broadcast p99 during the vote load",
            room.get("broadcast_p99_ms"),
            250,
            unit="ms",
            note=f"{loads}; {load}",
        ),
        target("mixed: vote ack p95 during the room load", votes.get("ack_p95_ms"), 100, unit="ms"),
        target("mixed: tally visible p99", votes.get("tally_visible_p99_ms"), 500, unit="ms"),
        target(
            "mixed: board p95 during room and vote loads",
            loaded,
            100,
            unit="ms",
            note=f"idle {idle} ms",
        ),
        target(
            "mixed: board p95 loaded / idle",
            get(mixed, "ratio_p95"),
            None,
            unit="x",
            note="informational (issue 21 retired the 1.5x target: the idle figure is a cache hit)",
        ),
        target("mixed: lost room events and ballots", get(mixed, "lost"), 0),
    ]


ROOMS_RUNS = (("rooms_many", "many rooms"), ("rooms_big", "one big room"))


def rooms_targets(runs: dict) -> list[dict]:
    """Many rooms at once and one big room (bench.rooms): its own target rows (lost, worst
    room p99, starvation, memory per connection), or a crash."""
    rows: list[dict] = []
    for key, label in ROOMS_RUNS:
        run = runs.get(key)
        if not run:
            continue
        if run.get("crashed"):
            rows.append(target(f"{label} ({key}): crashed", None, None))
            continue
        load = (run.get("load_average") or {}).get("load")
        for row in run.get("targets") or []:
            row = dict(row)
            extra = f"load average {load} during the load"
            row["note"] = "; ".join(filter(None, (row.get("note"), extra)))
            rows.append(row)
    return rows


def trace_targets(runs: dict) -> list[dict]:
    """The decision trace page (bench.trace): p95 by number of source proposals."""
    run = runs.get("trace")
    if not run:
        return []
    if run.get("crashed"):
        return [target("trace: crashed", None, None)]
    rows = []
    for size, figures in (run.get("sizes") or {}).items():
        page = figures.get("page") or {}
        limit = TRACE_TARGETS_MS.get(int(size))
        rows.append(
            target(
                f"trace page p95 with {size} sources",
                page.get("p95_ms"),
                limit,
                unit="ms",
                note=(
                    f"p50 {page.get('p50_ms')} ms, {page.get('errors')} errors; page CPU "
                    f"in-process {figures.get('page_cpu_ms')} ms, "
                    f"{figures.get('page_queries')} queries"
                    + ("" if limit else "; informational: no target at this size")
                ),
            )
        )
    return rows


# bench.trace's targets (p95 of the page, ms, by sources).
TRACE_TARGETS_MS = {1000: 200, 10000: 500}


def lost_total(runs: dict) -> int:
    total = 0
    for name, run in runs.items():
        if name.startswith(
            ("room", "votes", "burst", "server_", "mixed", "storm", "soak")
        ) and not run.get("crashed"):
            total += int(run.get("lost") or 0)
    return total


def run_room(
    runs: dict,
    room_args: list[str],
    env: dict,
    redis_url: str | None,
    budget: float,
    sizes: dict,
) -> None:
    """The room on the in-memory layer (with its bare websockets floor), then on both
    channels_redis layers: the same clients and load, one process each."""
    runs["room_memory"] = run_child("room", room_args, env, timeout=budget * 2)
    if redis_url:
        for layer in ("core", "pubsub"):
            runs[f"room_{layer}"] = run_child(
                "room",
                [*room_args, "--layer", layer, "--no-baseline"],
                {**env, "REDIS_URL": redis_url},
                timeout=budget,
            )
    big = sizes.get("big_clients")
    if big:
        big_args = [*room_args, "--no-baseline"]
        big_args[big_args.index("--clients") + 1] = str(big)
        big_budget = budget * big / sizes["clients"]
        runs["room_big_memory"] = run_child("room", big_args, env, timeout=big_budget * 2)
        if redis_url:
            runs["room_big_core"] = run_child(
                "room",
                [*big_args, "--layer", "core"],
                {**env, "REDIS_URL": redis_url},
                timeout=big_budget * 2,
            )


def run_rooms(runs: dict, sizes: dict, env: dict, redis_url: str | None) -> None:
    """Many rooms (``rooms`` × ``room_clients``, 1 idea/s each), then one big room
    (``big_room_clients``, 2 actions/s): two workers on the Redis core layer as deployed,
    else one process in memory."""
    argv = ["--duration", str(sizes["rooms_duration"]), "--arrival", str(sizes["arrival"])]
    if redis_url:
        env = {**env, "REDIS_URL": redis_url}
        argv += ["--workers", "2", "--layer", "core"]
    else:
        argv += ["--workers", "1", "--layer", "memory"]
    profile = env.get("BENCH_PROFILE_DIR")
    if profile:
        argv += ["--profile", profile]
    many = ["--rooms", str(sizes["rooms"]), "--clients", str(sizes["room_clients"])]
    clients = sizes["rooms"] * sizes["room_clients"]
    # Seeding (a workshop and its poll per room), connecting, the load, 15 s of draining.
    budget = 240 + sizes["rooms"] * 5 + clients * 0.1 + sizes["rooms_duration"] * 2
    runs["rooms_many"] = run_child("rooms", [*many, *argv], env, timeout=budget)
    if sizes.get("big_room_clients"):
        big = ["--rooms", "1", "--clients", str(sizes["big_room_clients"])]
        big += ["--rate", "2", "--no-votes"]
        budget = 240 + sizes["big_room_clients"] * 0.1 + sizes["rooms_duration"] * 2
        runs["rooms_big"] = run_child("rooms", [*big, *argv], env, timeout=budget)


def run_trace(runs: dict, quick: bool, env: dict, redis_url: str | None) -> None:
    """The decision trace page at 1,000 and 10,000 sources (quick: 200), as deployed: two
    workers and the Redis cache when there is Redis, else one process."""
    sizes = ["200"] if quick else ["1000", "10000"]
    argv = ["--sizes", *sizes, "--requests", "20" if quick else "100", "--no-api"]
    if redis_url:
        env = {**env, "REDIS_URL": redis_url}
        argv += ["--workers", "2"]
    runs["trace"] = run_child("trace", argv, env, timeout=600 if quick else 2400)


def run_storm(runs: dict, sizes: dict, env: dict, redis_url: str | None, quick: bool) -> None:
    """Reconnect storm: every client aborts its connection, all reconnect within 10 s with
    since=. On Redis with two workers (both layers; quick: the core layer only), else one
    process in memory."""
    argv = ["--clients", str(sizes["storm_clients"]), "--spread", "10"]
    argv += ["--arrival", str(sizes["arrival"]), "--before", "3" if quick else "5"]
    budget = 240 + sizes["storm_clients"] * 0.2
    if not redis_url:
        runs["storm_memory"] = run_child("storm", argv, env, timeout=budget)
        return
    for layer in ("core",) if quick else ("core", "pubsub"):
        runs[f"storm_{layer}"] = run_child(
            "storm",
            [*argv, "--layer", layer, "--workers", "2"],
            {**env, "REDIS_URL": redis_url},
            timeout=budget,
        )


def run_soak(runs: dict, args, env: dict, redis_url: str | None) -> None:
    """The soak (opt-in): 10 connects and 10 disconnects per second for --soak-minutes."""
    argv = [
        "--minutes",
        str(args.soak_minutes),
        "--layer",
        args.soak_layer if redis_url else "memory",
    ]
    argv += ["--workers", "2" if redis_url else "1"]
    env = {**env, "REDIS_URL": redis_url} if redis_url else env
    runs["soak"] = run_child("soak", argv, env, timeout=args.soak_minutes * 60 + 600)


def run_votes(runs: dict, sizes: dict, env: dict, redis_url: str | None) -> None:
    """Sustained votes (open loop): in-memory layer, one process; Redis, two processes."""
    argv = ["--voters", str(sizes["voters"]), "--rate", str(sizes["vote_rate"])]
    argv += ["--duration", str(sizes["vote_duration"])]
    # Connecting, the load, up to 60 s of draining the acks, the final tally.
    budget = 120 + sizes["voters"] * 0.1 + sizes["vote_duration"] * 2
    runs["votes_memory"] = run_child("votes", argv, env, timeout=budget)
    if redis_url:
        runs["votes_redis"] = run_child(
            "votes", [*argv, "--workers", "2"], {**env, "REDIS_URL": redis_url}, timeout=budget
        )


def run_burst(
    runs: dict, sizes: dict, sqlite_env: dict, env: dict, redis_url: str | None, quick: bool
) -> None:
    """Bursts: SQLite in one process (the embedded default), then the run's database on
    Redis with two processes; the 2 s window and the 30 ms extreme (quick: 2 s only)."""
    voters = sizes["voters"]
    budget = 120 + voters * 0.15
    windows = BURST_WINDOWS[:1] if quick else BURST_WINDOWS
    for window_label, window in windows:
        argv = ["--voters", str(voters), "--window", str(window)]
        runs[f"burst_sqlite_{window_label}"] = run_child("burst", argv, sqlite_env, timeout=budget)
        if redis_url:
            runs[f"burst_redis_{window_label}"] = run_child(
                "burst",
                [*argv, "--workers", "2"],
                {**env, "REDIS_URL": redis_url},
                timeout=budget,
            )


def run_mixed(runs: dict, sizes: dict, env: dict, redis_url: str | None) -> None:
    """The board idle, then during the room and vote loads, on the board's database (its
    proposals are already there): Redis and two processes as deployed, else in-memory."""
    argv = ["--proposals", str(sizes["proposals"]), "--clients", str(sizes["clients"])]
    argv += ["--arrival", str(sizes["arrival"]), "--voters", str(sizes["voters"])]
    argv += ["--vote-rate", str(sizes["vote_rate"]), "--duration", str(sizes["duration"])]
    if redis_url:
        env = {**env, "REDIS_URL": redis_url}
        argv += ["--workers", "2"]
    if env.get("BENCH_PROFILE_DIR"):
        argv += ["--profile", env["BENCH_PROFILE_DIR"]]
    # Filling the database (only when the board run did not), connecting, both phases,
    # up to 60 s of draining the acks.
    budget = 240 + sizes["clients"] * 0.2 + sizes["duration"] * 3 + sizes["proposals"] * 0.05
    runs["mixed"] = run_child("mixed", argv, env, timeout=budget)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, ~2-3 minutes")
    parser.add_argument("--clients", type=int, help="room clients (full 1000, quick 150)")
    parser.add_argument(
        "--big-clients",
        type=int,
        help="the big room's clients, in-memory and core layer (full 2000, quick 0: not run)",
    )
    parser.add_argument("--duration", type=float, help="room load seconds (full 20, quick 8)")
    parser.add_argument("--arrival", type=float, default=100.0, help="room clients per second")
    parser.add_argument("--voters", type=int, help="voters (full 1000, quick 150)")
    parser.add_argument("--vote-rate", type=float, help="ballots/s offered (full 500, quick 50)")
    parser.add_argument("--vote-duration", type=float, help="vote load seconds (full 60, quick 6)")
    parser.add_argument("--proposals", type=int, help="board proposals (full 10000, quick 600)")
    parser.add_argument("--requests", type=int, help="requests per board page")
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated subset of board,room,votes,burst,mixed,rooms,storm,phone "
        "(default: all; --quick leaves the phone out: it collects the static files first)",
    )
    parser.add_argument("--rooms", type=int, help="bench.rooms: rooms (full 40, quick 4)")
    parser.add_argument(
        "--room-clients", type=int, help="bench.rooms: clients per room (full 50, quick 10)"
    )
    parser.add_argument(
        "--rooms-duration", type=float, help="bench.rooms: load seconds (full 60, quick 8)"
    )
    parser.add_argument(
        "--big-room-clients",
        type=int,
        help="bench.rooms: one room of this many clients, 2 workers (full 3000, quick 100; "
        "0: not run)",
    )
    parser.add_argument(
        "--storm-clients", type=int, help="reconnect storm clients (full 1000, quick 150)"
    )
    parser.add_argument(
        "--soak-minutes", type=float, help="also run bench.soak this long (opt-in; issue: 30)"
    )
    parser.add_argument(
        "--soak-layer", default="core", choices=["core", "pubsub"], help="the soak's Redis layer"
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite files, no PostgreSQL")
    parser.add_argument(
        "--compare-servers",
        action="store_true",
        help="room benchmark (in-memory layer) under uvicorn and daphne (and granian if installed)",
    )
    parser.add_argument("--out", help="also write the JSON to this file")
    parser.add_argument(
        "--profile",
        help="directory: py-spy samples each room server (needs py-spy, the dev extra); "
        "the JSON gets a summary of where the time goes",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--server", default="uvicorn", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.server, args.rest)
        return 0

    quick = args.quick
    sizes = {
        "clients": args.clients or (150 if quick else 1000),
        "big_clients": args.big_clients if args.big_clients is not None else (0 if quick else 2000),
        "duration": args.duration or (8 if quick else 20),
        "arrival": args.arrival,
        "voters": args.voters or (150 if quick else 1000),
        "vote_rate": args.vote_rate or (50 if quick else 500),
        "vote_duration": args.vote_duration or (6 if quick else 60),
        "proposals": args.proposals or (600 if quick else 10_000),
        "requests": args.requests or (100 if quick else 300),
        "storm_clients": args.storm_clients or (150 if quick else 1000),
        "rooms": args.rooms or (4 if quick else 40),
        "room_clients": args.room_clients or (10 if quick else 50),
        "rooms_duration": args.rooms_duration or (8 if quick else 60),
        "big_room_clients": args.big_room_clients
        if args.big_room_clients is not None
        else (100 if quick else 3000),
    }
    everything = "board,room,votes,burst,mixed,rooms,storm,trace" + ("" if quick else ",phone")
    only = set((args.only or everything).split(","))
    base_env = dict(os.environ)
    base_env.pop("DATABASE_URL", None)
    base_env.pop("REDIS_URL", None)
    base_env.setdefault("DB_CONN_MAX_AGE", "60")
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        base_env["BENCH_PROFILE_DIR"] = str(Path(args.profile).resolve())
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    pg_db = os.environ.get("BENCH_PG_DB", "agir_h8")
    use_pg = not args.sqlite and ensure_pg_database(pg_db)
    have_redis = redis_up(redis_url)
    tmp = Path(tempfile.gettempdir())
    scale = "quick" if quick else "full"

    def db_env(suffix: str) -> dict[str, str]:
        env = dict(base_env)
        if use_pg:
            name = f"{pg_db}_{suffix}" if suffix else pg_db
            ensure_pg_database(name)
            env["DATABASE_URL"] = PG_HOST + name
        else:
            env["BENCH_SQLITE_PATH"] = str(tmp / f"agir-run-all-{scale}-{suffix or 'main'}.sqlite3")
        return env

    started = time.monotonic()
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "database": "postgresql" if use_pg else "sqlite",
        "redis": redis_url if have_redis else None,
    }
    runs: dict[str, dict] = {}
    room_args = [
        "--clients",
        str(sizes["clients"]),
        "--duration",
        str(sizes["duration"]),
        "--arrival",
        str(sizes["arrival"]),
    ]
    budget = 60 + sizes["clients"] / 10 + sizes["duration"] * 3 + sizes["clients"] * 0.3

    if args.compare_servers:
        servers = ["uvicorn", "daphne"]
        try:
            import granian  # noqa: F401

            servers.append("granian")
        except ImportError:
            pass
        env = db_env("live")
        for i, server in enumerate(servers):
            extra = [] if i == 0 else ["--no-baseline"]
            runs[f"server_{server}"] = run_child(
                "room", room_args + extra, env, server=server, timeout=budget * 2
            )
        document = {
            "benchmark": "asgi servers, room (in-memory layer)",
            "sizes": sizes,
            "machine": machine,
            "runs": runs,
        }
    else:
        if "board" in only:

            def board_env(suffix: str) -> dict[str, str]:
                # As deployed (`make serve` needs REDIS_URL): the board's cache is Redis.
                env = db_env(suffix)
                if have_redis:
                    env["REDIS_URL"] = redis_url
                return env

            runs["board_big"] = run_child(
                "board",
                ["--proposals", str(sizes["proposals"]), "--requests", str(sizes["requests"])],
                board_env(""),
                timeout=1800,
            )
            runs["board_small"] = run_child(
                "board",
                ["--proposals", "100", "--requests", str(sizes["requests"])],
                board_env("board100"),
                timeout=600,
            )
        if "room" in only:
            run_room(
                runs, room_args, db_env("live"), redis_url if have_redis else None, budget, sizes
            )
        if "storm" in only:
            run_storm(runs, sizes, db_env("live"), redis_url if have_redis else None, quick)
        if args.soak_minutes:
            run_soak(runs, args, db_env("live"), redis_url if have_redis else None)
        if "votes" in only:
            run_votes(runs, sizes, db_env("live"), redis_url if have_redis else None)
        if "burst" in only:
            sqlite_env = dict(base_env)
            sqlite_env["BENCH_SQLITE_PATH"] = str(tmp / f"agir-run-all-{scale}-burst.sqlite3")
            run_burst(
                runs,
                sizes,
                sqlite_env,
                db_env("live"),
                redis_url if have_redis else None,
                quick,
            )
        if "mixed" in only:
            run_mixed(runs, sizes, db_env(""), redis_url if have_redis else None)
        if "rooms" in only:
            run_rooms(runs, sizes, db_env("live"), redis_url if have_redis else None)
        if "trace" in only:
            run_trace(runs, quick, db_env("trace"), redis_url if have_redis else None)
        if "phone" in only:
            # The embedded default (SQLite, one process): the phone's figures are the
            # network's and the browser's; bench.phone alone runs the deployed shape too.
            runs["phone"] = run_child("phone", [], dict(base_env), timeout=900)
        document = {
            "benchmark": "run_all",
            "scale": scale,
            "sizes": sizes,
            "machine": machine,
            "targets": targets(runs, sizes),
            "runs": runs,
        }
    if args.profile:
        time.sleep(3)  # py-spy writes its file once the server it sampled has exited
        document["profiles"] = {
            path.stem: profile_summary(path) for path in sorted(Path(args.profile).glob("*.txt"))
        }
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    machine["wall_seconds"] = round(time.monotonic() - started, 1)
    lost = lost_total(runs)
    crashed = sorted(name for name, run in runs.items() if run.get("crashed"))
    document["lost"] = lost
    document["crashed"] = crashed
    text = json.dumps(document, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    if lost:
        print(f"run_all: {lost} events or ballots LOST", file=sys.stderr)
        return 1
    if crashed:
        print(f"run_all: crashed: {', '.join(crashed)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

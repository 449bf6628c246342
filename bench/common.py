"""Shared benchmark helpers: a database, a real server, HTTP latencies, query counts, a baseline.

Every benchmark prints JSON and reports, next to its own figures, the requests
per second of a trivial Django view served by the same server in the same run
(``baseline_rps``), so that figures compare across machines.

    from bench import common

    env = common.bench_env()                    # DATABASE_URL, or a SQLite file of its own
    common.django_setup(env)                     # Django in this process, same database
    with common.server(env) as base_url:         # uvicorn on a free port in 8100-8199
        stats = common.measure(base_url, ["/propositions/"], requests=300, concurrency=4)
        rps = common.baseline_rps(base_url)
    common.count_queries("/propositions/")       # queries of one request, in-process

``--target URL`` style runs use ``measure`` against any running server; the
trivial view then needs the server started with ``bench.common:bench_asgi_app``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL_PATH = "/__bench__/trivial"
PORT_RANGE = range(8100, 8200)
SETTINGS = "project.settings_test"


# --- environment and Django -------------------------------------------------------------


def bench_env(name: str = "bench") -> dict[str, str]:
    """The environment of the benchmark (this process and its server): the configured
    PostgreSQL (``DATABASE_URL``) or a SQLite file kept between runs (``BENCH_SQLITE_PATH``)."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    env.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
    env["DEBUG"] = "0"
    # One cache for the benchmark and every worker of its server, as deployed: the test
    # settings otherwise prefix the cache keys per process, and with two workers the board's
    # generation, the sessions, the rate limits and the vote coalescer's keys were each
    # worker's own (``bench.room.layer_env`` runs use ``BENCH_LAYER_PREFIX`` instead).
    env.setdefault("TEST_CACHE_PREFIX", f"agir-bench-{name}-{os.getpid()}")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    for key in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        env[key] = "0"
    if not env.get("DATABASE_URL"):
        env.setdefault(
            "SQLITE_PATH",
            env.get("BENCH_SQLITE_PATH")
            or str(Path(tempfile.gettempdir()) / f"agir-{name}.sqlite3"),
        )
    return env


def django_setup(env: dict[str, str], *, migrate: bool = True) -> None:
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def database_label() -> str:
    from django.db import connection

    return f"{connection.vendor}:{connection.settings_dict['NAME']}"


# --- servers ------------------------------------------------------------------------------


def free_port(ports: range = PORT_RANGE) -> int:
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def bench_asgi_app():
    """The project's ASGI application plus the trivial view (uvicorn ``--factory``)."""
    from django.conf import settings

    from project.asgi import application

    settings.ROOT_URLCONF = "bench.common"
    return application


def trivial(request):
    """Full middleware stack, no database, no template: the baseline of a request."""
    from django.http import HttpResponse

    return HttpResponse(b"ok", content_type="text/plain")


def __getattr__(name: str):
    # ``urlpatterns`` is built lazily so importing this module never needs Django settings.
    if name == "urlpatterns":
        from django.urls import include, path

        return [path(TRIVIAL_PATH.lstrip("/"), trivial), path("", include("project.urls"))]
    raise AttributeError(name)


@contextlib.contextmanager
def server(
    env: dict[str, str], *, workers: int = 1, port: int | None = None, site_url: str = ""
) -> Iterator[str]:
    """A uvicorn server on the benchmark database; yields its base URL.

    ``site_url``: the address the clients use (a proxy's), by default the server's own:
    its room socket accepts that origin only."""
    port = port or free_port()
    # /metrics of every worker process (prometheus_client multiprocess mode), scraped once
    # the benchmark is done: its counters should match what the benchmark measured.
    metrics_dir = tempfile.mkdtemp(prefix="agir-bench-metrics-")
    env = {
        **env,
        "SITE_URL": site_url or f"http://127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    log = tempfile.NamedTemporaryFile(prefix="agir-bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.common:bench_asgi_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process, log.name)
        yield base_url
        scrape_metrics(base_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)


METRICS_TOKEN = "bench-metrics-token"  # a local benchmark server's
METRICS_SHOWN = (
    "agir_ballots_total",
    "agir_room_events_total",
    "agir_room_frames_delivered_total",
    "agir_room_frames_replayed_total",
    "agir_room_resyncs_total",
    "agir_room_events_recovered_total",
    "agir_tasks_total",
    "agir_http_request_duration_seconds_count",
    "agir_db_roundtrip_seconds",
    "agir_redis_roundtrip_seconds",
)


def scrape_metrics(base_url: str) -> str:
    """Scrape the server's /metrics, keep it in a file, print the series the benchmarks count."""
    request = urllib.request.Request(  # our own benchmark server
        base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
    except OSError as exc:
        print(f"metrics: scrape failed: {exc}", file=sys.stderr)
        return ""
    out = Path(tempfile.gettempdir()) / f"agir-bench-metrics-{base_url.rsplit(':', 1)[-1]}.prom"
    out.write_text(text)
    totals: dict[str, float] = {}
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in METRICS_SHOWN:
            totals[name] = totals.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    shown = ", ".join(f"{k}={v:g}" for k, v in totals.items())
    print(f"metrics scrape ({out}): {shown}", file=sys.stderr)
    return text


def wait_until_up(
    base_url: str, process: subprocess.Popen | None = None, log: str = "", timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"server exited early:\n{Path(log).read_text(errors='replace') if log else ''}"
            )
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{base_url} did not answer /healthz in time")


# --- measuring ------------------------------------------------------------------------------


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


class _Client:
    """One keep-alive connection with its own cookies (a returning visitor)."""

    def __init__(self, base_url: str, headers: dict[str, str] | None):
        parsed = urllib.parse.urlsplit(base_url)
        self.host, self.port = parsed.hostname, parsed.port
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def get(self, path: str) -> tuple[int, float]:
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            return 599, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, elapsed

    def close(self) -> None:
        self.connection.close()


def measure(
    base_url: str,
    paths: list[str],
    *,
    requests: int = 200,
    concurrency: int = 4,
    warmup: int = 5,
    headers: dict[str, str] | None = None,
) -> dict:
    """GET ``paths`` in turn, ``requests`` times in all over ``concurrency`` connections.

    Returns latency percentiles in milliseconds, requests per second over the
    wall time, and the number of non-200 answers."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_worker = [
        requests // concurrency + (1 if i < requests % concurrency else 0)
        for i in range(concurrency)
    ]
    clients = [_Client(base_url, headers) for _ in range(concurrency)]
    for client in clients:
        for i in range(warmup):
            client.get(paths[i % len(paths)])

    def work(index: int) -> None:
        nonlocal errors
        client = clients[index]
        mine, bad = [], 0
        for i in range(per_worker[index]):
            status, elapsed = client.get(paths[(i + index) % len(paths)])
            mine.append(elapsed)
            bad += status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    for client in clients:
        client.close()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "concurrency": concurrency,
        "p50_ms": round(_percentile(ordered, 50) * 1000, 2),
        "p95_ms": round(_percentile(ordered, 95) * 1000, 2),
        "p99_ms": round(_percentile(ordered, 99) * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else None,
        "rps": round(len(ordered) / wall, 1) if wall else None,
        "errors": errors,
    }


def baseline_rps(base_url: str, *, requests: int = 1000, concurrency: int = 4) -> float:
    """Requests per second of the trivial view on this server (same concurrency as the run)."""
    return measure(base_url, [TRIVIAL_PATH], requests=requests, concurrency=concurrency)["rps"]


def count_queries(path: str, *, headers: dict[str, str] | None = None, user=None) -> int:
    """Database queries of one GET, in this process on the same database (after a warm-up
    request, so that one-off work such as creating the visitor's session is not counted)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    )
    if user is not None:
        client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return len(captured.captured_queries)


# --- ports and server processes (room, storm, soak) ------------------------------------------


def bench_ports(default: range) -> range:
    """``BENCH_PORTS`` ("8850-8899") when set, else ``default``."""
    spec = os.environ.get("BENCH_PORTS")
    if not spec:
        return default
    first, _sep, last = spec.partition("-")
    return range(int(first), int(last or first) + 1)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its living descendants (from /proc): a uvicorn supervisor and its workers."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        if not Path(f"/proc/{current}").exists():
            continue
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue += [int(c) for c in (task / "children").read_text().split()]
    return found


def process_rss_kib(pid: int) -> int:
    """Resident memory of one process, KiB (0 when it is gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (0 when it is gone)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def tcp_connections_to(pids: list[int], remote_port: int) -> int:
    """Established TCP connections that the processes ``pids`` hold to ``remote_port``
    (their Redis connections, say)."""
    return len(tcp_local_ports_to(pids, remote_port))


def tcp_local_ports_to(pids: list[int], remote_port: int) -> set[int]:
    """The local ports of the established TCP connections that the processes ``pids`` hold
    to ``remote_port``: socket inodes of their fds matched in /proc/net/tcp*."""
    inodes: set[str] = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                # local "0100007F:D431", remote "0100007F:18EB", state 01 = ESTABLISHED,
                # inode in column 9
                if (
                    len(parts) > 9
                    and parts[3] == "01"
                    and int(parts[2].rsplit(":", 1)[1], 16) == remote_port
                    and parts[9] in inodes
                ):
                    ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports

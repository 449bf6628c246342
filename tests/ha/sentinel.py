"""A Redis Sentinel deployment of our own: a primary, a replica and three sentinels.

All local ``redis-server`` processes on free ports, in a temporary directory, started and
stopped by the test that uses them (tests/ha/test_sentinel_failover.py). The sentinels
judge the primary down after ``DOWN_AFTER_MS`` without an answer; two of three must agree
(quorum 2) before one of them promotes the replica.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers import free_port

MASTER = "agir"
DOWN_AFTER_MS = 1000


def _redis_server() -> str:
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    return binary


def _client(port: int):
    import redis

    return redis.Redis(port=port, socket_timeout=0.5, socket_connect_timeout=0.5)


def _wait(predicate, seconds: float, what: str) -> float:
    """Poll ``predicate`` until true; return the seconds it took."""
    start = time.monotonic()
    last_error: Exception | None = None
    while time.monotonic() - start < seconds:
        try:
            if predicate():
                return time.monotonic() - start
        except Exception as error:  # a process still starting
            last_error = error
        time.sleep(0.05)
    raise RuntimeError(f"{what}: not within {seconds} s (last error: {last_error!r})")


@dataclass
class SentinelDeployment:
    workdir: Path
    primary_port: int = field(default_factory=free_port)
    replica_port: int = field(default_factory=free_port)
    sentinel_ports: list[int] = field(default_factory=lambda: [free_port() for _ in range(3)])
    processes: dict[int, subprocess.Popen] = field(default_factory=dict)

    @property
    def sentinels(self) -> str:
        """The value of REDIS_SENTINELS."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def env(self, db: int = 0) -> dict[str, str]:
        """What a server process needs to reach Redis through the sentinels."""
        return {
            "REDIS_URL": f"redis://{MASTER}/{db}",
            "REDIS_SENTINELS": self.sentinels,
            "REDIS_SENTINEL_MASTER": MASTER,
        }

    def _spawn(self, port: int, args: list[str]) -> None:
        log = open(self.workdir / f"redis-{port}.log", "wb")  # noqa: SIM115 - closed with it
        self.processes[port] = subprocess.Popen(  # fixed arguments
            [_redis_server(), *args], stdout=log, stderr=subprocess.STDOUT
        )

    def _data_args(self, port: int) -> list[str]:
        data = self.workdir / f"data-{port}"
        data.mkdir(exist_ok=True)
        return ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(data)]  # fmt: skip

    def start(self) -> None:
        self._spawn(self.primary_port, self._data_args(self.primary_port))
        _wait(lambda: _client(self.primary_port).ping(), 10, "primary up")
        self._spawn(
            self.replica_port,
            [
                *self._data_args(self.replica_port),
                "--replicaof",
                "127.0.0.1",
                str(self.primary_port),
            ],
        )
        _wait(
            lambda: _client(self.replica_port).info("replication")["master_link_status"] == "up",
            15,
            "replica in sync",
        )
        for port in self.sentinel_ports:
            conf = self.workdir / f"sentinel-{port}.conf"
            # Sentinel rewrites its configuration file (what it learnt): one each, writable.
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.workdir}\n"
                f"sentinel monitor {MASTER} 127.0.0.1 {self.primary_port} 2\n"
                f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {MASTER} 10000\n"
                f"sentinel parallel-syncs {MASTER} 1\n"
            )
            self._spawn(port, [str(conf), "--sentinel"])

        def ready() -> bool:
            for port in self.sentinel_ports:
                raw = _client(port).execute_command("SENTINEL", "MASTER", MASTER, parse=None)
                state = dict(zip(raw[::2], raw[1::2], strict=True))
                if int(state[b"num-slaves"]) < 1 or int(state[b"num-other-sentinels"]) < 2:
                    return False
            return True

        # Sentinels find the replica (INFO, every 10 s at first) and each other (hello
        # messages on the primary, every 2 s): a failover needs both.
        _wait(ready, 40, "sentinels know the replica and each other")

    def master_address(self) -> tuple[str, int] | None:
        """The primary the sentinels agree on now (the first that answers)."""
        for port in self.sentinel_ports:
            try:
                host, master_port = _client(port).execute_command(
                    "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER, parse=None
                )
                return host.decode() if isinstance(host, bytes) else host, int(master_port)
            except Exception:  # that sentinel is away: ask the next
                continue
        return None

    def kill_primary(self) -> float:
        """SIGKILL the primary (no goodbye, as a crashed machine); the time it happened."""
        process = self.processes[self.primary_port]
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        return time.monotonic()

    def wait_promoted(self, seconds: float = 60) -> float:
        """Wait until the sentinels name the replica and it acts as primary; seconds taken."""

        def promoted() -> bool:
            if self.master_address() != ("127.0.0.1", self.replica_port):
                return False
            return _client(self.replica_port).info("replication")["role"] == "master"

        return _wait(promoted, seconds, "replica promoted")

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}"
            for path in sorted(self.workdir.glob("redis-*.log"))
        )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def sentinel_deployment(tmp_path):
    deployment = SentinelDeployment(workdir=tmp_path)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()

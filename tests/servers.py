"""Real ASGI servers for tests: uvicorn subprocesses on the test database.

Use with ``transactional_db`` (the server is another process: it only sees
committed data). Works on SQLite (the test database is a file) and on
PostgreSQL; with REDIS_URL the servers share the Redis channel layer, so
several of them form a multi-worker deployment.

    def test_something(asgi_server):
        server = asgi_server()            # one server
        a, b = asgi_server(), asgi_server()  # two processes sharing the DB and Redis
        server.url, server.ws_url, server.port
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log_path: Path
    env: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_env(extra: dict | None = None) -> dict[str, str]:
    """The environment a server subprocess needs to use this test run's database."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "project.settings_test"
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("the server needs a file test database (see settings_test.py)")
        env["SQLITE_PATH"] = name
        env.pop("DATABASE_URL", None)
    else:
        user = settings_dict.get("USER") or ""
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        env["DATABASE_URL"] = (
            f"postgres://{auth}{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"
        )
    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    if prefix:
        env["TEST_CACHE_PREFIX"] = prefix
    env.update(extra or {})
    return env


def start_server(
    tmp_path: Path,
    *,
    extra_env: dict | None = None,
    port: int | None = None,
    app: str = "project.asgi:application",
) -> Server:
    port = port or free_port()
    log_path = tmp_path / f"server-{port}.log"
    # The site's address is the server's own (links, and the origins its socket accepts).
    env = server_env({"SITE_URL": f"http://127.0.0.1:{port}", **(extra_env or {})})
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--ws-per-message-deflate",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(port=port, process=process, log_path=log_path, env=env)
    # Generous: on 2 busy cores, importing Django and the apps can take a while.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not answer /healthz in time:\n{server.log()}")


@pytest.fixture
def asgi_server(transactional_db, tmp_path):
    servers: list[Server] = []

    def factory(**kwargs) -> Server:
        server = start_server(tmp_path, **kwargs)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()

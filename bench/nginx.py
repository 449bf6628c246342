"""nginx in front of the benchmark's servers, routed as deploy/nginx-split.conf.example.

``proxy(pages_url, sockets_url)`` starts nginx (from the PATH, as root or not) on a free
port with a configuration generated here: ``/ws/`` (the socket upgrades) to the
``sockets`` upstream, everything else (pages, API, /healthz) to the ``pages`` upstream,
with the proxy settings of the example (keep-alive upstreams, no buffering on sockets).
No TLS and no static files: the benchmarks request neither. One pool for both
(``pages_url == sockets_url``) measures nginx alone in front of ``make serve``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench import common, room

CONFIG = """\
worker_processes {workers};
worker_rlimit_nofile 65536;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{ worker_connections 16384; }}

http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream agir_pages {{
        server {pages};
        keepalive 64;
    }}
    upstream agir_sockets {{
        server {sockets};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location /ws/ {{
            proxy_pass http://agir_sockets;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
        location / {{
            proxy_pass http://agir_pages;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def _hostport(url: str) -> str:
    return url.removeprefix("http://").rstrip("/")


@contextlib.contextmanager
def proxy(pages_url: str, sockets_url: str, *, port: int, workers: int = 1) -> Iterator[str]:
    """nginx on ``port`` routing to the two pools; yields its base URL."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    tmp = Path(tempfile.mkdtemp(prefix="agir-bench-nginx-"))
    config = CONFIG.format(
        workers=workers,
        tmp=tmp,
        user="user root;" if os.geteuid() == 0 else "",
        pages=_hostport(pages_url),
        sockets=_hostport(sockets_url),
        port=port,
    )
    (tmp / "nginx.conf").write_text(config)
    process = subprocess.Popen(
        [binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        common.wait_until_up(base_url, process, str(tmp / "error.log"))
        yield base_url
    finally:
        room.stop(process)
        shutil.rmtree(tmp, ignore_errors=True)

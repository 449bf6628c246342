"""/metrics with several server processes (prometheus_client's multiprocess mode): any
process answers the scrape with the requests of all of them."""

from __future__ import annotations

import re
import urllib.request

import pytest

pytestmark = pytest.mark.integration


def _get(url: str, token: str | None = None) -> str:
    request = urllib.request.Request(url)  # our own test server
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def test_one_scrape_counts_the_requests_of_every_process(asgi_server, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "METRICS_TOKEN": "scrape-me"}
    a, b = asgi_server(extra_env=env), asgi_server(extra_env=env)
    for _ in range(3):
        _get(a.url + "/healthz/live")
    for _ in range(2):
        _get(b.url + "/healthz/live")
    for server in (a, b):
        text = _get(server.url + "/metrics", token="scrape-me")
        match = re.search(
            r'agir_http_request_duration_seconds_count\{method="GET",route="healthz/live"\} (\S+)',
            text,
        )
        assert match and float(match.group(1)) == 5.0, text[:2000]
        assert "agir_db_roundtrip_seconds " in text

"""The real-server fixture works: a uvicorn process sees what the test committed."""

from __future__ import annotations

import json
import urllib.request

from proposals.models import Axis


def test_a_real_server_sees_the_test_database(asgi_server):
    Axis.objects.filter(slug="filieres-avenir").update(short_title="Filières d'avenir (test)")
    server = asgi_server()
    with urllib.request.urlopen(f"{server.url}/healthz") as response:
        assert json.load(response)["status"] == "ok"
    with urllib.request.urlopen(f"{server.url}/axes/filieres-avenir/") as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{server.url}/") as response:
        assert "Filières d&#x27;avenir (test)" in response.read().decode()

from __future__ import annotations

import pytest

from project import views


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


@pytest.mark.django_db
def test_healthz_reports_a_failing_database(client, monkeypatch):
    def broken():
        raise RuntimeError("database is down")

    monkeypatch.setattr(views, "_check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "channel_layer": "ok"}


@pytest.mark.django_db
def test_healthz_reports_a_failing_channel_layer(client, monkeypatch):
    class BrokenLayer:
        async def new_channel(self, prefix="specific."):
            raise ConnectionError("layer is down")

    monkeypatch.setattr(views, "get_channel_layer", lambda: BrokenLayer())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error"
    assert response.json()["database"] == "ok"

"""The nightly open-data files are the exports the site serves, written whole."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from summaries.opendata import DATASETS

pytestmark = pytest.mark.django_db


def test_the_snapshot_holds_every_export_as_served(client, settings, tmp_path, axis):
    settings.OPENDATA_SNAPSHOT_DIR = str(tmp_path)
    settings.OPENDATA_SNAPSHOT_KEEP = 2
    # The snapshot's links are on the site's address; the test client's requests are on
    # « testserver »: the same address here, as in production (one site, one address).
    settings.SITE_URL = "http://testserver"
    (tmp_path / "2020-01-01").mkdir()  # older than the two days kept
    (tmp_path / "2020-01-02").mkdir()
    call_command("opendata_snapshot")
    latest = tmp_path / "latest"
    assert latest.is_symlink() and latest.resolve().parent == tmp_path.resolve()
    for dataset in (d for d in DATASETS if d.available):
        for fmt in ("csv", "json"):
            served = b"".join(client.get(f"/donnees/{dataset.slug}.{fmt}").streaming_content)
            written = (latest / f"agir-ensemble-{dataset.slug}.{fmt}").read_bytes()
            if fmt == "json":  # stamped with the time it was generated
                written, served = json.loads(written), json.loads(served)
                assert written.pop("genere_le") and served.pop("genere_le")
            assert written == served, (dataset.slug, fmt)
    assert not list(tmp_path.rglob("*.partial"))
    assert sorted(p.name for p in tmp_path.iterdir() if not p.is_symlink()) == [
        "2020-01-02",
        latest.resolve().name,
    ]


def test_without_a_directory_nothing_is_written(settings, capsys):
    settings.OPENDATA_SNAPSHOT_DIR = ""
    call_command("opendata_snapshot")
    assert "rien à écrire" in capsys.readouterr().out

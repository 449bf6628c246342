"""Backups that restore (docs/operations.md, « Sauvegarde et restauration »): seed the demo,
``pg_dump`` it, restore the dump into a new database, and the site served from that
database shows the same counts, traces and summaries as the original."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.request

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from tests.factories import seed_demo

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


def _pg_args(settings_dict) -> list[str]:
    """pg_dump, pg_restore and psql talk to PostgreSQL itself, never through a
    transaction-pooling PgBouncer: pg_restore's session settings (an empty search_path)
    would stay on a pooled server connection and the site would find no table there
    (docs/operations.md). ``PG_DIRECT_PORT``: PostgreSQL's port behind the pooler."""
    from django.conf import settings

    port = settings_dict.get("PORT") or 5432
    if settings.DATABASE_POOLER == "pgbouncer":
        port = os.environ.get("PG_DIRECT_PORT", "5432")
    return [
        "-h",
        settings_dict.get("HOST") or "127.0.0.1",
        "-p",
        str(port),
        "-U",
        settings_dict.get("USER") or "postgres",
    ]


def _normalise(html: str, base_url: str) -> str:
    """A page without what changes on every response (nonces, CSRF tokens) or with the
    server (its own address, in links)."""
    html = html.replace(base_url, "SITE")
    html = re.sub(r'nonce="[^"]*"', "", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return html


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for model in apps.get_models():
        table = model._meta.db_table
        if model._meta.managed and not model._meta.proxy:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # our table names
            counts[table] = cursor.fetchone()[0]
    return counts


def _pages() -> list[str]:
    from decisions.models import ActionItem, Recommendation
    from summaries.models import DecisionSummary

    # The board sorted by date: its default order is shuffled per visitor.
    paths = [
        "/",
        "/propositions/?sort=recent",
        "/syntheses/",
        "/recommandations/",
        "/actions/",
        "/donnees/",
    ]
    summary = DecisionSummary.objects.published().first()
    paths.append(summary.get_absolute_url())
    recommendation = Recommendation.objects.filter(status="published").first()
    paths.append(reverse("decisions:recommendation_trace", args=[recommendation.pk]))
    paths.append(reverse("decisions:recommendation_trace_svg", args=[recommendation.pk]))
    action = ActionItem.objects.filter(recommendation=recommendation).first()
    paths.append(reverse("decisions:action_trace", args=[action.pk]))
    return paths


def _get(base_url: str, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(base_url + path, timeout=30) as response:
        return response.status, response.read().decode()


def test_a_dump_restores_into_a_site_that_serves_the_same(asgi_server, tmp_path):
    seed_demo()
    source = connection.settings_dict
    paths = _pages()
    original = asgi_server()
    before = {path: _get(original.url, path) for path in paths}
    assert all(status == 200 for status, _html in before.values()), {
        p: s for p, (s, _h) in before.items()
    }
    with connection.cursor() as cursor:
        counts_before = _counts(cursor)
    assert counts_before["summaries_summaryversion"] > 0
    assert counts_before["decisions_recommendation"] > 0

    # The backup, as docs/operations.md gives it: custom format, no owner.
    dump = tmp_path / "agir.dump"
    subprocess.run(
        ["pg_dump", *_pg_args(source), "-Fc", "--no-owner", "-f", str(dump), source["NAME"]],
        check=True,
        timeout=300,
    )
    restored_name = f"{source['NAME']}_restored"
    admin = ["psql", *_pg_args(source), "-d", "postgres", "-qc"]
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{restored_name}"'], check=True)
    subprocess.run([*admin, f'CREATE DATABASE "{restored_name}"'], check=True)
    try:
        subprocess.run(
            [
                "pg_restore",
                *_pg_args(source),
                "--no-owner",
                "--exit-on-error",
                "-d",
                restored_name,
                str(dump),
            ],
            check=True,
            timeout=300,
        )
        host, port = source.get("HOST") or "127.0.0.1", source.get("PORT") or 5432
        restored_url = (
            f"postgres://{source.get('USER') or 'postgres'}@{host}:{port}/{restored_name}"
        )
        restored = asgi_server(extra_env={"DATABASE_URL": restored_url})
        for path in paths:
            status, html = _get(restored.url, path)
            assert status == 200, path
            assert _normalise(html, restored.url) == _normalise(before[path][1], original.url), path
        import psycopg

        with psycopg.connect(restored_url) as conn, conn.cursor() as cursor:
            assert _counts(cursor) == counts_before
    finally:
        subprocess.run(
            [*admin, f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'], check=False
        )

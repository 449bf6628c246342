"""Open data: every dataset in CSV and JSON, documented, licensed, and without personal data."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from summaries.opendata import DATASETS, LICENCE_URL
from summaries.services import summary_create_for_workshop, summary_publish
from tests.factories import seed_demo
from tests.summaries.factories import make_proposal

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _download(client, slug: str, fmt: str) -> str:
    response = client.get(f"/donnees/{slug}.{fmt}")
    assert response.status_code == 200, (slug, fmt)
    assert response.streaming
    assert "charset=utf-8" in response["Content-Type"]
    assert LICENCE_URL in response["Link"]
    return b"".join(response.streaming_content).decode("utf-8")


def _csv_rows(text: str) -> list[dict]:
    """The rows of a CSV file: its first line is the header (no comment line before it)."""
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def everything(voted_workshop, decided_workshop, editor):
    """The demo, the held workshop with its closed vote, its recommendations and actions
    (and their updates), and its published summary."""

    seed_demo()
    summary_publish(
        summary=summary_create_for_workshop(actor=editor, workshop=voted_workshop), actor=editor
    )
    return voted_workshop


def test_the_open_data_page_documents_every_dataset_and_the_licence(client):
    html = client.get("/donnees/").content.decode()
    assert "Licence Ouverte / Open Licence version 2.0" in html
    assert LICENCE_URL in html
    for dataset in DATASETS:
        assert f'id="jeu-{dataset.slug}"' in html
        for column in dataset.columns:
            assert f"<code>{column.key}</code>" in html


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.slug)
def test_each_dataset_downloads_as_csv_and_json_with_its_schema(everything, client, dataset):
    rows = _csv_rows(_download(client, dataset.slug, "csv"))
    body = _download(client, dataset.slug, "json")
    data = json.loads(body)
    assert data["licence"]["url"] == LICENCE_URL
    assert [c["nom"] for c in data["schema"]] == [c.key for c in dataset.columns]
    assert len(data["donnees"]) == len(rows)
    if rows:
        assert list(rows[0]) == [c.key for c in dataset.columns]
        assert list(data["donnees"][0]) == [c.key for c in dataset.columns]


def test_proposals_export_has_counts_status_and_college_but_not_hidden_ones(everything, client):
    rows = _csv_rows(_download(client, "propositions", "csv"))
    titles = {r["titre"]: r for r in rows}
    assert "Idée masquée" not in titles
    row = titles["Inventaire public des friches"]
    assert row["soutiens"] == "12"
    assert row["college_auteur"] == "citizens"
    assert row["statut"] == "retained"  # it became a source of a recommendation
    assert row["atelier_origine"] == "friches-test"
    assert row["axe"] == "environnement-accueil"


def test_indicators_and_axes_come_from_the_founding_document(everything, client):
    axes = _csv_rows(_download(client, "axes", "csv"))
    assert {a["identifiant"] for a in axes} >= {"environnement-accueil", "filieres-avenir"}
    indicators = json.loads(_download(client, "indicateurs", "json"))["donnees"]
    chomage = next(i for i in indicators if i["identifiant"] == "taux-chomage-local")
    assert chomage["valeur_reference"] == 9.5


def test_no_export_contains_personal_data(everything, client):
    """Scan every file for names, usernames, e-mails of every person (guests included)."""
    people = list(User.objects.all())
    for person in people:
        # Write a proposal for everyone, so each of them is somewhere in the data.
        make_proposal(
            author=person, axis=everything.axes.first(), workshop=everything, title="Proposition"
        )
    forbidden = set()
    for person in people:
        forbidden |= {person.email, person.username, person.display_name}
        forbidden |= {person.first_name, person.last_name}
    forbidden.add("Hortense Référente")  # an action's contact person
    forbidden = {f for f in forbidden if f and len(f) > 3}
    assert "Gaston Invité" in forbidden  # the guest's name is among those searched for

    for dataset in DATASETS:
        for fmt in ("csv", "json"):
            text = _download(client, dataset.slug, fmt)
            leaks = [f for f in forbidden if f in text]
            assert not leaks, (dataset.slug, fmt, leaks)
            assert not EMAIL.search(text), (dataset.slug, fmt, EMAIL.search(text))
        # No column that identifies a person or a ballot.
        for column in dataset.columns:
            assert not re.search(
                r"^auteur|author|user|e-?mail|nom_|votant_id|bulletin|ballot", column.key
            )


def test_an_export_costs_the_same_queries_whatever_the_rows(everything, client, axis):
    author = everything.people["lucie"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _download(client, "propositions", "csv")
        return len(ctx)

    before = queries()
    for n in range(30):
        make_proposal(author=author, axis=axis, title=f"Idée {n}")
    # The rows come from one SELECT streamed through .iterator() (plus the session lookup).
    assert queries() == before <= 3


def test_csv_text_cells_cannot_run_as_spreadsheet_formulas(held_workshop, client):
    make_proposal(
        author=held_workshop.people["lucie"],
        axis=held_workshop.axes.first(),
        title='=HYPERLINK("http://example.org","clic")',
    )
    rows = _csv_rows(_download(client, "propositions", "csv"))
    titles = [r["titre"] for r in rows]
    assert '\'=HYPERLINK("http://example.org","clic")' in titles
    data = json.loads(_download(client, "propositions", "json"))["donnees"]
    assert '=HYPERLINK("http://example.org","clic")' in [d["titre"] for d in data]

"""Open data that tools accept: every download validated by frictionless.

The CSV files are data only (a header, then rows); ``datapackage.json`` (a Frictionless
Data Package) carries the licence, the provenance and a Table Schema per dataset. Every
CSV file and every JSON file is checked against its schema by the ``frictionless``
package, the validator data.gouv.fr uses for the schemas of schema.data.gouv.fr.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from frictionless import Package, Schema, formats, validate
from frictionless.resources import TableResource

from summaries.opendata import DATASETS, LICENCE_URL
from tests.summaries.test_opendata import everything  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _body(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, path
    return b"".join(response.streaming_content) if response.streaming else response.content


def _package(client) -> dict:
    response = client.get("/donnees/datapackage.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.usefixtures("everything")
def test_the_package_and_every_csv_file_validate_with_frictionless(client, tmp_path):
    """The downloads, saved beside the package as a reuser would, pass frictionless whole:
    the descriptor (Data Package, Table Schemas), every file's encoding, dialect, header,
    types, required and unique keys."""
    package = _package(client)
    assert [r["name"] for r in package["resources"]] == [d.slug for d in DATASETS]
    counts = {}
    for resource in package["resources"]:
        body = _body(client, f"/donnees/{resource['name']}.csv")
        (tmp_path / f"{resource['name']}.csv").write_bytes(body)
        counts[resource["name"]] = len(_rows(body.decode("utf-8"))) - 1
        resource["path"] = f"{resource['name']}.csv"  # the files as saved, offline
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")

    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["title", "rowNumber", "fieldName", "note"])
    checked = {task.name: task.stats["rows"] for task in report.tasks}
    assert checked == counts  # every row of every file was read and checked
    # The scene has data in every dataset the platform records (not only headers).
    assert all(counts[d.slug] > 0 for d in DATASETS), counts

    # The package as frictionless reads it: its licence and its provenance.
    read = Package(str(tmp_path / "datapackage.json"))
    assert read.licenses[0]["path"] == LICENCE_URL and read.licenses[0]["name"] == "etalab-2.0"
    assert read.sources and read.sources[0]["path"].endswith("/donnees/")
    assert all(r.schema.fields for r in read.resources)


@pytest.mark.usefixtures("everything")
def test_every_json_file_validates_against_its_table_schema(client, tmp_path):
    for dataset in DATASETS:
        schema = client.get(f"/donnees/schemas/{dataset.slug}.json").json()
        path = tmp_path / f"{dataset.slug}.json"
        path.write_bytes(_body(client, f"/donnees/{dataset.slug}.json"))
        resource = TableResource(
            path=path.name,
            basepath=str(tmp_path),
            format="json",
            control=formats.JsonControl(keyed=True, property="donnees"),
            schema=Schema.from_descriptor(schema),
        )
        report = resource.validate()
        assert report.valid, (dataset.slug, report.flatten(["title", "rowNumber", "note"]))
        rows = len(json.loads(path.read_text(encoding="utf-8"))["donnees"])
        assert report.tasks[0].stats["rows"] == rows > 0, dataset.slug


@pytest.mark.usefixtures("everything")
def test_a_csv_file_is_data_only_utf8_comma_separated(client):
    """No comment or licence line before the header: a spreadsheet and pandas read it as is."""
    for dataset in DATASETS:
        body = _body(client, f"/donnees/{dataset.slug}.csv")
        assert not body.startswith(b"\xef\xbb\xbf")  # no BOM
        text = body.decode("utf-8")
        rows = _rows(text)
        assert rows[0] == [c.key for c in dataset.columns], dataset.slug
        assert all(len(row) == len(dataset.columns) for row in rows), dataset.slug
        assert not any(line.startswith("#") for line in text.splitlines()), dataset.slug
    accented = _body(client, "/donnees/axes.csv").decode("utf-8")
    assert "Accélérer" in accented or "é" in accented


def test_each_schema_is_served_alone_and_in_the_package(client):
    package = _package(client)
    for dataset, resource in zip(DATASETS, package["resources"], strict=True):
        alone = client.get(f"/donnees/schemas/{dataset.slug}.json").json()
        assert alone == resource["schema"]
        assert alone["path"] == f"http://testserver/donnees/schemas/{dataset.slug}.json"
        assert [f["name"] for f in alone["fields"]] == [c.key for c in dataset.columns]
        assert all(f["title"] and f["description"] and f["type"] for f in alone["fields"])
        Schema.from_descriptor(alone)  # a valid Table Schema (raises otherwise)
        assert resource["dialect"]["delimiter"] == ","
        assert resource["encoding"] == "utf-8"
    assert client.get("/donnees/schemas/inconnu.json").status_code == 404


def test_the_open_data_page_links_the_package_and_documents_the_format(client):
    html = client.get("/donnees/").content.decode()
    assert 'href="/donnees/datapackage.json"' in html
    assert "skiprows" not in html  # no line to skip any more

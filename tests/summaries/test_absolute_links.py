"""Every link the platform hands out in a document is absolute and on the site's address.

A real server (uvicorn, tests/servers.py) on a port that is not 8000, its ``SITE_URL`` its
own address as ``make run`` sets it from ``PORT``. Over HTTP, the summary's PDF (its link
annotations, read with pypdf), the Atom feed (links and ids), every open-data download
(CSV, JSON, ``datapackage.json``, the Table Schemas): every address in them is absolute and
on that server, none on ``127.0.0.1:8000``; the feed's ids are stable URIs (tag: or the
feed's address), not relative paths. A PDF cached for another address (rendered here, in
the test process, whose ``SITE_URL`` is the default) is rendered again for the server's.

The published package is also validated online by frictionless, as a reuser would.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from frictionless import validate
from pypdf import PdfReader

from summaries.models import SummaryPdf
from summaries.opendata import DATASETS, LICENCE_URL
from summaries.pdf import version_pdf
from summaries.services import summary_create_for_workshop, summary_publish
from tests.factories import seed_demo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

ATOM = "{http://www.w3.org/2005/Atom}"
DEFAULT = "127.0.0.1:8000"
URL = re.compile(r"""https?://[^\s"'<>,;)\]]+""")
# Addresses that are not the site's, on purpose: the licence, the Table Schema spec.
ELSEWHERE = (LICENCE_URL, "https://frictionlessdata.io/schemas/table-schema.json")
# In JSON, the keys whose values are links.
LINK_KEYS = {"url", "url_source", "path", "homepage", "id", "datapackage"}


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # our test server
        assert response.status == 200, url
        return response.read()


def _pdf_links(content: bytes) -> list[str]:
    links = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and action.get("/S") == "/URI":
                links.append(str(action["/URI"]))
    return links


def _json_links(value, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [link for k, v in value.items() for link in _json_links(v, k)]
    if isinstance(value, list):
        return [link for v in value for link in _json_links(v, key)]
    if isinstance(value, str) and value and (key in LINK_KEYS or value.startswith(("/", "http"))):
        return [value]
    return []


@pytest.fixture
def published_world(voted_workshop, decided_workshop, editor):
    seed_demo()
    summary = summary_create_for_workshop(actor=editor, workshop=voted_workshop)
    summary_publish(summary=summary, actor=editor)
    return summary


def test_every_link_in_pdf_feed_and_exports_is_absolute_on_the_site(
    published_world, asgi_server, settings
):
    summary = published_world
    # The same database once served at the default address: a PDF cached with its links.
    assert DEFAULT in settings.SITE_URL
    version_pdf(summary.current_version)
    assert SummaryPdf.objects.get().site_url == f"http://{DEFAULT}"

    server = asgi_server()
    site = server.url
    assert site != f"http://{DEFAULT}" and DEFAULT not in site
    found: dict[str, list[str]] = {}

    # The PDF: its link annotations (the cover's link to the version, the footer's site).
    pdf = _get(f"{site}/syntheses/{summary.slug}.pdf")
    found["pdf"] = _pdf_links(pdf)
    assert f"{site}{summary.current_version.get_absolute_url()}" in found["pdf"]
    assert SummaryPdf.objects.get().site_url == site  # re-rendered for this address

    # The feed: every href and every id.
    feed = ET.fromstring(_get(f"{site}/syntheses/flux.atom"))
    found["feed"] = [e.get("href") for e in feed.iter(f"{ATOM}link")]
    assert feed.find(f"{ATOM}id").text == f"{site}/syntheses/flux.atom"
    ids = [e.find(f"{ATOM}id").text for e in feed.iter(f"{ATOM}entry")]
    host = site.split("//")[1].split(":")[0]
    tag = re.compile(rf"tag:{re.escape(host)},\d{{4}}-\d\d-\d\d:summaries/(\d+)/v(\d+)")
    assert all(tag.fullmatch(i) for i in ids), ids
    assert f"summaries/{summary.pk}/v1" in " ".join(ids)

    # Every download: CSV (the url columns and any address in a cell), JSON, the package.
    for dataset in DATASETS:
        text = _get(f"{site}/donnees/{dataset.slug}.csv").decode("utf-8")
        url_columns = [c.key for c in dataset.columns if c.type == "url"]
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        found[f"{dataset.slug}.csv"] = [r[k] for r in rows for k in url_columns if r[k]] + [
            u for u in URL.findall(text)
        ]
        data = json.loads(_get(f"{site}/donnees/{dataset.slug}.json"))
        found[f"{dataset.slug}.json"] = _json_links(data)
        schema = json.loads(_get(f"{site}/donnees/schemas/{dataset.slug}.json"))
        found[f"{dataset.slug}.schema"] = _json_links(schema)
    package = json.loads(_get(f"{site}/donnees/datapackage.json"))
    found["datapackage"] = _json_links(package)

    wrong = {
        where: [u for u in links if not u.startswith(f"{site}/") and u not in ELSEWHERE]
        for where, links in found.items()
    }
    assert {k: v for k, v in wrong.items() if v} == {}
    # The checks above saw links, in every kind of document.
    for where in ("pdf", "feed", "propositions.csv", "recommandations.json", "datapackage"):
        assert [u for u in found[where] if u.startswith(site)], where
    assert DEFAULT not in json.dumps(found)

    # The package as published, read online by frictionless: its files and their schemas.
    report = validate(f"{site}/donnees/datapackage.json")
    assert report.valid, report.flatten(["title", "rowNumber", "fieldName", "note"])
    assert len(report.tasks) == len(DATASETS)

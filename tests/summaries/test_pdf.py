"""The PDF: a real PDF (WeasyPrint), A4, the Codev's header, a table of contents, page numbers."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from summaries.models import SummaryPdf
from summaries.services import summary_create_for_workshop, summary_draft_update, summary_publish

pytestmark = pytest.mark.django_db

A4 = (595, 842)  # points


@pytest.fixture
def published(held_workshop, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    sections = [
        {**s, "note": "Le Codev retient la **requalification** des friches."}
        if s["key"] == "ideas"
        else s
        for s in summary.sections
    ]
    summary_draft_update(
        summary=summary,
        actor=editor,
        title="Friches industrielles : synthèse",
        intro="Une soirée riche en idées.",
        sections=sections,
    )
    summary_publish(summary=summary, actor=editor)
    return summary


def _text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_a_valid_a4_pdf_with_the_expected_text(published, client):
    response = client.get(f"/syntheses/{published.slug}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")

    reader, text = _text(response.content)
    width, height = (round(float(v)) for v in reader.pages[0].mediabox.upper_right)
    assert (width, height) == A4
    assert len(reader.pages) >= 2  # the table of contents has its own page
    assert "Conseil de développement du Pays de Montbéliard Agglomération" in text
    assert "Friches industrielles : synthèse" in text
    assert "Sommaire" in text
    assert "Version 1, publiée le" in text
    for heading in ("Participation", "Idées déposées", "Résultats des votes", "Et maintenant ?"):
        assert heading in text
    assert "8 participations" in text
    assert "Inventaire public des friches" in text
    assert "Le Codev retient la requalification des friches." in text
    assert "Aucun vote pour cet atelier." in text
    assert f"Page 1 / {len(reader.pages)}" in text
    assert f"Page {len(reader.pages)} / {len(reader.pages)}" in text


def test_the_pdf_is_rendered_once_per_version(published, client):
    first = client.get(f"/syntheses/{published.slug}.pdf").content
    assert SummaryPdf.objects.count() == 1
    second = client.get(f"/syntheses/{published.slug}.pdf").content
    assert first == second and SummaryPdf.objects.count() == 1


def test_old_versions_have_their_own_pdf(published, editor, client):
    summary_draft_update(
        summary=published,
        actor=editor,
        title="Friches industrielles : synthèse corrigée",
        intro="",
        sections=published.sections,
    )
    summary_publish(summary=published, actor=editor, change_note="Titre précisé.")
    _reader, v1 = _text(client.get(f"/syntheses/{published.slug}/v1.pdf").content)
    _reader, v2 = _text(client.get(f"/syntheses/{published.slug}.pdf").content)
    assert "synthèse corrigée" not in v1 and "Version 1" in v1
    assert "synthèse corrigée" in v2 and "Titre précisé." in v2


def test_editors_get_a_pdf_preview_of_the_draft(held_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    client.force_login(editor)
    response = client.get(f"/syntheses/{summary.slug}/apercu/?format=pdf")
    _reader, text = _text(response.content)
    assert "Brouillon — non publié" in text
    assert SummaryPdf.objects.count() == 0  # drafts are never cached


def test_without_weasyprint_the_pdf_says_so(published, client, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name.startswith("weasyprint"):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    response = client.get(f"/syntheses/{published.slug}.pdf")
    assert response.status_code == 503
    assert "PDF indisponible" in response.content.decode()


def test_rendering_a_pdf_writes_no_progress_lines_to_the_log(published, client, caplog):
    """WeasyPrint's « Step 1 - Fetching and parsing HTML » … and fontTools' subsetting
    notes are INFO lines on every PDF: the server log keeps warnings and errors of theirs,
    and a summary's PDF (tagged, PDF/UA) has none to write: no ignored CSS property, no
    image without its text."""
    import logging

    SummaryPdf.objects.all().delete()  # rendered now, not read from the cache
    with caplog.at_level(logging.INFO):
        response = client.get(f"/syntheses/{published.slug}.pdf")
    assert response.status_code == 200
    noisy = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith(("weasyprint", "fontTools"))
    ]
    assert noisy == []


# --- Tagged, accessible PDF (PDF/UA-1) ---------------------------------------------------------


def _structure(node, out: list[dict]) -> list[dict]:
    """The structure elements under ``node``, depth first: {"tag", "alt", "parent"}."""
    node = node.get_object()
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and "/S" in kid:
            out.append(
                {"tag": str(kid["/S"]), "alt": kid.get("/Alt"), "parent": str(node.get("/S"))}
            )
            _structure(kid, out)
    return out


def test_the_pdf_is_tagged_and_accessible_pdf_ua(voted_workshop, editor, client):
    """Language, title shown by readers, tagged headings, tables with header cells, each
    chart a figure with its text (the structure tree as pypdf reads it)."""
    summary = summary_create_for_workshop(actor=editor, workshop=voted_workshop)
    summary_publish(summary=summary, actor=editor)
    content = client.get(f"/syntheses/{summary.slug}.pdf").content
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]

    assert catalog["/Lang"] == "fr"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == summary.current_version.title
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp  # declares PDF/UA-1
    assert f'<rdf:li xml:lang="x-default">{summary.current_version.title}</rdf:li>' in xmp

    tree = _structure(catalog["/StructTreeRoot"], [])
    tags = [e["tag"] for e in tree]
    assert tags.count("/H1") == 1
    headings = [e for e in tree if e["tag"] == "/H2"]
    assert len(headings) >= 1 + len(summary.sections)  # the contents, then each section
    assert "/H3" in tags  # the vote's title
    # Tables: header cells in a header row group; each row's first cell a row header.
    assert tags.count("/Table") >= 3
    assert "/THead" in tags and "/TH" in tags and "/TD" in tags
    assert {e["parent"] for e in tree if e["tag"] == "/TH"} == {"/TR"}
    # The charts (participation, ideas, the vote's results) are figures with their text.
    figures = [e for e in tree if e["tag"] == "/Figure"]
    alts = [str(f["alt"]) for f in figures]
    assert len(figures) == 3 and all(alts), alts
    assert "Participant·es par collège" in alts
    # French typography: a narrow no-break space before the colon.
    assert any("Friche Peugeot d'Audincourt\u202f: 3 voix" in a for a in alts), alts
    # Links (the contents, the online address) are tagged.
    assert "/Link" in tags


def test_an_english_pdf_says_so(voted_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=voted_workshop)
    summary_publish(summary=summary, actor=editor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    content = client.get(f"/syntheses/{summary.slug}.pdf").content
    assert PdfReader(io.BytesIO(content)).trailer["/Root"]["/Lang"] == "en"


def test_the_pdf_links_are_absolute_on_the_site_address(published, client, settings):
    """The cover links to the version's page, the footer to the site: absolute, on
    SITE_URL; a copy cached for another address is not served for this one."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    first = _uri_links(client.get(f"/syntheses/{published.slug}.pdf").content)
    settings.SITE_URL = "https://agir.example.org:8443"
    links = _uri_links(client.get(f"/syntheses/{published.slug}.pdf").content)
    version = published.current_version
    assert first and all(u.startswith("http://127.0.0.1:8000/") for u in first)
    assert f"https://agir.example.org:8443{version.get_absolute_url()}" in links
    assert "https://agir.example.org:8443/" in links
    assert all(u.startswith("https://agir.example.org:8443/") for u in links)
    assert SummaryPdf.objects.get().site_url == "https://agir.example.org:8443"


def _uri_links(content: bytes) -> list[str]:
    links = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and action.get("/S") == "/URI":
                links.append(str(action["/URI"]))
    return links

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
    notes are INFO lines on every PDF: the server log keeps warnings and errors of theirs."""
    import logging

    SummaryPdf.objects.all().delete()  # rendered now, not read from the cache
    with caplog.at_level(logging.INFO):
        response = client.get(f"/syntheses/{published.slug}.pdf")
    assert response.status_code == 200
    noisy = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith(("weasyprint", "fontTools")) and r.levelno < logging.WARNING
    ]
    assert noisy == []

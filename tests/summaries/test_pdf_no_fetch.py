"""The PDF renderer fetches nothing (docs/security.md): not the network, not the server's
files, not even a ``data:`` URL — whatever the summary's HTML names.

The summary's HTML is written here straight into the stored field, past the sanitiser (the
worst case: a sanitiser hole, or HTML from elsewhere), with ``<img src>``, ``<link href>``, a
CSS ``@import`` and a ``url()`` pointing at a real HTTP server listening on this machine
(``127.0.0.1`` and ``localhost``, the internal addresses a server-side fetch would reach),
a ``file://`` stylesheet and image, and ``data:`` URLs. The HTTP server must receive no
request, no file or data content may reach the PDF, WeasyPrint must report each URL refused
by ``summaries.pdf._no_fetch``, and the PDF must still render with the summary's text.
"""

from __future__ import annotations

import http.server
import io
import logging
import threading

import pytest
from pypdf import PdfReader

from summaries.models import DecisionSummary as Summary
from summaries.pdf import render_pdf
from summaries.services import summary_create_for_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    """A real HTTP server on 127.0.0.1 that counts the requests it receives."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # the stdlib's name
            hits.append(self.path)
            body = b"body::before { content: 'FUITE-HTTP'; }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def _hostile_html(port: int, local_css, local_svg) -> tuple[str, list[str]]:
    urls = [
        f"http://127.0.0.1:{port}/image.png",
        f"http://localhost:{port}/style.css",
        f"http://127.0.0.1:{port}/import.css",
        f"http://127.0.0.1:{port}/background.png",
        "http://169.254.169.254/latest/meta-data/",
        local_css.as_uri(),
        local_svg.as_uri(),
        "data:text/css,body::before%7Bcontent:'FUITE-DATA'%7D",
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3Ctext%3EFUITE-SVG"
        "%3C/text%3E%3C/svg%3E",
    ]
    html = (
        "<p>Introduction Tamarin.</p>"
        f'<img src="{urls[0]}" alt="">'
        f'<link rel="stylesheet" href="{urls[1]}">'
        f"<style>@import url('{urls[2]}'); p {{ background: url('{urls[3]}'); }}</style>"
        f'<img src="{urls[4]}" alt="">'
        f'<link rel="stylesheet" href="{urls[5]}">'
        f'<img src="{urls[6]}" alt="">'
        f'<link rel="stylesheet" href="{urls[7]}">'
        f'<img src="{urls[8]}" alt="">'
    )
    return html, urls


def test_the_pdf_renderer_fetches_nothing_a_summary_names(
    held_workshop, editor, listener, tmp_path, caplog
):
    port, hits = listener
    local_css = tmp_path / "secret.css"
    local_css.write_text("body::before { content: 'FUITE-FICHIER'; }")
    local_svg = tmp_path / "secret.svg"
    local_svg.write_text(
        "<svg xmlns='http://www.w3.org/2000/svg'><text y='20'>FUITE-IMAGE</text></svg>"
    )
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    html, urls = _hostile_html(port, local_css, local_svg)
    Summary.objects.filter(pk=summary.pk).update(intro_html=html)
    summary.refresh_from_db()

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        content = render_pdf(summary, draft=True)

    assert hits == [], "the PDF renderer reached the HTTP server"
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Introduction Tamarin" in text, "the PDF did not render the summary"
    assert "FUITE" not in text
    # Each URL was asked of our fetcher, which refused it (WeasyPrint logs the refusal).
    log = caplog.text
    refused = [url for url in urls if f"refused to fetch {url!r}" in log]
    assert refused == urls, set(urls) - set(refused)


def test_the_published_pdf_goes_through_the_same_refusing_fetcher(
    held_workshop, editor, listener, client
):
    """The PDF a visitor downloads: the same renderer, nothing fetched, still a PDF."""
    from summaries.models import SummaryVersion
    from summaries.services import summary_publish

    port, hits = listener
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    summary_publish(summary=summary, actor=editor)
    SummaryVersion.objects.filter(summary=summary).update(
        intro_html=f'<p>Version Tamarin.</p><img src="http://127.0.0.1:{port}/v.png" alt="">'
        f'<link rel="stylesheet" href="http://localhost:{port}/v.css">'
    )
    response = client.get(f"/syntheses/{summary.slug}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert "Version Tamarin" in "\n".join(page.extract_text() for page in reader.pages)
    assert hits == []

"""Page weight: pages and API answers travel gzipped when the browser accepts it; streamed
exports and images do not; hashed static files are cached for good (bench.phone measures
the whole page on a throttled phone)."""

from __future__ import annotations

import gzip

import pytest
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from project.middleware import CompressionMiddleware

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.mark.django_db
def test_a_page_is_gzipped_for_a_browser_that_accepts_it(client):
    plain = client.get("/")
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain
    packed = client.get("/", **GZIP)
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert '<html lang="fr">' in html and "8, avenue des Alliés" in html
    assert len(packed.content) < len(plain.content) / 3


@pytest.mark.django_db
def test_an_api_answer_is_gzipped(client):
    response = client.get("/api/v1/openapi.json", **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).startswith(b"{")


def _through(response: HttpResponse) -> HttpResponse:
    request = RequestFactory().get("/", **GZIP)
    return CompressionMiddleware(lambda _request: response)(request)


def test_a_streamed_export_is_left_alone():
    # Django would gzip an async stream chunk by chunk, each chunk a member of its own.
    rows = [f"{i};une ligne de l'export ouvert;{'x' * 40}\n".encode() for i in range(50)]
    response = _through(StreamingHttpResponse(iter(rows), content_type="text/csv"))
    assert "Content-Encoding" not in response
    assert b"".join(response.streaming_content) == b"".join(rows)


def test_images_and_pdfs_are_left_alone_text_and_svg_are_not():
    body = b"<svg xmlns='http://www.w3.org/2000/svg'>" + b"<rect/>" * 200 + b"</svg>"
    for content_type in ("image/png", "application/pdf"):
        response = _through(HttpResponse(body, content_type=content_type))
        assert "Content-Encoding" not in response, content_type
        assert response.content == body
    for content_type in ("image/svg+xml", "text/html; charset=utf-8", "application/json"):
        response = _through(HttpResponse(body, content_type=content_type))
        assert response["Content-Encoding"] == "gzip", content_type
        assert gzip.decompress(response.content) == body


def test_compression_sits_below_whitenoise_and_above_what_writes_pages():
    middleware = settings.MIDDLEWARE
    compression = middleware.index("project.middleware.CompressionMiddleware")
    # WhiteNoise answers static files first, with its own pre-compressed copies.
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < compression
    for writer in (
        "csp.middleware.CSPMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ):
        assert compression < middleware.index(writer)

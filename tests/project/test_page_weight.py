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


@pytest.fixture
def live_room(facilitator):
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from workshops.models import WorkshopState
    from workshops.services import workshop_state_change

    workshop = WorkshopFactory(state=WorkshopState.SCHEDULED, facilitators=[facilitator])
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    workshop.member = ParticipantFactory(workshop=workshop).user
    return workshop


@pytest.mark.django_db
def test_the_room_loads_no_opinions_css_without_an_opinion_step(client, live_room):
    client.force_login(live_room.member)
    html = client.get(live_room.get_absolute_url()).content.decode()
    assert "/static/css/workshops.css" in html and "/static/js/room.js" in html
    assert "opinions.css" not in html  # room.js reloads the page when an opinion step starts


@pytest.mark.django_db
def test_the_join_page_prefetches_what_the_room_loads_beyond_it(client, live_room):
    """After « Entrer dans la salle », only the room's HTML is left to fetch: its other files
    are the join page's own or prefetched while the newcomer types a name."""
    import re

    join = client.get(f"/rejoindre/?code={live_room.join_code}").content.decode()
    client.force_login(live_room.member)
    room = client.get(live_room.get_absolute_url()).content.decode()

    def assets(html: str, rels: str) -> set[str]:
        found = set(re.findall(rf'<link rel="(?:{rels})" href="(/static/[^"]+)"', html))
        found |= set(re.findall(r'<script[^>]* src="(/static/[^"]+)"', html))
        return found

    room_files = assets(room, "stylesheet")
    assert room_files, "the room loads static files"
    assert room_files <= assets(join, "stylesheet|prefetch")

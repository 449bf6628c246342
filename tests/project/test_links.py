"""One way to write an absolute address (project.links): from the request when there is one,
from SITE_URL otherwise; and no other code writes one by hand."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from django.test import RequestFactory

from project.links import absolute_url, absolute_url_maker, site_url, tag_uri

ROOT = Path(__file__).resolve().parent.parent.parent


def test_without_a_request_the_address_is_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8801/"
    assert site_url() == "http://127.0.0.1:8801"
    assert absolute_url("/syntheses/x/") == "http://127.0.0.1:8801/syntheses/x/"
    assert absolute_url("donnees/") == "http://127.0.0.1:8801/donnees/"
    assert absolute_url_maker()("/a?b=1#c") == "http://127.0.0.1:8801/a?b=1#c"


def test_with_a_request_the_address_is_the_one_the_reader_used(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["agir.example.org"]
    request = RequestFactory().get("/", HTTP_HOST="agir.example.org:8443", secure=True)
    assert absolute_url("/donnees/", request) == "https://agir.example.org:8443/donnees/"
    make = absolute_url_maker(request)
    assert make("/propositions/1/") == "https://agir.example.org:8443/propositions/1/"


def test_an_absolute_address_is_left_as_it_is():
    assert absolute_url("https://www.etalab.gouv.fr/x") == "https://www.etalab.gouv.fr/x"
    assert absolute_url_maker()("mailto:codev@example.org") == "mailto:codev@example.org"


def test_tag_uris_take_the_site_host_and_a_fixed_date(settings):
    settings.SITE_URL = "https://agir.example.org:8443"
    when = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert tag_uri(when, "summaries/12/v1") == "tag:agir.example.org,2026-03-02:summaries/12/v1"
    assert tag_uri(date(2026, 3, 2), "x") == "tag:agir.example.org,2026-03-02:x"


# Where an absolute address is written by hand (the setting plus a path, or the request's
# builder) instead of through project.links.
BY_HAND = re.compile(r"SITE_URL\s*\+|SITE_URL\}|build_absolute_uri\(|127\.0\.0\.1:8000/")
ALLOWED = {
    "project/links.py",  # the one place
    "project/settings.py",  # the setting's default
}


def test_no_code_writes_an_absolute_address_by_hand():
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/", "node_modules/")):
            continue
        if relative in ALLOWED or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BY_HAND.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []

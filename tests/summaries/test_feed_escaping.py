"""The Atom feed carries no markup an editor typed (docs/security.md, hole 6).

A correction's change note went as is into ``<summary type="html">``: a feed reader rendered
its ``<img onerror>`` and ``javascript:`` link. The page shows the note as text; so does the
feed now, and every HTML field of an entry goes through project.sanitizer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from summaries.services import summary_create_for_workshop, summary_draft_update, summary_publish

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_NOTE = (
    'Chiffres revus <img src="x" onerror="alert(document.cookie)"> '
    '<a href="javascript:alert(1)">voir</a> <script>alert(2)</script>'
)
HOSTILE_INTRO = (
    'Bilan <img src=x onerror=alert(3)> [lien](javascript:alert(4)) <a href="javascript:alert(5)">'
)


class _Tags(HTMLParser):
    """The elements and attributes a feed reader would build from an HTML field."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _rendered(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _entries(client):
    response = client.get("/syntheses/flux.atom")
    assert response.status_code == 200
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def test_a_hostile_change_note_reaches_feed_readers_as_text(held_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    summary_draft_update(
        summary=summary,
        actor=editor,
        title=summary.title,
        intro=HOSTILE_INTRO,
        sections=summary.sections,
    )
    summary_publish(summary=summary, actor=editor)
    summary_publish(summary=summary, actor=editor, change_note=HOSTILE_NOTE)
    for entry in _entries(client):
        for element in entry:
            kind = element.get("type")
            text = element.text or ""
            if kind == "html":
                # What a reader renders: no element an editor typed, no script, no handler.
                tags = _rendered(text)
                assert {tag for tag, _attrs in tags} <= {"p", "strong", "br"}, tags
                assert not any(a.startswith("on") for _t, attrs in tags for a in attrs)
                assert "javascript:" not in " ".join(
                    str(v) for _t, attrs in tags for v in attrs.values()
                )
            else:
                # Text fields (title, id, dates) are shown as text by readers: no HTML type.
                assert kind in (None, "text"), (element.tag, kind)
    correction = _entries(client)[0].find(f"{ATOM}summary").text
    # The note is still there, as the page shows it: as text.
    assert "Chiffres revus" in correction
    assert "&lt;img" in correction and "onerror" in correction


def test_the_page_shows_the_note_as_text_too(held_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    summary_publish(summary=summary, actor=editor)
    summary_publish(summary=summary, actor=editor, change_note=HOSTILE_NOTE)
    page = client.get(f"/syntheses/{summary.slug}/").content.decode()
    assert "&lt;img" in page
    assert '<img src="x"' not in page and 'href="javascript:' not in page

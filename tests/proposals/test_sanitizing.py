"""What users write is neutralised on the way in (proposals and comments share the one sanitiser)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from proposals import services

pytestmark = pytest.mark.django_db

NASTY = [
    "<script>alert('x')</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="steal()">clic</a>',
    "[lien](javascript:alert(1))",
    "[lien](JaVaScRiPt:alert(1))",
    "[donnée](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![image](data:image/svg+xml;base64,PHN2Zz4=)",
    "<div><p><b>non fermé <i>du tout",
    "<svg/onload=alert(1)>",
    "<iframe src='https://evil.example'></iframe>",
    "<style>body{display:none}</style>",
    "\u202eCeci est inversé",
]


ALLOWED = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "blockquote",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


class _Elements(HTMLParser):
    """Every real element and attribute of the output (escaped text is not markup)."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


@pytest.mark.parametrize("source", NASTY)
def test_dangerous_markup_is_neutralised(make_proposal, user, source):
    proposal = make_proposal(body=source)
    comment = services.comment_create(proposal=proposal, author=user, body=source)
    for html in (proposal.body_html, comment.body_html):
        parser = _Elements()
        parser.feed(html)
        parser.close()
        for tag, attrs in parser.elements:
            assert tag in ALLOWED, (source, html)
            assert not any(name.startswith("on") for name in attrs), (source, html)
            href = (attrs.get("href") or "").strip().lower()
            assert not href.startswith(("javascript:", "data:", "vbscript:")), (source, html)
        assert "\u202e" not in html


def test_ordinary_markdown_is_kept(make_proposal):
    body = (
        "## Objectif\n\n"
        "Créer une **Agence Territoriale de Souveraineté** pour *coordonner* les filières.\n\n"
        "- formation massive\n- fonds d'investissement\n\n"
        "1. diagnostic\n2. action\n\n"
        "> Agir ensemble\n\n"
        "Voir [le Codev](https://www.codev-pma.fr) et `code`."
    )
    html = make_proposal(body=body).body_html
    assert "<h3>Objectif</h3>" in html  # user headings go below the page's own
    assert "<strong>Agence Territoriale de Souveraineté</strong>" in html
    assert "<em>coordonner</em>" in html
    assert "<ul>" in html and "<li>formation massive</li>" in html
    assert "<ol>" in html and "<blockquote>" in html and "<code>code</code>" in html
    assert 'href="https://www.codev-pma.fr"' in html
    assert 'rel="nofollow ugc noopener"' in html


def test_bare_links_get_user_content_rel(make_proposal):
    html = make_proposal(body="Source : https://www.agglo-montbeliard.fr/pma2030").body_html
    assert '<a href="https://www.agglo-montbeliard.fr/pma2030" rel="nofollow ugc noopener">' in html


def test_title_is_plain_text_escaped_on_the_page(client, make_proposal):
    proposal = make_proposal(title="<b>Titre</b> & <script>x()</script>")
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html

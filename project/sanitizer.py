"""The one sanitiser: every piece of user text that becomes HTML goes through here.

bleach is the engine and is imported nowhere else, so replacing it is a
one-file change. Sanitise once, at write time, and store the result
(``body_html``); templates then print it as is.

Profiles:
- ``markdown_to_html(text)``: Markdown with a fixed allow-list of tags,
  attributes and URL schemes; links get ``rel="nofollow ugc noopener"``.
- ``clean_html(html)``: the same allow-list applied to HTML.
- ``plain_text(html)``: every tag removed (for previews and feeds).
"""

from __future__ import annotations

import bleach
import markdown as md
from bleach.linkifier import DEFAULT_CALLBACKS, Linker

from project.text import strip_invisible

ALLOWED_TAGS = frozenset(
    {
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
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "th": ["scope"], "td": [], "ol": ["start"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


_linker = Linker(
    callbacks=[*DEFAULT_CALLBACKS, _set_rel], skip_tags={"pre", "code"}, parse_email=False
)


def clean_html(html: str) -> str:
    """Allow-listed HTML, links marked as user content."""
    cleaned = _cleaner.clean(strip_invisible(html or ""))
    # Linkify after cleaning: bare URLs become links, every link gets our rel.
    return _linker.linkify(cleaned)


def markdown_to_html(text: str) -> str:
    """Render user Markdown, then clean it. Raw HTML in the source is escaped, not kept."""
    source = strip_invisible(text or "")
    # Escape raw HTML before Markdown sees it: users write Markdown, not HTML.
    # (Only "<" needs escaping; ">" starts a Markdown quote and "&" is handled by Markdown.)
    source = source.replace("<", "&lt;")
    rendered = md.markdown(
        source, extensions=["sane_lists", "tables", "fenced_code"], output_format="html"
    )
    # Headings from users go below the page's own (h1/h2).
    for level in (1, 2):
        rendered = rendered.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return clean_html(rendered)


def plain_text(html: str) -> str:
    """Text only, no tags at all (entities kept escaped)."""
    return bleach.clean(html or "", tags=set(), strip=True).strip()

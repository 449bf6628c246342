"""Hostile input: what attackers and broken clients send, and how to tell that it did no harm."""

from __future__ import annotations

from html.parser import HTMLParser

# XSS vectors, as text a person could type in any field.
XSS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">clic</a>',
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    "<style>body{display:none}</style>",
    '<div style="position:fixed;top:0">faux bandeau</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<form action="https://evil.example"><button>ok</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "{{ request.user.password }} {% debug %}",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
]
# SQL-looking strings: stored as text, never executed.
SQL = [
    "'; DROP TABLE proposals_proposal; --",
    "1 OR 1=1",
    '" OR ""="',
    "admin'--",
    "%' UNION SELECT password FROM accounts_user --",
]
# Unicode edge cases.
UNICODE = [
    "\u202eexe.sulp-ruoy\u202c idée",  # right-to-left override
    "idée\u200b\u200c\u200d\u2060cachée",  # zero-width characters
    "\ufeffBOM en tête",
    "A\u0301\u0301\u0301\u0301 combinants",
    "😀 émoji 🇫🇷 et ZWJ 👩‍👩‍👧",
    "ligne\u2028séparateur\u2029paragraphe",
    "contrôle\x07\x1b[31mrouge",
]
ALL = XSS + SQL + UNICODE
# Characters that must never survive in a short one-line field (names, titles).
INVISIBLE = ["\u202e", "\u202c", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x07", "\x1b"]


class DangerFinder(HTMLParser):
    """Whatever in rendered HTML could run, restyle the page or leave it."""

    def __init__(self, *, allowed_scripts: set[str] = frozenset()):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.allowed_scripts = allowed_scripts

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name == "style":
                self.found.append(f"<{tag} style>")
            if name in ("href", "src", "action", "formaction", "data", "xlink:href") and value:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "data:text/html", "vbscript:")):
                    self.found.append(f"<{tag} {name}={value[:30]}>")
        if tag == "script" and attributes.get("src") not in self.allowed_scripts:
            kind = (attributes.get("type") or "").lower()
            if kind not in ("application/json", "application/ld+json"):
                self.found.append(f"<script src={attributes.get('src')}>")
        if tag in ("iframe", "object", "embed", "style", "frame"):
            self.found.append(f"<{tag}>")
        if tag == "base" or (tag == "meta" and "http-equiv" in attributes):
            self.found.append(f"<{tag}>")


def page_scripts(html: str) -> set[str]:
    """The script sources a page normally loads (the platform's own)."""
    finder = _ScriptLister()
    finder.feed(html)
    return finder.sources


class _ScriptLister(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        src = attributes.get("src") or ""
        # The platform's own: static files, and Django's JavaScript translation catalogue.
        if tag == "script" and (src.startswith("/static/") or src == "/jsi18n/"):
            self.sources.add(src)


def dangers(html: str) -> list[str]:
    """Executable or page-altering markup in ``html``, the platform's own static scripts excepted."""
    finder = DangerFinder(allowed_scripts=page_scripts(html))
    finder.feed(html)
    return finder.found


def an_axis():
    """The first axis of the founding document; recreated if a transactional test flushed it."""
    from proposals.models import Axis

    axis, _created = Axis.objects.get_or_create(
        slug="filieres-avenir",
        defaults={"title": "Filières d'avenir", "short_title": "Filières d'avenir", "number": 3},
    )
    return axis

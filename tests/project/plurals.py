"""Count–noun agreement in visible text, French and English rules (issue 17).

French: 0 and 1 take the singular, 2 and more the plural (« 0 soutien », « 1 idée »,
« 2 idées »). English: 1 takes the singular, 0 and 2+ the plural. ``disagreements(text)``
lists every number followed by one of the counted words in the wrong number. The
counted words are those the platform counts; a word added to a page with a count goes
here too. Shared by the server-side sweep (tests/project/test_plurals.py) and the
browser sweep (tests/e2e/test_console_errors.py), which also sees what scripts write.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# French nouns and participles the platform counts: (singular, plural). Inclusive forms
# (« participant·e », « participant·es ») are spelled with the middle dot.
FRENCH = [
    ("participant·e", "participant·es"),
    ("participant", "participants"),
    ("votant·e", "votant·es"),
    ("inscrit·e", "inscrit·es"),
    ("connecté·e", "connecté·es"),
    ("soutien", "soutiens"),
    ("vote", "votes"),
    ("bulletin", "bulletins"),
    ("idée", "idées"),
    ("proposition", "propositions"),
    ("commentaire", "commentaires"),
    ("recommandation", "recommandations"),
    ("action", "actions"),
    ("atelier", "ateliers"),
    ("signalement", "signalements"),
    ("événement", "événements"),
    ("étape", "étapes"),
    ("option", "options"),
    ("réponse", "réponses"),
    ("contribution", "contributions"),
    ("synthèse", "synthèses"),
    ("indicateur", "indicateurs"),
    ("personne", "personnes"),
    ("groupe", "groupes"),
    ("doublon", "doublons"),
    ("membre", "membres"),
    ("collège", "collèges"),
    ("jour", "jours"),
    ("heure", "heures"),
    ("prévue", "prévues"),
    ("en cours", "en cours"),
    ("réalisée", "réalisées"),
    ("abandonnée", "abandonnées"),
    ("bloquée", "bloquées"),
    ("retirée", "retirées"),
    ("brouillon", "brouillons"),
    ("fusionnée", "fusionnées"),
    ("disponible", "disponibles"),
    ("adoptée", "adoptées"),
    ("publiée", "publiées"),
    ("nouvelle", "nouvelles"),
    ("gommette", "gommettes"),
]
ENGLISH = [
    ("participant", "participants"),
    ("voter", "voters"),
    ("support", "supports"),
    ("vote", "votes"),
    ("ballot", "ballots"),
    ("idea", "ideas"),
    ("proposal", "proposals"),
    ("comment", "comments"),
    ("recommendation", "recommendations"),
    ("action", "actions"),
    ("workshop", "workshops"),
    ("report", "reports"),
    ("event", "events"),
    ("step", "steps"),
    ("option", "options"),
    ("answer", "answers"),
    ("contribution", "contributions"),
    ("summary", "summaries"),
    ("indicator", "indicators"),
    ("person", "people"),
    ("group", "groups"),
    ("duplicate", "duplicates"),
    ("member", "members"),
    ("college", "colleges"),
    ("day", "days"),
    ("hour", "hours"),
    ("dot", "dots"),
]

# A number standing alone (not the end of « 1 000 », a date, a decimal or a version).
NUMBER = r"(?<![\d.,:/\-–])(?<!\d[\u00a0\u202f ])(\d+)"
SPACE = r"[ \u00a0\u202f]"


def _pattern(pairs: list[tuple[str, str]]) -> re.Pattern:
    words = sorted({w for pair in pairs for w in pair}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"{NUMBER}{SPACE}({alternatives})(?![\w·(])")


def disagreements(text: str, language: str = "fr") -> list[str]:
    """The « N word » of ``text`` whose word is not in the number N asks for, and the
    « N word(s) »."""
    pairs = FRENCH if language == "fr" else ENGLISH
    singular = {s for s, p in pairs}
    plural = {p for s, p in pairs}
    # « 2 action(s) »: a count that did not go through ngettext.
    found = [
        f"« {m.group(0)} » (a count needs ngettext, not « (s) »)"
        for m in re.finditer(rf"{NUMBER}{SPACE}[\w·]+\(s\)", text)
    ]
    for match in _pattern(pairs).finditer(text):
        n, word = int(match.group(1)), match.group(2)
        wants_singular = n <= 1 if language == "fr" else n == 1
        if word in singular and word in plural:
            continue  # invariable (« en cours »)
        if (wants_singular and word not in singular) or (not wants_singular and word in singular):
            start, end = max(match.start() - 40, 0), min(match.end() + 30, len(text))
            found.append(f"« {match.group(0)} » in …{text[start:end]}…")
    return found


BLOCKS = {
    "p", "div", "li", "ul", "ol", "td", "th", "tr", "table", "h1", "h2", "h3", "h4", "h5",
    "h6", "section", "article", "header", "footer", "nav", "main", "aside", "br", "dt",
    "dd", "dl", "form", "fieldset", "legend", "label", "option", "select", "button",
    "figcaption", "figure", "caption", "summary", "details", "title", "hr", "input",
    "textarea", "svg", "text", "tspan", "desc",
}  # fmt: skip


class _Text(HTMLParser):
    """The text a reader sees (and hears): no scripts, styles or templates."""

    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in BLOCKS:
            self.parts.append(" | ")
        for name, value in attrs:
            if name in ("aria-label", "title", "alt") and value:
                self.parts.append(f" | {value} | ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in BLOCKS:
            self.parts.append(" | ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts))

"""English that is English (issue 17): what the platform defines reads in English on English
pages, what participants wrote stays as written and says its language, punctuation follows the
page's language, and the site stays French until the person chooses English (remembered)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

# French the platform itself writes (axes, themes, indicators, demo workshops, recommendations,
# actions, chart text, labels): none of it may be left on an English page, outside the
# elements that show what someone wrote (those carry lang="fr").
FRENCH_CHROME = [
    "Accueil & foncier",
    "Automobile & mobilité",
    "Filières d'avenir",
    "Marketing territorial",
    "Synergies territoriales",
    "Gouvernance & souveraineté",
    "Former massivement",
    "Un environnement d'accueil",
    "Requalifier les friches",
    "hydrogène et maroquinerie",
    "Créer une Agence",
    "Préfigurer l'Agence",
    "Foncier : friches",
    "Taux de chômage",
    "mention majoritaire",
    "Profils de mérite",
    "Citoyen·nes",
    "Élu·es",
    "Propositions",
    "Recommandations",
    "Indicateurs",
    "Ateliers",
    "Se connecter",
    "Déposée",
    "soutiens",
]


class _Chrome(HTMLParser):
    """The page's visible text and attribute labels, without what is marked lang="fr"."""

    def __init__(self):
        super().__init__()
        self.skipping: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        skip = bool(self.skipping and self.skipping[-1])
        # The document's <title> names the page by its heading, which may be a participant's.
        skip = skip or attrs.get("lang") == "fr" or tag in ("script", "style", "head")
        self.skipping.append(skip)
        if not skip:
            self.parts += [f" {attrs[a]} " for a in ("aria-label", "title", "alt") if attrs.get(a)]

    def handle_endtag(self, tag):
        if tag not in VOID and self.skipping:
            self.skipping.pop()

    def handle_data(self, data):
        if not (self.skipping and self.skipping[-1]):
            self.parts.append(data)


def chrome_text(html: str) -> str:
    parser = _Chrome()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts))


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def _demo_pages() -> list[str]:
    from decisions.models import ActionItem, Indicator, Recommendation
    from proposals.models import Axis, Proposal
    from votes.models import VoteSession
    from workshops.models import Workshop

    pages = ["/", "/propositions/", "/ateliers/", "/recommandations/", "/actions/", "/indicateurs/"]
    pages += [a.get_absolute_url() for a in Axis.objects.all()]
    pages += [w.get_absolute_url() for w in Workshop.objects.publicly_visible()]
    pages += [r.get_absolute_url() for r in Recommendation.objects.public()]
    pages += [
        a.get_absolute_url()
        for a in ActionItem.objects.filter(recommendation__in=Recommendation.objects.public())[:3]
    ]
    pages += [i.get_absolute_url() for i in Indicator.objects.all()[:3]]
    pages += [Proposal.objects.public().filter(comments__isnull=False).first().get_absolute_url()]
    pages += [s.get_absolute_url() for s in VoteSession.objects.filter(state="published")]
    return pages


def test_english_pages_of_the_demo_show_no_french_the_platform_wrote(demo, english):
    checked = 0
    for url in _demo_pages():
        response = english.get(url)
        assert response.status_code == 200, url
        text = chrome_text(response.content.decode())
        left = [word for word in FRENCH_CHROME if word in text]
        assert not left, f"{url}: {left}"
        # English punctuation: no space (French spacing) before a colon.
        assert not re.search(r"[ \u00a0\u202f][:;?!](\s|$)", text), (
            url,
            re.findall(r".{30}[ \u00a0\u202f][:;?!].{0,20}", text)[:3],
        )
        checked += 1
    assert checked >= 20


def test_the_axes_and_demo_texts_read_in_english(demo, english):
    html = english.get("/").content.decode()
    assert "1. Land &amp; business services" in html
    assert "Industries of the future: hydrogen and leatherwork" in html
    assert "Jobs: job creation in the diversification industries" in html
    html = english.get("/recommandations/").content.decode()
    assert (
        "Create a Territorial Sovereignty Agency" in html
        or "Introduce a sovereignty clause" in html
    )


def test_the_same_pages_stay_french_for_an_english_browser(demo, client):
    html = client.get("/", **ENGLISH_BROWSER).content.decode()
    assert '<html lang="fr"' in html
    assert "1. Accueil &amp; foncier" in html and "Land &amp; business" not in html
    assert "Filières d&#x27;avenir : hydrogène et maroquinerie" in html


def test_the_choice_of_english_is_remembered_a_year(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert '<html lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_participants_texts_say_their_language_on_english_pages(demo, client):
    from proposals.models import Proposal

    proposal = Proposal.objects.public().filter(comments__isnull=False).first()
    french = client.get(proposal.get_absolute_url()).content.decode()
    assert 'lang="fr"' not in french.split("<body", 1)[1]

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert f'<h1 lang="fr">{proposal.title}' in html.replace("&#x27;", "'")
    assert '<div class="markdown proposal__body" lang="fr">' in html
    assert '<div class="markdown comment__body" lang="fr">' in html
    board = client.get("/propositions/").content.decode()
    assert board.count('<h2 class="proposal-card__title" lang="fr">') >= 10


def test_label_value_typography_by_language():
    from project.typography import label_value

    with translation.override("fr"):
        assert label_value("Citoyen·nes", 3) == "Citoyen·nes\u202f: 3"
    with translation.override("en"):
        assert label_value("Citizens", 3) == "Citizens: 3"


def test_chart_text_is_translated_with_its_typography(demo, client):
    from votes.models import VoteSession

    session = VoteSession.objects.filter(state="published", method="majority_judgment").first()
    french = client.get(session.get_absolute_url()).content.decode()
    assert "mention majoritaire" in french and "\u202f: mention majoritaire" in french
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(session.get_absolute_url()).content.decode()
    assert "mention majoritaire" not in english and "Profils de mérite" not in english
    assert ": majority grade " in english and "\u202f" not in english

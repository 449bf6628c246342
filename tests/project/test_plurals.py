"""Every page of the PMA 2030 demo says its counts in the right number (issue 17).

The demo (seed_demo) is crawled from the home page and the address of one page of each
type, following the site's own links, as an anonymous visitor, as a citizen and as the
Codev's editor (also facilitator and moderator); every HTML page's visible text is
checked for « N word » pairs in the wrong number (tests/project/plurals.py): « 0 soutiens »,
« 1 participant·es », « 4 prévue ». A few demo objects get the counts 0, 1 and 2 that
the demo alone may not show. A page added later is reached by its links, not listed here.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.factories import seed_demo
from tests.html_links import site_links
from tests.project.plurals import disagreements, visible_text

pytestmark = pytest.mark.django_db

# Not pages of the site's content, or not read over GET: the admin, sign-out and language
# switch, static files, the JSON API (no visible text), the JavaScript catalogue.
SKIPPED = re.compile(
    r"^/(admin/|accounts/logout|i18n/|static/|media/|api/|jsi18n/|__)|\.(pdf|csv|json|svg|png)$"
    r"|/(pdf|csv|json|qr)/?$"
)
MAX_PAGES = 220  # per person; the demo has ~150 distinct pages
MAX_QUERIES_PER_PATH = 2  # filters and pages of a list: a couple suffice


def crawl(client: Client, start: list[str]) -> tuple[dict[str, list[str]], int]:
    """{url: disagreements} of every page reached, and the number of HTML pages read."""
    queue = list(dict.fromkeys(start))
    seen = set(queue)
    per_path: Counter[str] = Counter()
    found: dict[str, list[str]] = {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        html = response.content.decode()
        problems = disagreements(visible_text(html))
        if problems:
            found[url] = problems
        for link in site_links(html):
            path = urlsplit(link).path
            if link in seen or SKIPPED.match(path):
                continue
            if link != path:
                if per_path[path] >= MAX_QUERIES_PER_PATH:
                    continue
                per_path[path] += 1
            seen.add(link)
            queue.append(link)
    return found, pages


@pytest.fixture
def demo(db):
    """The demo, with counts of 0, 1 and 2 where the demo may have only bigger ones."""
    seed_demo()
    from decisions.models import ActionItem, Recommendation
    from proposals.models import Proposal, Support
    from summaries.models import DecisionSummary
    from votes.models import VoteSession
    from workshops.models import Workshop

    proposals = list(Proposal.objects.order_by("pk")[:3])
    # Supports: 0, 1 and 2 on three proposals.
    Support.objects.filter(proposal__in=proposals).delete()
    people = list(Support._meta.get_field("user").related_model.objects.order_by("pk")[:2])
    for proposal, n in zip(proposals, (0, 1, 2), strict=True):
        for person in people[:n]:
            Support.objects.create(proposal=proposal, user=person)
    start = ["/", "/propositions/", "/ateliers/", "/votes/", "/recommandations/", "/actions/"]
    start += ["/indicateurs/", "/tableau-de-bord/", "/syntheses/", "/donnees/"]
    start += [p.get_absolute_url() for p in proposals]
    start += [w.get_absolute_url() for w in Workshop.objects.all()]
    start += [f"/votes/{v.pk}/" for v in VoteSession.objects.all()]
    start += [f"/votes/{v.pk}/resultats/" for v in VoteSession.objects.all()]
    start += [f"/recommandations/{r.pk}/trace/" for r in Recommendation.objects.all()]
    start += [f"/actions/{a.pk}/trace/" for a in ActionItem.objects.all()]
    start += [s.get_absolute_url() for s in DecisionSummary.objects.all()]
    return start


def _signed_in(username: str | None, roles: tuple[str, ...] = ()) -> Client:
    client = Client()
    if username:
        from accounts.models import User
        from accounts.services import role_grant

        user = User.objects.get(username=username)
        for role in roles:
            role_grant(user=user, role=role)
        client.force_login(user)
    return client


def test_every_count_agrees_with_its_noun(demo):
    """One seeding, three readers (a seeding costs more than a crawl)."""
    from workshops.models import Workshop

    problems: list[str] = []
    for who, roles in [
        (None, ()),
        ("lucie.citoyenne", ()),
        ("claire.codev", ("facilitators", "moderators")),
    ]:
        start = list(demo)
        if who == "claire.codev":
            start += ["/propositions/moderation/", "/notifications/", "/compte/"]
            start += [f"{w.get_absolute_url()}animer/" for w in Workshop.objects.all()]
        found, pages = crawl(_signed_in(who, roles), start)
        assert pages >= 40, f"{who or 'anonymous'}: the crawl read only {pages} pages"
        problems += [f"[{who or 'anonymous'}] {url}: {'; '.join(p)}" for url, p in found.items()]
    report = "\n".join(sorted(problems))
    assert not problems, f"{len(problems)} pages with counts in the wrong number:\n{report}"


def test_the_checker_sees_what_it_must():
    """The rule itself, on the defects issue 17 quoted, and on their right forms."""
    wrong = "1 participant·es, 4 prévue, 0 abandonnées, 0 soutiens, 2 idée, 12 vote, 2 action(s)"
    assert len(disagreements(wrong)) == 7
    right = "1 participant·e, 4 prévues, 0 abandonnée, 0 soutien, 2 idées, 12 votes, 1 000 votes"
    assert disagreements(right) == []
    assert len(disagreements("1 supports, 0 vote, 2 idea", "en")) == 3
    assert disagreements("1 support, 0 votes, 2 ideas", "en") == []
    text = visible_text("<p><strong>0</strong> soutiens</p><script>x = '1 idées'</script>")
    assert disagreements(text) == ["« 0 soutiens » in … | 0 soutiens | …"]

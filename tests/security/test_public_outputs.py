"""Every public output goes through the pages' visibility and reveal rules (docs/security.md, hole 1).

A private workshop (with an idea, a vote and its results), a draft workshop (with an idea) and
a public workshop's vote set to reveal at close, closed but not revealed, carry words found
nowhere else (tests/summaries/hidden.py). Then every output an outsider can read is scanned
for them, as an anonymous visitor and as an ordinary signed-in citizen:

- every GET route of the URLconf — pages, the Atom feed, open data, the JSON API — with its
  parameters filled with the hidden objects' ids and slugs (and the public ones), so that a
  route added later is scanned without being listed here; routes without parameters are
  also asked with a search (``?q=…&workshop=…``);
- every open-data dataset of the registry (``summaries.opendata.DATASETS``), in CSV and JSON,
  and its rows read directly;
- a period summary's generated draft and its published page, JSON and PDF (text extracted).

The scan also checks that it covered every GET operation of the API schema and every dataset,
and that the control (a public vote shown live) does come out: a scan that reads nothing
would find nothing.
"""

from __future__ import annotations

import io
import itertools
import json
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from summaries.opendata import DATASETS
from summaries.services import summary_create, summary_create_for_workshop, summary_publish
from tests.summaries.hidden import CONTROL_MARKERS, PERIOD, hidden_world, leaks

pytestmark = pytest.mark.django_db

# Not outputs for outsiders, or not read over GET: the admin and the sign-in screens (their
# own tests), the account's pages (the visitor's own data), the language switch and the
# JavaScript catalogue (static text), static files.
SKIPPED_PREFIXES = ("admin/", "accounts/", "compte/", "i18n/", "jsi18n/", "healthz", "^static/")
# A route whose parameter is one of these is a write or a personal link, not an output.
SKIPPED_PARAMS = {"token", "op"}
# Where an unrevealed vote itself is shown — its title and the options of its ballot, never
# its results: its page, its results page (which says they are not out yet: the votes app's
# tests check it) and the API's session. Nowhere else.
SHOWS_THE_VOTE_ITSELF = {"votes:detail", "votes:results", "api-v1:get_session"}


def _routes(patterns=None, prefix="", namespace=""):
    """(route, name, parameters) of every URL pattern, included ones too."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", list(p.pattern.converters)


def _candidates(world, summaries, recommendation=None) -> dict[str, list[str]]:
    ids = [
        *([recommendation.pk] if recommendation else []),
        world.private_idea.pk,
        world.draft_idea.pk,
        world.private_vote.pk,
        world.unrevealed_vote.pk,
        1,
    ]
    slugs = [
        world.private_workshop.slug,
        world.draft_workshop.slug,
        world.public_workshop.slug,
        *(s.slug for s in summaries),
    ]
    return {
        "int": [str(i) for i in ids],
        "slug": slugs,
        "dataset": [d.slug for d in DATASETS],
        "fmt": ["csv", "json"],
    }


def _kind(param: str) -> str:
    if param in ("dataset", "fmt"):
        return param
    return "slug" if "slug" in param else "int"


def _urls(world, summaries, recommendation=None):
    """(url, route name) for every GET-able route with its parameters filled in."""
    values = _candidates(world, summaries, recommendation)
    # « secrète » is a word of the private idea's title only; the private slug in the query
    # is echoed by the page (the language switch keeps the address): see ``leaks``.
    search = urlencode(
        {"q": "secrète", "workshop": world.private_workshop.slug, "axis": "environnement-accueil"}
    )
    seen = set()
    for route, name, params in _routes():
        if route.startswith(SKIPPED_PREFIXES) or SKIPPED_PARAMS & set(params):
            continue
        if not params:
            for url in (f"/{route}", f"/{route}?{search}"):
                if url not in seen:
                    seen.add(url)
                    yield url, name, route
            continue
        for combo in itertools.product(*(values[_kind(p)] for p in params)):
            url = "/" + route
            for param, value in zip(params, combo, strict=True):
                url = url.replace(f"<{param}>", value)
                for conv in ("int", "slug", "str"):
                    url = url.replace(f"<{conv}:{param}>", value)
            if url not in seen:
                seen.add(url)
                yield url, name, route


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() for page in reader.pages)
    return content.decode("utf-8", errors="replace") + response.get("Location", "")


@pytest.fixture
def world(facilitator):
    return hidden_world(facilitator)


@pytest.fixture
def published(world, editor):
    """A period summary over the month of the three workshops, and the public workshop's own."""
    period = summary_create(
        actor=editor, scope="period", period_start=PERIOD[0], period_end=PERIOD[1]
    )
    summary_publish(summary=period, actor=editor)
    own = summary_create_for_workshop(actor=editor, workshop=world.public_workshop)
    summary_publish(summary=own, actor=editor)
    return [period, own]


@pytest.fixture
def cited(world, editor):
    """A published recommendation an editor based on the hidden idea and votes (and the
    control vote): its page, trace and API count them without naming them."""
    from decisions import services as decisions

    recommendation = decisions.recommendation_create(
        actor=editor,
        title="Recommandation publiée des berges",
        axis=world.public_workshop.axes.get(),
        proposals=[world.private_idea, world.draft_idea],
        vote_session=world.control_vote,
    )
    for session in (world.private_vote, world.unrevealed_vote):
        decisions.recommendation_vote_source_add(
            recommendation=recommendation, session=session, actor=editor
        )
    for status in ("adopted", "published"):
        decisions.recommendation_status_change(
            recommendation=recommendation, actor=editor, new_status=status
        )
    return recommendation


def test_no_public_output_shows_a_private_draft_or_unrevealed_thing(world, published):
    citizen = Client()
    citizen.force_login(world.citizen)
    clients = {"anonymous": Client(), "citizen": citizen}
    found: list[tuple[str, str, list[str]]] = []
    visited_routes: set[str] = set()
    control_seen: set[str] = set()
    asked = 0
    for url, name, route in _urls(world, published):
        for who, client in clients.items():
            response = client.get(url)
            asked += 1
            if response.status_code >= 500:
                found.append((who, url, [f"HTTP {response.status_code}"]))
                continue
            visited_routes.add(route)
            text = _body(response)
            hidden = leaks(text, unrevealed=name not in SHOWS_THE_VOTE_ITSELF, echoed=url)
            if hidden:
                found.append((who, url, hidden))
            if CONTROL_MARKERS[0] in text:
                control_seen.add(name)
    assert found == [], "\n".join(map(str, found))
    # The scan read real outputs: the public live vote came out in open data and summaries.
    assert {"summaries:open_data_export", "summaries:detail", "summaries:pdf"} <= control_seen
    # It covered every GET operation of the API schema and every dataset in both formats.
    from project.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    api_gets = {
        path.removeprefix("/").replace("{", "<").replace("}", ">")
        for path, ops in schema["paths"].items()
        if "get" in ops
    }
    assert api_gets and api_gets <= visited_routes, api_gets - visited_routes
    assert asked > 300


def test_a_published_recommendation_does_not_name_hidden_sources(world, cited):
    citizen = Client()
    citizen.force_login(world.citizen)
    urls = [
        f"/recommandations/{cited.pk}/",
        f"/recommandations/{cited.pk}/trace/",
        f"/recommandations/{cited.pk}/trace.svg",
        f"/api/v1/recommendations/{cited.pk}",
        f"/api/v1/recommendations/{cited.pk}/trace",
    ]
    found = []
    for client in (Client(), citizen):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            # The unrevealed vote's title is public (its page shows it); its results are not
            # in a trace (voters by college only). Private and draft things must not be named.
            found += [(url, m) for m in leaks(_body(response), unrevealed=False)]
    assert found == []


def test_a_published_recommendation_never_names_a_private_or_draft_workshop(world, cited):
    """What the design already promised (« née dans un atelier privé »), drafts included."""
    titles = (world.private_workshop.title, world.draft_workshop.title)
    for url in (
        f"/recommandations/{cited.pk}/",
        f"/recommandations/{cited.pk}/trace/",
        f"/recommandations/{cited.pk}/trace.svg",
        f"/api/v1/recommendations/{cited.pk}/trace",
    ):
        body = _body(Client().get(url))
        assert not [t for t in titles if t in body], url
        assert world.private_workshop.slug not in body and world.draft_workshop.slug not in body


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.slug)
def test_every_dataset_leaves_the_hidden_things_out(world, published, client, dataset):
    rows = [str(row) for row in dataset.rows()]
    assert leaks("\n".join(rows)) == []
    for fmt in ("csv", "json"):
        response = client.get(f"/donnees/{dataset.slug}.{fmt}")
        assert response.status_code == 200
        assert leaks(_body(response)) == []


def test_summary_drafts_are_generated_from_public_things_only(world, editor):
    for scope in (
        {"scope": "period", "period_start": PERIOD[0], "period_end": PERIOD[1]},
        {"scope": "axis", "axis": world.public_workshop.axes.get()},
        {"scope": "workshop", "workshop": world.public_workshop},
    ):
        summary = summary_create(actor=editor, **scope)
        data = json.dumps(summary.data, ensure_ascii=False)
        assert leaks(data) == [], scope["scope"]
        assert CONTROL_MARKERS[0] in data, scope["scope"]


def test_the_api_says_results_hidden_for_the_unrevealed_vote(world, client):
    response = client.get(f"/api/v1/vote-sessions/{world.unrevealed_vote.pk}/results")
    assert response.status_code == 403
    assert response.json()["code"] == "results_hidden"
    assert client.get(f"/api/v1/vote-sessions/{world.private_vote.pk}").status_code == 404


# --- The rules and their querysets agree --------------------------------------------------------


def test_the_workshop_rule_and_its_queryset_agree(facilitator):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import Visibility, Workshop, WorkshopState, is_publicly_visible
    from workshops.rules import can_see_workshop

    workshops = [
        WorkshopFactory(visibility=visibility, state=state)
        for visibility, state in itertools.product(Visibility.values, WorkshopState.values)
    ]
    listed = set(Workshop.objects.publicly_visible().values_list("pk", flat=True))
    for workshop in workshops:
        rule = can_see_workshop(AnonymousUser(), workshop, None)
        assert (workshop.pk in listed) == is_publicly_visible(workshop) == rule, (
            workshop.visibility,
            workshop.state,
        )
    assert listed  # some are public


def test_the_results_rule_and_its_queryset_agree(facilitator):
    from django.utils import timezone

    from tests.workshops.factories import WorkshopFactory
    from votes.models import Reveal, SessionState, VoteSession
    from votes.rules import can_see_results
    from workshops.models import Visibility, WorkshopState

    now = timezone.now()
    places = [None] + [
        WorkshopFactory(visibility=visibility, state=state)
        for visibility, state in itertools.product(
            Visibility.values, [WorkshopState.DRAFT, WorkshopState.CLOSED]
        )
    ]
    sessions = [
        VoteSession.objects.create(
            title="Règle",
            method="support",
            workshop=workshop,
            starts_at=None if workshop else now,
            ends_at=None if workshop else now + timezone.timedelta(days=1),
            state=state,
            reveal=reveal,
            revealed_at=revealed,
        )
        for workshop, state, reveal, revealed in itertools.product(
            places, SessionState.values, Reveal.values, [None, now]
        )
    ]
    public = set(VoteSession.objects.results_public().values_list("pk", flat=True))
    for session in sessions:
        session = VoteSession.objects.select_related("workshop").get(pk=session.pk)
        rule = can_see_results(AnonymousUser(), session)
        assert (session.pk in public) == rule, (
            session.workshop and (session.workshop.visibility, session.workshop.state),
            session.state,
            session.reveal,
            session.revealed_at,
        )
    assert public  # some are public

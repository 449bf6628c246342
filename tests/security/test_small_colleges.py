"""No college of fewer than 3 people is shown alone, anywhere.

A workshop with 4 citizens, 2 enterprises and 1 elected member votes, writes ideas,
feeds a recommendation, an action and a published summary. Every page, diagram, export,
API answer and socket frame that counts people by college is scanned: the two small
colleges appear only inside « Autres collèges », never with their own count.
"""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest

from accounts.models import College
from tests.factories import UserFactory
from tests.security.conftest import client_for
from tests.workshops.factories import ParticipantFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

SMALL = {College.ENTERPRISES: 2, College.ELECTED: 1}


@pytest.fixture
def scene(editor, facilitator, axis):
    from decisions.services import (
        action_create,
        recommendation_create,
        recommendation_vote_source_add,
    )
    from proposals.models import Proposal
    from summaries.services import summary_create_for_workshop, summary_publish
    from votes.services import (
        ballot_cast,
        session_close,
        session_create,
        session_open,
        session_reveal,
    )
    from workshops.models import Workshop, WorkshopState

    workshop = WorkshopFactory(title="Petits collèges", slug="petits-colleges", state="live")
    workshop.facilitators.add(facilitator)
    workshop.axes.add(axis)
    people = []
    for college, n in [(College.CITIZENS, 4), *SMALL.items()]:
        for _ in range(n):
            user = UserFactory(college=college)
            ParticipantFactory(workshop=workshop, user=user)
            people.append(user)
    session = session_create(
        actor=facilitator,
        title="Priorité",
        method="support",
        workshop=workshop,
        labels=["Tram", "Vélo"],
    )
    session = session_open(session=session, actor=facilitator)
    options = list(session.options.order_by("order", "id").values_list("id", flat=True))
    for i, user in enumerate(people):
        ballot_cast(session=session, voter=user, choices={options[i % 2]: 1})
    session = session_close(session=session, actor=facilitator)
    session = session_reveal(session=session, actor=facilitator)
    # Ideas: three citizens and the elected member (a college of one among the authors).
    authors = [p for p in people if p.college == College.CITIZENS][:3] + [
        p for p in people if p.college == College.ELECTED
    ]
    proposals = [
        Proposal.objects.create(
            axis=axis,
            title=f"Idée {i}",
            body="",
            author=author,
            author_college=author.college,
            origin_workshop=workshop,
        )
        for i, author in enumerate(authors)
    ]
    rec = recommendation_create(
        actor=editor, title="Recommandation", axis=axis, body="", proposals=proposals
    )
    recommendation_vote_source_add(recommendation=rec, session=session, actor=editor, note="")
    action = action_create(actor=editor, recommendation=rec, title="Action", owner_name="PMA")
    Workshop.objects.filter(pk=workshop.pk).update(state=WorkshopState.CLOSED)
    workshop.refresh_from_db()
    summary = summary_create_for_workshop(actor=editor, workshop=workshop)
    summary_publish(summary=summary, actor=editor)
    return {"session": session, "rec": rec, "action": action, "summary": summary}


def _lone_counts(text: str) -> list[str]:
    """Places where a small college is shown with a count of its own."""
    text = unescape(text)
    found = []
    for college in SMALL:
        label = re.escape(str(College(college).label))
        key = re.escape(college.value)
        patterns = [
            rf"(?<![\d.,])\d+\s+{label}",  # « 1 Entreprises »
            rf"{label}\s*:\s*\d",  # « Entreprises : 1 »
            rf"<th scope=\"(?:row|col)\">\s*{label}\s*</th>",  # a table row or column of its own
            rf"\"{key}\"\s*:\s*\d",  # JSON {"enterprises": 2}
            rf"\"college\"\s*:\s*\"{key}\"",  # JSON {"college": "enterprises", …}
            rf"\b{key}=\d",  # CSV « enterprises=2 »
        ]
        for pattern in patterns:
            found += [m.group(0) for m in re.finditer(pattern, text)]
    return found


def _without(data, key: str):
    if isinstance(data, dict):
        return {k: _without(v, key) for k, v in data.items() if k != key}
    if isinstance(data, list):
        return [_without(v, key) for v in data]
    return data


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_no_page_export_or_frame_shows_a_college_of_fewer_than_3(scene, editor):
    from django.conf import settings
    from django.utils import translation

    from votes.live import snapshot

    session, rec, action, summary = (
        scene["session"],
        scene["rec"],
        scene["action"],
        scene["summary"],
    )
    client = client_for(editor)
    urls = [
        f"/recommandations/{rec.pk}/trace/",
        f"/recommandations/{rec.pk}/trace.svg",
        f"/actions/{action.pk}/trace/",
        f"/actions/{action.pk}/trace.svg",
        f"/votes/{session.pk}/",
        "/tableau-de-bord/",
        f"/syntheses/{summary.slug}/",
        f"/api/v1/recommendations/{rec.pk}/trace",
        f"/api/v1/actions/{action.pk}/trace",
        f"/api/v1/vote-sessions/{session.pk}/results",
        f"/api/v1/summaries/{summary.slug}",
    ]
    from summaries.opendata import DATASETS

    for dataset in DATASETS:
        urls += [f"/donnees/{dataset.slug}.csv", f"/donnees/{dataset.slug}.json"]
    outputs: dict[str, str] = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        outputs[url] = body.decode()
        if url.startswith("/api/v1/summaries/"):
            # The most supported ideas carry their author's college, as the board shows it
            # on every idea: an attribute of a public idea, not a count by college.
            outputs[url] = json.dumps(_without(json.loads(body), "top"))
    pdf = client.get(f"/syntheses/{summary.slug}.pdf")
    assert pdf.status_code == 200
    outputs["pdf"] = _pdf_text(pdf.content)
    # The socket frame of the live tally (the same builder the flusher broadcasts).
    outputs["vote.tally frame"] = json.dumps(snapshot(session, results=True))

    # The scene is what it says: the merged group is there, with everyone small in it.
    assert "Autres collèges" in outputs[f"/recommandations/{rec.pk}/trace/"]
    assert "3 Autres collèges" in unescape(outputs[f"/recommandations/{rec.pk}/trace/"])
    with translation.override(settings.LANGUAGE_CODE):
        lone = {where: _lone_counts(text) for where, text in outputs.items()}
    lone = {where: found for where, found in lone.items() if found}
    assert not lone, json.dumps(lone, ensure_ascii=False, indent=1)

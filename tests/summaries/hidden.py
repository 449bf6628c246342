"""Things the site hides from outsiders, each with distinctive words to look for in outputs.

- A private workshop (held, closed) with an idea and a vote whose results its room saw.
- A public workshop's vote set to reveal « à la clôture », closed but not revealed.
- A draft workshop with an idea posted into it.
- As a control, a public workshop's vote shown live and closed: it must come out everywhere
  results are published (a scan that finds nothing because it reads nothing proves nothing).

Used by tests/summaries/test_visibility_rules.py and tests/security/test_public_outputs.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from accounts.models import College
from proposals.models import Axis
from tests.factories import UserFactory
from tests.summaries.factories import make_proposal
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops.models import Visibility, WorkshopState

PERIOD = (date(2026, 3, 1), date(2026, 3, 31))
HELD_ON = timezone.make_aware(datetime(2026, 3, 12, 18, 0))

# Words found nowhere else: no output an outsider can read may contain them.
PRIVATE_MARKERS = (
    "Zorglub",  # the private workshop's title, idea, vote and options
    "zorglub-prive",  # its slug
    "Xylophage",  # the draft workshop's title and idea
    "xylophage-brouillon",  # its slug
)
# The unrevealed vote: its title and options may show on its own page (the ballot), never
# with results: no export, feed, summary or list may carry them.
UNREVEALED_MARKERS = ("Quokka",)
# The control: a public vote shown live, closed. Open data and period summaries carry it.
CONTROL_MARKERS = ("Option Wombat Epsilon", "Option Wombat Zeta")


@dataclass
class HiddenWorld:
    private_workshop: object
    public_workshop: object
    draft_workshop: object
    private_vote: object
    unrevealed_vote: object
    control_vote: object
    private_idea: object
    draft_idea: object
    citizen: object
    voters: list = field(default_factory=list)

    @property
    def hidden_vote_ids(self) -> set[int]:
        return {self.private_vote.pk, self.unrevealed_vote.pk}


def _vote(facilitator, workshop, title, labels, voters, *, reveal):
    from votes import services as votes
    from votes.models import Method

    session = votes.session_create(
        actor=facilitator,
        title=title,
        method=Method.SUPPORT,
        workshop=workshop,
        labels=labels,
        reveal=reveal,
    )
    votes.session_open(session=session, actor=facilitator)
    options = list(session.options.order_by("order", "pk"))
    for i, voter in enumerate(voters):
        votes.ballot_cast(session=session, voter=voter, choices={options[i % 2].pk: 1})
    return votes.session_close(session=session, actor=facilitator)


def hidden_world(facilitator) -> HiddenWorld:
    from votes.models import Reveal

    axis = Axis.objects.get(slug="environnement-accueil")
    citizen = UserFactory(username="citoyenne.ordinaire", college=College.CITIZENS)

    private = WorkshopFactory(
        title="Atelier privé Zorglub",
        slug="zorglub-prive",
        visibility=Visibility.PRIVATE,
        state=WorkshopState.LIVE,
        starts_at=HELD_ON,
        facilitators=[facilitator],
    )
    public = WorkshopFactory(
        title="Atelier ouvert des berges",
        slug="berges-ouvert",
        state=WorkshopState.LIVE,
        starts_at=HELD_ON,
        facilitators=[facilitator],
    )
    draft = WorkshopFactory(
        title="Atelier brouillon Xylophage",
        slug="xylophage-brouillon",
        state=WorkshopState.DRAFT,
        starts_at=HELD_ON,
        facilitators=[facilitator],
    )
    for workshop in (private, public, draft):
        workshop.axes.add(axis)
    voters = [UserFactory(college=College.CITIZENS) for _ in range(6)]
    for workshop in (private, public):
        for voter in voters:
            ParticipantFactory(workshop=workshop, user=voter)
    private_idea = make_proposal(
        author=voters[0], axis=axis, workshop=private, title="Idée secrète Zorglub", supports=40
    )
    draft_idea = make_proposal(
        author=voters[1], axis=axis, workshop=draft, title="Idée Xylophage", supports=40
    )
    private_vote = _vote(
        facilitator,
        private,
        "Vote Zorglub",
        ["Option Zorglub Alpha", "Option Zorglub Beta"],
        voters,
        reveal=Reveal.LIVE,
    )
    unrevealed = _vote(
        facilitator,
        public,
        "Vote Quokka à la clôture",
        ["Option Quokka Gamma", "Option Quokka Delta"],
        voters,
        reveal=Reveal.AT_CLOSE,
    )
    control = _vote(
        facilitator,
        public,
        "Vote Wombat en direct",
        list(CONTROL_MARKERS),
        voters,
        reveal=Reveal.LIVE,
    )
    for workshop in (private, public):
        workshop.state = WorkshopState.CLOSED
        workshop.closed_at = HELD_ON
        workshop.save(update_fields=["state", "closed_at"])
    return HiddenWorld(
        private_workshop=private,
        public_workshop=public,
        draft_workshop=draft,
        private_vote=private_vote,
        unrevealed_vote=unrevealed,
        control_vote=control,
        private_idea=private_idea,
        draft_idea=draft_idea,
        citizen=citizen,
        voters=voters,
    )


def leaks(text: str, *, unrevealed: bool = True, echoed: str = "") -> list[str]:
    """The hidden words found in ``text`` (case-sensitive: the capitalised words are in titles,
    the slugs in lower case). A slug that is part of the address asked (``echoed``) is left out:
    pages repeat their own address (the language switch); the titles are still looked for.
    """
    markers = PRIVATE_MARKERS + (UNREVEALED_MARKERS if unrevealed else ())
    return [m for m in markers if m in text and not (m.islower() and m in echoed)]

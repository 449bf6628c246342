"""Builders for the summaries' tests: a held (closed) workshop of PMA 2030 with participants
of every college and their ideas, then its vote, then its recommendations. The fixtures
``held_workshop``, ``voted_workshop`` and ``decided_workshop`` (tests/conftest.py) call them;
the browser tests of summaries use them too."""

from __future__ import annotations

from accounts.models import College
from proposals.models import Axis, Proposal, ProposalStatus
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops.models import Attendance, WorkshopState

# (username, college, attendance, e-mail opt-in)
PEOPLE = [
    ("lucie.synthese-test", College.CITIZENS, Attendance.ON_SITE, True),
    ("marc.synthese-test", College.CITIZENS, Attendance.ONLINE, False),
    ("ines.synthese-test", College.CITIZENS, Attendance.ON_SITE, True),
    ("nathalie.synthese-test", College.ENTERPRISES, Attendance.ON_SITE, True),
    ("pierre.synthese-test", College.ENTERPRISES, Attendance.ONLINE, False),
    ("jean.synthese-test", College.ELECTED, Attendance.ON_SITE, False),
    ("paul.synthese-test", College.CIVIL_SOCIETY, Attendance.ONLINE, True),
]


def make_proposal(*, author, axis, workshop=None, title="Idée", supports=0, status=None):
    return Proposal.objects.create(
        axis=axis,
        title=title,
        body="",
        author=author,
        author_college=author.college,
        origin_workshop=workshop,
        support_count=supports,
        status=status or ProposalStatus.SUBMITTED,
    )


def held_workshop_create():
    """A closed workshop: 7 participants (4 on site, 3 online), a guest, 6 ideas on 2 axes."""
    from accounts.services import guest_create

    workshop = WorkshopFactory(
        title="Requalifier les friches industrielles",
        slug="friches-test",
        state=WorkshopState.CLOSED,
    )
    foncier = Axis.objects.get(slug="environnement-accueil")
    filieres = Axis.objects.get(slug="filieres-avenir")
    workshop.axes.add(foncier)
    people = {}
    for username, college, attendance, opt_in in PEOPLE:
        user = UserFactory(username=username, college=college, email_opt_in=opt_in)
        ParticipantFactory(workshop=workshop, user=user, attendance=attendance)
        people[username.split(".")[0]] = user
    guest = guest_create(display_name="Gaston Invité", college=College.CITIZENS)
    guest.email_opt_in = True
    guest.email = "gaston.invite@example.org"  # claimed but not confirmed: still a guest
    guest.save()
    ParticipantFactory(workshop=workshop, user=guest, attendance=Attendance.ONLINE)
    people["guest"] = guest
    make_proposal(
        author=people["lucie"],
        axis=foncier,
        workshop=workshop,
        title="Inventaire public des friches",
        supports=12,
    )
    make_proposal(
        author=people["nathalie"],
        axis=foncier,
        workshop=workshop,
        title="Guichet unique foncier pour les PME",
        supports=9,
    )
    make_proposal(
        author=people["jean"],
        axis=foncier,
        workshop=workshop,
        title="Réserve foncière intercommunale",
        supports=4,
    )
    make_proposal(
        author=people["pierre"],
        axis=filieres,
        workshop=workshop,
        title="Site d'essai hydrogène sur une friche",
        supports=7,
    )
    make_proposal(
        author=guest,
        axis=foncier,
        workshop=workshop,
        title="Jardins partagés en attendant les projets",
        supports=2,
    )
    hidden = make_proposal(
        author=people["marc"], axis=foncier, workshop=workshop, title="Idée masquée"
    )
    Proposal.objects.filter(pk=hidden.pk).update(is_hidden=True)
    workshop.people = people
    return workshop


def held_workshop_vote(held_workshop, facilitator):
    """The held workshop with one closed approval vote: 5 voters, guest included."""
    from votes import services as votes
    from votes.models import Method

    held_workshop.facilitators.add(facilitator)
    held_workshop.state = WorkshopState.LIVE
    held_workshop.save()
    session = votes.session_create(
        actor=facilitator,
        title="Quelle friche requalifier en premier ?",
        method=Method.SUPPORT,
        workshop=held_workshop,
        labels=["Friche Peugeot d'Audincourt", "Site des Forges de Valentigney"],
    )
    votes.session_open(session=session, actor=facilitator)
    audincourt, valentigney = session.options.order_by("order", "pk")
    people = held_workshop.people
    for name, option in [
        ("lucie", audincourt),
        ("ines", audincourt),
        ("nathalie", audincourt),
        ("jean", valentigney),
        ("guest", valentigney),
    ]:
        votes.ballot_cast(session=session, voter=people[name], choices={option.pk: 1})
    votes.session_close(session=session, actor=facilitator)
    held_workshop.state = WorkshopState.CLOSED
    held_workshop.save()
    held_workshop.vote_session = session
    return held_workshop


def held_workshop_decide(held_workshop, editor):
    """The held workshop whose ideas became a published recommendation with 4 actions,
    and a second one adopted but not yet public."""
    from datetime import date

    from decisions import services as decisions

    ideas = {p.title: p for p in held_workshop.proposals.all()}
    foncier = Axis.objects.get(slug="environnement-accueil")
    published = decisions.recommendation_create(
        actor=editor,
        title="Créer un inventaire public et partagé des friches",
        axis=foncier,
        body="Un inventaire ouvert, mis à jour chaque année.",
        proposals=[
            ideas["Inventaire public des friches"],
            ideas["Réserve foncière intercommunale"],
        ],
    )
    for status in ("adopted", "published"):
        decisions.recommendation_status_change(
            recommendation=published, actor=editor, new_status=status
        )
    actions = [
        decisions.action_create(
            actor=editor,
            recommendation=published,
            title=title,
            owner_name="Pays de Montbéliard Agglomération",
            lead_name="Mme Hortense Référente",
            due_date=date(2027, month, 1),
        )
        for title, month in [
            ("Recenser les friches de plus d'un hectare", 3),
            ("Publier la carte des friches", 6),
            ("Lancer l'appel à projets de requalification", 9),
            ("Évaluer la première année", 12),
        ]
    ]
    decisions.action_report(
        action=actions[0],
        actor=editor,
        text="Recensement commencé.",
        progress=20,
        status="in_progress",
    )
    pending = decisions.recommendation_create(
        actor=editor,
        title="Guichet unique foncier",
        axis=foncier,
        proposals=[ideas["Guichet unique foncier pour les PME"]],
    )
    decisions.recommendation_status_change(
        recommendation=pending, actor=editor, new_status="adopted"
    )
    held_workshop.recommendation = published
    held_workshop.actions = actions
    return held_workshop

"""Demo workshops of PMA 2030: a past one (the launch, closed), a scheduled workshop on axis 1
and a live one on axis 3.

The live workshop ("filières d'avenir": hydrogène, luxe / maroquinerie) has
its agenda, participants of every college and ideas posted through the same
service as the room (``idea_post`` → ``proposal_create``). ``ctx["live_workshop"]``
and ``ctx["live_ideas"]`` (in the order below) are for the votes and decisions demos.
Idempotent: ideas carry client keys, the set-up runs once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from proposals.models import Axis, Proposal
from workshops import grouping
from workshops.models import Attendance, IdeaGroup, Place, Workshop, WorkshopState
from workshops.services.agenda import phase_next
from workshops.services.board import idea_post, reaction_toggle
from workshops.services.hands import hand_raise
from workshops.services.joining import join_code_generate, workshop_join
from workshops.services.lifecycle import workshop_state_change
from workshops.services.timer import timer_start

LIVE_SLUG = "filieres-avenir-hydrogene-maroquinerie"

LIVE_AGENDA = [
    # kind, title, minutes
    ("welcome", "Accueil et tour de table des collèges", 10),
    ("ideation", "Idées : hydrogène et maroquinerie", 25),
    ("clustering", "Regroupement des idées", 15),
    ("debate", "Débat : quelles priorités pour 2030 ?", 25),
    ("vote", "Vote au jugement majoritaire", 10),
    ("synthesis", "Synthèse pour le Codev", 10),
]

LIVE_PEOPLE = [
    # username, attendance
    ("pierre.h2", Attendance.ON_SITE),
    ("amelie.maroq", Attendance.ON_SITE),
    ("nathalie.equip", Attendance.ONLINE),
    ("lucie.citoyenne", Attendance.ON_SITE),
    ("marc.citoyen", Attendance.ONLINE),
    ("jean.elu", Attendance.ON_SITE),
    ("fatima.elue", Attendance.ONLINE),
    ("paul.expert", Attendance.ON_SITE),
    ("helene.asso", Attendance.ON_SITE),
]

LIVE_IDEAS = [
    # key, author, title, body
    (
        "station-h2",
        "pierre.h2",
        "Une station hydrogène mutualisée pour les bus et les camions du Nord Franche-Comté",
        "Une seule station pour les flottes publiques et les transporteurs privés : "
        "la demande groupée rend l'hydrogène vert rentable plus tôt.",
    ),
    (
        "ecole-maroquinerie",
        "amelie.maroq",
        "Une école de la maroquinerie et des métiers d'art adossée aux ateliers d'Audincourt",
        "Les maisons de luxe cherchent des artisan·es formé·es ; nos ateliers peuvent accueillir "
        "des apprenti·es si une formation qualifiante existe sur place.",
    ),
    (
        "sous-traitants-piles",
        "nathalie.equip",
        "Accompagner les sous-traitants automobiles vers les composants de piles à combustible",
        "Usinage de précision, plasturgie, contrôle qualité : beaucoup de savoir-faire du "
        "thermique servent aussi à l'hydrogène. Il manque un guichet pour les qualifier.",
    ),
    (
        "foncier-h2",
        "jean.elu",
        "Réserver des friches requalifiées aux projets de la filière hydrogène",
        "Caractériser les parcelles mobilisables et en flécher une part vers l'énergie, "
        "sans étalement urbain.",
    ),
    (
        "diplome-h2",
        "paul.expert",
        "Un diplôme « technicien·ne hydrogène » avec l'université et les lycées professionnels",
        "Former sur place les technicien·nes de maintenance dont la filière aura besoin d'ici 2030.",
    ),
    (
        "visites-colleges",
        "lucie.citoyenne",
        "Des visites d'entreprises de l'hydrogène et du cuir pour les collégien·nes et leurs parents",
        "Changer l'image de l'industrie commence à 14 ans, en famille.",
    ),
    (
        "insertion-cuir",
        "helene.asso",
        "Des parcours d'insertion vers les métiers du cuir pour les personnes éloignées de l'emploi",
        "Avec les ateliers volontaires : tutorat, immersion, puis contrat.",
    ),
    (
        "vitrine-savoir-faire",
        "marc.citoyen",
        "Une vitrine du savoir-faire local (cuir, horlogerie, hydrogène) au centre de Montbéliard",
        "Un lieu ouvert pour montrer ce qu'on fabrique ici, et vendre.",
    ),
]


# The demo workshops in English: slug -> {field: English text}.
WORKSHOPS_EN = {
    "lancement-pma-2030": {
        "title": "Launching PMA 2030: where should the recovery start?",
        "description": (
            "The first evening of PMA 2030: the Codev presents the 5 axes and everyone — citizen, "
            "business, elected official or expert — says where we should start."
        ),
    },
    "friches-foncier-2030": {
        "title": "Redeveloping industrial brownfields: where, and what for?",
        "description": (
            "A workshop open to every college: identify the plots that can be used, decide which "
            "brownfields to redevelop first without urban sprawl, listen to what business leaders need."
        ),
    },
    LIVE_SLUG: {
        "title": "Industries of the future: hydrogen and leatherwork, which projects for 2030?",
        "description": (
            "Axis 3 of PMA 2030: speed up diversification into energy / hydrogen and luxury / "
            "craftsmanship (leatherwork, crafts). Businesses, elected officials, citizens and experts "
            "propose, debate and vote."
        ),
    },
}


def seed(ctx: dict) -> None:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    workshop, created = Workshop.objects.get_or_create(
        slug="friches-foncier-2030",
        defaults={
            "title": "Requalifier les friches industrielles : où et pour quoi faire ?",
            "description": (
                "Atelier ouvert à tous les collèges : caractériser les parcelles mobilisables, prioriser les "
                "friches à requalifier sans étalement urbain, écouter les besoins des chefs d'entreprise."
            ),
            "starts_at": now + timedelta(days=14),
            "ends_at": now + timedelta(days=14, hours=3),
            "place": Place.HYBRID,
            "location": "Maison de l'agglomération, Montbéliard",
            "capacity": 120,
            "state": WorkshopState.SCHEDULED,
            "join_code": join_code_generate(),
            "created_by": ctx["facilitator"],
        },
    )
    if created:
        workshop.axes.set(Axis.objects.filter(slug="environnement-accueil"))
        workshop.facilitators.add(ctx["facilitator"])
    ctx["scheduled_workshop"] = workshop
    _seed_past(ctx)
    _seed_live(ctx, now)
    for slug, fields in WORKSHOPS_EN.items():
        Workshop.objects.filter(slug=slug).update(**{f"{k}_en": v for k, v in fields.items()})


def _seed_live(ctx: dict, now) -> None:
    facilitator = ctx["facilitator"]
    users = ctx["users"]
    workshop, created = Workshop.objects.get_or_create(
        slug=LIVE_SLUG,
        defaults={
            "title": "Filières d'avenir : hydrogène et maroquinerie, quels projets pour 2030 ?",
            "description": (
                "Axe 3 de PMA 2030 : accélérer la diversification vers l'énergie / hydrogène et le luxe / "
                "savoir-faire (maroquinerie, métiers d'art). Entreprises, élu·es, citoyen·nes et expert·es "
                "proposent, débattent et votent."
            ),
            "starts_at": now - timedelta(minutes=30),
            "ends_at": now + timedelta(hours=2),
            "place": Place.HYBRID,
            "location": "Pavillon des sciences, Montbéliard",
            "video_url": "https://meet.jit.si/agir-ensemble-pma2030-filieres-avenir",
            "capacity": 200,
            "state": WorkshopState.SCHEDULED,
            "join_code": join_code_generate(),
            "created_by": facilitator,
        },
    )
    if created:
        workshop.axes.set(Axis.objects.filter(slug="filieres-avenir"))
        workshop.facilitators.add(facilitator)
        for order, (kind, title, minutes) in enumerate(LIVE_AGENDA):
            workshop.phases.create(kind=kind, title=title, order=order, planned_minutes=minutes)
        workshop = workshop_state_change(
            workshop=workshop, actor=facilitator, to=WorkshopState.LIVE
        )
        phase_next(workshop=workshop, actor=facilitator)
        timer_start(workshop=workshop, actor=facilitator)
    for username, attendance in LIVE_PEOPLE:
        if users[username].participations.filter(workshop=workshop).exists():
            continue
        workshop_join(workshop=workshop, user=users[username], attendance=attendance)
    axis = Axis.objects.get(slug="filieres-avenir")
    ideas = []
    for key, author, title, body in LIVE_IDEAS:
        existing = Proposal.objects.filter(
            author=users[author], client_key=f"demo-live-{key}"
        ).first()
        if existing is None:
            existing = idea_post(
                workshop=workshop,
                user=users[author],
                axis=axis,
                title=title,
                body=body,
                client_key=f"demo-live-{key}",
            )
        ideas.append(existing)
    if created:
        reactions = [
            ("lucie.citoyenne", 0, "agree"),
            ("jean.elu", 0, "strong"),
            ("paul.expert", 1, "agree"),
            ("helene.asso", 1, "strong"),
            ("marc.citoyen", 4, "question"),
            ("fatima.elue", 6, "agree"),
        ]
        for username, index, kind in reactions:
            reaction_toggle(
                workshop=workshop, user=users[username], proposal_id=ideas[index].pk, kind=kind
            )
        hand_raise(workshop=workshop, user=users["fatima.elue"])
    _seed_groups(
        workshop,
        facilitator,
        {key: idea for (key, *_rest), idea in zip(LIVE_IDEAS, ideas, strict=True)},
    )
    ctx["live_workshop"] = workshop
    ctx["live_ideas"] = ideas


# The process's first workshop, held in November 2024 and closed: the ideas of every axis it
# gathered are on the board since. Its dates are those of that evening (the demo's timeline,
# ``project/demo_timeline.py``, dates what the services record at seeding time).
PAST_SLUG = "lancement-pma-2030"
PAST_STARTS = datetime(2024, 11, 19, 17, 0, tzinfo=UTC)  # 18:00 in Montbéliard
PAST_AGENDA = [
    ("welcome", "Présentation de la démarche PMA 2030", 15),
    ("ideation", "Idées : par où commencer ?", 30),
    ("vote", "Les priorités de la soirée", 15),
    ("synthesis", "Ce que le Codev en retient", 10),
]
PAST_PEOPLE = [
    ("lucie.citoyenne", Attendance.ON_SITE),
    ("marc.citoyen", Attendance.ON_SITE),
    ("jean.elu", Attendance.ON_SITE),
    ("pierre.h2", Attendance.ON_SITE),
    ("paul.expert", Attendance.ONLINE),
    ("helene.asso", Attendance.ON_SITE),
]
PAST_IDEAS = [
    # key, author, axis, title, body
    (
        "navette-zones",
        "lucie.citoyenne",
        "environnement-accueil",
        "Des navettes entre les gares et les zones d'activité, aux horaires des équipes",
        "Sans voiture, on ne peut pas accepter un poste en 3×8 à Sochaux ou à Étupes.",
    ),
    (
        "vitrine-reussites",
        "marc.citoyen",
        "marketing-territorial",
        "Raconter les entreprises qui se créent ici, pas seulement celles qui ferment",
        "Une page et un rendez-vous mensuel dans la presse locale pour les créations d'entreprises.",
    ),
    (
        "club-diversification",
        "pierre.h2",
        "mutation-automobile-mobilite",
        "Un club des sous-traitants qui se diversifient, pour partager les premiers clients",
        "Chacun cherche seul des marchés dans l'hydrogène ou le ferroviaire ; ensemble on irait plus vite.",
    ),
    (
        "gpect-nfc",
        "paul.expert",
        "synergies-territoriales",
        "Une carte des compétences partagée avec Belfort et Héricourt",
        "Les salarié·es passent d'un bassin à l'autre : la gestion des compétences doit se faire à cette échelle.",
    ),
]


def _seed_past(ctx: dict) -> None:
    facilitator = ctx["facilitator"]
    users = ctx["users"]
    workshop, created = Workshop.objects.get_or_create(
        slug=PAST_SLUG,
        defaults={
            "title": "Lancement de PMA 2030 : par où commencer la reconquête ?",
            "description": (
                "Première soirée de la démarche PMA 2030 : le Codev présente les 5 axes et chacun·e, "
                "citoyen·ne, entreprise, élu·e ou expert·e, dit par où il faudrait commencer."
            ),
            "starts_at": PAST_STARTS,
            "ends_at": PAST_STARTS + timedelta(hours=2),
            "place": Place.ON_SITE,
            "location": "Salle de la Roselière, Montbéliard",
            "capacity": 150,
            "state": WorkshopState.SCHEDULED,
            "join_code": join_code_generate(),
            "created_by": facilitator,
        },
    )
    if not created:
        ctx["past_workshop"] = workshop
        return
    axes = {a.slug: a for a in Axis.objects.all()}
    workshop.axes.set([axes[slug] for _k, _a, slug, _t, _b in PAST_IDEAS])
    workshop.facilitators.add(facilitator)
    for order, (kind, title, minutes) in enumerate(PAST_AGENDA):
        workshop.phases.create(kind=kind, title=title, order=order, planned_minutes=minutes)
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    phase_next(workshop=workshop, actor=facilitator)
    for username, attendance in PAST_PEOPLE:
        workshop_join(workshop=workshop, user=users[username], attendance=attendance)
    phase_next(workshop=workshop, actor=facilitator)
    for key, author, axis_slug, title, body in PAST_IDEAS:
        idea_post(
            workshop=workshop,
            user=users[author],
            axis=axes[axis_slug],
            title=title,
            body=body,
            client_key=f"demo-past-{key}",
        )
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.CLOSED)
    ctx["past_workshop"] = workshop


# The clustering step, begun: two named groups, some ideas still on their own.
LIVE_GROUPS = [
    (
        "Filière hydrogène : infrastructures et sous-traitance",
        ["station-h2", "sous-traitants-piles", "foncier-h2"],
    ),
    ("Former aux métiers d'avenir", ["ecole-maroquinerie", "diplome-h2"]),
]


def _seed_groups(workshop, facilitator, ideas_by_key: dict) -> None:

    if IdeaGroup.objects.filter(workshop=workshop).exists():
        return
    for name, keys in LIVE_GROUPS:
        grouping.idea_group_create(
            workshop=workshop,
            actor=facilitator,
            name=name,
            idea_ids=[ideas_by_key[k].pk for k in keys if k in ideas_by_key],
        )

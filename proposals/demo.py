"""Demo proposals of PMA 2030 (idempotent): the founding document's ideas, as participants would post them.

Every proposal is created through ``proposal_create`` with a stable client key,
so running the demo again finds the same rows. ``ctx["proposals"]`` is the
list, in the order below; ``ctx["proposals_by_key"]`` maps keys to proposals
(the decisions demo traces recommendations to them).
"""

from __future__ import annotations

from proposals import services
from proposals.models import Axis, ProposalStatus

# key, axis slug, author username, title, body, supporters, status steps [(status, reason)]
PROPOSALS = [
    (
        "agence-souverainete",
        "gouvernance-souverainete",
        "jean.elu",
        "Créer une Agence Territoriale de Souveraineté",
        "Une structure unique pour **coordonner les filières**, les investissements et la formation massive.\n\n"
        "- un guichet pour les industriels qui veulent se diversifier ;\n"
        "- une feuille de route commune PMA / Région / État ;\n"
        "- un comité où siègent aussi des citoyen·nes.",
        [
            "lucie.citoyenne",
            "nathalie.equip",
            "paul.expert",
            "fatima.elue",
            "pierre.h2",
            "helene.asso",
        ],
        [
            ("under_review", ""),
            ("shortlisted", "Portée par les quatre collèges lors de l'atelier de mars."),
        ],
    ),
    (
        "agence-doublon",
        "gouvernance-souverainete",
        "marc.citoyen",
        "Une agence pour piloter la souveraineté industrielle du Pays de Montbéliard",
        "Il faudrait un organisme qui coordonne les entreprises, la formation et les financements, "
        "plutôt que des dispositifs éparpillés.",
        ["thomas.citoyen", "ines.citoyenne", "lucie.citoyenne"],
        [],
    ),
    (
        "fonds-epargne-locale",
        "gouvernance-souverainete",
        "nathalie.equip",
        "Un fonds d'investissement territorial alimenté par l'épargne locale",
        "Financer les **PME locales stratégiques** avec l'épargne des habitant·es : livrets fléchés, "
        "parts sociales d'une société d'investissement régionale, abondement de PMA.\n\n"
        "Les sous-traitants qui se diversifient manquent de fonds propres, pas d'idées.",
        ["pierre.h2", "amelie.maroq", "jean.elu", "marc.citoyen"],
        [("under_review", "")],
    ),
    (
        "clause-souverainete",
        "gouvernance-souverainete",
        "pierre.h2",
        "Une clause de souveraineté dans les appels d'offres publics",
        "Favoriser les entreprises locales dans la commande publique, dans le respect du droit : "
        "critères de circuit court, d'emploi local et de bilan carbone, allotissement pour les PME.",
        ["nathalie.equip", "amelie.maroq", "fatima.elue"],
        [("under_review", ""), ("shortlisted", "")],
    ),
    (
        "infrastructure-ia",
        "intelligence-artificielle",
        "paul.expert",
        "Une infrastructure de calcul IA mutualisée pour les PME",
        "Établir une **infrastructure dédiée** (calcul, données industrielles partagées, accompagnement) "
        "pour que les PME du bassin expérimentent l'IA sans dépendre des grandes plateformes. "
        "Charte d'IA **éthique et inclusive** co-écrite avec les habitant·es.",
        ["nathalie.equip", "thomas.citoyen", "jean.elu"],
        [("under_review", "")],
    ),
    (
        "ia-acte-politique",
        "intelligence-artificielle",
        "ines.citoyenne",
        "Des ateliers citoyens pour décider des usages de l'IA dans les services publics",
        "Si l'IA est un acte politique, les habitant·es doivent pouvoir dire où ils la veulent et où ils n'en veulent pas.",
        ["lucie.citoyenne", "helene.asso"],
        [],
    ),
    (
        "formation-massive",
        "former-massivement",
        "helene.asso",
        "Un plan de formation massive aux métiers de demain",
        "Anticiper les métiers de l'hydrogène, de l'électrique et du numérique : parcours courts, "
        "certifiants, **rémunérés**, ouverts aux salarié·es dont l'emploi est menacé.",
        ["paul.expert", "marc.citoyen", "fatima.elue", "nathalie.equip", "ines.citoyenne"],
        [
            ("under_review", ""),
            ("shortlisted", ""),
            ("retained", "Intégrée à la recommandation « Former massivement »."),
        ],
    ),
    (
        "reconversion-soustraitants",
        "former-massivement",
        "nathalie.equip",
        "Accompagner la reconversion des salarié·es des sous-traitants automobiles",
        "Des passerelles entre entreprises du bassin : prêt de main-d'œuvre, formation en situation de travail, "
        "bilan de compétences pris en charge.",
        ["helene.asso", "thomas.citoyen"],
        [],
    ),
    (
        "friches-requalification",
        "environnement-accueil",
        "fatima.elue",
        "Requalifier les friches industrielles avant d'ouvrir de nouvelles zones",
        "Caractériser les **parcelles mobilisables** (pollution, réseaux, propriété) et les requalifier "
        "en priorité : zéro artificialisation nette, et des sites prêts pour les porteurs de projets.",
        ["jean.elu", "lucie.citoyenne", "pierre.h2", "paul.expert"],
        [("under_review", ""), ("shortlisted", "")],
    ),
    (
        "ecoute-chefs-entreprise",
        "environnement-accueil",
        "amelie.maroq",
        "Un rendez-vous annuel d'écoute des chef·fes d'entreprise",
        "Détecter tôt les besoins et les difficultés : recrutement, foncier, logement des salarié·es, mobilité.",
        ["nathalie.equip"],
        [],
    ),
    (
        "logement-salaries",
        "environnement-accueil",
        "thomas.citoyen",
        "Des logements pour les salarié·es et apprenti·es qui arrivent",
        "Les entreprises recrutent mais les nouveaux arrivant·es ne trouvent pas à se loger près des sites.",
        ["ines.citoyenne", "amelie.maroq"],
        [],
    ),
    (
        "diversification-soustraitants",
        "mutation-automobile-mobilite",
        "pierre.h2",
        "Un fonds d'amorçage pour la diversification des sous-traitants",
        "Soutenir les projets qui réduisent la dépendance au moteur thermique : électrique, **H2**, ferroviaire, médical.",
        ["nathalie.equip", "jean.elu"],
        [("under_review", "")],
    ),
    (
        "mobilite-h2-bus",
        "mutation-automobile-mobilite",
        "marc.citoyen",
        "Des bus à hydrogène sur les lignes de l'agglomération",
        "Une vitrine concrète de la filière hydrogène pour les habitant·es.",
        ["lucie.citoyenne"],
        [
            ("under_review", ""),
            (
                "not_retained",
                "Déjà engagé par le réseau de transport : suivi dans l'action mobilité.",
            ),
        ],
    ),
    (
        "hydrogene-filiere",
        "filieres-avenir",
        "pierre.h2",
        "Structurer la filière hydrogène du Nord Franche-Comté",
        "Production, stockage, usages industriels et mobilité : un **cluster** qui réunit les PME, "
        "l'université et les collectivités, en lien avec le Forum Hydrogène.",
        ["paul.expert", "jean.elu", "nathalie.equip", "fatima.elue"],
        [("under_review", ""), ("shortlisted", "")],
    ),
    (
        "maroquinerie-savoir-faire",
        "filieres-avenir",
        "amelie.maroq",
        "Une école des métiers d'art et de la maroquinerie",
        "Capitaliser sur le **savoir-faire** du luxe déjà présent : formation de piqueur·ses, sellier·es, "
        "maroquinier·es, avec les maisons installées dans le bassin.",
        ["helene.asso", "ines.citoyenne", "fatima.elue"],
        [("under_review", "")],
    ),
    (
        "marketing-creation",
        "marketing-territorial",
        "lucie.citoyenne",
        "Raconter les créations d'entreprises plutôt que les fermetures",
        "Une campagne qui montre les entrepreneur·es d'ici : portraits, visites d'ateliers, journées portes ouvertes.",
        ["amelie.maroq", "marc.citoyen"],
        [],
    ),
    (
        "marque-territoire",
        "marketing-territorial",
        "jean.elu",
        "Une marque territoriale « Pays de Montbéliard, terre d'industries d'avenir »",
        "Attirer actifs et porteurs de projets avec une marque partagée par les entreprises, les communes et l'université.",
        ["pierre.h2"],
        [],
    ),
    (
        "gpect-nfc",
        "synergies-territoriales",
        "paul.expert",
        "Une GPECT à l'échelle du Nord Franche-Comté",
        "Partager les prévisions d'emplois et de compétences avec Belfort et Héricourt pour construire les formations ensemble.",
        ["helene.asso", "jean.elu"],
        [],
    ),
    (
        "territoires-industrie",
        "synergies-territoriales",
        "fatima.elue",
        "Des projets communs avec les territoires voisins (Territoires d'industrie)",
        "Mutualiser l'ingénierie de projet et répondre ensemble aux appels nationaux.",
        ["paul.expert"],
        [],
    ),
]

# key, author, body, parent key (None for a root)
COMMENTS = [
    (
        "c-agence-1",
        "agence-souverainete",
        "nathalie.equip",
        "Oui, à condition que les PME y aient une vraie place, pas seulement les grands groupes.",
        None,
    ),
    (
        "c-agence-2",
        "agence-souverainete",
        "jean.elu",
        "C'est prévu : un collège des entreprises avec un quota de PME.",
        "c-agence-1",
    ),
    (
        "c-fonds-1",
        "fonds-epargne-locale",
        "marc.citoyen",
        "Je placerais volontiers une partie de mon livret si je sais quelles entreprises sont financées.",
        None,
    ),
    (
        "c-friches-1",
        "friches-requalification",
        "pierre.h2",
        "Le site de l'ancienne filature conviendrait à une unité d'électrolyse.",
        None,
    ),
    (
        "c-formation-1",
        "formation-massive",
        "thomas.citoyen",
        "Il faut des horaires compatibles avec le travail posté.",
        None,
    ),
    (
        "c-formation-2",
        "formation-massive",
        "helene.asso",
        "Bien noté, nous proposons des sessions le samedi.",
        "c-formation-1",
    ),
    (
        "c-ia-1",
        "infrastructure-ia",
        "ines.citoyenne",
        "Qui contrôle les données industrielles partagées ?",
        None,
    ),
    (
        "c-maroq-1",
        "maroquinerie-savoir-faire",
        "lucie.citoyenne",
        "Ma fille cherche justement un apprentissage en sellerie.",
        None,
    ),
]


def seed(ctx: dict) -> None:
    users = ctx["users"]
    editor = ctx.get("editor") or users["claire.codev"]
    facilitator = ctx.get("facilitator") or users["karim.anim"]
    axes = {a.slug: a for a in Axis.objects.all()}
    by_key = {}
    for key, axis_slug, author, title, body, supporters, steps in PROPOSALS:
        proposal = services.proposal_create(
            author=users[author],
            axis=axes[axis_slug],
            title=title,
            body=body,
            client_key=f"demo-{key}",
        )
        by_key[key] = proposal
        if proposal.status == ProposalStatus.MERGED:
            continue
        for username in supporters:
            services.support_add(proposal=proposal, user=users[username])
        # Status steps only once: a proposal already past "submitted" was seeded before.
        if proposal.status == ProposalStatus.SUBMITTED:
            for status, reason in steps:
                services.proposal_status_change(
                    proposal=proposal, actor=editor, new_status=status, reason=reason
                )
    comments = {}
    for key, proposal_key, author, body, parent_key in COMMENTS:
        comments[key] = services.comment_create(
            proposal=by_key[proposal_key],
            author=users[author],
            body=body,
            parent=comments.get(parent_key),
            client_key=f"demo-{key}",
        )
    duplicate = by_key["agence-doublon"]
    if duplicate.status != ProposalStatus.MERGED:
        services.proposal_merge(
            source=duplicate,
            target=by_key["agence-souverainete"],
            actor=facilitator,
            reason="Même idée que l'Agence Territoriale de Souveraineté : les soutiens sont regroupés.",
        )
    for proposal in by_key.values():
        proposal.refresh_from_db()
    ctx["proposals"] = list(by_key.values())
    ctx["proposals_by_key"] = by_key

"""Demo decisions of PMA 2030 (idempotent).

- the founding document's indicators: its 4 success indicators and the context figures it gives;
- its concrete recommendations (Agence Territoriale de Souveraineté, fonds d'investissement
  territorial, clause de souveraineté, infrastructure IA dédiée, former massivement) as
  recommendations of the Codev, with action items and dated updates, traced to the demo
  proposals of the board (``ctx["proposals"]``) and to the ideas of the live workshop
  (``ctx["live_ideas"]``);
- demo measurements, always with the source « Données de démonstration ».

Everything goes through the services (trace links, statuses, history, notifications).
"""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

from decisions.models import ActionItem, Direction, Indicator, IndicatorKind, Recommendation
from decisions.services.actions import action_create, action_report
from decisions.services.indicators import indicator_create, measurement_record
from decisions.services.recommendations import recommendation_create, recommendation_status_change
from decisions.services.source_links import (
    recommendation_source_add,
    recommendation_vote_source_add,
)
from project.errors import DomainError
from proposals.models import Axis, Proposal

SOURCE = "Codev PMA, « PMA 2030… Agir ensemble pour le renouveau et l'attractivité économique »"

INDICATORS = [
    {
        "slug": "emploi-filieres-diversification",
        "kind": IndicatorKind.SUCCESS,
        "name": "Emploi : création d'emplois dans les filières de diversification",
        "description": "Taux de création d'emplois dans les filières de diversification (énergie, luxe).",
        "axis": "filieres-avenir",
        "unit": "%",
        "direction": Direction.UP,
        "context_note": (
            "Le territoire a perdu 10 % de ses emplois industriels entre 2016 et 2020 ; "
            "l'industrie représente encore 28 % des emplois du bassin."
        ),
    },
    {
        "slug": "foncier-friches-requalifiees",
        "kind": IndicatorKind.SUCCESS,
        "name": "Foncier : friches requalifiées",
        "description": "Nombre de friches requalifiées et surface de foncier optimisée sans étalement urbain.",
        "axis": "environnement-accueil",
        "unit": "friches",
        "direction": Direction.UP,
    },
    {
        "slug": "innovation-projets-finances",
        "kind": IndicatorKind.SUCCESS,
        "name": "Innovation : projets innovants financés par an",
        "description": "Nombre de projets innovants et d'expérimentations financés annuellement.",
        "axis": "filieres-avenir",
        "unit": "projets/an",
        "direction": Direction.UP,
    },
    {
        "slug": "formation-diplomes-nouveaux-metiers",
        "kind": IndicatorKind.SUCCESS,
        "name": "Formation : diplômés formés localement aux nouveaux métiers",
        "description": "Nombre de diplômés formés localement aux nouveaux métiers de demain.",
        "axis": "former-massivement",
        "unit": "diplômés/an",
        "direction": Direction.UP,
    },
    {
        "slug": "taux-chomage-local",
        "kind": IndicatorKind.CONTEXT,
        "name": "Taux de chômage local",
        "description": "Taux de chômage du Pays de Montbéliard.",
        "axis": None,
        "unit": "%",
        "direction": Direction.DOWN,
        "baseline_value": Decimal("9.5"),
        "context_note": "Moyenne régionale : 6,3 % ; moyenne nationale : 7,2 %.",
    },
    {
        "slug": "evolution-emploi-industriel",
        "kind": IndicatorKind.CONTEXT,
        "name": "Évolution de l'emploi industriel",
        "description": "Évolution du nombre d'emplois industriels du territoire entre 2016 et 2020.",
        "axis": "mutation-automobile-mobilite",
        "unit": "%",
        "direction": Direction.UP,
        "baseline_value": Decimal("-10"),
        "baseline_date": date(2020, 12, 31),
    },
    {
        "slug": "part-industrie-emploi",
        "kind": IndicatorKind.CONTEXT,
        "name": "Part de l'industrie dans l'emploi du bassin",
        "description": "Part des emplois industriels dans l'ensemble des emplois du bassin.",
        "axis": None,
        "unit": "%",
        "direction": Direction.UP,
        "baseline_value": Decimal("28"),
    },
]


# The same indicators in English: slug -> {field: English text}.
INDICATORS_EN = {
    "emploi-filieres-diversification": {
        "name": "Jobs: job creation in the diversification industries",
        "description": "Rate of job creation in the diversification industries (energy, luxury).",
        "context_note": (
            "The area lost 10% of its industrial jobs between 2016 and 2020; "
            "industry still accounts for 28% of jobs in the area."
        ),
    },
    "foncier-friches-requalifiees": {
        "name": "Land: redeveloped brownfields",
        "description": "Number of brownfields redeveloped and land optimised without urban sprawl.",
        "unit": "brownfields",
    },
    "innovation-projets-finances": {
        "name": "Innovation: innovative projects funded per year",
        "description": "Number of innovative projects and experiments funded each year.",
        "unit": "projects/year",
    },
    "formation-diplomes-nouveaux-metiers": {
        "name": "Training: graduates trained locally for new jobs",
        "description": "Number of graduates trained locally for the new jobs of tomorrow.",
        "unit": "graduates/year",
    },
    "taux-chomage-local": {
        "name": "Local unemployment rate",
        "description": "Unemployment rate of the Pays de Montbéliard.",
        "context_note": "Regional average: 6.3%; national average: 7.2%.",
    },
    "evolution-emploi-industriel": {
        "name": "Change in industrial employment",
        "description": "Change in the number of industrial jobs in the area between 2016 and 2020.",
    },
    "part-industrie-emploi": {
        "name": "Share of industry in local employment",
        "description": "Share of industrial jobs in all jobs of the area.",
    },
    "demo-pme-accompagnees-fonds": {
        "name": "Strategic SMEs funded by the territorial fund (demo)",
        "description": (
            "An additional demo indicator: cumulative number of local SMEs funded by the "
            "territorial investment fund. Values and target are fictitious."
        ),
        "unit": "SMEs",
    },
    "demo-sous-traitants-diversifies": {
        "name": "Automotive subcontractors engaged in diversification (demo)",
        "description": (
            "An additional demo indicator: cumulative number of subcontractors with a supported "
            "diversification project (electric, hydrogen, rail)."
        ),
        "unit": "firms",
    },
    "demo-creations-entreprises": {
        "name": "Industrial and craft business start-ups (demo)",
        "description": (
            "An additional demo indicator: industrial and craft businesses created in the area "
            "each year. Values and target are fictitious."
        ),
        "unit": "start-ups/year",
    },
    "demo-projets-cooperation": {
        "name": "Projects with neighbouring areas (demo)",
        "description": (
            "An additional demo indicator: joint projects under way with Grand Belfort, Héricourt "
            "and the North Franche-Comté (hydrogen, skills, mobility)."
        ),
        "unit": "projects",
    },
}


def seed(ctx: dict) -> None:
    seed_indicators(ctx)
    seed_recommendations(ctx)
    seed_english()


def seed_english() -> None:
    """The English of what the demo defines (the French is what the services were given)."""
    for slug, fields in INDICATORS_EN.items():
        Indicator.objects.filter(slug=slug).update(**{f"{k}_en": v for k, v in fields.items()})
    for spec in RECOMMENDATIONS:
        Recommendation.objects.filter(title_fr=spec["title"]).update(title_en=spec["title_en"])
        for action in spec["actions"]:
            ActionItem.objects.filter(
                recommendation__title_fr=spec["title"], title_fr=action["title"]
            ).update(title_en=action["title_en"])


def seed_indicators(ctx: dict) -> None:
    axes = {a.slug: a for a in Axis.objects.all()}
    indicators = {}
    for order, data in enumerate(INDICATORS, start=1):
        data = dict(data)
        axis_slug = data.pop("axis")
        indicator, _created = Indicator.objects.update_or_create(
            slug=data.pop("slug"),
            defaults={**data, "axis": axes.get(axis_slug), "source": SOURCE, "order": order},
        )
        indicators[indicator.slug] = indicator
    ctx["indicators"] = indicators


DEMO_SOURCE = "Données de démonstration"

# Demo measurements: clearly labelled as such by their source; the founding document gives
# no figures for the success indicators and no numeric 2030 targets.
DEMO_MEASUREMENTS = {
    "emploi-filieres-diversification": [("2024-12-31", "1.2"), ("2025-12-31", "2.4")],
    "foncier-friches-requalifiees": [("2024-12-31", "2"), ("2025-12-31", "4")],
    "innovation-projets-finances": [("2024-12-31", "6"), ("2025-12-31", "9")],
    "formation-diplomes-nouveaux-metiers": [("2024-12-31", "120"), ("2025-12-31", "185")],
}

# Complementary demo indicators (fictitious values and targets, labelled as such), so that
# every axis of the 5 has a figure that moves: the founding document names no figure for them.
DEMO_INDICATORS = [
    {
        "slug": "demo-pme-accompagnees-fonds",
        "kind": IndicatorKind.CUSTOM,
        "name": "PME stratégiques financées par le fonds territorial (démonstration)",
        "description": (
            "Indicateur complémentaire de démonstration : nombre cumulé de PME locales "
            "financées par le fonds d'investissement territorial. Valeurs et cible fictives."
        ),
        "axis": "gouvernance-souverainete",
        "unit": "PME",
        "direction": Direction.UP,
        "baseline_value": Decimal("0"),
        "baseline_date": date(2024, 12, 31),
        "target_2030": Decimal("40"),
        "source": DEMO_SOURCE,
        "order": 100,
        "measurements": [("2025-06-30", "3"), ("2025-12-31", "7"), ("2026-06-30", "11")],
    },
    {
        "slug": "demo-sous-traitants-diversifies",
        "kind": IndicatorKind.CUSTOM,
        "name": "Sous-traitants automobiles engagés dans une diversification (démonstration)",
        "description": (
            "Indicateur complémentaire de démonstration : nombre cumulé de sous-traitants "
            "ayant un projet de diversification accompagné (électrique, hydrogène, ferroviaire)."
        ),
        "axis": "mutation-automobile-mobilite",
        "unit": "entreprises",
        "direction": Direction.UP,
        "baseline_value": Decimal("4"),
        "baseline_date": date(2024, 12, 31),
        "target_2030": Decimal("60"),
        "source": DEMO_SOURCE,
        "order": 101,
        "measurements": [("2025-06-30", "9"), ("2025-12-31", "17"), ("2026-06-30", "26")],
    },
    {
        "slug": "demo-creations-entreprises",
        "kind": IndicatorKind.CUSTOM,
        "name": "Créations d'entreprises industrielles et artisanales (démonstration)",
        "description": (
            "Indicateur complémentaire de démonstration : créations d'entreprises industrielles "
            "et artisanales sur le territoire, par année. Valeurs et cible fictives."
        ),
        "axis": "marketing-territorial",
        "unit": "créations/an",
        "direction": Direction.UP,
        "baseline_value": Decimal("140"),
        "baseline_date": date(2023, 12, 31),
        "target_2030": Decimal("220"),
        "source": DEMO_SOURCE,
        "order": 102,
        "measurements": [("2024-12-31", "151"), ("2025-12-31", "163")],
    },
    {
        "slug": "demo-projets-cooperation",
        "kind": IndicatorKind.CUSTOM,
        "name": "Projets menés avec les territoires voisins (démonstration)",
        "description": (
            "Indicateur complémentaire de démonstration : projets communs en cours avec le Grand "
            "Belfort, Héricourt et le Nord Franche-Comté (hydrogène, compétences, mobilité)."
        ),
        "axis": "synergies-territoriales",
        "unit": "projets",
        "direction": Direction.UP,
        "baseline_value": Decimal("2"),
        "baseline_date": date(2024, 12, 31),
        "target_2030": Decimal("10"),
        "source": DEMO_SOURCE,
        "order": 103,
        "measurements": [("2025-06-30", "3"), ("2026-03-31", "5")],
    },
]


def _action(
    title: str,
    title_en: str,
    *,
    owner_kind: str,
    owner_name: str,
    lead_name: str = "",
    start_date: date | None = None,
    due_date: date | None = None,
    budget: Decimal | None = None,
    indicators: list[str] | None = None,
    updates: list[tuple[date, str, int, str]] | None = None,
) -> dict:
    """An action item of a demo recommendation: the fields ``action_create`` takes, the slugs
    of its indicators and its dated updates ``(date, text, progress, status)``."""
    return {
        "title": title,
        "title_en": title_en,
        "owner_kind": owner_kind,
        "owner_name": owner_name,
        "lead_name": lead_name,
        "start_date": start_date,
        "due_date": due_date,
        "budget": budget,
        "indicators": indicators or [],
        "updates": updates or [],
    }


RECOMMENDATIONS = [
    {
        "title": "Créer une Agence Territoriale de Souveraineté",
        "title_en": "Create a Territorial Sovereignty Agency",
        "axis": "gouvernance-souverainete",
        "status": "published",
        "body": (
            "Créer une structure qui coordonne **les filières, les investissements et la formation "
            "massive** à l'échelle du Pays de Montbéliard, avec les entreprises, les communes, "
            "la Région et les organismes de formation."
        ),
        "rationale": (
            "Le territoire a perdu 10 % de ses emplois industriels entre 2016 et 2020. "
            "Les participant·es ont demandé un lieu unique où se décident ensemble filières, "
            "investissements et compétences."
        ),
        "keywords": ["agence", "souverainet", "coordin", "guichet"],
        "source_keys": ["agence-souverainete"],
        "actions": [
            _action(
                "Préfigurer l'Agence : mission, statuts et gouvernance",
                "Shape the Agency: mission, statutes and governance",
                owner_kind="pma",
                owner_name="Pays de Montbéliard Agglomération",
                lead_name="Direction du développement économique",
                start_date=date(2025, 3, 1),
                due_date=date(2026, 12, 31),
                budget=Decimal("180000"),
                indicators=["emploi-filieres-diversification"],
                updates=[
                    (
                        date(2025, 3, 10),
                        "Lancement de la mission de préfiguration.",
                        10,
                        "in_progress",
                    ),
                    (
                        date(2025, 9, 22),
                        "Trois scénarios de statuts présentés au bureau communautaire.",
                        35,
                        "in_progress",
                    ),
                    (
                        date(2026, 4, 2),
                        "Scénario retenu : une société publique locale associant la Région.",
                        60,
                        "in_progress",
                    ),
                ],
            ),
            _action(
                "Installer le comité filières–investissement–formation",
                "Set up the industries–investment–training committee",
                owner_kind="association",
                owner_name="Codev PMA et partenaires",
                start_date=date(2026, 1, 15),
                due_date=date(2027, 3, 31),
            ),
        ],
    },
    {
        "title": "Créer un fonds d'investissement territorial alimenté par l'épargne locale",
        "title_en": "Create a territorial investment fund fed by local savings",
        "axis": "gouvernance-souverainete",
        "status": "published",
        "body": "Financer les **PME locales stratégiques** grâce à l'épargne des habitant·es et des entreprises du territoire.",
        "rationale": "Les PME de la diversification (hydrogène, maroquinerie) peinent à financer leurs investissements.",
        "keywords": ["fonds", "épargne", "financ", "investis"],
        "source_keys": ["fonds-epargne-locale", "diversification-soustraitants"],
        "actions": [
            _action(
                "Étude de faisabilité juridique et financière du fonds",
                "Legal and financial feasibility study of the fund",
                owner_kind="region",
                owner_name="Région Bourgogne-Franche-Comté",
                lead_name="Service ingénierie financière",
                start_date=date(2025, 6, 1),
                due_date=date(2026, 6, 30),
                budget=Decimal("60000"),
                indicators=["innovation-projets-finances", "demo-pme-accompagnees-fonds"],
                updates=[
                    (
                        date(2025, 6, 15),
                        "Cahier des charges validé, cabinet retenu.",
                        15,
                        "in_progress",
                    ),
                    (
                        date(2026, 2, 10),
                        "Le montage en société de capital-risque régionale est à l'étude.",
                        55,
                        "in_progress",
                    ),
                ],
            ),
            _action(
                "Première levée d'épargne citoyenne",
                "First round of citizen savings",
                owner_kind="firm",
                owner_name="Banque coopérative partenaire",
                due_date=date(2027, 12, 31),
                indicators=["demo-pme-accompagnees-fonds"],
            ),
        ],
    },
    {
        "title": "Introduire une clause de souveraineté dans les appels d'offres publics",
        "title_en": "Introduce a sovereignty clause in public tenders",
        "axis": "gouvernance-souverainete",
        "status": "published",
        "body": "Favoriser les **entreprises locales** dans la commande publique, dans le respect du droit des marchés.",
        "rationale": "La commande publique est un levier direct pour les entreprises du bassin.",
        "keywords": ["clause", "appel", "marché", "commande publique", "achat"],
        "source_keys": ["clause-souverainete"],
        "actions": [
            _action(
                "Rédiger une clause type avec les juristes des communes",
                "Draft a model clause with the municipalities' lawyers",
                owner_kind="pma",
                owner_name="Pays de Montbéliard Agglomération",
                lead_name="Service de la commande publique",
                start_date=date(2025, 1, 6),
                due_date=date(2025, 10, 31),
                updates=[
                    (
                        date(2025, 2, 3),
                        "Groupe de travail réunissant 12 communes.",
                        20,
                        "in_progress",
                    ),
                    (
                        date(2025, 10, 20),
                        "Clause type adoptée ; elle figure dans les nouveaux marchés de PMA.",
                        100,
                        "done",
                    ),
                ],
            ),
            _action(
                "Former les acheteurs publics des communes à la clause",
                "Train the municipalities' public buyers in the clause",
                owner_kind="commune",
                owner_name="Communes du Pays de Montbéliard",
                start_date=date(2025, 11, 1),
                due_date=date(2026, 6, 30),
                budget=Decimal("15000"),
                updates=[
                    (
                        date(2026, 3, 12),
                        "Formation suspendue dans l'attente d'un avis juridique de l'État.",
                        20,
                        "blocked",
                    ),
                ],
            ),
        ],
    },
    {
        "title": "Établir une infrastructure d'IA dédiée, éthique et inclusive",
        "title_en": "Build dedicated, ethical and inclusive AI infrastructure",
        "axis": "intelligence-artificielle",
        "status": "published",
        "body": "Considérer l'IA comme un **acte politique** : une infrastructure de calcul partagée et une charte pour une IA éthique et inclusive.",
        "rationale": "L'IA est une opportunité pour reprendre le contrôle du développement économique, à condition de ne pas la subir.",
        "keywords": ["ia", "intelligence artificielle", "numérique", "donnée", "calcul"],
        "source_keys": ["infrastructure-ia", "ia-acte-politique"],
        "actions": [
            _action(
                "Cartographier les besoins en calcul des industriels",
                "Map the computing needs of manufacturers",
                owner_kind="training",
                owner_name="Université de Franche-Comté et UTBM",
                start_date=date(2025, 9, 1),
                due_date=date(2026, 9, 30),
                budget=Decimal("40000"),
                indicators=["innovation-projets-finances"],
                updates=[
                    (
                        date(2025, 12, 5),
                        "45 entreprises interrogées ; premiers besoins : maintenance prédictive et vision.",
                        50,
                        "in_progress",
                    ),
                ],
            ),
        ],
    },
    {
        "title": "Former massivement aux métiers de demain et accompagner les reconversions",
        "title_en": "Train on a large scale for the jobs of tomorrow and support career changes",
        "axis": "former-massivement",
        "status": "published",
        "body": "Anticiper les métiers de demain et accompagner les **reconversions des salarié·es** dont les emplois sont menacés.",
        "rationale": "Former localement les diplômé·es des nouveaux métiers est l'un des 4 indicateurs de réussite de PMA 2030.",
        "keywords": ["form", "métier", "reconversion", "compétence", "apprenti", "gpec"],
        "source_keys": ["formation-massive", "reconversion-soustraitants"],
        "actions": [
            _action(
                "Plateforme de reconversion des salarié·es de la sous-traitance automobile",
                "A retraining platform for employees of automotive subcontractors",
                owner_kind="state",
                owner_name="France Travail et Région Bourgogne-Franche-Comté",
                start_date=date(2025, 4, 1),
                due_date=date(2026, 12, 31),
                budget=Decimal("450000"),
                indicators=["formation-diplomes-nouveaux-metiers"],
                updates=[
                    (
                        date(2025, 4, 15),
                        "Ouverture de la plateforme à Montbéliard.",
                        15,
                        "in_progress",
                    ),
                    (
                        date(2025, 11, 30),
                        "210 salarié·es accompagné·es, 85 en formation qualifiante.",
                        45,
                        "in_progress",
                    ),
                ],
            ),
            _action(
                "Ouvrir une formation locale aux métiers de l'hydrogène",
                "Open a local training course for hydrogen jobs",
                owner_kind="training",
                owner_name="Lycées et CFA du Nord Franche-Comté",
                due_date=date(2027, 9, 1),
                indicators=["formation-diplomes-nouveaux-metiers"],
            ),
        ],
    },
    # The 5 axes of the strategy, each with what the Codev drew from the first year.
    {
        "title": "Requalifier les friches industrielles avant d'ouvrir de nouveaux terrains",
        "title_en": "Redevelop industrial brownfields before opening up new land",
        "axis": "environnement-accueil",
        "status": "published",
        "body": (
            "Caractériser **toutes les parcelles mobilisables** du territoire et requalifier en "
            "priorité les friches industrielles, pour accueillir les entreprises sans étalement urbain."
        ),
        "rationale": (
            "Les chefs d'entreprise rencontrés disent manquer de foncier prêt à l'emploi, alors que "
            "des dizaines de friches attendent un projet."
        ),
        "keywords": ["friche", "foncier", "parcelle", "terrain", "navette", "zone"],
        "source_keys": ["friches-requalification"],
        "idea_keys": ["navette-zones"],
        "actions": [
            _action(
                "Inventaire des parcelles mobilisables et des friches",
                "Inventory of usable plots and brownfields",
                owner_kind="pma",
                owner_name="Pays de Montbéliard Agglomération",
                lead_name="Service foncier et aménagement",
                start_date=date(2025, 11, 3),
                due_date=date(2026, 6, 30),
                budget=Decimal("90000"),
                indicators=["foncier-friches-requalifiees"],
                updates=[
                    (
                        date(2025, 12, 12),
                        "62 sites repérés ; visites de terrain en cours.",
                        30,
                        "in_progress",
                    ),
                    (
                        date(2026, 6, 26),
                        "Inventaire publié : 38 friches caractérisées (pollution, accès, réseaux).",
                        100,
                        "done",
                    ),
                ],
            ),
            _action(
                "Une rencontre par trimestre avec les chefs d'entreprise de chaque zone",
                "A quarterly meeting with the business leaders of each business park",
                owner_kind="association",
                owner_name="Codev PMA et clubs d'entreprises",
                start_date=date(2026, 1, 15),
                due_date=date(2027, 12, 31),
                updates=[
                    (
                        date(2026, 9, 18),
                        "Trois rencontres tenues ; besoin n° 1 exprimé : des navettes vers les zones.",
                        40,
                        "in_progress",
                    ),
                ],
            ),
        ],
    },
    {
        "title": "Accompagner chaque sous-traitant automobile dans un projet de diversification",
        "title_en": "Support every automotive subcontractor in a diversification project",
        "axis": "mutation-automobile-mobilite",
        "status": "published",
        "body": (
            "Soutenir les sous-traitants dans leurs projets de **diversification** (électrique, "
            "hydrogène, ferroviaire) pour réduire leur dépendance au moteur thermique."
        ),
        "rationale": "Un emploi industriel sur trois du bassin dépend encore de l'automobile thermique.",
        "keywords": ["sous-traitan", "diversif", "automobile", "thermique", "électrique"],
        "source_keys": ["diversification-soustraitants"],
        "idea_keys": ["club-diversification"],
        "actions": [
            _action(
                "Diagnostic de diversification pour 30 sous-traitants",
                "Diversification assessment for 30 subcontractors",
                owner_kind="region",
                owner_name="Région Bourgogne-Franche-Comté et CCI",
                start_date=date(2025, 12, 1),
                due_date=date(2026, 12, 31),
                budget=Decimal("120000"),
                indicators=["demo-sous-traitants-diversifies"],
                updates=[
                    (
                        date(2026, 2, 20),
                        "12 diagnostics réalisés, 5 projets identifiés.",
                        35,
                        "in_progress",
                    ),
                    (
                        date(2026, 10, 6),
                        "26 diagnostics réalisés ; un club des sous-traitants créé.",
                        80,
                        "in_progress",
                    ),
                ],
            ),
        ],
    },
    {
        "title": "Structurer la filière hydrogène et celle du luxe et des savoir-faire",
        "title_en": "Organise the hydrogen industry and the luxury and craftsmanship industry",
        "axis": "filieres-avenir",
        "status": "published",
        "body": (
            "Accélérer la diversification vers les **filières d'avenir** : l'énergie et l'hydrogène, "
            "le luxe et les savoir-faire (maroquinerie, métiers d'art)."
        ),
        "rationale": "Les deux filières créent déjà des emplois sur le territoire ; il leur manque une feuille de route commune.",
        "keywords": ["hydrog", "maroquin", "luxe", "métiers d'art", "énergie"],
        "source_keys": ["hydrogene-filiere"],
        "actions": [
            _action(
                "Feuille de route hydrogène avec les industriels du Nord Franche-Comté",
                "A hydrogen roadmap with the manufacturers of the North Franche-Comté",
                owner_kind="pma",
                owner_name="Pays de Montbéliard Agglomération",
                lead_name="Mission filières d'avenir",
                start_date=date(2026, 1, 5),
                due_date=date(2026, 12, 31),
                budget=Decimal("75000"),
                indicators=["emploi-filieres-diversification", "innovation-projets-finances"],
                updates=[
                    (
                        date(2026, 3, 30),
                        "Comité des industriels installé (14 entreprises).",
                        25,
                        "in_progress",
                    ),
                    (
                        date(2026, 11, 16),
                        "Feuille de route en relecture par les partenaires.",
                        75,
                        "in_progress",
                    ),
                ],
            ),
        ],
    },
    {
        "title": "Changer l'image du territoire en racontant les entreprises qui se créent",
        "title_en": "Change the area's image by telling the story of the businesses being created",
        "axis": "marketing-territorial",
        "status": "published",
        "body": (
            "Inverser l'image de désindustrialisation en **valorisant la création d'entreprises**, "
            "pour attirer les actifs et les porteurs de projets."
        ),
        "rationale": "Les participant·es ont regretté qu'on ne parle du territoire qu'à l'occasion des fermetures.",
        "keywords": ["image", "attract", "marketing", "création", "raconter", "vitrine"],
        "source_keys": ["marketing-creation"],
        "idea_keys": ["vitrine-reussites"],
        "actions": [
            _action(
                "Une campagne d'attractivité portée par les créateurs d'entreprise",
                "An attractiveness campaign led by business founders",
                owner_kind="pma",
                owner_name="Pays de Montbéliard Agglomération",
                lead_name="Direction de la communication",
                start_date=date(2026, 3, 1),
                due_date=date(2027, 6, 30),
                budget=Decimal("200000"),
                indicators=["demo-creations-entreprises"],
                updates=[
                    (
                        date(2026, 5, 11),
                        "Appel à témoignages lancé auprès des créateurs.",
                        15,
                        "in_progress",
                    ),
                ],
            ),
        ],
    },
    {
        "title": "Coopérer avec les territoires voisins et gérer les compétences à l'échelle du Nord Franche-Comté",
        "title_en": "Cooperate with neighbouring areas and manage skills across the North Franche-Comté",
        "axis": "synergies-territoriales",
        "status": "published",
        "body": (
            "Renforcer la **coopération avec les territoires voisins** sur des projets communs "
            "(Forum Hydrogène, Territoires d'Industrie) et mener la GPECT à l'échelle du Nord Franche-Comté."
        ),
        "rationale": "Les salarié·es et les entreprises passent d'un bassin à l'autre : les compétences aussi.",
        "keywords": ["voisin", "belfort", "coopér", "gpect", "compétence", "nord franche"],
        "source_keys": ["gpect-nfc"],
        "idea_keys": ["gpect-nfc"],
        "actions": [
            _action(
                "Diagnostic partagé des compétences du Nord Franche-Comté",
                "A shared skills assessment of the North Franche-Comté",
                owner_kind="state",
                owner_name="Pôle métropolitain Nord Franche-Comté",
                start_date=date(2026, 2, 1),
                due_date=date(2027, 3, 31),
                budget=Decimal("50000"),
                indicators=["demo-projets-cooperation", "formation-diplomes-nouveaux-metiers"],
                updates=[
                    (
                        date(2026, 7, 3),
                        "Données des trois bassins d'emploi réunies.",
                        45,
                        "in_progress",
                    ),
                ],
            ),
        ],
    },
]


def _as_list(value) -> list:
    """ctx entries may be a list, a dict of proposals, or missing."""
    if not value:
        return []
    if isinstance(value, dict):
        return list(value.values())
    return list(value)


def _usable(proposals: list) -> list:
    """Fresh rows; merged proposals are replaced by their target, hidden ones left out."""
    ids = [p.pk for p in proposals if getattr(p, "pk", None)]
    rows = Proposal.objects.filter(pk__in=ids).select_related("axis", "merged_into")
    by_id = {p.pk: p for p in rows}
    result, seen = [], set()
    for pid in ids:
        p = by_id.get(pid)
        if p is None:
            continue
        if p.merged_into_id:
            p = p.merged_into
        if p.is_hidden or p.pk in seen:
            continue
        seen.add(p.pk)
        result.append(p)
    return result


def _pick(spec: dict, candidates: list, limit: int = 4) -> list:
    def matches(p) -> bool:
        text = f"{p.title} {p.body}".lower()
        return any(k in text for k in spec["keywords"])

    chosen = [p for p in candidates if matches(p)]
    chosen += [p for p in candidates if p not in chosen and p.axis.slug == spec["axis"]]
    return chosen[:limit]


def seed_recommendations(ctx: dict) -> None:
    editor = ctx["editor"]
    axes = {a.slug: a for a in Axis.objects.all()}
    indicators = ctx["indicators"]
    _seed_demo_indicators(editor, axes, indicators)

    board = _usable(_as_list(ctx.get("proposals")))
    by_key = {
        key: p.merged_into if p.merged_into_id else p
        for key, p in (ctx.get("proposals_by_key") or {}).items()
    }
    live = _usable(_as_list(ctx.get("live_ideas")))
    used: set[int] = set()
    recommendations = {}
    for spec in RECOMMENDATIONS:
        rec = _recommendation(spec, editor, axes)
        recommendations[spec["title"]] = rec
        _link_sources(spec, rec, editor, board=board, by_key=by_key, used=used)
        _seed_actions(spec, rec, editor, indicators)
    _link_live_ideas(ctx, live, recommendations, editor)
    for spec in RECOMMENDATIONS:
        recommendations[spec["title"]] = _advance_status(
            spec, recommendations[spec["title"]], editor
        )
    ctx["recommendations"] = recommendations


def _seed_demo_indicators(editor, axes: dict, indicators: dict) -> None:
    """Demo indicators and measurements (only those not recorded yet: the seed is idempotent)."""
    demo_measurements = dict(DEMO_MEASUREMENTS)
    for spec in DEMO_INDICATORS:
        spec = dict(spec)
        demo_measurements[spec["slug"]] = spec.pop("measurements")
        demo = Indicator.objects.filter(slug=spec["slug"]).first()
        if demo is None:
            axis_slug = spec.pop("axis")
            demo = indicator_create(actor=editor, **{**spec, "axis": axes.get(axis_slug)})
        indicators[demo.slug] = demo
    for slug, values in demo_measurements.items():
        indicator = indicators[slug]
        known = set(indicator.measurements.values_list("date", flat=True))
        for on, value in values:
            on = date.fromisoformat(on)
            if on not in known:
                measurement_record(
                    indicator=indicator,
                    actor=editor,
                    on=on,
                    value=Decimal(value),
                    source=DEMO_SOURCE,
                )


def _recommendation(spec: dict, editor, axes: dict) -> Recommendation:
    rec = Recommendation.objects.filter(title_fr=spec["title"]).first()
    if rec is None:
        rec = recommendation_create(
            actor=editor,
            title=spec["title"],
            axis=axes[spec["axis"]],
            body=spec["body"],
            rationale=spec["rationale"],
        )
    return rec


def _link_sources(spec: dict, rec, editor, *, board: list, by_key: dict, used: set[int]) -> None:
    """The proposals the recommendation is known to come from (by topic otherwise, among the
    board's proposals not used yet), then the ideas of the launch workshop it took up."""
    keyed = [by_key[k] for k in spec["source_keys"] if k in by_key]
    sources = keyed or _pick(spec, [p for p in board if p.pk not in used])
    for proposal in _usable(sources):
        used.add(proposal.pk)
        _link(
            recommendation_source_add,
            rec,
            proposal,
            editor,
            "Proposition du tableau reprise par le Codev.",
        )
    for key in spec.get("idea_keys", []):
        idea = Proposal.objects.filter(client_key=f"demo-past-{key}").first()
        if idea is not None:
            _link(
                recommendation_source_add,
                rec,
                idea,
                editor,
                "Idée née à la soirée de lancement, reprise par le Codev.",
            )


def _seed_actions(spec: dict, rec, editor, indicators: dict) -> None:
    """The recommendation's action items not created yet, each with its dated updates."""
    for action_spec in spec["actions"]:
        if ActionItem.objects.filter(recommendation=rec, title_fr=action_spec["title"]).exists():
            continue
        data = dict(action_spec)
        updates = data.pop("updates")
        wanted = data.pop("indicators")
        action = action_create(
            actor=editor,
            recommendation=rec,
            indicators=[indicators[s] for s in wanted],
            **data,
        )
        for on, text, progress, status in updates:
            action_report(
                action=action, actor=editor, text=text, progress=progress, status=status, on=on
            )


def _link_live_ideas(ctx: dict, live: list, recommendations: dict, editor) -> None:
    """The live workshop's ideas feed the recommendation closest to them (the one whose
    keywords or axis they match best), so that a demo trace reaches back to a workshop; the
    workshop's vote supports it too."""
    if not live:
        return
    best = max(RECOMMENDATIONS, key=lambda s: len(_pick(s, live)))
    rec = recommendations[best["title"]]
    chosen = _pick(best, live) or live
    for proposal in chosen[:3] if len(chosen) >= 2 else live[:3]:
        _link(
            recommendation_source_add,
            rec,
            proposal,
            editor,
            "Idée née en atelier, reprise par le Codev.",
        )
    session = ctx.get("demo_vote_session")
    if session is not None:
        with contextlib.suppress(DomainError):
            recommendation_vote_source_add(
                recommendation=rec,
                session=session,
                actor=editor,
                note="Les idées les mieux classées par le vote de l'atelier.",
            )


def _advance_status(spec: dict, rec, editor):
    """Draft → adopted, then → published when the spec says so."""
    rec.refresh_from_db()
    if rec.status == "draft":
        rec = recommendation_status_change(recommendation=rec, actor=editor, new_status="adopted")
    if spec["status"] == "published" and rec.status == "adopted":
        rec = recommendation_status_change(recommendation=rec, actor=editor, new_status="published")
    return rec


def _link(add, rec, proposal, editor, note: str) -> None:
    # A demo proposal in a status that can't be retained (e.g. not retained) stays out.
    with contextlib.suppress(DomainError):
        add(recommendation=rec, proposal=proposal, actor=editor, note=note)

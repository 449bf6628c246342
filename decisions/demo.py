"""The founding document's indicators: its 4 success indicators and the context figures it gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from decisions.models import Direction, Indicator, IndicatorKind

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


def seed(ctx: dict) -> None:
    from proposals.models import Axis

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

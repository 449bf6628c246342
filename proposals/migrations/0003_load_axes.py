"""The 5 strategic axes and 3 transversal themes of the founding document (PMA 2030)."""

from django.db import migrations

AXES = [
    {
        "slug": "environnement-accueil",
        "kind": "axis",
        "number": 1,
        "title": "Un environnement d'accueil optimum (foncier & services)",
        "short_title": "Accueil & foncier",
        "description": (
            "Optimisation foncière : caractériser les parcelles mobilisables et requalifier les friches "
            "industrielles. Écoute active des chefs d'entreprises pour détecter les besoins et les difficultés."
        ),
        "color": "#1f5f8b",
        "icon": "building",
    },
    {
        "slug": "mutation-automobile-mobilite",
        "kind": "axis",
        "number": 2,
        "title": "Accompagner la mutation de l'automobile / mobilité",
        "short_title": "Automobile & mobilité",
        "description": (
            "Soutenir les sous-traitants dans leurs projets de diversification pour réduire leur dépendance "
            "au modèle thermique classique (électrique, H2)."
        ),
        "color": "#a33b20",
        "icon": "car",
    },
    {
        "slug": "filieres-avenir",
        "kind": "axis",
        "number": 3,
        "title": "Accélérer la diversification vers les filières d'avenir",
        "short_title": "Filières d'avenir",
        "description": (
            "Énergie / Hydrogène. Luxe / Savoir-faire : capitaliser sur la maroquinerie et les métiers d'art."
        ),
        "color": "#2d6a2e",
        "icon": "spark",
    },
    {
        "slug": "marketing-territorial",
        "kind": "axis",
        "number": 4,
        "title": "Marketing territorial offensif",
        "short_title": "Marketing territorial",
        "description": (
            "Inverser l'image de désindustrialisation en valorisant la création d'entreprises pour attirer "
            "les actifs et porteurs de projets."
        ),
        "color": "#7b2d7f",
        "icon": "megaphone",
    },
    {
        "slug": "synergies-territoriales",
        "kind": "axis",
        "number": 5,
        "title": "Synergies territoriales",
        "short_title": "Synergies territoriales",
        "description": (
            "Renforcer la coopération avec les territoires voisins sur des projets communs (Forum Hydrogène, "
            "Territoires d'Industrie). Intensifier la démarche de GPECT (Gestion Prévisionnelle des Emplois et "
            "des Compétences) à l'échelle du Nord Franche-Comté."
        ),
        "color": "#8a5a00",
        "icon": "link",
    },
    {
        "slug": "gouvernance-souverainete",
        "kind": "theme",
        "number": None,
        "title": "Gouvernance & souveraineté",
        "short_title": "Gouvernance & souveraineté",
        "description": (
            "Agence Territoriale de Souveraineté pour coordonner les filières, les investissements et la "
            "formation massive ; fonds d'investissement territorial financé par l'épargne locale ; clause de "
            "souveraineté favorisant les entreprises locales dans les appels d'offres publics."
        ),
        "color": "#3d4a5c",
        "icon": "shield",
    },
    {
        "slug": "intelligence-artificielle",
        "kind": "theme",
        "number": None,
        "title": "Intelligence artificielle (IA)",
        "short_title": "Intelligence artificielle",
        "description": (
            "Considérer l'IA comme un acte politique pour piloter le territoire, stimuler l'innovation et "
            "moderniser l'industrie. Établir une infrastructure dédiée et garantir une IA éthique et inclusive."
        ),
        "color": "#5b3f99",
        "icon": "chip",
    },
    {
        "slug": "former-massivement",
        "kind": "theme",
        "number": None,
        "title": "Former massivement",
        "short_title": "Former massivement",
        "description": (
            "Anticiper les métiers de demain et accompagner les reconversions des salariés dont les emplois "
            "sont menacés."
        ),
        "color": "#0f6b6b",
        "icon": "book",
    },
]


def load_axes(apps, schema_editor):
    Axis = apps.get_model("proposals", "Axis")
    for order, data in enumerate(AXES, start=1):
        Axis.objects.update_or_create(slug=data["slug"], defaults={**data, "order": order})


def unload_axes(apps, schema_editor):
    Axis = apps.get_model("proposals", "Axis")
    Axis.objects.filter(slug__in=[a["slug"] for a in AXES]).delete()


class Migration(migrations.Migration):
    dependencies = [("proposals", "0002_initial")]

    operations = [migrations.RunPython(load_axes, unload_axes)]

"""Open data: what the Codev publishes, as CSV and JSON anyone may reuse (Licence Ouverte 2.0).

The CSV files are data only (a header line, then the rows: UTF-8, comma, RFC 4180), so
spreadsheets and validators read them as they are; the licence, the provenance and a
Table Schema per dataset (the format of schema.data.gouv.fr) are in ``datapackage.json``,
a Frictionless Data Package served beside them (``data_package``).

Each dataset is a list of documented columns and a generator of rows read
with ``values_list(...).iterator()``: the exports stream row by row, so their
memory does not grow with the number of rows (bench/exports.py and
tests/summaries/test_opendata_memory.py measure it).

Only public objects, and never personal data: no names, e-mails, user ids or
ballots — proposals carry the college of their author, votes only their
aggregated results. tests/summaries/test_opendata.py::test_no_export_contains_personal_data
scans every export for it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Count, F
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from decisions.models import (
    ActionItem,
    ActionUpdate,
    Indicator,
    Measurement,
    Recommendation,
    RecommendationSource,
)
from project.links import absolute_url_maker
from project.sanitizer import plain_text
from proposals.models import Axis, Proposal
from summaries import vote_results

# The address of a page from its path (``project.links.absolute_url`` bound to a request).
Link = Callable[[str], str]

LICENCE_NAME = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LICENCE_ID = "etalab-2.0"  # its SPDX identifier
CSV_DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\r\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}
CHUNK = 500


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # French label, documented on the schema page
    type: str  # "entier", "décimal", "texte", "date", "booléen", "url"
    description: str


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[..., Iterable[tuple]]  # rows(link=None): link writes the pages' addresses
    source_app: str = ""
    primary_key: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        """False while the app this dataset comes from has not shipped its models."""
        return _model(*self.source_app.split(".")) is not None if self.source_app else True


def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _url_maker(name: str, kwarg: str, link: Link | None) -> Callable[[Any], str]:
    """Absolute URL of an object from its key, or "" while the page does not exist yet.

    ``link`` (from ``project.links``) makes the path absolute: the request's address when
    the export is served, ``SITE_URL`` otherwise.
    """
    try:
        sample = reverse(name, kwargs={kwarg: "0" if kwarg == "slug" else 0})
    except NoReverseMatch:
        return lambda _value: ""
    prefix, _zero, suffix = sample.rpartition("0")
    base = (link or absolute_url_maker())(prefix)
    return lambda value: f"{base}{value}{suffix}" if value not in (None, "") else ""


def _day(value: datetime | None) -> date | None:
    if value is None:
        return None
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _public_proposals():
    return Proposal.objects.public()


def _public_recommendations():
    return Recommendation.objects.public()


def _public_actions():
    return ActionItem.objects.filter(recommendation__in=_public_recommendations())


# --- Rows --------------------------------------------------------------------------------------
# Every dataset reads its rows the same way: one ordered ``values_list`` streamed ``CHUNK`` rows
# at a time, then (for some) a few cells reworked and the public page's address appended.


def _values(queryset, order: tuple[str, ...], *fields: str) -> Iterator[tuple]:
    if order == ("pk",):
        return _by_pk(queryset, fields)
    # The small tables (axes, indicators, measurements, updates): one query.
    return queryset.order_by(*order).values_list(*fields).iterator(chunk_size=CHUNK)


def _by_pk(queryset, fields: tuple[str, ...]) -> Iterator[tuple]:
    """The rows in primary-key order, ``CHUNK`` at a time by keyset (``pk > last``): memory
    stays one chunk whatever the table's size, without a server-side cursor — which a
    transaction-pooling PgBouncer rules out (``DISABLE_SERVER_SIDE_CURSORS``: Django's
    ``.iterator()`` then reads every row at once)."""
    last = 0
    while True:
        page = list(
            queryset.filter(pk__gt=last)
            .annotate(opendata_keyset=F("pk"))  # its own name: ``fields`` may hold « pk »
            .order_by("pk")
            .values_list("opendata_keyset", *fields)[:CHUNK]
        )
        for row in page:
            yield row[1:]
        if len(page) < CHUNK:
            return
        last = page[-1][0]


def _with_url(rows: Iterable[tuple], url: Callable[[Any], str]) -> Iterator[tuple]:
    """Each row followed by the address of its object (keyed by the row's first cell)."""
    for row in rows:
        yield (*row, url(row[0]))


def _axes_rows(link: Link | None = None) -> Iterator[tuple]:
    return _values(
        Axis.objects,
        ("order",),
        "slug",
        "kind",
        "number",
        "title",
        "short_title",
        "description",
        "order",
    )


def _proposal_rows(link: Link | None = None) -> Iterator[tuple]:
    rows = _values(
        _public_proposals(),
        ("pk",),
        "pk",
        "title",
        "axis__slug",
        "status",
        "author_college",
        "origin_workshop__slug",
        "merged_into_id",
        "support_count",
        "comment_count",
        "created_at",
    )
    # The filing date is the UTC date of created_at (unlike the other datasets' local dates).
    dated = ((*row[:9], row[9].date() if row[9] else None) for row in rows)
    return _with_url(dated, _url_maker("proposals:detail", "pk", link))


def _vote_rows(link: Link | None = None) -> Iterator[tuple]:
    return vote_results.open_data_rows()


def _recommendation_rows(link: Link | None = None) -> Iterator[tuple]:
    rows = _values(
        _public_recommendations().annotate(
            n_sources=Count("sources", distinct=True), n_actions=Count("actions", distinct=True)
        ),
        ("pk",),
        "pk",
        "title",
        "axis__slug",
        "status",
        "adopted_at",
        "published_at",
        "n_sources",
        "n_actions",
    )
    dated = ((*row[:4], _day(row[4]), _day(row[5]), *row[6:]) for row in rows)
    return _with_url(dated, _url_maker("decisions:recommendation", "pk", link))


def _action_rows(link: Link | None = None) -> Iterator[tuple]:
    # lead_name (a person) is left out on purpose.
    rows = _values(
        _public_actions(),
        ("pk",),
        "pk",
        "recommendation_id",
        "title",
        "owner_kind",
        "owner_name",
        "start_date",
        "due_date",
        "status",
        "progress",
        "budget",
    )
    return _with_url(rows, _url_maker("decisions:action", "pk", link))


def _action_update_rows(link: Link | None = None) -> Iterator[tuple]:
    rows = _values(
        ActionUpdate.objects.filter(action__in=_public_actions()),
        ("action_id", "date", "pk"),
        "pk",
        "action_id",
        "date",
        "progress",
        "old_status",
        "new_status",
        "text_html",
    )
    return ((*row[:-1], plain_text(row[-1])) for row in rows)


def _indicator_rows(link: Link | None = None) -> Iterator[tuple]:
    return _values(
        Indicator.objects,
        ("order", "pk"),
        "slug",
        "kind",
        "name",
        "description",
        "axis__slug",
        "unit",
        "source",
        "baseline_value",
        "baseline_date",
        "target_2030",
        "direction",
    )


def _measurement_rows(link: Link | None = None) -> Iterator[tuple]:
    # entered_by (a person) is left out on purpose.
    return _values(
        Measurement.objects,
        ("indicator__order", "indicator_id", "date"),
        "indicator__slug",
        "date",
        "value",
        "source",
    )


def _links(
    kind: str, source: str, target: str, rows: Iterable[tuple], url: Callable[[Any], str] | None
) -> Iterator[tuple]:
    """One trace row per (source key, target key, linked at); ``url`` gives the source's page."""
    for source_key, target_key, linked in rows:
        yield (
            kind,
            source,
            str(source_key),
            target,
            str(target_key),
            _day(linked),
            url(source_key) if url else "",
        )


def _trace_rows(link: Link | None = None) -> Iterator[tuple]:
    """Every public arrow of the flow: workshop → proposal → recommendation → action item."""
    yield from _links(
        "atelier_proposition",
        "atelier",
        "proposition",
        _values(
            _public_proposals().filter(origin_workshop__isnull=False),
            ("pk",),
            "origin_workshop__slug",
            "pk",
            "created_at",
        ),
        _url_maker("workshops:room", "slug", link),
    )
    yield from _links(
        "proposition_recommandation",
        "proposition",
        "recommandation",
        _values(
            RecommendationSource.objects.filter(
                recommendation__in=_public_recommendations(), proposal__in=_public_proposals()
            ),
            ("pk",),
            "proposal_id",
            "recommendation_id",
            "linked_at",
        ),
        None,
    )
    yield from _links(
        "recommandation_action",
        "recommandation",
        "action",
        _values(_public_actions(), ("pk",), "recommendation_id", "pk", "created_at"),
        None,
    )


# --- The catalogue -----------------------------------------------------------------------------

C = Column
DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "axes",
        _("Axes et thèmes transversaux"),
        _("Les 5 axes stratégiques de PMA 2030 et les préconisations transversales."),
        (
            C("identifiant", _("Identifiant"), "texte", _("Identifiant stable de l'axe.")),
            C(
                "type",
                _("Type"),
                "texte",
                _("« axis » (axe stratégique) ou « theme » (thème transversal)."),
            ),
            C("numero", _("Numéro"), "entier", _("Numéro de l'axe (vide pour un thème).")),
            C("titre", _("Titre"), "texte", _("Titre complet.")),
            C("titre_court", _("Titre court"), "texte", _("Titre abrégé.")),
            C(
                "description",
                _("Description"),
                "texte",
                _("Description issue du document fondateur."),
            ),
            C("ordre", _("Ordre"), "entier", _("Ordre d'affichage.")),
        ),
        _axes_rows,
        primary_key=("identifiant",),
    ),
    Dataset(
        "propositions",
        _("Propositions publiées"),
        _(
            "Les idées publiées (hors masquées par la modération), sans donnée personnelle : seul le collège de l'auteur·rice est indiqué."
        ),
        (
            C("id", _("Identifiant"), "entier", _("Identifiant de la proposition.")),
            C("titre", _("Titre"), "texte", _("Titre de la proposition.")),
            C("axe", _("Axe"), "texte", _("Identifiant de l'axe (jeu « axes »).")),
            C(
                "statut",
                _("Statut"),
                "texte",
                _(
                    "submitted (déposée), under_review (en cours d'examen), shortlisted (présélectionnée), retained (retenue), merged (fusionnée), not_retained (non retenue)."
                ),
            ),
            C(
                "college_auteur",
                _("Collège de l'auteur·rice"),
                "texte",
                _("citizens, enterprises, elected, civil_society, au moment du dépôt."),
            ),
            C(
                "atelier_origine",
                _("Atelier d'origine"),
                "texte",
                _("Identifiant de l'atelier où l'idée a été déposée, vide sinon."),
            ),
            C(
                "fusionnee_dans",
                _("Fusionnée dans"),
                "entier",
                _("Identifiant de la proposition qui la reprend, pour un doublon."),
            ),
            C("soutiens", _("Nombre de soutiens"), "entier", _("Soutiens reçus.")),
            C("commentaires", _("Nombre de commentaires"), "entier", _("Commentaires publiés.")),
            C("date_depot", _("Date de dépôt"), "date", _("AAAA-MM-JJ.")),
            C("url", _("Adresse"), "url", _("Page publique de la proposition.")),
        ),
        _proposal_rows,
        primary_key=("id",),
    ),
    Dataset(
        "resultats-votes",
        _("Résultats des votes"),
        _(
            "Résultats agrégés des votes clos (jamais de bulletin) : une ligne par option, et le nombre de votant·es par collège."
        ),
        (
            C(
                "vote_id",
                _("Identifiant du vote"),
                "entier",
                _("Identifiant de la session de vote."),
            ),
            C("vote", _("Vote"), "texte", _("Intitulé du vote.")),
            C(
                "atelier",
                _("Atelier"),
                "texte",
                _("Identifiant de l'atelier, vide pour un vote hors atelier."),
            ),
            C(
                "methode",
                _("Méthode"),
                "texte",
                _("Méthode de vote (approbation, gommettes, jugement majoritaire, sondage)."),
            ),
            C("clos_le", _("Clos le"), "date", _("Date de clôture.")),
            C("option", _("Option"), "texte", _("Option soumise au vote.")),
            C("rang", _("Rang"), "entier", _("Rang de l'option (1 = en tête).")),
            C(
                "resultat",
                _("Résultat"),
                "texte",
                _("Voix, gommettes ou mention majoritaire selon la méthode."),
            ),
            C("votants", _("Votant·es"), "entier", _("Nombre total de votant·es du vote.")),
            C(
                "votants_par_college",
                _("Votant·es par collège"),
                "texte",
                _(
                    "collège=nombre séparés par « ; » (les petits collèges sont regroupés dans « autres »)."
                ),
            ),
        ),
        _vote_rows,
        source_app="votes.VoteSession",
    ),
    Dataset(
        "recommandations",
        _("Recommandations du Codev"),
        _("Les recommandations publiées, avec le nombre de propositions sources et d'actions."),
        (
            C("id", _("Identifiant"), "entier", _("Identifiant de la recommandation.")),
            C("titre", _("Titre"), "texte", _("Titre.")),
            C("axe", _("Axe"), "texte", _("Identifiant de l'axe.")),
            C(
                "statut",
                _("Statut"),
                "texte",
                _("published (publiée) ou withdrawn (retirée après publication)."),
            ),
            C("date_adoption", _("Date d'adoption"), "date", _("AAAA-MM-JJ.")),
            C("date_publication", _("Date de publication"), "date", _("AAAA-MM-JJ.")),
            C(
                "nb_sources",
                _("Propositions sources"),
                "entier",
                _("Nombre de propositions à l'origine de la recommandation."),
            ),
            C("nb_actions", _("Actions"), "entier", _("Nombre d'actions qui la mettent en œuvre.")),
            C("url", _("Adresse"), "url", _("Page publique.")),
        ),
        _recommendation_rows,
        source_app="decisions.Recommendation",
        primary_key=("id",),
    ),
    Dataset(
        "actions",
        _("Actions"),
        _(
            "Les actions qui mettent en œuvre les recommandations publiées (organisation porteuse, échéance, avancement). Le nom de la personne référente n'est pas publié ici."
        ),
        (
            C("id", _("Identifiant"), "entier", _("Identifiant de l'action.")),
            C(
                "recommandation_id",
                _("Recommandation"),
                "entier",
                _("Identifiant de la recommandation (jeu « recommandations »)."),
            ),
            C("titre", _("Titre"), "texte", _("Titre de l'action.")),
            C(
                "type_porteur",
                _("Type de porteur"),
                "texte",
                _("pma, commune, region, state, firm, association, training, other."),
            ),
            C(
                "porteur",
                _("Organisation porteuse"),
                "texte",
                _("Organisation qui porte l'action."),
            ),
            C("date_debut", _("Date de début"), "date", _("AAAA-MM-JJ.")),
            C("echeance", _("Échéance"), "date", _("AAAA-MM-JJ.")),
            C("statut", _("Statut"), "texte", _("planned, in_progress, done, blocked, abandoned.")),
            C("avancement", _("Avancement (%)"), "entier", _("De 0 à 100.")),
            C("budget", _("Budget (€)"), "décimal", _("Budget prévu, en euros.")),
            C("url", _("Adresse"), "url", _("Page publique.")),
        ),
        _action_rows,
        source_app="decisions.ActionItem",
        primary_key=("id",),
    ),
    Dataset(
        "actions-points-etape",
        _("Points d'étape des actions"),
        _("Le suivi daté des actions : avancement et changements de statut."),
        (
            C("id", _("Identifiant"), "entier", _("Identifiant du point d'étape.")),
            C("action_id", _("Action"), "entier", _("Identifiant de l'action (jeu « actions »).")),
            C("date", _("Date"), "date", _("AAAA-MM-JJ.")),
            C("avancement", _("Avancement (%)"), "entier", _("De 0 à 100.")),
            C("ancien_statut", _("Ancien statut"), "texte", _("Statut avant ce point d'étape.")),
            C("nouveau_statut", _("Nouveau statut"), "texte", _("Statut après ce point d'étape.")),
            C(
                "texte",
                _("Texte"),
                "texte",
                _("Texte publié du point d'étape (sans mise en forme)."),
            ),
        ),
        _action_update_rows,
        source_app="decisions.ActionUpdate",
        primary_key=("id",),
    ),
    Dataset(
        "indicateurs",
        _("Indicateurs"),
        _(
            "Les 4 indicateurs de réussite de PMA 2030, les indicateurs de contexte et les indicateurs complémentaires."
        ),
        (
            C("identifiant", _("Identifiant"), "texte", _("Identifiant stable de l'indicateur.")),
            C(
                "type",
                _("Type"),
                "texte",
                _("success (réussite PMA 2030), context (contexte), custom (complémentaire)."),
            ),
            C("nom", _("Nom"), "texte", _("Nom de l'indicateur.")),
            C("description", _("Description"), "texte", _("Ce qui est mesuré.")),
            C("axe", _("Axe"), "texte", _("Identifiant de l'axe, vide si transversal.")),
            C("unite", _("Unité"), "texte", _("Unité des valeurs.")),
            C("source", _("Source"), "texte", _("Source de l'indicateur.")),
            C("valeur_reference", _("Valeur de référence"), "décimal", _("Valeur de départ.")),
            C("date_reference", _("Date de la référence"), "date", _("AAAA-MM-JJ.")),
            C("cible_2030", _("Cible 2030"), "décimal", _("Valeur visée en 2030.")),
            C("sens", _("Sens souhaité"), "texte", _("up (à la hausse) ou down (à la baisse).")),
        ),
        _indicator_rows,
        primary_key=("identifiant",),
    ),
    Dataset(
        "mesures",
        _("Mesures des indicateurs"),
        _("Les valeurs datées des indicateurs."),
        (
            C(
                "indicateur",
                _("Indicateur"),
                "texte",
                _("Identifiant de l'indicateur (jeu « indicateurs »)."),
            ),
            C("date", _("Date"), "date", _("AAAA-MM-JJ.")),
            C("valeur", _("Valeur"), "décimal", _("Valeur mesurée, dans l'unité de l'indicateur.")),
            C("source", _("Source"), "texte", _("Source de la mesure.")),
        ),
        _measurement_rows,
    ),
    Dataset(
        "liens-tracabilite",
        _("Liens de traçabilité"),
        _("Chaque flèche publique du parcours : atelier → proposition → recommandation → action."),
        (
            C(
                "type_lien",
                _("Type de lien"),
                "texte",
                _("atelier_proposition, proposition_recommandation ou recommandation_action."),
            ),
            C(
                "source_type",
                _("Type de la source"),
                "texte",
                _("atelier, proposition ou recommandation."),
            ),
            C("source_id", _("Source"), "texte", _("Identifiant de la source dans son jeu.")),
            C(
                "cible_type",
                _("Type de la cible"),
                "texte",
                _("proposition, recommandation ou action."),
            ),
            C("cible_id", _("Cible"), "texte", _("Identifiant de la cible dans son jeu.")),
            C("date_lien", _("Date du lien"), "date", _("AAAA-MM-JJ.")),
            C(
                "url_source",
                _("Adresse de la source"),
                "url",
                _("Page publique de la source, quand elle en a une."),
            ),
        ),
        _trace_rows,
    ),
)
DATASETS_BY_SLUG = {d.slug: d for d in DATASETS}


# --- Encoders ----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields strings."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "oui" if value else "non"
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _buffered(parts: Iterable[str], size: int = 32_768) -> Iterator[str]:
    """Join small pieces into chunks of about ``size`` characters: fewer, larger writes."""
    buffer: list[str] = []
    length = 0
    for part in parts:
        buffer.append(part)
        length += len(part)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def _link(request: HttpRequest | None) -> Link:
    return absolute_url_maker(request)


def iter_csv(dataset: Dataset, request: HttpRequest | None = None) -> Iterator[str]:
    """The header (the columns' keys), then one line per row: nothing else in the file.

    The licence, the provenance and the columns' types are in ``datapackage.json``.
    """
    return _buffered(_csv_lines(dataset, _link(request)))


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# text cells written by people get a leading apostrophe, as the schema page says.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_lines(dataset: Dataset, link: Link) -> Iterator[str]:
    writer = csv.writer(
        _Echo(),
        delimiter=CSV_DIALECT["delimiter"],
        quotechar=CSV_DIALECT["quoteChar"],
        lineterminator=CSV_DIALECT["lineTerminator"],
    )
    yield writer.writerow([c.key for c in dataset.columns])
    text = [c.type == "texte" for c in dataset.columns]
    for row in dataset.rows(link):
        yield writer.writerow(
            [
                _csv_text(_csv_value(v)) if t else _csv_value(v)
                for v, t in zip(row, text, strict=True)
            ]
        )


def iter_json(dataset: Dataset, request: HttpRequest | None = None) -> Iterator[str]:
    """A JSON object: metadata (licence, schema), then ``donnees`` streamed one object at a time."""
    return _buffered(_json_parts(dataset, _link(request)))


def _json_parts(dataset: Dataset, link: Link) -> Iterator[str]:
    head = {
        "jeu_de_donnees": dataset.slug,
        "titre": str(dataset.title),
        "description": str(dataset.description),
        "producteur": settings.CODEV_NAME,
        "licence": {"nom": LICENCE_NAME, "url": LICENCE_URL},
        "genere_le": timezone.localtime().isoformat(),
        "datapackage": link(reverse("summaries:open_data_package")),
        "schema": [
            {
                "nom": c.key,
                "libelle": str(c.label),
                "type": c.type,
                "description": str(c.description),
            }
            for c in dataset.columns
        ],
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "donnees": ['
    keys = [c.key for c in dataset.columns]
    first = True
    for row in dataset.rows(link):
        item = json.dumps(
            {k: _json_value(v) for k, v in zip(keys, row, strict=True)}, ensure_ascii=False
        )
        yield item if first else "," + item
        first = False
    yield "]}\n"


# --- Data Package and Table Schemas (Frictionless Data; the format of schema.data.gouv.fr) ---

# Our column types, as Table Schema types (and formats).
TABLE_SCHEMA_TYPES: dict[str, dict[str, Any]] = {
    "entier": {"type": "integer"},
    "décimal": {"type": "number"},
    "texte": {"type": "string"},
    "date": {"type": "date"},
    "booléen": {"type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
    "url": {"type": "string", "format": "uri"},
}


def _publisher(link: Link) -> dict:
    return {"title": settings.CODEV_NAME, "role": "publisher", "path": link("/")}


def table_schema(dataset: Dataset, request: HttpRequest | None = None) -> dict:
    """The dataset's Table Schema: its columns' names, labels, types and descriptions."""
    link = _link(request)
    fields = []
    for column in dataset.columns:
        field = {
            "name": column.key,
            "title": str(column.label),
            "description": str(column.description),
            **TABLE_SCHEMA_TYPES[column.type],
        }
        if column.key in dataset.primary_key:
            field["constraints"] = {"required": True, "unique": len(dataset.primary_key) == 1}
        fields.append(field)
    schema: dict[str, Any] = {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "name": f"agir-ensemble-{dataset.slug}",
        "title": str(dataset.title),
        "description": str(dataset.description),
        "countryCode": "FR",
        "homepage": link(reverse("summaries:open_data")) + f"#jeu-{dataset.slug}",
        "path": link(reverse("summaries:open_data_schema", kwargs={"dataset": dataset.slug})),
        "licenses": [_licence()],
        "contributors": [_publisher(link)],
        "fields": fields,
        "missingValues": [""],
    }
    if dataset.primary_key:
        schema["primaryKey"] = list(dataset.primary_key)
    return schema


def _licence() -> dict:
    return {"name": LICENCE_ID, "title": LICENCE_NAME, "path": LICENCE_URL}


def data_package(request: HttpRequest | None = None) -> dict:
    """``datapackage.json``: the licence, the provenance, and one resource per dataset
    (its CSV file, its dialect, its Table Schema), every address absolute."""
    link = _link(request)
    home = link(reverse("summaries:open_data"))
    return {
        "profile": "tabular-data-package",
        "name": "agir-ensemble-codev-pma",
        "id": link(reverse("summaries:open_data_package")),
        "title": str(_("Données ouvertes du Codev du Pays de Montbéliard Agglomération")),
        "description": str(
            _(
                "Les travaux du Codev publiés sur la plateforme participative : axes, "
                "propositions, résultats des votes, recommandations, actions et leur suivi, "
                "indicateurs et liens de traçabilité. Sans donnée personnelle."
            )
        ),
        "homepage": home,
        "created": timezone.localtime().isoformat(timespec="seconds"),
        "keywords": ["PMA 2030", "Codev", "participation citoyenne", "Pays de Montbéliard"],
        "licenses": [_licence()],
        "sources": [{"title": f"{settings.PLATFORM_NAME} — {settings.CODEV_NAME}", "path": home}],
        "contributors": [_publisher(link)],
        "resources": [
            {
                "profile": "tabular-data-resource",
                "name": dataset.slug,
                "path": link(
                    reverse(
                        "summaries:open_data_export", kwargs={"dataset": dataset.slug, "fmt": "csv"}
                    )
                ),
                "title": str(dataset.title),
                "description": str(dataset.description),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": dict(CSV_DIALECT),
                "licenses": [_licence()],
                "schema": table_schema(dataset, request),
            }
            for dataset in DATASETS
        ],
    }

"""Similar ideas and suggested groups: one interface, a local method by default.

``similar_to(text, candidates, limit=3)``, ``duplicate_pairs(items)`` and
``suggest_groups(items)`` take items as ``(id, text)`` pairs or ``{"id", "text"}``
dicts (``similar_to`` also a queryset of proposals) and answer with ids.

The local method runs offline on French text: the text is lower-cased, accents
folded, the common abbreviations of hurried writing expanded (« pr » → « pour »,
« bcp » → « beaucoup »), stop words dropped and each word cut to a light stem
(« formations » and « formation » meet); it is then described twice in TF-IDF —
by its stems and pairs of stems, and by its character 3-to-5-grams (which forgive a
misspelt or run-together word) — and two texts compare by the cosine of these
descriptions. Groups are an average-linkage clustering cut at a similarity threshold;
each group carries the words it rests on.

An embedding service (an OpenAI-compatible ``/embeddings`` endpoint) can replace the
description by configuration (``settings.SIMILARITY``, see ``config()``); it is off by
default, and any error of the service falls back to the local method for that call.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

logger = logging.getLogger(__name__)

# --- configuration -------------------------------------------------------------------

DEFAULTS: dict[str, Any] = {
    # Cosine at or above which two ideas are flagged as the same idea (moderators' queue,
    # ``duplicates`` of the command) — chosen on tests/data/similar_ideas.json.
    "DUPLICATE_THRESHOLD": 0.22,
    # Cosine at or above which an existing proposal is shown while someone types.
    "SUGGEST_THRESHOLD": 0.15,
    # Average-linkage cut for the groups suggested on a wall.
    "GROUP_THRESHOLD": 0.1,
    # Weight of the word description against the character one.
    "WORD_WEIGHT": 0.7,
    # Add the shared concepts of ``CONCEPTS`` to the word description.
    "CONCEPTS": True,
    # An OpenAI-compatible embedding service: off while the URL is empty.
    "EMBEDDING_URL": "",
    "EMBEDDING_MODEL": "",
    "EMBEDDING_API_KEY": "",
    "EMBEDDING_TIMEOUT": 3.0,
    # Thresholds for the embedding service (cosines of embeddings run higher).
    "EMBEDDING_DUPLICATE_THRESHOLD": 0.85,
    "EMBEDDING_SUGGEST_THRESHOLD": 0.75,
    "EMBEDDING_GROUP_THRESHOLD": 0.7,
}


def config() -> dict[str, Any]:
    """``DEFAULTS`` overridden by ``settings.SIMILARITY`` (a dict; Django optional)."""
    values = dict(DEFAULTS)
    if settings.configured:  # without Django the pure functions still work
        values.update(getattr(settings, "SIMILARITY", None) or {})
    return values


# --- normalisation -------------------------------------------------------------------

# Abbreviations and frequent misspellings of quick writing, after accent folding.
ABBREVIATIONS = {
    "pr": "pour",
    "pour": "pour",
    "ds": "dans",
    "bcp": "beaucoup",
    "bcq": "beaucoup",
    "tt": "tout",
    "tte": "toute",
    "tts": "tous",
    "ttes": "toutes",
    "ts": "tous",
    "tjrs": "toujours",
    "tjs": "toujours",
    "qd": "quand",
    "qq": "quelques",
    "qqs": "quelques",
    "pb": "probleme",
    "pbs": "problemes",
    "pcq": "parce",
    "pck": "parce",
    "ac": "avec",
    "avc": "avec",
    "ke": "que",
    "koi": "quoi",
    "mm": "meme",
    "c": "c",
    "asso": "association",
    "assos": "associations",
    "ado": "adolescent",
    "ados": "adolescents",
    "appart": "appartement",
    "apparts": "appartements",
    "covoit": "covoiturage",
    "transp": "transport",
    "transports": "transports",
    "tc": "transports",
    "info": "information",
    "infos": "informations",
    "dev": "developpement",
    "agglo": "agglomeration",
    "entreprise": "entreprise",
    "boite": "entreprise",
    "boites": "entreprises",
    "taf": "travail",
    "boulot": "travail",
    "boulots": "emplois",
    "apprentisage": "apprentissage",
    "developement": "developpement",
    "environement": "environnement",
    "enviromnement": "environnement",
    "batiment": "batiment",
    "formtion": "formation",
    "formations": "formations",
    "logemment": "logement",
    "logemments": "logements",
    "velos": "velos",
    "trottinette": "trottinette",
    "ecolo": "ecologique",
    "resto": "restaurant",
    "restos": "restaurants",
    "medecin": "medecin",
    "medecins": "medecins",
    "toubib": "medecin",
    "toubibs": "medecins",
}

# French stop words (accents folded), with the elided forms.
STOP_WORDS = frozenset(
    """
    a ai aie aient aies ait afin alors au aucun aucune aupres auquel aussi autre autres aux
    avec avoir avait avant ayant beaucoup bien c ca car ce ceci cela celle celles celui ces
    cet cette ceux chaque chez comme comment d dans de des deja depuis donc dont du elle
    elles en encore entre est et etaient etait ete etre eu eux faire fait faut il ils j je
    jusqu l la le les leur leurs lui m ma mais me meme memes mes moi moins mon n ne ni nos
    notre nous on ont ou par parce pas peu peut peuvent plus plutot pour pourquoi qu quand
    que quel quelle quelles quels qui quoi s sa sans se sera ses si sien soi soit son sont
    sous sur t ta te tes toi ton tous tout toute toutes tres trop tu un une vers via voila
    vos votre vous y plus etc ainsi cas lors nos afin davantage faudrait il faut faut
    doit doivent devrait devraient pouvoir permettre mettre place proposer propose
    proposition idee idees je nous
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

_WORD = re.compile(r"[a-z0-9]+")


def fold(value: str) -> str:
    """Lower case, accents folded, ligatures expanded (« Œuvre » → « oeuvre »)."""
    value = (value or "").replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded words of ``text``, abbreviations expanded (stop words kept)."""
    return [ABBREVIATIONS.get(w, w) for w in _WORD.findall(fold(text))]


# Light French stemming: derivational then inflectional endings, longest first, never
# leaving fewer than 4 letters (« formations » → « form », « formation » → « form »).
_SUFFIXES = sorted(
    """
    issements issement atrices atrice ateurs ateur ations ation ements ement ments ment
    ites ite istes iste ismes isme iques ique ables able ibles ible ances ance ences ence
    euses euse eurs eur ives ive ifs if elles elle els el aux ales ale ees ee es er ez
    antes ante ants ant ions ion ir is e s x
    """.split(),  # noqa: SIM905
    key=len,
    reverse=True,
)


def stem(word: str) -> str:
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Folded, expanded words without stop words (and without one-letter words)."""
    return [w for w in words(text) if len(w) > 1 and w not in STOP_WORDS]


def normalise(text: str) -> str:
    """The text the character n-grams are read from."""
    return " ".join(content_words(text))


def stems(text: str) -> list[str]:
    return [stem(w) for w in content_words(text)]


# Words of the territory's projects that say the same thing in other words: each adds a
# shared concept feature (« vélo » and « cyclable » both add ``#velo``). Kept general on
# purpose — the labelled set measures it, and the figures are given with and without it.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "velo": ("velo", "velos", "cyclable", "cyclables", "cycliste", "cyclistes", "bicyclette"),
    "bus": ("bus", "navette", "navettes", "tram", "tramway", "evolity", "autobus", "car"),
    "industrie": (
        "usine",
        "usines",
        "industrie",
        "industriel",
        "industrielle",
        "industriels",
        "industrielles",
        "manufacture",
        "atelier",
        "ateliers",
    ),
    "entreprise": (
        "entreprise",
        "entreprises",
        "pme",
        "tpe",
        "employeur",
        "employeurs",
        "societe",
        "societes",
        "industriel",
        "industriels",
    ),
    "emploi": (
        "emploi",
        "emplois",
        "travail",
        "travailler",
        "job",
        "jobs",
        "embauche",
        "embaucher",
        "recruter",
        "recrutement",
        "recrutements",
        "recrutent",
        "metier",
        "metiers",
    ),
    "jeune": (
        "jeune",
        "jeunes",
        "adolescent",
        "adolescents",
        "etudiant",
        "etudiants",
        "collegien",
        "collegiens",
        "lyceen",
        "lyceens",
        "eleve",
        "eleves",
        "enfant",
        "enfants",
    ),
    "sante": (
        "medecin",
        "medecins",
        "generaliste",
        "generalistes",
        "docteur",
        "medical",
        "medicale",
        "medicaux",
        "sante",
        "soin",
        "soins",
        "hopital",
        "medecine",
    ),
    "logement": (
        "logement",
        "logements",
        "habitat",
        "appartement",
        "appartements",
        "maison",
        "maisons",
        "loger",
        "immeuble",
        "immeubles",
        "habitation",
    ),
    "solaire": (
        "solaire",
        "solaires",
        "photovoltaique",
        "photovoltaiques",
        "panneau",
        "panneaux",
        "ombrieres",
    ),
    "energie": (
        "energie",
        "energies",
        "electricite",
        "chaleur",
        "chauffage",
        "chauffer",
        "energetique",
        "energetiques",
    ),
    "formation": (
        "formation",
        "formations",
        "former",
        "apprentissage",
        "apprenti",
        "apprentis",
        "apprendre",
        "qualification",
        "qualifications",
        "reconversion",
    ),
    "gratuit": ("gratuit", "gratuite", "gratuits", "gratuites", "gratuitement", "offert"),
    "friche": ("friche", "friches", "desaffecte", "desaffectes"),
    "agriculture": (
        "agricole",
        "agricoles",
        "agriculteur",
        "agriculteurs",
        "ferme",
        "fermes",
        "maraicher",
        "maraichers",
        "maraichage",
        "paysan",
        "paysans",
        "champs",
    ),
    "local": ("local", "locaux", "locale", "locales", "producteur", "producteurs", "court"),
    "nature": (
        "arbre",
        "arbres",
        "vegetaliser",
        "vegetalisation",
        "jardin",
        "jardins",
        "potager",
        "potagers",
        "verts",
        "vert",
        "nature",
        "parc",
        "parcs",
    ),
    "culture": (
        "culture",
        "culturel",
        "culturelle",
        "culturelles",
        "concert",
        "concerts",
        "theatre",
        "cinema",
        "musee",
        "mediatheque",
        "mediatheques",
        "bibliotheque",
        "bibliotheques",
    ),
    "renovation": (
        "isolation",
        "isoler",
        "renovation",
        "renover",
        "rehabiliter",
        "rehabilitation",
        "travaux",
    ),
    "automobile": (
        "voiture",
        "voitures",
        "automobile",
        "automobiles",
        "auto",
        "vehicule",
        "vehicules",
        "moteur",
    ),
    "foncier": ("terrain", "terrains", "foncier", "fonciere", "terre", "terres", "sol", "sols"),
    "aide": (
        "aide",
        "aides",
        "aider",
        "subvention",
        "subventions",
        "prime",
        "primes",
        "financer",
        "financement",
        "fonds",
    ),
    "age": (
        "senior",
        "seniors",
        "agee",
        "agees",
        "ages",
        "vieillissement",
        "retraite",
        "retraites",
    ),
    "soir": ("soir", "nuit", "dimanche", "week", "horaires", "decales", "tard", "tot"),
    "vide": ("vide", "vides", "vacant", "vacants", "inoccupe", "inoccupes"),
    "compost": ("compost", "composteur", "composteurs", "biodechets"),
    "pollution": ("pollution", "polluant", "polluants", "air", "depolluer", "depollution"),
    "psy": ("psychologue", "psychologues", "psychologique", "mental", "mentale"),
    "visite": ("visite", "visites", "visiter", "portes", "decouvrir", "parcours", "circuit"),
}
_CONCEPT_OF: dict[str, list[str]] = {}
for _concept, _words in CONCEPTS.items():
    for _word in _words:
        _CONCEPT_OF.setdefault(_word, []).append(f"#{_concept}")


def _word_features(text: str, *, concepts: bool = True) -> list[str]:
    found_words = content_words(text)
    found = [stem(w) for w in found_words]
    features = found + [f"{a} {b}" for a, b in zip(found, found[1:], strict=False)]
    if concepts:
        features += sorted({c for w in found_words for c in _CONCEPT_OF.get(w, ())})
    return features


def _word_features_plain(text: str) -> list[str]:
    return _word_features(text, concepts=False)


# --- items ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: Any
    text: str


def as_items(items: Iterable) -> list[Item]:
    out = []
    for item in items:
        if isinstance(item, Item):
            out.append(item)
        elif isinstance(item, dict):
            out.append(Item(item["id"], str(item.get("text") or "")))
        elif hasattr(item, "title") and hasattr(item, "pk"):
            out.append(Item(item.pk, proposal_text(item)))
        else:
            ident, text = item
            out.append(Item(ident, str(text or "")))
    return out


def proposal_text(proposal) -> str:
    """What a proposal is compared by: its title (twice: it names the idea) and its text."""
    body = getattr(proposal, "search_text", "") or getattr(proposal, "body", "") or ""
    return f"{proposal.title}. {proposal.title}. {body[:600]}"


# --- the local method ----------------------------------------------------------------


class LocalModel:
    """TF-IDF of stems (and stem pairs) and of character n-grams, fitted on a corpus."""

    name = "local"

    def __init__(
        self, texts: Sequence[str], *, word_weight: float | None = None, concepts: bool = True
    ):
        self.word_weight = config()["WORD_WEIGHT"] if word_weight is None else word_weight
        self.words = TfidfVectorizer(
            analyzer=_word_features if concepts else _word_features_plain,
            sublinear_tf=True,
            min_df=1,
            dtype=np.float32,
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            sublinear_tf=True,
            min_df=1,
            dtype=np.float32,
            preprocessor=normalise,
        )
        texts = list(texts) or [""]
        # A corpus of nothing but stop words gives an empty vocabulary: keep a placeholder.
        self.matrix = self._fit(texts)

    def _fit(self, texts: list[str]) -> sparse.csr_matrix:
        padded = [*texts, "zzzvide"]
        word_part = self.words.fit_transform(padded)[:-1]
        char_part = self.chars.fit_transform(padded)[:-1]
        return self._combine(word_part, char_part)

    def _combine(self, word_part, char_part) -> sparse.csr_matrix:
        ww = self.word_weight
        joined = sparse.hstack(
            [word_part * np.sqrt(ww), char_part * np.sqrt(1.0 - ww)], format="csr"
        )
        return l2_normalize(joined).astype(np.float32)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self._combine(self.words.transform(texts), self.chars.transform(texts))

    def top_terms(self, rows: Sequence[int], texts: Sequence[str], limit: int = 3) -> list[str]:
        """The words a group rests on: stems shared by most members, weighted by rarity,
        shown as the word its members write most often."""
        vocabulary = self.words.vocabulary_
        idf = self.words.idf_
        shared: Counter = Counter()
        surface: dict[str, Counter] = {}
        for row in rows:
            seen = set()
            for original in re.findall(r"\w+", texts[row].lower()):
                folded = ABBREVIATIONS.get(fold(original), fold(original))
                if len(folded) < 3 or folded in STOP_WORDS or folded.isdigit():
                    continue
                key = stem(folded)
                surface.setdefault(key, Counter())[original] += 1
                seen.add(key)
            shared.update(seen)
        need = 2 if len(rows) > 1 else 1
        scored = [
            (count * idf[vocabulary[key]], key)
            for key, count in shared.items()
            if count >= need and key in vocabulary
        ]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [surface[key].most_common(1)[0][0] for _score, key in scored[:limit]]


# --- the embedding service -----------------------------------------------------------


class EmbeddingError(Exception):
    pass


def remote_embeddings(texts: Sequence[str], cfg: dict[str, Any]) -> np.ndarray:
    """Unit vectors from an OpenAI-compatible ``POST {URL}/embeddings``; raises on any problem."""
    url = cfg["EMBEDDING_URL"].rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise EmbeddingError("the embedding URL must be http(s)")
    if not url.endswith("/embeddings"):
        url += "/embeddings"
    payload = json.dumps({"model": cfg["EMBEDDING_MODEL"], "input": list(texts)}).encode()
    request = urllib.request.Request(url, data=payload, method="POST")  # noqa: S310 (checked)
    request.add_header("Content-Type", "application/json")
    if cfg.get("EMBEDDING_API_KEY"):
        request.add_header("Authorization", f"Bearer {cfg['EMBEDDING_API_KEY']}")
    try:
        timeout = float(cfg["EMBEDDING_TIMEOUT"])
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (checked)
            body = json.loads(answer.read())
        rows = sorted(body["data"], key=lambda row: row["index"])
        vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
    except Exception as exc:  # network, HTTP, JSON, shape: all mean "not this time"
        raise EmbeddingError(str(exc)) from exc
    if vectors.ndim != 2 or len(vectors) != len(texts):
        raise EmbeddingError("unexpected embedding shape")
    return l2_normalize(vectors)


def embedding_enabled(cfg: dict[str, Any] | None = None) -> bool:
    cfg = cfg or config()
    return bool(cfg.get("EMBEDDING_URL")) and bool(cfg.get("EMBEDDING_MODEL"))


@dataclass
class Vectors:
    """Unit rows for a list of texts, with the method that made them and its thresholds."""

    matrix: Any  # numpy array or scipy sparse matrix, rows of norm 1
    method: str
    duplicate: float
    suggest: float
    group: float
    model: LocalModel | None = None
    texts: list[str] = field(default_factory=list)

    def similarities(self) -> np.ndarray:
        product = self.matrix @ self.matrix.T
        return product.toarray() if sparse.issparse(product) else np.asarray(product)


def vectorise(texts: Sequence[str], cfg: dict[str, Any] | None = None) -> Vectors:
    """The configured method, the local one when the service is off or fails."""
    cfg = cfg or config()
    texts = list(texts)
    local = LocalModel(texts, word_weight=cfg["WORD_WEIGHT"], concepts=cfg["CONCEPTS"])
    if embedding_enabled(cfg) and texts:
        try:
            return Vectors(
                remote_embeddings(texts, cfg),
                "embedding",
                cfg["EMBEDDING_DUPLICATE_THRESHOLD"],
                cfg["EMBEDDING_SUGGEST_THRESHOLD"],
                cfg["EMBEDDING_GROUP_THRESHOLD"],
                model=local,
                texts=texts,
            )
        except EmbeddingError as exc:
            logger.warning("similarity: embedding service unavailable, local method used (%s)", exc)
    return Vectors(
        local.matrix,
        "local",
        cfg["DUPLICATE_THRESHOLD"],
        cfg["SUGGEST_THRESHOLD"],
        cfg["GROUP_THRESHOLD"],
        model=local,
        texts=texts,
    )


# --- the interface -------------------------------------------------------------------


def _candidate_items(candidates) -> list[Item]:
    if hasattr(candidates, "model") and hasattr(candidates, "values_list"):  # a queryset
        rows = candidates.only("pk", "title", "search_text")
        return [Item(p.pk, proposal_text(p)) for p in rows]
    return as_items(candidates)


def similar_to(
    text: str, candidates, limit: int = 3, *, threshold: float | None = None
) -> list[tuple[Any, float]]:
    """Up to ``limit`` candidates most like ``text``: ``[(id, score), …]``, best first."""
    if not content_words(text):
        return []
    items = _candidate_items(candidates)
    if not items:
        return []
    vectors = vectorise([item.text for item in items] + [text])
    threshold = vectors.suggest if threshold is None else threshold
    sims = vectors.similarities()[-1][:-1]
    order = np.argsort(-sims, kind="stable")[:limit]
    return [(items[i].id, float(sims[i])) for i in order if sims[i] >= threshold]


def duplicate_pairs(
    items, *, threshold: float | None = None, vectors: Vectors | None = None
) -> list[tuple[Any, Any, float]]:
    """Pairs flagged as the same idea: ``[(id_a, id_b, score), …]``, most alike first."""
    items = as_items(items)
    if len(items) < 2:
        return []
    vectors = vectors or vectorise([item.text for item in items])
    threshold = vectors.duplicate if threshold is None else threshold
    sims = np.triu(vectors.similarities(), k=1)
    rows, cols = np.nonzero(sims >= threshold)
    pairs = [(items[a].id, items[b].id, float(sims[a, b])) for a, b in zip(rows, cols, strict=True)]
    pairs.sort(key=lambda pair: -pair[2])
    return pairs


@dataclass
class Group:
    ids: list
    words: list[str]
    cohesion: float  # mean similarity between members

    def as_dict(self) -> dict:
        return {"ids": self.ids, "words": self.words, "cohesion": round(self.cohesion, 3)}


def suggest_groups(
    items, *, threshold: float | None = None, vectors: Vectors | None = None, min_size: int = 2
) -> list[Group]:
    """Groups for a wall, largest first, each with the words it rests on (never applied:
    a facilitator accepts, edits or ignores them)."""
    items = as_items(items)
    if len(items) < 2:
        return []
    vectors = vectors or vectorise([item.text for item in items])
    threshold = vectors.group if threshold is None else threshold
    sims = np.clip(vectors.similarities(), 0.0, 1.0)
    distances = 1.0 - sims
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    members: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        members.setdefault(int(label), []).append(row)
    groups = []
    texts = [item.text for item in items]
    for rows in members.values():
        if len(rows) < min_size:
            continue
        block = sims[np.ix_(rows, rows)]
        n = len(rows)
        cohesion = float((block.sum() - n) / (n * (n - 1))) if n > 1 else 1.0
        groups.append(
            Group([items[r].id for r in rows], vectors.model.top_terms(rows, texts), cohesion)
        )
    groups.sort(key=lambda g: (-len(g.ids), -g.cohesion))
    return groups


def analyse(items) -> dict:
    """What ``manage.py similar_ideas`` prints: the groups and the duplicate pairs."""
    items = as_items(items)
    if len(items) < 2:
        return {"groups": [], "duplicates": [], "method": "local"}
    vectors = vectorise([item.text for item in items])
    groups = suggest_groups(items, vectors=vectors)
    pairs = duplicate_pairs(items, vectors=vectors)
    return {
        "groups": [g.ids for g in groups],
        "duplicates": [[a, b] for a, b, _score in pairs],
        "method": vectors.method,
        "words": [g.words for g in groups],
    }

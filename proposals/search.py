"""Full-text search on proposals: French configuration on PostgreSQL, a fallback on SQLite.

Both sides search text stripped of accents and lower-cased (``search_text``),
so « énergie », « Energie » and « ENERGIES » find the same proposals. On
PostgreSQL the French stemmer handles plural/singular and conjugations; the
SQLite fallback strips the common French plural endings of each word and
matches every word as a substring.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, TextField, Value

from project.sanitizer import plain_text

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def normalize(value: str) -> str:
    """Lower case, no accents, ligatures expanded (« Œuvre » → « oeuvre »)."""
    value = (value or "").replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_text_for(title: str, body_html: str) -> str:
    return normalize(f"{title}\n{plain_text(body_html)}")


def terms(query: str) -> list[str]:
    return [t for t in _WORD.findall(normalize(query)) if len(t) > 1][:MAX_TERMS]


def _stem_fallback(term: str) -> str:
    # Crude French singular: « friches » → « friche », « territoriaux » → « territoria ».
    if len(term) > 4 and term.endswith("aux"):
        return term[:-2]
    if len(term) > 3 and term[-1] in "sx":
        return term[:-1]
    return term


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_vector_expression():
    return SearchVector(F("search_text"), config="french")


def search_vector_of(search_text: str):
    """The vector of a row being inserted with ``search_text``, for its INSERT (PostgreSQL;
    None elsewhere): the same ``to_tsvector('french', …)`` as ``refresh_search_vector``."""
    if not is_postgres():
        return None
    return SearchVector(Value(search_text, output_field=TextField()), config="french")


def refresh_search_vector(queryset: QuerySet) -> None:
    """Rebuild the French vector from ``search_text`` (one UPDATE, PostgreSQL only)."""
    if is_postgres():
        queryset.update(search_vector=search_vector_expression())


def apply_search(queryset: QuerySet, query: str, *, rank: bool = False) -> QuerySet:
    words = terms(query)
    if not words:
        return queryset
    if is_postgres():
        search = SearchQuery(" ".join(words), config="french", search_type="plain")
        queryset = queryset.filter(search_vector=search)
        if rank:
            queryset = queryset.annotate(rank=SearchRank(F("search_vector"), search))
        return queryset
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=_stem_fallback(word))
    return queryset.filter(condition)

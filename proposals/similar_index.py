"""The proposals' similarity index: similar ideas while typing, and the duplicates queue.

The index describes every public proposal that is not merged (``similarity``'s
method) once per process and is kept current by one cheap query per use: the
number of proposals, the last id and the last modification. When they change, the
proposals written since are described again with the fitted vocabulary and their rows
replaced or added; the whole index is fitted anew when it has grown by a fifth, and at
least every ``REFIT_SECONDS``.

Only public proposals are ever described, and each answer is checked against the
database (the proposals the asker may see, public, not merged) before it is shown:
a hidden, private or merged proposal is never suggested, even from a stale index.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Max
from scipy import sparse

from proposals import similarity
from proposals.models import Proposal, ProposalStatus

REFIT_SECONDS = 3600
GROWTH_BEFORE_REFIT = 0.2
QUERY_CANDIDATES = 12
DUPLICATE_QUEUE_LIMIT = 100
_CHUNK = 1000

_lock = threading.Lock()


@dataclass
class ProposalIndex:
    ids: np.ndarray
    matrix: sparse.csr_matrix
    model: similarity.LocalModel
    fitted_size: int
    fitted_at: float
    stamp: tuple
    seen_until: object  # the last ``updated_at`` described
    duplicates: list | None = field(default=None)

    def row_of(self) -> dict[int, int]:
        return {int(pk): row for row, pk in enumerate(self.ids)}


_state: dict[str, ProposalIndex | None] = {"index": None}


def _indexed():
    return Proposal.objects.public().exclude(status=ProposalStatus.MERGED)


def _stamp() -> tuple:
    row = Proposal.objects.order_by().aggregate(
        n=Count("id"), top=Max("id"), last=Max("updated_at")
    )
    return (row["n"], row["top"], row["last"])


def _texts(rows) -> tuple[list[int], list[str], object]:
    ids, texts, last = [], [], None
    for pk, title, search_text, updated_at in rows:
        ids.append(pk)
        texts.append(_text(title, search_text))
        if last is None or updated_at > last:
            last = updated_at
    return ids, texts, last


def _text(title: str, search_text: str) -> str:
    # ``search_text`` already starts with the title; the title is counted twice on purpose.
    return f"{title}. {search_text[:800]}"


def _build(stamp: tuple) -> ProposalIndex:
    rows = _indexed().values_list("pk", "title", "search_text", "updated_at").order_by("pk")
    ids, texts, last = _texts(rows)
    cfg = similarity.config()
    model = similarity.LocalModel(texts, word_weight=cfg["WORD_WEIGHT"], concepts=cfg["CONCEPTS"])
    return ProposalIndex(
        ids=np.asarray(ids, dtype=np.int64),
        matrix=model.matrix if ids else sparse.csr_matrix((0, model.matrix.shape[1])),
        model=model,
        fitted_size=len(ids),
        fitted_at=time.monotonic(),
        stamp=stamp,
        seen_until=last,
    )


def _refresh(index: ProposalIndex, stamp: tuple) -> ProposalIndex:
    """Describe again what was written since the index was built (one query)."""
    changed = Proposal.objects.order_by("pk")
    if index.seen_until is not None:
        changed = changed.filter(updated_at__gte=index.seen_until)
    changed = list(changed.values_list("pk", "title", "search_text", "updated_at", "is_hidden"))
    positions = index.row_of()
    keep = np.ones(len(index.ids), dtype=bool)
    new_ids, new_texts = [], []
    public = set(_indexed().filter(pk__in=[row[0] for row in changed]).values_list("pk", flat=True))
    last = index.seen_until
    for pk, title, search_text, updated_at, _hidden in changed:
        if last is None or updated_at > last:
            last = updated_at
        if pk in positions:
            keep[positions[pk]] = False
        if pk in public:
            new_ids.append(pk)
            new_texts.append(_text(title, search_text))
    ids = index.ids[keep]
    matrix = index.matrix[keep]
    if new_ids:
        ids = np.concatenate([ids, np.asarray(new_ids, dtype=np.int64)])
        matrix = sparse.vstack([matrix, index.model.transform(new_texts)], format="csr")
    return ProposalIndex(
        ids=ids,
        matrix=matrix,
        model=index.model,
        fitted_size=index.fitted_size,
        fitted_at=index.fitted_at,
        stamp=stamp,
        seen_until=last,
    )


def current() -> ProposalIndex:
    """The index, brought up to date (one query when nothing changed)."""
    stamp = _stamp()
    with _lock:
        index = _state["index"]
        if index is not None and index.stamp == stamp:
            return index
        too_old = index is not None and time.monotonic() - index.fitted_at > REFIT_SECONDS
        if index is None or too_old:
            index = _build(stamp)
        else:
            index = _refresh(index, stamp)
            if len(index.ids) > max(50, index.fitted_size * (1 + GROWTH_BEFORE_REFIT)):
                index = _build(stamp)
        _state["index"] = index
        return index


def clear() -> None:
    """Forget the index (tests; the next use builds it again)."""
    with _lock:
        _state["index"] = None


def similar_proposals(user, text: str, *, limit: int = 3, exclude: int | None = None) -> list:
    """Up to ``limit`` proposals ``user`` may see that look like ``text``, best first, each
    with its ``similarity`` score (two queries when the index is current)."""
    if not similarity.content_words(text):
        return []
    index = current()
    if not len(index.ids):
        return []
    scores = (index.matrix @ index.model.transform([text]).T).toarray().ravel()
    threshold = similarity.config()["SUGGEST_THRESHOLD"]
    best = np.argsort(-scores, kind="stable")[:QUERY_CANDIDATES]
    wanted = {int(index.ids[i]): float(scores[i]) for i in best if scores[i] >= threshold}
    wanted.pop(exclude, None)
    if not wanted:
        return []
    found = (
        Proposal.objects.visible_to(user)
        .public()
        .exclude(status=ProposalStatus.MERGED)
        .filter(pk__in=list(wanted))
        .for_list()
    )
    found = sorted(found, key=lambda p: -wanted[p.pk])[:limit]
    for proposal in found:
        proposal.similarity = round(wanted[proposal.pk], 3)
    return found


@dataclass
class DuplicatePair:
    first: Proposal
    second: Proposal
    score: float


def duplicate_candidates(*, limit: int = DUPLICATE_QUEUE_LIMIT) -> list[DuplicatePair]:
    """The likeliest duplicates among public proposals (the moderators' queue): pairs at or
    above the duplicate threshold, most alike first; the older proposal of a pair first."""
    index = current()
    if index.duplicates is None:
        threshold = similarity.config()["DUPLICATE_THRESHOLD"]
        pairs: list[tuple[float, int, int]] = []
        matrix = index.matrix
        for start in range(0, matrix.shape[0], _CHUNK):
            block = (matrix[start : start + _CHUNK] @ matrix.T).toarray()
            rows, cols = np.nonzero(block >= threshold)
            for r, c in zip(rows, cols, strict=True):
                a, b = start + int(r), int(c)
                if a < b:
                    pairs.append((float(block[r, c]), int(index.ids[a]), int(index.ids[b])))
        pairs.sort(key=lambda pair: -pair[0])
        index.duplicates = pairs[: limit * 2]
    pairs = index.duplicates
    wanted = {pk for _s, a, b in pairs for pk in (a, b)}
    proposals = {
        p.pk: p
        for p in Proposal.objects.public()
        .exclude(status=ProposalStatus.MERGED)
        .filter(pk__in=wanted)
        .for_list()
    }
    out = []
    for score, a, b in pairs:
        if a in proposals and b in proposals:
            first, second = sorted((proposals[a], proposals[b]), key=lambda p: p.created_at)
            out.append(DuplicatePair(first, second, round(score, 3)))
        if len(out) >= limit:
            break
    return out

"""The proposals' similarity index: similar ideas while typing, and the duplicates queue.

The index describes every public proposal that is not merged (``similarity``'s
method) once per process and is kept current by one cheap query per use: the
number of proposals, the last id and the last modification. When they change, the
proposals written since are described again with the fitted vocabulary and their rows
replaced or added; the whole index is fitted anew when it has grown by a fifth, and at
least every ``REFIT_SECONDS`` (beyond ``SYNC_BUILD_MAX`` proposals, in a background
thread, the current index serving meanwhile). The stamp is read at most every ``STAMP_SECONDS`` per
process, and at once after a proposal is written in this process.

Only public proposals are ever described, and each answer is checked against the
database (the proposals the asker may see, public, not merged) before it is shown:
a hidden, private or merged proposal is never suggested, even from a stale index.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models import Count, Max
from scipy import sparse

from proposals import similarity
from proposals.models import Proposal, ProposalStatus
from proposals.similar_freshness import lock as _lock
from proposals.similar_freshness import state as _state

REFIT_SECONDS = 3600
# Up to this many proposals the index is built in the request that first needs it (well
# under a second); beyond, in a background thread, suggestions starting once it is ready.
SYNC_BUILD_MAX = 2000
# The freshness stamp is read at most this often by a process (a write in this process
# makes the next use read it at once; other processes see it within these seconds).
STAMP_SECONDS = 2.0
GROWTH_BEFORE_REFIT = 0.2
QUERY_CANDIDATES = 12
# What a proposal is described by: its title, then the start of its text (the title again,
# as ``search_text`` starts with it). Enough to recognise an idea; the index stays small.
TEXT_CHARS = 400
DUPLICATE_QUEUE_LIMIT = 100
# The duplicates queue looks at the latest written proposals (each against all the others):
# about 1.5 s for 1,000 against 10,000 on one core, once per state of the index.
DUPLICATE_WINDOW = 1000
_CHUNK = 250

logger = logging.getLogger(__name__)


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
    return f"{title}. {search_text[:TEXT_CHARS]}"


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
    changed = Proposal.objects.order_by("updated_at", "pk")  # the latest written last
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


def current() -> ProposalIndex | None:
    """The index, brought up to date (at most one query when nothing changed); None while a
    large index is first built in the background (no request waits for it)."""
    now = time.monotonic()
    index = _state["index"]
    if index is not None and now - _state["checked_at"] < STAMP_SECONDS:
        return index
    stamp = _stamp()
    with _lock:
        _state["checked_at"] = now
        index = _state["index"]
        if index is not None and index.stamp == stamp:
            return index
        if index is None:
            if stamp[0] > SYNC_BUILD_MAX:
                _build_in_background()
                return None
            index = _build(stamp)
        else:
            index = _refresh(index, stamp)
            too_old = now - index.fitted_at > REFIT_SECONDS
            grown = len(index.ids) > max(50, index.fitted_size * (1 + GROWTH_BEFORE_REFIT))
            if too_old or grown:
                if len(index.ids) > SYNC_BUILD_MAX:
                    _build_in_background()  # the refreshed index serves meanwhile
                else:
                    index = _build(stamp)
        _state["index"] = index
        return index


def build_now() -> ProposalIndex:
    """Build the index in this thread and install it (benchmarks; warming a worker)."""
    index = _build(_stamp())
    with _lock:
        _state["index"] = index
        _state["checked_at"] = time.monotonic()
    return index


def _build_in_background() -> None:
    if _state.get("building"):
        return
    _state["building"] = True

    def run() -> None:
        try:
            index = _build(_stamp())
            with _lock:
                _state["index"] = index
                _state["checked_at"] = 0.0  # the next use checks what was written meanwhile
        except Exception:
            logger.exception("similar ideas: building the index failed")
        finally:
            _state["building"] = False
            connection.close()  # this thread's own connection

    threading.Thread(target=run, name="similar-index", daemon=True).start()


def clear() -> None:
    """Forget the index (tests; the next use builds it again)."""
    with _lock:
        _state["index"] = None
        _state["checked_at"] = 0.0


def similar_proposals(user, text: str, *, limit: int = 3, exclude: int | None = None) -> list:
    """Up to ``limit`` proposals ``user`` may see that look like ``text``, best first, each
    with its ``similarity`` score (two queries when the index is current)."""
    if not similarity.content_words(text):
        return []
    index = current()
    if index is None or not len(index.ids):
        return []
    query = index.model.transform([text]).toarray().ravel()
    scores = index.matrix @ query  # sparse rows times a dense vector: one pass over the rows
    threshold = similarity.config()["SUGGEST_THRESHOLD"]
    take = min(QUERY_CANDIDATES, len(scores))
    best = np.argpartition(-scores, take - 1)[:take]
    best = best[np.argsort(-scores[best], kind="stable")]
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
    above the duplicate threshold in which one of the ``DUPLICATE_WINDOW`` latest written
    proposals takes part, most alike first; the older proposal of a pair first."""
    index = current()
    if index is None:
        return []
    if index.duplicates is None:
        threshold = similarity.config()["DUPLICATE_THRESHOLD"]
        keep = limit * 2
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        matrix = index.matrix
        count = matrix.shape[0]
        # The latest rows (new or edited proposals) against every row: sparse rows times a
        # dense block, each pair once (as ``a < b``), the best ``keep`` of each block.
        for start in range(max(0, count - DUPLICATE_WINDOW), count, _CHUNK):
            block = matrix[start : start + _CHUNK].toarray()
            sims = matrix @ block.T
            rows, cols = np.nonzero(sims >= threshold)
            once = rows < start + cols
            rows, cols = rows[once], cols[once]
            values = sims[rows, cols]
            if len(values) > keep:
                best = np.argpartition(-values, keep - 1)[:keep]
                rows, cols, values = rows[best], cols[best], values[best]
            found.append((values, index.ids[rows], index.ids[start + cols]))
        pairs = [
            (float(v), int(a), int(b))
            for values, firsts, seconds in found
            for v, a, b in zip(values, firsts, seconds, strict=True)
        ]
        pairs.sort(key=lambda pair: -pair[0])
        index.duplicates = pairs[:keep]
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

"""The opinion map's mathematics: Pol.is's published method, written anew with numpy.

Pol.is (compdemocracy/polis, ``math/src/polismath/math``) describes a pipeline that
this module follows step by step, without Django, on plain arrays:

1. The vote matrix: one row per participant, one column per statement; agree 1,
   disagree -1, pass 0, not voted NaN. Statements moderated out count as 0 for
   everyone (Pol.is zeroes their columns).
2. Who is "in the conversation": participants with at least ``min(7, statements)``
   votes; once in, always in (the state remembers them); if fewer than 15, the
   most active voters are added up to 15.
3. A 2-D PCA of the matrix with each missing vote replaced by its statement's mean.
   Each participant is then projected from their own votes only and pushed out by
   ``sqrt(statements / votes)``, so that someone with few votes is not drawn to the
   centre merely for lack of data.
4. K-means with 100 "base clusters" on the projected participants, then a weighted
   k-means of those base clusters into k = 2..5 opinion groups (at most 2 + bases/12),
   k chosen by the silhouette of the base clusters. Each k-means starts from the
   previous update's clusters (else from the first distinct points), and k changes
   only once the same new k has won 4 updates running: the groups are stable.
5. Representative statements per group (agree/disagree rates against the rest of
   the participants, with Pol.is's one- and two-proportion z-tests), and the
   group-informed consensus: for each statement, the product over groups of
   (agrees + 1) / (voters + 2).

``analyse`` returns the result (JSON-ready) and the state to pass back next time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

BASE_K = 100
MAX_K = 5
K_BUFFER = 4
GREEDY_N = 15
MIN_VOTES = 7
ITERATIONS = 100
Z_90 = 1.2816
TOLERANCE = 0.01


@dataclass
class VoteMatrix:
    """Votes as a dense matrix; ``participants`` and ``statements`` are the row/column keys."""

    participants: list[Any]
    statements: list[Any]
    values: np.ndarray  # float, NaN where not voted
    hidden: set[Any] = field(default_factory=set)

    @classmethod
    def from_votes(
        cls,
        votes: Sequence[tuple[Any, Any, int]],
        *,
        participants: Sequence[Any] | None = None,
        statements: Sequence[Any] | None = None,
        hidden: set[Any] | None = None,
    ) -> VoteMatrix:
        """``votes``: (participant, statement, value) triples, at most one per pair."""
        if participants is None:
            participants = sorted({p for p, _s, _v in votes})
        if statements is None:
            statements = sorted({s for _p, s, _v in votes})
        row = {p: i for i, p in enumerate(participants)}
        col = {s: j for j, s in enumerate(statements)}
        values = np.full((len(participants), len(statements)), np.nan)
        if votes:
            rows = np.fromiter((row[p] for p, _s, _v in votes), dtype=np.int64, count=len(votes))
            cols = np.fromiter((col[s] for _p, s, _v in votes), dtype=np.int64, count=len(votes))
            vals = np.fromiter((v for _p, _s, v in votes), dtype=float, count=len(votes))
            values[rows, cols] = vals
        return cls(list(participants), list(statements), values, set(hidden or ()))


# --- statistics (Pol.is's stats) ----------------------------------------------------


def prop_test(successes, trials):
    """One-proportion z-score against 1/2, with a +1 pseudo-count."""
    successes = np.asarray(successes, dtype=float) + 1
    trials = np.asarray(trials, dtype=float) + 1
    return 2 * np.sqrt(trials) * (successes / trials - 0.5)


def two_prop_test(succ_in, succ_out, pop_in, pop_out):
    """Two-proportion z-score (in-group rate above the rest's), +1 pseudo-counts."""
    succ_in, succ_out, pop_in, pop_out = (
        np.asarray(x, dtype=float) + 1 for x in (succ_in, succ_out, pop_in, pop_out)
    )
    p1 = succ_in / pop_in
    p2 = succ_out / pop_out
    pooled = (succ_in + succ_out) / (pop_in + pop_out)
    denominator = np.sqrt(pooled * (1 - pooled) * (1 / pop_in + 1 / pop_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / denominator
    return np.where(pooled >= 1, 0.0, np.nan_to_num(z))


# --- PCA ------------------------------------------------------------------------------


def pca_2d(filled: np.ndarray, previous: np.ndarray | None = None):
    """Centre and first two principal axes of ``filled`` (no missing values).

    Axes have unit length; their sign follows the previous update's axes so that
    the map does not flip from one update to the next."""
    n_rows, n_cols = filled.shape
    center = filled.mean(axis=0) if n_rows else np.zeros(n_cols)
    comps = np.zeros((2, n_cols))
    if n_rows >= 2 and n_cols >= 1:
        # The axes are the top eigenvectors of the statements' scatter matrix (what Pol.is's
        # power iteration converges to), from an n_cols x n_cols matrix: cheap for 5,000 people.
        centred = filled - center
        eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred)
        order = np.argsort(eigenvalues)[::-1][:2]
        for i, j in enumerate(order):
            if eigenvalues[j] > 1e-12:
                comps[i] = eigenvectors[:, j]
    elif n_rows == 1 and n_cols:
        norm = np.linalg.norm(filled[0])
        if norm:
            comps[0] = filled[0] / norm
    if previous is not None and previous.shape == comps.shape:
        for i in range(2):
            if float(comps[i] @ previous[i]) < 0:
                comps[i] = -comps[i]
    else:
        for i in range(2):
            # A fixed convention without history: the largest loading is positive.
            if comps[i].any() and comps[i][np.argmax(np.abs(comps[i]))] < 0:
                comps[i] = -comps[i]
    return center, comps


def sparsity_aware_projection(values: np.ndarray, center: np.ndarray, comps: np.ndarray):
    """Project each row from its own votes only, scaled by sqrt(statements / votes)."""
    voted = ~np.isnan(values)
    deviations = np.where(voted, values - center, 0.0)
    projection = deviations @ comps.T
    n_votes = voted.sum(axis=1)
    scale = np.sqrt(values.shape[1] / np.maximum(n_votes, 1))
    return projection * scale[:, None]


# --- k-means (Pol.is's variant: start from the last clusters, drop empty ones) --------


def _first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    _unique, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)[:k]]


def _weighted_mean(points: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    if weights is None:
        return points.mean(axis=0)
    return (points * weights[:, None]).sum(axis=0) / weights.sum()


def _nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    d2 = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    return d2.argmin(axis=1)


def _seed_centers(points, k, previous, weights):
    """Previous centres recentred on today's members, plus the most distant points
    while fewer than ``k`` (and fewer than the distinct points); else first distinct."""
    if previous is None or not len(previous):
        return _first_distinct(points, k)
    centers = [np.asarray(c, dtype=float) for c in previous]
    centers = np.unique(np.array(centers), axis=0)
    labels = _nearest(points, centers)
    kept = []
    for j in range(len(centers)):
        members = labels == j
        if members.any():
            kept.append(
                _weighted_mean(points[members], None if weights is None else weights[members])
            )
    centers = np.unique(np.array(kept), axis=0) if kept else _first_distinct(points, 1)
    possible = min(k, len(np.unique(points, axis=0)))
    while len(centers) < possible:
        distances = np.sqrt(((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
        nearest = distances.min(axis=1)
        far = int(nearest.argmax())
        if nearest[far] <= 0:
            break
        centers = np.vstack([centers, points[far]])
    return centers[:k]


def _lloyd(points, centers, weights, iterations):
    labels = _nearest(points, centers)
    for _ in range(iterations):
        kept = np.unique(labels)
        remap = np.full(len(centers), -1)
        remap[kept] = np.arange(len(kept))
        labels = remap[labels]
        w = np.ones(len(points)) if weights is None else weights
        totals = np.zeros((len(kept), points.shape[1]))
        np.add.at(totals, labels, points * w[:, None])
        mass = np.bincount(labels, weights=w, minlength=len(kept))
        new_centers = totals / mass[:, None]
        moved = np.linalg.norm(new_centers - centers[kept], axis=1)
        centers = new_centers
        new_labels = _nearest(points, centers)
        if np.all(moved < TOLERANCE) and np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return labels, centers


def _inertia(points, labels, centers, weights) -> float:
    d2 = ((points - centers[labels]) ** 2).sum(axis=1)
    return float(d2.sum() if weights is None else (d2 * weights).sum())


def kmeans(points, k, *, previous=None, weights=None, iterations=ITERATIONS, starts=10):
    """Weighted k-means; returns (labels, centers), empty clusters dropped.

    Pol.is starts each update from the previous clusters (recentred, topped up with the
    most distant points), which keeps groups stable; a first update starts from the
    first distinct points. We keep the first rule, and replace the second by the best
    of several k-means++ starts (Pol.is's first-distinct start often ends in a poor
    local optimum); an update also tries fresh starts and leaves the previous clusters
    only when that is clearly (5 %) better."""
    k = min(k, len(np.unique(points, axis=0)))
    fresh = None
    if k >= 1:
        model = KMeans(n_clusters=k, n_init=starts, random_state=0, max_iter=iterations)
        with np.errstate(all="ignore"):
            model.fit(points, sample_weight=weights)
        fresh = _lloyd(points, model.cluster_centers_, weights, iterations)
    if previous is not None and len(previous):
        seeded = _lloyd(points, _seed_centers(points, k, previous, weights), weights, iterations)
        if fresh is None or _inertia(points, *fresh, weights) >= 0.95 * _inertia(
            points, *seeded, weights
        ):
            return seeded
    return fresh


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the points (a point alone in its cluster counts 0)."""
    clusters = np.unique(labels)
    if len(clusters) < 2 or len(points) < 3:
        return -1.0
    distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    scores = np.zeros(len(points))
    for i in range(len(points)):
        own = labels == labels[i]
        n_own = own.sum() - 1
        if n_own == 0:
            continue
        a = distances[i, own].sum() / n_own
        b = min(distances[i, labels == c].mean() for c in clusters if c != labels[i])
        scores[i] = (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return float(scores.mean())


# --- the analysis ------------------------------------------------------------------------


def _in_conversation(vote_counts: np.ndarray, participants, n_statements, previous_in) -> set:
    threshold = min(MIN_VOTES, n_statements)
    members = set(previous_in) & set(participants)
    members |= {p for p, n in zip(participants, vote_counts, strict=True) if n >= threshold and n}
    if len(members) < GREEDY_N:
        ranked = sorted(
            (
                (-int(n), i)
                for i, (p, n) in enumerate(zip(participants, vote_counts, strict=True))
                if p not in members and n > 0
            ),
        )
        for _minus_n, i in ranked[: GREEDY_N - len(members)]:
            members.add(participants[i])
    return members


def _stable_ids(member_ids, person_group, n_groups, previous) -> dict[int, int]:
    """Name today's groups after yesterday's they share the most members with (so that
    "group A" stays group A while people join); new groups take the free ids, largest first."""
    from scipy.optimize import linear_sum_assignment  # heavy: loaded when an analysis runs

    sizes = np.bincount(person_group, minlength=n_groups)
    rename: dict[int, int] = {}
    if previous:
        old_ids = sorted(int(k) for k in previous)
        index = {p: i for i, p in enumerate(member_ids)}
        overlap = np.zeros((n_groups, len(old_ids)))
        for j, old in enumerate(old_ids):
            for p in previous[str(old)]:
                i = index.get(p)
                if i is not None:
                    overlap[person_group[i], j] += 1
        rows, cols = linear_sum_assignment(-overlap)
        for r, c in zip(rows, cols, strict=True):
            if overlap[r, c] > 0:
                rename[int(r)] = old_ids[c]
    free = (i for i in range(n_groups + len(rename) + 1) if i not in rename.values())
    for g in sorted(range(n_groups), key=lambda g: (-sizes[g], g)):
        if g not in rename:
            rename[g] = next(free)
    return rename


def _smooth_k(scores: dict[int, float], previous: Mapping | None) -> dict:
    this_k = max(scores, key=lambda k: (scores[k], -k))
    previous = previous or {}
    last_k = previous.get("last_k")
    count = previous.get("last_k_count", 0) + 1 if last_k == this_k else 1
    smoothed = previous.get("smoothed_k")
    if count >= K_BUFFER or smoothed is None or smoothed not in scores:
        smoothed = this_k
    return {"last_k": this_k, "last_k_count": count, "smoothed_k": smoothed}


def vote_stats(block: np.ndarray) -> dict[str, np.ndarray]:
    """Per statement: agrees, disagrees, voters (NaN = not voted)."""
    voted = ~np.isnan(block)
    return {
        "na": (block == 1).sum(axis=0),
        "nd": (block == -1).sum(axis=0),
        "ns": voted.sum(axis=0),
    }


def group_table(values: np.ndarray, groups: Sequence[np.ndarray]) -> list[dict[str, np.ndarray]]:
    """For each group (a boolean row mask): counts, smoothed rates and z-tests against the rest."""
    tables = []
    all_stats = vote_stats(values)
    for mask in groups:
        stats = vote_stats(values[mask])
        na, nd, ns = stats["na"], stats["nd"], stats["ns"]
        rest_na, rest_nd, rest_ns = (all_stats[k] - stats[k] for k in ("na", "nd", "ns"))
        pa = (na + 1) / (ns + 2)
        pd = (nd + 1) / (ns + 2)
        tables.append(
            {
                **stats,
                "pa": pa,
                "pd": pd,
                "pat": prop_test(na, ns),
                "pdt": prop_test(nd, ns),
                "ra": pa / ((rest_na + 1) / (rest_ns + 2)),
                "rd": pd / ((rest_nd + 1) / (rest_ns + 2)),
                "rat": two_prop_test(na, rest_na, ns, rest_ns),
                "rdt": two_prop_test(nd, rest_nd, ns, rest_ns),
            }
        )
    return tables


def representative(table: dict[str, np.ndarray], statements: Sequence, shown: np.ndarray):
    """Pol.is's choice of a group's representative statements (at most 5, agrees first)."""
    chosen, best, best_agree = [], None, None

    def final(j):
        agree = table["rat"][j] > table["rdt"][j]
        key = "a" if agree else "d"
        return {
            "statement": statements[j],
            "repful_for": "agree" if agree else "disagree",
            "n_success": int(table["n" + key][j]),
            "n_trials": int(table["ns"][j]),
            "p_success": float(table["p" + key][j]),
            "p_test": float(table["p" + key + "t"][j]),
            "repness": float(table["r" + key][j]),
            "repness_test": float(table["r" + key + "t"][j]),
        }

    for j in np.flatnonzero(shown):
        t = {k: float(v[j]) for k, v in table.items()}
        passes = (t["rat"] > Z_90 and t["pat"] > Z_90) or (t["rdt"] > Z_90 and t["pdt"] > Z_90)
        if passes:
            chosen.append(final(j))
        if not chosen and (best is None or max(t["rat"], t["rdt"]) > best[1]):
            best = (j, max(t["rat"], t["rdt"]))
        if t["na"] == 0 and t["nd"] == 0:
            continue
        if best_agree is not None:
            b = {k: float(v[best_agree]) for k, v in table.items()}
            if b["ra"] > 1.0:
                better = (
                    t["ra"] * t["rat"] * t["pa"] * t["pat"]
                    > b["ra"] * b["rat"] * b["pa"] * b["pat"]
                )
            else:
                better = t["pa"] * t["pat"] > b["pa"] * b["pat"]
        else:
            better = t["pat"] > Z_90 or (t["ra"] > 1.0 and t["pa"] > 0.5)
        if better:
            best_agree = j
    head = []
    if best_agree is not None:
        item = final(best_agree)
        item.update(
            repful_for="agree",
            n_success=int(table["na"][best_agree]),
            p_success=float(table["pa"][best_agree]),
            best_agree=True,
        )
        head = [item]
    elif best is not None:
        head = [final(best[0])]
    if not chosen:
        return head
    head_ids = {h["statement"] for h in head}
    chosen = [c for c in chosen if c["statement"] not in head_ids]
    chosen.sort(key=lambda c: -(c["repness"] * c["repness_test"] * c["p_success"] * c["p_test"]))
    top = (head + chosen)[:5]
    return [c for c in top if c["repful_for"] == "agree"] + [
        c for c in top if c["repful_for"] == "disagree"
    ]


def analyse(matrix: VoteMatrix, **kwargs) -> tuple[dict, dict]:
    """The whole pipeline (see ``_analyse``), on one thread: it runs beside the site."""
    with threadpool_limits(1):
        return _analyse(matrix, **kwargs)


def _analyse(
    matrix: VoteMatrix,
    *,
    state: Mapping | None = None,
    colleges: Mapping[Any, str] | None = None,
    merge_colleges=None,
) -> tuple[dict, dict]:
    """The whole pipeline. ``state`` is what the previous call returned (or None).

    ``colleges``: participant → declared college, for the table by college;
    ``merge_colleges``: ``{college: voters} -> {college: shown group}`` (the small-college rule).
    Returns (result, new state)."""
    state = dict(state or {})
    participants, statements = matrix.participants, matrix.statements
    values = matrix.values.astype(float, copy=True)
    hidden_cols = np.array([s in matrix.hidden for s in statements], dtype=bool)
    shown_cols = ~hidden_cols
    n_statements = len(statements)
    vote_counts = (~np.isnan(values)).sum(axis=1)

    # 1. Moderated-out statements weigh nothing: everyone "passes" them.
    rating = values.copy()
    if hidden_cols.any():
        rating[:, hidden_cols] = 0.0

    # 2. Who is in.
    in_conv = _in_conversation(vote_counts, participants, n_statements, state.get("in_conv", ()))
    in_mask = np.array([p in in_conv for p in participants], dtype=bool)

    # 3. PCA on the mean-imputed matrix, then the sparsity-aware projection.
    with np.errstate(invalid="ignore"):
        column_means = np.nanmean(rating, axis=0) if len(rating) else np.zeros(n_statements)
    column_means = np.nan_to_num(column_means)
    filled = np.where(np.isnan(rating), column_means, rating)
    previous_comps = np.array(state["comps"]) if state.get("comps") else None
    center, comps = pca_2d(filled, previous_comps)
    projection = (
        sparsity_aware_projection(rating, center, comps)
        if n_statements
        else np.zeros((len(participants), 2))
    )

    # 4. Base clusters, then opinion groups.
    groups_out: list[dict] = []
    labels_by_participant: dict[Any, int] = {}
    new_state: dict[str, Any] = {
        "in_conv": sorted(in_conv, key=str),
        "comps": comps.tolist(),
    }
    points = projection[in_mask]
    member_ids = [p for p, keep in zip(participants, in_mask, strict=True) if keep]
    if len(points) >= 2 and len(np.unique(points, axis=0)) >= 2:
        base_labels, base_centers = kmeans(
            points, BASE_K, previous=state.get("base_centers"), starts=1
        )
        weights = np.bincount(base_labels, minlength=len(base_centers)).astype(float)
        max_k = min(MAX_K, 2 + len(base_centers) // 12, len(base_centers))
        clusterings, scores = {}, {}
        previous_groups = state.get("group_centers", {})
        for k in range(2, max_k + 1):
            g_labels, g_centers = kmeans(
                base_centers, k, previous=previous_groups.get(str(k)), weights=weights
            )
            clusterings[k] = (g_labels, g_centers)
            scores[k] = silhouette(base_centers, g_labels)
        if clusterings:
            smoother = _smooth_k(scores, state.get("k_smoother"))
            k = smoother["smoothed_k"]
            g_labels, g_centers = clusterings[k]
            person_group = g_labels[base_labels]
            rename = _stable_ids(member_ids, person_group, len(g_centers), state.get("groups"))
            for p, g in zip(member_ids, person_group, strict=True):
                labels_by_participant[p] = rename[int(g)]
            new_state.update(
                base_centers=base_centers.tolist(),
                group_centers={str(kk): c.tolist() for kk, (_l, c) in clusterings.items()},
                k_smoother=smoother,
                silhouettes={str(kk): round(v, 4) for kk, v in scores.items()},
            )
            groups_out = [{"id": gid, "members": []} for gid in sorted(rename.values())]
            index = {g["id"]: i for i, g in enumerate(groups_out)}
            for p in member_ids:
                groups_out[index[labels_by_participant[p]]]["members"].append(p)
            new_state["groups"] = {str(g["id"]): g["members"] for g in groups_out}

    # 5. Statistics by opinion group.
    group_masks = [
        np.array([labels_by_participant.get(p) == g["id"] for p in participants], dtype=bool)
        for g in groups_out
    ]
    group_tables = group_table(values, group_masks) if groups_out else []
    representative_out = {
        g["id"]: representative(t, statements, shown_cols)
        for g, t in zip(groups_out, group_tables, strict=True)
    }
    consensus = _consensus(group_tables, statements, shown_cols)

    result: dict[str, Any] = {
        "n_participants": len(participants),
        "n_in_conversation": len(in_conv),
        "n_statements": int(shown_cols.sum()),
        "n_votes": int((~np.isnan(values[:, shown_cols])).sum()),
        "k": len(groups_out),
        "groups": [
            {"id": g["id"], "size": len(g["members"]), "members": g["members"]} for g in groups_out
        ],
        "points": [
            {
                "participant": p,
                "x": round(float(x), 4),
                "y": round(float(y), 4),
                "group": labels_by_participant.get(p),
            }
            for p, (x, y), keep in zip(participants, projection, in_mask, strict=True)
            if keep
        ],
        "representative": representative_out,
        "consensus": consensus,
        "statements": _statement_rows(values, statements, shown_cols, groups_out, group_tables),
    }

    # 6. Beyond Pol.is: the same table by declared college, and what unites everyone.
    if colleges is not None:
        result["by_college"] = by_college(
            values, participants, statements, shown_cols, colleges, merge_colleges
        )
        united = set(consensus["agree"]) if groups_out else set()
        college_agree = set(result["by_college"]["agree"])
        result["unites"] = [s for s in consensus["agree"] if s in united and s in college_agree]
    return result, new_state


def _gac(tables, key: str) -> np.ndarray:
    product = np.ones_like(tables[0]["ns"], dtype=float)
    for t in tables:
        product = product * ((t[key] + 1) / (t["ns"] + 2))
    return product


def _consensus(tables, statements, shown_cols) -> dict[str, list]:
    """Statements every group agrees with (majority in each group), best group-informed
    consensus first; the same for disagreement."""
    if not tables:
        return {"agree": [], "disagree": []}
    out = {}
    for kind, count in (("agree", "na"), ("disagree", "nd")):
        gac = _gac(tables, count)
        everywhere = np.ones(len(statements), dtype=bool)
        for t in tables:
            everywhere &= (t["ns"] > 0) & (2 * t[count] > t["ns"])
        chosen = np.flatnonzero(everywhere & shown_cols)
        out[kind] = [statements[j] for j in sorted(chosen, key=lambda j: (-gac[j], j))]
    return out


def _statement_rows(values, statements, shown_cols, groups, tables) -> dict:
    overall = vote_stats(values)
    gac_agree = _gac(tables, "na") if tables else None
    gac_disagree = _gac(tables, "nd") if tables else None
    rows = {}
    for j, s in enumerate(statements):
        if not shown_cols[j]:
            continue
        rows[s] = {
            "agree": int(overall["na"][j]),
            "disagree": int(overall["nd"][j]),
            "voters": int(overall["ns"][j]),
            "consensus_agree": None if gac_agree is None else round(float(gac_agree[j]), 4),
            "consensus_disagree": None
            if gac_disagree is None
            else round(float(gac_disagree[j]), 4),
            "groups": {
                g["id"]: {
                    "agree": int(t["na"][j]),
                    "disagree": int(t["nd"][j]),
                    "voters": int(t["ns"][j]),
                }
                for g, t in zip(groups, tables, strict=True)
            },
        }
    return rows


def by_college(values, participants, statements, shown_cols, colleges, merge_colleges) -> dict:
    """The table by declared college, small colleges merged, and the statements every
    shown college agrees (disagrees) with by a majority."""
    voted_any = (~np.isnan(values)).any(axis=1)
    voters: dict[str, int] = {}
    for p, voted in zip(participants, voted_any, strict=True):
        if voted and colleges.get(p):
            voters[colleges[p]] = voters.get(colleges[p], 0) + 1
    mapping = merge_colleges(voters) if merge_colleges else {c: c for c in voters}
    shown = sorted(set(mapping.values()))
    masks = [
        np.array([mapping.get(colleges.get(p)) == g for p in participants], dtype=bool)
        for g in shown
    ]
    tables = group_table(values, masks) if shown else []
    out: dict[str, Any] = {
        "colleges": [
            {"id": g, "voters": sum(n for c, n in voters.items() if mapping.get(c) == g)}
            for g in shown
        ],
        "statements": {},
        "agree": [],
        "disagree": [],
    }
    for j, s in enumerate(statements):
        if not shown_cols[j]:
            continue
        out["statements"][s] = {
            g: {"agree": int(t["na"][j]), "disagree": int(t["nd"][j]), "voters": int(t["ns"][j])}
            for g, t in zip(shown, tables, strict=True)
        }
    if tables:
        consensus = _consensus(tables, statements, shown_cols)
        out["agree"], out["disagree"] = consensus["agree"], consensus["disagree"]
    return out


def adjusted_rand_index(a: Sequence, b: Sequence) -> float:
    from sklearn.metrics import adjusted_rand_score  # heavy: loaded when an analysis runs

    return float(adjusted_rand_score(list(a), list(b)))


def finite(x: float) -> bool:
    return math.isfinite(x)

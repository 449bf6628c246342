"""Reads on opinion maps: the next statement to vote on, the analysis input, the map page."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Exists, OuterRef

from decisions.models import RecommendationStatementSource
from opinions.models import (
    Analysis,
    Conversation,
    ConversationParticipant,
    Statement,
    StatementVote,
)
from votes.selectors import college_label
from votes.tally import merge_small_groups


def participant_of(conversation: Conversation, user) -> ConversationParticipant | None:
    if not (user and user.is_authenticated):
        return None
    return ConversationParticipant.objects.filter(conversation=conversation, user=user).first()


def next_statement(conversation: Conversation, participant: ConversationParticipant | None):
    """The statement to show next: shown, not one's own, not yet voted, least voted first
    (then the oldest), as Pol.is does. None when there is nothing left. One query."""
    qs = Statement.objects.filter(conversation=conversation, is_hidden=False)
    if participant is not None:
        voted = StatementVote.objects.filter(statement=OuterRef("pk"), participant=participant)
        qs = qs.exclude(author=participant).exclude(Exists(voted))
    return qs.order_by("vote_count", "created_at", "id").first()


def remaining_count(conversation: Conversation, participant: ConversationParticipant | None) -> int:
    qs = Statement.objects.filter(conversation=conversation, is_hidden=False)
    if participant is not None:
        voted = StatementVote.objects.filter(statement=OuterRef("pk"), participant=participant)
        qs = qs.exclude(author=participant).exclude(Exists(voted))
    return qs.count()


# --- analysis input ----------------------------------------------------------------------


def merge_colleges(voters: dict[str, int]) -> dict[str, str]:
    """The platform's small-college rule (fewer than 3 voters: « Autres collèges », never alone)."""
    return merge_small_groups(voters)


def analysis_compute(conversation_id: int, *, state: dict | None = None):
    """Read the votes (three queries), run the analysis; returns (result, state, votes seen).

    The result names participants and statements by their row ids (as strings in JSON)."""
    from opinions.analysis import VoteMatrix, analyse  # numpy and scikit-learn: only here

    participants = list(
        ConversationParticipant.objects.filter(conversation_id=conversation_id)
        .order_by("id")
        .values_list("id", "college")
    )
    statements = list(
        Statement.objects.filter(conversation_id=conversation_id)
        .order_by("id")
        .values_list("id", "is_hidden")
    )
    # Votes straight into arrays (757,000 rows: model rows or tuples cost seconds).
    table = StatementVote._meta.db_table
    statement_table = Statement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.participant_id, v.statement_id, v.value FROM {table} v "  # noqa: S608
            f"JOIN {statement_table} s ON s.id = v.statement_id WHERE s.conversation_id = %s",
            [conversation_id],
        )
        rows = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 3)
    participant_ids = np.array([p for p, _c in participants], dtype=np.int64)
    statement_ids = np.array([s for s, _h in statements], dtype=np.int64)
    values = np.full((len(participant_ids), len(statement_ids)), np.nan)
    if len(rows):
        values[
            np.searchsorted(participant_ids, rows[:, 0]), np.searchsorted(statement_ids, rows[:, 1])
        ] = rows[:, 2]
    matrix = VoteMatrix(
        participants=participant_ids.tolist(),
        statements=statement_ids.tolist(),
        values=values,
        hidden={s for s, hidden in statements if hidden},
    )
    result, new_state = analyse(
        matrix,
        state=state or None,
        colleges=dict(participants),
        merge_colleges=merge_colleges,
    )
    # JSON round trip: keys become strings, as stored.
    return json.loads(json.dumps(result)), json.loads(json.dumps(new_state)), len(rows)


def analysis_of(conversation: Conversation) -> Analysis | None:
    return Analysis.objects.filter(conversation=conversation).first()


def export_json(conversation: Conversation, analysis: Analysis | None) -> dict[str, Any]:
    """The staff command's shape: members by external id (or participant id)."""
    result = analysis.result if analysis else {}
    keys = dict(
        ConversationParticipant.objects.filter(conversation=conversation).values_list(
            "id", "external_id"
        )
    )

    def name(pid) -> str:
        return keys.get(int(pid)) or str(pid)

    by_college = result.get("by_college", {})
    return {
        "groups": [
            {"id": g["id"], "members": [name(m) for m in g["members"]]}
            for g in result.get("groups", [])
        ],
        "consensus": {
            "agree": [int(s) for s in result.get("consensus", {}).get("agree", [])],
            "disagree": [int(s) for s in result.get("consensus", {}).get("disagree", [])],
        },
        "representative": {
            str(gid): [int(r["statement"]) for r in rows]
            for gid, rows in result.get("representative", {}).items()
        },
        "by_college": {
            "colleges": by_college.get("colleges", []),
            "agree": [int(s) for s in by_college.get("agree", [])],
            "disagree": [int(s) for s in by_college.get("disagree", [])],
            "statements": by_college.get("statements", {}),
        },
        "unites": [int(s) for s in result.get("unites", [])],
    }


def statement_provenance(statement: Statement) -> dict[str, Any]:
    """What the votes said on this statement: overall, by opinion group, by college."""
    analysis = analysis_of(statement.conversation)
    result = analysis.result if analysis else {}
    key = str(statement.pk)
    row = result.get("statements", {}).get(key, {})
    votes = list(StatementVote.objects.filter(statement=statement).values_list("value", flat=True))
    return {
        "conversation": statement.conversation_id,
        "statement": statement.pk,
        "agree": sum(1 for v in votes if v == 1),
        "disagree": sum(1 for v in votes if v == -1),
        "voters": len(votes),
        "groups": row.get("groups", {}),
        "colleges": result.get("by_college", {}).get("statements", {}).get(key, {}),
        "unites": statement.pk in {int(s) for s in result.get("unites", [])},
        "analysis_version": analysis.version if analysis else 0,
    }


# --- the map page ------------------------------------------------------------------------

SVG_SIZE = 400
SVG_MARGIN = 24


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (monotone chain), counter-clockwise."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


_UNSET = object()


def map_context(
    conversation: Conversation, user, analysis: Analysis | None, participant=_UNSET
) -> dict[str, Any]:
    """Everything the map page shows, from the stored analysis (two queries, plus the
    viewer's participation unless given)."""
    result = analysis.result if analysis else {}
    me = participant_of(conversation, user) if participant is _UNSET else participant
    texts, promoted = {}, set()
    for sid, text, proposal_id in Statement.objects.filter(
        conversation=conversation, is_hidden=False
    ).values_list("id", "text", "proposal_id"):
        texts[sid] = text
        if proposal_id:
            promoted.add(sid)

    recommended = dict(
        RecommendationStatementSource.objects.filter(statement__conversation=conversation)
        .order_by("-linked_at")
        .values_list("statement_id", "recommendation_id")
    )

    def stmt(sid) -> dict[str, Any] | None:
        sid = int(sid)
        if sid not in texts:
            return None
        row = result.get("statements", {}).get(str(sid), {})
        return {
            "id": sid,
            "text": texts[sid],
            "agree": row.get("agree", 0),
            "disagree": row.get("disagree", 0),
            "voters": row.get("voters", 0),
            "promoted": sid in promoted,
            "recommendation": recommended.get(sid),
        }

    points = result.get("points", [])
    xs = [p["x"] for p in points] or [0.0]
    ys = [p["y"] for p in points] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    inner = SVG_SIZE - 2 * SVG_MARGIN

    def to_svg(x, y) -> tuple[float, float]:
        cx = (min(xs) + max(xs)) / 2
        cy = (min(ys) + max(ys)) / 2
        return (
            round(SVG_SIZE / 2 + (x - cx) / span * inner, 1),
            round(SVG_SIZE / 2 - (y - cy) / span * inner, 1),
        )

    dots, mine = [], None
    by_group: dict[int, list[tuple[float, float]]] = {}
    for p in points:
        sx, sy = to_svg(p["x"], p["y"])
        if me is not None and int(p["participant"]) == me.pk:
            mine = {"x": sx, "y": sy, "group": p["group"]}
        else:
            dots.append({"x": sx, "y": sy, "group": p["group"]})
        if p["group"] is not None:
            by_group.setdefault(p["group"], []).append((sx, sy))
    # Dots in map order, not in the order people joined: the order must not tell who is who.
    dots.sort(key=lambda d: (d["x"], d["y"]))
    groups = []
    letters = "ABCDEFGH"
    for g in result.get("groups", []):
        gid = g["id"]
        hull = _hull(by_group.get(gid, []))
        cx = sum(x for x, _ in hull) / len(hull) if hull else SVG_SIZE / 2
        cy = sum(y for _, y in hull) / len(hull) if hull else SVG_SIZE / 2
        reps = []
        for r in result.get("representative", {}).get(str(gid), []):
            s = stmt(r["statement"])
            if s:
                s.update(
                    repful_for=r["repful_for"],
                    percent=round(100 * r["n_success"] / r["n_trials"]) if r["n_trials"] else 0,
                )
                reps.append(s)
        groups.append(
            {
                "id": gid,
                "letter": letters[gid] if gid < len(letters) else str(gid + 1),
                "size": g["size"],
                "hull": " ".join(f"{x},{y}" for x, y in hull),
                "label_x": round(cx, 1),
                "label_y": round(cy, 1),
                "representative": reps,
                "is_mine": mine is not None and mine["group"] == gid,
            }
        )
    consensus = result.get("consensus", {})
    by_college = result.get("by_college", {})
    colleges = [
        {"id": c["id"], "label": college_label(c["id"]), "voters": c["voters"]}
        for c in by_college.get("colleges", [])
    ]
    college_rows = []
    for sid, cells in by_college.get("statements", {}).items():
        s = stmt(sid)
        if not s:
            continue
        s["cells"] = [
            _rate_cell(cells.get(c["id"], {"agree": 0, "disagree": 0, "voters": 0}))
            for c in colleges
        ]
        s["groups"] = [
            _rate_cell(result["statements"][sid]["groups"].get(str(g["id"]), {}))
            for g in result.get("groups", [])
        ]
        college_rows.append(s)
    return {
        "analysis": analysis,
        "svg_size": SVG_SIZE,
        "dots": dots,
        "mine": mine,
        "groups": groups,
        "consensus_agree": [s for s in map(stmt, consensus.get("agree", [])) if s],
        "consensus_disagree": [s for s in map(stmt, consensus.get("disagree", [])) if s],
        "unites": [s for s in map(stmt, result.get("unites", [])) if s],
        "colleges": colleges,
        "college_rows": college_rows,
        "n_participants": result.get("n_participants", 0),
        "n_grouped": sum(g["size"] for g in result.get("groups", [])),
        "n_votes": result.get("n_votes", 0),
    }


def _rate_cell(cell: dict) -> dict[str, Any]:
    voters = cell.get("voters", 0)
    agree = cell.get("agree", 0)
    disagree = cell.get("disagree", 0)
    return {
        "voters": voters,
        "agree": agree,
        "disagree": disagree,
        "agree_pct": round(100 * agree / voters) if voters else None,
    }

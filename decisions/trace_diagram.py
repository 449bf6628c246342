"""The trace diagram: geometry computed here, markup in ``decisions/trace_diagram.svg``.

Columns from left to right: the sources (workshops, votes, statements of opinion maps),
the proposals, the recommendation, its actions; an edge for every stored link. A column
shows at most ``MAX_NODES`` nodes: beyond that, the ones at the origin of the most (the
proposals with the most contributors, the workshops at the origin of the most proposals)
and one node « + N autres » for the rest, so the drawing stays readable — and cheap — at
10,000 sources; the page's text and its full list give every source.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from project.typography import percent

MAX_NODES = 8  # per column; the last one says how many are left out when there are more
COL_X = (16, 256, 496, 736)
ROW_H = 72
TOP = 40


@dataclass
class Node:
    key: str
    x: float
    y: float
    label: str
    sublabel: str
    url: str
    kind: str
    width: int = 200
    height: int = 56


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def path(self) -> str:
        mid = round((self.x1 + self.x2) / 2, 1)
        return f"M{self.x1},{self.y1} C{mid},{self.y1} {mid},{self.y2} {self.x2},{self.y2}"


@dataclass
class Diagram:
    width: int
    height: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    columns: list[tuple[float, str]] = field(default_factory=list)
    left_out: int = 0  # sources and proposals summed up in « + N autres » nodes
    workshops: int = 0  # in all (its description counts them)
    proposals: int = 0


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _kept(items: list, weight) -> tuple[list, int]:
    """All the items when they fit in a column, else the ``MAX_NODES - 1`` heaviest (in their
    own order) and how many are left out."""
    if len(items) <= MAX_NODES:
        return items, 0
    ranked = heapq.nsmallest(MAX_NODES - 1, range(len(items)), key=lambda i: (-weight(items[i]), i))
    return [items[i] for i in sorted(ranked)], len(items) - (MAX_NODES - 1)


def _sources(tw) -> int:
    """The sources a workshop is at the origin of (all of them, read or not)."""
    count = getattr(tw, "proposal_count", None)
    return len(tw.proposal_ids) if count is None else count


def trace_diagram(trace, *, labels: dict[str, str]) -> Diagram:
    """The diagram of ``trace`` (``decisions.trace.Trace``), labels in the active language."""
    # Sources: votes and statements first (usually few), then the workshops at the origin of
    # the most proposals; « + N autres » for the rest.
    workshops, votes, statements = trace.workshops, trace.vote_sessions, trace.statements
    # A page's trace (``decisions.trace_sql``) reads some sources and counts them all: its
    # workshops are those of the sources read and the ones at the origin of the most.
    counts = getattr(trace, "counts", None)
    workshop_total = counts.workshops if counts is not None else len(workshops)
    more_sources = 0
    if workshop_total + len(votes) + len(statements) > MAX_NODES:
        budget = MAX_NODES - 1
        votes = votes[:budget]
        statements = statements[: budget - len(votes)]
        room = budget - len(votes) - len(statements)
        kept = heapq.nsmallest(
            room, range(len(workshops)), key=lambda i: (-_sources(workshops[i]), i)
        )
        workshops = [workshops[i] for i in sorted(kept)]
        more_sources = workshop_total + len(trace.vote_sessions) + len(trace.statements) - budget
    sources: list[tuple[str, object]] = [
        *[("workshop", tw) for tw in workshops],
        *[("vote", tv) for tv in votes],
        *[("statement", ts) for ts in statements],
    ]
    if counts is not None:
        # The most contributors, in the order of the links (``top`` is in the order of people).
        proposals = counts.top[: MAX_NODES - 1] if counts.proposals > MAX_NODES else counts.top
        proposals = sorted(proposals, key=lambda tp: counts.position[tp.proposal.pk])
        more_proposals = counts.proposals - len(proposals)
    else:
        proposals, more_proposals = _kept(
            trace.proposals, lambda tp: tp.contributors.people if tp.contributors else 0
        )
    source_rows = len(sources) + (1 if more_sources else 0)
    proposal_rows = len(proposals) + (1 if more_proposals else 0)
    rows = max(source_rows, proposal_rows, 1, len(trace.actions))
    diagram = Diagram(width=COL_X[-1] + 216, height=TOP + rows * ROW_H + 8)
    diagram.left_out = more_sources + more_proposals
    diagram.workshops = workshop_total
    diagram.proposals = counts.proposals if counts is not None else len(trace.proposals)
    diagram.columns = [
        (COL_X[0], labels["sources"]),
        (COL_X[1], labels["proposals"]),
        (COL_X[2], labels["recommendation"]),
        (COL_X[3], labels["actions"]),
    ]

    def y(i: int, n: int) -> float:
        return TOP + (rows - n) * ROW_H / 2 + i * ROW_H

    nodes: list[Node] = []
    source_node: dict[str, Node] = {}
    for i, (kind, item) in enumerate(sources):
        if kind == "workshop":
            key, sub = f"workshop-{item.workshop.pk}", labels["participants"]
            count = item.participants.people
        elif kind == "vote":
            key, sub, count = f"vote-{item.session.pk}", labels["voters"], item.voters.people
        else:
            key, sub = f"statement-{item.statement.pk}", labels["statement"]
            count = item.overall["voters"]
        node = Node(
            key, COL_X[0], y(i, source_rows), _short(item.title), sub % {"count": count},
            item.url, kind,
        )  # fmt: skip
        nodes.append(node)
        source_node[key] = node
    other_sources = None
    if more_sources:
        other_sources = Node(
            "sources-others", COL_X[0], y(len(sources), source_rows),
            labels["others"] % {"count": more_sources}, labels["in_text"], "", "others",
        )  # fmt: skip
        nodes.append(other_sources)

    proposal_node: dict[int, Node] = {}
    for i, tp in enumerate(proposals):
        # A hidden idea (moderation) or one born in a private workshop is never named.
        title = labels["hidden"] if tp.is_hidden and not tp.is_private else tp.title
        sub = labels["contributors"] % {"count": tp.contributors.people if tp.contributors else 0}
        if tp.merged:
            sub += " · " + labels["merged"] % {"count": len(tp.merged)}
        node = Node(
            f"proposal-{tp.proposal.pk}", COL_X[1], y(i, proposal_rows), _short(title), sub,
            tp.url, "proposal",
        )  # fmt: skip
        nodes.append(node)
        proposal_node[tp.proposal.pk] = node
    other_proposals = None
    if more_proposals:
        other_proposals = Node(
            "proposals-others", COL_X[1], y(len(proposals), proposal_rows),
            labels["others"] % {"count": more_proposals}, labels["in_text"], "", "others",
        )  # fmt: skip
        nodes.append(other_proposals)

    rec = trace.recommendation
    rec_node = Node(
        "recommendation", COL_X[2], y(0, 1), _short(rec.title),
        labels["contributors"] % {"count": trace.contributors.people},
        rec.get_absolute_url(), "recommendation",
    )  # fmt: skip
    nodes.append(rec_node)
    focus = trace.focus_action.pk if trace.focus_action else None
    action_nodes = []
    for i, action in enumerate(trace.actions):
        node = Node(
            f"action-{action.pk}", COL_X[3], y(i, len(trace.actions)), _short(action.title),
            f"{action.get_status_display()} · {percent(action.progress)}",
            action.get_absolute_url(), "action action--focus" if action.pk == focus else "action",
        )  # fmt: skip
        nodes.append(node)
        action_nodes.append(node)

    edges: dict[tuple[str, str], Edge] = {}

    def link(a: Node | None, b: Node | None) -> None:
        if a is not None and b is not None and (a.key, b.key) not in edges:
            edges[a.key, b.key] = Edge(a.x + a.width, a.y + a.height / 2, b.x, b.y + b.height / 2)

    for tw in trace.workshops:
        start = source_node.get(f"workshop-{tw.workshop.pk}", other_sources)
        for pid in tw.proposal_ids:
            link(start, proposal_node.get(pid, other_proposals))
        if _sources(tw) > len(tw.proposal_ids):  # sources not read: among the others
            link(start, other_proposals)
    if workshop_total > len(trace.workshops):  # workshops not read: theirs among the others
        link(other_sources, other_proposals)
    for tv in trace.vote_sessions:
        link(source_node.get(f"vote-{tv.session.pk}", other_sources), rec_node)
    for ts in trace.statements:
        link(source_node.get(f"statement-{ts.statement.pk}", other_sources), rec_node)
    for node in proposal_node.values():
        link(node, rec_node)
    link(other_proposals, rec_node)
    for node in action_nodes:
        link(rec_node, node)
    diagram.nodes = nodes
    diagram.edges = list(edges.values())
    return diagram

"""The trace page's data for one page of sources: the counts in SQL, only the rows shown read.

``decisions.trace.build_trace`` reads every source, every proposal merged into them, every
support and comment into Python (the CSV and the API need them all). The page shows 50
sources at a time and counts: here the database counts people by college with the same rules
— a person once per source (its « family »: the proposal and those merged into it) and once
for the recommendation, with the college of their first contribution in the order the Python
code reads them (sources in the order they were linked; in a family the proposal, then those
merged into it level by level and by date; for each the author, then supports, then visible
comments, by date) — and only the sources shown are read as rows: the page's, the most
supported ones (the summary and the diagram), the first ideas of each group of ideas.

A constant number of queries whatever the number of sources (``build_trace_page``):
the counts (1), the workshops ranked and the groups of ideas (2), the links shown (3), the
proposals merged into them (4), their workshops (5) and participants (6), then the votes,
statements and actions as ``build_trace`` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from decisions.trace import (
    MAX_MERGE_DEPTH,
    Contributions,
    ProposalRef,
    Trace,
    TraceGroup,
    TraceProposal,
    TraceWorkshop,
    _source_links,
    trace_sources_beyond_proposals,
    trace_workshops,
)


@dataclass
class TraceCounts:
    """What the page counts over every source, beyond the rows it reads."""

    proposals: int = 0  # source proposals
    born_in_room: int = 0  # … whose proposal was born in a workshop
    merged: int = 0  # proposals merged into them (every level)
    workshops: int = 0  # workshops at the origin of a source or of a proposal merged into it
    authors_by_college: dict[str, int] = field(default_factory=dict)  # of the source proposals
    top: list[TraceProposal] = field(default_factory=list)  # most contributors first
    position: dict[int, int] = field(default_factory=dict)  # the top ones' places in the links
    page_number: int = 1  # the page read
    total: int = 0  # source links when the page was read (``proposals`` may come from the cache)


def _tables() -> dict[str, str]:
    from decisions.models import RecommendationSource
    from proposals.models import Comment, Proposal, Support
    from workshops.models import Workshop

    qn = connection.ops.quote_name
    return {
        "src": qn(RecommendationSource._meta.db_table),
        "prop": qn(Proposal._meta.db_table),
        "support": qn(Support._meta.db_table),
        "comment": qn(Comment._meta.db_table),
        "workshop": qn(Workshop._meta.db_table),
    }


# The families of the sources (``links``: all of them, one page of them or some of them, see
# ``LINKS``) and each person's first contribution to each (parameters: those of ``links``,
# the recommendation's id, then False, False for the comments shown). A proposal that is a
# source itself is never counted in another's family (as ``build_trace``).
FAMILIES = """
WITH RECURSIVE links AS (
  {links}
),
fam (root, pid, depth) AS (
  SELECT root, root, 0 FROM links
  UNION ALL
  SELECT fam.root, p.id, fam.depth + 1 FROM {prop} p JOIN fam ON p.merged_into_id = fam.pid
  WHERE fam.depth < {depth} AND NOT EXISTS (
    SELECT 1 FROM {src} again WHERE again.recommendation_id = %s AND again.proposal_id = p.id)
),
members AS (
  SELECT fam.root, fam.pid, fam.depth, p.created_at AS p_at, p.author_id,
         p.author_college, p.origin_workshop_id AS wid
  FROM fam JOIN {prop} p ON p.id = fam.pid
),
contribs AS (
  SELECT m.root, m.author_id AS uid, m.author_college AS college, m.depth, m.p_at, m.pid,
         0 AS kind, m.p_at AS c_at, 0 AS cid
  FROM members m
  UNION ALL
  SELECT m.root, s.user_id, s.user_college, m.depth, m.p_at, m.pid, 1, s.created_at, s.id
  FROM members m JOIN {support} s ON s.proposal_id = m.pid
  UNION ALL
  SELECT m.root, c.author_id, c.author_college, m.depth, m.p_at, m.pid, 2, c.created_at, c.id
  FROM members m JOIN {comment} c ON c.proposal_id = m.pid
  WHERE c.is_hidden = %s AND c.is_deleted = %s
),
firsts AS (
  SELECT root, uid, college FROM (
    SELECT root, uid, college, ROW_NUMBER() OVER (
      PARTITION BY root, uid ORDER BY depth, p_at, pid, kind, c_at, cid) AS rn
    FROM contribs
  ) ranked WHERE rn = 1
)
"""

_N = "CAST(NULL AS BIGINT)"
_T = "CAST(NULL AS VARCHAR(150))"

# (tag, a, b, c, n) rows; every branch a plain SELECT (aggregates in subqueries).
COUNTS = (
    FAMILIES  # noqa: S608 - table names from the models, values as parameters
    + """,
top AS (
  SELECT f.root, COUNT(*) AS people, MIN(l.pos) AS pos
  FROM firsts f JOIN links l ON l.root = f.root
  GROUP BY f.root ORDER BY COUNT(*) DESC, MIN(l.pos) LIMIT %s
)
SELECT 'E', {N}, {N}, college, COUNT(*) FROM (
  SELECT f.college, ROW_NUMBER() OVER (PARTITION BY f.uid ORDER BY l.pos) AS rn
  FROM firsts f JOIN links l ON l.root = f.root
) everyone WHERE rn = 1 GROUP BY college
UNION ALL SELECT 'C', {N}, {N}, {T}, COUNT(*) FROM contribs
UNION ALL SELECT 'M', {N}, {N}, {T}, COUNT(*) FROM members WHERE depth > 0
UNION ALL SELECT 'A', SUM(CASE WHEN p.origin_workshop_id IS NULL THEN 0 ELSE 1 END), {N},
  p.author_college, COUNT(*)
  FROM links l JOIN {prop} p ON p.id = l.root GROUP BY p.author_college
UNION ALL SELECT 'T', root, pos, {T}, people FROM top
UNION ALL SELECT 'R', root, {N}, college, COUNT(*) FROM firsts
  WHERE root IN (SELECT root FROM top) GROUP BY root, college
"""
)

# One page of sources: their places and their people by college (parameters: the
# recommendation's id, the page's bounds, False, False).
PAGE = (
    FAMILIES  # noqa: S608 - table names from the models, values as parameters
    + """
SELECT 'P', root, pos, {T}, {N} FROM links
UNION ALL SELECT 'N', {N}, {N}, {T}, COUNT(*) FROM {src} WHERE recommendation_id = %s
UNION ALL SELECT 'R', root, {N}, college, COUNT(*) FROM firsts GROUP BY root, college
"""
)

# Workshops ranked (the most sources first, then in the order of their dates) and the groups
# of ideas: (tag, a, b, c, d, n).
WORKSHOPS_AND_GROUPS = (
    FAMILIES  # noqa: S608 - table names from the models, values as parameters
    + """,
grouped AS (
  SELECT * FROM links WHERE gid IS NOT NULL OR gname <> ''
)
SELECT 'W', ranked.wid, ROW_NUMBER() OVER (
  ORDER BY ranked.n DESC, CASE WHEN w.starts_at IS NULL THEN 1 ELSE 0 END, w.starts_at, w.id),
  {T}, {T}, ranked.n
FROM (SELECT wid, COUNT(DISTINCT root) AS n FROM members WHERE wid IS NOT NULL GROUP BY wid) ranked
JOIN {workshop} w ON w.id = ranked.wid
UNION ALL SELECT 'G', gid, MIN(pos), gname, {T}, COUNT(*) FROM grouped GROUP BY gid, gname
UNION ALL SELECT 'I', gid, root, gname, {T}, pos FROM (
  SELECT gid, gname, root, pos,
         ROW_NUMBER() OVER (PARTITION BY gid, gname ORDER BY pos) AS rn
  FROM grouped
) ideas WHERE rn <= %s
UNION ALL SELECT 'H', gid, {N}, gname, college, COUNT(*) FROM (
  SELECT g.gid, g.gname, m.author_college AS college, ROW_NUMBER() OVER (
    PARTITION BY g.gid, g.gname, m.author_id ORDER BY g.pos, m.depth, m.p_at, m.pid) AS rn
  FROM members m JOIN grouped g ON g.root = m.root
) authors WHERE rn = 1 GROUP BY gid, gname, college
"""
)

# The proposals merged into the given sources, each with its source, in the order ``build_trace``
# reads them.
MEMBERS = (
    FAMILIES.split("contribs AS")[0].rstrip().rstrip(",")
    + """
SELECT m.root, p.id, p.title, p.status, p.is_hidden, p.author_id, p.author_college,
       p.merged_into_id, p.origin_workshop_id
FROM members m JOIN {prop} p ON p.id = m.pid
WHERE m.depth > 0
ORDER BY m.depth, m.p_at, m.pid
"""
)


# ``links``: the sources with their places in the order they were linked (parameter: the
# recommendation's id) — all of them, one page (parameters: the page's start, the
# recommendation's id, the page's size, its start again) or those of some proposals.
_COLUMNS = (
    "s.id AS link_id, s.proposal_id AS root, s.idea_group_id AS gid, s.idea_group_name AS gname"
)
LINKS = {
    "all": """SELECT {columns}, ROW_NUMBER() OVER (ORDER BY s.linked_at, s.id) AS pos
  FROM {src} s WHERE s.recommendation_id = %s""",
    "page": """SELECT link_id, root, gid, gname,
         %s + ROW_NUMBER() OVER (ORDER BY linked_at, link_id) AS pos FROM (
    SELECT {columns}, s.linked_at FROM {src} s WHERE s.recommendation_id = %s
    ORDER BY s.linked_at, s.id LIMIT %s OFFSET %s) shown""",
    "some": """SELECT {columns}, 0 AS pos FROM {src} s
  WHERE s.recommendation_id = %s AND s.proposal_id IN ({roots})""",
}


def _sql(template: str, links: str = "all", roots: str = "") -> str:
    tables = _tables()
    return template.format(
        depth=MAX_MERGE_DEPTH,
        N=_N,
        T=_T,
        links=LINKS[links].format(columns=_COLUMNS, roots=roots, **tables),
        **tables,
    )


def build_trace_page(
    recommendation,
    *,
    page_number: int,
    page_size: int,
    top: int,
    group_ideas: int,
    workshops_shown: int,
    actions=None,
    focus_action=None,
) -> Trace:
    """The trace as its page shows it: ``proposals`` are the sources of page
    ``page_number`` (``page_size`` a page; the last page when beyond it), ``counts`` what is
    counted over all of them (with the ``top`` sources of the most contributors), ``groups``
    with their first ``group_ideas`` ideas, ``workshops`` those of the sources read and the
    ``workshops_shown`` at the origin of the most sources (in the order of their dates)."""

    rec_id = recommendation.pk
    data = aggregates(rec_id, top=top, group_ideas=group_ideas)
    counts = TraceCounts(
        proposals=data["proposals"],
        born_in_room=data["born_in_room"],
        merged=data["merged"],
        workshops=len(data["workshop_rank"]),
        authors_by_college=data["authors"],
    )
    top_rows = data["top"]
    by_root = dict(data["top_by_root"])
    workshop_rank = data["workshop_rank"]
    groups = data["groups"]
    top_roots = [root for _people, _pos, root in top_rows]
    idea_roots = {root for g in groups.values() for _pos, root in g.get("ideas", [])}

    # The page's sources and their people by college, never cached: the page's share of
    # the work, and what changes from page to page.
    page_rows, page_people, total = _page(rec_id, page_number, page_size)
    if not page_rows and total:  # beyond the last page: the last one (one more query)
        page_number = -(-total // page_size)
        page_rows, page_people, total = _page(rec_id, page_number, page_size)
    by_root.update(page_people)
    counts.page_number = page_number
    counts.total = total

    # The links read: the page's, the most supported, the groups' first ideas (one query).
    page_roots = [root for _pos, root in page_rows]
    links = _source_links(recommendation, {*page_roots, *top_roots, *idea_roots})

    merged: dict[int, list[ProposalRef]] = {link.proposal.pk: [] for link in links}
    if merged:
        roots_sql = ", ".join(str(int(pk)) for pk in merged)
        with connection.cursor() as cursor:
            cursor.execute(_sql(MEMBERS, "some", roots_sql), [rec_id, rec_id])
            for root, *row in cursor.fetchall():
                merged[root].append(ProposalRef(*row))

    # Workshops: those of the proposals read, and the ones at the origin of the most sources.
    wanted = {wid for wid, (rank, _n) in workshop_rank.items() if rank <= workshops_shown}
    proposal_ids_of: dict[int, list[int]] = {}
    for link in links:
        for member in [link.proposal, *merged[link.proposal.pk]]:
            if member.origin_workshop_id:
                wanted.add(member.origin_workshop_id)
                ids = proposal_ids_of.setdefault(member.origin_workshop_id, [])
                if link.proposal.pk not in ids:
                    ids.append(link.proposal.pk)
    workshops = trace_workshops(
        {wid: proposal_ids_of.get(wid, []) for wid in wanted},
        {wid: n for wid, (_rank, n) in workshop_rank.items()},
    )
    workshops.sort(key=_workshop_order)
    private_workshops = {_pk(tw.workshop) for tw in workshops if tw.is_private}

    by_proposal: dict[int, TraceProposal] = {}
    for link in links:
        p = link.proposal
        tp = TraceProposal(
            proposal=p,
            link=link,
            merged=merged[p.pk],
            contributors=Contributions(by_root.get(p.pk, {}), 0),
            is_private=p.origin_workshop_id in private_workshops,
        )
        for member in tp.merged:
            member.is_private = member.origin_workshop_id in private_workshops
        by_proposal[p.pk] = tp
    counts.top = [by_proposal[root] for root in top_roots if root in by_proposal]
    counts.position = {root: pos for _people, pos, root in top_rows}

    workshop_of = {_pk(tw.workshop): tw for tw in workshops}
    trace_groups = []
    for (gid, name), g in sorted(groups.items(), key=lambda item: item[1]["head"][0]):
        ideas = [by_proposal[r] for _pos, r in sorted(g.get("ideas", [])) if r in by_proposal]
        first: Any = ideas[0].proposal if ideas else None
        trace_groups.append(
            TraceGroup(
                name=name,
                group_id=gid,
                workshop=workshop_of.get(first.origin_workshop_id) if first else None,
                proposals=ideas,
                authors_by_college=g.get("authors", {}),
                count=g["head"][1],
            )
        )

    vote_sessions, statements, actions = trace_sources_beyond_proposals(recommendation, actions)
    trace = Trace(
        recommendation=recommendation,
        actions=actions,
        # A link removed between two reads (no transaction around them) is left out.
        proposals=[by_proposal[root] for root in page_roots if root in by_proposal],
        workshops=workshops,
        vote_sessions=vote_sessions,
        contributors=Contributions(dict(data["everyone"]), data["contributions"]),
        focus_action=focus_action,
        groups=trace_groups,
        statements=statements,
    )
    trace.counts = counts
    return trace


def _workshop_order(tw: TraceWorkshop) -> tuple:
    """Workshops in the order of their dates (``build_trace``'s)."""
    workshop: Any = tw.workshop
    return (workshop.starts_at is None, workshop.starts_at, workshop.pk)


def _pk(obj: Any) -> int:
    return obj.pk


def _page(rec_id: int, number: int, size: int):
    """The sources of page ``number`` ([(place, proposal id)]), their people by college and
    the number of sources: one query."""
    rows: list[tuple[int, int]] = []
    people: dict[int, dict[str, int]] = {}
    total = 0
    with connection.cursor() as cursor:
        start = (number - 1) * size
        cursor.execute(
            _sql(PAGE, "page"), [start, rec_id, size, start, rec_id, False, False, rec_id]
        )
        for tag, a, b, c, n in cursor.fetchall():
            if tag == "P":
                rows.append((b, a))
            elif tag == "N":
                total = n
            else:
                people.setdefault(a, {})[c] = n
    return sorted(rows), people, total


def aggregates(rec_id: int, *, top: int, group_ideas: int) -> dict:
    """What the page counts over every source of the recommendation, the same for every
    visitor (privacy is applied to the rows read, after): plain values, kept in the board's
    cache (``proposals.board_cache``) under its generation.

    The generation moves on every write of what is counted here — proposals (created,
    edited, merged, hidden), supports, comments, workshops (their dates too) — and on every
    change of a source link (``decisions.receivers``); without a shared cache nothing is
    kept and the counts are read for each request."""
    from proposals import board_cache

    return board_cache.get_or_build(
        board_cache.generation(),
        "trace",
        (rec_id, top, group_ideas),
        lambda: _read_aggregates(rec_id, top=top, group_ideas=group_ideas),
    )


def _read_aggregates(rec_id: int, *, top: int, group_ideas: int) -> dict:
    """``aggregates`` from the database: 2 queries."""
    data: dict = {
        "everyone": {},
        "contributions": 0,
        "merged": 0,
        "authors": {},
        "proposals": 0,
        "born_in_room": 0,
        "top": [],  # (-people, place in the links, proposal id), the most people first
        "top_by_root": {},  # {proposal id: {college: people}} of the top ones
        "workshop_rank": {},  # {workshop id: (rank, sources)}
        "groups": {},  # {(group id, name): {"head": (place, ideas), "ideas", "authors"}}
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(COUNTS), [rec_id, rec_id, False, False, top])
        for tag, a, b, c, n in cursor.fetchall():
            if tag == "E":
                data["everyone"][c] = n
            elif tag == "C":
                data["contributions"] = n
            elif tag == "M":
                data["merged"] = n
            elif tag == "A":
                data["authors"][c] = n
                data["proposals"] += n
                data["born_in_room"] += a or 0
            elif tag == "T":
                data["top"].append((-n, b, a))
            elif tag == "R":
                data["top_by_root"].setdefault(a, {})[c] = n
        cursor.execute(_sql(WORKSHOPS_AND_GROUPS), [rec_id, rec_id, False, False, group_ideas])
        groups = data["groups"]
        for tag, a, b, c, d, n in cursor.fetchall():
            if tag == "W":
                data["workshop_rank"][a] = (b, n)
            elif tag == "G":
                groups.setdefault((a, c or ""), {})["head"] = (b, n)
            elif tag == "I":
                groups.setdefault((a, c or ""), {}).setdefault("ideas", []).append((n, b))
            elif tag == "H":
                groups.setdefault((a, c or ""), {}).setdefault("authors", {})[d] = n
    data["top"].sort()
    return data

"""The lineage of a decision: action ← recommendation ← proposals ← workshops and vote sessions.

Computed with a bounded number of queries whatever its size: each level is
fetched with one query over all its members (``__in`` lookups), never one per
row, and the contributor counts are aggregated in the database or from rows
already fetched:

1. the source links with their proposals, axes and the people who linked them;
2. the proposals merged into them, one query per level of merging (bounded by
   ``MAX_MERGE_DEPTH``: a merged proposal's target is normally not merged again);
3. the contributors: supports and comments of all these proposals (one query each);
4. the workshops the proposals came from, and 5. their participants by college;
6. the vote sessions linked to the recommendation, and 7. their ballots counted by
   college (only when there are such links);
8. the statements of opinion maps linked to it, with their conversations (one query);
9. the action items (when not given).

A contributor is a person who wrote, supported or commented a proposal (or a
proposal merged into it); each person counts once at each level — a merged
proposal's contributors count once at its target — with the college they had
when they contributed (their first contribution decides).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import College
from decisions.models import (
    ActionItem,
    Recommendation,
    RecommendationSource,
    RecommendationStatementSource,
    RecommendationVoteSource,
)
from project.typography import label_value

MAX_MERGE_DEPTH = 4


class Contributions:
    """Distinct people counted by college, plus the number of contributions they made.

    Given either the counts by college or ``colleges``, each person's college
    (``{person: college}``), counted only when asked: a trace of 10,000 sources shows the
    counts of 50 of them."""

    __slots__ = ("_colleges", "_people_by_college", "contributions")

    def __init__(
        self,
        people_by_college: dict[str, int] | None = None,
        contributions: int = 0,
        *,
        colleges: dict[int, str] | None = None,
    ):
        self._people_by_college = people_by_college
        self._colleges = colleges if colleges is not None else {}
        self.contributions = contributions

    def __repr__(self) -> str:
        return f"Contributions({self.people_by_college!r}, {self.contributions!r})"

    @property
    def people_by_college(self) -> dict[str, int]:
        if self._people_by_college is None:
            self._people_by_college = dict(Counter(self._colleges.values()))
        return self._people_by_college

    @property
    def people(self) -> int:
        if self._people_by_college is None:
            return len(self._colleges)
        return sum(self._people_by_college.values())

    def by_college(self) -> list[tuple[str, str, int]]:
        """(college, label, count) in the order of the colleges, zeros left out, a college
        of fewer than 3 people merged into « Autres collèges » (``others``)."""
        from votes.selectors import colleges_shown

        return colleges_shown(self.people_by_college)

    def by_college_merged(self) -> list[tuple[str, str, int]]:
        """``by_college`` under the small-college rule: colleges with fewer than
        ``SMALL_COLLEGE`` people are merged into « Autres collèges », never shown alone."""
        return merge_small_colleges(self.people_by_college)

    def summary(self, *, merged: bool = False) -> str:
        """« 37 contributeur·rices : 21 Citoyen·nes, 11 Entreprises, 5 … »"""
        rows = self.by_college_merged() if merged else self.by_college()
        parts = ", ".join(f"{count} {label}" for _value, label, count in rows)
        head = ngettext(
            "%(count)d contributeur·rice", "%(count)d contributeur·rices", self.people
        ) % {"count": self.people}
        return label_value(head, parts) if parts else head

    def as_dict(self, *, merged: bool = False) -> dict:
        rows = self.by_college_merged() if merged else self.by_college()
        return {
            "people": self.people,
            "contributions": self.contributions,
            "by_college": {value: count for value, _label, count in rows},
        }


SMALL_COLLEGE = 3  # fewer people than this: counted in « Autres collèges », never alone


def merge_small_colleges(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(college, label, count) in the order of the colleges; colleges with fewer than
    ``SMALL_COLLEGE`` people are merged into one line « Autres collèges » (last)."""
    labels = _college_labels()
    rows, others = [], 0
    for value in College.values:
        count = counts.get(value, 0)
        if count >= SMALL_COLLEGE:
            rows.append((value, labels[value], count))
        else:
            others += count
    if others:
        rows.append(("others", str(_("Autres collèges")), others))
    return rows


def _college_labels() -> dict[str, str]:
    """College labels in the active language, translated once per language."""
    language = get_language()
    cached = _LABELS.get(language)
    if cached is None:
        cached = _LABELS[language] = {value: str(label) for value, label in College.choices}
    return cached


_LABELS: dict[str | None, dict[str, str]] = {}


def _contributions(people: dict[int, str], contributions: int) -> Contributions:
    return Contributions(contributions=contributions, colleges=people)


@dataclass
class TraceProposal:
    proposal: object
    link: SourceLink | None
    merged: list = field(default_factory=list)
    contributors: Contributions | None = None
    # Born in a workshop the public may not see (``is_publicly_visible``): counted, described
    # as « une idée d'un atelier privé », never named nor linked.
    is_private: bool = False

    @property
    def is_hidden(self) -> bool:
        return bool(getattr(self.proposal, "is_hidden", False))

    @property
    def title(self) -> str:
        if self.is_private:
            return private_idea_label()
        return hidden_label() if self.is_hidden else self.proposal.title

    @property
    def url(self) -> str:
        return "" if self.is_private or self.is_hidden else self.proposal.get_absolute_url()

    @property
    def contributors_summary(self) -> str:
        return self.contributors.summary(merged=self.is_private) if self.contributors else ""


def private_idea_label() -> str:
    return _("une idée d'un atelier privé")


def private_vote_label() -> str:
    return _("un vote d'un atelier privé")


def private_group_label() -> str:
    return _("un groupe d'idées d'un atelier privé")


def hidden_label() -> str:
    return _("Proposition masquée par la modération")


def _safe_url(obj) -> str:
    """The object's page, or "" while the app that owns it has no page for it."""
    from django.urls import NoReverseMatch

    try:
        return obj.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return ""


@dataclass
class TraceWorkshop:
    workshop: object
    proposal_ids: list[int]
    participants: Contributions
    # The sources it is at the origin of, when ``proposal_ids`` holds only those read (the page).
    proposal_count: int | None = None

    @property
    def sources(self) -> int:
        """The number of source proposals born in it (or merged into one)."""
        return len(self.proposal_ids) if self.proposal_count is None else self.proposal_count

    @property
    def is_private(self) -> bool:
        # A private (or draft) workshop stays private: the public trace counts it, never
        # names it (``Workshop.objects.publicly_visible()``'s rule).
        from workshops.models import is_publicly_visible

        return not is_publicly_visible(self.workshop)

    @property
    def title(self) -> str:
        return _("Atelier privé") if self.is_private else self.workshop.title

    @property
    def url(self) -> str:
        return "" if self.is_private else _safe_url(self.workshop)

    def participant_colleges(self) -> list[tuple[str, str, int]]:
        """Participants by college; a private workshop's under the small-college rule."""
        if self.is_private:
            return self.participants.by_college_merged()
        return self.participants.by_college()


@dataclass
class TraceVoteSession:
    session: object
    link: object
    voters: Contributions

    @property
    def is_private(self) -> bool:
        """A vote of a workshop the public may not see (``VoteSession.objects.publicly_visible()``
        as one object: a linked vote is never a draft)."""
        return vote_is_private(self.session)

    @property
    def title(self) -> str:
        return private_vote_label() if self.is_private else self.session.title

    @property
    def url(self) -> str:
        return "" if self.is_private else _safe_url(self.session)

    def voter_colleges(self) -> list[tuple[str, str, int]]:
        """Voters by college; a private vote's under the small-college rule."""
        return self.voters.by_college_merged() if self.is_private else self.voters.by_college()


def vote_is_private(session) -> bool:
    """Whether the public may not see this (finished) vote: it belongs to a workshop that is
    not publicly visible (``workshops.models.is_publicly_visible``; board votes are public)."""
    from workshops.models import is_publicly_visible

    return session.workshop_id is not None and not is_publicly_visible(session.workshop)


@dataclass
class TraceGroup:
    """A group of ideas of a workshop's wall linked as a source: group → ideas → authors."""

    name: str
    group_id: int | None
    workshop: TraceWorkshop | None
    proposals: list[TraceProposal]
    authors_by_college: dict[str, int]
    count: int | None = None  # its ideas, when ``proposals`` holds only the first ones

    @property
    def size(self) -> int:
        return len(self.proposals) if self.count is None else self.count

    @property
    def is_private(self) -> bool:
        return bool(self.workshop and self.workshop.is_private)

    @property
    def title(self) -> str:
        return private_group_label() if self.is_private else self.name

    @property
    def authors(self) -> int:
        return sum(self.authors_by_college.values())

    def author_colleges(self) -> list[tuple[str, str, int]]:
        """(college, label, authors) in the order of the colleges; colleges with fewer than
        ``SMALL_COLLEGE`` authors are merged into one line « Autres collèges » (last)."""
        return merge_small_colleges(self.authors_by_college)

    def summary(self) -> str:
        """« 7 auteur·rices : 4 Citoyen·nes, 3 Autres collèges »"""
        head = ngettext("%(count)d auteur·rice", "%(count)d auteur·rices", self.authors) % {
            "count": self.authors
        }
        parts = ", ".join(f"{count} {label}" for _value, label, count in self.author_colleges())
        return label_value(head, parts) if parts else head

    def as_dict(self) -> dict:
        return {
            "id": None if self.is_private else self.group_id,
            "name": self.title,
            "private": self.is_private,
            "workshop": self.workshop.workshop.pk if self.workshop else None,
            "proposals": [tp.proposal.pk for tp in self.proposals],
            "authors": self.authors,
            "author_colleges": {value: count for value, _label, count in self.author_colleges()},
        }


def private_statement_label() -> str:
    return _("une affirmation d'une carte des opinions non publique")


def _agreement(cell: dict) -> dict:
    voters = int(cell.get("voters", 0) or 0)
    agree = int(cell.get("agree", 0) or 0)
    return {
        "agree": agree,
        "disagree": int(cell.get("disagree", 0) or 0),
        "voters": voters,
        "agree_pct": round(100 * agree / voters) if voters else None,
    }


@dataclass
class TraceStatement:
    """A statement of an opinion map linked as a source: statement → conversation → what its
    votes said, overall, by opinion group and by college, when it was linked."""

    statement: object
    link: object

    @property
    def conversation(self):
        return self.statement.conversation

    @property
    def is_private(self) -> bool:
        """Not shown to the public: its conversation is unpublished, or belongs to a workshop
        the public may not see."""
        from workshops.models import is_publicly_visible

        conversation = self.conversation
        if not conversation.is_published:
            return True
        return conversation.workshop_id is not None and not is_publicly_visible(
            conversation.workshop
        )

    @property
    def is_hidden(self) -> bool:
        return self.statement.is_hidden

    @property
    def title(self) -> str:
        if self.is_private:
            return private_statement_label()
        if self.is_hidden:
            return _("Affirmation masquée par la modération")
        return self.statement.text

    @property
    def question(self) -> str:
        return "" if self.is_private else self.conversation.question

    @property
    def url(self) -> str:
        return "" if self.is_private else _safe_url(self.conversation)

    @property
    def overall(self) -> dict:
        return _agreement(self.link.provenance or {})

    @property
    def unites(self) -> bool:
        return bool((self.link.provenance or {}).get("unites"))

    def by_group(self) -> list[tuple[str, dict]]:
        """(« Groupe A », agreement) for each opinion group, in the analysis's order."""
        letters = "ABCDEFGH"
        rows = []
        groups = (self.link.provenance or {}).get("groups", {}) or {}
        for gid in sorted(groups, key=lambda g: int(g)):
            index = int(gid)
            letter = letters[index] if index < len(letters) else str(index + 1)
            rows.append((_("Groupe %(letter)s") % {"letter": letter}, _agreement(groups[gid])))
        return rows

    def by_college(self) -> list[tuple[str, dict]]:
        """(college label, agreement), under the small-college rule on this statement's own
        voters: a college of fewer than 3 voters on it is counted in « Autres collèges »."""
        from votes.selectors import college_label
        from votes.tally import OTHERS, merge_small_groups

        cells = (self.link.provenance or {}).get("colleges", {}) or {}
        mapping = merge_small_groups({c: int(v.get("voters", 0) or 0) for c, v in cells.items()})
        merged: dict[str, dict] = {}
        for college, shown in mapping.items():
            row = merged.setdefault(shown, {"agree": 0, "disagree": 0, "voters": 0})
            for key in row:
                row[key] += int(cells[college].get(key, 0) or 0)
        order = {key: i for i, key in enumerate([*College.values, OTHERS])}
        return [
            (college_label(key), _agreement(row))
            for key, row in sorted(merged.items(), key=lambda item: order.get(item[0], 99))
        ]

    def as_dict(self) -> dict:
        return {
            "id": None if self.is_private else self.statement.pk,
            "text": self.title,
            "private": self.is_private,
            "conversation": None if self.is_private else self.conversation.pk,
            "question": self.question,
            "overall": self.overall,
            "unites": self.unites,
            "groups": {label: row for label, row in self.by_group()},
            "colleges": {label: row for label, row in self.by_college()},
            "linked_by": self.link.linked_by.public_name if self.link.linked_by else None,
            "linked_at": self.link.linked_at.isoformat(),
        }


@dataclass
class Trace:
    recommendation: Recommendation
    actions: list[ActionItem]
    proposals: list[TraceProposal]
    workshops: list[TraceWorkshop]
    vote_sessions: list[TraceVoteSession]
    contributors: Contributions
    focus_action: ActionItem | None = None
    groups: list[TraceGroup] = field(default_factory=list)
    statements: list[TraceStatement] = field(default_factory=list)
    # Set by ``decisions.trace_sql.build_trace_page``: ``proposals`` are then one page of them,
    # and this counts them all (``TraceCounts``).
    counts: object | None = None

    def as_dict(self) -> dict:
        rec = self.recommendation
        return {
            "recommendation": {
                "id": rec.pk,
                "title": rec.title,
                "status": rec.status,
                "axis": rec.axis.slug,
                "url": rec.get_absolute_url(),
            },
            "actions": [
                {
                    "id": a.pk,
                    "title": a.title,
                    "status": a.status,
                    "progress": a.progress,
                    "due_date": a.due_date.isoformat() if a.due_date else None,
                    "url": a.get_absolute_url(),
                }
                for a in self.actions
            ],
            "proposals": [
                {
                    "id": tp.proposal.pk,
                    "title": tp.title if tp.is_private else (None if tp.is_hidden else tp.title),
                    "private": tp.is_private,
                    "status": tp.proposal.status,
                    "origin_workshop": tp.proposal.origin_workshop_id,
                    "linked_by": tp.link.linked_by.public_name
                    if tp.link and tp.link.linked_by
                    else None,
                    "linked_at": tp.link.linked_at.isoformat() if tp.link else None,
                    "note": tp.link.note if tp.link else "",
                    "merged": [m.pk for m in tp.merged],
                    "contributors": tp.contributors.as_dict(merged=tp.is_private)
                    if tp.contributors
                    else None,
                }
                for tp in self.proposals
            ],
            "workshops": [
                {
                    "id": tw.workshop.pk,
                    "title": tw.title,
                    "slug": None if tw.is_private else tw.workshop.slug,
                    "proposals": tw.proposal_ids,
                    "participants": tw.participants.as_dict(merged=tw.is_private),
                }
                for tw in self.workshops
            ],
            "vote_sessions": [
                {
                    "id": tv.session.pk,
                    "title": tv.title,
                    "private": tv.is_private,
                    "workshop": tv.session.workshop_id,
                    "linked_by": tv.link.linked_by.public_name if tv.link.linked_by else None,
                    "linked_at": tv.link.linked_at.isoformat(),
                    "note": tv.link.note,
                    "voters": tv.voters.as_dict(merged=tv.is_private),
                }
                for tv in self.vote_sessions
            ],
            "groups": [g.as_dict() for g in self.groups],
            "statements": [ts.as_dict() for ts in self.statements],
            "contributors": self.contributors.as_dict(),
        }


@dataclass
class ProposalRef:
    """A proposal merged into a source: only what the trace shows (cheaper than a model row)."""

    pk: int
    title: str
    status: str
    is_hidden: bool
    author_id: int
    author_college: str
    merged_into_id: int | None
    origin_workshop_id: int | None
    is_private: bool = False  # born in a workshop the public may not see

    @property
    def shown_title(self) -> str:
        return private_idea_label() if self.is_private else self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", kwargs={"pk": self.pk})


@dataclass
class SourceLink:
    """A proposal's link to the recommendation, as the trace uses it: tuples from one query
    instead of three model rows (link, proposal, linker) per source."""

    pk: int
    proposal: ProposalRef
    linked_by: object | None  # accounts.User with the fields of its public name
    linked_at: object
    note: str
    idea_group_id: int | None
    idea_group_name: str


def _source_links(
    recommendation: Recommendation, proposal_ids: set[int] | None = None
) -> list[SourceLink]:
    """The source links in the order they were made, with their proposals and linkers (one
    query; a linker appears once as a User however many links they made); only those of
    ``proposal_ids`` when given."""
    from accounts.models import User

    links_query = RecommendationSource.objects.filter(recommendation=recommendation)
    if proposal_ids is not None:
        links_query = links_query.filter(proposal_id__in=sorted(proposal_ids))
    rows = links_query.order_by("linked_at", "pk").values_list(
        "pk",
        "linked_at",
        "note",
        "idea_group_id",
        "idea_group_name",
        "proposal_id",
        "proposal__title",
        "proposal__status",
        "proposal__is_hidden",
        "proposal__author_id",
        "proposal__author_college",
        "proposal__merged_into_id",
        "proposal__origin_workshop_id",
        "linked_by_id",
        "linked_by__display_name",
        "linked_by__first_name",
        "linked_by__deleted_at",
    )
    users: dict[int, User] = {}
    links = []
    for pk, linked_at, note, group_id, group_name, *proposal, uid, name, first, deleted in rows:
        linker = None
        if uid is not None:
            linker = users.get(uid)
            if linker is None:
                linker = users[uid] = User(
                    id=uid, display_name=name, first_name=first, deleted_at=deleted
                )
        links.append(
            SourceLink(pk, ProposalRef(*proposal), linker, linked_at, note, group_id, group_name)
        )
    return links


def _merged_descendants(
    root_ids: list[int], roots_query
) -> tuple[dict[int, list[ProposalRef]], object]:
    """For each root proposal, every proposal merged into it (directly or through a chain);
    and a subquery of the ids of the roots and of all these proposals.

    ``roots_query``: the roots' ids as a subquery. Each level is selected by a subquery on
    the one before, never by a list of ids: a list of 10,000 ids costs more to prepare in
    Python than the query costs to run."""
    from django.db.models import Q

    from proposals.models import Proposal

    if not root_ids:
        return {}, Proposal.objects.none().values("pk")
    root_of: dict[int, int] = {pk: pk for pk in root_ids}
    result: dict[int, list[ProposalRef]] = {pk: [] for pk in root_ids}
    level = roots_query
    family = Q(pk__in=roots_query)
    for _depth in range(MAX_MERGE_DEPTH):
        rows = (
            Proposal.objects.filter(merged_into_id__in=level)
            .order_by("created_at", "pk")
            .values_list(
                "id",
                "title",
                "status",
                "is_hidden",
                "author_id",
                "author_college",
                "merged_into_id",
                "origin_workshop_id",
            )
        )
        found = False
        for row in rows:
            p = ProposalRef(*row)
            if p.pk in root_of or p.merged_into_id not in root_of:
                continue  # a cycle would be a data error: don't loop on it
            root_of[p.pk] = root_of[p.merged_into_id]
            result[root_of[p.pk]].append(p)
            found = True
        if not found:
            break
        family |= Q(merged_into_id__in=level)
        level = Proposal.objects.filter(merged_into_id__in=level).values("pk")
    return result, Proposal.objects.filter(family).values("pk")


def _people_per_proposal(
    proposals: list, family_query
) -> tuple[dict[int, dict[int, str]], Counter]:
    """{proposal id: {user id: college}} from authors, supports and visible comments, and the
    number of contributions (the proposal, its supports, its comments) per proposal: 2 queries.
    ``family_query``: the ids of ``proposals`` as a subquery."""
    from proposals import models as proposal_models

    people: dict[int, dict[int, str]] = {p.pk: {p.author_id: p.author_college} for p in proposals}
    contributions: Counter = Counter({pk: 1 for pk in people})
    support = getattr(proposal_models, "Support", None)
    if support is not None and people:
        for pid, uid, college in (
            support.objects.filter(proposal_id__in=family_query)
            .order_by("created_at", "pk")
            .values_list("proposal_id", "user_id", "user_college")
        ):
            if pid in people:
                people[pid].setdefault(uid, college)
                contributions[pid] += 1
    comment = getattr(proposal_models, "Comment", None)
    if comment is not None and people:
        for pid, uid, college in (
            comment.objects.filter(proposal_id__in=family_query, is_hidden=False, is_deleted=False)
            .order_by("created_at", "pk")
            .values_list("proposal_id", "author_id", "author_college")
        ):
            if pid in people:
                people[pid].setdefault(uid, college)
                contributions[pid] += 1
    return people, contributions


def trace_workshops(
    proposal_ids_of: dict[int, list[int]], proposal_counts: dict[int, int] | None = None
) -> list[TraceWorkshop]:
    """The workshops ``proposal_ids_of`` names (workshop id -> its source proposals' ids),
    each with its present participants by college (2 queries), in no particular order;
    ``proposal_counts``: how many sources each one is at the origin of, when the caller
    shows fewer than all (the trace page)."""
    from workshops.models import Participant, Workshop

    if not proposal_ids_of:
        return []
    people: dict[int, Counter] = {wid: Counter() for wid in proposal_ids_of}
    for wid, college, n in (
        Participant.objects.filter(workshop_id__in=list(proposal_ids_of), removed_at__isnull=True)
        .values_list("workshop_id", "college")
        .annotate(n=Count("id"))
        .order_by()
    ):
        people[wid][college] += n
    workshops = []
    for workshop in Workshop.objects.filter(pk__in=list(proposal_ids_of)).only(
        "id", "title", "slug", "starts_at", "state", "visibility"
    ):
        counts = people[workshop.pk]
        workshops.append(
            TraceWorkshop(
                workshop=workshop,
                proposal_ids=proposal_ids_of[workshop.pk],
                participants=Contributions(dict(counts), sum(counts.values())),
                proposal_count=None
                if proposal_counts is None
                else proposal_counts.get(workshop.pk, 0),
            )
        )
    return workshops


def build_trace(
    recommendation: Recommendation,
    *,
    actions: list[ActionItem] | None = None,
    focus_action: ActionItem | None = None,
) -> Trace:
    """The lineage of a recommendation (and of one of its actions when ``focus_action`` is given)."""

    links = _source_links(recommendation)
    roots = [link.proposal for link in links]
    roots_query = RecommendationSource.objects.filter(recommendation=recommendation).values(
        "proposal_id"
    )
    merged, family_query = _merged_descendants([p.pk for p in roots], roots_query)
    all_proposals = roots + [m for ms in merged.values() for m in ms]
    people, contribution_counts = _people_per_proposal(all_proposals, family_query)

    trace_proposals: list[TraceProposal] = []
    families: list[dict[int, str]] = []
    total_contributions = 0
    for link in links:
        p = link.proposal
        family_people = people[p.pk]
        contributions = contribution_counts[p.pk]
        if merged[p.pk]:
            family_people = dict(family_people)
            for member in merged[p.pk]:
                for uid, college in people[member.pk].items():
                    family_people.setdefault(uid, college)
                contributions += contribution_counts[member.pk]
        families.append(family_people)
        total_contributions += contributions
        trace_proposals.append(
            TraceProposal(
                proposal=p,
                link=link,
                merged=merged[p.pk],
                contributors=_contributions(family_people, contributions),
            )
        )

    everyone: dict[int, str] = {}
    for family_people in reversed(families):  # updated last to first: the first one wins
        everyone.update(family_people)

    # Workshops of the source proposals and of the proposals merged into them.
    by_workshop: dict[int, list[int]] = {}
    for tp in trace_proposals:
        for member in [tp.proposal, *tp.merged]:
            if member.origin_workshop_id:
                ids = by_workshop.setdefault(member.origin_workshop_id, [])
                if tp.proposal.pk not in ids:
                    ids.append(tp.proposal.pk)
    workshops = trace_workshops(by_workshop)
    workshops.sort(
        key=lambda tw: (tw.workshop.starts_at is None, tw.workshop.starts_at, tw.workshop.pk)
    )
    # Ideas born in a workshop the public may not see are counted, never named.
    private_workshops = {tw.workshop.pk for tw in workshops if tw.is_private}
    for tp in trace_proposals:
        tp.is_private = tp.proposal.origin_workshop_id in private_workshops
        for member in tp.merged:
            member.is_private = member.origin_workshop_id in private_workshops

    vote_sessions, statements, actions = trace_sources_beyond_proposals(recommendation, actions)

    return Trace(
        recommendation=recommendation,
        actions=actions,
        proposals=trace_proposals,
        workshops=workshops,
        vote_sessions=vote_sessions,
        contributors=_contributions(everyone, total_contributions),
        focus_action=focus_action,
        groups=_groups(trace_proposals, workshops),
        statements=statements,
    )


def trace_sources_beyond_proposals(
    recommendation: Recommendation, actions: list[ActionItem] | None
) -> tuple[list[TraceVoteSession], list[TraceStatement], list[ActionItem]]:
    """The votes and statements of opinion maps linked to the recommendation, and its actions
    when not given: 2 to 4 queries."""
    # Vote sessions whose results support the recommendation, with their voters by college
    # (aggregates only: ballots are secret).
    vote_sessions: list[TraceVoteSession] = []
    vote_links = list(
        RecommendationVoteSource.objects.filter(recommendation=recommendation)
        .select_related("session", "session__workshop", "linked_by")
        .order_by("linked_at", "pk")
    )
    if vote_links:
        from votes.models import Ballot

        voters: dict[int, Counter] = {link.session_id: Counter() for link in vote_links}
        for sid, college, n in (
            Ballot.objects.filter(session_id__in=list(voters))
            .values_list("session_id", "college")
            .annotate(n=Count("id"))
            .order_by()
        ):
            voters[sid][college] += n
        for link in vote_links:
            counts = voters[link.session_id]
            vote_sessions.append(
                TraceVoteSession(
                    session=link.session,
                    link=link,
                    voters=Contributions(dict(counts), sum(counts.values())),
                )
            )

    # Statements of opinion maps, with what their votes said when linked (one query).
    statements = [
        TraceStatement(statement=link.statement, link=link)
        for link in RecommendationStatementSource.objects.filter(recommendation=recommendation)
        .select_related("statement__conversation__workshop", "linked_by")
        .order_by("linked_at", "pk")
    ]

    if actions is None:
        actions = list(recommendation.actions.order_by("due_date", "pk"))
    return vote_sessions, statements, actions


def _groups(trace_proposals: list[TraceProposal], workshops: list[TraceWorkshop]) -> list:
    """The sources linked with a group of ideas, by group, in the order of the links (no query:
    the group's name is kept on each link)."""
    workshop_of = {tw.workshop.pk: tw for tw in workshops}
    groups: dict[tuple, TraceGroup] = {}
    authors: dict[tuple, dict[int, str]] = {}
    for tp in trace_proposals:
        link = tp.link
        if link is None or not (link.idea_group_id or link.idea_group_name):
            continue
        key = (link.idea_group_id, link.idea_group_name)
        group = groups.get(key)
        if group is None:
            group = groups[key] = TraceGroup(
                name=link.idea_group_name,
                group_id=link.idea_group_id,
                workshop=workshop_of.get(tp.proposal.origin_workshop_id),
                proposals=[],
                authors_by_college={},
            )
            authors[key] = {}
        group.proposals.append(tp)
        for member in [tp.proposal, *tp.merged]:
            authors[key].setdefault(member.author_id, member.author_college)
    for key, group in groups.items():
        group.authors_by_college = dict(Counter(authors[key].values()))
    return list(groups.values())


def action_trace(action: ActionItem) -> Trace:
    """The lineage of one action item (its recommendation's, focused on it)."""
    return build_trace(action.recommendation, actions=[action], focus_action=action)


# --- Forward: what became of a proposal --------------------------------------------------------


@dataclass
class ForwardTrace:
    proposal: object
    merged_into: object | None
    recommendations: list[Recommendation]
    actions_by_recommendation: dict[int, list[ActionItem]]

    @property
    def is_empty(self) -> bool:
        return not self.recommendations and self.merged_into is None


def proposal_forward_trace(proposal, user) -> ForwardTrace:
    """The recommendations a proposal (or the proposal it was merged into) became part of,
    and their action items — as ``user`` may see them. Two or three queries."""
    from proposals.models import Proposal

    chain = [proposal.pk]
    target = None
    if proposal.merged_into_id:
        # One query follows up to three merges.
        current = (
            Proposal.objects.select_related("merged_into__merged_into__merged_into")
            .only(
                "id",
                "merged_into__id",
                "merged_into__title",
                "merged_into__merged_into_id",
                "merged_into__merged_into__id",
                "merged_into__merged_into__title",
                "merged_into__merged_into__merged_into_id",
                "merged_into__merged_into__merged_into__id",
                "merged_into__merged_into__merged_into__title",
            )
            .get(pk=proposal.pk)
        )
        node = current.merged_into
        while node is not None and len(chain) <= 3:
            chain.append(node.pk)
            target = node
            node = node.merged_into if node.merged_into_id else None
    recommendations = list(
        Recommendation.objects.visible_to(user)
        .filter(sources__proposal_id__in=chain)
        .select_related("axis")
        .distinct()
        .order_by("created_at")
    )
    actions: dict[int, list[ActionItem]] = {r.pk: [] for r in recommendations}
    if recommendations:
        for action in ActionItem.objects.filter(recommendation__in=recommendations).order_by(
            "due_date", "pk"
        ):
            actions[action.recommendation_id].append(action)
    return ForwardTrace(
        proposal=proposal,
        merged_into=target,
        recommendations=recommendations,
        actions_by_recommendation=actions,
    )

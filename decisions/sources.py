"""What a recommendation can be built from: proposals, live ideas, groups of ideas, votes.

Reads only (the writes are ``decisions.services``). The editor's source picker finds them by
words (``search``), each with what it would bring before it is added — its supports or
ballots, by college under the small-college rule (``votes.selectors.colleges_shown``);
« Faire de ce résultat une recommandation » and the picker's « Ajouter » read one by kind and
number (``get``). Only what the editor may see: ideas and groups of the workshops they may
see, finished votes whose results are out.

Another kind (a consensus statement of ``opinions``, say) joins by adding its name to
``KINDS``, a branch in ``get`` and a search in ``search``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from project.errors import NotFoundError
from project.ids import parse_id
from proposals.models import Proposal, ProposalStatus, Support, private_origin_condition
from proposals.search import apply_search, is_postgres, terms
from votes.models import Ballot, SessionState, VoteOption, VoteSession
from votes.selectors import colleges_shown
from workshops.grouping import group_ideas
from workshops.models import IdeaGroup, IdeaGroupMember, Participant, Workshop, WorkshopState

KINDS = ("proposal", "idea", "group", "vote")
PER_KIND = 6
QUERY_MAX = 100
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class SourceHit:
    """One search result: what it is, where it comes from, what it would bring."""

    kind: str  # one of KINDS
    pk: int
    title: str
    where: str  # « Atelier « … » », an axis…
    url: str
    brings: str  # « 12 soutiens », « 34 votant·es », « 4 idées · 9 soutiens »
    colleges: list[tuple[str, str, int]] = field(default_factory=list)
    linked: bool = False

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


def kind_label(kind: str) -> str:
    return {
        "proposal": _("Proposition"),
        "idea": _("Idée d'atelier"),
        "group": _("Groupe d'idées"),
        "vote": _("Vote"),
    }.get(kind, kind)


def added_message(source) -> str:
    """What the editor is told once ``source`` is linked (read out by the picker)."""
    kind = kind_of(source)
    if kind == "group":
        return _("Le groupe d'idées « %(title)s » est ajouté aux sources, avec ses idées.") % {
            "title": source.name
        }
    if kind == "vote":
        return _("Le vote « %(title)s » est ajouté à l'appui.") % {"title": source.title}
    if kind == "idea":
        return _("L'idée « %(title)s » est ajoutée aux sources.") % {"title": source.title}
    return _("La proposition « %(title)s » est ajoutée aux sources.") % {"title": source.title}


def visible_workshops(user):
    """The workshops whose ideas, groups and votes ``user`` may see (a queryset; the rule of
    ``workshops.rules.can_see_workshop``): publicly visible ones, those they facilitate, the
    private ones they take part in (past their draft)."""
    condition = Q(pk__in=Workshop.objects.publicly_visible().values("pk"))
    if user is not None and user.is_authenticated:
        if user.is_superuser:
            return Workshop.objects.all()
        facilitates = Workshop.facilitators.through.objects.filter(user=user).values("workshop_id")
        member_of = Participant.objects.filter(user=user, removed_at__isnull=True).values(
            "workshop_id"
        )
        condition |= Q(pk__in=facilitates) | (Q(pk__in=member_of) & ~Q(state=WorkshopState.DRAFT))
    return Workshop.objects.filter(condition)


def _proposals(user):
    return (
        Proposal.objects.filter(private_origin_condition(user), is_hidden=False)
        .exclude(status=ProposalStatus.MERGED)
        .select_related("axis", "origin_workshop")
        .defer("body_html", "search_text", "search_vector")
    )


def _groups(user):
    return IdeaGroup.objects.filter(workshop__in=visible_workshops(user)).select_related("workshop")


def _votes(user):
    """Finished votes whose results ``user`` may read (``votes.rules.can_see_results``): out
    for everyone, or managed by them — a board vote (editors manage those), a vote of a
    workshop they facilitate (results not yet shown to the room)."""
    managed = Q(workshop__isnull=True)
    if user is not None and user.is_authenticated:
        managed |= Q(
            workshop__in=Workshop.facilitators.through.objects.filter(user=user).values(
                "workshop_id"
            )
        )
    return (
        VoteSession.objects.filter(state__in=[SessionState.CLOSED, SessionState.PUBLISHED])
        .filter(Q(workshop__isnull=True) | Q(workshop__in=visible_workshops(user)))
        .filter(Q(pk__in=VoteSession.objects.results_revealed().values("pk")) | managed)
        .select_related("workshop", "axis")
    )


def get(user, kind: str, pk) -> object:
    """The proposal, group or vote ``kind`` number ``pk`` if ``user`` may use it as a source,
    else NotFoundError (also for an unknown kind or a number that is not one)."""
    number = parse_id(pk)
    found = None
    if number is not None:
        if kind in ("proposal", "idea"):
            found = _proposals(user).filter(pk=number).first()
        elif kind == "group":
            found = _groups(user).filter(pk=number).first()
        elif kind == "vote":
            found = _votes(user).filter(pk=number).first()
    if found is None:
        raise NotFoundError(
            "not_found", _("Cette source n'existe pas ou ne vous est pas accessible.")
        )
    return found


def kind_of(source) -> str:
    if isinstance(source, Proposal):
        return "idea" if source.origin_workshop_id else "proposal"
    if isinstance(source, IdeaGroup):
        return "group"
    if isinstance(source, VoteSession):
        return "vote"
    raise TypeError(f"not a recommendation source: {source!r}")


def _words(query: str) -> list[str]:
    return [w for w in _WORD.findall(query or "") if len(w) > 1][:8]


def _all_words(fields: tuple[str, ...], words: list[str]) -> Q:
    """Every word in one of ``fields`` (case-insensitive)."""
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def _supports_by_college(proposal_ids) -> dict[int, dict[str, int]]:
    by_proposal: dict[int, dict[str, int]] = defaultdict(dict)
    if proposal_ids:
        for row in (
            Support.objects.filter(proposal_id__in=proposal_ids)
            .values("proposal_id", "user_college")
            .annotate(n=Count("id"))
            .order_by()
        ):
            by_proposal[row["proposal_id"]][row["user_college"]] = row["n"]
    return by_proposal


def _supports_text(n: int) -> str:
    return ngettext("%(n)d soutien", "%(n)d soutiens", n) % {"n": n}


def search(user, query: str, *, recommendation=None) -> list[SourceHit]:
    """Proposals, live ideas, groups of ideas and finished votes matching every word of
    ``query`` that ``user`` may see, at most ``PER_KIND`` of each, with what each would bring.

    Queries: at most 8 whatever the number of results (proposals, groups, their ideas,
    votes, supports by college, ballots by college, and the recommendation's links).
    """
    query = (query or "")[:QUERY_MAX]
    words = _words(query)
    if not terms(query) or not words:
        return []
    found = _found_proposals(user, query)
    board = [p for p in found if not p.origin_workshop_id][:PER_KIND]
    ideas = [p for p in found if p.origin_workshop_id][:PER_KIND]
    groups = _found_groups(user, query, words)
    group_members = group_ideas(groups)
    votes = _found_votes(user, words)
    supports = _supports_by_college(
        [p.pk for p in board + ideas]
        + [p.pk for members in group_members.values() for p in members]
    )
    ballots = _ballots_by_college(votes)
    linked_proposals, linked_groups, linked_votes = _linked(recommendation)
    return [
        *(_proposal_hit(p, supports, linked_proposals) for p in board + ideas),
        *(
            _group_hit(
                group,
                group_members.get(group.pk, []),
                supports,
                linked=group.pk in linked_groups,
                linked_proposals=linked_proposals,
            )
            for group in groups
        ),
        *(
            _vote_hit(session, ballots.get(session.pk, {}), session.pk in linked_votes)
            for session in votes
        ),
    ]


def _found_proposals(user, query: str) -> list:
    """Proposals and live ideas: the board's full-text search, best first."""
    return list(
        apply_search(_proposals(user), query, rank=True).order_by("-rank", "-support_count", "-pk")[
            : PER_KIND * 2
        ]
        if _is_postgres()
        else apply_search(_proposals(user), query).order_by("-support_count", "-pk")[: PER_KIND * 2]
    )


def _found_groups(user, query: str, words: list[str]) -> list:
    """Groups: by their name, or by the words of their ideas."""
    matching_ideas = apply_search(_proposals(user).filter(origin_workshop__isnull=False), query)
    return list(
        _groups(user)
        .filter(
            _all_words(("name",), words)
            | Q(
                pk__in=IdeaGroupMember.objects.filter(proposal__in=matching_ideas).values(
                    "group_id"
                )
            )
        )
        .order_by("-created_at", "-pk")[:PER_KIND]
    )


def _found_votes(user, words: list[str]) -> list:
    """Votes: by their title, question or options."""
    return list(
        _votes(user)
        .filter(
            _all_words(("title", "question"), words)
            | Q(
                pk__in=VoteOption.objects.filter(_all_words(("label",), words)).values("session_id")
            )
        )
        .order_by("-closed_at", "-pk")[:PER_KIND]
    )


def _ballots_by_college(votes: list) -> dict[int, dict[str, int]]:
    ballots: dict[int, dict[str, int]] = defaultdict(dict)
    if votes:
        for row in (
            Ballot.objects.filter(session__in=votes)
            .values("session_id", "college")
            .annotate(n=Count("id"))
            .order_by()
        ):
            ballots[row["session_id"]][row["college"]] = row["n"]
    return ballots


def _group_hit(group, members: list, supports, *, linked: bool, linked_proposals) -> SourceHit:
    """A group brings its ideas and their supports; it counts as linked when it was linked
    as a group or when every one of its ideas already is."""
    counts: dict[str, int] = defaultdict(int)
    for member in members:
        for college, n in supports.get(member.pk, {}).items():
            counts[college] += n
    total = sum(counts.values())
    return SourceHit(
        kind="group",
        pk=group.pk,
        title=group.name,
        where=_("Atelier « %(title)s »") % {"title": group.workshop.title},
        url=group.workshop.get_absolute_url(),
        brings=ngettext("%(n)d idée", "%(n)d idées", len(members)) % {"n": len(members)}
        + " · "
        + _supports_text(total),
        colleges=colleges_shown(dict(counts)),
        linked=linked or bool(members and all(m.pk in linked_proposals for m in members)),
    )


def _vote_hit(session, counts: dict[str, int], linked: bool) -> SourceHit:
    total = sum(counts.values())
    return SourceHit(
        kind="vote",
        pk=session.pk,
        title=session.title,
        where=_where_vote(session),
        url=session.get_absolute_url(),
        brings=ngettext("%(n)d votant·e", "%(n)d votant·es", total) % {"n": total},
        colleges=colleges_shown(counts),
        linked=linked,
    )


def _proposal_hit(proposal, supports, linked_proposals) -> SourceHit:
    counts = supports.get(proposal.pk, {})
    return SourceHit(
        kind=kind_of(proposal),
        pk=proposal.pk,
        title=proposal.title,
        where=_where_proposal(proposal),
        url=proposal.get_absolute_url(),
        brings=_supports_text(sum(counts.values())),
        colleges=colleges_shown(counts),
        linked=proposal.pk in linked_proposals,
    )


def suggestions(user, recommendation) -> list[SourceHit]:
    """Before any search: the proposals and ideas on the ballot of the votes already linked
    (a draft made from a vote's result has its winner; the others are one « Ajouter » away).
    4 queries."""
    votes = recommendation.vote_sources.values("session_id")
    found = list(
        _proposals(user)
        .filter(pk__in=VoteOption.objects.filter(session__in=votes).values("proposal_id"))
        .order_by("-support_count", "-pk")[: PER_KIND * 2]
    )
    linked_proposals, _groups_linked, _votes_linked = _linked(recommendation)
    supports = _supports_by_college([p.pk for p in found])
    return [_proposal_hit(p, supports, linked_proposals) for p in found]


def _is_postgres() -> bool:
    return is_postgres()


def _linked(recommendation) -> tuple[set[int], set[int], set[int]]:
    if recommendation is None:
        return set(), set(), set()
    proposals, groups = set(), set()
    for proposal_id, group_id in recommendation.sources.values_list("proposal_id", "idea_group_id"):
        proposals.add(proposal_id)
        if group_id:
            groups.add(group_id)
    votes = set(recommendation.vote_sources.values_list("session_id", flat=True))
    return proposals, groups, votes


def _where_proposal(proposal) -> str:
    if proposal.origin_workshop_id:
        return _("Atelier « %(title)s »") % {"title": proposal.origin_workshop.title}
    return str(proposal.axis) if proposal.axis_id else ""


def _where_vote(session) -> str:
    if session.workshop_id:
        return _("Atelier « %(title)s »") % {"title": session.workshop.title}
    return _("Vote de la plateforme")

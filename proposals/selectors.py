"""Reads for the board, the proposal page, the axis pages and the API (one place, same rules)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
)
from django.http import Http404

from accounts.models import College
from proposals import board_cache, consensus, rules
from proposals.models import (
    Axis,
    Comment,
    ModerationAction,
    Proposal,
    ProposalStatus,
    Report,
    StatusChange,
    Support,
)
from proposals.search import apply_search, is_postgres, terms

SORTS = ("random", "recent", "supported", "consensus", "commented", "relevance")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Random order: a multiplicative hash of (id + visitor seed) modulo a prime below 2**32.
# The same seed gives the same order (pagination is stable), another visitor sees another.
_HASH_MULTIPLIER = 2654435761
_HASH_PRIME = 4294967291
SEED_MAX = 1_000_000


def new_seed() -> int:
    return secrets.randbelow(SEED_MAX) + 1


@dataclass
class BoardQuery:
    """What the board and ``GET /api/v1/proposals`` accept (already validated)."""

    axis: str = ""
    status: str = ""
    college: str = ""
    workshop: str = ""
    q: str = ""
    sort: str = "recent"
    seed: int = 1
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    extra: dict = field(default_factory=dict)

    def normalized(self) -> BoardQuery:
        self.status = self.status if self.status in ProposalStatus.values else ""
        self.college = self.college if self.college in College.values else ""
        self.sort = self.sort if self.sort in SORTS else "recent"
        if self.sort == "relevance" and not terms(self.q):
            self.sort = "recent"
        self.page = max(1, int(self.page or 1))
        self.page_size = min(max(1, int(self.page_size or DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE)
        self.seed = min(max(1, int(self.seed or 1)), SEED_MAX)
        return self

    def filters(self) -> tuple:
        """What decides which proposals are listed (not their order or page)."""
        return (self.axis, self.status, self.college, self.workshop, self.q)

    def listing(self) -> tuple:
        """What decides the page's rows: the filters, the order (with the seed of a random
        one) and the page."""
        seed = self.seed if self.sort == "random" else 0
        return (*self.filters(), self.sort, seed, self.page, self.page_size)


def board_queryset(user, query: BoardQuery) -> QuerySet[Proposal]:
    qs = Proposal.objects.visible_to(user).for_list()
    if query.axis:
        qs = qs.filter(axis__slug=query.axis)
    if query.status:
        qs = qs.filter(status=query.status)
    else:
        # Duplicates live on in their target: only shown when asked for.
        qs = qs.exclude(status=ProposalStatus.MERGED)
    if query.college:
        qs = qs.filter(author_college=query.college)
    if query.workshop:
        qs = qs.filter(origin_workshop__slug=query.workshop)
    if query.q:
        qs = apply_search(qs, query.q, rank=query.sort == "relevance")
    if query.sort == "consensus":
        return consensus.ordered(qs, _consensus_figures(user, qs, query))
    return _ordered(qs, query)


def _consensus_figures(user, qs: QuerySet, query: BoardQuery) -> consensus.BoardFigures:
    """The filtered board's college groups and mean rate (2 queries; for anyone not signed
    in, cached with the board's generation)."""
    generation = board_cache.generation() if board_cache.shared(user) else None
    return board_cache.get_or_build(
        generation, "consensus", query.filters(), lambda: consensus.board_figures(qs)
    )


def _ordered(qs: QuerySet, query: BoardQuery) -> QuerySet:
    if query.sort == "supported":
        return qs.order_by("-support_count", "-created_at", "-pk")
    if query.sort == "commented":
        return qs.order_by("-comment_count", "-created_at", "-pk")
    if query.sort == "random":
        # The % operator, not Mod(): on SQLite Django runs MOD() as a Python function per row.
        key = ExpressionWrapper(
            (F("pk") + query.seed) * _HASH_MULTIPLIER % _HASH_PRIME, output_field=IntegerField()
        )
        return qs.annotate(shuffle=key).order_by("shuffle", "pk")
    if query.sort == "relevance" and is_postgres():
        return qs.order_by("-rank", "-created_at", "-pk")
    return qs.order_by("-created_at", "-pk")


@dataclass
class BoardPage:
    page: Page
    proposals: list[Proposal]
    count: int
    supported_ids: set[int]


def board_page(user, query: BoardQuery) -> BoardPage:
    """One page of the board: a COUNT, the page's rows (axis, author, workshop joined; in
    random order an id query first) and, for a signed-in visitor, one query for which of
    them they support. For anyone not signed in the COUNT of a filter comes from the
    cache (``board_cache``) while the board does not change."""
    queryset = board_queryset(user, query)
    generation = board_cache.generation() if board_cache.shared(user) else None
    if query.sort == "random":
        # Deferred join: order the ids alone (an index scan, not the wide rows), then fetch
        # the page's 20 rows by primary key and put them back in that order.
        paginator = Paginator(queryset.values_list("pk", flat=True), query.page_size)
        _cached_count(paginator, generation, query)
        page = paginator.get_page(query.page)
        ids = list(page.object_list)
        rows = {p.pk: p for p in Proposal.objects.for_list().filter(pk__in=ids)}
        proposals = [rows[pk] for pk in ids if pk in rows]
    else:
        paginator = Paginator(queryset, query.page_size)
        _cached_count(paginator, generation, query)
        page = paginator.get_page(query.page)
        proposals = list(page.object_list)
    return BoardPage(
        page=page,
        proposals=proposals,
        count=paginator.count,
        supported_ids=supported_ids(user, proposals),
    )


def _cached_count(paginator: Paginator, generation: int | None, query: BoardQuery) -> None:
    if generation is not None:
        # Paginator.count is a cached property: setting it spares the COUNT query.
        paginator.count = board_cache.get_or_build(
            generation, "count", query.filters(), lambda: paginator.object_list.count()
        )


def supported_ids(user, proposals: list[Proposal]) -> set[int]:
    if not rules.is_signed_in(user) or not proposals:
        return set()
    return set(
        Support.objects.filter(user=user, proposal_id__in=[p.pk for p in proposals]).values_list(
            "proposal_id", flat=True
        )
    )


def _workshop_model():
    """The model of ``Proposal.origin_workshop``, read through the foreign key: proposals does
    not import workshops (proposals/origins.py)."""
    return Proposal._meta.get_field("origin_workshop").related_model


def origin_workshop_by_slug(slug: str):
    """The workshop of this slug, or None (whether this person may post there is the room's
    own check, ``origins.rooms().post_idea``)."""
    return _workshop_model().objects.filter(slug=slug).first()


def board_workshops(user) -> QuerySet:
    """Workshops that produced proposals this visitor may see (an EXISTS per workshop on the
    origin index, not a DISTINCT over a join with every proposal)."""
    has_proposals = Exists(Proposal.objects.filter(origin_workshop=OuterRef("pk")))
    workshops = _workshop_model().objects.filter(has_proposals)
    if not rules.can_moderate(user):
        # A private workshop's name is not for the public board's filter either.
        visible = Exists(Proposal.objects.visible_to(user).filter(origin_workshop=OuterRef("pk")))
        workshops = workshops.filter(visible)
    return workshops.only("slug", "title")


def board_filter_choices(user) -> tuple[list, list]:
    """The board filter's (slug, label) choices of axes and of workshops, for this visitor."""
    axes = [(a.slug, str(a)) for a in Axis.objects.only("slug", "number", "short_title")]
    workshops = [(w.slug, w.title) for w in board_workshops(user)]
    return axes, workshops


def get_proposal_for_user(user, pk: int, *, tombstone: bool = False) -> Proposal:
    """The proposal if this visitor may see it, else 404 (hidden ones don't leak).

    With ``tombstone=True`` a hidden proposal is returned to everyone: its page and
    API record then show only that it was hidden and the moderators' public reason."""
    proposal = (
        Proposal.objects.select_related("axis", "author", "origin_workshop", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not rules.can_see_origin(user, proposal):
        raise Http404  # a private workshop's idea: not even a tombstone
    if not (tombstone or rules.can_view_proposal(user, proposal)):
        raise Http404
    return proposal


def get_comment_for_user(user, pk: int) -> Comment:
    comment = Comment.objects.select_related("proposal", "author").filter(pk=pk).first()
    if comment is None or not rules.can_view_proposal(user, comment.proposal):
        raise Http404
    return comment


def proposal_comments(user, proposal: Proposal) -> list[Comment]:
    """Root comments with their answers attached (two queries whatever the number)."""
    replies = Comment.objects.visible_to(user).select_related("author").order_by("created_at", "pk")
    return list(
        Comment.objects.visible_to(user)
        .filter(proposal=proposal, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
    )


def proposal_timeline(proposal: Proposal) -> list[StatusChange]:
    return list(proposal.status_changes.select_related("actor"))


def proposal_merged_from(proposal: Proposal) -> list[Proposal]:
    return list(proposal.merged_from.filter(is_hidden=False).only("pk", "title"))


def axis_overview(axis: Axis, user, *, limit: int = 6) -> dict:
    """The axis page: its most supported proposals and counts by college (4 queries)."""
    public = (
        Proposal.objects.visible_to(user).filter(axis=axis).exclude(status=ProposalStatus.MERGED)
    )
    by_college = dict(public.values_list("author_college").annotate(n=Count("pk")).order_by())
    supports = dict(
        Support.objects.filter(proposal__in=public)
        .values_list("user_college")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = [
        {
            "college": value,
            "label": label,
            "proposals": by_college.get(value, 0),
            "supports": supports.get(value, 0),
        }
        for value, label in College.choices
    ]
    top = list(public.for_list().order_by("-support_count", "-created_at")[:limit])
    total = sum(r["proposals"] for r in rows)
    biggest = max([r["proposals"] for r in rows] + [r["supports"] for r in rows] + [1])
    for r in rows:
        r["proposals_pct"] = round(100 * r["proposals"] / biggest)
        r["supports_pct"] = round(100 * r["supports"] / biggest)
    return {"rows": rows, "top": top, "total": total}


def moderation_queue() -> dict:
    """Open reports with their targets (one query), and the latest moderation actions."""
    reports = list(
        Report.objects.open()
        .select_related("reporter", "proposal", "comment", "comment__author", "proposal__author")
        .order_by("created_at")
    )
    actions = list(ModerationAction.objects.select_related("moderator", "proposal", "comment")[:30])
    return {"reports": reports, "actions": actions}

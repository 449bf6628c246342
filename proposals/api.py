"""``/api/v1/`` for proposals: axes, the board (same filters, sort and search), writing, supports, comments.

Reads are public (a token or a session only adds "did I support it" and what
moderators may see); writes need a token (``Authorization: Bearer``) or the
session with its CSRF token. Every write goes through ``proposals.services``;
errors are ``{"code", "message", "fields"}`` JSON (``project/api_errors.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.models import College
from project.api_auth import api_auth, api_user
from project.errors import DomainError, NotFoundError
from project.ids import Id
from proposals import origins, rules, selectors, services
from proposals.models import Axis, Comment, Proposal, ProposalStatus

router = Router(tags=["propositions"])

SortName = Literal["recent", "supported", "consensus", "commented", "random", "relevance"]
StatusName = Literal[tuple(ProposalStatus.values)]  # type: ignore[valid-type]
CollegeName = Literal[tuple(College.values)]  # type: ignore[valid-type]


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class AxisOut(Schema):
    slug: str
    kind: str
    number: int | None
    title: str
    short_title: str
    description: str
    color: str
    url: str


class AuthorOut(Schema):
    name: str
    college: str = Field(description="Collège de l'auteur·rice au moment de l'écriture")


class ProposalSummaryOut(Schema):
    id: int
    url: str
    axis: str
    title: str = Field(description="Vide si la proposition est masquée par la modération")
    status: str
    status_label: str
    author: AuthorOut | None
    origin_workshop: str | None
    merged_into: int | None
    is_hidden: bool
    support_count: int
    comment_count: int
    supported_by_me: bool | None = Field(None, description="null sans authentification")
    created_at: datetime
    updated_at: datetime


class ProposalOut(ProposalSummaryOut):
    body: str = Field(description="Texte source en Markdown")
    body_html: str = Field(description="HTML nettoyé par le sanitiser de la plateforme")
    status_reason: str
    hidden_reason: str = Field(description="Motif public du masquage, le cas échéant")


class ProposalPageOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    sort: str
    seed: int = Field(
        description="Graine de l'ordre aléatoire : renvoyez-la pour paginer le même ordre"
    )
    results: list[ProposalSummaryOut]


class ProposalIn(Schema):
    axis: str = Field(description="Identifiant (slug) de l'axe", max_length=80)
    title: str = Field(max_length=services.TITLE_MAX)
    body: str = Field("", max_length=services.BODY_MAX, description="Markdown")
    origin_workshop: str | None = Field(
        None, description="Identifiant (slug) de l'atelier d'origine"
    )
    client_key: str = Field(
        "",
        max_length=services.CLIENT_KEY_MAX,
        description="Clé d'idempotence : un nouvel envoi renvoie la même proposition",
    )


class SupportOut(Schema):
    supported: bool
    support_count: int


class CommentOut(Schema):
    id: int
    parent: int | None
    author: AuthorOut | None
    body_html: str
    is_deleted: bool
    is_hidden: bool
    hidden_reason: str
    created_at: datetime
    edited_at: datetime | None


class CommentIn(Schema):
    body: str = Field(max_length=services.COMMENT_MAX)
    parent: Id | None = None
    client_key: str = Field("", max_length=services.CLIENT_KEY_MAX)


SLUG = r"^[-a-zA-Z0-9_]+$"
NO_NUL = r"^[^\x00]*$"


class BoardFiltersIn(Schema):
    # Slugs only, and no NUL in the text (PostgreSQL refuses it: a 500 found by the API fuzz).
    axis: str | None = Field(None, max_length=100, pattern=SLUG, description="slug d'un axe")
    status: StatusName | None = None
    college: CollegeName | None = None
    workshop: str | None = Field(
        None, max_length=100, pattern=SLUG, description="slug d'un atelier"
    )
    q: str | None = Field(
        None, max_length=200, pattern=NO_NUL, description="recherche plein texte (français)"
    )
    sort: SortName = "recent"
    seed: int | None = Field(None, ge=1, le=selectors.SEED_MAX)
    page: int = Field(1, ge=1)
    page_size: int = Field(selectors.DEFAULT_PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE)


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _author(user, college: str) -> dict:
    return {"name": user.public_name, "college": college}


def _summary(p: Proposal, supported: set[int] | None) -> dict:
    return {
        "id": p.pk,
        "url": p.get_absolute_url(),
        "axis": p.axis.slug,
        "title": p.title,
        "status": p.status,
        "status_label": p.status_label,
        "author": _author(p.author, p.author_college),
        "origin_workshop": p.origin_workshop.slug if p.origin_workshop_id else None,
        "merged_into": p.merged_into_id,
        "is_hidden": p.is_hidden,
        "support_count": p.support_count,
        "comment_count": p.comment_count,
        "supported_by_me": None if supported is None else p.pk in supported,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _detail(p: Proposal, user) -> dict:
    supported = selectors.supported_ids(user, [p]) if user.is_authenticated else None
    return {
        **_summary(p, supported),
        "body": p.body,
        "body_html": p.body_html,
        "status_reason": p.status_reason,
        "hidden_reason": p.hidden_reason if p.is_hidden else "",
    }


def _comment(c: Comment) -> dict:
    gone = c.is_deleted or c.is_hidden
    return {
        "id": c.pk,
        "parent": c.parent_id,
        "author": None if c.is_deleted else _author(c.author, c.author_college),
        "body_html": "" if gone else c.body_html,
        "is_deleted": c.is_deleted,
        "is_hidden": c.is_hidden,
        "hidden_reason": c.hidden_reason if c.is_hidden else "",
        "created_at": c.created_at,
        "edited_at": c.edited_at,
    }


def _axis_or_error(slug: str, field: str = "axis") -> Axis:
    axis = Axis.objects.filter(slug=slug).first()
    if axis is None:
        raise DomainError(
            "invalid_axis", _("Axe inconnu."), status=422, fields={field: [_("Axe inconnu.")]}
        )
    return axis


@router.get("/axes", response=list[AxisOut], summary="Les 5 axes et les thèmes transversaux")
def list_axes(request: HttpRequest):
    return [
        {
            "slug": a.slug,
            "kind": a.kind,
            "number": a.number,
            "title": a.title,
            "short_title": a.short_title,
            "description": a.description,
            "color": a.color,
            "url": a.get_absolute_url(),
        }
        for a in Axis.objects.all()
    ]


@router.get(
    "/proposals",
    response={200: ProposalPageOut, **ERRORS},
    summary="Le tableau des propositions : filtres, tri, recherche, pagination",
)
def list_proposals(request: HttpRequest, filters: Query[BoardFiltersIn]):
    user = api_user(request)
    if filters.axis:
        _axis_or_error(filters.axis)
    query = selectors.BoardQuery(
        axis=filters.axis or "",
        status=filters.status or "",
        college=filters.college or "",
        workshop=filters.workshop or "",
        q=filters.q or "",
        sort=filters.sort,
        seed=filters.seed or selectors.new_seed(),
        page=filters.page,
        page_size=filters.page_size,
    ).normalized()
    result = selectors.board_page(user, query)
    supported = result.supported_ids if user.is_authenticated else None
    return {
        "count": result.count,
        "page": result.page.number,
        "page_size": query.page_size,
        "num_pages": result.page.paginator.num_pages,
        "sort": query.sort,
        "seed": query.seed,
        "results": [_summary(p, supported) for p in result.proposals],
    }


@router.post(
    "/proposals",
    response={201: ProposalOut, **ERRORS},
    auth=api_auth,
    summary="Déposer une proposition (idempotent avec client_key)",
)
def create_proposal(request: HttpRequest, payload: ProposalIn):
    axis = _axis_or_error(payload.axis)
    try:
        if payload.origin_workshop:
            proposal = _post_in_workshop(request.auth, payload, axis)
        else:
            proposal = services.proposal_create(
                author=request.auth,
                axis=axis,
                title=payload.title,
                body=payload.body,
                client_key=payload.client_key,
            )
    except DomainError as exc:
        raise _with_fields(exc) from exc
    proposal = selectors.get_proposal_for_user(request.auth, proposal.pk)
    return Status(201, _detail(proposal, request.auth))


def _post_in_workshop(user, payload: ProposalIn, axis):
    """An idea for a workshop's wall: the room's own service (``idea_post``), as the form and
    the socket do, with its checks (participant, live, wall not locked). A workshop that does
    not exist and one the caller may not see (private, draft) get the same answer."""
    workshop = selectors.origin_workshop_by_slug(payload.origin_workshop)
    try:
        if workshop is None:
            raise NotFoundError("not_found", _("Cet atelier n'existe pas."))
        return origins.rooms().post_idea(
            workshop=workshop,
            user=user,
            axis=axis,
            title=payload.title,
            body=payload.body,
            client_key=payload.client_key or "",
        )
    except NotFoundError:
        message = _("Atelier inconnu.")
        raise DomainError(
            "invalid_workshop", message, status=422, fields={"origin_workshop": [message]}
        ) from None


def _with_fields(exc: DomainError) -> DomainError:
    """Service errors name their field: say it the way validation errors do."""
    if exc.field:
        exc.extra["fields"] = {exc.field: [str(exc.message)]}
        exc.field = None
        if exc.status == 400:
            exc.status = 422
    return exc


@router.get(
    "/proposals/{proposal_id}", response={200: ProposalOut, **ERRORS}, summary="Une proposition"
)
def get_proposal(request: HttpRequest, proposal_id: Id):
    user = api_user(request)
    proposal = selectors.get_proposal_for_user(user, proposal_id, tombstone=True)
    data = _detail(proposal, user)
    if not rules.can_view_proposal(user, proposal):
        # Hidden: only the fact and the public reason, never the content.
        data.update(title="", body="", body_html="", author=None, supported_by_me=None)
    return data


@router.post(
    "/proposals/{proposal_id}/support",
    response={200: SupportOut, **ERRORS},
    auth=api_auth,
    summary="Soutenir (idempotent)",
)
def add_support(request: HttpRequest, proposal_id: Id):
    proposal = selectors.get_proposal_for_user(request.auth, proposal_id)
    services.support_add(proposal=proposal, user=request.auth)
    return {"supported": True, "support_count": proposal.support_count}


@router.delete(
    "/proposals/{proposal_id}/support",
    response={200: SupportOut, **ERRORS},
    auth=api_auth,
    summary="Retirer son soutien",
)
def remove_support(request: HttpRequest, proposal_id: Id):
    proposal = selectors.get_proposal_for_user(request.auth, proposal_id)
    services.support_remove(proposal=proposal, user=request.auth)
    return {"supported": False, "support_count": proposal.support_count}


@router.get(
    "/proposals/{proposal_id}/comments",
    response={200: list[CommentOut], **ERRORS},
    summary="Les commentaires (les réponses suivent leur commentaire)",
)
def list_comments(request: HttpRequest, proposal_id: Id):
    user = api_user(request)
    proposal = selectors.get_proposal_for_user(user, proposal_id)
    out = []
    for root in selectors.proposal_comments(user, proposal):
        out.append(_comment(root))
        out.extend(_comment(reply) for reply in root.visible_replies)
    return out


@router.post(
    "/proposals/{proposal_id}/comments",
    response={201: CommentOut, **ERRORS},
    auth=api_auth,
    summary="Commenter ou répondre (idempotent avec client_key)",
)
def create_comment(request: HttpRequest, proposal_id: Id, payload: CommentIn):
    proposal = selectors.get_proposal_for_user(request.auth, proposal_id)
    parent = None
    if payload.parent is not None:
        parent = proposal.comments.filter(pk=payload.parent).first()
        if parent is None:
            message = _("Commentaire parent introuvable sur cette proposition.")
            raise DomainError("invalid_parent", message, status=422, fields={"parent": [message]})
    try:
        comment = services.comment_create(
            proposal=proposal,
            author=request.auth,
            body=payload.body,
            parent=parent,
            client_key=payload.client_key,
        )
    except DomainError as exc:
        raise _with_fields(exc) from exc
    return Status(201, _comment(comment))

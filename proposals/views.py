"""Board, proposal pages, writing, supports, comments and moderation (all through services)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from project.errors import DomainError, PermissionDeniedError, add_form_error
from project.redirects import safe_next
from project.sanitizer import markdown_to_html
from proposals import board_cache, rules, selectors, services
from proposals.forms import (
    BoardFilterForm,
    CommentForm,
    MergeForm,
    ProposalForm,
    ReasonForm,
    StatusForm,
)
from proposals.models import Axis, Proposal, Report

SEED_COOKIE = "board_seed"
SEED_COOKIE_AGE = 60 * 60 * 24  # a day: the order changes from one visit to the next


def _similar_index():
    """``proposals.similar_index``, imported on the first similar-ideas request: it loads
    scikit-learn and SciPy, which no other page needs (proposals/similar_freshness.py)."""
    from proposals import similar_index  # heavy: see the docstring

    return similar_index


def _visitor_seed(request: HttpRequest) -> tuple[int, bool]:
    """A random-order seed kept for the visit: the board's first proposals differ per visitor
    but stay put while they page through it. A plain cookie, not the session: an anonymous
    visitor's board costs no database write. Returns (seed, whether to set the cookie)."""
    raw = request.COOKIES.get(SEED_COOKIE, "")
    if raw.isdigit() and 1 <= int(raw) <= selectors.SEED_MAX:
        return int(raw), False
    return selectors.new_seed(), True


# Sorts that ignore the visitor's random-order seed: their lists are shared by all visitors.
_SEEDLESS_SORTS = {"recent", "supported", "consensus", "commented", "relevance"}


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    # What anyone not signed in sees is the same for everybody (per language, and per
    # random-order seed for the list): the whole page, or else the rendered list and filter
    # fields, come from the cache while no write changes the board (proposals.board_cache),
    # keyed by the raw query string, so that a hit needs neither the form nor the database.
    # The layout around the list cost more than the rest of a warm request, hence the whole
    # page, read in one round trip with the generation. A visitor with messages waiting gets
    # the page rendered for them. Signed-in visitors get theirs computed.
    seed, new_seed = _visitor_seed(request)
    list_seed = 0 if request.GET.get("sort") in _SEEDLESS_SORTS else seed
    htmx_results = bool(request.htmx and request.htmx.target == "board-results")
    shared = board_cache.shared(request.user)
    whole_page = shared and not htmx_results and not _has_messages(request)
    page = board_cache.cached_page(request, list_seed) if whole_page else None
    if page is not None:
        response = HttpResponse(page)
    else:
        generation = board_cache.generation() if shared else None
        response = _board_response(
            request, generation, seed, list_seed, htmx_results, whole_page=whole_page
        )
    if new_seed:
        response.set_cookie(
            SEED_COOKIE, str(seed), max_age=SEED_COOKIE_AGE, samesite="Lax", httponly=True
        )
    return response


def _board_response(request, generation, seed, list_seed, htmx_results, *, whole_page):
    """The board rendered from its cached fragments (built when missing)."""
    params = request.GET.copy()
    params.pop("page", None)
    base_query = params.urlencode()
    raw = tuple(sorted((name, tuple(values)) for name, values in request.GET.lists()))
    wanted = {"results": (raw, list_seed, bool(request.htmx))}
    if not htmx_results:
        wanted["filters"] = (tuple(item for item in raw if item[0] != "page"),)
    html = board_cache.get_many(generation, wanted)
    if len(html) < len(wanted):
        html |= _board_fragments(request, generation, seed, base_query, wanted, html)
    # Don't send the whole layout to htmx: it swaps the results only.
    if htmx_results:
        return HttpResponse(html["results"])
    context = {
        "filters_html": html["filters"],
        "results_html": html["results"],
        "axis_slug": request.GET.get("axis", ""),
        "can_create": rules.can_create_proposal(request.user),
        "can_moderate": rules.can_moderate(request.user),
    }
    if not whole_page or generation is None:
        return render(request, "proposals/proposal_list.html", context)
    page = board_cache.page_render(request, "proposals/proposal_list.html", context)
    board_cache.store_page(generation, request, list_seed, page)
    return HttpResponse(board_cache.page_for(request, page))


def _has_messages(request: HttpRequest) -> bool:
    """Whether messages wait for this visitor (looked at, not consumed)."""
    return len(messages.get_messages(request)) > 0


def _board_fragments(request, generation, seed, base_query, wanted, cached) -> dict[str, str]:
    """The board's fragments missing from the cache, rendered and stored."""
    axis_choices, workshop_choices = board_cache.get_or_build(
        generation, "choices", (), lambda: selectors.board_filter_choices(request.user)
    )
    # Always bound (an empty query is a valid, unfiltered board).
    form = BoardFilterForm(
        request.GET, axis_choices=axis_choices, workshop_choices=workshop_choices
    )
    query = form.to_query(seed=seed, page=request.GET.get("page"), default_sort="random")
    built = {}
    if "results" not in cached:
        context = {
            "result": selectors.board_page(request.user, query),
            "query": query,
            "base_query": base_query,
            "chips": form.active_filters(),
        }
        built["results"] = render_to_string(
            "proposals/_board_results.html", context, request=request
        )
    if "filters" in wanted and "filters" not in cached:
        built["filters"] = render_to_string("proposals/_board_filters.html", {"form": form})
    board_cache.set_many(generation, {name: (wanted[name], value) for name, value in built.items()})
    return built


@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    initial = {}
    if slug := request.GET.get("axe"):
        initial["axis"] = Axis.objects.filter(slug=slug).first()
    form = ProposalForm(request.POST or None, initial=initial)
    # A key per form display: a double submit or a retry creates one proposal only.
    client_key = request.POST.get("client_key") or uuid.uuid4().hex
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                author=request.user,
                axis=form.cleaned_data["axis"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                client_key=client_key[:64],
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            messages.success(request, _("Votre proposition est publiée. Merci !"))
            return redirect(proposal)
    return render(
        request,
        "proposals/proposal_form.html",
        {
            "form": form,
            "preview": _preview_of(form),
            "creating": True,
            "client_key": client_key,
            "similar": _similar_of(request, form),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, pk)
    if not rules.can_edit_proposal(request.user, proposal):
        raise PermissionDenied(_("Vous ne pouvez pas modifier cette proposition."))
    form = ProposalForm(
        request.POST or None,
        initial={"axis": proposal.axis, "title": proposal.title, "body": proposal.body},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_update(
                proposal=proposal,
                actor=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                axis=form.cleaned_data["axis"],
                request=request,
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            messages.success(request, _("Proposition modifiée."))
            return redirect(proposal)
    return render(
        request,
        "proposals/proposal_form.html",
        {
            "form": form,
            "proposal": proposal,
            "preview": _preview_of(form),
            "creating": False,
            "similar": _similar_of(request, form, exclude=proposal.pk),
        },
        status=400 if form.errors else 200,
    )


def _preview_of(form) -> str:
    body = form.data.get("body") if form.is_bound else form.initial.get("body")
    return markdown_to_html(body or "")


SIMILAR_TEXT_MAX = 2000


def _similar_text(title: str, body: str) -> str:
    return f"{title[:200]}. {title[:200]}. {body[:SIMILAR_TEXT_MAX]}"


def _similar_of(request: HttpRequest, form, *, exclude: int | None = None) -> list:
    """Existing ideas like the one being written: shown on a submitted form (without JavaScript)."""
    if not form.is_bound:
        return []
    text = _similar_text(form.data.get("title", ""), form.data.get("body", ""))
    return _similar_index().similar_proposals(request.user, text, exclude=exclude)


@login_required
@require_GET
def proposal_similar(request: HttpRequest) -> HttpResponse:
    """Up to three existing ideas like the one being typed (htmx, debounced by the form)."""
    exclude = request.GET.get("exclude", "")
    text = _similar_text(request.GET.get("title", ""), request.GET.get("body", ""))
    similar = _similar_index().similar_proposals(
        request.user, text, exclude=int(exclude) if exclude.isdigit() else None
    )
    return render(request, "proposals/_similar.html", {"similar": similar})


@require_POST
def proposal_preview(request: HttpRequest) -> HttpResponse:
    """The live Markdown preview (htmx): exactly what will be published, through the sanitiser."""
    return render(
        request,
        "proposals/_preview.html",
        {"preview": markdown_to_html(request.POST.get("body", "")[:20_000])},
    )


def _detail_context(request: HttpRequest, proposal: Proposal) -> dict:
    user = request.user
    context = {
        "proposal": proposal,
        "timeline": selectors.proposal_timeline(proposal),
        "comments": _with_comment_perms(user, selectors.proposal_comments(user, proposal)),
        "merged_from": selectors.proposal_merged_from(proposal),
        "supported": proposal.pk in selectors.supported_ids(user, [proposal]),
        "comment_form": CommentForm(),
        "report_form": ReasonForm(),
        "perms": _perms(user, proposal),
    }
    if context["perms"]["status"]:
        context["status_form"] = StatusForm(proposal=proposal)
    if context["perms"]["moderate"]:
        context["merge_form"] = MergeForm()
        context["reason_form"] = ReasonForm()
    return context


@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, pk, tombstone=True)
    if not rules.can_view_proposal(request.user, proposal):
        # Hidden: the public sees that it was, and why; the content stays in the database.
        return render(request, "proposals/proposal_hidden.html", {"proposal": proposal})
    return render(request, "proposals/proposal_detail.html", _detail_context(request, proposal))


def _with_comment_perms(user, comments: list) -> list:
    for comment in comments:
        for item in [comment, *getattr(comment, "visible_replies", [])]:
            item.can_edit = rules.can_edit_comment(user, item)
            item.can_delete = rules.can_delete_comment(user, item)
    return comments


def _perms(user, proposal: Proposal) -> dict:
    return {
        "edit": rules.can_edit_proposal(user, proposal),
        "status": rules.can_change_status(user, proposal) and bool(proposal.allowed_statuses()),
        "merge": rules.can_merge(user) and not proposal.is_merged,
        "moderate": rules.can_moderate(user),
        "support": rules.can_support(user, proposal),
        "comment": rules.can_comment(user, proposal),
        "report": rules.can_report(user, proposal),
        "report_comments": rules.can_report(user),
        "signed_in": rules.is_signed_in(user),
    }


@login_required
@require_POST
def proposal_support(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, pk)
    try:
        if request.POST.get("action") == "remove":
            services.support_remove(proposal=proposal, user=request.user)
        else:
            services.support_add(proposal=proposal, user=request.user)
    except DomainError as exc:
        if request.htmx:
            return HttpResponse(exc.message, status=exc.status)
        messages.error(request, exc.message)
        return redirect(proposal)
    if request.htmx:
        supported = proposal.pk in selectors.supported_ids(request.user, [proposal])
        return render(
            request,
            "proposals/_support.html",
            {"proposal": proposal, "supported": supported, "can_support": True, "live": True},
        )
    return redirect(_next_or(request, proposal.get_absolute_url()))


def _next_or(request: HttpRequest, default: str) -> str:
    return safe_next(request, default)


def _rerender_detail(request: HttpRequest, proposal: Proposal, **forms) -> HttpResponse:
    """A failed form on the proposal page: show the page again with what was typed."""
    context = _detail_context(request, proposal)
    context.update(forms)
    return render(request, "proposals/proposal_detail.html", context, status=400)


@login_required
@require_POST
def proposal_status(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, pk)
    if not rules.can_change_status(request.user, proposal):
        raise PermissionDenied
    form = StatusForm(request.POST, proposal=proposal)
    if form.is_valid():
        try:
            services.proposal_status_change(
                proposal=proposal,
                actor=request.user,
                new_status=form.cleaned_data["new_status"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            messages.success(request, _("Statut mis à jour."))
            return redirect(proposal)
    return _rerender_detail(request, proposal, status_form=form)


@login_required
@require_POST
def proposal_merge(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, pk)
    if not rules.can_merge(request.user):
        raise PermissionDenied
    form = MergeForm(request.POST)
    if form.is_valid():
        target = Proposal.objects.filter(pk=form.cleaned_data["target"]).first()
        if target is None:
            form.add_error("target", _("Aucune proposition ne porte ce numéro."))
        else:
            try:
                services.proposal_merge(
                    source=proposal,
                    target=target,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except DomainError as exc:
                add_form_error(form, exc)
            else:
                messages.success(request, _("Propositions fusionnées."))
                return redirect(_next_or(request, target.get_absolute_url()))
    return _rerender_detail(request, proposal, merge_form=form)


@login_required
@require_POST
def proposal_moderate(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, pk)
    if not rules.can_moderate(request.user):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        service = services.proposal_hide if verb == "hide" else services.proposal_restore
        try:
            service(
                proposal=proposal,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            messages.success(
                request,
                _("Proposition masquée.") if verb == "hide" else _("Proposition rétablie."),
            )
            return redirect(_next_or(request, proposal.get_absolute_url()))
    return _rerender_detail(request, proposal, reason_form=form)


@login_required
@require_POST
def proposal_report(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.report_create(
                reporter=request.user, proposal=proposal, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            messages.success(request, _("Merci, la modération va examiner votre signalement."))
            return redirect(proposal)
    return _rerender_detail(request, proposal, report_form=form)


# --- comments ------------------------------------------------------------------------


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.get_proposal_for_user(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if parent_id := form.cleaned_data.get("parent"):
            parent = proposal.comments.filter(pk=parent_id).first()
        try:
            comment = services.comment_create(
                proposal=proposal,
                author=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                client_key=request.POST.get("client_key", ""),
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            return redirect(comment.get_absolute_url())
    return _rerender_detail(request, proposal, comment_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.get_comment_for_user(request.user, pk)
    if not rules.can_edit_comment(request.user, comment):
        raise PermissionDenied(
            _("Un commentaire se modifie par son auteur·rice, dans les 15 minutes.")
        )
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(
                comment=comment, actor=request.user, body=form.cleaned_data["body"]
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "proposals/comment_form.html",
        {"form": form, "comment": comment},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.get_comment_for_user(request.user, pk)
    try:
        services.comment_delete(comment=comment, actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("Commentaire supprimé."))
    return redirect(comment.get_absolute_url())


@login_required
@require_POST
def comment_report(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.get_comment_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.report_create(
                reporter=request.user, comment=comment, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Merci, la modération va examiner votre signalement."))
    else:
        messages.error(request, _("Indiquez un motif pour signaler ce commentaire."))
    return redirect(comment.get_absolute_url())


@login_required
@require_POST
def comment_moderate(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    comment = selectors.get_comment_for_user(request.user, pk)
    if not rules.can_moderate(request.user):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez un motif."))
        return redirect(_next_or(request, comment.get_absolute_url()))
    service = services.comment_hide if verb == "hide" else services.comment_restore
    try:
        service(
            comment=comment, actor=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Commentaire masqué.") if verb == "hide" else _("Commentaire rétabli.")
        )
    return redirect(_next_or(request, comment.get_absolute_url()))


# --- moderation queue ----------------------------------------------------------------


@login_required
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    if not rules.can_moderate(request.user):
        raise PermissionDenied
    return render(
        request,
        "proposals/moderation_queue.html",
        {**selectors.moderation_queue(), "reason_form": ReasonForm()},
    )


@login_required
@require_GET
def duplicate_queue(request: HttpRequest) -> HttpResponse:
    """Likely duplicates among public proposals, to merge (or leave) one pair at a time."""
    if not rules.can_merge(request.user):
        raise PermissionDenied
    return render(
        request,
        "proposals/duplicate_queue.html",
        {"pairs": _similar_index().duplicate_candidates()},
    )


@login_required
@require_POST
def report_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    if not rules.can_moderate(request.user):
        raise PermissionDenied
    report = get_object_or_404(Report, pk=pk)
    services.report_dismiss(
        report=report, actor=request.user, reason=request.POST.get("reason", ""), request=request
    )
    messages.success(request, _("Signalement classé sans suite."))
    return redirect("proposals:moderation")


# --- axes ----------------------------------------------------------------------------


@require_GET
def axis_detail(request: HttpRequest, slug: str) -> HttpResponse:
    axis = get_object_or_404(Axis, slug=slug)
    return render(
        request,
        "proposals/axis_detail.html",
        {"axis": axis, "overview": selectors.axis_overview(axis, request.user)},
    )

"""Vote pages, all usable without JavaScript: list, ballot, results, facilitator console."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from project.errors import DomainError, NotFoundError, PermissionDeniedError, add_form_error
from project.ids import parse_id
from project.redirects import safe_next
from votes import charts, live, rules, selectors
from votes.contexts import ballot_context, results_context
from votes.forms import BallotForm, SessionForm
from votes.models import Method, SessionState, VoteSession
from votes.services.ballots import ballot_cast
from votes.services.creation import session_create as create_session
from votes.services.lifecycle import (
    session_close,
    session_for_user,
    session_open,
    session_publish,
    session_reveal,
)
from votes.services.moderation import answer_hide, word_hide
from votes.templatetags.votes_tags import projector_vote_panel, room_vote_panel
from workshops.selectors import get_workshop_for_user


def _get(request: HttpRequest, pk: int, *, manage: bool = False) -> VoteSession:
    try:
        return session_for_user(request.user, pk, manage=manage)
    except NotFoundError:
        raise Http404 from None
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None


@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    """Board sessions (open and finished); managers also see drafts.

    Queries: sessions with their axis (1), ballots per session (1).
    """
    qs = (
        VoteSession.objects.on_board()
        .select_related("axis")
        .annotate(ballot_total=Count("ballots"))
    )
    if not rules.can_create_board_session(request.user):
        qs = qs.not_draft()
    sessions = list(qs.order_by("-created_at")[:100])
    return render(
        request,
        "votes/session_list.html",
        {"sessions": sessions, "can_create": rules.can_create_board_session(request.user)},
    )


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get(request, pk)
    context = ballot_context(request, session)
    context["turnout"] = selectors.turnout(session)
    context["can_manage"] = rules.can_manage(request.user, session)
    context["can_see_results"] = rules.can_see_results(request.user, session)
    context["results_revealed"] = rules.results_revealed(session)
    if context["can_see_results"] and session.state != SessionState.DRAFT:
        context.update(results_context(session))
    return render(request, "votes/session_detail.html", context)


@require_POST
def ballot_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get(request, pk)
    if not request.user.is_authenticated:
        return redirect(f"{_login_url()}?next={session.get_absolute_url()}")
    form = BallotForm(session, data=request.POST)
    try:
        _ballot, changed = ballot_cast(
            session=session, voter=request.user, choices=form.choices(), answer=form.answer()
        )
    except DomainError as exc:
        form.errors.append(exc.message)
        context = ballot_context(request, session, form)
        context.update(
            turnout=selectors.turnout(session),
            can_manage=rules.can_manage(request.user, session),
            can_see_results=False,
            results_revealed=rules.results_revealed(session),
        )
        return render(request, "votes/session_detail.html", context, status=exc.status)
    back = safe_next(request, session.get_absolute_url())
    if session.workshop_id and back.startswith(session.workshop.get_absolute_url()):
        # The room thanks the voter itself, with the turnout (votes/room_panel.html).
        return redirect(back)
    if changed:
        messages.success(
            request, _("Votre vote a été modifié. Vous pouvez le changer jusqu'à la clôture.")
        )
    else:
        messages.success(
            request, _("Votre vote est enregistré. Vous pouvez le changer jusqu'à la clôture.")
        )
    return redirect(back)


def _login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


@require_GET
def session_results(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get(request, pk)
    if not rules.can_see_results(request.user, session):
        context = {"session": session, "turnout": selectors.turnout(session), "hidden": True}
        return render(request, "votes/session_results.html", context)
    context = {"session": session, "turnout": selectors.turnout(session), "hidden": False}
    context.update(results_context(session))
    return render(request, "votes/session_results.html", context)


@require_GET
def session_results_svg(request: HttpRequest, pk: int) -> HttpResponse:
    """The overall chart alone (embedding in PDFs and the projector)."""
    session = _get(request, pk)
    if not rules.can_see_results(request.user, session):
        raise Http404
    results = live.results_shown(session)
    svg = charts.results_svg(results, chart_id="vote")
    return HttpResponse(str(svg), content_type="image/svg+xml; charset=utf-8")


MANAGE_ACTIONS = {
    "open": session_open,
    "close": session_close,
    "reveal": session_reveal,
    "publish": session_publish,
}


def _manage_message(action: str, session: VoteSession) -> str:
    """What the facilitator just did, in words (not « C'est fait. »)."""
    if action == "open":
        eligible = selectors.eligible_count(session)
        if eligible is None:
            return _("Vote ouvert : chacun·e peut voter jusqu'à la clôture.")
        return ngettext(
            "Vote ouvert : %(n)d participant·e peut voter.",
            "Vote ouvert : %(n)d participant·es peuvent voter.",
            eligible,
        ) % {"n": eligible}
    if action == "close":
        voted = selectors.ballot_count(session)
        return ngettext(
            "Vote clos : %(n)d bulletin enregistré.",
            "Vote clos : %(n)d bulletins enregistrés.",
            voted,
        ) % {"n": voted}
    if action == "reveal":
        return _("Résultats montrés sur l'écran et les téléphones.")
    return _("Résultats publiés sur le site : chacun·e peut les consulter.")


@login_required
@require_http_methods(["GET", "POST"])
def session_manage(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get(request, pk, manage=True)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in MANAGE_ACTIONS:
                session = MANAGE_ACTIONS[action](
                    session=session, actor=request.user, request=request
                )
                messages.success(request, _manage_message(action, session))
            elif action in ("hide_answer", "restore_answer"):
                answer_hide(
                    session=session,
                    actor=request.user,
                    ballot_id=parse_id(request.POST.get("answer")) or 0,
                    hidden=action == "hide_answer",
                    request=request,
                )
                messages.success(request, _("Modération enregistrée."))
            elif action in ("hide_word", "restore_word"):
                word_hide(
                    session=session,
                    actor=request.user,
                    word=request.POST.get("word", ""),
                    hidden=action == "hide_word",
                    request=request,
                )
                messages.success(request, _("Modération enregistrée."))
            else:
                messages.error(request, _("Action inconnue."))
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Valeur invalide.")))
        # The buttons in the room panel come back to the room.
        return redirect(safe_next(request, reverse("votes:manage", args=[session.pk])))
    context = {
        "session": session,
        "turnout": selectors.turnout(session),
        "answers": selectors.answers_for_moderation(session)
        if session.method == Method.OPEN_QUESTION
        else [],
        "hidden_words": session.hidden_words or [],
    }
    if session.state != SessionState.DRAFT:
        context.update(results_context(session))
    return render(request, "votes/session_manage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    """A new session: on a workshop (``?atelier=<slug>``, its ideas as options) or on the board."""
    try:
        workshop = selectors.workshop_for_new_session(
            request.user, request.GET.get("atelier") or request.POST.get("atelier")
        )
    except NotFoundError:
        raise Http404 from None
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    form = SessionForm(
        request.POST or None,
        proposals_qs=selectors.session_candidates(workshop),
        board=workshop is None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = create_session(
                actor=request.user, workshop=workshop, request=request, **form.session_arguments()
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            messages.success(request, _("Vote créé en brouillon : vérifiez-le puis ouvrez-le."))
            return redirect("votes:manage", pk=session.pk)
    axes = list(form.fields["axis"].queryset) if "axis" in form.fields else []
    return render(
        request, "votes/session_form.html", {"form": form, "workshop": workshop, "axes": axes}
    )


@require_GET
def session_results_partial(request: HttpRequest, pk: int) -> HttpResponse:
    """The results block alone, for the room's live refresh (204 while they are hidden)."""
    session = _get(request, pk)
    if session.state == SessionState.DRAFT or not rules.can_see_results(request.user, session):
        return HttpResponse(status=204)
    context = {"session": session, **results_context(session, chart_prefix=f"live-{session.pk}")}
    return render(request, "votes/_results.html", context)


@require_GET
def room_panel_partial(request: HttpRequest, slug: str) -> HttpResponse:
    """The room's vote panel alone (a vote opened, closed or was revealed)."""
    try:
        access = get_workshop_for_user(request.user, slug)
    except NotFoundError:
        raise Http404 from None
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    return HttpResponse(room_vote_panel({"request": request}, access.workshop, inner=True))


@require_GET
def projector_panel_partial(request: HttpRequest, slug: str) -> HttpResponse:
    """The projector's vote panel alone (only what the room may see)."""
    try:
        access = get_workshop_for_user(request.user, slug)
    except NotFoundError:
        raise Http404 from None
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    return HttpResponse(projector_vote_panel({"request": request}, access.workshop, inner=True))

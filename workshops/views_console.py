"""The facilitator's presenter console: ``/ateliers/<slug>/animer/``.

Two panes: the run sheet and its controls, and a live preview of the stage (the
projector page in a frame of the same origin). Every control is a form that posts
to ``console_action``, which calls one service and comes back to the console with
a message saying what happened; ``static/js/console.js`` sends the same forms with
``fetch`` and refreshes the live part of the page when the room changes.
"""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_replace, csp_update
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from project.errors import DomainError
from realtime.broadcast import room_last_seq
from votes.models import Method, Reveal, SessionState, VoteSession
from workshops import rules, selectors, services, steps, views
from workshops.models import Participant, Phase, PhaseKind, WorkshopState

# Step kinds offered in « Ajouter une étape », in the order a facilitator thinks of them.
STEP_KINDS = [
    PhaseKind.IDEATION,
    PhaseKind.CLUSTERING,
    PhaseKind.VOTE,
    PhaseKind.RESULTS,
    PhaseKind.OPINIONS,
    PhaseKind.DEBATE,
    PhaseKind.WELCOME,
    PhaseKind.SYNTHESIS,
    PhaseKind.OTHER,
]


def _facilitator_access(request: HttpRequest, slug: str) -> selectors.RoomAccess:
    try:
        access = selectors.get_workshop_for_user(request.user, slug)
    except DomainError as error:
        if error.status == 404:
            raise Http404(error.message) from None
        raise PermissionDenied(error.message) from None
    if not rules.is_workshop_facilitator(request.user, access.workshop):
        raise PermissionDenied(_("Réservé à l'équipe d'animation de cet atelier."))
    return access


def _minutes_seconds(seconds: int) -> str:
    return _("%(m)d min %(s)02d s") % {"m": seconds // 60, "s": seconds % 60}


def console_context(request: HttpRequest, access: selectors.RoomAccess) -> dict:
    workshop = access.workshop
    run = list(
        Phase.objects.filter(workshop=workshop)
        .select_related("vote_session")
        .order_by("order", "pk")
    )
    previous, current, following = steps.step_neighbours(workshop, run)
    passed = True
    for step in run:
        if step is current:
            step.status = "current"
            passed = False
        elif step.skipped_at is not None:
            step.status = "skipped"
        elif (current is not None and passed) or (current is None and step.started_at):
            step.status = "done"
        else:
            step.status = "todo"
        step.is_next = following is not None and step.pk == following.pk
    eligible = Participant.objects.filter(workshop=workshop, removed_at__isnull=True).count()
    session = None
    if current is not None and current.vote_session_id:
        session = current.vote_session
    elif current is not None and current.kind == PhaseKind.RESULTS:
        session = steps._results_session(workshop, current)
    turnout = None
    if session is not None:
        from votes import selectors as vote_selectors

        turnout = {"voted": vote_selectors.ballot_count(session), "eligible": eligible}
    ideas = _idea_count(workshop)
    hands = list(workshop.hands.waiting().select_related("participant__user"))
    grouping = {}
    if current is not None and current.kind == PhaseKind.CLUSTERING:
        from workshops.views import grouping_context

        grouping = grouping_context(workshop, request)
    return {
        **grouping,
        "workshop": workshop,
        "run": run,
        "current": current,
        "previous_step": previous,
        "next_step": following,
        "session": session,
        "turnout": turnout,
        "eligible": eligible,
        "idea_count": ideas,
        "hands": hands,
        "timer_text": _minutes_seconds(current.seconds_left()) if current else "",
        "started": any(s.started_at for s in run),
        "templates": steps.template_choices(),
        "step_kinds": [(k.value, k.label) for k in STEP_KINDS],
        "conversations": _conversations(workshop),
        "methods": Method.choices,
        "reveals": Reveal.choices,
        "states": WorkshopState,
        "session_states": SessionState,
        "next_states": sorted(services.TRANSITIONS[WorkshopState(workshop.state)]),
        "can_duplicate": rules.can_create_workshop(request.user),
        "ws_path": f"/ws/workshops/{workshop.slug}/",
        "seq": room_last_seq(workshop.pk),
        "preview_url": reverse("workshops:stage_preview", args=[workshop.slug]),
    }


def _conversations(workshop):
    """The opinion maps of this workshop, offered to an opinion step (read when shown)."""
    from opinions.models import Conversation

    return Conversation.objects.filter(workshop=workshop).only("id", "question")


def _idea_count(workshop) -> int:
    from proposals.models import Proposal

    return Proposal.objects.filter(
        origin_workshop=workshop, is_hidden=False, merged_into__isnull=True
    ).count()


@require_GET
@csp_update({"frame-src": [SELF]})
def console_page(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    access = _facilitator_access(request, slug)
    return render(request, "workshops/console.html", console_context(request, access))


@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def stage_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The stage, framed by the console (same origin only): the projector page itself."""
    _facilitator_access(request, slug)
    return views.projector(request, slug)


# --- actions: each calls one service and says in words what happened --------------------------


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _step(access, post) -> Phase:
    phase = Phase.objects.filter(workshop=access.workshop, pk=_int(post.get("id"))).first()
    if phase is None:
        raise DomainError("not_found", _("Cette étape n'est pas dans cet atelier."))
    return phase


def _session(access, post) -> VoteSession:
    session = VoteSession.objects.filter(
        workshop=access.workshop, pk=_int(post.get("session"))
    ).first()
    if session is None:
        raise DomainError("not_found", _("Ce vote n'est pas dans cet atelier."))
    return session


def _op_step_next(access, user, post, request) -> str:
    return steps.step_next(workshop=access.workshop, actor=user, request=request).message


def _op_step_previous(access, user, post, request) -> str:
    return steps.step_previous(workshop=access.workshop, actor=user, request=request).message


def _op_step_start(access, user, post, request) -> str:
    return steps.step_go_to(
        workshop=access.workshop, actor=user, phase=_step(access, post), request=request
    ).message


def _op_step_add(access, user, post, request) -> str:
    step = steps.step_add(
        workshop=access.workshop,
        actor=user,
        kind=post.get("kind", ""),
        title=post.get("title", ""),
        planned_minutes=post.get("planned_minutes"),
        instructions=post.get("instructions", ""),
        vote={
            key: post.get(key)
            for key in (
                "method",
                "question",
                "options",
                "labels",
                "reveal",
                "dot_budget",
                "dot_cap",
                "max_choices",
            )
        },
        position=post.get("position", "end"),
        conversation=post.get("conversation") or None,
        request=request,
    )
    if post.get("position") == "after_current":
        return _("Étape « %(title)s » ajoutée juste après l'étape en cours.") % {
            "title": step.title
        }
    return _("Étape « %(title)s » ajoutée à la fin du déroulé.") % {"title": step.title}


def _op_step_skip(access, user, post, request) -> str:
    skipped = post.get("skipped", "1") == "1"
    step = steps.step_skip(
        workshop=access.workshop,
        actor=user,
        phase=_step(access, post),
        skipped=skipped,
        request=request,
    )
    if skipped:
        return _("Étape « %(title)s » sautée : « Étape suivante » la passera.") % {
            "title": step.title
        }
    return _("Étape « %(title)s » remise au déroulé.") % {"title": step.title}


def _op_step_move(access, user, post, request) -> str:
    step = _step(access, post)
    direction = post.get("direction", "")
    steps.step_move(workshop=access.workshop, actor=user, phase=step, direction=direction)
    if direction == "up":
        return _("Étape « %(title)s » avancée d'un rang.") % {"title": step.title}
    return _("Étape « %(title)s » reculée d'un rang.") % {"title": step.title}


def _op_step_update(access, user, post, request) -> str:
    step = steps.step_update(
        workshop=access.workshop,
        actor=user,
        phase=_step(access, post),
        title=post.get("title", ""),
        planned_minutes=post.get("planned_minutes"),
        instructions=post.get("instructions", ""),
    )
    return ngettext(
        "Étape « %(title)s » enregistrée : %(n)d min prévue.",
        "Étape « %(title)s » enregistrée : %(n)d min prévues.",
        step.planned_minutes,
    ) % {
        "title": step.title,
        "n": step.planned_minutes,
    }


def _op_template(access, user, post, request) -> str:
    created = steps.runsheet_apply_template(
        workshop=access.workshop, actor=user, template=post.get("template", ""), request=request
    )
    label = steps.TEMPLATES[post["template"]]["label"]
    return ngettext(
        "Déroulé « %(name)s » appliqué : %(n)d étape.",
        "Déroulé « %(name)s » appliqué : %(n)d étapes.",
        len(created),
    ) % {"name": label, "n": len(created)}


def _op_state(access, user, post, request) -> str:
    workshop = services.workshop_state_change(
        workshop=access.workshop, actor=user, to=post.get("to", ""), request=request
    )
    if workshop.state == WorkshopState.LIVE:
        current = workshop.current_phase
        return _(
            "Atelier ouvert en direct : les participant·es peuvent rejoindre avec le code %(code)s. "
            "Étape en cours : « %(title)s »."
        ) % {"code": workshop.join_code, "title": current.title if current else "—"}
    if workshop.state == WorkshopState.CLOSED:
        return _("Atelier clos : plus d'idées ni de votes ; les résultats restent consultables.")
    return _("L'atelier est maintenant « %(state)s ».") % {"state": workshop.get_state_display()}


def _op_timer_start(access, user, post, request) -> str:
    phase = services.timer_start(workshop=access.workshop, actor=user)
    return _("Minuteur lancé : %(left)s restantes.") % {
        "left": _minutes_seconds(phase.seconds_left())
    }


def _op_timer_pause(access, user, post, request) -> str:
    phase = services.timer_pause(workshop=access.workshop, actor=user)
    return _("Minuteur en pause : %(left)s restantes.") % {
        "left": _minutes_seconds(phase.seconds_left())
    }


def _op_timer_extend(access, user, post, request) -> str:
    phase = services.timer_extend(workshop=access.workshop, actor=user, minutes=post.get("minutes"))
    return _("Minuteur prolongé : %(left)s restantes.") % {
        "left": _minutes_seconds(phase.seconds_left())
    }


def _op_lock(access, user, post, request) -> str:
    workshop = services.board_lock(
        workshop=access.workshop, actor=user, locked=post.get("locked") == "1"
    )
    if workshop.board_locked:
        return _("Mur d'idées verrouillé : plus de nouvelles idées pour l'instant.")
    return _("Mur d'idées ouvert : les participant·es peuvent poster des idées.")


def _op_vote_close(access, user, post, request) -> str:
    from votes import selectors as vote_selectors
    from votes import services as vote_services

    session = vote_services.session_close(
        session=_session(access, post), actor=user, request=request
    )
    voted = vote_selectors.ballot_count(session)
    return ngettext(
        "Vote clos : %(n)d bulletin enregistré.",
        "Vote clos : %(n)d bulletins enregistrés.",
        voted,
    ) % {"n": voted}


def _op_vote_reveal(access, user, post, request) -> str:
    from votes import services as vote_services

    vote_services.session_reveal(session=_session(access, post), actor=user, request=request)
    return _("Résultats montrés sur l'écran et les téléphones.")


def _op_vote_publish(access, user, post, request) -> str:
    from votes import services as vote_services

    vote_services.session_publish(session=_session(access, post), actor=user, request=request)
    return _("Résultats publiés sur le site : chacun·e peut les consulter après l'atelier.")


def _op_hand_take(access, user, post, request) -> str:
    hand = services.hand_take(workshop=access.workshop, actor=user)
    if hand is None:
        return _("Personne n'attend la parole.")
    return _("Parole donnée à %(name)s.") % {"name": hand.participant.user.public_name}


def _op_code(access, user, post, request) -> str:
    workshop = services.join_code_regenerate(workshop=access.workshop, actor=user, request=request)
    return _("Nouveau code d'accès : %(code)s. L'ancien ne fonctionne plus.") % {
        "code": workshop.join_code
    }


def _op_joins(access, user, post, request) -> str:
    closed = post.get("closed") == "1"
    services.joins_close(workshop=access.workshop, actor=user, closed=closed, request=request)
    if closed:
        return _("Atelier fermé aux nouvelles arrivées : les participant·es déjà là reviennent.")
    return _("Atelier rouvert : le code permet de nouveau de rejoindre.")


OPS = {
    "step-next": _op_step_next,
    "step-previous": _op_step_previous,
    "step-start": _op_step_start,
    "step-add": _op_step_add,
    "step-skip": _op_step_skip,
    "step-move": _op_step_move,
    "step-update": _op_step_update,
    "template": _op_template,
    "state": _op_state,
    "timer-start": _op_timer_start,
    "timer-pause": _op_timer_pause,
    "timer-extend": _op_timer_extend,
    "lock": _op_lock,
    "vote-close": _op_vote_close,
    "vote-reveal": _op_vote_reveal,
    "vote-publish": _op_vote_publish,
    "hand-take": _op_hand_take,
    "code": _op_code,
    "joins": _op_joins,
}


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@require_POST
def console_action(request: HttpRequest, slug: str, op: str) -> HttpResponse:
    """One console action; the service checks that the user facilitates this workshop."""
    action = OPS.get(op)
    if action is None:
        raise Http404
    access = _facilitator_access(request, slug)
    try:
        message = action(access, request.user, request.POST, request)
    except DomainError as error:
        if _wants_json(request):
            return JsonResponse(
                {"ok": False, "message": str(error.message), "code": error.code},
                status=error.status,
            )
        messages.error(request, error.message)
    else:
        if _wants_json(request):
            return JsonResponse({"ok": True, "message": str(message)})
        messages.success(request, message)
    return redirect("workshops:console_page", slug=slug)


@require_POST
def workshop_duplicate(request: HttpRequest, slug: str) -> HttpResponse:
    access = _facilitator_access(request, slug)
    try:
        copy = steps.workshop_duplicate(
            workshop=access.workshop, actor=request.user, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("workshops:console_page", slug=slug)
    messages.success(
        request,
        _("Atelier dupliqué : « %(title)s », en brouillon, avec le même déroulé.")
        % {"title": copy.title},
    )
    return redirect("workshops:console_page", slug=copy.slug)

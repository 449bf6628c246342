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
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from opinions.models import Conversation
from project.errors import DomainError
from proposals.models import Proposal
from realtime.broadcast import room_last_seq
from votes import selectors as vote_selectors
from votes.models import Method, Reveal, SessionState
from workshops import commands, rules, selectors, services, steps, views
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
    return views.or_http_error(selectors.get_workshop_for_facilitator, request.user, slug)


def _mark_steps(run: list[Phase], current: Phase | None, following: Phase | None) -> None:
    """Each step's ``status`` (current, skipped, done, todo) and whether it ``is_next``."""
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


def console_context(request: HttpRequest, access: selectors.RoomAccess) -> dict:
    workshop = access.workshop
    run = list(
        Phase.objects.filter(workshop=workshop)
        .select_related("vote_session")
        .order_by("order", "pk")
    )
    previous, current, following = steps.step_neighbours(workshop, run)
    _mark_steps(run, current, following)
    eligible = Participant.objects.filter(workshop=workshop, removed_at__isnull=True).count()
    session = None
    if current is not None and current.vote_session_id:
        session = current.vote_session
    elif current is not None and current.kind == PhaseKind.RESULTS:
        session = steps._results_session(workshop, current)
    turnout = None
    if session is not None:
        turnout = {"voted": vote_selectors.ballot_count(session), "eligible": eligible}
    ideas = _idea_count(workshop)
    hands = list(workshop.hands.waiting().select_related("participant__user"))
    grouping = {}
    if current is not None and current.kind == PhaseKind.CLUSTERING:
        grouping = views.grouping_context(workshop, request)
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
        "timer_text": commands.minutes_seconds(current.seconds_left()) if current else "",
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
    return Conversation.objects.filter(workshop=workshop).only("id", "question")


def _idea_count(workshop) -> int:
    return Proposal.objects.filter(
        origin_workshop=workshop, is_hidden=False, merged_into__isnull=True
    ).count()


@require_GET
@csp_update({"frame-src": [SELF]})
def console_page(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
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


# --- actions: each runs one command of ``workshops.commands`` and says what happened -------


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@require_POST
def console_action(request: HttpRequest, slug: str, op: str) -> HttpResponse:
    """One console action; the service checks that the user facilitates this workshop."""
    command = commands.WEB.get(op)
    if command is None:
        raise Http404
    access = _facilitator_access(request, slug)
    try:
        message = commands.execute(
            command,
            workshop=access.workshop,
            actor=request.user,
            params=request.POST,
            client=request,
        ).message()
    except DomainError as error:
        if _wants_json(request):
            return JsonResponse(
                {"ok": False, "message": str(error.message), "code": error.code},
                status=error.status,
            )
        messages.error(request, error.message)
    else:
        if _wants_json(request):
            return JsonResponse({"ok": True, "message": message})
        if message:
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

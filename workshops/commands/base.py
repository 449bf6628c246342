"""What a facilitator's command is made of: its arguments, parsed one way for every door.

A command's arguments come from a form (``request.POST``, strings) or a socket frame
(JSON: strings, numbers, booleans, lists). ``parse_args`` reads both with the same rules,
and a bad argument gives the same translated error whichever door it came through:

- ``ID``: a database id (``project.ids.parse_id``); missing or invalid when required, or
  invalid when optional, is « Donnée manquante ou invalide : <key> »;
- ``NUMBER``: an integer the service range-checks (a position, minutes); one that does not
  parse is ``None``, and the service says which range it wants;
- ``FLAG``: a boolean, spelled ``true``/``false`` (JSON) or ``1``/``0``, ``true``/``false``,
  ``on``/``off``, ``yes``/``no`` (any case); anything else is « Donnée invalide : <key> »;
- ``TEXT``: a string, cut at ``max_length``; any other type is « Donnée invalide »;
- ``IDS``: a list of ids, or ids separated by commas (``grouping.idea_ids_from``);
- ``PHASE``, ``STEP``, ``PARTICIPANT``, ``SESSION``: an id resolved in this workshop, else
  the not-found error of that kind of thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http.request import HttpHeaders
from django.utils.translation import gettext as _

from project.errors import DomainError
from project.ids import parse_id
from votes.models import VoteSession
from workshops import grouping, rules
from workshops.models import Participant, Phase

ID = "id"
NUMBER = "number"
FLAG = "flag"
TEXT = "text"
IDS = "ids"
PHASE = "phase"
STEP = "step"
PARTICIPANT = "participant"
SESSION = "session"

TRUE_SPELLINGS = frozenset({"1", "true", "on", "yes"})
FALSE_SPELLINGS = frozenset({"0", "false", "off", "no", ""})
NUMBER_MAX = 10**9


@dataclass(frozen=True)
class Arg:
    """One argument: ``name`` in the frame or the form, its kind, whether it must be there."""

    name: str
    kind: str = TEXT
    required: bool = False
    default: Any = None
    max_length: int = 5000


def _missing(value) -> bool:
    return value is None or value == ""


def _invalid(key: str) -> DomainError:
    return DomainError("invalid", _("Donnée invalide : %(key)s.") % {"key": key}, field=key)


def parse_id_arg(value, key: str, *, required: bool) -> int | None:
    if _missing(value) and not required:
        return None
    parsed = parse_id(value)
    if parsed is None:
        raise DomainError(
            "invalid", _("Donnée manquante ou invalide : %(key)s.") % {"key": key}, field=key
        )
    return parsed


def parse_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        digits = value.removeprefix("-")
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 10):
            return None
        value = int(value)
    if isinstance(value, int) and -NUMBER_MAX <= value <= NUMBER_MAX:
        return value
    return None


def parse_flag(value, key: str, *, default: bool) -> bool:
    if value is None:
        return bool(default)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        spelled = value.strip().lower()
        if spelled in TRUE_SPELLINGS:
            return True
        if spelled in FALSE_SPELLINGS:
            return False
    raise _invalid(key)


def parse_text(value, key: str, *, default, max_length: int):
    if value is None:
        return default
    if not isinstance(value, str):
        raise _invalid(key)
    return value[:max_length]


def _in_workshop(model, workshop, pk, message: str, *related: str):
    found = None
    if pk is not None:
        found = model.objects.filter(pk=pk, workshop=workshop).select_related(*related).first()
    if found is None:
        raise DomainError("not_found", message)
    return found


def _lookup(kind: str, value, workshop):
    pk = parse_id(value)
    if kind == PHASE:
        return _in_workshop(Phase, workshop, pk, _("Cette phase n'est pas dans cet atelier."))
    if kind == STEP:
        return _in_workshop(Phase, workshop, pk, _("Cette étape n'est pas dans cet atelier."))
    if kind == PARTICIPANT:
        message = _("Cette personne ne participe pas à cet atelier.")
        return _in_workshop(Participant, workshop, pk, message, "user")
    return _in_workshop(VoteSession, workshop, pk, _("Ce vote n'est pas dans cet atelier."))


def _value(params, arg: Arg):
    if arg.kind == IDS and hasattr(params, "getlist"):
        # A form may send several ``ideas`` fields, each an id or ids separated by commas.
        return ",".join(params.getlist(arg.name))
    return params.get(arg.name)


def parse_arg(arg: Arg, params, workshop):
    value = _value(params, arg)
    if arg.kind == ID:
        return parse_id_arg(value, arg.name, required=arg.required)
    if arg.kind == NUMBER:
        return parse_number(value)
    if arg.kind == FLAG:
        return parse_flag(value, arg.name, default=arg.default)
    if arg.kind == TEXT:
        return parse_text(value, arg.name, default=arg.default, max_length=arg.max_length)
    if arg.kind == IDS:
        return grouping.idea_ids_from(value)
    return _lookup(arg.kind, value, workshop)


def parse_args(args, params, workshop) -> dict:
    """``params`` (a form's QueryDict or a frame's dict) read by the specs ``args``."""
    return {arg.name: parse_arg(arg, params, workshop) for arg in args}


@dataclass(frozen=True)
class Call:
    """One command being run: the workshop, who asks, the parsed arguments, and the client
    (the HTTP request, or the socket's ``SocketClient``) whose address the audit log keeps."""

    workshop: Any
    actor: Any
    args: dict
    client: Any = None


def _nothing(result) -> dict:
    return {}


@dataclass(frozen=True)
class Command:
    """A facilitator's command: the same from the room's console, the presenter console and
    the room socket. ``name`` is the socket action (``timer.extend``), ``web`` the form's
    ``op`` (``timer-extend``; None: socket only), ``run`` calls the service, ``ack`` is the
    socket's answer, ``say`` what the presenter console tells the facilitator (None:
    nothing), ``permission`` who may run it (checked, read now, before the arguments)."""

    name: str
    run: Callable[[Call], Any]
    args: tuple[Arg, ...] = ()
    web: str | None = None
    socket: bool = True
    ack: Callable[[Any], dict] = _nothing
    say: Callable[[Any, dict], str] | None = None
    permission: Callable[[Any, Any], bool] = field(default=rules.is_workshop_facilitator_now)


class SocketClient:
    """What a socket knows of its client, shaped as the request the audit log reads the
    address from (``accounts.services.audit_record``: allauth's client IP, which honours
    ``ALLAUTH_TRUSTED_PROXY_COUNT`` and the X-Forwarded-For header as for a page)."""

    def __init__(self, scope: dict | None):
        scope = scope or {}
        meta = {}
        for name, value in scope.get("headers") or ():
            key = name.decode("latin-1").upper().replace("-", "_")
            meta[f"HTTP_{key}"] = value.decode("latin-1")
        client = scope.get("client") or ()
        if client:
            meta["REMOTE_ADDR"] = client[0]
        self.META = meta
        self.headers = HttpHeaders(meta)


def ack_id(obj) -> dict:
    """The socket's answer of a command that returns one object (or None)."""
    return {"id": obj.pk if obj is not None else None}

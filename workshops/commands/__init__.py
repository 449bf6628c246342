"""The facilitator's commands: one table (``table.COMMANDS``), one way to run them.

Each command has a name (the socket action, ``timer.extend``), an argument schema parsed
the same way for a form and a socket frame (``base``), a permission checked before
anything else, the service it calls, and what each door answers. ``views.console``,
``views_console.console_action``, ``views.grouping_action`` and ``socket_actions`` all
call ``execute``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from project.errors import PermissionDeniedError
from workshops.commands.base import Arg, Call, Command, SocketClient, parse_args
from workshops.commands.room import minutes_seconds
from workshops.commands.table import COMMANDS

WEB = {command.web: command for command in COMMANDS.values() if command.web}

__all__ = [
    "COMMANDS",
    "WEB",
    "Arg",
    "Call",
    "Command",
    "Outcome",
    "SocketClient",
    "execute",
    "minutes_seconds",
    "parse_args",
]


@dataclass(frozen=True)
class Outcome:
    """What a command did: the service's result and the arguments it was given."""

    command: Command
    result: Any
    args: dict

    def ack(self) -> dict:
        """The socket's answer."""
        return self.command.ack(self.result)

    def message(self) -> str:
        """What the presenter console says ("" when the command says nothing)."""
        return str(self.command.say(self.result, self.args)) if self.command.say else ""


def execute(command: Command, *, workshop, actor, params, client=None) -> Outcome:
    """Run ``command`` for ``actor`` with the raw ``params`` (a form or a frame's data).

    ``client`` is the HTTP request or the socket's ``SocketClient``: the audit log reads
    the client's address from it. Raises ``DomainError`` (permission, arguments, service)."""
    if not command.permission(actor, workshop):
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )
    args = parse_args(command.args, params, workshop)
    result = command.run(Call(workshop=workshop, actor=actor, args=args, client=client))
    return Outcome(command=command, result=result, args=args)

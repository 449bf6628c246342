"""The facilitator's commands, one row each (name, arguments, permission, service, answers),
gathered from the modules of each subject.

The room's console (``views.console``), the presenter console
(``views_console.console_action``), the grouping panel (``views.grouping_action``) and the
room socket (``socket_actions``) all dispatch through ``workshops.commands.execute``.
"""

from __future__ import annotations

from workshops.commands.room import AGENDA, ROOM, WORKSHOP
from workshops.commands.run_sheet import RUN_SHEET, VOTE
from workshops.commands.wall_groups import GROUPING

COMMANDS = {
    command.name: command for command in [*WORKSHOP, *AGENDA, *ROOM, *RUN_SHEET, *VOTE, *GROUPING]
}

"""Writes on workshops, one module per subject; every caller may keep ``services.x(...)``.

Every change is committed, then broadcast to the room (``broadcast_on_commit``,
last in the transaction). HTTP views, the room socket (``workshops.commands``,
``socket_actions``) and the admin all call these functions, so permissions are
checked here.

- ``rights``: who may write, read now (the facilitator check, the room's rights);
- ``joining``: join codes, guests and members joining, the room closed to arrivals;
- ``participants``: invitations and removals;
- ``lifecycle``: draft → scheduled → live → closed → published;
- ``agenda``: the phases, their order, the current one;
- ``timer``: the current phase's timer;
- ``board``: the wall of ideas and its reactions;
- ``hands``: raised hands;
- ``editing``: creating and editing a workshop's details.

Inside ``workshops/``, import from the subject's module.
"""

from workshops.services.agenda import (
    agenda_create_default,
    phase_add,
    phase_move,
    phase_next,
    phase_start,
    phase_update,
)
from workshops.services.board import (
    board_lock,
    idea_hide,
    idea_merge,
    idea_post,
    idea_spotlight,
    reaction_toggle,
)
from workshops.services.editing import (
    EDITABLE_STATES,
    RESERVED_SLUGS,
    WORKSHOP_DESCRIPTION_MAX,
    workshop_create,
    workshop_update,
)
from workshops.services.hands import hand_lower, hand_raise, hand_take
from workshops.services.joining import (
    DEVICE_MEMORY_SECONDS,
    UNKNOWN_CODE_MESSAGE,
    guest_join,
    join_code_generate,
    join_code_normalize,
    join_code_regenerate,
    joins_close,
    member_join,
    workshop_by_code,
    workshop_join,
)
from workshops.services.lifecycle import TRANSITIONS, workshop_state_change
from workshops.services.participants import (
    invitee_find,
    participant_invite,
    participant_invite_by_identifier,
    participant_remove,
)
from workshops.services.rights import room_rights
from workshops.services.timer import TIMER_MAX_SECONDS, timer_extend, timer_pause, timer_start

__all__ = [
    "DEVICE_MEMORY_SECONDS",
    "EDITABLE_STATES",
    "RESERVED_SLUGS",
    "TIMER_MAX_SECONDS",
    "TRANSITIONS",
    "UNKNOWN_CODE_MESSAGE",
    "WORKSHOP_DESCRIPTION_MAX",
    "agenda_create_default",
    "board_lock",
    "guest_join",
    "hand_lower",
    "hand_raise",
    "hand_take",
    "idea_hide",
    "idea_merge",
    "idea_post",
    "idea_spotlight",
    "invitee_find",
    "join_code_generate",
    "join_code_normalize",
    "join_code_regenerate",
    "joins_close",
    "member_join",
    "participant_invite",
    "participant_invite_by_identifier",
    "participant_remove",
    "phase_add",
    "phase_move",
    "phase_next",
    "phase_start",
    "phase_update",
    "reaction_toggle",
    "room_rights",
    "timer_extend",
    "timer_pause",
    "timer_start",
    "workshop_by_code",
    "workshop_create",
    "workshop_join",
    "workshop_state_change",
    "workshop_update",
]

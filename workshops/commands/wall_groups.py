"""Commands of the grouping panel (workshops.grouping): its web ops are « group-<op> »."""

from __future__ import annotations

from workshops import grouping
from workshops.commands.base import (
    ID,
    IDS,
    NUMBER,
    TEXT,
    Arg,
    Command,
    ack_id,
)

# --- grouping the ideas of the wall (workshops.grouping); the panel's ops are « group-<op> » --

GROUP_NAME = Arg("name", TEXT, default="", max_length=500)

GROUPING = [
    Command(
        "group.create",
        lambda c: grouping.idea_group_create(
            workshop=c.workshop,
            actor=c.actor,
            name=c.args["name"],
            idea_ids=c.args["ideas"],
            request=c.client,
        ),
        args=(GROUP_NAME, Arg("ideas", IDS)),
        web="group-create",
        ack=ack_id,
    ),
    Command(
        "group.rename",
        lambda c: grouping.idea_group_rename(
            workshop=c.workshop,
            actor=c.actor,
            group_id=c.args["id"],
            name=c.args["name"],
            request=c.client,
        ),
        args=(Arg("id", ID, required=True), GROUP_NAME),
        web="group-rename",
        ack=lambda group: {"id": group.pk, "name": group.name},
    ),
    Command(
        "group.move_idea",
        lambda c: grouping.idea_group_move_idea(
            workshop=c.workshop,
            actor=c.actor,
            idea_id=c.args["idea"],
            group_id=c.args["group"],
            request=c.client,
        ),
        args=(Arg("idea", ID, required=True), Arg("group", ID)),
        web="group-move-idea",
        ack=lambda group: {"group": group.pk if group else None},
    ),
    Command(
        "group.merge",
        lambda c: grouping.idea_group_merge(
            workshop=c.workshop,
            actor=c.actor,
            source_id=c.args["source"],
            target_id=c.args["target"],
            request=c.client,
        ),
        args=(Arg("source", ID, required=True), Arg("target", ID, required=True)),
        web="group-merge",
        ack=ack_id,
    ),
    Command(
        "group.dissolve",
        lambda c: grouping.idea_group_dissolve(
            workshop=c.workshop, actor=c.actor, group_id=c.args["id"], request=c.client
        ),
        args=(Arg("id", ID, required=True),),
        web="group-dissolve",
    ),
    Command(
        "group.reorder",
        lambda c: grouping.idea_group_reorder(
            workshop=c.workshop,
            actor=c.actor,
            group_id=c.args["id"],
            position=c.args["position"],
            request=c.client,
        ),
        args=(Arg("id", ID, required=True), Arg("position", NUMBER)),
        web="group-reorder",
        ack=lambda group: {"id": group.pk, "position": group.position},
    ),
    Command(
        # Remembered in the facilitator's session: a page's form only, not the socket.
        "group.ignore",
        lambda c: grouping.suggestion_ignore(
            workshop=c.workshop, actor=c.actor, key=c.args["key"], store=c.client.session
        ),
        args=(Arg("key", TEXT, default="", max_length=2000),),
        web="group-ignore",
        socket=False,
    ),
]

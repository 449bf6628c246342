"""Migrations that keep the site serving during an upgrade (docs/upgrades.md).

An upgrade migrates the database while the previous release still serves (the new code
starts after ``migrate``), and on PostgreSQL a migration must not lock a big table for
long. This reads every migration's operations (no database) and reports what breaks that:

- a NOT NULL column added without ``db_default``: Django adds it with a default and drops
  the default at once, so the previous release's INSERTs (which do not know the column)
  fail until its processes are replaced;
- an index or unique constraint built on a big table without ``CONCURRENTLY``
  (``AddIndexConcurrently``): writes to the table wait for the whole build;
- a column's type changed on a big table (a rewrite under an exclusive lock);
- a column or table removed or renamed: the previous release still reads it (such a
  change goes in two releases: stop using it, then drop it).

The migrations that existed when this check was written are reviewed in docs/upgrades.md
(``sqlmigrate`` of each app's latest) and listed here with what was found; any new
migration must pass.
"""

from __future__ import annotations

from django.db import migrations
from django.db.migrations.loader import MigrationLoader

# Tables that grow with participation (a plenary: thousands of ballots, room events,
# votes on statements), where a lock held for a table scan stops the live rooms.
BIG_TABLES = {
    "accounts.user",
    "accounts.auditevent",
    "proposals.proposal",
    "proposals.support",
    "proposals.comment",
    "workshops.participant",
    "workshops.reaction",
    "votes.ballot",
    "votes.ballotchoice",
    "votes.answerword",
    "realtime.roomevent",
    "opinions.statementvote",
    "decisions.notification",
    "outbox.outboxmessage",
}

# What this check finds in the migrations of the first releases (docs/upgrades.md,
# « What sqlmigrate showed »): applied everywhere already, so kept as they are; each was
# short on the tables of the time (no table rewrite: PostgreSQL 11+ adds a column with a
# constant default without rewriting). A migration that is not listed here must be clean.
REVIEWED = {
    ("proposals", "0004_proposal_client_key_and_more"): [
        "proposals.proposal.client_key: NOT NULL column added without db_default",
        "proposals.proposal: constraint proposal_client_key_unique validated under a lock",
    ],
    ("proposals", "0005_board"): [
        "proposals.proposal.search_text: NOT NULL column added without db_default",
        "proposals.proposal: index proposals_p_comment_ce7608_idx built without CONCURRENTLY",
        "proposals.proposal: index proposals_p_author__464872_idx built without CONCURRENTLY",
    ],
    ("proposals", "0007_public_index"): [
        "proposals.proposal: index proposal_public_idx built without CONCURRENTLY"
    ],
    ("proposals", "0008_public_index_with_origin"): [
        "proposals.proposal: index proposal_public_idx built without CONCURRENTLY"
    ],
    ("workshops", "0002_workshop_board_locked_workshop_closed_at_and_more"): [
        "workshops.workshop.board_locked: NOT NULL column added without db_default",
        "workshops.workshop.livestream_url: NOT NULL column added without db_default",
        "workshops.workshop.video_url: NOT NULL column added without db_default",
    ],
    ("workshops", "0004_workshop_joins_closed"): [
        "workshops.workshop.joins_closed: NOT NULL column added without db_default"
    ],
    ("workshops", "0005_phase_step_activity"): [
        "workshops.phase.config: NOT NULL column added without db_default",
        "workshops.phase.instructions: NOT NULL column added without db_default",
    ],
    ("votes", "0002_vote_option_from_idea_group"): [
        "votes.voteoption.description: NOT NULL column added without db_default"
    ],
    ("decisions", "0005_recommendation_source_idea_group"): [
        "decisions.recommendationsource.idea_group_name: NOT NULL column added without db_default"
    ],
}


def _label(app: str, model_name: str) -> str:
    return f"{app}.{model_name.lower()}"


def unsafe_operations(app: str, migration, before=None) -> list[str]:
    """What in ``migration`` would stop or break the running release; [] if nothing.
    ``before``: the project state before it (to tell a real type change from a new
    label or choices, which change no SQL)."""
    from django.contrib.postgres.operations import AddIndexConcurrently

    created = {
        op.name.lower() for op in migration.operations if isinstance(op, migrations.CreateModel)
    }
    found = []
    for op in migration.operations:
        model = getattr(op, "model_name", None) or getattr(op, "name", "")
        label = _label(app, model or "")
        if (model or "").lower() in created:
            continue  # a new table: empty, nobody reads it yet
        if isinstance(op, migrations.AddField):
            field = op.field
            if (
                not field.null
                and not field.many_to_many
                and getattr(field, "db_default", None) is _not_provided()
            ):
                found.append(f"{label}.{op.name}: NOT NULL column added without db_default")
        elif isinstance(op, migrations.AddIndex) and not isinstance(op, AddIndexConcurrently):
            if label in BIG_TABLES:
                found.append(f"{label}: index {op.index.name} built without CONCURRENTLY")
        elif isinstance(op, migrations.AddConstraint) and label in BIG_TABLES:
            found.append(f"{label}: constraint {op.constraint.name} validated under a lock")
        elif isinstance(op, migrations.AlterField) and _type_changes(app, op, before):
            found.append(f"{label}.{op.name}: column type changed (rewrites the table)")
        elif isinstance(
            op,
            migrations.RemoveField
            | migrations.RenameField
            | migrations.DeleteModel
            | migrations.RenameModel,
        ):
            found.append(f"{label}: {type(op).__name__} while the previous release reads it")
    return found


def _type_changes(app: str, op, before) -> bool:
    from django.db import connection

    if before is None:
        return True
    old = before.models[app, op.model_name.lower()].get_field(op.name)
    return old.db_type(connection) != op.field.db_type(connection) or old.null != op.field.null


def _not_provided():
    from django.db.models.fields import NOT_PROVIDED

    return NOT_PROVIDED


def _project_migrations():
    from django.conf import settings

    ours = {a for a in settings.INSTALLED_APPS if "." not in a and a not in {"channels", "ninja"}}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        # The initial migrations (an app's first, and the split-off FKs of a first release)
        # build the schema of an empty database: nothing serves yet.
        if app in ours and not migration.initial:
            yield app, name, migration, loader.project_state((app, name), at_end=False)


def test_new_migrations_keep_the_previous_release_serving():
    problems = {
        (app, name): found
        for app, name, migration, before in _project_migrations()
        if (app, name) not in REVIEWED and (found := unsafe_operations(app, migration, before))
    }
    assert not problems, (
        "migrations that would stop or break the running release during an upgrade "
        "(docs/upgrades.md says how to write them): " + repr(problems)
    )


def test_the_reviewed_migrations_are_what_the_review_says():
    """The check finds what the review of docs/upgrades.md found: it is not blind."""
    found = {
        (app, name): unsafe_operations(app, migration, before)
        for app, name, migration, before in _project_migrations()
        if (app, name) in REVIEWED
    }
    assert found == REVIEWED

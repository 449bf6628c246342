"""The raw-SQL engine that writes a batch of ballots: a few statements whatever its size.

``ballots_upsert`` creates or takes each voter's ballot row (locked until commit);
``rows_replace`` swaps the rows hanging from those ballots (choices, words of open
answers). PostgreSQL gets one statement of the same text whatever the number of rows
(arrays through ``unnest``); SQLite gets chunked statements under its parameter limit.
Callers (``votes.services.ballots``) have checked every ballot before.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from ops import metrics
from votes.models import Ballot, VoteSession


def ballots_upsert(
    *, session: VoteSession, rows: list[tuple[Any, str, str]]
) -> list[tuple[Ballot, bool]]:
    """Create each voter's ballot or take the existing one, locked until commit; returns
    (ballot, created) per (voter, college, answer) row, in order (one voter per row).

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on PostgreSQL for all of them
    (the row locks make concurrent submissions by one voter queue; ``xmax = 0`` tells a
    new row from an updated one); on SQLite a look-up and one such statement per chunk.
    """
    metrics.BALLOTS.inc(len(rows))  # /metrics: rate() gives ballots per second
    now = timezone.now()
    table = connection.ops.quote_name(Ballot._meta.db_table)
    if connection.vendor == "postgresql":
        # The rows as three arrays: the statement is the same text whatever their number
        # (psycopg parses the text of every query it binds on the client: py-spy saw a
        # VALUES list of 250 rows cost more than its round trip).
        params: list[Any] = [
            session.pk,
            now,
            now,
            [voter.pk for voter, _college, _answer in rows],
            [college for _voter, college, _answer in rows],
            [answer for _voter, _college, answer in rows],
        ]
        sql = (
            f"INSERT INTO {table} (session_id, voter_id, college, answer, answer_hidden, created_at, updated_at) "  # noqa: S608
            "SELECT %s, v.voter_id, v.college, v.answer, false, %s, %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) WITH ORDINALITY "
            "AS v(voter_id, college, answer, n) ORDER BY v.n "
            "ON CONFLICT (session_id, voter_id) DO UPDATE SET college = EXCLUDED.college, "
            "answer = EXCLUDED.answer, answer_hidden = false, updated_at = EXCLUDED.updated_at "
            "RETURNING voter_id, id, (xmax = 0) AS inserted"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            returned = {voter_id: (pk, inserted) for voter_id, pk, inserted in cursor.fetchall()}
    else:
        returned = _ballots_upsert_sqlite(table, session.pk, now, rows)
    result = []
    for voter, college, answer in rows:
        pk, inserted = returned[voter.pk]
        # By column (``session_id``, not ``session``): the relation setter and its
        # router check cost more than the rest of the ballot (py-spy, 500 ballots/s).
        ballot = Ballot(
            pk=pk,
            session_id=session.pk,
            voter_id=voter.pk,
            college=college,
            answer=answer,
            updated_at=now,
        )
        ballot._state.adding = False
        ballot._state.fields_cache.update(session=session, voter=voter)
        result.append((ballot, bool(inserted)))
    return result


# SQLite binds at most 999 parameters per statement in builds older than 3.32: the
# raw statements below stay under that whatever the batch.
_SQLITE_PARAMS = 999


def _ballots_upsert_sqlite(
    table: str, session_id: int, now, rows: list[tuple[Any, str, str]]
) -> dict[int, tuple[int, bool]]:
    """SQLite: which voters already have a ballot (one query per chunk), then one
    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per chunk — not a look-up and a
    save per ballot (py-spy: 82 % of a burst's write time on one process). Writing
    transactions are serialised (``transaction_mode=IMMEDIATE``), so what the look-up
    saw is still true at the insert. Returns ``{voter_id: (ballot_id, created)}``."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    returned: dict[int, tuple[int, bool]] = {}
    chunk = _SQLITE_PARAMS // 5
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            voter_ids = [voter.pk for voter, _college, _answer in part]
            marks = ", ".join(["%s"] * len(voter_ids))
            cursor.execute(
                f"SELECT voter_id FROM {table} WHERE session_id = %s AND voter_id IN ({marks})",  # noqa: S608
                [session_id, *voter_ids],
            )
            existing = {voter_id for (voter_id,) in cursor.fetchall()}
            values = ", ".join(["(%s, %s, %s, %s, 0, %s, %s)"] * len(part))
            params: list[Any] = []
            for voter, college, answer in part:
                params += [session_id, voter.pk, college, answer, stamp, stamp]
            cursor.execute(
                f"INSERT INTO {table} (session_id, voter_id, college, answer, answer_hidden, "  # noqa: S608
                f"created_at, updated_at) VALUES {values} "
                "ON CONFLICT (session_id, voter_id) DO UPDATE SET college = excluded.college, "
                "answer = excluded.answer, answer_hidden = 0, updated_at = excluded.updated_at "
                "RETURNING voter_id, id",
                params,
            )
            for voter_id, pk in cursor.fetchall():
                returned[voter_id] = (pk, voter_id not in existing)
    return returned


def rows_replace(model, columns: tuple[str, ...], ballot_ids: list[int], rows: list[tuple]):
    """Delete the rows of ``model`` that belong to ``ballot_ids``, then insert ``rows``
    (tuples in ``columns`` order). PostgreSQL: two statements of the same text whatever
    the number of rows (the ids and each column as one array), no model instances."""
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor != "postgresql":
        # SQLite: chunked statements of plain tuples (no model instances), each under
        # the parameter limit.
        with connection.cursor() as cursor:
            for start in range(0, len(ballot_ids), _SQLITE_PARAMS):
                part = ballot_ids[start : start + _SQLITE_PARAMS]
                cursor.execute(
                    f"DELETE FROM {table} WHERE ballot_id IN ({', '.join(['%s'] * len(part))})",  # noqa: S608
                    part,
                )
            per = _SQLITE_PARAMS // len(columns)
            row_marks = f"({', '.join(['%s'] * len(columns))})"
            for start in range(0, len(rows), per):
                part = rows[start : start + per]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                    f"VALUES {', '.join([row_marks] * len(part))}",
                    [value for row in part for value in row],
                )
        return
    with connection.cursor() as cursor:
        if ballot_ids:
            cursor.execute(f"DELETE FROM {table} WHERE ballot_id = ANY(%s::bigint[])", [ballot_ids])  # noqa: S608
        if rows:
            fields = [model._meta.get_field(column.removesuffix("_id")) for column in columns]
            types = [
                field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
                for field in fields
            ]
            arrays = ", ".join(f"%s::{_array_type(t)}" for t in types)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})",  # noqa: S608
                [list(column) for column in zip(*rows, strict=True)],
            )


def _array_type(db_type: str) -> str:
    # varchar(20) -> text[]: the column's own check still applies on insert.
    return "text[]" if db_type.startswith("varchar") else f"{db_type.split(' ')[0]}[]"

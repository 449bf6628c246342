"""Writes on votes, one module per subject; this package re-exports the public functions.

- ``creation``: a draft session and its options (``session_create``);
- ``lifecycle``: open, close (also when its end date passes), reveal, publish, and what a
  room may know of a session (``session_public_data``);
- ``ballots``: casting ballots, one or a batch (``ballot_cast``, ``ballots_cast``);
- ``ballot_checks``: a ballot's content against the session's method;
- ``eligibility``: the voters' rows locked with the college their ballot counts in;
- ``bulk``: the raw-SQL statements that write a batch of ballots;
- ``moderation``: hiding open answers and words of the cloud.

Views, the API and the socket actions call these; each checks its permissions itself
(``votes.rules``) and raises ``DomainError``. Callers outside ``votes`` keep
``from votes import services; services.session_open(...)``; inside ``votes`` import
from the subject's module.

Integrity of ballots:

- one ballot per voter per session is the ``ballot_unique_per_voter``
  constraint; a ballot is created with ``INSERT … ON CONFLICT DO NOTHING`` and
  then locked, so simultaneous submissions from several tabs or processes
  serialise on that row and the last one wins whole (choices replaced in the
  same transaction: nobody ever sees half a ballot, and a dot budget checked
  under the lock cannot be overspent by two concurrent submissions);
- closing is final: a ballot takes a shared lock on its session row and
  re-reads the state under it, and closing takes the exclusive lock, so a
  ballot either commits before the close or sees the session closed.
"""

from votes.services.ballot_checks import clean_answer, clean_choices
from votes.services.ballots import BallotRequest, ballot_cast, ballots_cast
from votes.services.creation import MAX_OPTIONS, MIN_OPTIONS, session_create
from votes.services.lifecycle import (
    session_close,
    session_close_if_due,
    session_for_user,
    session_open,
    session_public_data,
    session_publish,
    session_reveal,
)
from votes.services.moderation import answer_hide, word_hide

__all__ = [
    "MAX_OPTIONS",
    "MIN_OPTIONS",
    "BallotRequest",
    "answer_hide",
    "ballot_cast",
    "ballots_cast",
    "clean_answer",
    "clean_choices",
    "session_close",
    "session_close_if_due",
    "session_create",
    "session_for_user",
    "session_open",
    "session_public_data",
    "session_publish",
    "session_reveal",
    "word_hide",
]

"""The similarity index's state in this process, and the signal that makes it look again.

Apart from ``proposals.similar_index`` so that starting a process (``ready()`` connects
the signal) does not load scikit-learn and SciPy: about 0.7 s on an idle core, several
seconds on a busy one, paid by every worker and every test server. The index module is
loaded on the first similar-ideas request; until then there is no index to mark stale.
"""

from __future__ import annotations

import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from proposals.models import Proposal

lock = threading.Lock()
state: dict = {"index": None, "checked_at": 0.0, "building": False}


def mark_stale() -> None:
    """The next use reads the freshness stamp (a proposal was written in this process)."""
    state["checked_at"] = 0.0


def _on_write(sender, **kwargs) -> None:
    mark_stale()
    transaction.on_commit(mark_stale)


def connect() -> None:
    """Called by ``ProposalsConfig.ready``."""
    post_save.connect(_on_write, sender=Proposal, dispatch_uid="similar-index-save")
    post_delete.connect(_on_write, sender=Proposal, dispatch_uid="similar-index-delete")
